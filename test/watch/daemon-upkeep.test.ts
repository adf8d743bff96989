import "../helpers/isolation.ts";
// gt daemon rotate-logs (copy then truncate, over a threshold or --force), gt daemon
// enable-supervisor (the systemd unit / launchd plist written, never loaded here) and
// gt boot spawn (a triage in a process of its own).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";
import { FAST, setPatrols } from "./daemon-helpers.ts";

describe("gt daemon rotate-logs / enable-supervisor, gt boot spawn", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("rotate-logs leaves small logs alone, and with --force copies each to .1 and empties it", async () => {
    const agentLog = join(town.root, ".runtime", "agent-logs", "hq-mayor.jsonl");
    const daemonLog = join(town.root, "daemon", "daemon.log");
    mkdirSync(join(town.root, ".runtime", "agent-logs"), { recursive: true });
    mkdirSync(join(town.root, "daemon"), { recursive: true });
    writeFileSync(agentLog, '{"kind":"out","text":"one"}\n');
    writeFileSync(daemonLog, "old daemon line\n");
    const small = await town.gtJson<{ rotated: string[]; skipped: string[] }>(["daemon", "rotate-logs"]);
    assert.deepEqual(small.rotated, []);
    assert.ok(small.skipped.includes(agentLog), JSON.stringify(small));

    const r = await town.gtJson<{ rotated: string[] }>(["daemon", "rotate-logs", "--force"]);
    assert.ok(r.rotated.includes(agentLog) && r.rotated.includes(daemonLog), JSON.stringify(r));
    assert.equal(readFileSync(agentLog, "utf8"), "");
    assert.equal(readFileSync(`${agentLog}.1`, "utf8"), '{"kind":"out","text":"one"}\n');
    // A second rotation shifts .1 to .2.
    writeFileSync(agentLog, "two\n");
    await town.gtJson(["daemon", "rotate-logs", "--force"]);
    assert.equal(readFileSync(`${agentLog}.1`, "utf8"), "two\n");
    assert.equal(readFileSync(`${agentLog}.2`, "utf8"), '{"kind":"out","text":"one"}\n');
  });

  it("enable-supervisor writes a systemd user unit that runs gt daemon run for this town", async () => {
    const dry = await town.gtJson<{ file: string; written: boolean }>([
      "daemon",
      "enable-supervisor",
      "--dry-run",
    ]);
    assert.equal(dry.written, false);
    assert.equal(existsSync(dry.file), false);

    const r = await town.gtJson<{
      kind: string;
      file: string;
      name: string;
      activate: string[];
      written: boolean;
    }>(["daemon", "enable-supervisor", "--kind", "systemd"]);
    assert.equal(r.written, true);
    assert.ok(r.file.startsWith(join(String(town.env.XDG_CONFIG_HOME), "systemd", "user")), r.file);
    const unit = readFileSync(r.file, "utf8");
    assert.match(unit, /^ExecStart=".*\/gt" daemon run$/m);
    assert.match(unit, new RegExp(`^WorkingDirectory=${town.root}$`, "m"));
    assert.match(unit, /^Restart=on-failure$/m);
    assert.deepEqual(r.activate, ["systemctl", "--user", "enable", "--now", `${r.name}.service`]);

    const mac = await town.gtJson<{ content: string; file: string }>([
      "daemon",
      "enable-supervisor",
      "--kind",
      "launchd",
      "--dry-run",
    ]);
    assert.match(
      mac.file,
      /Library\/LaunchAgents\/com\.gastown\.gastown-daemon-testtown-[0-9a-f]{8}\.plist$/,
    );
    assert.match(mac.content, /<string>daemon<\/string><string>run<\/string>/);
    await fails(["daemon", "enable-supervisor", "--kind", "upstart"], /unknown supervisor "upstart"/);
  });

  it("boot spawn runs a triage in its own process", async () => {
    // A paused deacon: the triage decides to leave it alone (nothing started in this test).
    assert.equal((await town.gt(["deacon", "pause", "--reason", "testing"])).code, 0);
    const r = await town.gtJson<{
      waited: boolean;
      exit_code: number;
      last: { action: string; runs: number };
    }>(["boot", "spawn", "--wait"]);
    assert.equal(r.waited, true);
    assert.equal(r.exit_code, 0);
    assert.equal(r.last.runs, 1);
    const bg = await town.gtJson<{ pid: number; log: string; waited: boolean }>(["boot", "spawn"]);
    assert.equal(bg.waited, false);
    assert.ok(bg.pid > 0);
    await eventually(
      async () => (await town.gtJson<{ last: { runs: number } | null }>(["boot", "status"])).last?.runs === 2,
      15_000,
      "the background triage to record its run",
    );
    assert.ok(existsSync(bg.log));
  });
  it("the running daemon prunes expired events (gt krc) on its heartbeat", async () => {
    const events = join(town.root, ".events.jsonl");
    const line = (type: string, ageMs: number) =>
      JSON.stringify({
        ts: new Date(Date.now() - ageMs).toISOString(),
        source: "gt",
        type,
        actor: "t",
        payload: {},
      });
    writeFileSync(events, `${line("patrol_started", 3 * 86_400_000)}\n${line("mail", 1000)}\n`);
    writeFileSync(join(town.root, "settings", "krc.json"), JSON.stringify({ min_retain_count: 0 }));
    const config = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(config, "utf8")) as Record<string, unknown>;
    writeFileSync(
      config,
      JSON.stringify({ ...settings, daemon: { ...FAST, recovery_heartbeat_interval: "300ms" } }, null, 2),
    );
    setPatrols(town, false);
    assert.equal((await town.gt(["daemon", "start"])).code, 0);
    try {
      await eventually(
        async () => existsSync(join(town.root, ".runtime", "krc-autoprune.json")) || undefined,
        20_000,
        "the daemon's first auto-prune",
      );
      const kept = readFileSync(events, "utf8");
      assert.doesNotMatch(kept, /patrol_started/, "a 3-day-old patrol event is past its 1-day TTL");
      assert.match(kept, /"mail"/);
    } finally {
      await town.gt(["daemon", "stop"]);
    }
  });
});
