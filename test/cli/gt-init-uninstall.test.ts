import "../helpers/isolation.ts";
// gt init (a git repository made rig-shaped in place) and gt uninstall (what gt put in the
// user's home goes; hook layers and towns only when asked), run as a user would, each in a
// home of its own.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, type RunResult, run } from "../helpers/bd.ts";
import { isolatedHome } from "../helpers/isolation.ts";
import { scratchDir } from "../helpers/temp.ts";
import { git, makeRepo } from "../helpers/town.ts";

interface Item {
  kind: string;
  path: string;
}

function oneLineFailure(r: RunResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `should fail:\n${r.stdout}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

describe("gt init", () => {
  let dir: string;
  let repo: string;
  const gt = (args: string[], cwd = repo) => run(GT, cwd, args);

  before(() => {
    dir = scratchDir("gt-init-");
    // A source folder named like an agent dir: the exclude lines must not hide it.
    repo = makeRepo(join(dir, "proj"), { "README.md": "# p\n", "src/refinery/queue.ts": "export {};\n" });
  });

  it("makes the agent dirs at the top level and lists them, anchored, in .git/info/exclude", async () => {
    mkdirSync(join(repo, "docs"));
    const r = await gt(["init", "--json"], join(repo, "docs"));
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.path, repo);
    assert.deepEqual(report.created, ["polecats", "crew", "refinery/rig", "witness", "mayor/rig"]);
    assert.deepEqual(report.existed, []);
    assert.equal(report.exclude_updated, true);
    for (const d of report.created) assert.ok(existsSync(join(repo, d, ".gitkeep")), d);
    const exclude = readFileSync(join(repo, ".git", "info", "exclude"), "utf8");
    for (const l of ["/polecats/", "/crew/", "/refinery/", "/witness/", "/mayor/"])
      assert.equal(exclude.split("\n").filter((x) => x === l).length, 1, l);
    // git sees none of the agent dirs, and still sees a change in src/refinery/.
    assert.equal(git(repo, "status", "--porcelain", "--untracked-files=all"), "");
    writeFileSync(join(repo, "src", "refinery", "queue.ts"), "export const q = 1;\n");
    assert.equal(git(repo, "status", "--porcelain"), "M src/refinery/queue.ts");
    git(repo, "checkout", "--", "src/refinery/queue.ts");
  });

  it("refuses to run twice without --force; --force adds nothing twice", async () => {
    const before = readFileSync(join(repo, ".git", "info", "exclude"), "utf8");
    oneLineFailure(await gt(["init"]), /already rig-shaped.*--force/);
    const r = await gt(["init", "--force", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.created, []);
    assert.equal(report.existed.length, 5);
    assert.equal(report.exclude_updated, false);
    assert.equal(readFileSync(join(repo, ".git", "info", "exclude"), "utf8"), before);
  });

  it("outside a git repository: one line, nothing made", async () => {
    const plain = join(dir, "plain");
    mkdirSync(plain);
    oneLineFailure(await gt(["init"], plain), /not a git repository/);
    assert.ok(!existsSync(join(plain, "polecats")));
  });
});

describe("gt uninstall", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let town: string;
  const socket = `gt-test-uninst-${process.pid}`;
  const gt = (args: string[]) => run(GT, dir, args, { env });
  const bashrc = () => join(env.HOME!, ".bashrc");
  const hooksBase = () => join(env.GT_HOME!, ".gt", "hooks-base.json");
  const stateDir = () => join(env.XDG_STATE_HOME!, "gastown");
  const configDir = () => join(env.XDG_CONFIG_HOME!, "gastown");

  before(async () => {
    dir = scratchDir("gt-uninstall-");
    env = {
      ...isolatedHome(join(dir, "home")),
      SHELL: "/bin/bash",
      GT_TMUX_SOCKET: socket,
      GT_RUNTIME_PROVIDER: "tmux",
    };
    writeFileSync(bashrc(), "alias ll='ls -l'\n");
    for (const args of [
      ["shell", "install", "--shell", "bash"],
      ["disable"],
      ["install", join(dir, "town"), "--name", "t"],
    ]) {
      const r = await gt(args);
      assert.equal(r.code, 0, `gt ${args.join(" ")}: ${r.stderr}`);
    }
    town = join(dir, "town");
    mkdirSync(join(env.GT_HOME!, ".gt", "hooks-overrides"), { recursive: true });
    writeFileSync(hooksBase(), "{}\n");
  });
  after(() => {
    try {
      execFileSync("tmux", ["-L", socket, "kill-server"], { stdio: "ignore" });
    } catch {
      // no server
    }
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), {
      force: true,
    });
  });

  it("--dry-run lists the shell block, config and state, and removes nothing", async () => {
    const r = await gt(["uninstall", "--dry-run", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.dry_run, true);
    assert.deepEqual(
      out.removed.filter((i: Item) => i.kind !== "cache").map((i: Item) => [i.kind, i.path]),
      [
        ["shell", bashrc()],
        ["config", configDir()],
        ["state", stateDir()],
      ],
    );
    // The launcher's compile cache is gt's too (remade by the next start).
    for (const i of out.removed.filter((x: Item) => x.kind === "cache"))
      assert.ok(i.path.startsWith(join(env.XDG_CACHE_HOME!, "gastown")), i.path);
    assert.match(readFileSync(bashrc(), "utf8"), /Gas Town Integration/);
    assert.ok(existsSync(stateDir()) && existsSync(configDir()));
  });

  it("asks first: without --force (and no terminal) it refuses in one line; a non-town --workspace too", async () => {
    oneLineFailure(await gt(["uninstall"]), /--force/);
    oneLineFailure(
      await gt(["uninstall", "--force", "--workspace", join(dir, "home")]),
      /is not a town.*nothing removed/,
    );
    assert.match(readFileSync(bashrc(), "utf8"), /Gas Town Integration/);
    assert.ok(existsSync(stateDir()));
  });

  it("--force removes what gt put in the home, keeps the user's rc lines, hook layers and towns", async () => {
    const r = await gt(["uninstall", "--force", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.failed, []);
    assert.deepEqual(
      out.removed.map((i: Item) => i.kind).filter((k: string) => k !== "cache"),
      ["shell", "config", "state"],
    );
    assert.equal(readFileSync(bashrc(), "utf8"), "alias ll='ls -l'\n");
    assert.ok(!existsSync(stateDir()) && !existsSync(configDir()));
    assert.ok(existsSync(hooksBase()) && existsSync(join(town, "mayor", "town.json")));
    // Gas Town is back on (no state file: the default).
    assert.deepEqual(JSON.parse((await gt(["enable", "--status", "--json"])).stdout).source, "default");
  });

  it("a named town is removed only when nothing of it runs; --hooks takes the hook layers", async () => {
    execFileSync("tmux", ["-L", socket, "new-session", "-d", "-s", "hq-mayor", "sleep 300"]);
    oneLineFailure(
      await gt(["uninstall", "--force", "--hooks", "--workspace", town]),
      /has 1 session.*gt down/,
    );
    assert.ok(existsSync(hooksBase()) && existsSync(town));
    execFileSync("tmux", ["-L", socket, "kill-server"]);

    const dry = JSON.parse(
      (await gt(["uninstall", "--dry-run", "--hooks", "--workspace", town, "--json"])).stdout,
    );
    assert.deepEqual(
      dry.removed.map((i: Item) => i.kind).filter((k: string) => k !== "cache"),
      ["hooks", "hooks", "town"],
    );
    const r = await gt(["uninstall", "--force", "--hooks", "--workspace", town, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(hooksBase()) && !existsSync(join(env.GT_HOME!, ".gt", "hooks-overrides")));
    assert.ok(!existsSync(town));
    const again = await gt(["uninstall", "--force", "--hooks", "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(
      JSON.parse(again.stdout).removed.filter((i: Item) => i.kind !== "cache"),
      [],
    );
  });
});

describe("gt install --shell --wrappers --supervisor", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const gt = (args: string[]) => run(GT, dir, args, { env });

  before(() => {
    dir = scratchDir("gt-install-extras-");
    env = { ...isolatedHome(join(dir, "home")), SHELL: "/bin/bash" };
    writeFileSync(join(env.HOME!, ".bashrc"), "alias ll='ls -l'\n");
  });

  it("an unknown shell stops the install before the town is made", async () => {
    const r = await run(GT, dir, ["install", join(dir, "nope"), "--shell"], {
      env: { ...env, SHELL: "/bin/tcsh" },
    });
    oneLineFailure(r, /cannot tell your shell/);
    assert.ok(!existsSync(join(dir, "nope")));
  });

  it("adds the shell integration (and enables Gas Town), the agent wrappers and the daemon's unit; uninstall takes the wrappers", async () => {
    assert.equal((await gt(["disable"])).code, 0);
    const r = await gt(["install", join(dir, "town"), "--shell", "--wrappers", "--supervisor", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      shell: { shell: string; rc_file: string };
      wrappers: string[];
      supervisor: { file: string };
    };
    assert.deepEqual(report.shell, { shell: "bash", rc_file: join(env.HOME!, ".bashrc") });
    assert.match(readFileSync(join(env.HOME!, ".bashrc"), "utf8"), /^alias ll='ls -l'\n[\s\S]*gastown/);
    const status = JSON.parse((await gt(["enable", "--status", "--json"])).stdout) as { enabled: boolean };
    assert.equal(status.enabled, true, "--shell enables Gas Town, as Gas Town's install does");
    const bin = join(env.HOME!, "bin");
    assert.deepEqual(
      report.wrappers,
      ["codex", "gemini", "opencode"].map((a) => join(bin, `gt-${a}`)),
    );
    assert.match(report.supervisor.file, /systemd\/user\/.+\.service$/);
    assert.match(readFileSync(report.supervisor.file, "utf8"), /daemon run/);

    // A wrapper runs gt prime, then the agent with its arguments: a stand-in "codex" on PATH.
    writeFileSync(join(bin, "codex"), '#!/bin/sh\necho "codex got: $*"\n', { mode: 0o755 });
    const gtDir = join(dir, "gt-on-path");
    mkdirSync(gtDir);
    writeFileSync(join(gtDir, "gt"), `#!/bin/sh\necho "gt $*" >> '${join(dir, "gt-calls")}'\n`, {
      mode: 0o755,
    });
    const out = execFileSync(join(bin, "gt-codex"), ["--model", "m"], {
      encoding: "utf8",
      env: { ...env, PATH: `${gtDir}:${bin}:/usr/bin:/bin` },
    });
    assert.equal(out, "codex got: --model m\n");
    assert.equal(readFileSync(join(dir, "gt-calls"), "utf8"), "gt prime --hook\n");

    const un = await gt(["uninstall", "--force", "--json"]);
    assert.equal(un.code, 0, un.stderr);
    const removed = (JSON.parse(un.stdout) as { removed: Item[] }).removed;
    assert.deepEqual(
      removed.filter((i) => i.kind === "wrapper").map((i) => i.path),
      report.wrappers,
    );
    for (const w of report.wrappers) assert.ok(!existsSync(w), w);
    assert.ok(existsSync(join(bin, "codex")), "only gt's own wrappers go");
  });
});
