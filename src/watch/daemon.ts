// The daemon (spec §4.1): one process per town that keeps the town's agents running. Each
// pass reconciles what should run (reconcile.ts) against the live sessions: it starts what
// is missing, stops what must not run, restarts with backoff and quarantines a crash loop
// (backoff.ts), escalating it. It sleeps until something changes — a ledger's JSONL, the
// event log, an e-stop or park, a session's processes exiting (seen in /proc, no tmux call)
// — with a recovery heartbeat as the backstop; it never polls the ledger in a loop. It does
// nothing while gt down holds the shutdown lock or an e-stop stands.
import { existsSync, type FSWatcher, readFileSync, rmSync, watch } from "node:fs";
import { join } from "node:path";
import { escalate } from "../comms/escalation.ts";
import { ConflictError, EstopError, GasTownError } from "../errors.ts";
import { autoPrune, loadKrcConfig } from "../events/krc.ts";
import { logEvent } from "../events/log.ts";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { hasProcFs, isRunning, parentPid, processStartTime } from "../runtime/support.ts";
import { readEstop } from "../town/estop.ts";
import { locate, rigBeadsDir } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";
import { cleared, quarantine, recordStart, restartVerdict, settled } from "./backoff.ts";
import { type DaemonTimings, loadDaemonTimings, loadPressureLimits } from "./daemon-config.ts";
import {
  DaemonLog,
  type DaemonState,
  daemonLiveness,
  daemonPaths,
  loadDaemonState,
  removePidFile,
  saveDaemonState,
  shutdownHolder,
  writePidFile,
} from "./daemon-files.ts";
import { startDogs } from "./dogs.ts";
import { runPatrol } from "./patrol.ts";
import { gateIsOff, isGated, type PressureLimits, pressureNow } from "./pressure.ts";
import { type PlannedAgent, planReconcile, type ReconcileAction, townPlan } from "./reconcile.ts";
import { type DispatchReport, dispatchQueue } from "./scheduler.ts";
import { SCHEDULER_STATE } from "./scheduler-config.ts";
import { startPlanned } from "./start-agent.ts";

const ACTOR = "daemon";

export interface DaemonOptions {
  town: Town;
  provider: RuntimeProvider;
  nonce: string;
  timings?: DaemonTimings;
}

/** A session the daemon saw alive: its leader's pid and start time (a reused pid is not it). */
interface Tracked {
  pid: number;
  start: string | undefined;
}

export class Daemon {
  private readonly town: Town;
  private readonly provider: RuntimeProvider;
  private readonly nonce: string;
  private readonly t: DaemonTimings;
  private readonly log: DaemonLog;
  private state: DaemonState;
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private wakeReasons = new Set<string>();
  private passing: Promise<void> | undefined;
  private again = false;
  private stopping = false;
  private resolveDone!: () => void;
  /** Resolves when the daemon has stopped. */
  readonly done: Promise<void>;
  /** Alive sessions as of the last pass, for the /proc check between passes. */
  private tracked = new Map<string, Tracked>();
  private tmuxServer: { pid: number; children: string } | undefined;
  /** Sessions the daemon stopped itself: their end is not a death. */
  private readonly stoppedByUs = new Set<string>();
  private deaths: Array<{ at: number; session: string }> = [];
  private lastMassDeath = 0;
  /** What was last said about a standing condition (said once, not every pass). */
  private standing = "";
  /** Starts the pressure gate holds back, with why (logged once per agent and condition). */
  private deferred = new Map<string, string>();
  private lastPatrol = new Map<string, number>();
  private patrolling: Promise<void> | undefined;
  /** The maintenance dogs and boot's triage of the deacon (dogs.ts), on their own timers. */
  private dogs: { stop(): Promise<void> } | undefined;

  constructor(opts: DaemonOptions) {
    this.town = opts.town;
    this.provider = opts.provider;
    this.nonce = opts.nonce;
    this.t = opts.timings ?? loadDaemonTimings(opts.town);
    this.log = new DaemonLog(opts.town, { maxBytes: this.t.logMaxBytes, keep: this.t.logKeep });
    this.state = loadDaemonState(opts.town).state;
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  /**
   * Claims the town (refusing when another daemon runs, naming it), then watches and
   * reconciles until stop(). The state file is read again here: a corrupt one is set aside
   * and rebuilt, never fatal.
   */
  async start(): Promise<void> {
    const p = daemonPaths(this.town);
    await withFileLock(
      p.claim,
      async () => {
        const live = daemonLiveness(this.town);
        if (live.state === "running" && live.pid !== process.pid) throw alreadyRunning(this.town, live.pid);
        writePidFile(this.town, process.pid, this.nonce);
      },
      10_000,
    );
    const loaded = loadDaemonState(this.town, { setAside: true });
    if (loaded.rebuilt) this.log.write(`state file unreadable (${loaded.rebuilt}): set aside, rebuilt`);
    const now = new Date().toISOString();
    this.state = {
      ...loaded.state,
      running: true,
      pid: process.pid,
      started_at: now,
      stopped_at: null,
      heartbeat_count: 0,
    };
    this.save();
    this.log.write(
      `daemon started (pid ${process.pid}, ${this.provider.kind}; heartbeat ${this.t.heartbeatMs}ms, session check ${this.t.sessionCheckMs}ms)`,
    );
    logEvent(this.town.root, "daemon_started", ACTOR, { pid: process.pid }, "audit");
    this.syncWatchers();
    this.timers.push(setInterval(() => this.heartbeat(), this.t.heartbeatMs));
    this.timers.push(setInterval(() => this.checkSessions(), this.t.sessionCheckMs));
    this.wake("start", 0);
    this.dogs = startDogs(this.town, this.provider, (line) => this.log.write(line));
  }

  /** Stops watching, lets a pass in flight finish, records the stop and releases the pid file. */
  async stop(reason: string): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    await this.passing?.catch(() => undefined);
    await this.patrolling;
    await this.dogs?.stop();
    this.state.running = false;
    this.state.stopped_at = new Date().toISOString();
    this.save();
    this.log.write(`daemon stopped (${reason})`);
    logEvent(this.town.root, "daemon_stopped", ACTOR, { pid: process.pid, reason }, "audit");
    removePidFile(this.town, this.nonce);
    this.resolveDone();
  }

  /** Records a crash (the process exits right after). */
  crashed(e: unknown): void {
    this.log.write(`daemon crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    this.state.running = false;
    this.state.stopped_at = new Date().toISOString();
    this.save();
    removePidFile(this.town, this.nonce);
  }

  // ---- waking --------------------------------------------------------------------------

  /** Asks for a pass in `delayMs` (the debounce by default); earlier requests win. */
  private wake(reason: string, delayMs = this.t.debounceMs): void {
    if (this.stopping) return;
    this.wakeReasons.add(reason);
    const at = Date.now() + delayMs;
    if (this.wakeTimer && at >= this.wakeAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Number.POSITIVE_INFINITY;
        const reasons = [...this.wakeReasons].join(", ");
        this.wakeReasons.clear();
        void this.runPass(reasons);
      },
      Math.max(0, delayMs),
    );
  }

  private heartbeat(): void {
    this.state.last_heartbeat = new Date().toISOString();
    this.state.heartbeat_count++;
    this.pruneEvents();
    this.wake("heartbeat", 0);
  }

  /** The event log's TTLs (gt krc), kept by the daemon once per prune interval, as Gas Town's does. */
  private pruneEvents(): void {
    try {
      const r = autoPrune(this.town.root, loadKrcConfig(this.town.root));
      if (r && r.events_pruned > 0)
        this.log.write(`krc: pruned ${r.events_pruned} expired event(s) from .events.jsonl`);
    } catch (e) {
      this.log.write(`krc: auto-prune failed: ${(e as Error).message}`);
    }
  }

  private runPass(reason: string): Promise<void> {
    if (this.passing) {
      this.again = true;
      return this.passing;
    }
    this.passing = this.pass(reason)
      .catch((e) => {
        // A runtime or ledger hiccup: try again soon rather than wait for the heartbeat.
        this.log.write(`pass failed: ${(e as Error).message}`);
        this.wake("retry after a failed pass", 5000);
      })
      .finally(() => {
        this.passing = undefined;
        if (this.again && !this.stopping) {
          this.again = false;
          this.wake("changes during the last pass");
        }
      });
    return this.passing;
  }

  /** Watches the files whose change may change what should run (directories: files are replaced by rename). */
  private syncWatchers(): void {
    const want = new Map<string, (name: string) => boolean>();
    const town = this.town;
    want.set(town.root, (n) => n === ".events.jsonl" || n.startsWith("ESTOP"));
    want.set(town.beadsDir, (n) => n === "issues.jsonl");
    want.set(town.path("mayor"), (n) => n === "rigs.json" || n === "daemon.json");
    want.set(town.path("settings"), (n) => n === "config.json");
    // gt scheduler resume (and pause) is a change of this file.
    want.set(town.runtimeDir, (n) => n === SCHEDULER_STATE);
    if (this.provider.kind === "subprocess") want.set(join(town.runtimeDir, "sessions"), () => true);
    for (const rig of town.rigNames()) {
      try {
        want.set(locate(rigBeadsDir(town, rig)).foundAt, (n) => n === "issues.jsonl");
      } catch {
        // a rig whose ledger is gone: nothing to watch there
      }
      want.set(join(town.rigDir(rig), ".runtime"), (n) => n === "parked.json");
    }
    for (const [dir, w] of this.watchers)
      if (!want.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    for (const [dir, keep] of want) {
      if (this.watchers.has(dir) || !existsSync(dir)) continue;
      try {
        const w = watch(dir, { persistent: true }, (_event, name) => {
          if (name && keep(String(name))) this.wake(`${String(name)} changed`);
        });
        w.on("error", () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch (e) {
        this.log.write(`cannot watch ${dir}: ${(e as Error).message}`);
      }
    }
  }

  /**
   * Between passes: did a session the daemon saw alive end, or did the tmux server's set
   * of panes change? A few /proc reads, no subprocess: cheap enough to do every second.
   */
  private checkSessions(): void {
    if (this.stopping || this.passing) return;
    for (const [session, s] of this.tracked) {
      if (!isRunning(s.pid, s.start)) {
        this.wake(`session ${session} exited`, 0);
        return;
      }
    }
    if (this.tmuxServer && this.tmuxChildren(this.tmuxServer.pid) !== this.tmuxServer.children)
      this.wake("sessions changed", 0);
  }

  private tmuxChildren(server: number): string | undefined {
    try {
      return readFileSync(`/proc/${server}/task/${server}/children`, "utf8").trim();
    } catch {
      return undefined;
    }
  }

  // ---- one pass ------------------------------------------------------------------------

  private async pass(reason: string): Promise<void> {
    if (this.stopping) return;
    try {
      // Never blocks: a gt up or gt down holding it means "not now"; try again shortly.
      await withFileLock(daemonPaths(this.town).reconcile, () => this.passLocked(reason), 0);
    } catch (e) {
      if (e instanceof GasTownError && e.code === "lock_timeout") this.wake("reconcile lock was busy", 1000);
      else throw e;
    }
  }

  private say(condition: string): void {
    if (condition === this.standing) return;
    this.standing = condition;
    if (condition) this.log.write(condition);
  }

  private async passLocked(reason: string): Promise<void> {
    const now = Date.now();
    this.applyClearRequest();
    const holder = shutdownHolder(this.town);
    if (holder) {
      this.say(`gt down (pid ${holder}) holds the shutdown lock: starting nothing`);
      // What gt down stops is no death: forget the sessions, look again once it is done.
      this.tracked.clear();
      this.tmuxServer = undefined;
      this.wake("waiting for gt down", 2000);
      return;
    }
    const sessions = new Map<string, SessionInfo>((await this.provider.list()).map((s) => [s.name, s]));
    this.syncWatchers();
    const estop = readEstop(this.town.root);
    if (estop) {
      this.say(`e-stop is on${estop.reason ? ` (${estop.reason})` : ""}: restarting nothing until gt thaw`);
      this.track(sessions);
      this.finishPass(now);
      return;
    }
    this.say("");
    const plan = await townPlan(this.town);
    this.noticeDeaths(sessions, plan.want, now);
    this.track(sessions);
    const actions = planReconcile(plan, sessions, this.state.agents, now, this.t);
    if (actions.some((a) => a.kind !== "wait")) this.log.write(`pass (${reason}): ${describe(actions)}`);
    const limits = this.pressureLimits();
    let live = [...sessions.values()].filter((x) => x.alive).length;
    for (const a of actions) {
      if (this.stopping || shutdownHolder(this.town)) break;
      if (a.kind === "start" && limits && isGated(a.agent.id.role)) {
        const why = pressureNow(limits, live);
        if (why) {
          this.deferStart(a.agent.address, why, limits.retryMs);
          continue;
        }
      }
      this.deferred.delete(a.agent.address);
      await this.apply(a);
      if (a.kind === "start") live++;
    }
    // Agents that ran long enough since their last restart start over with no backoff.
    for (const agent of plan.want) {
      const rec = this.state.agents[agent.address];
      if (rec && sessions.get(agent.session)?.alive)
        this.state.agents[agent.address] = settled(rec, now, this.t);
    }
    const waits = actions.filter((a) => a.kind === "wait").map((a) => a.untilMs);
    if (waits.length) this.wake("backoff over", Math.max(0, Math.min(...waits) - Date.now()));
    if (actions.some((a) => a.kind === "start" || a.kind === "stop")) {
      // Starting takes a while: sessions may have died meanwhile. They are deaths too, and
      // another pass restarts them; what runs now is what checkSessions watches.
      const now2 = new Map((await this.provider.list()).map((s) => [s.name, s]));
      const died = this.noticeDeaths(now2, plan.want, Date.now());
      this.track(now2);
      if (died > 0) this.wake("deaths during the pass", 0);
    }
    this.witnessesDown(plan.want, sessions);
    const held = limits ? pressureNow(limits, live) : undefined;
    if (held && limits) this.deferStart("the scheduler's queue", held, limits.retryMs);
    else {
      this.deferred.delete("the scheduler's queue");
      await this.dispatchQueue();
    }
    this.finishPass(now);
  }

  /** The pressure gate's limits; undefined when every check is off (or the settings are bad). */
  private pressureLimits(): PressureLimits | undefined {
    try {
      const l = loadPressureLimits(this.town);
      return gateIsOff(l) ? undefined : l;
    } catch (e) {
      this.say(`pressure gate off: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** A start the pressure gate held back: said once per condition, looked at again later. */
  private deferStart(what: string, why: string, retryMs: number): void {
    if (this.deferred.get(what) !== why) {
      this.deferred.set(what, why);
      this.log.write(`pressure: ${why}: start of ${what} deferred`);
      logEvent(this.town.root, "daemon_start_deferred", ACTOR, { agent: what, why }, "audit");
    }
    this.wake("pressure retry", retryMs);
  }

  /**
   * The scheduler's step (spec §5.2), after the town is reconciled: queued beads go as far
   * as the cap allows. A dispatch changes the ledger, which wakes the next pass, so a queue
   * drains batch by batch while polecats are free; a finishing polecat's gt done wakes it too.
   */
  private async dispatchQueue(): Promise<void> {
    if (this.stopping || shutdownHolder(this.town)) return;
    let r: DispatchReport;
    try {
      r = await dispatchQueue(this.town, this.provider, { actor: ACTOR, lockWaitMs: 0 });
    } catch (e) {
      this.log.write(`scheduler dispatch failed: ${(e as Error).message}`);
      return;
    }
    if (r.busy) this.wake("the scheduler's lock was busy", 1000);
    for (const l of r.left) this.log.write(`scheduler: ${l.bead} ${l.reason}`);
    for (const d of r.dispatched)
      this.log.write(`scheduler: dispatched ${d.bead} to ${d.rig}/polecats/${d.polecat}`);
    for (const f of r.failed)
      this.log.write(
        `scheduler: dispatch of ${f.bead} failed (${f.failures}x${f.circuit_broken ? ", circuit-broken" : ""}): ${f.error}`,
      );
    if (r.retry_at) this.wake("scheduler retry", Math.max(0, Date.parse(r.retry_at) - Date.now()));
    if (r.dispatched.length > 0) this.wake("scheduler dispatched");
  }

  private finishPass(now: number): void {
    this.state.last_reconcile = new Date(now).toISOString();
    this.state.reconcile_count++;
    this.save();
  }

  private async apply(a: ReconcileAction): Promise<void> {
    const { agent } = a;
    switch (a.kind) {
      case "start":
        return this.startAgent(agent);
      case "stop": {
        this.stoppedByUs.add(agent.session);
        const stopped = await this.provider.stop(agent.session).catch(() => false);
        if (stopped) {
          this.log.write(`stopped ${agent.address} (${agent.why})`);
          logEvent(this.town.root, "daemon_stop", ACTOR, { agent: agent.address, why: agent.why }, "audit");
        }
        return;
      }
      case "quarantine":
        return this.quarantineAgent(agent, a.restarts);
      case "release":
        this.state.agents[agent.address] = cleared(this.state.agents[agent.address]);
        this.log.write(`${agent.address} runs again (started by hand): quarantine lifted`);
        return;
      case "wait":
        return;
    }
  }

  private async startAgent(agent: PlannedAgent): Promise<void> {
    const before = this.state.agents[agent.address];
    const rec = recordStart(before, Date.now(), this.t);
    const attempt = rec.restarts.length;
    this.state.agents[agent.address] = rec;
    this.save();
    this.stoppedByUs.delete(agent.session);
    try {
      await startPlanned(this.town, this.provider, agent, {
        sender: ACTOR,
        topic: before?.last_start ? "restart" : "start",
      });
      this.log.write(`started ${agent.address} (${agent.why}; start ${attempt} of this streak)`);
      logEvent(
        this.town.root,
        "daemon_start",
        ACTOR,
        { agent: agent.address, session: agent.session, why: agent.why, attempt },
        "feed",
      );
    } catch (e) {
      if (e instanceof ConflictError || e instanceof EstopError) {
        // Someone else (gt up, a sling, the witness) started it meanwhile, or an e-stop was
        // raised since the pass began: not a failure, nothing counted against the agent.
        this.state.agents[agent.address] = before ?? rec;
        if (!before) delete this.state.agents[agent.address];
        return;
      }
      const message = (e as Error).message.split("\n")[0]!;
      rec.last_error = message;
      this.log.write(`start of ${agent.address} failed (attempt ${attempt}): ${message}`);
      logEvent(
        this.town.root,
        "daemon_start_failed",
        ACTOR,
        { agent: agent.address, attempt, error: message },
        "audit",
      );
      const v = restartVerdict(rec, Date.now(), this.t);
      if (v.action === "quarantine") await this.quarantineAgent(agent, v.restarts);
    } finally {
      this.save();
    }
  }

  private async quarantineAgent(agent: PlannedAgent, restarts: number): Promise<void> {
    const rec = this.state.agents[agent.address];
    if (rec?.quarantined_at) return;
    const window = `${Math.round(this.t.crashLoopWindowMs / 1000)}s`;
    let escalation: string | null = null;
    try {
      const e = await escalate(this.town, {
        summary: `${agent.address} is crash-looping: ${restarts} restarts in ${window}, quarantined`,
        severity: "high",
        reason: `The daemon restarted ${agent.address} (session ${agent.session}) ${restarts} times within ${window} and stopped restarting it.${rec?.last_error ? ` Last error: ${rec.last_error}` : ""} Fix the cause, then run gt daemon clear-backoff ${agent.address} (or start it by hand).`,
        source: ACTOR,
        actor: ACTOR,
        ...(agent.bead ? { related: agent.bead } : {}),
      });
      escalation = e.id;
    } catch (e) {
      this.log.write(`escalating the crash loop of ${agent.address} failed: ${(e as Error).message}`);
    }
    this.state.agents[agent.address] = quarantine(rec, Date.now(), escalation);
    this.log.write(
      `${agent.address} quarantined after ${restarts} restarts in ${window}${escalation ? ` (escalation ${escalation})` : ""}: no more restarts`,
    );
    logEvent(
      this.town.root,
      "agent_quarantined",
      ACTOR,
      { agent: agent.address, restarts, window_ms: this.t.crashLoopWindowMs, escalation },
      "feed",
    );
    this.save();
  }

  // ---- deaths --------------------------------------------------------------------------

  /**
   * Agents that should run, seen alive last time and not now: deaths (a session the daemon
   * stopped, or one of an agent nobody needs running any more, is not one).
   */
  private noticeDeaths(
    sessions: ReadonlyMap<string, SessionInfo>,
    want: PlannedAgent[],
    now: number,
  ): number {
    const wanted = new Set(want.map((a) => a.session));
    let died = 0;
    for (const name of this.tracked.keys()) {
      if (sessions.get(name)?.alive) continue;
      if (this.stoppedByUs.delete(name) || !wanted.has(name)) continue;
      died++;
      this.deaths.push({ at: now, session: name });
      this.log.write(`session ${name} died`);
      logEvent(this.town.root, "session_death", ACTOR, { session: name }, "audit");
    }
    this.deaths = this.deaths.filter((d) => now - d.at < this.t.massDeathWindowMs);
    if (this.deaths.length >= this.t.massDeathCount && now - this.lastMassDeath >= this.t.massDeathWindowMs) {
      this.lastMassDeath = now;
      const names = this.deaths.map((d) => d.session);
      const cause =
        [...sessions.values()].every((s) => !s.alive) && this.provider.kind === "tmux"
          ? "every session is gone: the tmux server died or was killed"
          : "several agents died together: out of memory, a broken agent or API, or a kill by hand";
      this.state.last_mass_death = new Date(now).toISOString();
      this.log.write(`mass death: ${names.length} sessions within ${this.t.massDeathWindowMs}ms (${cause})`);
      logEvent(
        this.town.root,
        "mass_death",
        ACTOR,
        { count: names.length, window_ms: this.t.massDeathWindowMs, sessions: names, cause },
        "feed",
      );
    }
    return died;
  }

  /** Remembers the live sessions' pids (and the tmux server's panes) for checkSessions. */
  private track(sessions: ReadonlyMap<string, SessionInfo>): void {
    this.tracked = new Map();
    for (const s of sessions.values()) {
      if (s.alive && s.pid) this.tracked.set(s.name, { pid: s.pid, start: processStartTime(s.pid) });
    }
    this.tmuxServer = undefined;
    const any = [...this.tracked.values()][0];
    if (this.provider.kind === "tmux" && any && hasProcFs()) {
      const server = parentPid(any.pid);
      const children = server ? this.tmuxChildren(server) : undefined;
      if (server && children !== undefined) this.tmuxServer = { pid: server, children };
    }
  }

  // ---- the witness patrol when a witness is down ---------------------------------------

  /**
   * A rig whose witness should run and does not (in backoff, quarantined, failing to start)
   * has nobody finding its dead polecats: the daemon runs the deterministic patrol for it
   * (what `gt patrol scan --rig <rig> --act` does), at most once per heartbeat interval per rig.
   */
  private witnessesDown(want: PlannedAgent[], before: ReadonlyMap<string, SessionInfo>): void {
    for (const agent of want) {
      if (agent.id.role !== "witness" || this.tracked.has(agent.session) || before.get(agent.session)?.alive)
        continue;
      const rig = agent.id.rig!;
      const last = this.lastPatrol.get(rig) ?? 0;
      if (Date.now() - last < this.t.heartbeatMs) continue;
      this.lastPatrol.set(rig, Date.now());
      this.runPatrolFor(rig);
    }
  }

  private runPatrolFor(rig: string): void {
    if (this.patrolling) return;
    this.patrolling = runPatrol(this.town, this.provider, { rigs: [rig], act: true, actor: ACTOR })
      .then((r) =>
        this.log.write(
          `witness of ${rig} is down: patrolled it (${r.summary.findings} finding(s), ${r.summary.acted} acted on)`,
        ),
      )
      .catch((e) => this.log.write(`witness of ${rig} is down; the patrol failed: ${(e as Error).message}`))
      .finally(() => {
        this.patrolling = undefined;
      });
  }

  // ---- state ---------------------------------------------------------------------------

  /** gt daemon clear-backoff while the daemon runs leaves its request here. */
  private applyClearRequest(): void {
    const file = daemonPaths(this.town).clearRequest;
    if (!existsSync(file)) return;
    let agents: string[] | "all" = [];
    try {
      const raw = JSON.parse(readFileSync(file, "utf8")) as { agents?: unknown };
      agents = raw.agents === "all" ? "all" : Array.isArray(raw.agents) ? raw.agents.map(String) : [];
    } catch {
      // unreadable: nothing to clear
    }
    rmSync(file, { force: true });
    const names = agents === "all" ? Object.keys(this.state.agents) : agents;
    for (const name of names)
      if (this.state.agents[name]) this.state.agents[name] = cleared(this.state.agents[name]);
    if (names.length) this.log.write(`backoff cleared for ${names.join(", ")}`);
  }

  private save(): void {
    try {
      saveDaemonState(this.town, this.state);
    } catch (e) {
      this.log.write(`cannot write the state file: ${(e as Error).message}`);
    }
  }
}

/** The refusal of a second daemon, naming the first. */
export function alreadyRunning(town: Town, pid: number): ConflictError {
  const since = loadDaemonState(town).state.started_at;
  return new ConflictError(
    "daemon_running",
    `a daemon already runs for this town (pid ${pid}${since ? `, since ${since}` : ""}); gt daemon stop first`,
  );
}

function describe(actions: ReconcileAction[]): string {
  return actions
    .filter((a) => a.kind !== "wait")
    .map((a) => `${a.kind} ${a.agent.address}`)
    .join(", ");
}

/** Runs a daemon in this process until SIGTERM or SIGINT. */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const d = new Daemon(opts);
  await d.start();
  const stop = (signal: string) => void d.stop(signal);
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGHUP", () => undefined);
  // A bug must not leave a pid file claiming a daemon that no longer works.
  const crash = (e: unknown) => {
    d.crashed(e);
    process.exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
  await d.done;
}
