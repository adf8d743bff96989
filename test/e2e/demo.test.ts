// `gt demo` as a newcomer runs it: a throwaway town where five script-agent polecats finish
// five beads, the refinery merges all five onto the project's main, and their convoy lands,
// on a machine with no git identity at all (HOME and XDG_CONFIG_HOME empty, no system
// gitconfig). A machine missing a tool stops in seconds with its name; an agent that fails
// has its own error line and its log's path printed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";

/** A fresh machine's environment: an empty home, no git identity anywhere. */
function blankHome(dir: string): NodeJS.ProcessEnv {
  const home = join(dir, "home");
  mkdirSync(join(home, ".config"), { recursive: true });
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    GT_HOME: home,
    // The helpers' global config carries a test identity: point git at the empty home's.
    GIT_CONFIG_GLOBAL: join(home, ".gitconfig"),
    GIT_CONFIG_NOSYSTEM: "1",
    // Unset (child_process drops undefined values), as on a machine that never set them.
    GIT_AUTHOR_NAME: undefined,
    GIT_AUTHOR_EMAIL: undefined,
    GIT_COMMITTER_NAME: undefined,
    GIT_COMMITTER_EMAIL: undefined,
    EMAIL: undefined,
  };
}

const CLEAN = { GT_ROLE: "", GT_TOWN_ROOT: "", BD_ACTOR: "", BEADS_DIR: "", GT_BIN: "" };

interface DemoResult {
  town: string;
  project: string;
  convoy: string | null;
  finished: boolean;
  beads: Array<{ id: string; polecat: string | null; merge_request: string | null; merged: string | null }>;
}

describe("gt demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-demo-test-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends with every bead merged onto the project's main and the convoy landed, with a blank HOME", async () => {
    // The machine has no git identity: without its own, every agent's commit would fail.
    const env = blankHome(dir);
    const r = await run(GT, dir, ["demo", "--dir", dir, "--json", "--timeout", "90"], {
      env: { GT_RUNTIME_PROVIDER: "subprocess", ...CLEAN, ...env },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /preflight: git \d/);
    const result = JSON.parse(r.stdout) as DemoResult;
    assert.equal(result.finished, true);
    assert.equal(result.beads.length, 5);
    assert.equal(new Set(result.beads.map((b) => b.polecat)).size, 5);
    assert.match(result.convoy ?? "", /^hq-cv-/);
    for (const b of result.beads) {
      assert.match(b.merge_request ?? "", /^gr-/);
      // Each bead's merged commit is on the project's main.
      execFileSync("git", ["merge-base", "--is-ancestor", b.merged!, "main"], { cwd: result.project });
    }
    const files = execFileSync("git", ["ls-tree", "-r", "--name-only", "main"], {
      cwd: result.project,
      encoding: "utf8",
    });
    for (const lang of ["fr", "es", "ja"]) assert.ok(files.includes(`greetings/${lang}.txt`), files);
    assert.match(r.stderr, /landed/);
    assert.match(r.stderr, /All work merged onto main/);
    assert.match(r.stderr, new RegExp(`cd ${result.town}`));
    // The work was committed under the demo town's own identity.
    const authors = execFileSync("git", ["log", "--format=%ae", "main"], {
      cwd: result.project,
      encoding: "utf8",
    });
    assert.match(authors, /demo@gastown\.invalid/);
  });
});

describe("gt demo before it starts", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-demo-pre-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("stops within seconds naming git when git is missing, and builds nothing", async () => {
    // A PATH with sh but no git (the launcher runs the pinned node by its own path).
    const bin = join(dir, "nogit-bin");
    mkdirSync(bin);
    symlinkSync("/bin/sh", join(bin, "sh"));
    const where = join(dir, "nogit");
    const started = Date.now();
    const r = await run(GT, dir, ["demo", "--dir", where], {
      env: { ...CLEAN, ...blankHome(dir), PATH: bin },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /gt demo cannot start: git is not installed/);
    assert.equal(existsSync(where), false, "nothing is built before the checks pass");
  });

  it("names tmux, and the subprocess way out, when tmux cannot start a session", async () => {
    const bin = join(dir, "badtmux-bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "tmux"),
      '#!/bin/sh\necho "open terminal failed: missing or unsuitable terminal" >&2\nexit 1\n',
    );
    chmodSync(join(bin, "tmux"), 0o755);
    const started = Date.now();
    const r = await run(GT, dir, ["demo", "--dir", join(dir, "badtmux"), "--json"], {
      env: { ...CLEAN, ...blankHome(dir), GT_RUNTIME_PROVIDER: "tmux", PATH: `${bin}:${process.env.PATH}` },
    });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const err = JSON.parse(r.stdout) as { error: string; code: string };
    assert.equal(err.code, "demo_preflight");
    assert.match(err.error, /tmux cannot start a session .*missing or unsuitable terminal/);
    assert.match(err.error, /GT_RUNTIME_PROVIDER=subprocess/);
  });
});

describe("gt demo when an agent fails", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-demo-fail-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the agent's own error line and its log, and stops waiting long before the timeout", async () => {
    // A pre-commit hook (through git's environment config, so nothing on disk changes)
    // that refuses the polecats' commits: each agent's script runs, its commit fails.
    const hooks = join(dir, "hooks");
    mkdirSync(hooks);
    writeFileSync(
      join(hooks, "pre-commit"),
      '#!/bin/sh\ncase "$GT_ROLE" in */polecats/*) echo "pre-commit: no commits from $GT_ROLE today" >&2; exit 1;; esac\n',
    );
    chmodSync(join(hooks, "pre-commit"), 0o755);
    const where = join(dir, "demo");
    const started = Date.now();
    const r = await run(GT, dir, ["demo", "--dir", where, "--json", "--timeout", "100"], {
      env: {
        GT_RUNTIME_PROVIDER: "subprocess",
        ...CLEAN,
        ...blankHome(dir),
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "core.hooksPath",
        GIT_CONFIG_VALUE_0: hooks,
      },
    });
    const took = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    assert.ok(took < 60_000, `waited ${took} ms for agents that had already failed`);
    const result = JSON.parse(r.stdout) as DemoResult & {
      beads: Array<{ id: string; polecat: string; failure: string | null; log: string | null }>;
    };
    assert.equal(result.finished, false);
    for (const b of result.beads) {
      assert.match(b.failure ?? "", /git commit failed: pre-commit: no commits from greeter\/polecats\//);
      assert.match(b.log ?? "", /\.runtime\/agent-logs\/gr-[a-z]+\.jsonl$/);
      assert.ok(readFileSync(b.log!, "utf8").includes("pre-commit: no commits from"), b.log!);
      // The transcript line, then where the full log is, in what the person sees.
      assert.match(
        r.stderr,
        new RegExp(`✗ ${b.polecat} failed on ${b.id}: git commit failed: pre-commit: no commits`),
      );
      assert.ok(r.stderr.includes(`full log: ${b.log}`), r.stderr);
    }
    assert.match(r.stderr, /5 of 5 beads did not make it onto main/);
    assert.equal(readdirSync(join(result.town, ".runtime", "agent-logs")).length >= 5, true);
  });
});
