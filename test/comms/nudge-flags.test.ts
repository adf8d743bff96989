import "../helpers/isolation.ts";
// gt nudge -m and --if-fresh, nudge channels, gt broadcast --rig/--all/--dry-run and
// gt peek -n, against a real tmux session running the script agent.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentTranscript, eventually, type TestTown, townWithRunningCrew } from "../helpers/town.ts";

describe("gt nudge, broadcast and peek flags", () => {
  let town: TestTown;
  const fails = async (args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}) => {
    const r = await town.gt(args, { env });
    assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  const nudged = (text: string) =>
    eventually(
      async () =>
        agentTranscript(town, "al-crew-max").some((x) => x.kind === "nudge" && x.text.includes(text)),
      10_000,
      `"${text}" in max's transcript`,
    );

  before(async () => {
    town = await townWithRunningCrew();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("nudge -m sends the flag's text; words and -m together are refused", async () => {
    const r = await town.gtJson<{ outcome: string }>([
      "nudge",
      "alpha/crew/max",
      "-m",
      "hello from the flag",
    ]);
    assert.equal(r.outcome, "delivered");
    await nudged("hello from the flag");
    await fails(["nudge", "alpha/crew/max", "words", "-m", "flag"], /give the message once/);
  });

  it("--if-fresh sends from a new session and stays quiet from an old one", async () => {
    const fromMax = { GT_ROLE: "alpha/crew/max", GT_SESSION: "al-crew-max" };
    const fresh = await town.gtJson<{ outcome?: string; skipped?: boolean }>(
      ["nudge", "alpha/crew/max", "-m", "fresh start", "--if-fresh", "--mode", "queue"],
      { env: fromMax },
    );
    assert.equal(fresh.outcome, "queued");
    await new Promise((r) => setTimeout(r, 1200));
    const old = await town.gtJson<{ outcome?: string; skipped?: boolean }>(
      ["nudge", "alpha/crew/max", "-m", "after compaction", "--if-fresh", "--mode", "queue"],
      { env: { ...fromMax, GT_NUDGE_FRESH_MS: "1000" } },
    );
    assert.equal(old.skipped, true);
    assert.equal(old.outcome, undefined);
  });

  it("nudge channel:<name> reaches every agent the channel's patterns match", async () => {
    mkdirSync(join(town.root, "config"), { recursive: true });
    writeFileSync(
      join(town.root, "config", "messaging.json"),
      JSON.stringify({ type: "messaging", version: 1, nudge_channels: { crew: ["alpha/crew/*"] } }),
    );
    const rows = await town.gtJson<Array<{ target: string; outcome: string }>>([
      "nudge",
      "channel:crew",
      "-m",
      "channel hello",
    ]);
    assert.deepEqual(
      rows.map((r) => [r.target, r.outcome]),
      [["alpha/crew/max", "delivered"]],
    );
    await nudged("channel hello");
    await fails(["nudge", "channel:nosuch", "-m", "x"], /no nudge channel "nosuch"/);
  });

  it("broadcast --dry-run lists the targets, filtered by --rig and --all, and sends nothing", async () => {
    const dry = await town.gtJson<{ dry_run: boolean; targets: string[] }>([
      "broadcast",
      "--dry-run",
      "--rig",
      "alpha",
      "stand by",
    ]);
    assert.deepEqual(dry.targets, ["alpha/crew/max"]);
    assert.ok(!agentTranscript(town, "al-crew-max").some((x) => x.text.includes("stand by")));
    // The sender is left out: max broadcasting reaches nobody.
    const self = await town.gtJson<{ targets: string[] }>(["broadcast", "--all", "-n", "x"], {
      env: { GT_ROLE: "alpha/crew/max" },
    });
    assert.deepEqual(self.targets, []);
    await fails(["broadcast", "--rig", "nosuch", "x"], /nosuch/);
    await fails(["broadcast", "--dry-run"], /the message is empty/);
    const sent = await town.gtJson<Array<{ outcome: string }>>(["broadcast", "--all", "-m", "all hands"]);
    assert.deepEqual(
      sent.map((r) => r.outcome),
      ["delivered"],
    );
    await nudged("all hands");
  });

  it("peek -n shows that many lines; a bad or doubled count is refused", async () => {
    const r = await town.gtJson<{ lines: string[] }>(["peek", "alpha/crew/max", "-n", "3"]);
    assert.ok(r.lines.length <= 3 && r.lines.length > 0, JSON.stringify(r.lines));
    await fails(["peek", "alpha/crew/max", "-n", "0"], /invalid line count/);
    await fails(["peek", "alpha/crew/max", "5", "-n", "3"], /give the line count once/);
  });
});
