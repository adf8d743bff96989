// The script agent: a small stand-in for an LLM coding agent that follows the same
// protocol, so tests and demos can drive a whole town without a model. It primes itself,
// reads its hook, runs the first ```sh/```bash block of the hooked bead in its worktree (or,
// with a molecule attached, each step's block in order, closing each step), commits what
// changed and runs `gt done` — or asks for help (`gt done --status ESCALATED`
// with the error as a bead comment). Then it waits for nudges, like a live agent. As a
// witness (or deacon) it also patrols without a model: every cycle it runs `gt patrol scan
// --act` for its rig (the deacon: for rigs whose witness is down) and logs what was fixed.
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import { type MoleculeStep, moleculeProgress } from "../formulas/progress.ts";
import { lazyChildProcess } from "../lazy.ts";
import type { Issue } from "../ledger/model.ts";
import { bdExecutable, gtExecutable } from "../package-paths.ts";
import { type AgentIdentity, addressOf, identityFromEnv, identityFromPath } from "../town/identity.ts";
import { openLedgerFor, openTownLedger } from "../town/ledgers.ts";
import { townRuntime } from "../town/runtime-choice.ts";
import { Town } from "../town/workspace.ts";
import { DeaconRounds } from "../watch/deacon-patrol.ts";
import { readDeaconPause, touchDeaconHeartbeat } from "../watch/deacon-state.ts";
import { unwatchedRigs } from "../watch/patrol.ts";
import { defaultThresholds, loadPatrolThresholds } from "../watch/patrol-config.ts";
import { PatrolGate } from "../watch/patrol-quiet.ts";
import { readAttachment, withoutAttachment } from "../work/attach.ts";
import { landConvoysAfterClose } from "../work/convoys.ts";
import { findHookedWork } from "../work/hook.ts";
import { RUNTIME_PATHSPECS } from "../work/polecats.ts";

export const READY_LINE = "script-agent ready";

export interface ScriptAgentIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Prints one line of the transcript. */
  log: (line: string) => void;
  /** Lines typed into the session (nudges). */
  input: AsyncIterable<string>;
}

/** The first fenced block tagged sh or bash (also shell/zsh-free `sh` variants). */
export function firstShellBlock(
  text: string | undefined,
): { shell: "sh" | "bash"; code: string } | undefined {
  if (!text) return undefined;
  const m = /^[ \t]*(`{3,}|~{3,})[ \t]*(sh|bash|shell)\b[^\n]*\n([\s\S]*?)^[ \t]*\1[ \t]*$/m.exec(text);
  if (!m) return undefined;
  return { shell: m[2] === "bash" ? "bash" : "sh", code: m[3]! };
}

/**
 * One assignment of a bead: tried once per session, but a new sling (or a resume of a
 * stranded one) is a new assignment, so a bead re-slung to a live agent is worked again.
 */
function assignmentOf(bead: Issue): string {
  const m = (bead.metadata as Record<string, unknown> | undefined) ?? {};
  return `${bead.id}|${String(m.slung_at ?? "")}|${String(m.resumed_at ?? "")}`;
}

export class ScriptAgent {
  private readonly io: ScriptAgentIO;
  private readonly attempted = new Set<string>();
  /** The findings of the last patrol (witness, deacon), so only news is logged. */
  private patrolSeen = new Set<string>();
  private readonly id: AgentIdentity | undefined;
  private readonly town: Town | undefined;

  constructor(io: ScriptAgentIO) {
    this.io = io;
    try {
      this.town = Town.find(io.cwd, io.env);
      this.id = identityFromEnv(io.env) ?? identityFromPath(this.town.root, io.cwd);
    } catch {
      this.town = undefined;
      this.id = undefined;
    }
  }

  private log(line: string): void {
    this.io.log(line);
    this.record("log", line);
  }

  /**
   * The agent's own transcript, one JSON line per event, under the town's runtime dir by
   * session: what it was told (nudges, exactly as received) and what it printed.
   */
  private record(kind: "nudge" | "log", text: string): void {
    const session = this.io.env.GT_SESSION;
    if (!this.town || !session) return;
    try {
      const dir = join(this.town.runtimeDir, "agent-logs");
      mkdirSync(dir, { recursive: true });
      appendFileSync(
        join(dir, `${session}.jsonl`),
        `${JSON.stringify({ ts: new Date().toISOString(), run: this.io.env.GT_RUN ?? null, kind, text })}\n`,
      );
    } catch {
      // the transcript is a convenience; the work goes on without it
    }
  }

  async run(): Promise<void> {
    const who = this.id ? addressOf(this.id) : "(no role)";
    this.log(`script-agent: starting as ${who} in ${this.io.cwd}`);
    // Like a real agent: the prompt shows first (the session counts as started), then the
    // start-up protocol runs — prime, and whatever is on the hook — before any input.
    this.log(`${READY_LINE}: starting up`);
    await this.prime();
    await this.checkHook();
    await this.checkMail();
    this.log(`${READY_LINE}: waiting for work (nudge me; type "exit" to stop)`);
    const stopPatrol = this.startPatrol();
    for await (const raw of this.io.input) {
      const text = raw.trim();
      if (!text) continue;
      if (text === "exit" || text === "/exit" || text === "quit") break;
      this.record("nudge", raw);
      this.log(`script-agent: nudge received: ${raw}`);
      // A turn: mail and queued nudges first (what a prompt hook injects), then the hook;
      // what was queued while it worked is read at the end of the turn.
      await this.checkMail();
      if (await this.checkHook()) await this.checkMail();
      this.log(`${READY_LINE}: waiting for work`);
    }
    stopPatrol();
    this.log("script-agent: bye");
  }

  /**
   * The patrol a witness or deacon runs between nudges; returns what stops it. Each cycle a
   * gate (watch/patrol-quiet.ts) decides from file stats and the session list whether a
   * scan could find anything new; only then does `gt patrol scan` run. The deacon first
   * writes its heartbeat (unless paused, when it does nothing at all), patrols the rigs
   * whose witness is down, then runs its rounds: re-dispatch, stranded convoys, health.
   */
  private startPatrol(): () => void {
    const town = this.town;
    const id = this.id;
    if (!town || !id || (id.role !== "witness" && id.role !== "deacon")) return () => undefined;
    const provider = townRuntime(town, this.io.env).provider;
    const gate = new PatrolGate();
    const rounds = id.role === "deacon" ? new DeaconRounds(town, provider) : undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let pausedSaid = false;
    const scan = async (rigs: string[], args: string[]) => {
      const v = await gate.check(town, provider, rigs);
      if (!v.due) return;
      gate.scanned(v, await this.patrolOnce(args));
    };
    const deaconCycle = async () => {
      const paused = readDeaconPause(town);
      if (paused) {
        if (!pausedSaid)
          this.log(
            `script-agent: paused${paused.reason ? ` (${paused.reason})` : ""}: no patrol until gt deacon resume`,
          );
        pausedSaid = true;
        return;
      }
      pausedSaid = false;
      touchDeaconHeartbeat(town, { action: "patrol" });
      const rigs = await unwatchedRigs(town, provider);
      if (rigs.length) await scan(rigs, ["patrol", "scan", "--unwatched", "--act", "--json"]);
      for (const line of await rounds!.run(this.io.env)) this.log(`script-agent: ${line}`);
    };
    const cycle = async () => {
      try {
        if (id.role === "deacon") await deaconCycle();
        else await scan([id.rig!], ["patrol", "scan", "--rig", id.rig!, "--act", "--json"]);
      } catch (e) {
        this.log(`script-agent: patrol cycle failed: ${(e as Error).message}`);
      }
      if (stopped) return;
      let interval = defaultThresholds().intervalMs;
      try {
        interval = loadPatrolThresholds(town).intervalMs; // read each cycle: a changed setting applies
      } catch (e) {
        this.log(`script-agent: patrol settings: ${(e as Error).message}`);
      }
      timer = setTimeout(() => void cycle(), interval);
    };
    timer = setTimeout(() => void cycle(), 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** One `gt patrol scan`; how many findings it reported (1 when it failed: look again next cycle). */
  private async patrolOnce(args: string[]): Promise<number> {
    const r = await this.gt(args);
    let report: { findings?: Array<Record<string, unknown>>; summary?: Record<string, unknown> } = {};
    try {
      report = JSON.parse(r.stdout) as typeof report;
    } catch {
      // not a report: the error line on stderr says why
    }
    if (r.exitCode !== 0 || !report.summary) {
      this.log(
        `script-agent: patrol failed (exit ${r.exitCode}): ${r.stderr.trim().split("\n").pop() ?? ""}`,
      );
      return 1;
    }
    const findings = report.findings ?? [];
    // What was acted on, or is new since the last cycle: a quiet or unchanged cycle leaves no
    // line, so the transcript stays readable.
    const keys = new Set(findings.map((f) => `${String(f.class)}|${String(f.agent)}|${String(f.bead)}`));
    const news = findings.filter(
      (f) =>
        f.acted === true || !this.patrolSeen.has(`${String(f.class)}|${String(f.agent)}|${String(f.bead)}`),
    );
    this.patrolSeen = keys;
    if (news.length === 0) return findings.length;
    const acted = findings.filter((f) => f.acted === true).length;
    this.log(`script-agent: patrol: ${findings.length} finding(s), ${acted} acted on`);
    for (const f of news)
      this.log(
        `  patrol: ${String(f.class)} ${String(f.agent)}${f.bead ? ` ${String(f.bead)}` : ""} ${f.acted ? "→" : "-"} ${String(f.action)}: ${String(f.detail)}`,
      );
    return findings.length;
  }

  private async gt(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return runCommand(gtExecutable(), args, { cwd: this.io.cwd, env: this.io.env });
  }

  private async prime(): Promise<void> {
    // As a SessionStart hook would: prime in hook mode, under this session's own id (its run).
    const r = await runCommand(gtExecutable(), ["prime", "--hook"], {
      cwd: this.io.cwd,
      env: { ...this.io.env, ...(this.io.env.GT_RUN ? { GT_SESSION_ID: this.io.env.GT_RUN } : {}) },
    });
    const lines = r.stdout.split("\n").filter((l) => l.trim());
    if (r.exitCode !== 0) {
      this.log(`script-agent: gt prime failed: ${(r.stderr.trim().split("\n").pop() ?? "").trim()}`);
      return;
    }
    const title = lines.find((l) => l.startsWith("#")) ?? lines[0] ?? "";
    this.log(`script-agent: gt prime gave ${lines.length} lines of context: ${title.replace(/^#+\s*/, "")}`);
  }

  /** What a prompt hook does for a real agent on each turn: new mail injected into context. */
  private async checkMail(): Promise<void> {
    if (!this.id) return;
    const r = await this.gt(["mail", "check", "--inject"]);
    if (r.stdout.trim()) this.logOutput({ stdout: r.stdout, stderr: "" });
  }

  /** Runs the next hooked bead, if any; true when there was work. */
  private async checkHook(): Promise<boolean> {
    if (!this.town || !this.id) {
      this.log("script-agent: I have no role here (GT_ROLE unset, not in an agent directory)");
      return false;
    }
    const address = addressOf(this.id);
    const town = this.town;
    const ledgers = this.id.rig
      ? [openLedgerFor(town, this.id.rig), openTownLedger(town)]
      : this.id.role === "dog" // a dog's job may come from any rig
        ? [openTownLedger(town), ...town.rigNames().map((rig) => openLedgerFor(town, rig))]
        : [openTownLedger(town)];
    let hooked: Issue[];
    try {
      hooked = await findHookedWork(ledgers, address, { forAgent: true });
    } catch (e) {
      this.log(`script-agent: cannot read my hook: ${(e as Error).message}`);
      return false;
    } finally {
      for (const l of ledgers) await l.close();
    }
    const next = hooked.find((b) => !this.attempted.has(assignmentOf(b)));
    if (!next) {
      this.log("script-agent: nothing on my hook");
      return false;
    }
    this.attempted.add(assignmentOf(next));
    await this.work(next);
    return true;
  }

  private async work(bead: Issue): Promise<void> {
    this.log(`script-agent: working on ${bead.id}: ${bead.title}`);
    const molecule = readAttachment(bead.description)?.attached_molecule;
    if (molecule) {
      if (!(await this.walkMolecule(bead, molecule))) return;
    } else {
      const block = firstShellBlock(bead.description);
      if (!block) return this.escalate(bead, "the bead has no ```sh or ```bash block to run");
      const code = await this.runBlock(block);
      if (code !== 0) return this.escalate(bead, `the script exited with status ${code}`);
    }
    await this.commit(bead);
    if (this.id?.role === "dog") {
      // A dog's work lands as it goes: gt dog done closes the bead and tells the deacon.
      const r = await this.gt(["dog", "done", "-m", "done by script-agent"]);
      this.logOutput(r);
      if (r.exitCode !== 0) this.log(`script-agent: gt dog done failed (exit ${r.exitCode})`);
      return;
    }
    if (this.id?.role !== "polecat") {
      // Only polecats hand work to the refinery; everyone else closes what they finished.
      await this.onBead(bead.id, async (store, id) => {
        await store.closeIssue(id, { reason: "done by script-agent" }, addressOf(this.id!));
      });
      if (this.town) await landConvoysAfterClose(this.town, [bead.id], addressOf(this.id!));
      this.log(`script-agent: closed ${bead.id}`);
      return;
    }
    const done = await this.gt(["done", "--issue", bead.id]);
    this.logOutput(done);
    if (done.exitCode !== 0) this.log(`script-agent: gt done failed (exit ${done.exitCode})`);
    else this.log(`script-agent: done with ${bead.id}`);
  }

  /**
   * Works the molecule attached to `bead` step by step, in the order moleculeProgress gives:
   * the step in progress, else the first ready one, is claimed, its first sh block run (the
   * implement step runs the bead's own block; a step with none is done by closing it), and
   * closed with `bd close --continue`. A step whose block runs `gt done` is the hand-off: it
   * is closed and the caller finishes as for a plain bead. False when it asked for help.
   */
  private async walkMolecule(bead: Issue, molecule: string): Promise<boolean> {
    this.log(`script-agent: following molecule ${molecule}`);
    for (let guard = 0; guard < 10_000; guard++) {
      let steps: MoleculeStep[];
      try {
        steps = await this.moleculeSteps(bead.id, molecule);
      } catch (e) {
        await this.escalate(bead, `cannot read molecule ${molecule}: ${(e as Error).message}`);
        return false;
      }
      // A container step (steps nested under it) is not worked itself: bd close --continue
      // closes it once its nested steps are done.
      const workable = steps.filter((s, i) => !(steps[i + 1] && steps[i + 1]!.depth > s.depth));
      const step = workable.find((s) => s.is_current) ?? workable.find((s) => s.status === "ready");
      if (!step) {
        const left = workable.filter((s) => s.status !== "done");
        if (left.length === 0) return true;
        await this.escalate(
          bead,
          `molecule ${molecule} is stuck: no step is ready (${left.map((s) => `${s.issue.id} ${s.status}`).join(", ")})`,
        );
        return false;
      }
      const id = step.issue.id;
      if (step.status === "ready") await this.bd(["update", id, "--claim"]);
      this.log(`script-agent: step ${id}: ${step.issue.title}`);
      const ownWork = step.issue.source_location === "implement";
      const block = firstShellBlock(ownWork ? withoutAttachment(bead.description) : step.issue.description);
      if (ownWork && !block) {
        await this.escalate(bead, "the bead has no ```sh or ```bash block to run");
        return false;
      }
      if (block && /\bgt done\b/.test(block.code)) {
        // The hand-off itself is the agent's own gt done, after the step is closed.
        await this.closeStep(id);
        return true;
      }
      if (block) {
        const code = await this.runBlock(block);
        if (code !== 0) {
          await this.escalate(bead, `step ${id}: the script exited with status ${code}`);
          return false;
        }
      } else this.log(`script-agent: step ${id} has no sh block: nothing to run`);
      if (!(await this.closeStep(id))) {
        await this.escalate(bead, `could not close step ${id}`);
        return false;
      }
    }
    return true;
  }

  /** The molecule's steps as moleculeProgress reads them, in the ledger holding the bead. */
  private async moleculeSteps(beadId: string, molecule: string): Promise<MoleculeStep[]> {
    let steps: MoleculeStep[] | undefined;
    await this.onBead(beadId, async (store) => {
      steps = (await moleculeProgress(store, molecule)).steps;
    });
    if (!steps) throw new Error(`no molecule ${molecule}`);
    return steps;
  }

  private async closeStep(id: string): Promise<boolean> {
    const r = await this.bd(["close", id, "--continue"]);
    this.logOutput(r);
    return r.exitCode === 0;
  }

  private async bd(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return runCommand(bdExecutable(), args, { cwd: this.io.cwd, env: this.io.env });
  }

  /** Runs `fn` on the ledger that holds `beadId` (the agent's own, else the town's). */
  private async onBead(
    beadId: string,
    fn: (store: ReturnType<typeof openTownLedger>, id: string) => Promise<void>,
  ): Promise<void> {
    if (!this.town || !this.id) return;
    const own = openLedgerFor(this.town, this.id.rig);
    const townLedger = this.id.rig ? openTownLedger(this.town) : undefined;
    try {
      const store = (await own.getIssue(beadId)) || !townLedger ? own : townLedger;
      await fn(store, beadId);
    } catch (e) {
      this.log(`script-agent: could not update ${beadId}: ${(e as Error).message}`);
    } finally {
      await own.close();
      await townLedger?.close();
    }
  }

  private runBlock(block: { shell: "sh" | "bash"; code: string }): Promise<number> {
    this.log(
      `script-agent: running ${block.shell} block (${block.code.split("\n").filter(Boolean).length} lines)`,
    );
    return new Promise((resolve) => {
      const child = lazyChildProcess().spawn(block.shell, ["-e", "-c", block.code], {
        cwd: this.io.cwd,
        env: this.io.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const forward = (chunk: Buffer) => {
        for (const l of chunk.toString().split("\n")) if (l) this.log(`  | ${l}`);
      };
      child.stdout.on("data", forward);
      child.stderr.on("data", forward);
      child.on("error", (e) => {
        this.log(`  | ${e.message}`);
        resolve(127);
      });
      child.on("close", (code) => resolve(code ?? 1));
    });
  }

  /** Commits whatever the script changed, with the agent's identity from the environment. */
  private async commit(bead: Issue): Promise<void> {
    if (!existsSync(join(this.io.cwd, ".git"))) return;
    const opts = { cwd: this.io.cwd, env: this.io.env };
    // Only the work: Gas Town's and the runtime's own files stay out of the commit.
    const status = await runCommand("git", ["status", "--porcelain", "--", ".", ...RUNTIME_PATHSPECS], opts);
    if (!status.stdout.trim()) {
      this.log("script-agent: nothing to commit");
      return;
    }
    await runCommand("git", ["add", "-A", "--", ".", ...RUNTIME_PATHSPECS], opts);
    const r = await runCommand("git", ["commit", "--quiet", "-m", `${bead.title} (${bead.id})`], opts);
    if (r.exitCode !== 0) {
      this.log(`script-agent: git commit failed: ${r.stderr.trim().split("\n").pop() ?? ""}`);
      return;
    }
    const sha = (await runCommand("git", ["rev-parse", "--short", "HEAD"], opts)).stdout.trim();
    this.log(`script-agent: committed ${sha}`);
  }

  private async escalate(bead: Issue, reason: string): Promise<void> {
    this.log(`script-agent: I need help with ${bead.id}: ${reason}`);
    await this.onBead(bead.id, async (store, id) => {
      await store.addComment(id, addressOf(this.id!), `script-agent needs help: ${reason}`);
    });
    if (this.id?.role === "dog") {
      const r = await this.gt(["dog", "done", "--failed", "-m", `script-agent could not do it: ${reason}`]);
      this.logOutput(r);
      return;
    }
    if (this.id?.role !== "polecat") return;
    const r = await this.gt([
      "done",
      "--issue",
      bead.id,
      "--status",
      "ESCALATED",
      "--message",
      `script-agent needs help: ${reason}`,
    ]);
    this.logOutput(r);
    if (r.exitCode !== 0) this.log(`script-agent: gt done --status ESCALATED failed (exit ${r.exitCode})`);
  }

  private logOutput(r: { stdout: string; stderr: string }): void {
    for (const l of `${r.stdout}\n${r.stderr}`.split("\n")) if (l.trim()) this.log(`  > ${l}`);
  }
}
