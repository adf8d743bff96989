// Creating issues: IDs (hash, counter, dotted children; wisps get their own `-wisp`
// partition), one issue with its labels and edges, or a whole batch (a molecule's pour).
import { ConflictError, ValidationError } from "../../errors.ts";
import { DEFAULT_ID_LENGTH, generateId, hashLengthFor, type IdLengthConfig, idSeed } from "../ids.ts";
import { childDepth, type Issue, MAX_CHILD_DEPTH, NON_BLOCKING_STATUSES } from "../model.ts";
import { buildIssue, checkCreateInput, explicitIdProblem } from "../sql/create.ts";
import { likeEscape } from "../sql/filters.ts";
import { INSERT_ISSUE_SQL, issueToParams } from "../sql/rows.ts";
import type { CreateIssueInput } from "../store.ts";
import { checkImportedIssue, parseList, validateDepType } from "../validate.ts";
import type { LedgerContext } from "./context.ts";
import { addDependencyRow, INSERT_DEPENDENCY_SQL, insertDependency } from "./dependencies.ts";

function idLengthConfig(c: LedgerContext): IdLengthConfig {
  const num = (k: string, d: number) => {
    const v = c.getConfig(k);
    return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : d;
  };
  return {
    minLength: num("min_hash_length", DEFAULT_ID_LENGTH.minLength),
    maxLength: num("max_hash_length", DEFAULT_ID_LENGTH.maxLength),
    maxCollisionProb: num("max_collision_prob", DEFAULT_ID_LENGTH.maxCollisionProb),
  };
}

function newId(c: LedgerContext, input: CreateIssueInput, actor: string, createdAt: Date): string {
  const base = c.prefix();
  const prefix = input.ephemeral ? `${base}-wisp` : base;
  if (!input.ephemeral && c.getConfig("issue_id_mode") === "counter") {
    const next =
      Number(
        c.db.get<{ n: number }>("SELECT last_id AS n FROM issue_counter WHERE prefix = ?", prefix)?.n ?? 0,
      ) + 1;
    c.db.run(c.sql.upsert("issue_counter", ["prefix", "last_id"], ["prefix"], ["last_id"]), prefix, next);
    let id = `${prefix}-${next}`;
    for (let n = next; c.exists(id); n++) id = `${prefix}-${n + 1}`;
    return id;
  }
  // Count top-level IDs of this partition; dotted children do not use up hash space.
  const count = Number(
    c.db.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM issues WHERE ephemeral = ? AND ${c.sql.undotted("id")}`,
      input.ephemeral ? 1 : 0,
    )?.n ?? 0,
  );
  const cfg = idLengthConfig(c);
  const seed = idSeed(input.title, input.description ?? "", actor, createdAt);
  return generateId(prefix, seed, hashLengthFor(count, cfg), c.exists, cfg);
}

function nextChildId(c: LedgerContext, parentId: string): string {
  if (childDepth(parentId) + 1 > MAX_CHILD_DEPTH) {
    throw new ValidationError(`maximum hierarchy depth (${MAX_CHILD_DEPTH}) exceeded for parent ${parentId}`);
  }
  const stored = Number(
    c.db.get<{ n: number }>("SELECT last_child AS n FROM child_counters WHERE parent_id = ?", parentId)?.n ??
      0,
  );
  let highest = stored;
  const esc = likeEscape(parentId);
  for (const id of c.db.column<string>("SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\'", `${esc}.%`)) {
    const rest = id.slice(parentId.length + 1);
    if (/^\d+$/.test(rest)) highest = Math.max(highest, Number(rest));
  }
  const next = highest + 1;
  c.db.run(
    c.sql.upsert("child_counters", ["parent_id", "last_child"], ["parent_id"], ["last_child"]),
    parentId,
    next,
  );
  return `${parentId}.${next}`;
}

function checkExplicitId(c: LedgerContext, id: string, force: boolean | undefined): void {
  const problem = explicitIdProblem(id, c.prefix(), parseList(c.getConfig("allowed_prefixes")), force);
  if (problem) throw new ValidationError(problem);
  if (c.exists(id)) throw new ConflictError("exists", `issue ${id} already exists`);
}

export function createIssue(c: LedgerContext, input: CreateIssueInput, actor: string): Issue {
  const checked = checkCreateInput(input, c.vocab);
  const labels = checked.labels;
  return c.write(() => {
    const created = c.clock();
    const now = created.toISOString();
    let parentId: string | undefined;
    if (input.parent) {
      parentId = c.resolveId(input.parent);
      // A child of a wisp is a wisp too: it lives and dies with its parent.
      if (!input.ephemeral && c.getIssue(parentId)?.ephemeral) input = { ...input, ephemeral: true };
    }
    let id: string;
    if (input.id) {
      checkExplicitId(c, input.id, input.force);
      id = input.id;
    } else if (parentId) {
      id = nextChildId(c, parentId);
    } else {
      id = newId(c, input, actor, created);
    }
    const issue = buildIssue(input, id, checked, now, actor);
    c.db.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
    c.event(id, "created", actor, null, null);
    const allLabels = new Set(labels);
    if (parentId) {
      if (input.inheritLabels !== false) for (const l of c.labels(parentId)) allLabels.add(l);
      insertDependency(c, { issue_id: id, depends_on_id: parentId, type: "parent-child" }, actor, now);
    }
    for (const l of allLabels) c.db.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), id, l);
    for (const d of input.deps ?? []) {
      const target = c.resolveTarget(d.depends_on_id);
      addDependencyRow(c, { issue_id: id, depends_on_id: target, type: d.type }, actor, now);
    }
    for (const d of input.dependents ?? []) {
      const source = c.resolveId(d.issue_id);
      addDependencyRow(c, { issue_id: source, depends_on_id: id, type: d.type }, actor, now);
    }
    c.blocking.touch(id);
    return c.getIssue(id)!;
  });
}

/** Bulk create; local IDs resolve (partial allowed); other prefixes and `external:` stay as given. */
export function createIssues(c: LedgerContext, issues: Issue[], actor: string): Issue[] {
  return c.write(() => {
    const now = c.now();
    const checked = issues.map((raw) => {
      try {
        return checkImportedIssue(raw as unknown as Record<string, unknown>, c.vocab, now);
      } catch (e) {
        throw new ValidationError(`${typeof raw?.id === "string" ? raw.id : "?"}: ${(e as Error).message}`);
      }
    });
    const ids = new Set<string>();
    for (const { issue } of checked) {
      if (ids.has(issue.id) || c.getIssue(issue.id))
        throw new ConflictError("exists", `issue ${issue.id} already exists`);
      ids.add(issue.id);
    }
    for (const { issue, labels } of checked) {
      c.db.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
      c.event(issue.id, "created", actor, null, null);
      for (const l of labels) c.db.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), issue.id, l);
    }
    // is_blocked for the batch, worked out here (one UPDATE) rather than row by row: a new
    // bead is blocked by an open blocks target or a blocked parent; waits-for is settled.
    const byId = new Map(checked.map((x) => [x.issue.id, x]));
    const done = (status: string | undefined) =>
      status === undefined || NON_BLOCKING_STATUSES.includes(status);
    const blocked = new Map<string, boolean>();
    const isBlocked = (id: string): boolean => {
      const known = blocked.get(id);
      if (known !== undefined) return known;
      blocked.set(id, false); // a parent loop cannot recurse forever
      const one = byId.get(id)!;
      let b = false;
      if (!done(one.issue.status))
        for (const d of one.dependencies) {
          const inBatch = byId.get(d.depends_on_id);
          if (d.type === "blocks" || d.type === "conditional-blocks")
            b ||= !done(inBatch ? inBatch.issue.status : c.getIssue(d.depends_on_id)?.status);
          else if (d.type === "parent-child")
            b ||= inBatch
              ? isBlocked(d.depends_on_id)
              : c.db.get<{ b: number }>("SELECT is_blocked AS b FROM issues WHERE id = ?", d.depends_on_id)
                  ?.b === 1;
          else if (d.type === "waits-for") c.blocking.touch(id);
        }
      blocked.set(id, b);
      return b;
    };
    for (const { issue, dependencies } of checked) {
      for (const d of dependencies) {
        if (d.depends_on_id === issue.id)
          throw new ValidationError(`cannot add self-dependency: ${issue.id} cannot depend on itself`);
        const target = ids.has(d.depends_on_id) ? d.depends_on_id : c.resolveTarget(d.depends_on_id);
        c.db.run(
          INSERT_DEPENDENCY_SQL,
          issue.id,
          target,
          validateDepType(d.type),
          d.created_at ?? now,
          d.created_by ?? actor,
          d.metadata ?? null,
          d.thread_id ?? null,
        );
      }
    }
    const blockedIds = checked.map((x) => x.issue.id).filter(isBlocked);
    c.db.run(`UPDATE issues SET is_blocked = 1 WHERE ${c.sql.inList("id")}`, c.sql.listParam(blockedIds));
    c.blocking.settle();
    return checked.map((x) => x.issue);
  });
}
