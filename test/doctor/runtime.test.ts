// gt doctor on what runs and what it leaves behind, with real tmux on the town's private
// socket and real processes: a session no agent owns is stopped by --fix while a stray crew
// session is only reported; agent processes that outlived their killed tmux session (they
// ignore SIGHUP and SIGTERM) are found by their environment and stopped, a live session's
// left alone; lock files of dead holders are removed and a live holder's kept; hook
// settings edited by hand are synced back (other keys kept) and one broken by hand is left
// for its owner. Disk space is judged from the numbers alone.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { diskFinding } from "../../src/doctor/disk-space.ts";
import { runDoctor } from "../../src/doctor/doctor.ts";
import { orphanProcessesCheck } from "../../src/doctor/orphans.ts";
import { formatReport } from "../../src/doctor/report.ts";
import { isRunning } from "../../src/runtime/support.ts";
import { TmuxProvider } from "../../src/runtime/tmux.ts";
import { Town } from "../../src/town/workspace.ts";
import { processAlive } from "../helpers/procs.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";
import { checkOf, doctorJson, expectClean } from "./helpers.ts";

describe("gt doctor: sessions, processes, locks and hooks", () => {
  let town: TestTown;
  let socket: string;
  const tmux = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { stdio: "pipe" });
  const sessions = () => {
    try {
      return execFileSync("tmux", ["-L", socket, "list-sessions", "-F", "#{session_name}"], {
        encoding: "utf8",
      })
        .trim()
        .split("\n")
        .filter(Boolean)
        .sort();
    } catch {
      return []; // no server: no sessions
    }
  };

  before(async () => {
    town = await newTown("tmux");
    socket = town.env.GT_TMUX_SOCKET!;
    await addBareRig(town, "alpha");
  });
  after(async () => town?.cleanup());

  it("stops a session no agent of the town owns and leaves a stray crew session to a person", async () => {
    tmux("new-session", "-d", "-s", "al-witness", "sleep 300"); // the rig's witness: an agent
    tmux("new-session", "-d", "-s", "zz-stray", "sleep 300");
    tmux("new-session", "-d", "-s", "al-crew-ghost", "sleep 300"); // no crew member ghost
    const r = await town.gt(["doctor"]);
    assert.equal(r.code, 0, "warnings only: exit 0");
    assert.match(
      r.stdout,
      /⚠ {2}orphan-sessions 2 session\(s\) with no agent of the town: al-crew-ghost, zz-stray/,
    );
    assert.match(
      r.stdout,
      /└─ al-crew-ghost \(running, pid \d+\): a crew session, left for a person to stop/,
    );

    const fixed = checkOf(await doctorJson(town, ["--fix"]), "orphan-sessions");
    assert.equal(fixed.fixed, false, "the crew session remains");
    assert.ok(fixed.details.includes("fix: stopped session zz-stray"), fixed.details.join("\n"));
    assert.deepEqual(sessions(), ["al-crew-ghost", "al-witness"]);
    tmux("kill-session", "-t", "al-crew-ghost");
    assert.equal(checkOf(await doctorJson(town), "orphan-sessions").status, "ok");
    tmux("kill-session", "-t", "al-witness");
  });

  it("stops agent processes that outlived their session, and nothing of a live one", async () => {
    const provider = new TmuxProvider({ socket });
    const agentEnv = (session: string) => ({
      GT_TOWN_ROOT: town.root,
      GT_ROOT: town.root,
      GT_SESSION: session,
      GT_ROLE: "alpha/witness",
    });
    // Ignores the hang-up a killed tmux session sends, and SIGTERM: only SIGKILL ends it.
    const stubborn = ["sh", "-c", "trap '' HUP TERM; sleep 300 & wait"];
    await provider.start({
      name: "al-witness",
      cwd: town.root,
      command: stubborn,
      env: agentEnv("al-witness"),
    });
    await provider.start({
      name: "al-refinery",
      cwd: town.root,
      command: stubborn,
      env: agentEnv("al-refinery"),
    });
    const livePane = (await provider.list()).find((s) => s.name === "al-refinery")!.pid!;
    await sleep(300); // the shells have set their traps
    tmux("kill-session", "-t", "al-witness");

    const opts = {
      provider,
      env: { ...process.env, ...town.env },
      processGraceMs: 0,
      checks: [orphanProcessesCheck],
    };
    const found = (await runDoctor(new Town(town.root), opts)).checks[0]!;
    assert.equal(found.status, "warning", found.message);
    assert.match(found.message, /^2 agent process\(es\) outlive their session: al-witness$/);
    const pids = found.details.map((d) => Number(/^pid (\d+) /.exec(d)?.[1]));
    assert.equal(pids.length, 2, found.details.join("\n"));
    // isRunning: a killed orphan may stay a zombie until init reaps it; that is gone.
    assert.ok(
      pids.every((p) => isRunning(p)),
      "they survived the session",
    );

    const fixed = (await runDoctor(new Town(town.root), { ...opts, fix: true })).checks[0]!;
    assert.equal(fixed.fixed, true, fixed.details.join("\n"));
    assert.deepEqual(
      pids.filter((p) => isRunning(p)),
      [],
      "stopped, SIGKILL after the grace",
    );
    assert.ok(isRunning(livePane), "the live session's processes are not touched");
    assert.equal(await provider.isAlive("al-refinery"), true);
    await provider.stop("al-refinery", { graceMs: 0 });
  });

  it("removes lock files whose holder is gone and keeps a live holder's", async () => {
    const dead = spawnSync("true").pid!;
    assert.equal(processAlive(dead), false);
    const rigLocks = join(town.root, "alpha", ".runtime", "locks");
    const townLocks = join(town.root, ".runtime", "locks");
    mkdirSync(rigLocks, { recursive: true });
    mkdirSync(townLocks, { recursive: true });
    mkdirSync(join(town.root, ".runtime", "nudge_poller"), { recursive: true });
    const pool = join(rigLocks, "polecat-pool.lock");
    const empty = join(rigLocks, "sandbox-nux.lock");
    const live = join(townLocks, "rigs.lock");
    const poller = join(town.root, ".runtime", "nudge_poller", "al-nux.pid");
    writeFileSync(pool, String(dead));
    writeFileSync(empty, "");
    utimesSync(empty, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    writeFileSync(live, String(process.pid));
    writeFileSync(poller, `${dead}\n`);

    const c = checkOf(await doctorJson(town), "stale-locks");
    assert.equal(c.status, "warning");
    assert.deepEqual(c.details.sort(), [
      `.runtime/nudge_poller/al-nux.pid: held by pid ${dead}, which is gone`,
      `alpha/.runtime/locks/polecat-pool.lock: held by pid ${dead}, which is gone`,
      "alpha/.runtime/locks/sandbox-nux.lock: empty (its writer was killed)",
    ]);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "stale-locks").fixed, true);
    assert.deepEqual([pool, empty, poller].filter(existsSync), []);
    assert.equal(readFileSync(live, "utf8"), String(process.pid), "a live holder's lock stays");
    rmSync(live);
    await expectClean(town);
  });

  it("syncs hook settings edited by hand, keeping the file's other keys; leaves a broken one to its owner", async () => {
    const sync = await town.gt(["hooks", "sync"]);
    assert.equal(sync.code, 0, sync.stderr);
    await expectClean(town);
    const mayor = join(town.root, "mayor", ".claude", "settings.json");
    const settings = JSON.parse(readFileSync(mayor, "utf8"));
    delete settings.hooks.PreCompact;
    settings.model = "mine";
    writeFileSync(mayor, JSON.stringify(settings));
    const c = checkOf(await doctorJson(town), "hooks-sync");
    assert.equal(c.status, "warning");
    assert.deepEqual(c.details, ["mayor/.claude/settings.json differs from gt hooks sync"]);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "hooks-sync").fixed, true);
    const after = JSON.parse(readFileSync(mayor, "utf8"));
    assert.ok(after.hooks.PreCompact, "the hook is back");
    assert.equal(after.model, "mine", "the user's own key is kept");

    const witness = join(town.root, "alpha", "witness", ".claude", "settings.json");
    const good = readFileSync(witness, "utf8");
    writeFileSync(witness, "{ mine, half written");
    const broken = checkOf(await doctorJson(town, ["--fix"]), "hooks-sync");
    assert.equal(broken.status, "warning");
    assert.equal(broken.fixable, false);
    assert.match(
      broken.details[0]!,
      /^alpha\/witness: .*alpha\/witness\/\.claude\/settings\.json is not a valid settings file/,
    );
    assert.equal(readFileSync(witness, "utf8"), "{ mine, half written", "never overwritten");
    writeFileSync(witness, good);
    await expectClean(town);
  });
});

describe("gt doctor: disk space and the report", () => {
  const GiB = 1024 ** 3;

  it("warns below 1 GiB free or at 95% used, and only warns", () => {
    assert.equal(diskFinding(50 * GiB, 100 * GiB).status, "ok");
    assert.match(diskFinding(50 * GiB, 100 * GiB).message, /^50 GiB free of 100 GiB \(50\.0% used\)$/);
    const low = diskFinding(0.5 * GiB, 10 * GiB);
    assert.equal(low.status, "warning");
    assert.match(low.message, /^disk space low: 512 MiB free/);
    assert.equal(diskFinding(2 * GiB, 100 * GiB).status, "warning", "98% used");
    assert.equal(low.fix, undefined);
  });

  it("prints failures and warnings again with what to do, and what was fixed", () => {
    const base = { details: [], fixable: false, fixed: false };
    const lines = formatReport({
      checks: [
        { ...base, name: "town-config", category: "Core", status: "ok", message: "fine", hint: null },
        {
          ...base,
          name: "rigs-registry",
          category: "Core",
          status: "ok",
          message: "2 rig(s) registered (fixed)",
          hint: null,
          fixable: true,
          fixed: true,
          details: ["wrote mayor/rigs.json"],
        },
        {
          ...base,
          name: "ledgers",
          category: "Infrastructure",
          status: "error",
          message: "rig alpha: broken",
          hint: "restore it",
          details: ["rig alpha: database: malformed"],
        },
      ],
      summary: { ok: 2, warnings: 0, errors: 1, fixed: 1 },
    });
    assert.deepEqual(lines, [
      "Core",
      "  ✓  town-config fine",
      "  ✓  rigs-registry 2 rig(s) registered (fixed)",
      "",
      "Infrastructure",
      "  ✗  ledgers rig alpha: broken",
      "     └─ rig alpha: database: malformed",
      "",
      "─".repeat(60),
      "✓ 2 passed  ⚠ 0 warnings  ✗ 1 failed  🔧 1 fixed",
      "",
      "✗  FAILURES",
      "  ✗  1. ledgers: rig alpha: broken",
      "        └─ restore it",
      "",
      "🔧  FIXED",
      "  ✓  1. rigs-registry: 2 rig(s) registered (fixed)",
      "        └─ wrote mayor/rigs.json",
    ]);
  });
});
