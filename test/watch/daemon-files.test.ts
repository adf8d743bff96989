// The daemon's files in a temp dir: the log rotates by size keeping so many old files; a
// state file that is not JSON, or JSON of the wrong shape, is set aside and a fresh state
// begun; a pid file of a dead pid, or of a live process without the daemon's nonce, is stale.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Town } from "../../src/town/workspace.ts";
import {
  DaemonLog,
  daemonLiveness,
  loadDaemonState,
  NONCE_ENV,
  saveDaemonState,
  writePidFile,
} from "../../src/watch/daemon-files.ts";

describe("the daemon's files", () => {
  const dirs: string[] = [];
  const town = () => {
    const dir = mkdtempSync(join(tmpdir(), "gt-daemon-files-"));
    dirs.push(dir);
    return new Town(dir);
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("the log rotates past its size, keeping so many old files", () => {
    const t = town();
    const log = new DaemonLog(t, { maxBytes: 1024, keep: 2 });
    for (let i = 0; i < 200; i++) log.write(`line ${i} ${"x".repeat(40)}`);
    const files = readdirSync(join(t.root, "daemon")).sort();
    assert.deepEqual(files, ["daemon.log", "daemon.log.1", "daemon.log.2"]);
    for (const f of files) assert.ok(statSync(join(t.root, "daemon", f)).size <= 1024, f);
    const last = readFileSync(join(t.root, "daemon", "daemon.log"), "utf8")
      .trim()
      .split("\n")
      .at(-1)!;
    assert.match(last, /^\d{4}-\d\d-\d\dT\S+Z line 199 x+$/);
    // A log reopened (a daemon restarted) goes on counting from the file's size.
    const again = new DaemonLog(t, { maxBytes: 1024, keep: 2 });
    again.write("one more line ".repeat(80));
    assert.ok(readFileSync(join(t.root, "daemon", "daemon.log.1"), "utf8").includes("line 199"));
  });

  it("a state file that is not JSON or not a state is set aside and begun again", () => {
    const t = town();
    const file = join(t.root, "daemon", "state.json");
    saveDaemonState(t, { ...loadDaemonState(t).state, running: true, reconcile_count: 3 });
    assert.equal(loadDaemonState(t).rebuilt, undefined);
    assert.equal(loadDaemonState(t).state.reconcile_count, 3);

    writeFileSync(file, JSON.stringify({ running: "yes", agents: [] }));
    const wrongShape = loadDaemonState(t, { setAside: true });
    assert.match(wrongShape.rebuilt ?? "", /^running: /);
    assert.deepEqual(wrongShape.state.agents, {});
    assert.equal(existsSync(file), false, "set aside");

    writeFileSync(file, "\u0000\u0001 garbage");
    const notJson = loadDaemonState(t);
    assert.match(notJson.rebuilt ?? "", /^not valid JSON/);
    assert.equal(existsSync(file), true, "only reported without setAside");
    assert.equal(
      readdirSync(join(t.root, "daemon")).filter((f) => f.startsWith("state.json.corrupt-")).length,
      1,
    );
  });

  it("a pid file is the daemon's only while that process carries its nonce", async () => {
    const t = town();
    assert.deepEqual(daemonLiveness(t), { state: "stopped" });
    const nonce = "00112233aabbccdd";
    const ours = spawn("sleep", ["30"], { env: { ...process.env, [NONCE_ENV]: nonce }, stdio: "ignore" });
    const stranger = spawn("sleep", ["30"], {
      env: { ...process.env, [NONCE_ENV]: "ffffffffffffffff" },
      stdio: "ignore",
    });
    try {
      writePidFile(t, ours.pid!, nonce);
      assert.deepEqual(daemonLiveness(t), { state: "running", pid: ours.pid, nonce });
      writePidFile(t, stranger.pid!, nonce);
      assert.deepEqual(daemonLiveness(t), { state: "stale", pid: stranger.pid, why: "reused" });
      ours.kill("SIGKILL");
      await new Promise((r) => ours.once("exit", r));
      writePidFile(t, ours.pid!, nonce);
      assert.deepEqual(daemonLiveness(t), { state: "stale", pid: ours.pid, why: "dead" });
    } finally {
      ours.kill("SIGKILL");
      stranger.kill("SIGKILL");
    }
  });
});
