// gt costs --by agent|bead|convoy, --rig, --since: sessions' usage (from the agents' own
// transcripts) summed by who, by the bead slung to them and by that bead's convoy.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { recordTranscript } from "../../src/sessions/transcripts.ts";
import { addBareRig, bdOk, newTown, type TestTown } from "../helpers/town.ts";

interface Group {
  key: string | null;
  sessions: number;
  input_tokens: number;
  output_tokens: number;
  replies: number;
}

/** A Claude Code session transcript with one reply per entry of `outputs`. */
function claudeTranscript(path: string, outputs: number[]): void {
  writeFileSync(
    path,
    outputs
      .map((out, i) =>
        JSON.stringify({
          type: "assistant",
          requestId: `req-${i}`,
          message: { id: `msg-${i}`, usage: { input_tokens: 100, output_tokens: out } },
        }),
      )
      .join("\n"),
  );
}

describe("gt costs grouping", () => {
  let town: TestTown;
  let beadA = "";
  let beadB = "";
  let convoy = "";
  const holders: Record<string, string> = {};

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    const rig = join(town.root, "alpha");
    beadA = await bdOk(town, rig, ["create", "first", "--silent"]);
    beadB = await bdOk(town, rig, ["create", "second", "--silent"]);
    // Both in one sling: one convoy, one polecat each.
    const report = await town.gtJson<{ convoy: string; outcomes: Array<{ bead: string; target: string }> }>([
      "sling",
      beadA,
      beadB,
      "alpha",
      "--no-start",
    ]);
    convoy = report.convoy;
    for (const o of report.outcomes) holders[o.bead] = o.target;
    // Each polecat's session recorded its transcript as the agent hook does.
    const runtime = join(town.root, ".runtime");
    const sessions: Array<[string, number[]]> = [
      [beadA, [10, 20]],
      [beadB, [5]],
    ];
    for (const [i, [bead, outputs]] of sessions.entries()) {
      const file = join(town.scratch, `t${i}.jsonl`);
      claudeTranscript(file, outputs);
      recordTranscript(runtime, JSON.stringify({ session_id: `s${i}`, transcript_path: file }), {
        actor: holders[bead]!,
        session: `al-s${i}`,
        agent: "claude",
      });
    }
  });
  after(async () => {
    await town?.cleanup();
  });

  it("sums by agent, by the bead slung to the agent, and by the bead's convoy", async () => {
    assert.ok(convoy, "the sling made a convoy");
    const byAgent = await town.gtJson<{ groups: Group[] }>(["costs", "--by", "agent"]);
    assert.deepEqual(
      byAgent.groups.map((g) => [g.key, g.output_tokens, g.replies]),
      [
        [holders[beadA], 30, 2],
        [holders[beadB], 5, 1],
      ],
    );
    const byBead = await town.gtJson<{ groups: Group[] }>(["costs", "--by", "bead"]);
    assert.deepEqual(
      byBead.groups.map((g) => [g.key, g.output_tokens, g.input_tokens]),
      [
        [beadA, 30, 200],
        [beadB, 5, 100],
      ],
    );
    const byConvoy = await town.gtJson<{ groups: Group[]; total: { output_tokens: number } }>([
      "costs",
      "--by",
      "convoy",
    ]);
    assert.deepEqual(
      byConvoy.groups.map((g) => [g.key, g.sessions, g.output_tokens]),
      [[convoy, 2, 35]],
    );
    assert.equal(byConvoy.total.output_tokens, 35);
    const text = await town.gt(["costs", "--by", "bead"]);
    assert.match(text.stdout, new RegExp(`^${beadA} +1 +2 +200 +30 `, "m"));
  });

  it("--rig and --since filter the sessions; a bad --by is one line", async () => {
    const other = await town.gtJson<{ sessions: unknown[] }>(["costs", "--rig", "beta"]);
    assert.equal(other.sessions.length, 0);
    assert.equal(
      (await town.gtJson<{ sessions: unknown[] }>(["costs", "--rig", "alpha"])).sessions.length,
      2,
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal(
      (await town.gtJson<{ sessions: unknown[] }>(["costs", "--since", future])).sessions.length,
      0,
    );
    assert.equal((await town.gtJson<{ sessions: unknown[] }>(["costs", "--since", "1h"])).sessions.length, 2);
    const bad = await town.gt(["costs", "--by", "color"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'Error: invalid --by "color" (use agent, bead, convoy)\n');
  });
});
