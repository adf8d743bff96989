// The one session-start pipeline every role goes through: resolve the agent preset,
// install its hooks, build the command, the environment and the startup "beacon", start
// it on the town's runtime provider, and wait until it is ready (or report why it died).

import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConflictError, EstopError, GasTownError, NotFoundError } from "../errors.ts";
import { EVENTS_FILE, logEvent } from "../events/log.ts";
import { lazyCrypto } from "../lazy.ts";
import { gtExecutable } from "../package-paths.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { accountForNewSession, namedAccount } from "../town/accounts.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import { type AgentConfig, expandAgentEnv, type StartupScreen } from "../town/agent-presets.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import { activeEstop } from "../town/estop.ts";
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
import { ensureRoleHooks, hookLaunch } from "./hooks.ts";
import { drainsOwnQueue, startNudgePoller } from "./nudge-poller.ts";
import { looksIdle, showsPrompt, startupScreenOn, tracksInput } from "./screen.ts";
import { clearIdle } from "./turn-state.ts";
import { typeAndSubmit } from "./typing.ts";

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
  /** `gt sling --account`: run on this account (gt account), whatever the agent. */
  account?: string;
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

/** `dir` is `root` or below it, symlinks resolved. */
function isInside(dir: string, root: string): boolean {
  const rel = relative(realpathSync(root), realpathSync(dir));
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
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

/**
 * No agent starts while an e-stop holds it (the town's, or its rig's), but the mayor, who
 * coordinates the recovery. Every start goes through startAgentSession, which checks this;
 * a command that stops a session before starting its replacement checks it first, so a
 * frozen session is not lost to a start that would be refused.
 */
export function assertMayStart(town: Town, id: AgentIdentity): void {
  if (ROLES[id.role].estopExempt) return;
  const stop = activeEstop(town.root, id.rig);
  if (!stop) return;
  const scope = stop.rig ? `rig ${stop.rig} is` : "town is";
  throw new EstopError(
    `${scope} e-stopped${stop.reason ? ` (${stop.reason})` : ""}: ${addressOf(id)} not started (gt thaw${stop.rig ? ` --rig ${stop.rig}` : ""} to resume)`,
  );
}

export async function startAgentSession(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
  opts: StartOptions = {},
): Promise<StartedSession> {
  assertMayStart(town, id);
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
  const agentEnv = expandAgentEnv(cfg.env, process.env);
  // The agent's own settings (a Gemini home, say) come from the environment it will have.
  const launchEnv = { ...process.env, ...agentEnv };
  await ensureRoleHooks(town, id.role, id.rig, {
    agent: opts.agent,
    crewName: id.role === "crew" ? id.name : undefined,
    env: launchEnv,
  });

  const hooks = hookLaunch(cfg.hooks.provider, settingsDirOf(town.root, id), launchEnv);
  const args = [...cfg.args, ...hooks.args];
  const prompt = beacon(id, opts.sender ?? "gt", opts.topic ?? "start");
  if (cfg.prompt_mode === "arg") args.push(prompt);
  const command = [cfg.command === "gt" ? gtExecutable() : cfg.command, ...args];

  const runId = lazyCrypto().randomUUID();
  // Claude sessions run on the town's account (gt account): the default, or an available one
  // when the default is rate-limited (gt quota); one named by --account, else by GT_ACCOUNT in
  // gt's environment (as Gas Town reads it), is used whatever the agent. An agent's own env may
  // still name its dir.
  const named = opts.account ?? (process.env.GT_ACCOUNT || undefined);
  const account =
    named !== undefined
      ? namedAccount(town, named)
      : cfg.provider === "claude"
        ? accountForNewSession(town)
        : undefined;
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
    ...(account ? { CLAUDE_CONFIG_DIR: account.config_dir } : {}),
    ...agentEnv,
    ...hooks.env,
  };
  // The run is recorded before the agent starts: a fast agent's first gt done checks its run
  // against this record, and one written after the start would call that gt done stale.
  const facts = openLedgerFor(town, id.rig);
  try {
    await recordAgentFacts(
      facts,
      agentBeadIdOf(id, rigPrefix),
      {
        agent: resolved.name,
        session,
        run_id: runId,
        last_started: new Date().toISOString(),
        account: account?.handle ?? null,
      },
      addressOf(id),
    );
  } finally {
    await facts.close();
  }
  clearIdle(town.runtimeDir, session); // a marker left by an earlier session says nothing of this one
  const eventsAt = eventsSize(town.root);
  await provider.start({ name: session, cwd: workDir, command, env, unsetEnv: cfg.env_unset });
  // Its status line in its rig's colours from the start (gt theme), while it gets ready.
  const themed = provider.kind === "tmux" ? themeSession(town, session) : undefined;
  const ready: ReadyContext = {
    provider,
    session,
    agent: resolved.name,
    cfg,
    timeoutMs: opts.readyTimeoutMs ?? 30_000,
    runtimeDir: town.runtimeDir,
    inTown: isInside(workDir, town.root),
    townRoot: town.root,
    eventsAt,
  };
  await waitUntilReady(ready);
  await themed;
  if (cfg.prompt_mode !== "arg") {
    const text = prompt.replace(/\n/g, " ");
    if (!tracksInput(cfg)) await provider.sendText(session, text);
    else {
      // An agent that primes itself by a SessionStart hook and adds its output to the chat
      // when the hook ends (Gemini CLI) gets its prompt after that, once it reads idle.
      if (primesByHook(cfg)) await sessionStartLogged(town.root, ready.eventsAt, addressOf(id), 20_000);
      await waitLooksIdle(provider, session, cfg, 20_000);
      const typed = await typeAndSubmit(provider, session, text, cfg);
      if (!typed.ok)
        logEvent(
          town.root,
          "startup_prompt_unverified",
          "gt",
          { session, attempts: typed.attempts },
          "audit",
        );
    }
  }
  // Without a prompt hook nothing would hand this agent its queued nudges: a poller does.
  if (!drainsOwnQueue(cfg.hooks.provider, cfg.provider))
    startNudgePoller(town, session, gtExecutable(), process.env);

  return { address: addressOf(id), session, agent: resolved.name, workDir, provider: provider.kind };
}

/** Colours a new tmux session as `gt theme apply` would; never fails a start (the colours are cosmetic). */
async function themeSession(town: Town, session: string): Promise<void> {
  try {
    const { applySessionTheme } = await import("../town/tmux-theme.ts");
    await applySessionTheme(town, session, process.env);
  } catch {
    // a session gone already, or a tmux that refuses the option: it runs uncoloured
  }
}

/** Hook providers whose SessionStart hook runs gt prime (the files gt writes for them). */
function primesByHook(cfg: AgentConfig): boolean {
  return ["claude", "codex", "gemini", "copilot"].includes(cfg.hooks.provider);
}

function eventsSize(townRoot: string): number {
  try {
    return statSync(join(townRoot, EVENTS_FILE)).size;
  } catch {
    return 0;
  }
}

/** Waits (at most `ms`) until the event log, past `from`, has a session_start of `actor` (gt prime --hook). */
async function sessionStartLogged(
  townRoot: string,
  from: number,
  actor: string,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  const needle = `"type":"session_start","actor":${JSON.stringify(actor)}`;
  for (;;) {
    const size = eventsSize(townRoot);
    if (size > from) {
      const buf = Buffer.alloc(size - from);
      const fd = openSync(join(townRoot, EVENTS_FILE), "r");
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      if (buf.toString("utf8").includes(needle)) return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** Waits (at most `ms`) until the session's screen reads idle (no busy marker by its prompt). */
async function waitLooksIdle(provider: RuntimeProvider, session: string, cfg: AgentConfig, ms: number) {
  const deadline = Date.now() + ms;
  while (!looksIdle(await provider.screen(session), cfg) && Date.now() < deadline) await sleep(150);
}

/** Why a start failed at a startup screen: the session is stopped and this is thrown. */
async function failAtScreen(
  provider: RuntimeProvider,
  session: string,
  code: string,
  message: string,
): Promise<never> {
  await provider.stop(session).catch(() => false);
  throw new GasTownError(code, message);
}

interface ReadyContext {
  provider: RuntimeProvider;
  session: string;
  agent: string;
  cfg: AgentConfig;
  timeoutMs: number;
  runtimeDir: string;
  /** The session's working directory is inside the town (trust may be granted). */
  inTown: boolean;
  townRoot: string;
  /**
   * The event log's size when the agent's latest instance started: at the start, and again
   * when a `wait` screen first shows (Gemini CLI restarts once it trusts a folder, and the
   * instance that showed the dialog had already run its SessionStart hook).
   */
  eventsAt: number;
}

/** Polls the screen until `text` shows (true) or `ms` pass (false). */
async function screenShows(c: ReadyContext, text: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await c.provider.screen(c.session)).includes(text)) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

/**
 * Gets past one startup screen as the preset says (pressing its keys) or fails the start
 * with the preset's words: a login screen is "<agent> needs login: <how>", never "started".
 */
async function passScreen(c: ReadyContext, screen: StartupScreen, times: number): Promise<void> {
  const { provider, session, agent } = c;
  const at = `${agent} stopped at its ${screen.name} screen`;
  if (screen.action === "login" || screen.action === "fail") {
    // A dialog may be drawn a moment before its content (Gemini CLI's key box, empty, then
    // filled from GEMINI_API_KEY): decide on a screen that holds still.
    if (startupScreenOn(await settledScreen(c, 3000), c.cfg)?.name !== screen.name) return;
  }
  if (screen.action === "login")
    return failAtScreen(
      provider,
      session,
      "agent_needs_login",
      `${agent} needs login: ${screen.how ?? screen.name}`,
    );
  if (screen.action === "fail")
    return failAtScreen(provider, session, "agent_blocked", `${at}: ${screen.how ?? ""}`);
  if ((screen.if_arg && !c.cfg.args.includes(screen.if_arg)) || (screen.if_in_town && !c.inTown))
    return failAtScreen(
      provider,
      session,
      "agent_blocked",
      `${at}: ${screen.how ?? "gt will not answer it here"}`,
    );
  if (times > 3)
    return failAtScreen(
      provider,
      session,
      "agent_blocked",
      `${at}: it stays after gt answered it ${times - 1} times`,
    );
  logEvent(
    c.townRoot,
    "startup_screen",
    "gt",
    { session, agent, screen: screen.name, action: "accept" },
    "audit",
  );
  // A TUI may draw a dialog a moment before it reads keys: answer once the screen holds still.
  await settledScreen(c, 3000);
  // Keys go in order, each `expect` checked on the screen first; then gt waits for the dialog
  // to go before it reads on. A slow agent still showing an answered dialog (or drawing it
  // once more on its way out) must never get the answer twice: the second Enter would land
  // on whatever comes next ("No, exit" by default on Claude's bypass warning).
  for (const key of screen.keys ?? []) {
    if (typeof key === "string") await provider.pressKey(session, key);
    else if (!(await screenShows(c, key.expect, 5000)))
      return failAtScreen(provider, session, "agent_blocked", `${at}: "${key.expect}" never showed`);
  }
  const deadline = Date.now() + 20_000;
  for (;;) {
    await sleep(150);
    if (!(await provider.isAlive(session))) return;
    if (startupScreenOn(await provider.screen(session), c.cfg)?.name !== screen.name) return;
    if (Date.now() > deadline)
      return failAtScreen(provider, session, "agent_blocked", `${at}: it did not react to gt's answer`);
  }
}

/** Waits (at most `ms`) until two reads of the screen 300 ms apart are the same; the last read. */
async function settledScreen(c: ReadyContext, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last = await c.provider.screen(c.session);
  while (Date.now() < deadline) {
    await sleep(300);
    const now = await c.provider.screen(c.session);
    if (now === last) return now;
    last = now;
  }
  return last;
}

async function exitedWhileStarting(c: ReadyContext): Promise<never> {
  const { provider, session, agent, runtimeDir } = c;
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

/**
 * Waits for the agent's input prompt (up for `ready_confirm_ms`, default 200 ms, with no
 * startup screen over it), answering the startup
 * screens its preset lists on the way. Without a prompt prefix it waits `ready_delay_ms`;
 * with one it waits that long for the prompt (counted again after each screen passed) and
 * then goes on as if ready.
 */
async function waitUntilReady(c: ReadyContext): Promise<void> {
  const { provider, session, cfg } = c;
  const prefix = cfg.ready_prompt_prefix;
  const span = prefix ? cfg.ready_delay_ms || c.timeoutMs : cfg.ready_delay_ms;
  let deadline = Date.now() + span;
  const readsScreen = prefix !== undefined || (cfg.startup_screens?.length ?? 0) > 0;
  const passed = new Map<string, number>();
  const waiting = new Set<string>();
  const confirm = cfg.ready_confirm_ms ?? 200;
  // Since when the prompt has been up, screen after screen (undefined: not up).
  let promptSince: number | undefined;
  for (;;) {
    if (!(await provider.isAlive(session))) return exitedWhileStarting(c);
    if (readsScreen) {
      const screen = await provider.screen(session);
      const dialog = startupScreenOn(screen, cfg);
      if (dialog?.action === "wait") {
        // The agent is busy with something of its own (a restart): nothing to answer. A new
        // instance of it runs its SessionStart hook again, after this first shows.
        if (!waiting.has(dialog.name)) c.eventsAt = eventsSize(c.townRoot);
        waiting.add(dialog.name);
        promptSince = undefined;
        if (Date.now() >= deadline) return;
        await sleep(200);
        continue;
      }
      if (dialog) {
        const times = (passed.get(dialog.name) ?? 0) + 1;
        passed.set(dialog.name, times);
        await passScreen(c, dialog, times);
        deadline = Date.now() + span;
        promptSince = undefined;
        continue;
      }
      if (!showsPrompt(screen, cfg)) promptSince = undefined;
      else if (promptSince === undefined) promptSince = Date.now();
      else if (Date.now() - promptSince >= confirm) return;
    }
    if (Date.now() >= deadline) return;
    await sleep(promptSince !== undefined ? 200 : 100);
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
