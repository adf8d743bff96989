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
    const [r0] = await bdJson<Array<Shown & { close_reason?: string }>>(dir, ["show", root]);
    assert.equal(r0!.status, "closed", "the root closes with the molecule's last step");
    assert.equal(r0!.close_reason, "all steps complete");
  });

  it("a plain bd close of the last open step closes the root; before it, the root stays open", async () => {
    const { dir, root } = await poured();
    await bdJson(dir, ["close", `${root}.first`, `${root}.second`]);
    const [mid] = await bdJson<Shown[]>(dir, ["show", root]);
    assert.equal(mid!.status, "open", "one step is still open");
    const t = await bd(dir, ["close", `${root}.third`]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`Auto-closed completed molecule ${root}`));
    const [end] = await bdJson<Shown[]>(dir, ["show", root]);
    assert.equal(end!.status, "closed");
  });

  it("walks into nested steps and closes their container once they are all done", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const dir = l.dir;
    writeFileSync(
      join(dir, "nested.formula.toml"),
      `formula = "nested"
[[steps]]
id = "prep"
title = "Prep"
[[steps]]
id = "ship"
title = "Ship"
needs = ["prep"]
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
`,
    );
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, [
      "mol",
      "pour",
      "./nested.formula.toml",
    ]);
    const walk: string[] = [];
    let at: string | undefined = `${root}.prep`;
    while (at) {
      const r: { next: Shown | null } = await bdJson(dir, ["close", at, "--continue"]);
      at = r.next?.id;
      if (at) walk.push(at.replace(`${root}.`, ""));
    }
    assert.deepEqual(walk, ["upload", "announce", "docs"]);
    const [ship] = await bdJson<Shown[]>(dir, ["show", `${root}.ship`]);
    assert.equal(ship!.status, "closed");
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

/** Every bead in the ledger (wisps, gates, closed ones): "id status". */
async function everything(dir: string): Promise<string[]> {
  const rows = await bdJson<Shown[]>(dir, [
    "list",
    "--all",
    "--include-ephemeral",
    "--include-gates",
    "--include-templates",
    "--limit",
    "0",
  ]);
  return rows.map((r) => `${r.id} ${r.status}`).sort();
}

describe("bd mol squash / burn", () => {
  it("squash of a wisp leaves a closed digest naming every step, deletes the steps, closes the root", async () => {
    const { dir, root } = await poured("wisp");
    await bdJson(dir, ["close", `${root}.first`, "--reason", "did it", "--continue"]);
    const r = await bdJson<{ digest_id: string; squashed: number; deleted: string[] }>(dir, [
      "mol",
      "squash",
      root,
      "--summary",
      "Halfway there",
    ]);
    assert.equal(r.squashed, 3);
    assert.deepEqual(r.deleted.sort(), [`${root}.first`, `${root}.second`, `${root}.third`]);
    assert.deepEqual(await everything(dir), [`${r.digest_id} closed`, `${root} closed`].sort());
    const [digest] = await bdJson<
      Array<{ title: string; description: string; ephemeral?: boolean; dependencies: Array<{ id: string }> }>
    >(dir, ["show", r.digest_id]);
    assert.equal(digest!.title, "Digest: chain");
    assert.equal(digest!.ephemeral, undefined);
    assert.match(digest!.description, /^Halfway there\n/);
    assert.match(digest!.description, new RegExp(`- \\[x\\] First \\(${root}\\.first, closed\\) — did it`));
    assert.match(digest!.description, new RegExp(`- \\[ \\] Second \\(${root}\\.second, in_progress\\)`));
    assert.match(digest!.description, /1\/3 steps done/);
    assert.deepEqual(
      digest!.dependencies.map((d) => d.id),
      [root],
    );
  });

  it("squash --keep-children keeps the steps, promoted to persistent", async () => {
    const { dir, root } = await poured("wisp");
    const r = await bdJson<{ kept: string[]; deleted: string[] }>(dir, [
      "mol",
      "squash",
      root,
      "--keep-children",
    ]);
    assert.equal(r.kept.length, 3);
    assert.deepEqual(r.deleted, []);
    const [first] = await bdJson<Array<{ ephemeral?: boolean }>>(dir, ["show", `${root}.first`]);
    assert.equal(first!.ephemeral, undefined);
  });

  it("burn removes the root, steps, gates and edges and nothing else; a non-molecule is refused", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const dir = l.dir;
    writeFileSync(
      join(dir, "gated.formula.toml"),
      `formula = "gated"
[[steps]]
id = "a"
title = "A"
[[steps]]
id = "b"
title = "B"
needs = ["a"]
gate = { type = "human" }
`,
    );
    const work = await bdJson<Shown>(dir, ["create", "Real work"]);
    const before = await everything(dir);
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, ["mol", "pour", "./gated.formula.toml"]);
    await bdJson(dir, ["dep", "add", work.id, root, "--type", "related"]);
    assert.equal((await everything(dir)).length, before.length + 4);
    const bad = await bd(dir, ["mol", "burn", work.id]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, `Error: ${work.id} is not a molecule (it is a task)\n`);
    const r = await bdJson<{ deleted: string[] }>(dir, ["mol", "burn", root]);
    assert.equal(r.deleted.length, 4);
    assert.deepEqual(await everything(dir), before);
    const [w] = await bdJson<Array<{ dependencies?: unknown[] }>>(dir, ["show", work.id]);
    assert.deepEqual(w!.dependencies ?? [], []);
  });
});

interface BondJson {
  result_id: string;
  result_type: string;
  bond_type: string;
  spawned: number;
  id_mapping: Record<string, string>;
}

describe("bd mol bond", () => {
  it("attaches a wisp to a work bead (the bead waits for it) and spawns a formula with --ephemeral --var", async () => {
    const { dir, root } = await poured("wisp");
    const work = await bdJson<Shown>(dir, ["create", "Real work"]);
    const r = await bdJson<BondJson>(dir, ["mol", "bond", root, work.id]);
    assert.deepEqual(r, {
      bond_type: "sequential",
      id_mapping: {},
      result_id: root,
      result_type: "compound_molecule",
      schema_version: 1,
      spawned: 0,
    });
    const [w] = await bdJson<Array<{ dependencies: Array<{ id: string; dependency_type: string }> }>>(dir, [
      "show",
      work.id,
    ]);
    assert.deepEqual(
      w!.dependencies.map((d) => [d.id, d.dependency_type]),
      [[root, "blocks"]],
    );
    // The fallback Gas Town uses: the formula itself, spawned as a wisp.
    const other = await bdJson<Shown>(dir, ["create", "Other work"]);
    const f = await bdJson<BondJson>(dir, [
      "mol",
      "bond",
      "./chain.formula.toml",
      other.id,
      "--ephemeral",
      "--type",
      "parallel",
    ]);
    assert.match(f.result_id, /^t-wisp-/);
    assert.equal(f.spawned, 4);
    assert.equal(f.bond_type, "parallel");
    assert.equal(f.id_mapping["chain.second"], `${f.result_id}.second`);
    const [o] = await bdJson<Array<{ dependencies: Array<{ id: string; dependency_type: string }> }>>(dir, [
      "show",
      other.id,
    ]);
    assert.deepEqual(
      o!.dependencies.map((d) => [d.id, d.dependency_type]),
      [[f.result_id, "related"]],
    );
  });

  it("refuses a bad bond type, two formulas, and leaves no spawned molecule behind a failed bond", async () => {
    const { dir, root } = await poured();
    const before = await everything(dir);
    const bad = await bd(dir, ["mol", "bond", root, `${root}.first`, "--type", "sideways"]);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      'Error: invalid bond type "sideways" (expected sequential, parallel or conditional)\n',
    );
    const two = await bd(dir, ["mol", "bond", "./chain.formula.toml", "./chain.formula.toml"]);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /^Error: .*bonding two formulas is not supported.*\n$/);
    // A bond onto a bead that does not exist spawns nothing.
    const gone = await bd(dir, ["mol", "bond", "./chain.formula.toml", "t-nope"]);
    assert.equal(gone.code, 1);
    assert.deepEqual(await everything(dir), before);
  });
});

interface WispListJson {
  wisps: Array<{
    id: string;
    title: string;
    status: string;
    priority: number;
    type: string;
    labels: string[];
    created_at: string;
    updated_at: string;
    old: boolean;
  }>;
  count: number;
  old_count: number;
}

describe("bd mol wisp list / gc", () => {
  it("lists top-level wisps with beads' shape; gc removes closed ones, then old ones nobody works on", async () => {
    const { dir, root } = await poured("wisp");
    const lone = await bdJson<Shown>(dir, ["create", "Lone wisp", "--ephemeral"]);
    const { root_id: done } = await bdJson<{ root_id: string }>(dir, ["mol", "wisp", "./chain.formula.toml"]);
    await bdJson(dir, ["close", done, "--force"]);
    const l = await bdJson<WispListJson>(dir, ["mol", "wisp", "list"]);
    assert.equal(l.count, 2);
    assert.equal(l.old_count, 0);
    assert.deepEqual(l.wisps.map((w) => w.id).sort(), [root, lone.id].sort());
    const w = l.wisps.find((x) => x.id === root)!;
    assert.deepEqual(Object.keys(w).sort(), [
      "created_at",
      "id",
      "labels",
      "old",
      "priority",
      "status",
      "title",
      "type",
      "updated_at",
    ]);
    assert.equal(w.type, "molecule");
    assert.equal((await bdJson<WispListJson>(dir, ["mol", "wisp", "list", "--all"])).count, 3);
    assert.equal((await bdJson<WispListJson>(dir, ["mol", "wisp", "list", "--age", "0s"])).old_count, 2);
    // Dry run: the closed wisp is named, nothing goes.
    const before = await everything(dir);
    const dry = await bdJson<{ removed: Array<{ id: string; reason: string }> }>(dir, [
      "mol",
      "wisp",
      "gc",
      "--dry-run",
    ]);
    assert.deepEqual(
      dry.removed.map((r) => [r.id, r.reason]),
      [[done, "closed"]],
    );
    assert.deepEqual(await everything(dir), before);
    const gc = await bdJson<{ deleted: number }>(dir, ["mol", "wisp", "gc"]);
    assert.equal(gc.deleted, 4);
    assert.equal((await everything(dir)).filter((x) => x.startsWith(done)).length, 0);
    // Old: the open molecule goes; the lone wisp someone claimed stays unless --all.
    await bdJson(dir, ["update", lone.id, "--claim"]);
    const old = await bdJson<{ removed: Array<{ id: string; reason: string }> }>(dir, [
      "mol",
      "wisp",
      "gc",
      "--age",
      "0s",
    ]);
    assert.deepEqual(
      old.removed.map((r) => [r.id, r.reason]),
      [[root, "old"]],
    );
    assert.deepEqual(await everything(dir), [`${lone.id} in_progress`]);
    const bad = await bd(dir, ["mol", "wisp", "gc", "--age", "soon"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error: invalid --age "soon" (examples: 90s, 5m, 1h30m, 2d)\n');
  });
});

describe("bd cook --persist", () => {
  it("writes the proto as template beads <prefix>-<formula>.<step>, out of lists and ready; --force replaces it", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const dir = l.dir;
    writeFileSync(
      join(dir, "chain.formula.toml"),
      CHAIN.replace('title = "First"', 'title = "First for {{who}}"'),
    );
    const r = await bdJson<{
      proto_id: string;
      phase: string;
      created: number;
      id_mapping: Record<string, string>;
    }>(dir, ["cook", "./chain.formula.toml", "--persist"]);
    assert.equal(r.proto_id, "t-chain");
    assert.equal(r.phase, "solid");
    assert.equal(r.created, 4);
    assert.equal(r.id_mapping["chain.third"], "t-chain.third");
    const [root] = await bdJson<Array<{ issue_type: string; is_template?: boolean }>>(dir, [
      "show",
      "t-chain",
    ]);
    assert.equal(root!.issue_type, "molecule");
    assert.equal(root!.is_template, true);
    const [first] = await bdJson<Array<{ title: string; is_template?: boolean }>>(dir, [
      "show",
      "t-chain.first",
    ]);
    assert.equal(first!.title, "First for {{who}}");
    assert.equal(first!.is_template, true);
    assert.deepEqual(await bdJson(dir, ["list"]), []);
    assert.deepEqual(await bdJson(dir, ["ready"]), []);
    const again = await bd(dir, ["cook", "./chain.formula.toml", "--persist"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "Error: proto t-chain already exists (--force replaces it)\n");
    const forced = await bd(dir, ["cook", "./chain.formula.toml", "--persist", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await everything(dir)).length, 4);
  });
});

describe("pouring from a persisted proto", () => {
  it("bd mol pour <proto> clones the template beads with vars substituted; bond spawns a proto as a wisp", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const dir = l.dir;
    writeFileSync(
      join(dir, "chain.formula.toml"),
      CHAIN.replace('title = "First"', 'title = "First for {{who}}"'),
    );
    await bdJson(dir, ["cook", "./chain.formula.toml", "--persist"]);
    const r = await bdJson<{ root_id: string; created: number; id_mapping: Record<string, string> }>(dir, [
      "mol",
      "pour",
      "t-chain",
      "--var",
      "who=Ada",
    ]);
    assert.match(r.root_id, /^t-mol-[0-9a-z]{6}$/);
    assert.equal(r.created, 4);
    assert.equal(r.id_mapping["chain.second"], `${r.root_id}.second`);
    const [first] = await bdJson<Array<{ title: string; is_template?: boolean }>>(dir, [
      "show",
      `${r.root_id}.first`,
    ]);
    assert.equal(first!.title, "First for Ada");
    assert.equal(first!.is_template, undefined);
    // Edges rebuilt through the map: the chain is worked in order.
    assert.deepEqual(
      (await bdJson<Shown[]>(dir, ["ready", "--mol", r.root_id])).map((x) => x.id),
      [`${r.root_id}.first`],
    );
    const p = await bdJson<Progress>(dir, ["mol", "progress", r.root_id]);
    assert.deepEqual(
      p.steps.map((x) => x.status),
      ["ready", "pending", "pending"],
    );
    // The proto itself is untouched.
    const [proto] = await bdJson<Array<{ title: string }>>(dir, ["show", "t-chain.first"]);
    assert.equal(proto!.title, "First for {{who}}");
    const work = await bdJson<Shown>(dir, ["create", "Real work"]);
    const b = await bdJson<BondJson>(dir, [
      "mol",
      "bond",
      "t-chain",
      work.id,
      "--ephemeral",
      "--var",
      "who=Bo",
    ]);
    assert.match(b.result_id, /^t-wisp-/);
    assert.equal(b.spawned, 4);
  });
});

describe("bd mol seed / distill", () => {
  it("seed --patrol checks the patrol formulas cook; a missing one fails the seed", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const ok = await bdJson<{ ok: boolean; seeded: Array<{ formula: string; ok: boolean }> }>(l.dir, [
      "mol",
      "seed",
      "--patrol",
    ]);
    assert.equal(ok.ok, true);
    assert.deepEqual(
      ok.seeded.map((x) => x.formula),
      ["mol-witness-patrol", "mol-refinery-patrol", "mol-deacon-patrol"],
    );
    const bad = await bd(l.dir, ["mol", "seed", "mol-witness-patrol", "no-such-formula"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /✓ mol-witness-patrol/);
    assert.match(bad.stdout, /✗ no-such-formula: /);
  });

  it("distill writes the molecule back as a formula that cooks to the same steps, values back to {{vars}}", async () => {
    const l = await freshLedger("t");
    cleanups.push(l.cleanup);
    const dir = l.dir;
    writeFileSync(
      join(dir, "release.formula.toml"),
      `formula = "release"
[vars]
version = { required = true }
[[steps]]
id = "build"
title = "Build {{version}}"
[[steps]]
id = "approve"
title = "Approve {{version}}"
needs = ["build"]
gate = { type = "timer", timeout = "2h" }
[[steps]]
id = "ship"
title = "Ship"
needs = ["approve"]
[[steps.children]]
id = "upload"
title = "Upload"
[[steps.children]]
id = "announce"
title = "Announce {{version}}"
needs = ["upload"]
`,
    );
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, [
      "mol",
      "pour",
      "./release.formula.toml",
      "--var",
      "version=2.0",
    ]);
    const d = await bdJson<{ name: string; path: string; steps: number }>(dir, [
      "mol",
      "distill",
      root,
      "--var",
      "version=2.0",
    ]);
    assert.equal(d.name, "release-distilled");
    assert.equal(d.path, join(dir, ".beads", "formulas", "release-distilled.formula.toml"));
    assert.equal(d.steps, 5);
    interface CookStep {
      id: string;
      title: string;
      needs?: string[];
      gate?: { type: string; timeout?: string };
      children?: CookStep[];
    }
    const cooked = await bdJson<{ steps: CookStep[]; variables: string[] }>(dir, [
      "cook",
      "release-distilled",
    ]);
    const flat = (steps: CookStep[], out: string[] = []): string[] => {
      for (const s of steps) {
        out.push(
          `${s.id}:${s.title}:${(s.needs ?? []).join("+")}${s.gate ? `:gate ${s.gate.type} ${s.gate.timeout}` : ""}`,
        );
        flat(s.children ?? [], out);
      }
      return out;
    };
    assert.deepEqual(flat(cooked.steps), [
      "build:Build {{version}}:",
      "approve:Approve {{version}}:build:gate timer 2h",
      "ship:Ship:approve",
      "upload:Upload:",
      "announce:Announce {{version}}:upload",
    ]);
    assert.deepEqual(cooked.variables, ["version"]);
    const again = await bd(dir, ["mol", "distill", root, "--var", "version=2.0"]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^Error: .*release-distilled\.formula\.toml exists \(--force overwrites it\)\n$/,
    );
  });
});
