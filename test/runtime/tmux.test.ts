// Runs the RuntimeProvider conformance suite against tmux (a private socket per test, its
// server killed afterwards; the default tmux server is never touched), plus the tmux
// adapter's socket naming and shell quoting.
import "../helpers/isolation.ts"; // the tmux servers started here get a private HOME (no ~/.tmux.conf)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { shellJoin, shellQuote, tmuxAvailable, townSocketName } from "../../src/adapters/tmux.ts";
import { TmuxProvider } from "../../src/runtime/tmux.ts";
import { runtimeConformance } from "./conformance.ts";

const hasTmux = await tmuxAvailable();

/** Kills the test's tmux server and removes its socket file (tmux leaves it behind). */
function killServer(socket: string): void {
  try {
    execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
  } catch {
    // no server was started
  }
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${uid}`, socket), { force: true });
}

if (hasTmux) {
  runtimeConformance("tmux", async () => {
    const socket = `gt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    return { provider: new TmuxProvider({ socket }), cleanup: async () => killServer(socket) };
  });
} else {
  // The tmux runtime is the default: a machine without tmux fails here rather than passing
  // silently (.ci/run installs it).
  it("tmux conformance", () => {
    assert.fail("tmux is not installed (apt-get install -y tmux)");
  });
}

describe("townSocketName", () => {
  const noEnv = {};
  it("is the sanitised lowercase dir name plus 6 hex of the real path's sha256, stable", () => {
    const root = mkdtempSync(join(tmpdir(), "gt-sock-"));
    try {
      const town = join(root, "My Town.v2");
      mkdirSync(town);
      const name = townSocketName(town, noEnv);
      assert.match(name, /^my-town-v2-[0-9a-f]{6}$/);
      assert.equal(townSocketName(town, noEnv), name);
      assert.equal(townSocketName(`${town}/`, noEnv), name);
      symlinkSync(town, join(root, "link"));
      assert.equal(townSocketName(join(root, "link"), noEnv), name, "a symlink names the same town");
      const other = join(root, "elsewhere", "My Town.v2");
      mkdirSync(other, { recursive: true });
      assert.notEqual(townSocketName(other, noEnv), name, "same dir name, different town");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("is kept in the town's .runtime/tmux-socket, and a file made for another path is ignored", () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "gt-sock-")));
    try {
      const town = join(root, "kept");
      mkdirSync(join(town, ".runtime"), { recursive: true });
      const cache = join(town, ".runtime", "tmux-socket");
      const name = townSocketName(town, noEnv);
      assert.equal(readFileSync(cache, "utf8"), `${town}\n${name}\n`);
      // Read back, not computed: a name written there is what the town's commands use.
      writeFileSync(cache, `${town}\nkept-abcdef\n`);
      assert.equal(townSocketName(town, noEnv), "kept-abcdef");
      // A moved town (the file names the old path) gets its own name again, and keeps that.
      writeFileSync(cache, `/somewhere/else/kept\nkept-abcdef\n`);
      assert.equal(townSocketName(town, noEnv), name);
      assert.equal(readFileSync(cache, "utf8"), `${town}\n${name}\n`);
      // Garbage is ignored; a folder that is no town (no .runtime) gets no file.
      writeFileSync(cache, "nonsense");
      assert.equal(townSocketName(town, noEnv), name);
      const bare = join(root, "bare");
      mkdirSync(bare);
      townSocketName(bare, noEnv);
      assert.deepEqual(readdirSync(bare), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("GT_TMUX_SOCKET overrides it unless empty, 'default' or 'auto'", () => {
    const auto = townSocketName("/tmp/some-town", noEnv);
    assert.equal(townSocketName("/tmp/some-town", { GT_TMUX_SOCKET: "mine" }), "mine");
    for (const v of ["", "default", "auto"])
      assert.equal(townSocketName("/tmp/some-town", { GT_TMUX_SOCKET: v }), auto);
  });
});

describe("shellQuote / shellJoin", () => {
  const words = [
    "plain",
    "",
    "two words",
    "it's",
    `"dq"`,
    "$HOME",
    "`id`",
    "a\nb",
    "\\n",
    "*",
    "~",
    "-x",
    "a;b",
    "'",
  ];

  it("round-trips every word through sh -c", () => {
    for (const w of words) {
      const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote(w)}`], { encoding: "utf8" });
      assert.equal(out, w, `word ${JSON.stringify(w)}`);
    }
  });

  it("joins an argv into a command line that runs exactly that argv", () => {
    const out = execFileSync("sh", ["-c", `printf '<%s>' ${shellJoin(words)}`], { encoding: "utf8" });
    assert.equal(out, words.map((w) => `<${w}>`).join(""));
  });

  it("leaves plainly safe words bare", () => {
    assert.equal(shellJoin(["claude", "--model", "a/b.c:1"]), "claude --model a/b.c:1");
    assert.equal(shellQuote("a=b"), "'a=b'");
  });
});
