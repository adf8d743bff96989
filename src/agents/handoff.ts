// Handoff (spec §1.8): an agent hands its session to a fresh one that carries on from the
// hook. It mails itself the notes, leaves the marker `gt prime` turns into a "you took over"
// note, and has a detached helper replace the session (the caller may be inside it, so it
// cannot do that itself). Polecats defer their bead instead, unless --cycle keeps the hook.
// Seance (spec §1.9): the predecessors of a session, from the town's session_start events,
// and — for the script agent, which keeps a transcript — their answers from that record.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sendMail } from "../comms/mail.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { logEvent, readEvents } from "../events/log.ts";
import { gtExecutable } from "../package-paths.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { assertMayStart, startAgentSession } from "../sessions/session.ts";
import { recordAgentFacts } from "../town/agent-beads.ts";
import {
  type AgentIdentity,
  addressOf,
  agentBeadIdOf,
  parseAddress,
  sessionNameOf,
  workDirOf,
} from "../town/identity.ts";
import { openLedgerFor } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { shutdownHolder } from "../watch/daemon-files.ts";
import { type DoneResult, runDone } from "../work/done.ts";
import { hookOf } from "../work/hook.ts";
import { HANDOFF_MARKER } from "./prime.ts";

const COOLDOWN_MS = 2 * 60_000;

export interface HandoffOptions {
  subject?: string;
  message?: string;
  /** Polecats: cycle the session and keep the hook instead of deferring the bead. */
  cycle?: boolean;
  /** Skip the 2-minute cooldown between handoffs. */
  force?: boolean;
  env: NodeJS.ProcessEnv;
}

export type HandoffResult =
  | { kind: "handoff"; address: string; session: string; mail: string; hooked: string[] }
  | { kind: "deferred"; address: string; done: DoneResult };

async function agentFacts(town: Town, id: AgentIdentity): Promise<Record<string, unknown>> {
  const ledger = openLedgerFor(town, id.rig);
  try {
    const bead = await ledger.getIssue(agentBeadIdOf(id, id.rig ? town.prefixOf(id.rig) : undefined));
    return (bead?.metadata as Record<string, unknown> | undefined) ?? {};
  } finally {
    await ledger.close();
  }
}

export async function handoff(
  town: Town,
  provider: RuntimeProvider,
  id: AgentIdentity,
  opts: HandoffOptions,
): Promise<HandoffResult> {
  const address = addressOf(id);
  const workDir = workDirOf(town.root, id);
  if (id.role === "polecat" && !opts.cycle) {
    const done = await runDone(town, {
      cwd: workDir,
      env: { ...opts.env, GT_ROLE: address },
      status: "DEFERRED",
    });
    return { kind: "deferred", address, done };
  }
  const prefix = id.rig ? town.prefixOf(id.rig) : undefined;
  const session = sessionNameOf(id, prefix);
  if (!(await provider.isAlive(session)))
    throw new NotFoundError(session, `${address} has no running session to hand off`);
  const facts = await agentFacts(town, id);
  const last = typeof facts.last_handoff_ts === "string" ? Date.parse(facts.last_handoff_ts) : 0;
  if (!opts.force && Date.now() - last < COOLDOWN_MS)
    throw new ConflictError(
      "handoff_cooldown",
      `${address} handed off less than 2 minutes ago; use --force to do it anyway`,
    );

  const hooked = (await hookOf(town, id)).map((b) => `${b.id} ${b.title}`);
  const mail = await sendMail(town, {
    from: address,
    to: address,
    subject: `🤝 HANDOFF: ${opts.subject ?? "carry on"}`,
    body: [opts.message ?? "", "", `Hooked: ${hooked.length ? hooked.join("; ") : "nothing"}`]
      .join("\n")
      .trim(),
    type: "notification",
  });
  mkdirSync(join(workDir, ".runtime"), { recursive: true });
  writeFileSync(join(workDir, ".runtime", HANDOFF_MARKER), `${new Date().toISOString()}\n`);
  const ledger = openLedgerFor(town, id.rig);
  try {
    await recordAgentFacts(
      ledger,
      agentBeadIdOf(id, prefix),
      { last_handoff_ts: new Date().toISOString() },
      address,
    );
  } finally {
    await ledger.close();
  }
  logEvent(town.root, "handoff", address, { session, mail: mail.id });
  // The replacement runs outside this session (in its own process group), so it survives the
  // stop of the session this command may be running in.
  const child = spawn(gtExecutable(), ["respawn", address, "--topic", "handoff"], {
    cwd: town.root,
    env: { ...opts.env, GT_TOWN_ROOT: town.root },
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return { kind: "handoff", address, session, mail: mail.id, hooked: hooked.map((h) => h.split(" ")[0]!) };
}

/** Replaces an agent's session with a fresh one running the same agent. */
export async function respawnSession(town: Town, provider: RuntimeProvider, address: string, topic: string) {
  const id = parseAddress(address);
  const facts = await agentFacts(town, id);
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  await sleep(300); // let the caller (maybe inside the session) finish printing
  try {
    assertMayStart(town, id); // under an e-stop the session stays as it is (frozen)
    // gt down / gt shutdown (a graceful one asks agents to hand off) stops it: no successor.
    const down = shutdownHolder(town);
    if (down)
      throw new ConflictError(
        "shutting_down",
        `the town is shutting down (pid ${down}): no fresh session now`,
      );
  } catch (e) {
    logEvent(town.root, "respawn_failed", address, { session, topic, error: (e as Error).message });
    throw e;
  }
  await provider.stop(session).catch(() => false);
  try {
    return await startAgentSession(town, provider, id, {
      agent: typeof facts.agent === "string" ? facts.agent : undefined,
      sender: address,
      topic,
    });
  } catch (e) {
    // Run detached with no terminal: the event log is the only place this can be told.
    logEvent(town.root, "respawn_failed", address, { session, topic, error: (e as Error).message });
    throw e;
  }
}

export interface PastSession {
  session_id: string;
  actor: string;
  role: string;
  source: string;
  started_at: string;
}

/** Sessions that started in this town, newest first (from session_start events). */
export function pastSessions(
  town: Town,
  filter: { role?: string; rig?: string; recent?: number } = {},
): PastSession[] {
  const out = readEvents(town.root)
    .filter((e) => e.type === "session_start")
    .map((e) => ({
      session_id: String(e.payload.session_id ?? ""),
      actor: e.actor,
      role: String(e.payload.role ?? ""),
      source: String(e.payload.source ?? ""),
      started_at: e.ts,
    }))
    .filter(
      (s) =>
        s.session_id &&
        (!filter.role || s.role === filter.role) &&
        (!filter.rig || s.actor.startsWith(`${filter.rig}/`)),
    )
    .reverse();
  return filter.recent ? out.slice(0, filter.recent) : out;
}

/**
 * Asks a predecessor: answers from its recorded transcript (the script agent keeps one) —
 * the lines that mention the question's words, else its last lines.
 */
export function askPredecessor(
  town: Town,
  idPrefix: string,
  question: string,
): { session: PastSession; answer: string[] } {
  const matches = pastSessions(town).filter((s) => s.session_id.startsWith(idPrefix));
  const unique = [...new Map(matches.map((m) => [m.session_id, m])).values()];
  if (unique.length === 0) throw new NotFoundError(idPrefix, `no past session ${idPrefix} (see gt seance)`);
  if (unique.length > 1)
    throw new ValidationError(`${idPrefix} matches ${unique.length} sessions; give more of the id`);
  const past = unique[0]!;
  const id = parseAddress(past.actor);
  const file = join(
    town.runtimeDir,
    "agent-logs",
    `${sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined)}.jsonl`,
  );
  const lines = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { run: string | null; kind: string; text: string })
        .filter((r) => r.run === past.session_id)
        .map((r) => (r.kind === "nudge" ? `(told) ${r.text}` : r.text))
    : [];
  if (lines.length === 0)
    throw new NotFoundError(
      past.session_id,
      `no recorded log for session ${past.session_id} (only the script agent keeps one; resume other agents in their own CLI)`,
    );
  const words = question
    .toLowerCase()
    .split(/\W+/)
    .filter((w) => w.length >= 4);
  const hits = words.length ? lines.filter((l) => words.some((w) => l.toLowerCase().includes(w))) : [];
  return { session: past, answer: (hits.length ? hits : lines).slice(-20) };
}
