// The scheduler on a live town (tmux, script agents, the daemon and the rig's refinery
// running). With scheduler.max_polecats = 2, six beads slung at once never have more than
// two polecats at work (sampled from the ledger all along) and all six merge, the most
// urgent first. Paused, the queue holds whatever capacity is free; a queued bead that is
// closed, or slung by hand at a polecat, leaves the queue; resume lets the rest go, in
// priority order, as polecats free up. --max-concurrent caps one sling on a town with no cap,
// and gt scheduler run dispatches in the foreground. Bad input is one line.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bdOk, eventually, git } from "../helpers/town.ts";
import { type DaemonTown, daemonTown, eventsOf } from "./daemon-helpers.ts";

interface Bead {
  id: string;
  status: string;
  assignee?: string;
  labels?: string[];
}
interface SlingReport {
  outcomes: Array<{ bead: string; action: string; polecat: string }>;
  failures: Array<{ bead: string; error: string }>;
  queued: Array<{ bead: string; position: number; already: boolean }>;
  convoy: string | null;
  scheduler: { max_polecats: number; max_concurrent: number | null; working: number; paused: boolean } | null;
}
interface QueueRow {
  position: number;
  bead: string;
  priority: number;
  state: string;
  limit: number | null;
  max_concurrent: number | null;
}
interface Status {
  enabled: boolean;
  max_polecats: number;
  paused: boolean;
  paused_by: string | null;
  working: number;
  available: number | null;
  queued: number;
  ready: number;
  daemon_running: boolean;
}
interface RunReport {
  busy: boolean;
  paused: boolean;
  working: number;
  dispatched: Array<{ bead: string; polecat: string }>;
  would_dispatch: Array<{ bead: string }>;
  waiting: Array<{ bead: string; why: string }>;
  left: Array<{ bead: string; reason: string }>;
}

describe("gt scheduler: capacity-controlled dispatch", () => {
  let town: DaemonTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bead = async (id: string) =>
    (JSON.parse(await bdOk(town, rigDir(), ["show", id, "--json"])) as Bead[])[0]!;
  const create = (title: string, sh: string, priority = 2) =>
    bdOk(town, rigDir(), [
      "create",
      title,
      "-p",
      String(priority),
      "-d",
      `Task.\n\n\`\`\`sh\n${sh}\n\`\`\`\n`,
      "--silent",
    ]);
  const list = () => town.gtJson<QueueRow[]>(["scheduler", "list"]);
  /** Polecats holding hooked work right now, read from the rig's ledger as the scheduler counts them. */
  const holding = (): string[] => {
    const db = new DatabaseSync(join(rigDir(), ".beads", "beads.db"), { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 2000");
      return (
        db
          .prepare(
            "SELECT DISTINCT assignee FROM issues WHERE status = 'hooked' AND assignee LIKE 'alpha/polecats/%'",
          )
          .all() as Array<{ assignee: string }>
      ).map((r) => r.assignee);
    } finally {
      db.close();
    }
  };
  const waitFile = (name: string) => join(town.scratch, name);
  const setCap = (scheduler: Record<string, unknown>) =>
    town.settings((s) => {
      s.scheduler = scheduler;
    });

  before(async () => {
    town = await daemonTown({ mergeQueue: { test_command: "true", poll_interval_seconds: 1 } });
    origin = join(town.scratch, "project.git");
    // Only the refinery is kept running: the scheduler and the merges are what is tested.
    const file = join(town.root, "mayor", "daemon.json");
    const cfg = JSON.parse(readFileSync(file, "utf8"));
    for (const role of ["mayor", "deacon", "witness"])
      cfg.patrols[role] = { ...cfg.patrols[role], enabled: false };
    writeFileSync(file, JSON.stringify(cfg, null, 2));
    setCap({ max_polecats: 2 });
    const d = await town.gt(["daemon", "start"]);
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("max_polecats = 2, six beads slung at once: never more than two polecats work, and all six merge", async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await create(`Task ${i}`, `sleep 1.5\necho ${i} > f${i}.txt`));
    // The most urgent bead is created last: it still goes first.
    const urgent = await create("Urgent", "sleep 1.5\necho u > urgent.txt", 0);
    ids.push(urgent);

    let peak = 0;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const n = holding().length;
        peak = Math.max(peak, n);
        samples++;
        await sleep(50);
      }
    })();
    const report = await town.gtJson<SlingReport>(["sling", ...ids, "alpha"]);
    assert.deepEqual(report.failures, []);
    assert.ok(report.convoy, "one convoy for the whole batch");
    assert.equal(report.scheduler?.max_polecats, 2);
    // The daemon may dispatch one of them before the sling's own pass gets the lock.
    assert.ok(report.outcomes.length <= 2, JSON.stringify(report.outcomes));
    assert.ok(report.queued.length >= 4, JSON.stringify(report.queued));

    await eventually(
      async () => {
        for (const id of ids) if ((await bead(id)).status !== "closed") return false;
        return true;
      },
      180_000,
      "all six beads to merge",
    );
    sampling = false;
    await sampler;
    assert.ok(samples > 50, `sampled ${samples} times`);
    assert.equal(peak, 2, `at most two polecats held work at once, and the cap was reached (peak ${peak})`);
    for (let i = 1; i <= 5; i++) assert.equal(git(origin, "show", `main:f${i}.txt`), String(i));
    assert.equal(git(origin, "show", "main:urgent.txt"), "u");

    // Dispatched most urgent first, then in the order they were queued.
    const order = eventsOf(town, "scheduler_dispatch").map((e) => e.payload.bead);
    assert.deepEqual(order, [urgent, ...ids.slice(0, 5)]);
    assert.deepEqual(await list(), []);
    const log = readFileSync(join(town.root, "daemon", "daemon.log"), "utf8");
    assert.match(log, /scheduler: dispatched /, "the daemon dispatched the queue as polecats freed up");
    const status = await town.gtJson<Status>(["scheduler", "status"]);
    assert.equal(status.enabled, true);
    assert.equal(status.queued, 0);
    assert.equal(status.working, 0);
    assert.equal(status.available, 2);
  });

  it("pause holds the queue; a queued bead closed or slung by hand leaves it; resume lets the rest go in priority order", async () => {
    const go = waitFile("go");
    const task = (name: string) => `while [ ! -f '${go}' ]; do sleep 0.1; done\necho ${name} > ${name}.txt`;
    const paused = await town.gtJson<{ paused: boolean; changed: boolean; paused_by: string }>([
      "scheduler",
      "pause",
    ]);
    assert.equal(paused.paused, true);
    assert.equal(paused.changed, true);
    const a = await create("Low", task("a"), 3);
    const b = await create("High", task("b"), 1);
    const c = await create("Mid one", task("c"), 2);
    const d = await create("Mid two", task("d"), 2);

    const report = await town.gtJson<SlingReport>(["sling", a, b, c, d, "alpha"]);
    assert.deepEqual(report.outcomes, [], "paused: nothing goes, though two polecats are free");
    assert.equal(report.scheduler?.paused, true);
    assert.deepEqual(
      report.queued.map((q) => [q.bead, q.position]),
      [
        [b, 1],
        [c, 2],
        [d, 3],
        [a, 4],
      ],
    );
    const human = await town.gt(["scheduler", "status"]);
    assert.match(human.stdout, /⏸ paused by /);
    assert.match(human.stdout, /queued 4 \(4 ready/);
    const run = await town.gtJson<RunReport>(["scheduler", "run"]);
    assert.deepEqual([run.paused, run.dispatched], [true, []]);
    // The daemon passes on the ledger changes; nothing is dispatched while paused.
    await sleep(2500);
    assert.deepEqual(holding(), []);
    assert.deepEqual(
      (await list()).map((r) => r.bead),
      [b, c, d, a],
    );

    // Closed: out of the queue. Slung by hand at a polecat: out of the queue, running.
    await bdOk(town, rigDir(), ["close", a, "--reason", "not needed"]);
    const idle = (
      await town.gtJson<Array<{ name: string; state: string }>>(["polecat", "list", "alpha"])
    ).find((p) => p.state === "idle")!;
    const byHand = await town.gtJson<SlingReport>(["sling", d, `alpha/${idle.name}`]);
    assert.equal(byHand.outcomes[0]?.action, "hooked");
    assert.equal((await bead(d)).labels?.includes("gt:queued") ?? false, false, "the hook took the mark off");
    assert.deepEqual(
      (await list()).map((r) => r.bead),
      [b, c],
    );
    await eventually(
      async () => !((await bead(a)).labels ?? []).includes("gt:queued"),
      10_000,
      "the daemon to drop the closed bead's mark",
    );

    const resumed = await town.gtJson<{ paused: boolean; changed: boolean }>(["scheduler", "resume"]);
    assert.deepEqual([resumed.paused, resumed.changed], [false, true]);
    // d works (slung by hand), so one slot is free: b, the most urgent, takes it; c waits.
    await eventually(async () => (await bead(b)).status === "hooked", 20_000, "b to be dispatched");
    await sleep(1500);
    assert.equal((await bead(c)).status, "open");
    assert.deepEqual(
      (await list()).map((r) => [r.bead, r.state]),
      [[c, "ready"]],
    );
    assert.equal(holding().length, 2);

    writeFileSync(go, "");
    await eventually(
      async () => {
        for (const id of [b, c, d]) if ((await bead(id)).status !== "closed") return false;
        return true;
      },
      120_000,
      "b, c and d to merge",
    );
    assert.equal((await bead(a)).status, "closed");
    assert.equal(git(origin, "show", "main:c.txt"), "c");
    const left = eventsOf(town, "scheduler_leave").map((e) => e.payload.bead);
    assert.ok(left.includes(a), JSON.stringify(left));
  });

  it("--max-concurrent caps one sling on a town with no cap; gt scheduler run dispatches in the foreground", async () => {
    const stop = await town.gt(["daemon", "stop"]);
    assert.equal(stop.code, 0, stop.stderr);
    setCap({});
    const go = waitFile("go2");
    const e = await create("E", `while [ ! -f '${go}' ]; do sleep 0.1; done\necho e > e.txt`);
    const f = await create("F", "echo f > f.txt");
    const g = await create("G", "echo g > g.txt");

    const dry = await town.gtJson<SlingReport>([
      "sling",
      e,
      f,
      g,
      "alpha",
      "--max-concurrent",
      "1",
      "--dry-run",
    ]);
    assert.deepEqual(
      dry.outcomes.map((o) => [o.bead, o.action]),
      [[e, "would-hook"]],
    );
    assert.deepEqual(
      dry.queued.map((q) => [q.bead, q.position]),
      [
        [f, 1],
        [g, 2],
      ],
    );
    assert.equal((await bead(f)).status, "open");
    assert.deepEqual(await list(), [], "a dry run queues nothing");

    const report = await town.gtJson<SlingReport>(["sling", e, f, g, "alpha", "--max-concurrent", "1"]);
    assert.deepEqual(
      report.outcomes.map((o) => [o.bead, o.action]),
      [[e, "hooked"]],
    );
    assert.deepEqual(
      report.queued.map((q) => q.bead),
      [f, g],
    );
    assert.equal(report.scheduler?.max_concurrent, 1);
    const rows = await list();
    assert.deepEqual(
      rows.map((r) => [r.bead, r.max_concurrent, r.limit]),
      [
        [f, 1, 1],
        [g, 1, 1],
      ],
    );
    const status = await town.gtJson<Status>(["scheduler", "status"]);
    assert.deepEqual(
      [status.enabled, status.daemon_running, status.queued, status.working],
      [false, false, 2, 1],
    );
    assert.match((await town.gt(["scheduler", "status"])).stdout, /no daemon runs to dispatch the queue/);

    const dryRun = await town.gtJson<RunReport>(["scheduler", "run", "--dry-run"]);
    assert.deepEqual(dryRun.would_dispatch, []);
    assert.deepEqual(
      dryRun.waiting.map((w) => [w.bead, w.why]),
      [
        [f, "capacity"],
        [g, "capacity"],
      ],
    );
    writeFileSync(go, "");
    await eventually(async () => holding().length === 0, 60_000, "e's polecat to finish");
    const run = await town.gtJson<RunReport>(["scheduler", "run"]);
    assert.deepEqual(
      run.dispatched.map((x) => x.bead),
      [f],
    );
    await eventually(async () => holding().length === 0, 60_000, "f's polecat to finish");
    const human = await town.gt(["scheduler", "run"]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`🎯 dispatched ${g} → alpha/polecats/`));
    await eventually(
      async () => {
        for (const id of [e, f, g]) if ((await bead(id)).status !== "closed") return false;
        return true;
      },
      120_000,
      "e, f and g to merge",
    );
    assert.deepEqual(await list(), []);
    const empty = await town.gt(["scheduler", "run"]);
    assert.match(empty.stdout, /the queue is empty/);
  });

  it("bad input is one line and a non-zero exit", async () => {
    const one = async (args: string[], pattern: RegExp) => {
      const r = await town.gt(args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    };
    const x = await create("X", "true");
    await one(["sling", x, "alpha", "--max-concurrent", "0"], /--max-concurrent wants a whole number/);
    await one(["sling", x, "alpha", "--max-concurrent", "two"], /--max-concurrent wants a whole number/);
    await one(["scheduler", "run", "--batch", "-3"], /--batch wants a whole number|error/i);
    await one(["scheduler", "clear", "--bead", "al-nope"], /al-nope is not in the scheduler's queue/);
    await one(["scheduler", "list", "--rig", "nope"], /nope/);
    await one(["scheduler", "frobnicate"], /unknown command|too many arguments/i);
    setCap({ max_polecats: "two" });
    await one(["scheduler", "status"], /scheduler\.max_polecats: /);
    await one(["sling", x, "alpha"], /scheduler\.max_polecats: /);
    setCap({ max_polecats: 2, spawn_delay: "soon" });
    await one(["scheduler", "run"], /scheduler\.spawn_delay: /);
    setCap({});
    assert.equal((await bead(x)).status, "open", "nothing was slung");
    assert.equal(existsSync(join(town.root, ".runtime", "scheduler-state.json")), true);
  });
});
