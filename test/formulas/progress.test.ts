// Where a molecule stands (src/formulas/progress.ts): steps in the order their needs give,
// nested steps under their parent, and each step's state as the ledger changes under it.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { moleculeProgress } from "../../src/formulas/progress.ts";
import { findLedger, openLedger } from "../../src/ledger/discovery.ts";
import { bdJson, freshLedger } from "../helpers/bd.ts";

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups.reverse()) c();
});

// Written so that ID order (alphabetical) and run order differ.
const FORMULA = `formula = "ship"
[[steps]]
id = "zeta-plan"
title = "Plan"
[[steps]]
id = "build"
title = "Build"
needs = ["zeta-plan"]
[[steps.children]]
id = "compile"
title = "Compile"
[[steps.children]]
id = "archive"
title = "Archive"
needs = ["compile"]
[[steps]]
id = "approve"
title = "Approve"
needs = ["build"]
gate = { type = "human" }
[[steps]]
id = "announce"
title = "Announce"
needs = ["approve"]
`;

describe("moleculeProgress", () => {
  it("orders steps by their needs, nests children, and follows each step's state", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    writeFileSync(join(l.dir, "ship.formula.toml"), FORMULA);
    const { root_id: root } = await bdJson<{ root_id: string }>(l.dir, [
      "mol",
      "pour",
      "./ship.formula.toml",
    ]);
    const store = openLedger(findLedger(l.dir)!);
    cleanups.push(() => void store.close());
    const view = async () => {
      const p = await moleculeProgress(store, root);
      return {
        ...p,
        rows: p.steps.map((s) => `${"  ".repeat(s.depth)}${s.issue.id.slice(root.length + 1)} ${s.status}`),
      };
    };
    let p = await view();
    assert.deepEqual(p.rows, [
      "zeta-plan ready",
      "build pending",
      "  compile pending", // its parent waits on zeta-plan
      "  archive pending",
      "approve blocked",
      "announce pending",
    ]);
    assert.equal(p.current_step, null);
    assert.equal(p.next_step, `${root}.zeta-plan`);
    assert.deepEqual([p.completed, p.total, p.molecule_id], [0, 6, root]);

    await store.updateIssue(`${root}.zeta-plan`, { status: "in_progress" }, "t");
    p = await view();
    assert.equal(p.rows[0], "zeta-plan current");
    assert.equal(p.current_step, `${root}.zeta-plan`);
    assert.equal(p.next_step, null);
    assert.deepEqual(
      p.steps.filter((s) => s.is_current).map((s) => s.issue.id),
      [`${root}.zeta-plan`],
    );

    await store.closeIssue(`${root}.zeta-plan`, {}, "t");
    p = await view();
    assert.deepEqual(p.rows.slice(0, 4), [
      "zeta-plan done",
      "build ready",
      "  compile ready",
      "  archive pending",
    ]);
    assert.equal(p.next_step, `${root}.build`);
    for (const s of ["compile", "archive", "build"])
      await store.closeIssue(`${root}.${s}`, { force: true }, "t");
    p = await view();
    assert.deepEqual(p.rows.slice(4), ["approve blocked", "announce pending"]);
    await store.closeIssue(`${root}.gate-approve`, {}, "t");
    p = await view();
    assert.deepEqual(p.rows.slice(4), ["approve ready", "announce pending"]);
    assert.equal(p.completed, 4);
    await assert.rejects(moleculeProgress(store, "t-mol-nope"), /no molecule t-mol-nope/);
  });
});
