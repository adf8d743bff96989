// gt mayor acp: the mayor headless, for an IDE that speaks the Agent Client Protocol on our
// stdin/stdout (src/sessions/acp-proxy.ts relays it to the agent's own ACP process). Which
// agent runs is the mayor's (or --agent); how it speaks ACP comes from its `acp` entry in
// settings/agents.json ({mode: "native"} when the command is itself the ACP server,
// {command: "acp"} for a subcommand, {args: [...]} for flags), or the built-in table below.
// While it runs: the pid file .runtime/mayor-acp.pid says so (one ACP mayor at a time; a tmux
// mayor is stopped first), the startup prompt is the mayor's beacon and gt prime context, and
// nudges queued for the mayor are handed to it as prompts whenever it is idle. Removing the
// pid file (gt mayor attach does) ends it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { drainNudges, enqueueNudge, formatDrained, type QueuedNudge } from "../comms/nudge.ts";
import { ConflictError, ValidationError } from "../errors.ts";
import { gtExecutable } from "../package-paths.ts";
import { processAlive } from "../process-alive.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { AcpProxy } from "../sessions/acp-proxy.ts";
import { beacon } from "../sessions/session.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import { type AgentIdentity, buildAgentEnv, sessionNameOf, workDirOf } from "../town/identity.ts";
import { loadAgentRegistry } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";
import { buildPrime } from "./prime.ts";

const MAYOR: AgentIdentity = { role: "mayor" };

export interface AcpConfig {
  /** native: the command itself serves ACP; otherwise `command` is a subcommand and/or `args` flags. */
  mode?: "native";
  command?: string;
  args?: string[];
}

/** How the built-in agents that can speak ACP are asked to (as Gas Town ships them). */
const BUILTIN_ACP: Record<string, AcpConfig> = {
  opencode: { command: "acp" },
  gemini: { args: ["--experimental-acp"] },
};

export const acpPidFile = (town: Town) => join(town.runtimeDir, "mayor-acp.pid");

/** The pid of a running ACP mayor, or undefined (a stale file is removed). */
export function acpMayorPid(town: Town): number | undefined {
  const file = acpPidFile(town);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, "utf8"), 10);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return pid;
  rmSync(file, { force: true });
  return undefined;
}

/**
 * Ends a running ACP mayor before the mayor moves to tmux (gt mayor attach), as Gas Town
 * does: its pid file removed (which tells the relay to stop), up to 3 s to exit, then SIGKILL.
 * Returns the pid it ended, or undefined when none ran.
 */
export async function endAcpMayor(town: Town): Promise<number | undefined> {
  const pid = acpMayorPid(town);
  if (pid === undefined) return undefined;
  rmSync(acpPidFile(town), { force: true });
  for (let i = 0; i < 30 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return pid;
}

export interface AcpInvocation {
  agent: string;
  command: string;
  args: string[];
}

/** The command line that starts the mayor's agent as an ACP server. */
export function acpInvocation(town: Town, agentOverride?: string): AcpInvocation {
  const resolved = resolveAgent({ townRoot: town.root, role: "mayor", override: agentOverride });
  const entry = loadAgentRegistry(town.root).agents[resolved.name] as { acp?: unknown } | undefined;
  const acp = (entry?.acp as AcpConfig | undefined) ?? BUILTIN_ACP[resolved.name];
  if (!acp)
    throw new ValidationError(
      `agent '${resolved.name}' does not speak ACP: give it an "acp" entry in settings/agents.json (e.g. {"command": "claude-code-acp", "acp": {"mode": "native"}}) or use --agent opencode`,
    );
  const cfg = resolved.config;
  const args =
    acp.mode === "native"
      ? [...(acp.args ?? [])]
      : [...(acp.command ? [acp.command] : []), ...(acp.args ?? [])];
  return {
    agent: resolved.name,
    command: cfg.command === "gt" ? gtExecutable() : cfg.command,
    args: args.length > 0 || acp.mode === "native" ? args : cfg.args,
  };
}

export interface MayorAcpOptions {
  agent?: string;
  rig?: string;
  env: NodeJS.ProcessEnv;
  input: Readable;
  output: Writable;
  stderr?: Writable;
  /** How often the nudge queue and the pid file are looked at (default 1 s). */
  pollMs?: number;
}

/** The mayor's startup prompt: its beacon, then its gt prime context. */
async function startupPrompt(town: Town, env: Record<string, string>): Promise<string> {
  const head = beacon(MAYOR, "human", "acp");
  try {
    const prime = await buildPrime({ cwd: workDirOf(town.root, MAYOR), env, dryRun: true });
    return prime.text.trim() ? `${head}\n\n${prime.text}` : head;
  } catch {
    return head;
  }
}

/** Runs the ACP mayor until the IDE closes its side, the agent exits, or the pid file goes. */
export async function runMayorAcp(
  town: Town,
  provider: RuntimeProvider,
  opts: MayorAcpOptions,
): Promise<number> {
  if (opts.rig !== undefined) town.rig(opts.rig);
  const running = acpMayorPid(town);
  if (running)
    throw new ConflictError("acp_running", `an ACP mayor is already running (pid ${running}): one at a time`);
  const inv = acpInvocation(town, opts.agent);
  const session = sessionNameOf(MAYOR);
  const cwd = workDirOf(town.root, MAYOR);
  const resolved = resolveAgent({ townRoot: town.root, role: "mayor", override: opts.agent });
  const env: Record<string, string> = {
    ...buildAgentEnv({
      townRoot: town.root,
      id: MAYOR,
      agentName: inv.agent,
      processNames: resolved.config.process_names,
      runId: `acp-${process.pid}`,
      beadsDir: town.beadsDir,
      binDir: dirname(gtExecutable()),
      basePath: opts.env.PATH,
    }),
    ...(opts.rig ? { GT_RIG: opts.rig } : {}),
    ...resolved.config.env,
  };
  const prompt = await startupPrompt(town, { ...(opts.env as Record<string, string>), ...env });
  // The tmux mayor and the ACP one would both answer the mayor's mail: the tmux one stops.
  if (await provider.isAlive(session)) await provider.stop(session);
  const pidFile = acpPidFile(town);
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, String(process.pid));
  const proxy = new AcpProxy(
    {
      command: inv.command,
      args: inv.args,
      cwd,
      env: { ...opts.env, ...env },
      startupPrompt: prompt,
      stderr: opts.stderr,
    },
    { input: opts.input, output: opts.output },
  );
  const timer = setInterval(() => {
    if (!existsSync(pidFile)) return proxy.stop(); // gt mayor attach took over
    if (!proxy.idle) return;
    const items = drainNudges(town, session);
    // The agent went away between the check and the send: they go back to the queue.
    if (items.length > 0 && !proxy.injectPrompt(formatDrained(items)))
      for (const i of items) writeBack(town, session, i);
  }, opts.pollMs ?? 1000);
  try {
    return await proxy.start();
  } finally {
    clearInterval(timer);
    if (existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() === String(process.pid))
      rmSync(pidFile, { force: true });
  }
}

function writeBack(town: Town, session: string, item: QueuedNudge): void {
  try {
    enqueueNudge(town, session, { sender: item.sender, message: item.message, priority: item.priority });
  } catch {
    // a full queue: the oldest words are the ones lost, as for any sender
  }
}
