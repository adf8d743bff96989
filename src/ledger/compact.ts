// Compaction of old closed beads, beads' two tiers without a model: the title, labels,
// edges, comments and every other field stay; the long text fields (description, design,
// notes, acceptance criteria) become one mechanical summary in the description. The bead
// records its compaction level, when, the git commit whose issues.jsonl still holds the full
// text, and the original size, and gets a comment saying what was saved.
import { ValidationError } from "../errors.ts";
import type { Issue } from "./model.ts";
import { SqliteLedger } from "./sqlite/store.ts";
import type { Ledger } from "./store.ts";

export type Tier = 1 | 2;

/** Days closed before a tier applies (config compact_tier1_days / compact_tier2_days). */
export const DEFAULT_TIER_DAYS: Record<Tier, number> = { 1: 30, 2: 90 };

const TEXT_FIELDS = ["description", "design", "notes", "acceptance_criteria"] as const;
const LABEL: Record<(typeof TEXT_FIELDS)[number], string> = {
  description: "",
  design: "Design",
  notes: "Notes",
  acceptance_criteria: "Acceptance",
};

export interface Candidate {
  id: string;
  title: string;
  closed_at: string;
  age_days: number;
  content_size: number;
  compaction_level: number;
}

export interface CompactResult {
  id: string;
  tier: Tier;
  original_size: number;
  compacted_size: number;
  /** Why it was left as it was (the summary would not be shorter, or not eligible). */
  skipped?: string;
}

/** The bytes of the text fields compaction replaces (UTF-8, as beads counts them). */
export function contentSize(issue: Partial<Issue>): number {
  return TEXT_FIELDS.reduce(
    (n, f) => n + Buffer.byteLength((issue[f] as string | undefined) ?? "", "utf8"),
    0,
  );
}

/** The first sentence (or line) of a text, cut at a word boundary under `max` characters. */
function firstSentence(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const end = flat.search(/[.!?](\s|$)/);
  const sentence = end >= 0 ? flat.slice(0, end + 1) : flat;
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The first paragraph of a text, cut under `max` characters. */
function firstParagraph(text: string, max: number): string {
  const para = text.trim().split(/\n\s*\n/)[0] ?? "";
  return para.length <= max ? para.replace(/\s+/g, " ").trim() : firstSentence(para, max);
}

/**
 * The mechanical summary: tier 1 keeps the description's first paragraph and the first
 * sentence of each other field; tier 2 keeps one sentence of whatever text there was.
 */
export function mechanicalSummary(issue: Partial<Issue>, tier: Tier): string {
  const lines: string[] = [];
  for (const f of TEXT_FIELDS) {
    const text = ((issue[f] as string | undefined) ?? "").trim();
    if (!text) continue;
    if (tier === 2) {
      lines.push(firstSentence(text, 160));
      break;
    }
    lines.push(f === "description" ? firstParagraph(text, 400) : `${LABEL[f]}: ${firstSentence(text, 160)}`);
  }
  return lines.join("\n");
}

/** Closed persistent beads a tier may compact now, oldest closed first. */
export async function compactionCandidates(
  store: Ledger,
  tier: Tier,
  days: number,
  now = new Date(),
): Promise<Candidate[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000).toISOString();
  const closed = await store.listIssues({
    statuses: ["closed"],
    closedBefore: cutoff,
    includeInfra: true,
    includeTemplates: true,
    sort: "closed",
    reverse: true,
  });
  return closed
    .filter((i) => (i.compaction_level ?? 0) === tier - 1 && i.closed_at)
    .map((i) => ({
      id: i.id,
      title: i.title,
      closed_at: i.closed_at!,
      age_days: Math.floor((now.getTime() - Date.parse(i.closed_at!)) / 86_400_000),
      content_size: contentSize(i),
      compaction_level: i.compaction_level ?? 0,
    }))
    .sort((a, b) => a.closed_at.localeCompare(b.closed_at));
}

/** Why a bead may not be compacted at a tier now; undefined when it may. */
export function ineligibility(issue: Issue, tier: Tier, days: number, now = new Date()): string | undefined {
  if (issue.status !== "closed") return `issue is not closed (status: ${issue.status})`;
  if (!issue.closed_at) return "issue has no closed_at timestamp";
  const level = issue.compaction_level ?? 0;
  if (tier === 1 && level >= 1) return "already compacted at tier 1 or higher";
  if (tier === 2 && level >= 2) return "already compacted at tier 2";
  if (tier === 2 && level < 1) return "must be tier 1 compacted first";
  const closedDays = (now.getTime() - Date.parse(issue.closed_at)) / 86_400_000;
  if (closedDays < days) return `closed only ${Math.round(closedDays)} days ago (need ${days}+)`;
  return undefined;
}

/**
 * Replaces the bead's text fields with `summary` and records the compaction, in one
 * transaction. Refused (skipped) when the summary is not shorter than what it replaces,
 * unless `force`. `commit` is the git commit whose issues.jsonl holds the full text.
 */
export async function applyCompaction(
  store: Ledger,
  issue: Issue,
  opts: { tier: Tier; summary: string; actor: string; commit?: string; force?: boolean },
): Promise<CompactResult> {
  const original = contentSize(issue);
  const compacted = Buffer.byteLength(opts.summary, "utf8");
  const base = { id: issue.id, tier: opts.tier, original_size: original, compacted_size: compacted };
  if (!opts.force && compacted >= original)
    return {
      ...base,
      skipped: `summary (${compacted} bytes) is not shorter than original (${original} bytes)`,
    };
  // The compaction columns are written directly: the SQLite ledger's own database.
  if (!(store instanceof SqliteLedger))
    throw new ValidationError(`compaction is not available on a ${store.backend} ledger yet`);
  await store.batch(async () => {
    await store.updateIssue(
      issue.id,
      { description: opts.summary, design: null, notes: null, acceptance_criteria: null },
      opts.actor,
    );
    const now = new Date().toISOString();
    store.database.run(
      "UPDATE issues SET compaction_level = ?, compacted_at = ?, compacted_at_commit = ?, original_size = ?, updated_at = ? WHERE id = ?",
      opts.tier,
      now,
      opts.commit ?? null,
      // A second tier keeps the size of the text as it was before any compaction.
      issue.original_size && (issue.compaction_level ?? 0) > 0 ? issue.original_size : original,
      now,
      issue.id,
    );
    const saved = original - compacted;
    await store.addComment(
      issue.id,
      opts.actor,
      `Tier ${opts.tier} compaction: ${original} → ${compacted} bytes (saved ${saved})${opts.commit ? `; full text in issues.jsonl at ${opts.commit.slice(0, 12)}` : ""}`,
    );
  });
  return base;
}
