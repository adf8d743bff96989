// The chaos harness (scripts/chaos.ts), short: one round, the tmux server killed, a kind no
// deterministic test covers; CI's time allows no more (`npm run chaos` runs every kind: an
// agent, gt done, a bd write, a gt sling and the refinery too, whose crash windows
// have their own fault-point tests, e.g. test/work/done-crash.test.ts). Each round is a fresh
// town with two rigs and a ten-bead convoy, recovered as a user would. Every invariant must
// hold in every round: intact ledgers whose JSONL matches the database, beads closed / open /
// on one live hook, merged means on the target, no polecat commit lost, origin's main moved
// forward by the refinery only, the convoy landed. A round costs CI about 70 s of test time.
// CHAOS_ROUNDS, CHAOS_SEED and CHAOS_KINDS (comma-separated, or "all") change the run (the
// seed replays a failure).
import "../helpers/bd.ts"; // a private HOME and git identity (./isolation.ts), and a fresh dist/
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KillKind } from "../../scripts/chaos/killer.ts";
import { formatReport, runChaos, totalViolations } from "../../scripts/chaos/run.ts";

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 1);
const KINDS =
  process.env.CHAOS_KINDS === "all"
    ? undefined
    : ((process.env.CHAOS_KINDS ?? "tmux").split(",") as KillKind[]);
const SEED = Number(process.env.CHAOS_SEED ?? 20261130);

describe("chaos: kill -9 at random moments loses no work", () => {
  it(`${ROUNDS} rounds with seed ${SEED}: no invariant violated`, { timeout: ROUNDS * 150_000 }, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      rounds: ROUNDS,
      seed: SEED,
      ...(KINDS ? { kinds: KINDS } : {}),
      // Generous: a healthy round ends as soon as its convoy lands; a loaded CI machine is slow.
      budgetMs: 120_000,
      log: (l) => lines.push(l),
    });
    assert.equal(report.rounds, ROUNDS);
    const kinds = Object.values(report.kills).reduce((a, b) => a + b, 0);
    assert.ok(kinds > 0, "some process was killed");
    assert.equal(totalViolations(report), 0, `${lines.join("\n")}\n${formatReport(report)}`);
  });
});
