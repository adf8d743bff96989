// gt feed's model: pure functions from events and a town snapshot to what the panels show
// (agent tree, convoys with progress bars, the curated stream, the problems rows), the plain
// line format for pipes, and the key handling as a reducer. Nothing here reads the town or
// draws: the view (view.ts) and the runner (run.ts) do, so all of this is tested directly.
import type { AgentStatus } from "../agents/inventory.ts";
import type { CuratedItem } from "../events/curate.ts";
import { agentsOf, detailOf, glyphOf, rigOf } from "../events/describe.ts";
import type { TownEvent } from "../events/log.ts";
import type { AgentProblem } from "../events/problems.ts";
import { safeText } from "../terminal-text.ts";
import { ROLE_NAMES } from "../town/roles.ts";
import type { ConvoyView } from "../work/convoys.ts";

/** What the town looks like now (re-read when events arrive). */
export interface FeedSnapshot {
  agents: AgentStatus[];
  convoys: ConvoyView[];
  problems: AgentProblem[];
  /** When it was read (ISO). */
  at: string;
  /** What could not be read (shown in the status line, never fatal). */
  errors: string[];
}

export const EMPTY_SNAPSHOT: FeedSnapshot = { agents: [], convoys: [], problems: [], at: "", errors: [] };

/** Stored text on one terminal line: controls made visible, newlines folded. */
export function clean(text: string): string {
  return safeText(text.replace(/\s*\n\s*/g, " "));
}

/** `--since` as gt log and the other event readers take it (src/events/query.ts). */
export { parseSince } from "../events/query.ts";

/** Whether an event concerns rig `rig` (its payload's rig, or an agent of the rig it names). */
export function eventInRig(e: TownEvent, rig: string): boolean {
  if (rigOf(e) === rig) return true;
  return agentsOf(e).some((a) => a.startsWith(`${rig}/`) || a.startsWith(`${rig}-`));
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** `HH:MM:SS` of an event time, in the local zone (what the person's clock says). */
export function clock(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return "--:--:--";
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** The `--plain` line: `HH:MM:SS <glyph> <actor> <detail>`. */
export function plainLine(e: TownEvent): string {
  const detail = clean(detailOf(e));
  return `${clock(e.ts)} ${glyphOf(e.type)} ${clean(e.actor || "-")}${detail ? ` ${detail}` : ""}`;
}

/**
 * The latest event naming each agent, by address and by session name (events use either).
 * Events, not curated lines: an agent's row says what it did itself, not "5 beads slung".
 */
export class ActivityIndex {
  private readonly latest = new Map<string, TownEvent>();

  note(e: TownEvent): void {
    for (const who of agentsOf(e)) {
      const prev = this.latest.get(who);
      if (!prev || prev.ts <= e.ts) this.latest.set(who, e);
    }
  }

  of(a: Pick<AgentStatus, "address" | "session">): TownEvent | undefined {
    const x = this.latest.get(a.address);
    const y = this.latest.get(a.session);
    if (x && y) return x.ts >= y.ts ? x : y;
    return x ?? y;
  }
}

export interface AgentLine {
  address: string;
  session: string;
  role: string;
  rig: string | null;
  state: AgentStatus["state"];
  /** ● running, 💀 zombie, ○ stopped. */
  mark: string;
  hook: string | null;
  activity: string;
}

export interface RoleGroup {
  role: string;
  agents: AgentLine[];
}

const STATE_MARKS: Record<AgentStatus["state"], string> = { running: "●", zombie: "💀", stopped: "○" };

/** The agent tree: agents grouped by role (town roles first), each with its latest activity. */
export function agentTree(agents: AgentStatus[], activity: ActivityIndex, rig?: string): RoleGroup[] {
  const groups = new Map<string, AgentLine[]>();
  const order = [...ROLE_NAMES] as string[];
  for (const a of agents) {
    if (rig && a.rig !== rig) continue;
    const last = activity.of(a);
    const line: AgentLine = {
      address: a.address,
      session: a.session,
      role: a.role,
      rig: a.rig,
      state: a.state,
      mark: STATE_MARKS[a.state] ?? "·",
      hook: a.hook,
      activity: last ? `${clock(last.ts)} ${glyphOf(last.type)} ${clean(detailOf(last))}`.trimEnd() : "",
    };
    const list = groups.get(a.role) ?? [];
    list.push(line);
    groups.set(a.role, list);
  }
  const rank = (r: string) => (order.includes(r) ? order.indexOf(r) : order.length);
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([role, list]) => ({ role, agents: list.sort((x, y) => x.address.localeCompare(y.address)) }));
}

/** The agents of the tree in display order (what j/k and Enter walk). */
export function agentOrder(tree: RoleGroup[]): AgentLine[] {
  return tree.flatMap((g) => g.agents);
}

/** A progress bar of `width` cells: `█` done, `░` to go. */
export function progressBar(done: number, total: number, width = 10): string {
  const full = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0;
  return "█".repeat(full) + "░".repeat(width - full);
}

export interface ConvoyLine {
  id: string;
  title: string;
  landed: boolean;
  closed: number;
  total: number;
  bar: string;
  workers: string[];
}

/** How long a landed convoy stays in the panel. */
export const LANDED_FOR_MS = 24 * 3_600_000;

/**
 * The convoy panel: convoys in progress (oldest first), then the recently landed ones (newest
 * first). With a rig, only convoys tracking a bead of that rig.
 */
export function convoyLines(convoys: ConvoyView[], now: number, rig?: string): ConvoyLine[] {
  const mine = rig ? convoys.filter((c) => c.tracked.some((t) => t.rig === rig)) : convoys;
  const open = mine
    .filter((c) => c.status !== "closed")
    .sort((a, b) => a.created_at.localeCompare(b.created_at));
  const landed = mine
    .filter((c) => c.status === "closed" && c.closed_at && now - Date.parse(c.closed_at) <= LANDED_FOR_MS)
    .sort((a, b) => (b.closed_at ?? "").localeCompare(a.closed_at ?? ""));
  return [...open, ...landed].map((c) => ({
    id: c.id,
    title: clean(c.title),
    landed: c.status === "closed",
    closed: c.closed,
    total: c.total,
    bar: progressBar(c.closed, c.total),
    workers: c.workers,
  }));
}

/** The stream panel's line for a curated item. */
export function streamLine(item: CuratedItem): string {
  // An aggregate line names its actor only when every event in it came from that actor.
  const one = item.events.every((e) => e.actor === item.actor);
  const actor = item.kind !== "burst" || one ? `${clean(item.actor || "-")} ` : "";
  return `${clock(item.ts)} ${item.glyph} ${actor}${clean(item.text)}`.trimEnd();
}

/** Whether a curated item belongs to the `--rig` view. */
export function itemInRig(item: CuratedItem, rig: string): boolean {
  return item.events.some((e) => eventInRig(e, rig));
}

export interface ProblemLine {
  agent: string;
  session: string | null;
  glyph: string;
  state: AgentProblem["state"];
  text: string;
}

function quiet(ms: number | null): string {
  if (ms === null) return "";
  const min = Math.floor(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)}h${pad2(min % 60)}m quiet` : `${min}m quiet`;
}

/** The problems view's rows (already sorted most urgent first by gatherProblems). */
export function problemLines(rows: AgentProblem[], rig?: string): ProblemLine[] {
  return rows
    .filter((r) => !rig || r.rig === rig)
    .map((r) => ({
      agent: r.agent,
      session: r.session,
      glyph: r.glyph,
      state: r.state,
      text: [r.bead ?? "", clean(r.detail), quiet(r.quiet_ms)].filter(Boolean).join("  "),
    }));
}

// ---- keys -------------------------------------------------------------------------------

export const PANELS = ["agents", "convoys", "events"] as const;
export type Panel = (typeof PANELS)[number];

export interface UiState {
  panel: Panel;
  problems: boolean;
  help: boolean;
  /** Selected row per list (agents and problems select; convoys and events scroll). */
  cursor: { agents: number; convoys: number; events: number; problems: number };
  /** The stream follows its newest line until the person scrolls up. */
  follow: boolean;
}

export const INITIAL_UI: UiState = {
  panel: "agents",
  problems: false,
  help: false,
  cursor: { agents: 0, convoys: 0, events: 0, problems: 0 },
  follow: true,
};

/** What a key asks for beyond moving around. */
export type KeyAction = "quit" | "attach" | "nudge" | "handoff" | undefined;

export interface KeyInput {
  input: string;
  tab?: boolean;
  shiftTab?: boolean;
  return?: boolean;
  escape?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
}

/** How many rows each list has now (the cursor is kept inside). */
export interface ListSizes {
  agents: number;
  convoys: number;
  events: number;
  problems: number;
}

function clamp(n: number, size: number): number {
  return Math.max(0, Math.min(n, size - 1));
}

/** One key press: the next UI state and the action it asks for. */
export function reduceKey(s: UiState, k: KeyInput, sizes: ListSizes): { state: UiState; action: KeyAction } {
  const same = { state: s, action: undefined };
  if (k.input === "q") return { state: s, action: "quit" };
  if (s.help) return k.input === "?" || k.escape ? { state: { ...s, help: false }, action: undefined } : same;
  if (k.input === "?") return { state: { ...s, help: true }, action: undefined };
  if (k.input === "p") return { state: { ...s, problems: !s.problems }, action: undefined };
  const list: keyof UiState["cursor"] = s.problems ? "problems" : s.panel;
  const move = (d: number) => {
    const cursor = { ...s.cursor, [list]: clamp(s.cursor[list] + d, sizes[list]) };
    // Scrolling the stream up stops following; reaching its last line follows again.
    const follow = list === "events" ? cursor.events >= sizes.events - 1 : s.follow;
    return { state: { ...s, cursor, follow }, action: undefined };
  };
  if (k.input === "j" || k.downArrow) return move(1);
  if (k.input === "k" || k.upArrow) return move(-1);
  if (!s.problems) {
    const i = ["1", "2", "3"].indexOf(k.input);
    if (i >= 0) return { state: { ...s, panel: PANELS[i]! }, action: undefined };
    if (k.tab || k.shiftTab) {
      const d = k.shiftTab ? PANELS.length - 1 : 1;
      return {
        state: { ...s, panel: PANELS[(PANELS.indexOf(s.panel) + d) % PANELS.length]! },
        action: undefined,
      };
    }
  }
  // The agent actions apply to the selected agent: in the agent panel or the problems view.
  if (s.problems || s.panel === "agents") {
    if (k.return) return { state: s, action: "attach" };
    if (k.input === "n") return { state: s, action: "nudge" };
    if (k.input === "h") return { state: s, action: "handoff" };
  }
  return same;
}

/** The help overlay's lines. */
export const HELP_LINES = [
  "j / k, ↓ / ↑   move in the current panel (the stream follows its newest line at the bottom)",
  "Tab, 1 2 3     agents, convoys, event stream",
  "p              problems view (GUPP violation, stalled, zombie, working, idle) on / off",
  "Enter          attach to the selected agent's session",
  "n              nudge the selected agent (type a message, Enter sends, Esc cancels)",
  "h              hand the selected agent off to a fresh session (asks first)",
  "?              this help        q  quit",
];
