// The issue's "done when" for molecules, end to end on tmux with the script agent: the
// polecat work formula is attached to a bead as it is slung (gt sling mol-polecat-work --on),
// the polecat walks every step in order (each step's sh block, the bead's own block for the
// implement step, bd close --continue between them), ends with gt done, and the refinery
// merges the work.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  agentTranscript,
  bdOk,
  eventually,
  makeRepo,
  mergeRequestBeads,
  newTown,
  type TestTown,
} from "../helpers/town.ts";

interface Bead {
  id: string;
  status: string;
  metadata?: Record<string, unknown>;
}
interface Progress {
  completed: number;
  total: number;
  steps: Array<{ issue: { id: string; status: string }; status: string }>;
}
interface SlingReport {
  outcomes: Array<{ bead: string; polecat: string; session: string; molecule: string | null }>;
  failures: Array<{ bead: string; error: string }>;
}

const STEP_ORDER = ["load-context", "implement", "self-review", "run-gates", "commit", "submit"];

describe("a molecule walked by a polecat, merged by the refinery", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);

  before(async () => {
    town = await newTown("tmux");
    const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
    project = await addBareRig(town, "alpha", {
      seed,
      mergeQueue: { test_command: "test -f README.md", poll_interval_seconds: 2 },
    });
    const started = await town.gt(["refinery", "start", "alpha"]);
    assert.equal(started.code, 0, started.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("mol-polecat-work on a bead: every step walked in order, gt done, merged on main", async () => {
    const id = await bd([
      "create",
      "write the answer",
      "-d",
      "Write the answer.\n\n```sh\necho 42 > answer.txt\n```\n",
      "--silent",
    ]);
    const report = await town.gtJson<SlingReport>([
      "sling",
      "mol-polecat-work",
      "--on",
      id,
      "alpha",
      "--agent",
      "script",
      "--var",
      "test_command=test -f answer.txt",
    ]);
    assert.deepEqual(report.failures, []);
    const o = report.outcomes[0]!;
    assert.match(o.molecule ?? "", /-mol-/);

    await eventually(
      async () => ((JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!.status === "closed" ? 1 : 0),
      120_000,
      "the bead merged and closed",
    );
    const mr = (await mergeRequestBeads<Bead>(town, rigDir())).find((m) => m.metadata?.source_issue === id);
    assert.ok(mr, "a merge request for the bead");
    assert.equal(mr.metadata?.phase, "merged");
    const commit = String(mr.metadata?.merge_commit);
    assert.equal(
      execFileSync("git", ["show", `${commit}:answer.txt`], { cwd: project, encoding: "utf8" }).trim(),
      "42",
    );

    // Every step closed, in the formula's order, by the polecat.
    const p = (JSON.parse(await bd(["mol", "current", o.molecule!, "--json"])) as Progress[])[0]!;
    assert.equal(p.total, STEP_ORDER.length);
    assert.equal(p.completed, p.total, JSON.stringify(p.steps.map((s) => [s.issue.id, s.status])));
    // The molecule itself is finished, not left open once its work merged.
    const root = (JSON.parse(await bd(["show", o.molecule!, "--json"])) as Bead[])[0]!;
    assert.equal(root.status, "closed");
    const log = agentTranscript(town, o.session)
      .filter((l) => l.kind === "log")
      .map((l) => l.text);
    const walked = log
      .map((l) => /^script-agent: step \S+\.([a-z-]+):/.exec(l)?.[1])
      .filter((s): s is string => Boolean(s));
    assert.deepEqual(walked, STEP_ORDER, log.join("\n"));
    // The gates step ran the rig's test given as a var; gt done came last.
    assert.ok(
      log.some((l) => l.includes("gate: test -f answer.txt")),
      log.join("\n"),
    );
    const doneAt = log.findIndex((l) => l.startsWith("script-agent: done with"));
    assert.ok(doneAt > log.findIndex((l) => l.includes(".submit:")), "gt done after the last step");
  });

  it("a step whose script fails: the polecat asks for help and the molecule stays at that step", async () => {
    const id = await bd(["create", "cannot be done", "-d", "Try.\n\n```sh\nexit 3\n```\n", "--silent"]);
    const report = await town.gtJson<SlingReport>([
      "sling",
      "mol-polecat-work",
      "--on",
      id,
      "alpha",
      "--agent",
      "script",
    ]);
    const mol = report.outcomes[0]!.molecule!;
    const bead = await eventually(
      async () => {
        const b = (JSON.parse(await bd(["show", id, "--json"])) as Array<Bead & { labels?: string[] }>)[0]!;
        return b.labels?.includes("gt:escalated") ? b : undefined;
      },
      60_000,
      "the bead escalated",
    );
    assert.equal(bead?.status, "blocked");
    const p = (JSON.parse(await bd(["mol", "current", mol, "--json"])) as Progress[])[0]!;
    const state = Object.fromEntries(p.steps.map((s) => [s.issue.id.slice(mol.length + 1), s.status]));
    assert.equal(state["load-context"], "done");
    assert.equal(state.implement, "current", JSON.stringify(state));
    assert.equal(state.submit, "pending");
    const comments = await bd(["comments", id, "--json"]);
    assert.match(comments, /step \S+\.implement: the script exited with status 3/);
  });

  it("nested steps are walked inside their container, which closes when they are done", async () => {
    mkdirSync(join(town.root, ".beads", "formulas"), { recursive: true });
    writeFileSync(
      join(town.root, ".beads", "formulas", "nested.formula.toml"),
      `formula = "nested"
[[steps]]
id = "ship"
title = "Ship"
[[steps.children]]
id = "pack"
title = "Pack"
description = "\`\`\`sh\\necho pack > pack.txt\\n\`\`\`"
[[steps.children]]
id = "label"
title = "Label"
needs = ["pack"]
[[steps]]
id = "prep"
title = "Prep"
needs = ["ship"]
description = "\`\`\`sh\\necho prep > prep.txt\\n\`\`\`"
[[steps]]
id = "submit"
title = "Submit"
needs = ["prep"]
description = "\`\`\`sh\\ngt done\\n\`\`\`"
`,
    );
    const id = await bd(["create", "nested work", "--silent"]);
    const report = await town.gtJson<SlingReport>([
      "sling",
      "nested",
      "--on",
      id,
      "alpha",
      "--agent",
      "script",
    ]);
    const o = report.outcomes[0]!;
    await eventually(
      async () => ((JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!.status === "closed" ? 1 : 0),
      60_000,
      "the nested work merged",
    );
    const p = (JSON.parse(await bd(["mol", "current", o.molecule!, "--json"])) as Progress[])[0]!;
    assert.equal(p.completed, p.total, JSON.stringify(p.steps.map((s) => [s.issue.id, s.status])));
    const walked = agentTranscript(town, o.session)
      .filter((l) => l.kind === "log")
      .map((l) => new RegExp(`^script-agent: step ${o.molecule}\\.([a-z-.]+):`).exec(l.text)?.[1])
      .filter((s): s is string => Boolean(s));
    // The polecat may have worked other molecules before: only this one's steps.
    assert.deepEqual(walked, ["pack", "label", "prep", "submit"]);
    const mr = (await mergeRequestBeads<Bead>(town, rigDir())).find((m) => m.metadata?.source_issue === id);
    const files = execFileSync(
      "git",
      ["show", "--name-only", "--format=", String(mr?.metadata?.merge_commit)],
      {
        cwd: project,
        encoding: "utf8",
      },
    );
    assert.match(files, /pack\.txt/);
    assert.match(files, /prep\.txt/);
  });
});
