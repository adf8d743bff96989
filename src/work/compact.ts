// gt compact: Gas Town's time-to-live policy for wisps, over the ledger API. A wisp past its
// TTL that is still open means something is stuck, so it is promoted to a permanent bead (with
// a comment saying why) where people will see it; a closed one past its TTL is deleted. A wisp
// with comments or a keep label has proven its worth and is promoted whatever its age. A
// molecule's step is never promoted: past its TTL it is deleted with the rest of its molecule.
// `gt compact report` runs the same and sends a digest to the mayor, recorded as an event bead.
import { MAIL_LABEL, sendMail } from "../comms/mail.ts";
import { durationMs } from "../duration.ts";
import type { IssueWithCounts } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { openLedgerFor, openTownLedger } from "../town/ledgers.ts";
import { loadRigSettings } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";

const HOUR = 3_600_000;

/** TTL by wisp_type (Gas Town's WISP-COMPACTION-POLICY defaults). */
export const DEFAULT_WISP_TTLS: Record<string, number> = {
  heartbeat: 6 * HOUR,
  ping: 6 * HOUR,
  patrol: 24 * HOUR,
  gc_report: 24 * HOUR,
  recovery: 7 * 24 * HOUR,
  error: 7 * 24 * HOUR,
  escalation: 7 * 24 * HOUR,
  default: 24 * HOUR,
};

const KEEP_LABELS = ["keep", "gt:keep"];

/** The defaults, then the rig's `wisp_ttl` settings ({type: "12h"}), then its rig bead's wisp_ttl_<type>:<d> labels. */
export async function wispTtls(
  town: Town,
  rig: string | undefined,
  ledger?: Ledger,
): Promise<Record<string, number>> {
  const ttls = { ...DEFAULT_WISP_TTLS };
  if (!rig) return ttls;
  const raw = (loadRigSettings(town.rigDir(rig)) as Record<string, unknown>).wisp_ttl;
  if (raw && typeof raw === "object")
    for (const [type, v] of Object.entries(raw as Record<string, unknown>))
      if (typeof v === "string") ttls[type] = durationMs(v, `wisp_ttl.${type} in ${rig}'s settings`);
  if (ledger) {
    const rigBeads = await ledger.listIssues({ types: ["rig"], includeInfra: true, all: true, limit: 0 });
    for (const b of rigBeads.filter((r) => r.title === rig || r.id.endsWith(`-rig-${rig}`)))
      for (const label of b.labels ?? []) {
        const m = /^wisp_ttl_([a-z0-9_]+):(.+)$/i.exec(label);
        if (!m) continue;
        try {
          ttls[m[1]!.toLowerCase()] = durationMs(m[2]!.trim());
        } catch {
          // a label that is not a duration changes nothing
        }
      }
  }
  return ttls;
}

export interface CompactAction {
  id: string;
  title: string;
  reason: string;
  wisp_type?: string;
}

export interface CompactResult {
  ledger: string;
  promoted: CompactAction[];
  deleted: CompactAction[];
  /** Wisps still within their TTL. */
  skipped: number;
  errors: string[];
  dry_run: boolean;
}

export interface CompactOptions {
  rig?: string;
  dryRun?: boolean;
  actor: string;
  now?: Date;
  /** Each decision as it is made (for --verbose). */
  onDecision?: (what: "promote" | "delete" | "skip", w: IssueWithCounts, detail: string) => void;
}

/** The ledger's wisps compaction may touch: mail has its own lifecycle (read, archive, clear) and standing orders stay. */
async function compactable(ledger: Ledger): Promise<IssueWithCounts[]> {
  const wisps = await ledger.listIssues({ ephemeral: "only", all: true, includeInfra: true, limit: 0 });
  return wisps.filter(
    (w) =>
      w.issue_type !== "message" &&
      !(w.labels ?? []).some((l) => l === MAIL_LABEL || l === "gt:standing-orders"),
  );
}

const ttlOf = (ttls: Record<string, number>, type?: string) => ttls[type || "default"] ?? ttls.default!;

/** Compacts the wisps of one ledger: the rig's, or the town's when no rig is given. */
export async function compactWisps(town: Town, opts: CompactOptions): Promise<CompactResult> {
  const now = (opts.now ?? new Date()).getTime();
  const ledger = opts.rig ? openLedgerFor(town, opts.rig) : openTownLedger(town);
  const result: CompactResult = {
    ledger: opts.rig ?? "hq",
    promoted: [],
    deleted: [],
    skipped: 0,
    errors: [],
    dry_run: opts.dryRun === true,
  };
  try {
    const ttls = await wispTtls(town, opts.rig, ledger);
    const wisps = await compactable(ledger);
    // Steps before their molecules, so no step is left pointing at a deleted root.
    wisps.sort((a, b) => Number(!a.parent) - Number(!b.parent));
    for (const w of wisps) {
      const age = now - Date.parse(w.updated_at || w.created_at);
      const ttl = ttlOf(ttls, w.wisp_type);
      const step = Boolean(w.parent);
      const proven = w.comment_count > 0 || (w.labels ?? []).some((l) => KEEP_LABELS.includes(l));
      const action = { id: w.id, title: w.title, ...(w.wisp_type ? { wisp_type: w.wisp_type } : {}) };
      let decision: { what: "promote" | "delete"; reason: string } | undefined;
      if (proven && !step) decision = { what: "promote", reason: "proven value" };
      else if (age > ttl) {
        if (step) decision = { what: "delete", reason: "molecule step past TTL" };
        else if (w.status === "closed") decision = { what: "delete", reason: "TTL expired" };
        else
          decision = {
            what: "promote",
            reason: w.status === "in_progress" ? "stuck in_progress past TTL" : "open past TTL",
          };
      }
      if (!decision) {
        result.skipped++;
        opts.onDecision?.("skip", w, `age ${Math.round(age / 60_000)}m, ttl ${Math.round(ttl / 60_000)}m`);
        continue;
      }
      try {
        if (!opts.dryRun) {
          if (decision.what === "promote") {
            await ledger.updateIssue(w.id, { ephemeral: false }, opts.actor);
            await ledger.addComment(w.id, opts.actor, `Promoted from Level 0: ${decision.reason}`);
          } else await ledger.deleteIssue(w.id, opts.actor);
        }
        (decision.what === "promote" ? result.promoted : result.deleted).push({
          ...action,
          reason: decision.reason,
        });
        opts.onDecision?.(decision.what, w, decision.reason);
      } catch (e) {
        result.errors.push(`${decision.what} ${w.id}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  } finally {
    await ledger.close();
  }
  return result;
}

// ---- the digest ----

const CATEGORY_OF: Record<string, string> = {
  heartbeat: "Heartbeats",
  ping: "Heartbeats",
  patrol: "Patrols",
  gc_report: "Patrols",
  error: "Errors",
  recovery: "Errors",
  escalation: "Errors",
};
export const CATEGORIES = ["Heartbeats", "Patrols", "Errors", "Untyped"] as const;

export interface CategoryStats {
  deleted: number;
  promoted: number;
  active: number;
}

export interface CompactReport {
  date: string;
  categories: Record<string, CategoryStats>;
  promotions: CompactAction[];
  anomalies: string[];
  errors: string[];
}

function categoryOf(wispType: string | undefined, title: string): string {
  const c = wispType ? CATEGORY_OF[wispType] : undefined;
  if (c) return c;
  if (!wispType && title.toLowerCase().includes("patrol")) return "Patrols";
  return "Untyped";
}

export const reportTitle = (date: string) => `Compaction Report ${date}`;

/** The digest of one compaction run, with the wisps still alive after it. */
export function buildReport(
  date: string,
  result: CompactResult,
  active: Array<{ wisp_type?: string; title: string }>,
): CompactReport {
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, { deleted: 0, promoted: 0, active: 0 }]));
  for (const d of result.deleted) categories[categoryOf(d.wisp_type, d.title)]!.deleted++;
  for (const p of result.promoted) categories[categoryOf(p.wisp_type, p.title)]!.promoted++;
  for (const a of active) categories[categoryOf(a.wisp_type, a.title)]!.active++;
  const report: CompactReport = {
    date,
    categories,
    promotions: result.promoted,
    anomalies: [],
    errors: result.errors,
  };
  report.anomalies = anomaliesOf(report);
  return report;
}

function anomaliesOf(r: CompactReport): string[] {
  const out: string[] = [];
  for (const cat of CATEGORIES) {
    const s = r.categories[cat]!;
    if (cat === "Heartbeats" && s.deleted > 1000)
      out.push(`${Math.floor(s.deleted / 300)}x normal heartbeat volume (possible restart loop)`);
    if (cat === "Patrols" && s.active + s.deleted + s.promoted === 0)
      out.push("0 patrol wisps (patrol agents may be down)");
    const total = s.deleted + s.promoted;
    if (total > 10 && s.promoted > total / 2)
      out.push(`${cat}: high promotion rate (${s.promoted}/${total}) — review wisp classification`);
  }
  return out;
}

export function digestMarkdown(r: CompactReport): string {
  const lines = [
    `## Wisp Compaction: ${r.date}`,
    "",
    "### Summary",
    "| Category | Deleted | Promoted | Active |",
  ];
  lines.push("|----------|---------|----------|--------|");
  for (const cat of CATEGORIES) {
    const s = r.categories[cat]!;
    if (s.deleted + s.promoted + s.active > 0)
      lines.push(`| ${cat} | ${s.deleted} | ${s.promoted} | ${s.active} |`);
  }
  const section = (title: string, items: string[]) => {
    if (items.length > 0) lines.push("", `### ${title}`, ...items.map((i) => `- ${i}`));
  };
  section(
    "Promotions",
    r.promotions.map((p) => `${p.id}: "${p.title.slice(0, 60)}" (reason: ${p.reason})`),
  );
  section("Anomalies", r.anomalies);
  section("Errors", r.errors);
  return `${lines.join("\n")}\n`;
}

export interface DigestOutcome {
  report: CompactReport;
  markdown: string;
  /** The event bead recording it (the earlier one when the date already has a digest). */
  bead: string | null;
  sent: boolean;
  already_sent: boolean;
}

async function existingReport(ledger: Ledger, title: string): Promise<string | undefined> {
  const found = await ledger.listIssues({
    types: ["event"],
    includeInfra: true,
    all: true,
    titleContains: title,
    limit: 0,
  });
  return found.find((b) => b.title === title)?.id;
}

/**
 * The daily digest: compacts (for real unless dryRun), builds the report, records it as a
 * closed event bead in the town ledger and mails it to the mayor. Once per date.
 */
export async function dailyDigest(
  town: Town,
  opts: CompactOptions & { date: string },
): Promise<DigestOutcome> {
  const title = reportTitle(opts.date);
  const town0 = openTownLedger(town);
  try {
    const earlier = await existingReport(town0, title);
    if (earlier && !opts.dryRun) {
      const empty = buildReport(opts.date, { ...emptyResult(), ledger: opts.rig ?? "hq" }, []);
      return { report: empty, markdown: "", bead: earlier, sent: false, already_sent: true };
    }
  } finally {
    await town0.close();
  }
  const result = await compactWisps(town, opts);
  const ledger = opts.rig ? openLedgerFor(town, opts.rig) : openTownLedger(town);
  let active: IssueWithCounts[];
  try {
    active = await compactable(ledger);
  } finally {
    await ledger.close();
  }
  // A dry run deleted nothing: what it would delete is not active afterwards.
  const gone = new Set(result.dry_run ? [...result.deleted, ...result.promoted].map((a) => a.id) : []);
  const report = buildReport(
    opts.date,
    result,
    active.filter((w) => !gone.has(w.id)),
  );
  const markdown = digestMarkdown(report);
  if (opts.dryRun) return { report, markdown, bead: null, sent: false, already_sent: false };
  const hq = openTownLedger(town);
  let bead: string;
  try {
    const b = await hq.createIssue(
      {
        title,
        description: markdown,
        issue_type: "event",
        event_kind: "wisp.compaction",
        payload: JSON.stringify(report),
        metadata: { compaction_report: report },
      },
      opts.actor,
    );
    await hq.closeIssue(b.id, { reason: "daily compaction report" }, opts.actor);
    bead = b.id;
  } finally {
    await hq.close();
  }
  await sendMail(town, {
    from: opts.actor,
    to: "mayor/",
    subject: `Wisp Compaction: ${opts.date}`,
    body: markdown,
  });
  return { report, markdown, bead, sent: true, already_sent: false };
}

function emptyResult(): CompactResult {
  return { ledger: "hq", promoted: [], deleted: [], skipped: 0, errors: [], dry_run: false };
}

export interface WeeklyRollup {
  week_start: string;
  week_end: string;
  days: number;
  totals: Record<string, CategoryStats>;
  total_promotions: number;
  anomalies: string[];
}

/** The past week's daily digests added up, mailed to the mayor (once per week range). */
export async function weeklyRollup(
  town: Town,
  opts: { actor: string; dryRun?: boolean; now?: Date },
): Promise<{ rollup: WeeklyRollup; markdown: string; sent: boolean; already_sent: boolean }> {
  const now = opts.now ?? new Date();
  const end = now.toISOString().slice(0, 10);
  const start = new Date(now.getTime() - 7 * 24 * HOUR).toISOString().slice(0, 10);
  const rollup: WeeklyRollup = {
    week_start: start,
    week_end: end,
    days: 0,
    totals: Object.fromEntries(CATEGORIES.map((c) => [c, { deleted: 0, promoted: 0, active: 0 }])),
    total_promotions: 0,
    anomalies: [],
  };
  const title = `Compaction Weekly ${start}..${end}`;
  const ledger = openTownLedger(town);
  try {
    if (!opts.dryRun && (await existingReport(ledger, title)))
      return { rollup, markdown: "", sent: false, already_sent: true };
    const daily = await ledger.listIssues({
      types: ["event"],
      includeInfra: true,
      all: true,
      titleContains: "Compaction Report ",
      limit: 0,
    });
    for (const b of daily) {
      const date = b.title.slice("Compaction Report ".length);
      const r = (b.metadata as { compaction_report?: CompactReport } | undefined)?.compaction_report;
      if (!r || date < start || date > end) continue;
      rollup.days++;
      for (const cat of CATEGORIES) {
        const s = r.categories[cat];
        if (!s) continue;
        const t = rollup.totals[cat]!;
        t.deleted += s.deleted;
        t.promoted += s.promoted;
        t.active = Math.max(t.active, s.active);
      }
      rollup.total_promotions += r.promotions.length;
      rollup.anomalies.push(...r.anomalies.map((a) => `${date}: ${a}`));
    }
    const lines = [
      `## Wisp Compaction Weekly: ${start} to ${end}`,
      "",
      `${rollup.days} daily digest(s), ${rollup.total_promotions} promotion(s)`,
      "",
      "| Category | Deleted | Promoted | Peak active |",
      "|----------|---------|----------|-------------|",
      ...CATEGORIES.map((c) => {
        const t = rollup.totals[c]!;
        return `| ${c} | ${t.deleted} | ${t.promoted} | ${t.active} |`;
      }),
      ...(rollup.anomalies.length ? ["", "### Anomalies", ...rollup.anomalies.map((a) => `- ${a}`)] : []),
    ];
    const markdown = `${lines.join("\n")}\n`;
    if (opts.dryRun) return { rollup, markdown, sent: false, already_sent: false };
    const b = await ledger.createIssue(
      {
        title,
        description: markdown,
        issue_type: "event",
        event_kind: "wisp.compaction.weekly",
        metadata: { rollup },
      },
      opts.actor,
    );
    await ledger.closeIssue(b.id, { reason: "weekly compaction rollup" }, opts.actor);
    await sendMail(town, {
      from: opts.actor,
      to: "mayor/",
      subject: `Wisp Compaction Weekly: ${start} to ${end}`,
      body: markdown,
    });
    return { rollup, markdown, sent: true, already_sent: false };
  } finally {
    await ledger.close();
  }
}
