import "../helpers/isolation.ts";
// gt costs record (a Stop hook logs its session's usage so far to .runtime/costs.jsonl) and
// gt costs digest (a day's log folded into one "Cost Report <date>" bead, the lines dropped).
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";
import { bdOk, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

/** A Claude Code transcript with one reply per entry of `outputs`. */
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

interface Entry {
  session_id: string;
  session: string;
  actor: string;
  work_item: string | null;
  output_tokens: number;
  replies: number;
}

describe("gt costs record / digest", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const log = () => join(town.root, ".runtime", "costs.jsonl");
  const today = new Date().toISOString().slice(0, 10);
  const hookEnv = (session: string, role: string) => ({
    ...town.env,
    GT_SESSION: session,
    GT_ROLE: role,
    GT_AGENT: "claude",
  });
  /** `gt costs record` as the Stop hook runs it: the hook's JSON on stdin. */
  const record = async (
    session: string,
    role: string,
    id: string,
    transcript: string,
    extra: string[] = [],
  ) => {
    const r = await run(GT, town.root, ["costs", "record", "--json", ...extra], {
      env: hookEnv(session, role),
      input: JSON.stringify({ session_id: id, transcript_path: transcript }),
    });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Entry;
  };

  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("record logs the session's usage so far, once per call", async () => {
    const t1 = join(town.scratch, "t1.jsonl");
    claudeTranscript(t1, [10]);
    const e1 = await record("hq-mayor", "mayor", "s1", t1, ["--work-item", "hq-abc"]);
    assert.deepEqual(
      [e1.actor, e1.session, e1.output_tokens, e1.work_item],
      ["mayor", "hq-mayor", 10, "hq-abc"],
    );
    // The session goes on: the next Stop logs its larger total.
    claudeTranscript(t1, [10, 20]);
    const e2 = await record("hq-mayor", "mayor", "s1", t1);
    assert.deepEqual([e2.output_tokens, e2.replies], [30, 2]);
    // Without stdin the session's recorded transcript is found by --session.
    const again = await town.gtJson<Entry>(["costs", "record", "--session", "hq-mayor"]);
    assert.equal(again.output_tokens, 30);

    const t2 = join(town.scratch, "t2.jsonl");
    claudeTranscript(t2, [5]);
    await record("hq-deacon", "deacon", "s2", t2);
    assert.equal(readFileSync(log(), "utf8").trim().split("\n").length, 4);

    await fails(
      ["costs", "record", "--session", "hq-nobody"],
      /no transcript is known for session hq-nobody/,
    );
    await fails(["costs", "record"], /which session/);
  });

  it("digest sums each session's last entry into a closed bead and drops the day's lines", async () => {
    await fails(["costs", "digest"], /--yesterday or --date/);
    await fails(["costs", "digest", "--date", "2026-1-5"], /invalid date/);
    // A line that is not JSON is never dropped.
    writeFileSync(log(), `${readFileSync(log(), "utf8")}not json\n`);
    const dry = await town.gtJson<{ sessions: number; total: { output_tokens: number }; digest: null }>([
      "costs",
      "digest",
      "--date",
      today,
      "--dry-run",
    ]);
    assert.deepEqual([dry.sessions, dry.total.output_tokens, dry.digest], [2, 35, null]);
    assert.equal(readFileSync(log(), "utf8").trim().split("\n").length, 5, "a dry run changes nothing");

    const r = await town.gtJson<{
      digest: string;
      removed: number;
      by_actor: Array<{ actor: string; sessions: number; output_tokens: number }>;
    }>(["costs", "digest", "--date", today]);
    assert.equal(r.removed, 4);
    assert.deepEqual(
      r.by_actor.map((a) => [a.actor, a.sessions, a.output_tokens]),
      [
        ["mayor", 1, 30],
        ["deacon", 1, 5],
      ],
    );
    const bead = (
      JSON.parse(await bdOk(town, town.root, ["show", r.digest, "--json"])) as Array<Record<string, unknown>>
    )[0]!;
    assert.equal(bead.title, `Cost Report ${today}`);
    assert.equal(bead.status, "closed");
    assert.match(String(bead.description), /- mayor: 1 session\(s\), 200 in, 30 out/);
    assert.ok(existsSync(log()));
    assert.equal(readFileSync(log(), "utf8"), "not json\n");

    const again = await town.gtJson<{ existing: boolean; digest: string }>([
      "costs",
      "digest",
      "--date",
      today,
    ]);
    assert.deepEqual([again.existing, again.digest], [true, r.digest]);
  });
});
