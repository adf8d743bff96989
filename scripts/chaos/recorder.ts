// Watches a round from the outside, by reading git's files (no process per look, so it can
// look often): every commit a polecat makes (the HEAD reflogs of the worktrees under
// <rig>/polecats/, the polecat branches of the rig's shared repo), and every position of
// each origin's main (its tip and its reflog, kept here even if the branch is deleted and
// its reflog with it).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RigInfo } from "./world.ts";

export interface ReflogEntry {
  old: string;
  new: string;
  who: string;
  message: string;
  /** The whole line (with its timestamp), which tells two equal moves apart. */
  raw: string;
}

export interface OriginHistory {
  /** Each distinct tip of main seen, in order; "" when the branch was missing. */
  tips: string[];
  /** Every reflog line seen, in order, deduplicated. */
  reflog: ReflogEntry[];
}

export interface PolecatCommit {
  sha: string;
  rig: string;
  /** Where it was seen: a worktree reflog line or a branch. */
  seen: string;
}

const ZERO = /^0+$/;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A ref of a git dir: the loose file, else packed-refs. */
export function readRef(gitDir: string, ref: string): string | undefined {
  const loose = read(join(gitDir, ref))?.trim();
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = read(join(gitDir, "packed-refs"));
  if (!packed) return undefined;
  for (const line of packed.split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return undefined;
}

export function parseReflog(text: string): ReflogEntry[] {
  const out: ReflogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const tab = line.indexOf("\t");
    const head = tab >= 0 ? line.slice(0, tab) : line;
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (.*?) <[^>]*> \d+ [+-]\d{4}$/.exec(head);
    if (!m) continue;
    out.push({ old: m[1]!, new: m[2]!, who: m[3]!, message: tab >= 0 ? line.slice(tab + 1) : "", raw: line });
  }
  return out;
}

function walkRefs(dir: string, prefix: string, out: Array<[string, string]>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) walkRefs(p, `${prefix}/${e}`, out);
      else {
        const sha = read(p)?.trim();
        if (sha && /^[0-9a-f]{40}$/.test(sha)) out.push([`${prefix}/${e}`, sha]);
      }
    } catch {
      // moved while we looked
    }
  }
}

export class Recorder {
  readonly commits = new Map<string, PolecatCommit>();
  readonly origins = new Map<string, OriginHistory>();
  private readonly seenReflog = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  polls = 0;

  private readonly rigs: RigInfo[];

  constructor(rigs: RigInfo[]) {
    this.rigs = rigs;
    for (const r of rigs) {
      this.origins.set(r.name, { tips: [r.initialMain], reflog: [] });
      this.seenReflog.set(r.name, new Set());
    }
  }

  start(intervalMs = 150): void {
    this.stop();
    this.timer = setInterval(() => this.poll(), intervalMs);
    this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private note(sha: string, rig: string, seen: string): void {
    if (!this.commits.has(sha)) this.commits.set(sha, { sha, rig, seen });
  }

  poll(): void {
    this.polls++;
    for (const r of this.rigs) {
      const bare = join(r.dir, ".repo.git");
      // Worktrees of the shared repo that are polecats' sandboxes: their HEAD reflogs.
      const wtRoot = join(bare, "worktrees");
      if (existsSync(wtRoot)) {
        for (const admin of readdirSync(wtRoot)) {
          const gitdir = read(join(wtRoot, admin, "gitdir"))?.trim() ?? "";
          if (!gitdir.includes("/polecats/")) continue;
          const log = read(join(wtRoot, admin, "logs", "HEAD"));
          if (!log) continue;
          for (const e of parseReflog(log)) {
            if (/^commit/.test(e.message)) this.note(e.new, r.name, `${gitdir} ${e.message}`);
          }
        }
      }
      // Polecat branches in the shared repo (loose and packed).
      const refs: Array<[string, string]> = [];
      walkRefs(join(bare, "refs", "heads", "polecat"), "refs/heads/polecat", refs);
      for (const line of (read(join(bare, "packed-refs")) ?? "").split("\n")) {
        const [sha, name] = line.split(" ");
        if (sha && name?.startsWith("refs/heads/polecat/")) refs.push([name, sha]);
      }
      for (const [name, sha] of refs) if (sha !== r.initialMain) this.note(sha, r.name, name);
      // Origin's main.
      const hist = this.origins.get(r.name)!;
      const tip = readRef(r.origin, "refs/heads/main") ?? "";
      if (hist.tips[hist.tips.length - 1] !== tip) hist.tips.push(tip);
      const seen = this.seenReflog.get(r.name)!;
      for (const e of parseReflog(read(join(r.origin, "logs", "refs", "heads", "main")) ?? "")) {
        if (seen.has(e.raw)) continue;
        seen.add(e.raw);
        hist.reflog.push(e);
      }
    }
  }
}

export function isZero(sha: string): boolean {
  return ZERO.test(sha);
}
