// What must hold after every round, however the kills fell. Each check is counted; each
// failure is a violation with enough detail to find it again in a kept town.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { BD, git, run } from "./exec.ts";
import { isZero, type Recorder } from "./recorder.ts";
import type { World } from "./world.ts";

export const INVARIANTS = {
  a: "ledgers intact: integrity_check ok, issues.jsonl parses and matches the database (ids, status)",
  b: "every bead closed, or on exactly one hook (a polecat with a sandbox), or open",
  c: "no merge request marked merged whose commit is not on its target branch on origin",
  d: "every polecat commit reachable from a ref (origin's or the rig's .repo.git), or landed on main",
  e: "origin's main moved only forward, only by the refinery, and was never deleted",
  f: "the convoy landed, every bead's work on main",
} as const;

/** The same, short, for the table of figures. */
export const INVARIANT_LABELS: Record<keyof typeof INVARIANTS, string> = {
  a: "ledgers intact, issues.jsonl = database",
  b: "each bead closed, open or on one live hook",
  c: "merged means on the target branch",
  d: "no polecat commit lost",
  e: "main moved forward, by the refinery only",
  f: "the convoy landed, all work on main",
};

export type InvariantKey = keyof typeof INVARIANTS;
export const INVARIANT_KEYS = Object.keys(INVARIANTS) as InvariantKey[];

export interface Violation {
  inv: InvariantKey;
  detail: string;
}

export class Tally {
  readonly checks: Record<InvariantKey, number> = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 };
  readonly violations: Violation[] = [];
  /** Things worth knowing that are not violations (how work survived). */
  readonly notes: string[] = [];

  check(inv: InvariantKey, ok: boolean, detail: () => string): boolean {
    this.checks[inv]++;
    if (!ok) this.violations.push({ inv, detail: detail() });
    return ok;
  }
}

interface Row {
  id: string;
  status: string;
  issue_type: string;
  assignee: string | null;
  ephemeral: number;
  is_template: number;
  close_reason: string | null;
  metadata: Record<string, unknown>;
}

const DEFAULT_INFRA = ["agent", "rig", "role", "message"];

/** Every issue of a ledger, read straight from its SQLite file (read-only). */
export function readLedger(beadsDir: string): { rows: Row[]; infra: string[] } {
  const db = new DatabaseSync(join(beadsDir, "beads.db"), { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    const cfg = db.prepare("SELECT value FROM config WHERE key = 'types.infra'").get() as
      | { value: string }
      | undefined;
    const infra = cfg ? cfg.value.split(",").map((s) => s.trim()) : DEFAULT_INFRA;
    const rows = (
      db
        .prepare(
          "SELECT id, status, issue_type, assignee, ephemeral, is_template, close_reason, metadata FROM issues",
        )
        .all() as Array<Omit<Row, "metadata"> & { metadata: string | null }>
    ).map((r) => ({ ...r, metadata: parseMeta(r.metadata) }));
    return { rows, infra };
  } finally {
    db.close();
  }
}

function parseMeta(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function integrity(dbFile: string): string {
  try {
    const db = new DatabaseSync(dbFile, { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 10000");
      const rows = db.prepare("PRAGMA integrity_check").all() as Array<Record<string, unknown>>;
      return rows.map((r) => String(Object.values(r)[0])).join("; ");
    } finally {
      db.close();
    }
  } catch (e) {
    return `cannot open: ${(e as Error).message}`;
  }
}

function readJsonl(path: string): { lines: Map<string, string>; bad: string[] } {
  const lines = new Map<string, string>();
  const bad: string[] = [];
  if (!existsSync(path)) return { lines, bad: ["(no issues.jsonl)"] };
  const text = readFileSync(path, "utf8");
  for (const [i, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { _type?: string; id?: unknown; status?: unknown };
      if (rec._type !== undefined && rec._type !== "issue") continue;
      if (typeof rec.id !== "string") {
        bad.push(`line ${i + 1}: no id`);
        continue;
      }
      if (lines.has(rec.id)) bad.push(`line ${i + 1}: ${rec.id} twice`);
      lines.set(rec.id, String(rec.status));
    } catch {
      bad.push(`line ${i + 1}: not JSON: ${line.slice(0, 60)}`);
    }
  }
  return { lines, bad };
}

/** What differs between a ledger's issues.jsonl and its database ("" when they agree). */
function jsonlDiff(beadsDir: string): { bad: string[]; diff: string } {
  const path = join(beadsDir, "issues.jsonl");
  // A write landing between the two reads would make them disagree; read until stable.
  let jsonl = readJsonl(path);
  let db = readLedger(beadsDir);
  for (let i = 0; i < 3; i++) {
    const again = readJsonl(path);
    if (JSON.stringify([...again.lines]) === JSON.stringify([...jsonl.lines])) break;
    jsonl = again;
    db = readLedger(beadsDir);
  }
  const exported = db.rows.filter((r) => !r.ephemeral && !r.is_template && !db.infra.includes(r.issue_type));
  const missing = exported
    .filter((r) => !jsonl.lines.has(r.id))
    .map((r) => `${r.id} (${r.issue_type}, ${r.status})`);
  const inDb = new Set(db.rows.map((r) => r.id));
  const extra = [...jsonl.lines.keys()].filter((id) => !inDb.has(id));
  const wrong = db.rows
    .filter((r) => jsonl.lines.has(r.id) && jsonl.lines.get(r.id) !== r.status)
    .map((r) => `${r.id} db ${r.status} / jsonl ${jsonl.lines.get(r.id)}`);
  const pending = existsSync(`${path}.pending`) ? " (issues.jsonl.pending present)" : "";
  const parts = [
    missing.length ? `missing ${missing.join(", ")}` : "",
    extra.length ? `not in the database ${extra.join(", ")}` : "",
    wrong.length ? `status differs ${wrong.join(", ")}` : "",
  ].filter(Boolean);
  return { bad: jsonl.bad, diff: parts.length ? `${parts.join("; ")}${pending}` : "" };
}

/**
 * (a) for one ledger: the database is sound and the JSONL says what the database says. A
 * JSONL behind the database is given one `bd list` (any bd command catches up an export a
 * kill interrupted, by design); only a difference that survives it is a violation.
 */
async function checkLedger(t: Tally, w: World, name: string, beadsDir: string): Promise<void> {
  const ic = integrity(join(beadsDir, "beads.db"));
  t.check("a", ic === "ok", () => `${name}: integrity_check says ${ic}`);
  let d = jsonlDiff(beadsDir);
  if (d.diff) {
    const first = d.diff;
    await run(BD, ["list", "--json", "--limit", "1"], {
      cwd: dirname(beadsDir),
      env: w.env,
      timeoutMs: 30_000,
    });
    d = jsonlDiff(beadsDir);
    if (!d.diff) t.notes.push(`${name}: issues.jsonl caught up on the next bd command (was: ${first})`);
  }
  t.check("a", d.bad.length === 0, () => `${name}: issues.jsonl has bad lines: ${d.bad.join(", ")}`);
  t.check("a", d.diff === "", () => `${name}: issues.jsonl does not match the database: ${d.diff}`);
}

async function isAncestor(repo: string, a: string, b: string): Promise<boolean> {
  return (await git(repo, ["merge-base", "--is-ancestor", a, b])).code === 0;
}

async function hasCommit(repo: string, sha: string): Promise<boolean> {
  return (await git(repo, ["cat-file", "-e", `${sha}^{commit}`])).code === 0;
}

async function onSomeRef(repo: string, sha: string): Promise<string | undefined> {
  if (!(await hasCommit(repo, sha))) return undefined;
  const r = await git(repo, ["for-each-ref", "--contains", sha, "--count=1", "--format=%(refname)"]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

async function patchId(repo: string, sha: string): Promise<string | undefined> {
  const r = await run("sh", ["-c", `git show --no-color ${sha} | git patch-id --stable`], {
    cwd: repo,
    env: process.env,
    timeoutMs: 30_000,
  });
  return r.stdout.trim().split(/\s+/)[0] || undefined;
}

async function mainPatchIds(origin: string): Promise<Set<string>> {
  const r = await run("sh", ["-c", "git log -p --no-color --no-merges main | git patch-id --stable"], {
    cwd: origin,
    env: process.env,
    timeoutMs: 60_000,
  });
  return new Set(
    r.stdout
      .split("\n")
      .map((l) => l.split(" ")[0])
      .filter((x): x is string => !!x),
  );
}

export interface UserRecord {
  /** Beads the user closed by hand (the bad bead, when not fixed). */
  closedByHand: Set<string>;
  /** Beads whose description the user fixed (the bad bead). */
  fixed: Set<string>;
}

/** Sandboxes a sling found damaged after switching them and reset (the event log says so). */
export function noteSandboxRepairs(w: World, t: Tally): void {
  const log = join(w.root, ".events.jsonl");
  if (!existsSync(log)) return;
  for (const line of readFileSync(log, "utf8").split("\n")) {
    if (!line.includes('"sandbox_repaired"')) continue;
    try {
      const e = JSON.parse(line) as { payload?: { rig?: string; polecat?: string; paths?: string[] } };
      t.notes.push(
        `sandbox repaired after a switch: ${e.payload?.rig}/polecats/${e.payload?.polecat} (${(e.payload?.paths ?? []).join(", ")})`,
      );
    } catch {
      // a torn last line: the log is append-only and a kill may cut it
    }
  }
}

export async function checkRound(w: World, rec: Recorder, user: UserRecord, t: Tally): Promise<void> {
  noteSandboxRepairs(w, t);
  // (a) every ledger of the town.
  await checkLedger(t, w, "town", join(w.root, ".beads"));
  const ledgers = new Map<string, Row[]>();
  for (const r of w.rigs) {
    await checkLedger(t, w, r.name, join(r.dir, ".beads"));
    ledgers.set(r.name, readLedger(join(r.dir, ".beads")).rows);
  }

  // (b) each work bead: closed, open, or hooked on one live sandbox's hook.
  for (const b of w.beads) {
    const rows = ledgers.get(b.rig)!;
    const row = rows.find((x) => x.id === b.id);
    t.check("b", row !== undefined, () => `${b.id} (${b.key}) is gone from the ${b.rig} ledger`);
    if (!row) continue;
    if (row.status === "closed" || row.status === "open") {
      t.checks.b++;
      continue;
    }
    if (row.status === "hooked") {
      const m = /^([^/]+)\/polecats\/([^/]+)$/.exec(row.assignee ?? "");
      const sandbox = m ? join(w.root, m[1]!, "polecats", m[2]!, m[1]!) : "";
      const others = rows.filter(
        (x) => x.status === "hooked" && x.assignee === row.assignee && x.id !== b.id,
      );
      t.check(
        "b",
        !!m && m[1] === b.rig && existsSync(join(sandbox, ".git")) && others.length === 0,
        () =>
          `${b.id} (${b.key}) is hooked on ${row.assignee || "(nobody)"}` +
          (!m
            ? ", which is not a polecat"
            : !existsSync(join(sandbox, ".git"))
              ? `, whose sandbox ${sandbox} is gone`
              : others.length
                ? `, which also holds ${others.map((o) => o.id).join(", ")}`
                : ""),
      );
      continue;
    }
    t.check("b", false, () => {
      const mr = row.metadata.merge_request;
      const mrRow = typeof mr === "string" ? rows.find((x) => x.id === mr) : undefined;
      return `${b.id} (${b.key}) is ${row.status}${row.assignee ? ` (assignee ${row.assignee})` : ""}${
        mrRow ? `; its merge request ${mrRow.id} is ${mrRow.status} ${mrRow.close_reason ?? ""}` : ""
      }: on no hook and not open`;
    });
  }

  // (c) merged means on the target.
  for (const r of w.rigs) {
    for (const row of ledgers.get(r.name)!) {
      const merged =
        row.issue_type === "merge-request"
          ? row.metadata.phase === "merged" || row.close_reason === "merged"
          : typeof row.metadata.merge_commit === "string" && row.status === "closed";
      if (!merged) continue;
      const commit = String(row.metadata.merge_commit ?? "");
      const target = String(row.metadata.target ?? "main") || "main";
      const ok =
        /^[0-9a-f]{40}$/.test(commit) && (await isAncestor(r.origin, commit, `refs/heads/${target}`));
      t.check(
        "c",
        ok,
        () =>
          `${r.name}: ${row.id} (${row.issue_type}) is marked merged as ${commit || "(no commit)"}, which is not on origin's ${target}`,
      );
    }
  }

  // (d) no polecat commit lost: on a ref somewhere, or its change landed on main.
  for (const r of w.rigs) {
    const bare = join(r.dir, ".repo.git");
    const shas = new Map<string, string>();
    for (const c of rec.commits.values()) if (c.rig === r.name) shas.set(c.sha, c.seen);
    for (const row of ledgers.get(r.name)!) {
      const sha = row.metadata.commit_sha;
      if (row.issue_type === "merge-request" && typeof sha === "string" && !shas.has(sha))
        shas.set(sha, `commit_sha of ${row.id}`);
    }
    let landed: Set<string> | undefined;
    for (const [sha, seen] of shas) {
      const ref = (await onSomeRef(bare, sha)) ?? (await onSomeRef(r.origin, sha));
      if (ref) {
        t.checks.d++;
        continue;
      }
      landed ??= await mainPatchIds(r.origin);
      const present = await hasCommit(bare, sha);
      const pid = present ? await patchId(bare, sha) : undefined;
      if (pid && landed.has(pid)) {
        t.checks.d++;
        t.notes.push(`${r.name}: polecat commit ${sha.slice(0, 8)} is on no ref; its change is on main`);
        continue;
      }
      t.check(
        "d",
        false,
        () =>
          `${r.name}: polecat commit ${sha.slice(0, 10)} (seen: ${seen}) is on no ref of origin or .repo.git and its change is not on main${present ? "" : " (the object is gone)"}`,
      );
    }
  }

  // (e) origin's main: forward only, by the refinery only, never deleted.
  for (const r of w.rigs) {
    const hist = rec.origins.get(r.name)!;
    const deleted = hist.tips.some((s) => s === "") || hist.reflog.some((e) => isZero(e.new));
    t.check(
      "e",
      !deleted,
      () =>
        `${r.name}: origin's main was deleted (tips seen: ${hist.tips.map((s) => s.slice(0, 8) || "(none)").join(" → ")})`,
    );
    const backwards: string[] = [];
    const tips = hist.tips.filter(Boolean);
    for (let i = 1; i < tips.length; i++)
      if (!(await isAncestor(r.origin, tips[i - 1]!, tips[i]!)))
        backwards.push(`${tips[i - 1]!.slice(0, 8)} → ${tips[i]!.slice(0, 8)}`);
    for (const e of hist.reflog)
      if (!isZero(e.old) && !isZero(e.new) && !(await isAncestor(r.origin, e.old, e.new)))
        backwards.push(`${e.old.slice(0, 8)} → ${e.new.slice(0, 8)} by ${e.who}`);
    t.check(
      "e",
      backwards.length === 0,
      () => `${r.name}: origin's main moved not forward: ${[...new Set(backwards)].join(", ")}`,
    );
    const refinery = `${r.name}/refinery`;
    const pushers = hist.reflog
      .filter((e) => e.who !== refinery)
      .map((e) => `${e.who} (${e.message || "?"} ${e.old.slice(0, 8)} → ${e.new.slice(0, 8)})`);
    // Every commit main gained must have come in a push of the refinery's (the reflog says
    // which commits each push brought); one that did not, and was not made by the refinery
    // either, came some other way.
    const pushed = new Set<string>();
    for (const e of hist.reflog) {
      if (e.who !== refinery || isZero(e.new)) continue;
      const range = isZero(e.old) ? [e.new, `^${r.initialMain}`] : [`${e.old}..${e.new}`];
      for (const sha of (await git(r.origin, ["rev-list", ...range])).stdout.split("\n"))
        if (sha) pushed.add(sha);
    }
    const log = await git(r.origin, ["log", "--format=%H %cn", `${r.initialMain}..refs/heads/main`]);
    const strangers = log.stdout
      .split("\n")
      .filter(Boolean)
      .filter((l) => !pushed.has(l.slice(0, 40)) && l.slice(41) !== refinery)
      .map((l) => `${l.slice(0, 8)} committed by ${l.slice(41)}`);
    t.check(
      "e",
      pushers.length === 0 && strangers.length === 0,
      () =>
        `${r.name}: main moved by someone other than ${refinery}: ${[...pushers, ...strangers].join(", ")}`,
    );
  }

  // (f) the convoy landed and every bead's work is on main.
  const town = readLedger(join(w.root, ".beads")).rows;
  const convoy = town.find((x) => x.id === w.convoy);
  t.check(
    "f",
    convoy?.status === "closed",
    () => `convoy ${w.convoy} did not land (${convoy?.status ?? "gone"})`,
  );
  for (const b of w.beads) {
    const row = ledgers.get(b.rig)!.find((x) => x.id === b.id);
    if (row?.status === "closed" && user.closedByHand.has(b.id)) {
      t.checks.f++;
      continue;
    }
    // The bead's merge commit, or its merged request's (a bead closed by hand after a refinery
    // died between closing the request and the bead has only the latter).
    const mergedMr = ledgers
      .get(b.rig)!
      .find(
        (x) =>
          x.issue_type === "merge-request" &&
          x.metadata.source_issue === b.id &&
          x.metadata.phase === "merged",
      );
    const merge =
      typeof row?.metadata.merge_commit === "string"
        ? row.metadata.merge_commit
        : typeof mergedMr?.metadata.merge_commit === "string"
          ? mergedMr.metadata.merge_commit
          : undefined;
    const origin = w.rigs.find((r) => r.name === b.rig)!.origin;
    const want = user.fixed.has(b.id) ? b.fixedContent! : b.content;
    let got: string | undefined;
    if (row?.status === "closed" && merge) {
      const r = await git(origin, ["show", `${merge}:${b.file}`]);
      got = r.code === 0 ? r.stdout.trim() : undefined;
    }
    const onMain =
      b.kind === "conflict"
        ? true
        : (await git(origin, ["show", `refs/heads/main:${b.file}`])).stdout.trim() === want;
    t.check(
      "f",
      row?.status === "closed" && got === want && onMain,
      () =>
        `${b.id} (${b.key}): ${row?.status !== "closed" ? `not closed (${row?.status ?? "gone"})` : !merge ? `closed (${row.close_reason ?? ""}) without a merge commit` : got !== want ? `its merge commit ${merge.slice(0, 8)} has ${b.file} = ${JSON.stringify(got)}, not ${JSON.stringify(want)}` : `main lacks ${b.file} = ${JSON.stringify(want)}`}`,
    );
  }
}
