// What the dashboard shows, read in-process from the domain modules behind gt status,
// gt convoy list, gt mq list, gt escalate list and the mail commands (never by spawning gt).
// One call reads everything once; the views turn it into HTML and the live stream sends it
// again only when something was written.
import { type AgentStatus, agentStatuses } from "../agents/inventory.ts";
import { type Escalation, listEscalations } from "../comms/escalation.ts";
import { type MailMessage, toMessage } from "../comms/mail.ts";
import { MESSAGE_TYPE } from "../comms/mailbox.ts";
import { type AgentProblem, PROBLEM_LABELS } from "../events/problems.ts";
import type { Issue } from "../ledger/model.ts";
import { type LandingFailure, readLandingFailure } from "../refinery/landing.ts";
import { mergeQueue, type QueuedMr } from "../refinery/queue.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { readEstop } from "../town/estop.ts";
import { openRigLedger, openTownLedger } from "../town/ledgers.ts";
import { listRigs, rigHold } from "../town/rig.ts";
import type { Town } from "../town/workspace.ts";
import { daemonLiveness } from "../watch/daemon-files.ts";
import { gatherProblems } from "../watch/problems.ts";
import { CONVOY_TYPE, type ConvoyView, convoyStatus, listConvoys } from "../work/convoys.ts";

/** Lines of a running agent's screen shown under it. */
export const PEEK_LINES = 6;

export interface AgentRow extends AgentStatus {
  /** The last lines of its session (running agents only). */
  peek: string[];
}

export interface BeadRow {
  id: string;
  title: string;
  status: string;
  assignee: string | null;
  priority: number;
}

export interface RigPanel {
  name: string;
  prefix: string;
  default_branch: string;
  state: string;
  estop: boolean;
  landing_failure: LandingFailure | null;
  agents: number;
  queue: QueuedMr[];
  /** Beads not closed yet, then the most recently closed ones. */
  open: BeadRow[];
  closed: BeadRow[];
}

export interface Problem {
  kind: "gupp" | "stalled" | "zombie" | "landing" | "escalation" | "estop" | "daemon";
  subject: string;
  detail: string;
}

export interface DashboardState {
  town: { name: string; root: string };
  summary: {
    rigs: number;
    agents_running: number;
    hooked: number;
    zombies: number;
    convoys_open: number;
    mq_pending: number;
    escalations: number;
    mail_unread: number;
  };
  daemon: { running: boolean; pid: number | null };
  estop: boolean;
  agents: AgentRow[];
  rigs: RigPanel[];
  convoys: ConvoyView[];
  mail: MailMessage[];
  escalations: Escalation[];
  /** Every polecat's work state (gt feed's problems view: GUPP, stalled, zombie, working, idle). */
  polecats: AgentProblem[];
  problems: Problem[];
}

const OPEN_LIMIT = 15;
const CLOSED_LIMIT = 5;
const MAIL_LIMIT = 10;
const LANDED_LIMIT = 3;

function beadRow(i: Issue): BeadRow {
  return { id: i.id, title: i.title, status: i.status, assignee: i.assignee ?? null, priority: i.priority };
}

async function peekOf(provider: RuntimeProvider, a: AgentStatus): Promise<string[]> {
  if (!a.running) return [];
  try {
    const text = await provider.capture(a.session, PEEK_LINES);
    return text.replace(/\s+$/, "").split("\n").slice(-PEEK_LINES);
  } catch {
    return [];
  }
}

async function rigPanel(town: Town, name: string, agents: AgentStatus[]): Promise<RigPanel> {
  const r = listRigs(town).find((x) => x.name === name)!;
  const ledger = openRigLedger(town, name);
  try {
    const open = await ledger.listIssues({ sort: "priority", limit: OPEN_LIMIT });
    const closed = await ledger.listIssues({ statuses: ["closed"], sort: "closed", limit: CLOSED_LIMIT });
    return {
      name,
      prefix: r.prefix,
      default_branch: r.default_branch,
      state: (await rigHold(town, name)) ?? "active",
      estop: readEstop(town.root, name) !== undefined,
      landing_failure: readLandingFailure(r.path),
      agents: agents.filter((a) => a.rig === name && a.running).length,
      queue: await mergeQueue(town, ledger),
      open: open.map(beadRow),
      closed: closed.map(beadRow),
    };
  } finally {
    await ledger.close();
  }
}

/** Open convoys, then the last few that landed (a finished demo still shows its convoy). */
async function convoysShown(town: Town): Promise<ConvoyView[]> {
  const open = await listConvoys(town);
  const ledger = openTownLedger(town);
  let landed: string[];
  try {
    const rows = await ledger.listIssues({
      types: [CONVOY_TYPE],
      statuses: ["closed"],
      includeInfra: true,
      sort: "closed",
      limit: LANDED_LIMIT,
    });
    landed = rows.map((r) => r.id);
  } finally {
    await ledger.close();
  }
  return [...open, ...(await Promise.all(landed.map((id) => convoyStatus(town, id))))];
}

/** The town's recent mail, newest first (every mailbox: the dashboard is the overseer's view). */
async function recentMail(town: Town): Promise<MailMessage[]> {
  const ledger = openTownLedger(town);
  try {
    const rows = await ledger.listIssues({
      types: [MESSAGE_TYPE],
      includeInfra: true,
      ephemeral: true,
      sort: "created",
      limit: MAIL_LIMIT,
    });
    return rows.map(toMessage).sort((a, b) => b.created_at.localeCompare(a.created_at));
  } finally {
    await ledger.close();
  }
}

function problemsOf(s: Omit<DashboardState, "problems" | "summary">): Problem[] {
  const out: Problem[] = [];
  if (s.estop) out.push({ kind: "estop", subject: "town", detail: "e-stop: agents are frozen (gt thaw)" });
  // The patrol's verdicts first (most urgent first already); an agent is listed once.
  const named = new Set<string>();
  for (const p of s.polecats)
    if (p.state === "gupp" || p.state === "stalled" || p.state === "zombie") {
      named.add(p.agent);
      out.push({
        kind: p.state,
        subject: p.agent,
        detail: `${p.glyph} ${PROBLEM_LABELS[p.state]}: ${p.detail}`,
      });
    }
  for (const a of s.agents)
    if (a.state === "zombie" && !named.has(a.address))
      out.push({
        kind: "zombie",
        subject: a.address,
        detail: `session ${a.session} is dead${a.hook ? `, ${a.hook} hooked` : ""}`,
      });
  for (const r of s.rigs)
    if (r.landing_failure)
      out.push({
        kind: "landing",
        subject: r.name,
        detail: `the refinery cannot land: ${r.landing_failure.summary}`,
      });
  for (const e of s.escalations)
    if (!e.acknowledged)
      out.push({ kind: "escalation", subject: e.id, detail: `[${e.severity}] ${e.summary}` });
  return out;
}

/** What the ledgers and the town's files say: quick to read, and what most writes change. */
export interface LedgerParts {
  town: DashboardState["town"];
  daemon: DashboardState["daemon"];
  estop: boolean;
  agents: AgentStatus[];
  rigs: RigPanel[];
  convoys: ConvoyView[];
  mail: MailMessage[];
  escalations: Escalation[];
}

/** What waits on tmux and git: the agents' screens and the patrol's verdicts on polecats. */
export interface SessionParts {
  /** Screen lines by agent address. */
  peeks: Record<string, string[]>;
  polecats: AgentProblem[];
}

export async function readLedgerParts(town: Town, provider: RuntimeProvider): Promise<LedgerParts> {
  const info = town.townJson();
  const statuses = agentStatuses(town, provider);
  const [agents, rigs, convoys, escalations, mail] = await Promise.all([
    statuses,
    Promise.all(town.rigNames().map(async (name) => rigPanel(town, name, await statuses))),
    convoysShown(town),
    listEscalations(town),
    recentMail(town),
  ]);
  const daemon = daemonLiveness(town);
  return {
    town: { name: info.name, root: town.root },
    daemon: { running: daemon.state === "running", pid: daemon.state === "running" ? daemon.pid : null },
    estop: readEstop(town.root) !== undefined,
    agents,
    rigs,
    convoys,
    mail,
    escalations,
  };
}

export async function readSessionParts(
  town: Town,
  provider: RuntimeProvider,
  agents: AgentStatus[],
): Promise<SessionParts> {
  const [peeks, polecats] = await Promise.all([
    Promise.all(agents.map((a) => peekOf(provider, a))),
    gatherProblems(town, provider),
  ]);
  return { peeks: Object.fromEntries(agents.map((a, i) => [a.address, peeks[i]!])), polecats };
}

/** The page's state from both parts (the session parts may be a read older). */
export function assembleDashboard(l: LedgerParts, s: SessionParts): DashboardState {
  const agents = l.agents.map((a) => ({ ...a, peek: s.peeks[a.address] ?? [] }));
  const base = { ...l, agents, polecats: s.polecats };
  const { rigs, convoys, escalations, mail } = l;
  return {
    ...base,
    summary: {
      rigs: rigs.length,
      agents_running: agents.filter((a) => a.running).length,
      hooked: agents.filter((a) => a.hook).length,
      zombies: agents.filter((a) => a.state === "zombie").length,
      convoys_open: convoys.filter((c) => c.status !== "closed").length,
      mq_pending: rigs.reduce((n, r) => n + r.queue.length, 0),
      escalations: escalations.length,
      mail_unread: mail.filter((m) => !m.read).length,
    },
    problems: problemsOf(base),
  };
}

/** Everything the page shows, read once. */
export async function readDashboard(town: Town, provider: RuntimeProvider): Promise<DashboardState> {
  const ledger = await readLedgerParts(town, provider);
  return assembleDashboard(ledger, await readSessionParts(town, provider, ledger.agents));
}
