// What the tmux provider does beyond the shared conformance suite. A session's environment
// comes from the gt that starts it, not from the long-lived server: a server started with
// one value of a variable, a session started later from a process with another value (or
// without it) sees the later process's environment, PATH included (which tmux takes from its
// client, not from -e). And `screen` is the visible pane only, without the scrollback.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { environmentDelta, TmuxProvider } from "../../src/runtime/tmux.ts";
import { eventually } from "../helpers/town.ts";

describe("tmux sessions take gt's environment", () => {
  const socket = `gt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), "gt-tmux-env-"));
  const saved = { ...process.env };
  after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    try {
      execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // already gone
    }
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
      force: true,
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it("a later start with another value, a dropped variable and a new PATH entry sees those", async () => {
    const tmux = new TmuxProvider({ socket });
    // The first session starts the server: its global environment has the old values.
    process.env.TEST_MODEL_ENDPOINT = "http://127.0.0.1:1111";
    process.env.TEST_STALE_SETTING = "left over";
    await tmux.start({ name: "first", cwd: dir, command: ["sleep", "30"], env: {} });

    process.env.TEST_MODEL_ENDPOINT = "http://127.0.0.1:2222";
    delete process.env.TEST_STALE_SETTING;
    const bin = join(dir, "new-bin");
    mkdirSync(bin);
    process.env.PATH = `${bin}:${saved.PATH}`;
    const out = join(dir, "seen.txt");
    const script =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
      'printf "%s|%s|%s|%s\\n" "$TEST_MODEL_ENDPOINT" "${TEST_STALE_SETTING-unset}" "$PATH" "$FROM_SPEC" > "$0"';
    await tmux.start({
      name: "second",
      cwd: dir,
      command: ["sh", "-c", script, out],
      env: { FROM_SPEC: "spec" },
    });
    const seen = await eventually(async () => {
      try {
        return readFileSync(out, "utf8").trim();
      } catch {
        return "";
      }
    });
    const [endpoint, stale, path, spec] = seen.split("|");
    assert.equal(endpoint, "http://127.0.0.1:2222");
    assert.equal(stale, "unset");
    assert.ok(path?.startsWith(`${bin}:`), path);
    assert.equal(spec, "spec");
    await tmux.stop("first", { graceMs: 0 });
  });

  it("passes only what differs from the server, and unsets what gt does not have", () => {
    const server = new Map([
      ["A", "1"],
      ["B", "old"],
      ["GONE", "x"],
      ["TMUX", "/tmp/sock"],
    ]);
    const d = environmentDelta({ A: "1", B: "new", C: "3", TERM: "xterm", PWD: "/x" }, server);
    assert.deepEqual(d.set, { B: "new", C: "3" });
    assert.deepEqual(d.unset, ["GONE"]);
  });
});

describe("tmux screen", () => {
  const socket = `gt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  after(() => {
    try {
      execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // already gone
    }
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
      force: true,
    });
  });

  it("shows what the pane shows now; a screen cleared into the scrollback is only in capture", async () => {
    const tmux = new TmuxProvider({ socket });
    const script = "printf 'old dialog\\n'; sleep 0.3; printf '\\033[2J\\033[Hnew prompt\\n'; sleep 30";
    await tmux.start({ name: "s", cwd: tmpdir(), command: ["sh", "-c", script], env: {} });
    await eventually(async () => (await tmux.screen("s")).includes("new prompt"));
    assert.doesNotMatch(await tmux.screen("s"), /old dialog/);
    assert.match(await tmux.capture("s", 100), /old dialog/, "tmux keeps the cleared screen as history");
    await tmux.stop("s", { graceMs: 0 });
  });
});
