// A convoy formula end to end on tmux with the script agent: gt formula run slings its three
// legs to three polecats that work at the same time; the refinery merges each; once all three
// closed, the deacon's stranded-convoy round slings the synthesis, whose polecat sees every
// leg's work on main, and the convoy lands when the synthesis merges.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  agentTranscript,
  bdOk,
  changeSettings,
  eventually,
  makeRepo,
  newTown,
  type TestTown,
} from "../helpers/town.ts";

const leg = (id: string) => `[[legs]]
id = "${id}"
title = "${id} leg"
description = '''
Write the ${id} part.

\`\`\`sh
sleep 3
echo ${id} > ${id}.txt
\`\`\`
'''
`;

const TRIO = `formula = "trio"
type = "convoy"
description = "Three parts at once, then their mix"
${leg("red")}
${leg("green")}
${leg("blue")}
[synthesis]
title = "Mix"
description = '''
Mix the parts every leg wrote.

\`\`\`sh
cat red.txt green.txt blue.txt > mix.txt
\`\`\`
'''
`;

interface RunResult {
  beads: Array<{ id: string; leg: string | null }>;
  synthesis: string;
  convoy: string;
  sling: { outcomes: Array<{ bead: string; polecat: string; session: string }>; failures: unknown[] };
}

describe("a convoy formula: three legs in parallel, then the synthesis", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "alpha");
  const status = async (id: string) =>
    (JSON.parse(await bdOk(town, rigDir(), ["show", id, "--json"])) as Array<{ status: string }>)[0]!.status;

  before(async () => {
    town = await newTown("tmux");
    const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
    project = await addBareRig(town, "alpha", {
      seed,
      mergeQueue: { test_command: "test -f README.md", poll_interval_seconds: 1 },
    });
    // Polecats the deacon slings run the script agent too; the deacon patrols every second.
    changeSettings(
      town,
      (s) => {
        s.role_agents = { polecat: "script" };
      },
      "alpha",
    );
    changeSettings(town, (s) => {
      s.patrol = { interval: "1s" };
    });
    mkdirSync(join(town.root, ".beads", "formulas"), { recursive: true });
    writeFileSync(join(town.root, ".beads", "formulas", "trio.formula.toml"), TRIO);
    for (const args of [
      ["refinery", "start", "alpha"],
      ["deacon", "start", "--agent", "script"],
    ]) {
      const r = await town.gt(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    }
  });
  after(async () => {
    await town?.cleanup();
  });

  it("legs overlap in time, the synthesis starts after they all closed and sees their work", async () => {
    const run = await town.gtJson<RunResult>(["formula", "run", "trio", "alpha", "--agent", "script"]);
    assert.deepEqual(run.sling.failures, []);
    assert.equal(new Set(run.sling.outcomes.map((o) => o.polecat)).size, 3, "one polecat per leg");
    assert.equal(await status(run.synthesis), "open");

    await eventually(
      async () => (await status(run.synthesis)) === "closed",
      120_000,
      "the synthesis merged and closed",
    );
    const gitIn = (...args: string[]) => execFileSync("git", args, { cwd: project, encoding: "utf8" }).trim();
    assert.equal(gitIn("show", "main:mix.txt"), "red\ngreen\nblue");

    // In parallel: every leg's script started before any of them finished.
    const times = (session: string, prefix: string) =>
      agentTranscript(town, session)
        .filter((l) => l.kind === "log" && l.text.startsWith(prefix))
        .map((l) => Date.parse((l as unknown as { ts: string }).ts));
    const starts = run.sling.outcomes.map((o) => times(o.session, "script-agent: running sh block")[0]!);
    const ends = run.sling.outcomes.map((o) => times(o.session, "script-agent: done with")[0]!);
    assert.ok(
      Math.max(...starts) < Math.min(...ends),
      `legs overlap: starts ${starts.join(",")} ends ${ends.join(",")}`,
    );

    // The synthesis was slung only after the last leg closed (the deacon fed the convoy).
    const events = readFileSync(join(town.root, ".events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            ts?: string;
            timestamp?: string;
            payload?: Record<string, unknown>;
          },
      );
    const fed = events.find((e) => e.type === "convoy_fed");
    assert.ok(fed, "the deacon fed the convoy");
    assert.deepEqual((fed.payload as { beads?: string[] } | undefined)?.beads, [run.synthesis]);

    await eventually(
      async () =>
        (await town.gtJson<{ status: string }>(["convoy", "status", run.convoy])).status === "closed",
      30_000,
      "the convoy to land",
    );
  });
});
