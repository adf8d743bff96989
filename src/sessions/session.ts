// The one session-start pipeline every role goes through: resolve the agent preset,
// install its hooks, build the command, the environment and the startup "beacon", start
// it on the town's runtime provider, and wait until it is ready (or report why it died).
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConflictError, GasTownError, NotFoundError } from "../errors.ts";
import { gtExecutable } from "../package-paths.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { expandAgentEnv } from "../town/agent-presets.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  buildAgentEnv,
  displayName,
  sessionNameOf,
  settingsDirOf,
  workDirOf,
} from "../town/identity.ts";
import { locate, openLedgerFor, rigBeadsDir } from "../town/ledgers.ts";
import { ROLES } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";
import { ensureRoleHooks } from "./hooks.ts";
import { drainsOwnQueue, startNudgePoller } from "./nudge-poller.ts";

export interface StartOptions {
  /** `--agent`: run this preset instead of the configured one. */
  agent?: string;
  /** Who asked (mayor, deacon, daemon, self, a person). */
  sender?: string;
  /** Beacon topic: start, assigned, handoff, restart, ... */
  topic?: string;
  /** Longest wait for the agent's ready signal (default 30 s). */
  readyTimeoutMs?: number;
  /** Polecats: the branch they work on. */
  branch?: string;
}

export interface StartedSession {
  address: string;
  session: string;
  agent: string;
  workDir: string;
  provider: string;
}

/** `[GAS TOWN] polecat toast (rig: gastown) <- mayor • 2026-11-24T21:05 • assigned` plus what to do. */
export function beacon(id: AgentIdentity, sender: string, topic: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  const ts = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
  const head = `[GAS TOWN] ${displayName(id)} <- ${sender} • ${ts} • ${topic}`;
  const todo =
    topic === "assigned"
      ? "Run `gt prime --hook`, then start on your hook."
      : "Run `gt prime`, check your hook and mail; if work is hooked, run it now, otherwise wait for instructions.";
  return `${head}\n${todo}`;
}

/**
 * The settings that choose this town's runtime and config home, passed on so the agent's own
 * gt commands (gt done waking the refinery, a mayor's gt sling) reach the same sessions.
 */
function runtimeSelection(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["GT_TMUX_SOCKET", "GT_RUNTIME_PROVIDER", "GT_HOME"]) {
    const v = env[key];
    if (v) out[key] = v;
  }
  return out;
}

function rigDirOf(town: Town, id: AgentIdentity): string | undefined {
  return id.rig ? town.rigDir(id.rig) : undefined;
}

/** The agent a role runs when started with `override` (the --agent flag), by name. */
export function agentNameFor(town: Town, id: AgentIdentity, override?: string): string {
  return resolveAgent({
    townRoot: town.root,
    rigDir: rigDirOf(town, id),
    role: id.role,
    crewName: id.role === "crew" ? id.name : undefined,
    override,
  }).name;
}

/** The agent an agent's latest session was started with (recorded on its agent bead). */
export async function lastStartedAgentOf(town: Town, id: AgentIdentity): Promise<string | undefined> {
  const ledger = openLedgerFor(town, id.rig);
  try {
    const bead = await ledger.getIssue(agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
    const agent = (bead?.metadata as Record<string, unknown> | undefined)?.agent;
    return typeof agent === "string" ? agent : undefined;
  } finally {
    await ledger.close();
  }
}

export async function startAgentSession(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
  opts: StartOptions = {},
): Promise<StartedSession> {
  const rigPrefix = id.rig ? town.prefixOf(id.rig) : undefined;
  const workDir = workDirOf(town.root, id);
  if (!existsSync(workDir)) throw new NotFoundError(addressOf(id), `workspace ${workDir} does not exist`);
  const session = sessionNameOf(id, rigPrefix);
  if (await provider.isAlive(session))
    throw new ConflictError("session_running", `${addressOf(id)} is already running (session ${session})`);

  const resolved = resolveAgent({
    townRoot: town.root,
    rigDir: rigDirOf(town, id),
    role: id.role,
    crewName: id.role === "crew" ? id.name : undefined,
    override: opts.agent,
  });
  const cfg = resolved.config;
  await ensureRoleHooks(town, id.role, id.rig, {
    agent: opts.agent,
    crewName: id.role === "crew" ? id.name : undefined,
  });

  const args = [...cfg.args];
  if (cfg.hooks.provider === "claude") {
    args.push("--settings", join(settingsDirOf(town.root, id), ".claude", "settings.json"));
  }
  const prompt = beacon(id, opts.sender ?? "gt", opts.topic ?? "start");
  if (cfg.prompt_mode === "arg") args.push(prompt);
  const command = [cfg.command === "gt" ? gtExecutable() : cfg.command, ...args];

  const runId = randomUUID();
  const env = {
    ...buildAgentEnv({
      townRoot: town.root,
      id,
      rigPrefix,
      agentName: resolved.name,
      processNames: cfg.process_names,
      runId,
      beadsDir: id.rig ? locate(rigBeadsDir(town, id.rig)).foundAt : town.beadsDir,
      binDir: dirname(gtExecutable()),
      branch: opts.branch,
      gitEmail: town.townJson().owner || undefined,
    }),
    ...runtimeSelection(process.env),
    ...expandAgentEnv(cfg.env, process.env),
  };
  await provider.start({ name: session, cwd: workDir, command, env });
  await waitUntilReady(provider, session, resolved.name, cfg, opts.readyTimeoutMs ?? 30_000, town.runtimeDir);
  if (cfg.prompt_mode !== "arg") await provider.sendText(session, prompt.replace(/\n/g, " "));
  // Without a prompt hook nothing would hand this agent its queued nudges: a poller does.
  if (!drainsOwnQueue(cfg.hooks.provider, cfg.provider))
    startNudgePoller(town, session, gtExecutable(), process.env);

  const ledger = openLedgerFor(town, id.rig);
  try {
    await recordAgentFacts(
      ledger,
      agentBeadIdOf(id, rigPrefix),
      { agent: resolved.name, session, run_id: runId, last_started: new Date().toISOString() },
      addressOf(id),
    );
  } finally {
    await ledger.close();
  }
  return { address: addressOf(id), session, agent: resolved.name, workDir, provider: provider.kind };
}

async function waitUntilReady(
  provider: RuntimeProvider,
  session: string,
  agent: string,
  cfg: { ready_prompt_prefix?: string; ready_delay_ms: number },
  timeoutMs: number,
  runtimeDir: string,
): Promise<void> {
  const prefix = cfg.ready_prompt_prefix;
  const deadline = Date.now() + (prefix ? cfg.ready_delay_ms || timeoutMs : cfg.ready_delay_ms);
  for (;;) {
    if (!(await provider.isAlive(session))) {
      const out = (await provider.capture(session, 20).catch(() => "")).trim().split("\n").filter(Boolean);
      await provider.stop(session).catch(() => false);
      // Where the whole story is: the script agent's transcript, or the subprocess output.
      const log = [
        join(runtimeDir, "agent-logs", `${session}.jsonl`),
        join(runtimeDir, "sessions", session, "output.log"),
      ].find((f) => existsSync(f));
      throw new GasTownError(
        "agent_exited",
        `${agent} exited while starting session ${session}${out.length ? `: ${out[out.length - 1]}` : ""}${log ? ` (full log: ${log})` : ""}`,
      );
    }
    if (prefix) {
      const screen = await provider.capture(session, 50);
      if (screen.split("\n").some((l) => l.trimStart().startsWith(prefix))) return;
    }
    if (Date.now() >= deadline) return;
    await sleep(100);
  }
}

export async function stopAgentSession(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
): Promise<boolean> {
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  return provider.stop(session);
}

/** Whether a role needs its mail at session start (autonomous) or on each prompt. */
export function isAutonomous(id: AgentIdentity): boolean {
  return ROLES[id.role].autonomous;
}
