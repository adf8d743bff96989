// How one event reads to a person: its glyph (spec §6.2) and a one-line detail built from its
// payload. Shared by logs/town.log, gt log/trail/activity/audit, gt feed and the dashboard so
// an event says the same thing everywhere.
import type { TownEvent } from "./event.ts";

const GLYPHS: Record<string, string> = {
  sling: "🎯",
  hook: "→",
  unhook: "⊘",
  handoff: "🤝",
  nudge: "⚡",
  spawn: "+",
  session_start: "+",
  session_end: "○",
  session_death: "✗",
  mass_death: "✗",
  kill: "⊘",
  done: "✓",
  mail: "✉",
  merge_started: "⚙",
  merged: "✓",
  merge_failed: "✗",
  merge_skipped: "⊘",
  escalation_sent: "⚠",
  escalation_acked: "✓",
  escalation_closed: "✓",
  convoy_created: "+",
  convoy_landed: "✓",
  convoy_closed: "✓",
  bead_created: "+",
  bead_closed: "✓",
  bead_updated: "→",
};

/** The §6.2 glyph for an event type (patrol events are the owl; unknown types a dot). */
export function glyphOf(type: string): string {
  if (GLYPHS[type]) return GLYPHS[type];
  if (type.startsWith("patrol") || type === "polecat_checked" || type === "polecat_nudged") return "🦉";
  if (type.endsWith("_failed")) return "✗";
  return "·";
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : typeof v === "number" ? String(v) : undefined;
}

/** The rig an event concerns: its payload's rig, else the first part of its target or actor. */
export function rigOf(e: TownEvent): string | undefined {
  const p = e.payload ?? {};
  const rig = str(p.rig);
  if (rig) return rig;
  for (const v of [p.target, p.to, e.actor]) {
    const s = str(v);
    if (s?.includes("/")) return s.split("/")[0];
  }
  return undefined;
}

/** The agents an event mentions: its actor and its payload's target/worker/agent/polecat. */
export function agentsOf(e: TownEvent): string[] {
  const p = e.payload ?? {};
  const out = [e.actor];
  for (const key of ["target", "worker", "agent", "to", "session", "from"]) {
    const s = str(p[key]);
    if (s) out.push(s);
  }
  const polecat = str(p.polecat);
  const rig = str(p.rig);
  if (polecat) out.push(rig ? `${rig}/polecats/${polecat}` : polecat);
  return out.filter(Boolean);
}

/** The one-line detail of an event, without time, type or actor. */
export function detailOf(e: TownEvent): string {
  const p = e.payload ?? {};
  const bead = str(p.bead);
  switch (e.type) {
    case "sling":
      return `${bead ?? "?"} → ${str(p.target) ?? "?"}`;
    case "hook":
      return `${bead ?? "?"} hooked by ${str(p.target) ?? e.actor}`;
    case "unhook":
      return `${bead ?? "?"} released from ${str(p.target) ?? e.actor}`;
    case "done":
      return `${bead ?? "?"} done${str(p.branch) ? ` on ${str(p.branch)}` : ""}`;
    case "mail":
      return `to ${str(p.to) ?? "?"}: ${str(p.subject) ?? ""}`;
    case "spawn":
      return `polecat ${str(p.polecat) ?? "?"} in ${str(p.rig) ?? "?"}`;
    case "nudge":
    case "kill":
      return `${str(p.target) ?? "?"}${str(p.reason) ? `: ${str(p.reason)}` : ""}`;
    case "merge_started":
    case "merged":
    case "merge_failed":
    case "merge_skipped":
      return [str(p.mr), str(p.branch), str(p.worker) ? `by ${str(p.worker)}` : undefined, str(p.reason)]
        .filter(Boolean)
        .join(" ");
    case "escalation_sent":
    case "escalation_acked":
    case "escalation_closed":
      return [str(p.id) ?? str(p.bead), str(p.severity), str(p.reason) ?? str(p.subject)]
        .filter(Boolean)
        .join(" ");
    case "session_start":
    case "session_end":
      // The agent's own session id is a UUID nobody reads; the role and how it began say more.
      return [str(p.role), str(p.source) ?? str(p.reason), str(p.session)].filter(Boolean).join(" ");
    case "merge_queue_run": {
      const n = (k: string) => (typeof p[k] === "number" ? (p[k] as number) : 0);
      return `${str(p.rig) ?? "?"}: ${n("landed")} landed, ${n("rejected")} rejected in ${n("batches")} batch(es), ${n("gate_runs")} gate run(s)`;
    }
    case "session_death":
      return `${str(p.session) ?? "?"}${str(p.reason) ? `: ${str(p.reason)}` : ""}`;
    case "handoff":
      return str(p.subject) ?? str(p.session) ?? "";
    case "convoy_landed":
    case "convoy_created":
    case "convoy_closed":
      return [str(p.convoy) ?? str(p.id), str(p.title)].filter(Boolean).join(" ");
    case "patrol":
      return `${str(p.rig) ?? ""}: ${Array.isArray(p.findings) ? p.findings.length : 0} finding(s)`;
    case "patrol_action":
      return [str(p.class), str(p.agent), str(p.action), str(p.detail)].filter(Boolean).join(" ");
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (v === null || typeof v === "object") continue;
    parts.push(`${k}=${String(v)}`);
    if (parts.length >= 4) break;
  }
  return parts.join(" ");
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `YYYY-MM-DD HH:MM:SS` in UTC (the town log's clock). */
export function stamp(ts: string): string {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** The town.log line (spec §6.1): `YYYY-MM-DD HH:MM:SS [type] <agent> <detail>`. */
export function townLogLine(e: TownEvent): string {
  const detail = detailOf(e).replace(/\s*\n\s*/g, " ");
  return `${stamp(e.ts)} [${e.type}] ${e.actor || "-"}${detail ? ` ${detail}` : ""}`;
}
