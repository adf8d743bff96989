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

interface Progress {
  molecule_id: string;
  molecule_title: string;
  assignee: string | null;
  current_step: string | null;
  next_step: string | null;
  steps: Array<{ issue: { id: string }; status: string; is_current: boolean }>;
  completed: number;
  total: number;
}

describe("bd mol current / progress / show", () => {
  it("current --json is beads' array shape; without an id it finds the actor's molecule", async () => {
    const { dir, root } = await poured();
    await bdJson(dir, ["close", `${root}.first`, "--continue"]);
    const [p] = await bdJson<Progress[]>(dir, ["mol", "current", root]);
    assert.equal(p!.molecule_id, root);
    assert.equal(p!.molecule_title, "chain");
    assert.equal(p!.current_step, `${root}.second`);
    assert.equal(p!.next_step, null);
    assert.deepEqual(
      p!.steps.map((s) => [s.issue.id.replace(`${root}.`, ""), s.status, s.is_current]),
      [
        ["first", "done", false],
        ["second", "current", true],
        ["third", "pending", false],
      ],
    );
    assert.equal(p!.completed, 1);
    assert.equal(p!.total, 3);
    // No id: the molecules whose steps the actor has in progress.
    const mine = await bdJson<Progress[]>(dir, ["mol", "current"]);
    assert.deepEqual(
      mine.map((m) => m.molecule_id),
      [root],
    );
    assert.deepEqual(await bdJson<Progress[]>(dir, ["mol", "current", "--for", "someone-else"]), []);
  });

  it("progress prints a checklist with the current step marked and n/total; show lists the steps", async () => {
    const { dir, root } = await poured();
    await bdJson(dir, ["close", `${root}.first`, "--continue"]);
    const r = await bd(dir, ["mol", "progress", root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(1\/3 done\)/);
    assert.match(r.stdout, new RegExp(`\\[x\\] ${root}\\.first`));
    assert.match(r.stdout, new RegExp(`\\[>\\] ${root}\\.second  Second  ← current`));
    assert.match(r.stdout, new RegExp(`\\[ \\] ${root}\\.third`));
    const s = await bdJson<{ molecule: { id: string }; steps: Array<{ id: string; state: string }> }>(dir, [
      "mol",
      "show",
      root,
    ]);
    assert.equal(s.molecule.id, root);
    assert.deepEqual(
      s.steps.map((x) => `${x.id.replace(`${root}.`, "")}:${x.state}`),
      ["first:done", "second:current", "third:pending"],
    );
    // A bead that is not a molecule: one line, non-zero.
    const bad = await bd(dir, ["mol", "progress", `${root}.first`]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `Error: ${root}.first is not a molecule (it is a task)\n`);
  });
});
