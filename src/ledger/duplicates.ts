// Duplicate issues, as beads finds them: `bd duplicates` groups issues whose content is the
// same (title, description, design, acceptance criteria) within one status and can merge each
// group into its most referenced issue; `bd find-duplicates` scores pairs by how many words
// their title and description share (the mean of the weighted Jaccard and cosine measures).
import { lazyCrypto } from "../lazy.ts";
import type { Issue, IssueWithCounts } from "./model.ts";
import type { LedgerStore } from "./store.ts";

export interface DuplicateMember {
  issue: IssueWithCounts;
  /** Other issues whose text names this one. */
  references: number;
  /** Issues depending on it, and those it depends on (every edge type). */
  dependents: number;
  dependencies: number;
}

export interface DuplicateGroup {
  title: string;
  members: DuplicateMember[];
  target: string;
  sources: string[];
}

const contentKey = (i: Issue) =>
  lazyCrypto()
    .createHash("sha256")
    .update([i.status, i.title, i.description ?? "", i.design ?? "", i.acceptance_criteria ?? ""].join("\0"))
    .digest("hex");

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Groups of two or more issues with the same content and status, each with the issue to keep:
 * the most referenced (by text, then by weight: dependents count three times, dependencies
 * once), then the smallest ID. `all` is every issue the references are counted in.
 */
export function duplicateGroups(all: IssueWithCounts[]): DuplicateGroup[] {
  const byKey = new Map<string, IssueWithCounts[]>();
  for (const i of all) {
    // Already merged (by bd duplicate or an earlier --auto-merge): not a duplicate to report again.
    if (i.status === "closed" && i.close_reason?.startsWith("Duplicate of ")) continue;
    const key = contentKey(i);
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  }
  const groups = [...byKey.values()].filter((g) => g.length > 1);
  if (groups.length === 0) return [];
  const dependents = new Map<string, number>();
  for (const i of all)
    for (const d of i.dependencies ?? [])
      dependents.set(d.depends_on_id, (dependents.get(d.depends_on_id) ?? 0) + 1);
  const texts = all.map((i) => ({
    id: i.id,
    text: [i.title, i.description, i.design, i.acceptance_criteria, i.notes].join("\n"),
  }));
  const references = (id: string) => {
    const re = new RegExp(`(^|[^\\w.-])${escapeRe(id)}(?![\\w-]|\\.\\w)`);
    return texts.filter((t) => t.id !== id && re.test(t.text)).length;
  };
  return groups
    .map((g) => {
      const members = g
        .map((issue) => ({
          issue,
          references: references(issue.id),
          dependents: dependents.get(issue.id) ?? 0,
          dependencies: issue.dependencies?.length ?? 0,
        }))
        .sort((a, b) => (a.issue.id < b.issue.id ? -1 : a.issue.id > b.issue.id ? 1 : 0));
      const weight = (m: DuplicateMember) => m.dependents * 3 + m.dependencies;
      const target = members.reduce((best, m) =>
        m.references > best.references || (m.references === best.references && weight(m) > weight(best))
          ? m
          : best,
      );
      return {
        title: g[0]!.title,
        members,
        target: target.issue.id,
        sources: members.filter((m) => m !== target).map((m) => m.issue.id),
      };
    })
    .sort((a, b) => (a.target < b.target ? -1 : 1));
}

export interface MergeResult {
  target: string;
  closed: string[];
  linked: string[];
  reparented: string[];
}

/**
 * Merges duplicates into `target`: their children move to it, each is closed as a duplicate
 * and linked to it (`related`). Each step is its own ledger write, so a failure leaves the
 * ones before it done and is reported by the thrown error.
 */
export async function mergeDuplicates(
  store: LedgerStore,
  target: string,
  sources: string[],
  actor: string,
): Promise<MergeResult> {
  const out: MergeResult = { target, closed: [], linked: [], reparented: [] };
  for (const source of sources) {
    for (const child of await store.dependentRecords(source, "parent-child")) {
      await store.removeDependency(child.issue_id, source, actor);
      await store.addDependency(
        { issue_id: child.issue_id, depends_on_id: target, type: "parent-child" },
        actor,
      );
      out.reparented.push(child.issue_id);
    }
    // Two closed issues of the same content are a group too: only the link is new for them.
    if ((await store.getIssue(source))?.status !== "closed") {
      await store.closeIssue(source, { reason: `Duplicate of ${target}`, force: true }, actor);
      out.closed.push(source);
    }
    await store.addDependency({ issue_id: source, depends_on_id: target, type: "related" }, actor);
    out.linked.push(source);
  }
  return out;
}

export interface SimilarPair {
  a: Issue;
  b: Issue;
  similarity: number;
}

/** Lower-cased words of two or more characters (letters, digits, hyphens), counted. */
function words(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of text.toLowerCase().split(/[^\p{L}\p{N}-]+/u))
    if (w.length > 1) out.set(w, (out.get(w) ?? 0) + 1);
  return out;
}

function jaccard(a: Map<string, number>, b: Map<string, number>): number {
  let shared = 0;
  let union = 0;
  for (const [w, n] of a) {
    const m = b.get(w) ?? 0;
    shared += Math.min(n, m);
    union += Math.max(n, m);
  }
  for (const [w, m] of b) if (!a.has(w)) union += m;
  return union === 0 ? 0 : shared / union;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [w, n] of a) {
    na += n * n;
    dot += n * (b.get(w) ?? 0);
  }
  for (const m of b.values()) nb += m * m;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Pairs at least `threshold` similar (0..1), most similar first. */
export function similarPairs(issues: Issue[], threshold: number): SimilarPair[] {
  const tokens = issues.map((i) => words(`${i.title} ${i.description ?? ""}`));
  const pairs: SimilarPair[] = [];
  for (let x = 0; x < issues.length; x++) {
    for (let y = x + 1; y < issues.length; y++) {
      const similarity = (jaccard(tokens[x]!, tokens[y]!) + cosine(tokens[x]!, tokens[y]!)) / 2;
      if (similarity >= threshold) pairs.push({ a: issues[x]!, b: issues[y]!, similarity });
    }
  }
  return pairs.sort((p, q) => q.similarity - p.similarity || (p.a.id < q.a.id ? -1 : 1));
}
