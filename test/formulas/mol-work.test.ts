// Working a poured molecule from bd: close --continue claims the next step; mol current,
// progress and show read where it stands; squash leaves a digest; burn leaves nothing.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

const CHAIN = `formula = "chain"
description = "Three steps in a row"
[[steps]]
id = "first"
title = "First"
[[steps]]
id = "second"
title = "Second"
needs = ["first"]
[[steps]]
id = "third"
title = "Third"
needs = ["second"]
`;

/** A fresh ledger with the chain formula poured (a wisp with `wisp`); returns dir and root. */
async function poured(how: "pour" | "wisp" = "pour"): Promise<{ dir: string; root: string }> {
  const l = await freshLedger("t");
  cleanups.push(l.cleanup);
  writeFileSync(join(l.dir, "chain.formula.toml"), CHAIN);
  const r = await bdJson<{ root_id: string }>(l.dir, ["mol", how, "./chain.formula.toml"]);
  return { dir: l.dir, root: r.root_id };
}

interface Shown {
  id: string;
  status: string;
  assignee?: string;
}

describe("bd close --continue", () => {
  it("closes the step and claims the molecule's next ready step for the actor", async () => {
    const { dir, root } = await poured();
    const r = await bdJson<{ closed: Shown[]; next: Shown | null; molecule_id: string }>(dir, [
      "close",
      `${root}.first`,
      "--continue",
    ]);
    assert.deepEqual(
      r.closed.map((c) => [c.id, c.status]),
      [[`${root}.first`, "closed"]],
    );
    assert.equal(r.molecule_id, root);
    assert.equal(r.next?.id, `${root}.second`);
    const [second] = await bdJson<Shown[]>(dir, ["show", `${root}.second`]);
    assert.equal(second!.status, "in_progress");
    assert.equal(second!.assignee, "tester");
    // Text: which step is next.
    const t = await bd(dir, ["close", `${root}.second`, "--continue"]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`Next step claimed: ${root}\\.third`));
    const last = await bdJson<{ next: Shown | null; complete: boolean }>(dir, [
      "close",
      `${root}.third`,
      "--continue",
    ]);
    assert.equal(last.next, null);
    assert.equal(last.complete, true);
  });

  it("a bead outside any molecule closes with next null", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const made = await bdJson<Shown>(l.dir, ["create", "Lone task"]);
    const r = await bdJson<{ next: Shown | null; molecule_id: string | null }>(l.dir, [
      "close",
      made.id,
      "--continue",
    ]);
    assert.equal(r.next, null);
    assert.equal(r.molecule_id, null);
  });
});
