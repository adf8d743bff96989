// What the patrol looks at, gathered once per rig and scan: each polecat's agent-bead facts,
// the bead on its hook, its session (listed? agent process alive? since when?), its last
// activity (screen changes seen by patrols, the agent's transcript and idle marker, its
// heartbeat), and its sandbox (uncommitted or unpushed work, last commit). Reads only:
// one session list, a few ledger queries per rig, git only where a verdict needs it.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../adapters/process.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import { showsPrompt } from "../sessions/screen.ts";
import type { AgentConfig } from "../town/agent-presets.ts";
import { agentDefinition } from "../town/agent-resolve.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  parseAddress,
  sessionNameOf,
  workDirOf,
} from "../town/identity.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { crewNames, polecatNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import { HOOKED } from "../work/hook.ts";
import { polecatId } from "../work/polecats.ts";
import { type Heartbeat, readHeartbeat } from "./heartbeat.ts";
import { repoRefs, unsavedWork } from "./patrol-sandbox.ts";
import { type PatrolState, screenChangedAt } from "./patrol-state.ts";

export interface SessionFacts {
  /** The runtime knows the session (alive or a dead pane). */
  listed: boolean;
  /** Its agent process runs. */
  alive: boolean;
  createdAt: number | null;
}

export interface SandboxFacts {
  exists: boolean;
  /** Uncommitted paths that are real work (checked for idle polecats only). */
  dirty: string[];
  /** Commits on no remote (checked for idle polecats only). */
  unpushed: number;
  /** Time of the sandbox's HEAD commit (checked for hooked polecats only). */
  lastCommitAt: number | null;
}

export interface PolecatFacts {
  rig: string;
  name: string;
  address: string;
  session: string;
  workDir: string;
  agentBeadId: string;
  /** The agent bead's metadata ({} when it has none). */
  agent: Record<string, unknown>;
  /** The bead on its hook (status hooked, assigned to it), oldest first. */
  hook: Issue | undefined;
  sessionFacts: SessionFacts;
  heartbeat: Heartbeat | undefined;
  /** Latest sign of life of a live session (ms), else null. */
  lastActivity: number | null;
  /** The agent's ready prompt shows (null: not a live session, or its preset has no prompt rule). */
  promptShowing: boolean | null;
  sandbox: SandboxFacts;
}

export interface RigFacts {
  rig: string;
  now: number;
  polecats: PolecatFacts[];
  /** Beads the verdicts need by id: what agent beads say they hold, their merge requests. */
  beads: Map<string, Issue>;
  /** Hooked or in-progress beads of this rig whose assignee is an agent that no longer exists. */
  orphans: Issue[];
}

export function meta(issue: Issue | undefined): Record<string, unknown> {
  return (issue?.metadata as Record<string, unknown> | undefined) ?? {};
}

/** An ISO time stored in metadata as milliseconds, or null. */
export function timeOf(value: unknown): number | null {
  if (typeof value !== "string" || !value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function mtimeOf(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/** Runs `fn` over `items`, at most `limit` at a time (git and tmux stay responsive). */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** `fn` run once, on first call, however many callers wait for it. */
function lazyAsync<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= fn();
    return p;
  };
}

/** Whether the agent an address names still exists in the town (a person is never an orphan's holder). */
export function agentExists(town: Town, id: AgentIdentity): boolean {
  if (!id.rig) return true;
  if (!town.rigNames().includes(id.rig)) return false;
  if (id.role === "polecat") return polecatNames(town, id.rig).includes(id.name!);
  if (id.role === "crew") return crewNames(town, id.rig).includes(id.name!);
  return true;
}

function agentOf(address: string): AgentIdentity | undefined {
  try {
    return parseAddress(address);
  } catch {
    return undefined;
  }
}

async function lastCommitAt(dir: string): Promise<number | null> {
  const r = await runCommand("git", ["log", "-1", "--format=%ct", "HEAD"], { cwd: dir });
  const s = Number(r.stdout.trim());
  return r.exitCode === 0 && s > 0 ? s * 1000 : null;
}

/** The screen-reading rules of the agent a polecat last ran, cached per name. */
function rulesFor(town: Town, rig: string, cache: Map<string, AgentConfig | null>, name: unknown) {
  if (typeof name !== "string" || !name) return null;
  if (!cache.has(name)) {
    try {
      cache.set(name, agentDefinition(town.root, name, town.rigDir(rig)));
    } catch {
      cache.set(name, null);
    }
  }
  return cache.get(name) ?? null;
}

interface GatherInput {
  town: Town;
  provider: RuntimeProvider;
  rig: string;
  sessions: Map<string, SessionInfo>;
  state: PatrolState;
  now: number;
}

export async function gatherRigFacts(input: GatherInput): Promise<RigFacts> {
  const ledger = openRigLedger(input.town, input.rig);
  try {
    return await gatherWith(input, ledger);
  } finally {
    await ledger.close();
  }
}

async function gatherWith(input: GatherInput, ledger: Ledger): Promise<RigFacts> {
  const { town, provider, rig, sessions, state, now } = input;
  const prefix = town.prefixOf(rig);
  const names = polecatNames(town, rig);
  const held = await ledger.listIssues({
    statuses: [HOOKED, "in_progress"],
    includeInfra: true,
    sort: "created",
  });
  const hooks = new Map<string, Issue>();
  for (const b of held)
    if (b.status === HOOKED && b.assignee && !hooks.has(b.assignee)) hooks.set(b.assignee, b);
  const agentBeads = new Map(
    (await ledger.getIssues(names.map((n) => agentBeadIdOf(polecatId(rig, n), prefix)))).map((b) => [
      b.id,
      b,
    ]),
  );
  const rules = new Map<string, AgentConfig | null>();
  const refs = lazyAsync(() => repoRefs(join(town.rigDir(rig), ".repo.git")));

  const polecats = await mapLimit(names, 6, async (name): Promise<PolecatFacts> => {
    const id = polecatId(rig, name);
    const address = addressOf(id);
    const session = sessionNameOf(id, prefix);
    const workDir = workDirOf(town.root, id);
    const agentBeadId = agentBeadIdOf(id, prefix);
    const agent = meta(agentBeads.get(agentBeadId));
    const info = sessions.get(session);
    const sessionFacts: SessionFacts = {
      listed: info !== undefined,
      alive: info?.alive === true,
      createdAt: timeOf(info?.createdAt),
    };
    const heartbeat = readHeartbeat(town.runtimeDir, session);
    const hook = hooks.get(address);
    let lastActivity: number | null = null;
    let promptShowing: boolean | null = null;
    if (sessionFacts.alive) {
      const screen = await provider.screen(session).catch(() => undefined);
      const signals = [
        sessionFacts.createdAt,
        screen === undefined ? null : screenChangedAt(state, session, screen, now),
        mtimeOf(join(town.runtimeDir, "agent-logs", `${session}.jsonl`)),
        mtimeOf(join(town.runtimeDir, "agent-state", `${session}.idle`)),
        mtimeOf(join(town.runtimeDir, "sessions", session, "output.log")),
        timeOf(heartbeat?.ts),
      ].filter((t): t is number => t !== null);
      lastActivity = signals.length ? Math.max(...signals) : null;
      const r = rulesFor(town, rig, rules, agent.agent);
      if (screen !== undefined && r?.ready_prompt_prefix) promptShowing = showsPrompt(screen, r);
    }
    const sandbox: SandboxFacts = {
      exists: existsSync(join(workDir, ".git")),
      dirty: [],
      unpushed: 0,
      lastCommitAt: null,
    };
    if (sandbox.exists && hook) sandbox.lastCommitAt = await lastCommitAt(workDir);
    else if (sandbox.exists && !timeOf(agent.done_intent) && agent.agent_state !== "nuked") {
      const unsaved = await unsavedWork(workDir, name, refs, {
        cached: state.sandboxes[name],
        activeAt: lastActivity,
        now,
      });
      state.sandboxes[name] = unsaved;
      sandbox.dirty = unsaved.dirty;
      sandbox.unpushed = unsaved.unpushed;
    }
    if (hook || !sandbox.exists) delete state.sandboxes[name];
    return {
      rig,
      name,
      address,
      session,
      workDir,
      agentBeadId,
      agent,
      hook,
      sessionFacts,
      heartbeat,
      lastActivity,
      promptShowing,
      sandbox,
    };
  });

  // Beads the verdicts look up: what each agent bead says it holds, and merge requests.
  const wanted = new Set<string>();
  for (const p of polecats) {
    for (const key of ["hook_bead", "merge_request"]) {
      const v = p.agent[key];
      if (typeof v === "string" && v) wanted.add(v);
    }
  }
  const beads = new Map((await ledger.getIssues([...wanted])).map((b) => [b.id, b]));

  const orphans = held.filter((b) => {
    const id = b.assignee ? agentOf(b.assignee) : undefined;
    return id !== undefined && !agentExists(town, id);
  });
  return { rig, now, polecats, beads, orphans };
}
