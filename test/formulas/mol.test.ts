// bd mol pour / bd mol wisp: a formula becomes a molecule root and one child bead per step,
// wired by its needs, with gates as beads; wisps are ephemeral; a bad var creates nothing.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { findLedger, openLedger } from "../../src/ledger/discovery.ts";
import type { Ledger } from "../../src/ledger/store.ts";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

interface PourJson {
  new_epic_id: string;
  root_id: string;
  id_mapping: Record<string, string>;
  created: number;
  phase: string;
  formula: string;
  schema_version: number;
}

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

async function ledgerDir(): Promise<string> {
  const l = await freshLedger("t");
  cleanups.push(l.cleanup);
  return l.dir;
}

/** The ledger in `dir`, opened in-process to read edges; closed after the test file. */
function store(dir: string): Ledger {
  const s = openLedger(findLedger(dir)!);
  cleanups.unshift(() => void s.close());
  return s;
}

/** "<step> <- <type>:<target>, …" for a bead, targets shortened to what follows the root. */
async function edges(s: Ledger, id: string, root: string): Promise<string[]> {
  const short = (x: string) => (x === root ? "root" : x.replace(`${root}.`, ""));
  return (await s.dependencyRecords(id)).map((d) => `${d.type}:${short(d.depends_on_id)}`).sort();
}

async function readyIds(dir: string, root: string): Promise<string[]> {
  const rows = await bdJson<Array<{ id: string }>>(dir, ["ready", "--mol", root]);
  return rows.map((r) => r.id.replace(`${root}.`, ""));
}

describe("bd mol pour", () => {
  it("pours mol-polecat-work: a molecule root, one child per step, each blocked by the one it needs", async () => {
    const dir = await ledgerDir();
    const r = await bdJson<PourJson>(dir, [
      "mol",
      "pour",
      "mol-polecat-work",
      "--var",
      "issue=t-abc",
      "--assignee",
      "me",
    ]);
    assert.match(r.root_id, /^t-mol-[0-9a-z]{6}$/);
    assert.equal(r.new_epic_id, r.root_id);
    assert.equal(r.phase, "liquid");
    assert.equal(r.created, 7);
    assert.deepEqual(Object.keys(r.id_mapping).sort(), [
      "mol-polecat-work",
      "mol-polecat-work.commit",
      "mol-polecat-work.implement",
      "mol-polecat-work.load-context",
      "mol-polecat-work.run-gates",
      "mol-polecat-work.self-review",
      "mol-polecat-work.submit",
    ]);
    assert.equal(r.id_mapping["mol-polecat-work.implement"], `${r.root_id}.implement`);
    const s = store(dir);
    const root = (await s.getIssue(r.root_id))!;
    assert.equal(root.issue_type, "molecule");
    assert.equal(root.assignee, "me");
    assert.equal(root.ephemeral, undefined);
    const step = (await s.getIssue(`${r.root_id}.load-context`))!;
    assert.match(step.description!, /bd show t-abc/);
    assert.equal(step.acceptance_criteria, "You can say in one sentence what done looks like for t-abc");
    assert.deepEqual(await edges(s, `${r.root_id}.load-context`, r.root_id), ["parent-child:root"]);
    assert.deepEqual(await edges(s, `${r.root_id}.run-gates`, r.root_id), [
      "blocks:self-review",
      "parent-child:root",
    ]);
    // Ready steps follow the chain as steps close.
    assert.deepEqual(await readyIds(dir, r.root_id), ["load-context"]);
    await bdJson(dir, ["close", `${r.root_id}.load-context`]);
    assert.deepEqual(await readyIds(dir, r.root_id), ["implement"]);
  });

  it("a missing required var is one line naming file and line, and nothing is created", async () => {
    const dir = await ledgerDir();
    const r = await bd(dir, ["mol", "pour", "mol-polecat-work"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^Error: \/.*\/formulas\/mol-polecat-work\.formula\.toml:12: var "issue" is required \(give --var issue=\.\.\.\)\n$/,
    );
    assert.equal((await bd(dir, ["count"])).stdout.trim(), "0");
  });

  it("gates become gate beads that block their step; children nest; a false condition pours no step", async () => {
    const dir = await ledgerDir();
    const file = join(dir, "release.formula.toml");
    writeFileSync(
      file,
      `formula = "release"
[vars]
docs = "no"
version = "1.0"
[[steps]]
id = "build"
title = "Build {{version}}"
[[steps]]
id = "approve"
title = "Approval"
needs = ["build"]
gate = { type = "human", await_id = "release-{{version}}" }
[[steps]]
id = "ship"
title = "Ship"
needs = ["approve"]
[[steps.children]]
id = "upload"
title = "Upload"
[[steps.children]]
id = "announce"
title = "Announce"
needs = ["upload"]
[[steps]]
id = "docs"
title = "Docs"
needs = ["ship"]
condition = "{{docs}}"
`,
    );
    const r = await bdJson<PourJson>(dir, ["mol", "pour", "./release.formula.toml", "--var", "version=2.0"]);
    const root = r.root_id;
    assert.deepEqual(
      Object.values(r.id_mapping)
        .map((id) => id.replace(root, "root"))
        .sort(),
      [
        "root",
        "root.announce",
        "root.approve",
        "root.build",
        "root.gate-approve",
        "root.ship",
        "root.upload",
      ],
    );
    const s = store(dir);
    const gate = (await s.getIssue(`${root}.gate-approve`))!;
    assert.equal(gate.issue_type, "gate");
    assert.equal(gate.await_type, "human");
    assert.equal(gate.await_id, "release-2.0");
    assert.deepEqual(await edges(s, `${root}.approve`, root), [
      "blocks:build",
      "blocks:gate-approve",
      "parent-child:root",
    ]);
    assert.equal((await s.getIssue(`${root}.ship`))!.issue_type, "epic");
    assert.deepEqual(await edges(s, `${root}.announce`, root), ["blocks:upload", "parent-child:ship"]);
    assert.equal((await s.getIssue(`${root}.build`))!.title, "Build 2.0");
    // build is ready; approve waits for build and for its gate.
    await bdJson(dir, ["close", `${root}.build`]);
    assert.deepEqual(await readyIds(dir, root), []);
    await bdJson(dir, ["close", `${root}.gate-approve`]);
    assert.deepEqual(await readyIds(dir, root), ["approve"]);
  });
});

describe("bd mol wisp", () => {
  it("pours ephemeral beads with -wisp- ids; --root-only (and Gas Town's `create` spelling) only the root", async () => {
    const dir = await ledgerDir();
    const r = await bdJson<PourJson>(dir, ["mol", "wisp", "mol-witness-patrol", "--var", "rig=gastown"]);
    assert.match(r.root_id, /^t-wisp-[0-9a-z]{6}$/);
    assert.equal(r.phase, "vapor");
    assert.equal(r.created, 7);
    const s = store(dir);
    const root = (await s.getIssue(r.root_id))!;
    assert.equal(root.ephemeral, true);
    assert.equal(root.wisp_type, "patrol");
    assert.equal((await s.getIssue(`${r.root_id}.survey`))!.ephemeral, true);
    // Wisps stay out of the persistent list.
    assert.deepEqual(await bdJson(dir, ["list"]), []);
    const only = await bdJson<PourJson>(dir, ["mol", "wisp", "create", "mol-deacon-patrol", "--root-only"]);
    assert.equal(only.created, 1);
    assert.deepEqual(only.id_mapping, { "mol-deacon-patrol": only.root_id });
    assert.equal(await s.getIssue(`${only.root_id}.heartbeat`), undefined);
  });
});
