// bd rules: a look over an agent's rule files (.claude/rules/*.md by default), as beads
// does it: each file's **Do:** and **Don't:** lines and keywords; pairs about the same
// things (keyword Jaccard similarity) whose directives pull against each other; groups
// similar enough to merge, and the merged file (directives deduplicated, sources named).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";

export interface RuleFile {
  path: string;
  name: string;
  title: string;
  do_lines: string[];
  dont_lines: string[];
  body?: string;
  keywords: string[];
  tokens: number;
}

export interface Contradiction {
  rule_a: string;
  rule_b: string;
  tension: string;
  do_line_a: string;
  dont_line_b: string;
  scope_score: number;
}

export interface MergeCandidate {
  group_label: string;
  rules: string[];
  score: number;
}

export interface AuditResult {
  total_rules: number;
  token_estimate: number;
  contradictions: Contradiction[];
  merge_candidates: MergeCandidate[];
  rules: RuleFile[];
}

const STOP = new Set(
  "the a is to for and or in of it that this with be not do don't use when before after should must always never an are as at by from has have if on was were will you your".split(
    " ",
  ),
);

/** Words whose "do" in one rule clashes with the other's "do". */
const OPPOSITES: Record<string, string[]> = {
  block: ["proceed", "parallel"],
  proceed: ["block"],
  parallel: ["block"],
  verbose: ["minimize", "concise"],
  minimize: ["verbose"],
  concise: ["verbose"],
  spawn: ["reuse"],
  reuse: ["spawn"],
  wait: ["skip"],
  skip: ["wait"],
  log: ["suppress"],
  suppress: ["log"],
};

const words = (s: string) => s.split(/[^\p{L}\p{N}']+/u).filter(Boolean);

function keywordsOf(lines: string[]): string[] {
  const set = new Set<string>();
  for (const line of lines)
    for (const w of words(line)) {
      const lw = w.toLowerCase();
      if (lw.length >= 2 && !STOP.has(lw)) set.add(lw);
    }
  return [...set].sort();
}

/** The **Do:** / **Don't:** directives of a rule file, with the list items and lines under each. */
function directives(content: string): { doLines: string[]; dontLines: string[] } {
  const doLines: string[] = [];
  const dontLines: string[] = [];
  let block: "do" | "dont" | undefined;
  for (const line of content.split("\n")) {
    const t = line.trim();
    const dont = /^\*\*Don'?t:?\*\*:?\s*(.*)/i.exec(line);
    const dos = /^\*\*Do:?\*\*:?\s*(.*)/i.exec(line);
    if (dont || dos) {
      block = dont ? "dont" : "do";
      const text = (dont ?? dos)![1]!.trim();
      if (text) (block === "do" ? doLines : dontLines).push(text);
      continue;
    }
    if (!block) continue;
    if (t === "" || t.startsWith("#") || t.startsWith("**")) {
      block = undefined;
      continue;
    }
    const text = t.replace(/^[-*]\s*/, "").trim();
    if (text) (block === "do" ? doLines : dontLines).push(text);
  }
  return { doLines, dontLines };
}

export function parseRuleFile(path: string): RuleFile {
  const body = readFileSync(path, "utf8");
  const name = basename(path).replace(/\.md$/, "");
  const { doLines, dontLines } = directives(body);
  const all = [...doLines, ...dontLines];
  return {
    path,
    name,
    title: /^#\s+(.+)/m.exec(body)?.[1]?.trim() ?? name,
    do_lines: doLines,
    dont_lines: dontLines,
    body,
    keywords: keywordsOf(all.length > 0 ? all : [body]),
    tokens: Math.floor(body.length / 4),
  };
}

export function jaccard(a: string[], b: string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  const union = new Set([...A, ...B]).size;
  if (union === 0) return 0;
  let both = 0;
  for (const w of A) if (B.has(w)) both++;
  return both / union;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

function actionWords(lines: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of lines)
    for (const w of words(line)) {
      const lw = w.toLowerCase();
      if (lw.length >= 2 && !STOP.has(lw) && !m.has(lw)) m.set(lw, line);
    }
  return m;
}

function clash(a: RuleFile, b: RuleFile, score: number): Contradiction | undefined {
  const report = (l1: string, l2: string): Contradiction => ({
    rule_a: `${a.name}.md`,
    rule_b: `${b.name}.md`,
    tension: clip(`"${clip(l1, 40)}" vs "${clip(l2, 40)}"`, 60),
    do_line_a: l1,
    dont_line_b: l2,
    scope_score: score,
  });
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const dos = actionWords(x.do_lines);
    const donts = actionWords(y.dont_lines);
    for (const [w, line] of dos) {
      const other = donts.get(w);
      if (other) return report(line, other);
    }
  }
  const aDo = actionWords(a.do_lines);
  const bDo = actionWords(b.do_lines);
  for (const [w, line] of aDo)
    for (const opposite of OPPOSITES[w] ?? []) {
      const other = bDo.get(opposite);
      if (other) return report(line, other);
    }
  return undefined;
}

/** The keyword most of the group's rules share (ties: alphabetical). */
export function groupLabel(rules: RuleFile[]): string {
  const freq = new Map<string, number>();
  for (const r of rules) for (const k of r.keywords) freq.set(k, (freq.get(k) ?? 0) + 1);
  let best = "rules";
  let count = 0;
  for (const [w, c] of freq)
    if (c > count || (c === count && w < best)) {
      best = w;
      count = c;
    }
  return best;
}

function mergeCandidates(rules: RuleFile[], threshold: number): MergeCandidate[] {
  const parent = rules.map((_, i) => i);
  const find = (x: number): number => {
    if (parent[x] !== x) parent[x] = find(parent[x]!);
    return parent[x]!;
  };
  for (let i = 0; i < rules.length; i++)
    for (let j = i + 1; j < rules.length; j++)
      if (jaccard(rules[i]!.keywords, rules[j]!.keywords) >= threshold) parent[find(i)] = find(j);
  const groups = new Map<number, RuleFile[]>();
  rules.forEach((r, i) => {
    groups.set(find(i), [...(groups.get(find(i)) ?? []), r]);
  });
  const out: MergeCandidate[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < members.length; i++)
      for (let j = i + 1; j < members.length; j++) {
        total += jaccard(members[i]!.keywords, members[j]!.keywords);
        pairs++;
      }
    out.push({
      group_label: groupLabel(members),
      rules: members.map((m) => `${m.name}.md`).sort(),
      score: round2(pairs ? total / pairs : 0),
    });
  }
  return out.sort((a, b) => b.score - a.score);
}

export function auditRules(dir: string, threshold: number): AuditResult {
  const rules =
    existsSync(dir) && statSync(dir).isDirectory()
      ? readdirSync(dir)
          .filter((n) => n.endsWith(".md") && statSync(join(dir, n)).isFile())
          .sort()
          .map((n) => parseRuleFile(join(dir, n)))
      : [];
  const contradictions: Contradiction[] = [];
  for (let i = 0; i < rules.length; i++)
    for (let j = i + 1; j < rules.length; j++) {
      const score = jaccard(rules[i]!.keywords, rules[j]!.keywords);
      if (score < 0.3) continue;
      const c = clash(rules[i]!, rules[j]!, score);
      if (c) contradictions.push(c);
    }
  return {
    total_rules: rules.length,
    token_estimate: rules.reduce((n, r) => n + r.tokens, 0),
    contradictions,
    merge_candidates: rules.length < 2 ? [] : mergeCandidates(rules, threshold),
    rules,
  };
}

/** One rule file made of several: every distinct Do and Don't line, and where they came from. */
export function mergeRules(rules: RuleFile[], label: string): string {
  const uniq = (lines: string[]) => [...new Set(lines.map((l) => l.trim()).filter(Boolean))];
  const dos = uniq(rules.flatMap((r) => r.do_lines));
  const donts = uniq(rules.flatMap((r) => r.dont_lines));
  const title = label.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
  let out = `# ${title}\n`;
  if (dos.length) out += `**Do:** ${dos.join(". ")}\n`;
  if (donts.length) out += `**Don't:** ${donts.join(". ")}\n`;
  return `${out}\nSource rules: ${rules.map((r) => `${r.name}.md`).join(", ")}\n`;
}
