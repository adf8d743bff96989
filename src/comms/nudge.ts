// Nudges: text put into a live agent session (spec §1.6). Three modes: `immediate` types it
// now; `queue` files it for the agent's next turn (drained by its prompt hook, or by the
// agent itself at a turn boundary); `wait-idle` (the default) delivers when the agent's
// prompt is idle and queues it otherwise. Delivery is literal and verified: the text is
// made safe (control characters shown, never acted on), pasted as one bracketed paste,
// submitted, and the pane is checked for a reaction; Enter is retried a bounded number of
// times and a delivery that did not take is reported, not assumed.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ConflictError, GasTownError, NotFoundError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import { lazyCrypto } from "../lazy.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { pollerPidFile } from "../sessions/nudge-poller.ts";
import { looksIdle, type ScreenRules } from "../sessions/screen.ts";
import { clearIdle, markedIdle } from "../sessions/turn-state.ts";
import { typeAndSubmit } from "../sessions/typing.ts";
import { safeText } from "../terminal-text.ts";
import { ensureLedgerRecords } from "../town/agent-beads.ts";
import { BUILTIN_PRESETS } from "../town/agent-presets.ts";
import { agentDefinition } from "../town/agent-resolve.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf, sessionNameOf } from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import { withFileLock } from "../town/lock.ts";
import type { Town } from "../town/workspace.ts";

export type NudgeMode = "wait-idle" | "queue" | "immediate";
export type NudgePriority = "normal" | "urgent";

export interface QueuedNudge {
  sender: string;
  message: string;
  priority: NudgePriority;
  created: string;
  expires: string;
}

export interface NudgeResult {
  target: string;
  session: string;
  /** delivered: typed and seen taken; queued: waiting in the file queue; refused: DND. */
  outcome: "delivered" | "queued" | "unverified";
  attempts: number;
  detail?: string;
}

const MAX_QUEUED = 50;
const TTL_MS: Record<NudgePriority, number> = { normal: 30 * 60_000, urgent: 2 * 3_600_000 };
const CLAIM_ORPHAN_MS = 5 * 60_000;

/**
 * Makes text safe to type: a tab becomes a space, a carriage return goes, newlines stay, and
 * every other control character (ESC, ^C, DEL, C1 codes) is shown as its Unicode control
 * picture instead of being sent — so nothing in a message can act as a key or sequence.
 */
export function sanitizeNudge(text: string): string {
  return safeText(text, { multiline: true });
}

function queueDir(town: Town, session: string): string {
  return join(town.runtimeDir, "nudge_queue", session);
}

/** Files a nudge for the session's next turn (FIFO by name: time then randomness). */
export function enqueueNudge(
  town: Town,
  session: string,
  n: Omit<QueuedNudge, "created" | "expires">,
): string {
  const dir = queueDir(town, session);
  mkdirSync(dir, { recursive: true });
  const pending = readdirSync(dir).filter((f) => f.endsWith(".json"));
  if (pending.length >= MAX_QUEUED)
    throw new ConflictError(
      "queue_full",
      `${session} already has ${MAX_QUEUED} queued nudges; it is not draining them`,
    );
  const now = Date.now();
  const item: QueuedNudge = {
    ...n,
    message: sanitizeNudge(n.message),
    created: new Date(now).toISOString(),
    expires: new Date(now + TTL_MS[n.priority]).toISOString(),
  };
  const name = `${process.hrtime.bigint().toString().padStart(20, "0")}-${lazyCrypto().randomBytes(4).toString("hex")}.json`;
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(item));
  renameSync(tmp, join(dir, name)); // appears whole or not at all
  return name;
}

/**
 * Takes every queued nudge for the session, oldest first. Each file is claimed by renaming
 * it (only one drainer can win a rename), then read and deleted. Expired items are dropped;
 * claims orphaned by a crashed drainer are put back first.
 */
export function drainNudges(town: Town, session: string): QueuedNudge[] {
  const dir = queueDir(town, session);
  if (!existsSync(dir)) return [];
  const now = Date.now();
  for (const f of readdirSync(dir)) {
    const m = /^(.*\.json)\.claimed\.[0-9a-f]+$/.exec(f);
    if (m && now - statSync(join(dir, f)).mtimeMs > CLAIM_ORPHAN_MS)
      renameSync(join(dir, f), join(dir, m[1]!));
  }
  const out: QueuedNudge[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith(".json"))
    .sort()) {
    const claimed = join(dir, `${f}.claimed.${lazyCrypto().randomBytes(4).toString("hex")}`);
    try {
      renameSync(join(dir, f), claimed);
    } catch {
      continue; // another drainer took it
    }
    try {
      const item = JSON.parse(readFileSync(claimed, "utf8")) as QueuedNudge;
      if (Date.parse(item.expires) > now) out.push(item);
    } catch {
      // unreadable: dropped
    }
    rmSync(claimed, { force: true });
  }
  return out;
}

/** How many nudges wait for the session. */
export function queuedCount(town: Town, session: string): number {
  const dir = queueDir(town, session);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).length : 0;
}

/** The reminder block a prompt hook prints for drained nudges, urgent ones first. */
export function formatDrained(items: QueuedNudge[]): string {
  if (items.length === 0) return "";
  const urgent = items.filter((i) => i.priority === "urgent");
  const normal = items.filter((i) => i.priority !== "urgent");
  const lines = ["<system-reminder>", `${items.length} queued nudge(s) while you were busy:`];
  for (const [title, group] of [
    ["URGENT:", urgent],
    ["", normal],
  ] as const) {
    if (group.length === 0) continue;
    if (title) lines.push(title);
    for (const i of group) lines.push(`- [from ${i.sender}] ${i.message}`);
  }
  lines.push("</system-reminder>");
  return lines.join("\n");
}

/**
 * What the agent bead says: the agent it runs (whose preset tells how its screen reads when
 * idle; undefined when it has no prompt detection) and do-not-disturb.
 */
async function recipientFacts(town: Town, id: AgentIdentity): Promise<{ rules?: ScreenRules; dnd: boolean }> {
  const ledger = openLedgerFor(town, id.rig);
  try {
    const bead = await ledger.getIssue(agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
    const meta = (bead?.metadata as Record<string, unknown> | undefined) ?? {};
    const rules = typeof meta.agent === "string" ? screenRulesOf(town, id, meta.agent) : undefined;
    return { ...(rules ? { rules } : {}), dnd: meta.dnd === true };
  } finally {
    await ledger.close();
  }
}

/** The agent's definition as this town has it (a user entry over the built-in), else the built-in. */
function screenRulesOf(town: Town, id: AgentIdentity, agent: string): ScreenRules | undefined {
  let cfg: ScreenRules | undefined;
  try {
    cfg = agentDefinition(town.root, agent, id.rig ? town.rigDir(id.rig) : undefined);
  } catch {
    cfg = BUILTIN_PRESETS[agent];
  }
  return cfg?.ready_prompt_prefix ? cfg : undefined;
}

async function setAgentMeta(
  town: Town,
  id: AgentIdentity,
  meta: Record<string, unknown>,
  actor: string,
): Promise<void> {
  const ledger = openLedgerFor(town, id.rig);
  try {
    const beadId = agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
    if (!(await ledger.getIssue(beadId))) await ensureLedgerRecords(town, ledger, id.rig, { actor });
    if (!(await ledger.getIssue(beadId)))
      throw new NotFoundError(beadId, `no agent bead for ${addressOf(id)}`);
    await ledger.updateIssue(beadId, { set_metadata: meta }, actor);
  } finally {
    await ledger.close();
  }
}

/** Turns do-not-disturb on or off for an agent (nudges then wait in its queue). */
export async function setDnd(town: Town, id: AgentIdentity, on: boolean, actor: string): Promise<void> {
  await setAgentMeta(town, id, { dnd: on, notification_level: on ? "muted" : "normal" }, actor);
}

/** Notification levels (gt notify): muted is do-not-disturb. */
export const NOTIFY_LEVELS = ["verbose", "normal", "muted"] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];

export async function setNotifyLevel(
  town: Town,
  id: AgentIdentity,
  level: NotifyLevel,
  actor: string,
): Promise<void> {
  await setAgentMeta(town, id, { notification_level: level, dnd: level === "muted" }, actor);
}

export async function notifyLevel(town: Town, id: AgentIdentity): Promise<NotifyLevel> {
  const ledger = openLedgerFor(town, id.rig);
  try {
    const bead = await ledger.getIssue(agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
    const meta = (bead?.metadata as Record<string, unknown> | undefined) ?? {};
    if (meta.dnd === true) return "muted";
    const level = meta.notification_level;
    return level === "verbose" ? "verbose" : "normal";
  } finally {
    await ledger.close();
  }
}

export async function isDnd(town: Town, id: AgentIdentity): Promise<boolean> {
  return (await recipientFacts(town, id)).dnd;
}

/**
 * Idle = the agent's own turn-end hook left its idle marker, or (for agents without one, or
 * whose last turn ended without it) its screen reads idle on two polls 200 ms apart, which
 * skips the short gaps between tool calls.
 */
async function isIdle(
  town: Town,
  provider: RuntimeProvider,
  session: string,
  rules: ScreenRules,
): Promise<boolean> {
  if (markedIdle(town.runtimeDir, session)) return true;
  for (let i = 0; i < 2; i++) {
    if (!looksIdle(await provider.screen(session), rules)) return false;
    if (i === 0) await sleep(200);
  }
  return true;
}

/**
 * Whether the agent waits for input now (its idle marker, or its screen on two reads);
 * undefined when that cannot be told (no session, or an agent with no prompt to read).
 */
export async function agentLooksIdle(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
): Promise<boolean | undefined> {
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  if (!(await provider.isAlive(session))) return undefined;
  const { rules } = await recipientFacts(town, id);
  return rules ? isIdle(town, provider, session, rules) : undefined;
}

async function waitIdle(
  town: Town,
  provider: RuntimeProvider,
  session: string,
  rules: ScreenRules,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isIdle(town, provider, session, rules)) return true;
    if (Date.now() > deadline) return false;
    await sleep(150);
  }
}

/**
 * Types one message and checks it was taken (sessions/typing.ts). Sessions are served one
 * nudge at a time across processes (a lock per session), so two nudges never interleave.
 */
async function deliver(
  town: Town,
  provider: RuntimeProvider,
  session: string,
  text: string,
  rules?: ScreenRules,
): Promise<{ ok: boolean; attempts: number }> {
  return withFileLock(join(queueDir(town, session), ".lock"), async () => {
    // From here the agent has work: the next nudge waits for its next turn end.
    clearIdle(town.runtimeDir, session);
    return typeAndSubmit(provider, session, text, rules);
  });
}

export interface NudgeOptions {
  sender: string;
  mode?: NudgeMode;
  priority?: NudgePriority;
  /** wait-idle: how long to wait for an idle prompt before queueing (default 15 s). */
  idleTimeoutMs?: number;
  /** Deliver even when the agent is in do-not-disturb. */
  force?: boolean;
}

export async function nudge(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
  message: string,
  opts: NudgeOptions,
): Promise<NudgeResult> {
  const target = addressOf(id);
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  const priority = opts.priority ?? "normal";
  const text = sanitizeNudge(message);
  if (!text.trim()) throw new GasTownError("empty", "nothing to nudge: the message is empty");
  let mode = opts.mode ?? "wait-idle";
  const queue = (detail: string): NudgeResult => {
    enqueueNudge(town, session, { sender: opts.sender, message: text, priority });
    logEvent(town.root, "nudge", opts.sender, { target, mode: "queue", reason: detail });
    return { target, session, outcome: "queued", attempts: 0, detail };
  };
  if (mode === "queue") return queue("queued by request");
  const facts = await recipientFacts(town, id);
  if (facts.dnd && !opts.force) return queue("do not disturb: it reads its queue at its next turn");
  if (!(await provider.isAlive(session))) {
    if (mode === "immediate")
      throw new NotFoundError(session, `${target} is not running (session ${session})`);
    return queue("not running: it reads its queue when it starts");
  }
  if (mode === "wait-idle") {
    if (!facts.rules)
      mode = "immediate"; // no prompt detection for this agent: deliver now
    else if (!(await waitIdle(town, provider, session, facts.rules, opts.idleTimeoutMs ?? 15_000)))
      return queue("busy: delivered at its next turn");
  }
  const r = await deliver(town, provider, session, text, facts.rules);
  logEvent(town.root, "nudge", opts.sender, { target, mode, delivered: r.ok, attempts: r.attempts });
  return {
    target,
    session,
    outcome: r.ok ? "delivered" : "unverified",
    attempts: r.attempts,
    ...(r.ok ? {} : { detail: "typed and submitted, but the session showed no reaction" }),
  };
}

/**
 * The drainer for agents without a prompt hook: while the session lives, whenever nudges
 * wait and the agent is idle (or has no prompt detection), hand them over as one nudge.
 */
export async function runNudgePoller(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
  intervalMs: number,
): Promise<void> {
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  try {
    while (await provider.isAlive(session)) {
      if (queuedCount(town, session) > 0) {
        const facts = await recipientFacts(town, id);
        const idle = !facts.rules || (await waitIdle(town, provider, session, facts.rules, 3000));
        if (idle && !facts.dnd) {
          const block = formatDrained(drainNudges(town, session));
          if (block) await deliver(town, provider, session, block, facts.rules).catch(() => undefined);
        }
      }
      await sleep(intervalMs);
    }
  } finally {
    rmSync(pollerPidFile(town, session), { force: true });
  }
}
