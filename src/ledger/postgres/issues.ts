// Creating and changing issues in the PostgreSQL ledger, each function inside the caller's
// transaction (store.ts opens it): IDs, create and bulk create, update (with the caller's
// guard over a locked row), claim, close, reopen, delete, rename. The pure parts (checks,
// the row, the patch and its events, the rename's rewrite) are ../sql/, shared with SQLite.
import { ConflictError, NotFoundError, ValidationError } from "../../errors.ts";
import { DEFAULT_ID_LENGTH, hashLengthFor, type IdLengthConfig, idSeed, isValidPrefix } from "../ids.ts";
import { childDepth, type Issue, MAX_CHILD_DEPTH } from "../model.ts";
import { buildIssue, checkCreateInput, explicitIdProblem, idCandidates } from "../sql/create.ts";
import { likeEscape } from "../sql/filters.ts";
import { applyPatch, labelChanges, patchEvents } from "../sql/patch.ts";
import { CLOSE_BLOCKERS_SQL, DONE_STATUSES, OPEN_CHILDREN_SQL } from "../sql/reads.ts";
import { checkRename, MENTION_FIELDS, mentionLike, rewriteMentions } from "../sql/rename.ts";
import { INSERT_ISSUE_SQL, issueToParams, REPLACE_ISSUE_SQL, replaceParams } from "../sql/rows.ts";
import type { CloseOptions, CloseResult, CreateIssueInput, DeletePlan, IssuePatch } from "../store.ts";
import { checkImportedIssue, parseList, validateDepType } from "../validate.ts";
import type { PgContext } from "./context.ts";
import {
  addCommentRow,
  addDependencyRow,
  addLabelRow,
  INSERT_DEPENDENCY_SQL,
  insertDependency,
  removeLabelRow,
  reparent,
} from "./edges.ts";

async function idLengthConfig(c: PgContext): Promise<IdLengthConfig> {
  const cfg = await c.configMap();
  const num = (k: string, d: number) => {
    const v = cfg[k];
    return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : d;
  };
  return {
    minLength: num("min_hash_length", DEFAULT_ID_LENGTH.minLength),
    maxLength: num("max_hash_length", DEFAULT_ID_LENGTH.maxLength),
    maxCollisionProb: num("max_collision_prob", DEFAULT_ID_LENGTH.maxCollisionProb),
  };
}

async function newId(c: PgContext, input: CreateIssueInput, actor: string, createdAt: Date): Promise<string> {
  const base = await c.prefix();
  const prefix = input.ephemeral ? `${base}-wisp` : base;
  if (!input.ephemeral && (await c.getConfig("issue_id_mode")) === "counter") {
    // The counter row is locked by the upsert until commit: concurrent creates queue on it.
    const next = Number(
      (
        await c.q.get<{ n: string }>(
          "INSERT INTO issue_counter (prefix, last_id) VALUES (?, 1) ON CONFLICT (prefix) DO UPDATE SET last_id = issue_counter.last_id + 1 RETURNING last_id AS n",
          prefix,
        )
      )?.n,
    );
    let id = `${prefix}-${next}`;
    for (let n = next; await c.exists(id); n++) id = `${prefix}-${n + 1}`;
    return id;
  }
  const count = Number(
    (
      await c.q.get<{ n: string }>(
        `SELECT COUNT(*) AS n FROM issues WHERE ephemeral = ? AND ${c.sql.undotted("id")}`,
        input.ephemeral ? 1 : 0,
      )
    )?.n ?? 0,
  );
  const cfg = await idLengthConfig(c);
  const seed = idSeed(input.title, input.description ?? "", actor, createdAt);
  const candidates = idCandidates(prefix, seed, hashLengthFor(count, cfg), cfg);
  const sc = c.scope(candidates, "id");
  const taken = new Set(await c.q.column<string>(`SELECT id FROM issues WHERE ${sc.sql}`, ...sc.params));
  const id = candidates.find((x) => !taken.has(x));
  if (!id) throw new Error(`could not generate a unique ID for prefix ${prefix} after trying every length`);
  return id;
}

async function nextChildId(c: PgContext, parentId: string): Promise<string> {
  if (childDepth(parentId) + 1 > MAX_CHILD_DEPTH) {
    throw new ValidationError(`maximum hierarchy depth (${MAX_CHILD_DEPTH}) exceeded for parent ${parentId}`);
  }
  const stored = Number(
    (await c.q.get<{ n: string }>("SELECT last_child AS n FROM child_counters WHERE parent_id = ?", parentId))
      ?.n ?? 0,
  );
  let highest = stored;
  for (const id of await c.q.column<string>(
    "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\'",
    `${likeEscape(parentId)}.%`,
  )) {
    const rest = id.slice(parentId.length + 1);
    if (/^\d+$/.test(rest)) highest = Math.max(highest, Number(rest));
  }
  const next = highest + 1;
  await c.q.run(
    c.sql.upsert("child_counters", ["parent_id", "last_child"], ["parent_id"], ["last_child"]),
    parentId,
    next,
  );
  return `${parentId}.${next}`;
}

export async function createIssue(c: PgContext, input: CreateIssueInput, actor: string): Promise<Issue> {
  const checked = checkCreateInput(input, c.vocab);
  const created = c.clock();
  const now = created.toISOString();
  let parentId: string | undefined;
  if (input.parent) {
    parentId = await c.resolveId(input.parent);
    // A child of a wisp is a wisp too: it lives and dies with its parent.
    if (!input.ephemeral && (await c.getIssue(parentId))?.ephemeral) input = { ...input, ephemeral: true };
  }
  let id: string;
  if (input.id) {
    const problem = explicitIdProblem(
      input.id,
      await c.prefix(),
      parseList(await c.getConfig("allowed_prefixes")),
      input.force,
    );
    if (problem) throw new ValidationError(problem);
    if (await c.exists(input.id)) throw new ConflictError("exists", `issue ${input.id} already exists`);
    id = input.id;
  } else if (parentId) {
    id = await nextChildId(c, parentId);
  } else {
    id = await newId(c, input, actor, created);
  }
  const issue = buildIssue(input, id, checked, now, actor);
  await c.q.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
  await c.event(id, "created", actor, null, null);
  const allLabels = new Set(checked.labels);
  if (parentId) {
    if (input.inheritLabels !== false) for (const l of await c.labels(parentId)) allLabels.add(l);
    await insertDependency(c, { issue_id: id, depends_on_id: parentId, type: "parent-child" }, actor, now);
  }
  for (const l of allLabels) await c.q.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), id, l);
  for (const d of input.deps ?? []) {
    const target = await c.resolveTarget(d.depends_on_id);
    await addDependencyRow(c, { issue_id: id, depends_on_id: target, type: d.type }, actor, now);
  }
  for (const d of input.dependents ?? []) {
    const source = await c.resolveId(d.issue_id);
    await addDependencyRow(c, { issue_id: source, depends_on_id: id, type: d.type }, actor, now);
  }
  c.touch(id);
  return (await c.getIssue(id))!;
}

/** Bulk create: all or nothing; blocked flags settled by the rule once the rows are in. */
export async function createIssues(c: PgContext, issues: Issue[], actor: string): Promise<Issue[]> {
  const now = c.now();
  const checked = issues.map((raw) => {
    try {
      return checkImportedIssue(raw as unknown as Record<string, unknown>, c.vocab, now);
    } catch (e) {
      throw new ValidationError(`${typeof raw?.id === "string" ? raw.id : "?"}: ${(e as Error).message}`);
    }
  });
  const ids = new Set<string>();
  const all = checked.map((x) => x.issue.id);
  const sc = c.scope(all, "id");
  const stored = new Set(
    all.length > 0 ? await c.q.column<string>(`SELECT id FROM issues WHERE ${sc.sql}`, ...sc.params) : [],
  );
  for (const { issue } of checked) {
    if (ids.has(issue.id) || stored.has(issue.id))
      throw new ConflictError("exists", `issue ${issue.id} already exists`);
    ids.add(issue.id);
  }
  for (const { issue, labels } of checked) {
    await c.q.run(INSERT_ISSUE_SQL, ...issueToParams(issue));
    await c.event(issue.id, "created", actor, null, null);
    for (const l of labels) await c.q.run(c.sql.insertIgnore("labels", ["issue_id", "label"]), issue.id, l);
  }
  for (const { issue, dependencies } of checked) {
    for (const d of dependencies) {
      if (d.depends_on_id === issue.id)
        throw new ValidationError(`cannot add self-dependency: ${issue.id} cannot depend on itself`);
      const target = ids.has(d.depends_on_id) ? d.depends_on_id : await c.resolveTarget(d.depends_on_id);
      await c.q.run(
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
  // Parents before children: settle follows each change down to the children anyway.
  for (const { issue } of checked) c.touch(issue.id);
  await c.settle();
  return checked.map((x) => x.issue);
}

/** Applies a patch (../sql/patch.ts works out what changes). */
export async function updateRow(c: PgContext, id: string, patch: IssuePatch, actor: string): Promise<Issue> {
  const before = await c.mustGet(id);
  const now = c.now();
  const next = applyPatch(before, patch, c.vocab, now);
  await c.q.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
  if (before.status !== next.status) await c.touchStatus(id);
  for (const e of patchEvents(before, next)) await c.event(id, e.type, actor, e.old, e.next, e.comment);
  for (const l of labelChanges(before.labels ?? [], patch)) {
    if (l.op === "add") await addLabelRow(c, id, l.label, actor);
    else await removeLabelRow(c, id, l.label, actor);
  }
  if (patch.parent !== undefined) await reparent(c, id, patch.parent, actor, now);
  return (await c.getIssue(id))!;
}

/** Compare-and-swap: the row is locked (FOR UPDATE) before the guard sees it. */
export async function updateIssue(
  c: PgContext,
  id: string,
  patch: IssuePatch,
  actor: string,
  guard?: (current: Issue) => void,
): Promise<Issue> {
  const current = await c.mustGet(id, true);
  guard?.(current);
  return updateRow(c, id, patch, actor);
}

export async function claimIssue(c: PgContext, id: string, actor: string): Promise<Issue> {
  const issue = await c.mustGet(id, true);
  if (issue.status === "in_progress" && issue.assignee === actor) return issue;
  if (issue.assignee && issue.assignee !== actor) {
    throw new ConflictError("already_claimed", `issue already claimed by ${issue.assignee}`);
  }
  if (issue.status !== "open") {
    throw new ConflictError("not_open", `issue not claimable: status ${issue.status}`);
  }
  return updateRow(c, id, { status: "in_progress", assignee: actor }, actor);
}

export async function closeIssue(
  c: PgContext,
  id: string,
  opts: CloseOptions,
  actor: string,
): Promise<CloseResult> {
  const issue = await c.mustGet(id, true);
  if (!opts.force && (issue.status === "pinned" || issue.pinned)) {
    throw new ConflictError("pinned", `cannot modify pinned issue ${id} (use --force to override)`);
  }
  if (!opts.force) {
    const blockers = await c.q.column<string>(CLOSE_BLOCKERS_SQL, id, ...DONE_STATUSES);
    if (blockers.length > 0) {
      throw new ConflictError(
        "blocked",
        `cannot close ${id}: blocked by open issues [${blockers.join(" ")}] (use --force to override)`,
      );
    }
    if (issue.issue_type === "epic") {
      const open = await c.q.column<string>(OPEN_CHILDREN_SQL, id);
      if (open.length > 0) {
        throw new ConflictError(
          "open_children",
          `cannot close epic ${id}: ${open.length} open child issue(s); close children first or use --force to override`,
        );
      }
    }
  }
  const reason = opts.reason ?? "Closed";
  const now = c.now();
  const next: Issue = {
    ...issue,
    status: "closed",
    closed_at: issue.status === "closed" ? (issue.closed_at ?? now) : now,
    close_reason: reason,
    closed_by_session: opts.session ?? issue.closed_by_session,
    updated_at: now,
  };
  await c.q.run(REPLACE_ISSUE_SQL, ...replaceParams(next));
  if (issue.status !== "closed") {
    await c.event(id, "closed", actor, issue.status, "closed", reason);
    await c.touchStatus(id);
  }
  await c.settle();
  const unblocked = [...c.unblocked].filter((u) => u !== id);
  return { issue: (await c.getIssue(id))!, unblocked };
}

export async function reopenIssue(c: PgContext, id: string, reason: string | undefined, actor: string) {
  const issue = await c.mustGet(id, true);
  if (issue.status === "open") throw new ConflictError("already_open", `${id} is already open`);
  const out = await updateRow(c, id, { status: "open", close_reason: null }, actor);
  await c.event(id, "reopened", actor, issue.status, "open", reason);
  if (reason) await addCommentRow(c, id, actor, reason);
  return out;
}

export async function planDelete(c: PgContext, id: string): Promise<DeletePlan> {
  const issue = await c.mustGet(id);
  return {
    issue,
    dependents: await c.q.column<string>(
      "SELECT issue_id FROM dependencies WHERE depends_on_id = ? ORDER BY 1",
      id,
    ),
    dependencies: await c.q.column<string>(
      "SELECT depends_on_id FROM dependencies WHERE issue_id = ? ORDER BY 1",
      id,
    ),
  };
}

export async function deleteIssue(c: PgContext, id: string, actor: string): Promise<DeletePlan> {
  const plan = await planDelete(c, id);
  await c.touchStatus(id);
  const affected = await c.q.column<string>("SELECT issue_id FROM dependencies WHERE depends_on_id = ?", id);
  const parent = await c.parentOf(id);
  if (parent) await c.touchEdge(id, parent, "parent-child");
  await c.q.run("DELETE FROM dependencies WHERE issue_id = ? OR depends_on_id = ?", id, id);
  for (const table of ["labels", "comments", "events"])
    await c.q.run(`DELETE FROM ${table} WHERE issue_id = ?`, id);
  await c.q.run("DELETE FROM child_counters WHERE parent_id = ?", id);
  await c.q.run("DELETE FROM issues WHERE id = ?", id);
  for (const a of affected) {
    c.touch(a);
    await c.event(a, "dependency_removed", actor, id, null, `deleted ${id}`);
  }
  return plan;
}

/** Moves `oldId` to `newId` with everything attached; returns the other issues whose text changed. */
async function renameRows(c: PgContext, oldId: string, newId: string, now: string): Promise<string[]> {
  checkRename(oldId, newId);
  if (!(await c.exists(oldId))) throw new NotFoundError(oldId);
  if (await c.exists(newId)) throw new ConflictError("id_exists", `issue ${newId} already exists`);
  const list = (await c.q.all<{ name: string }>(c.sql.tableColumns("issues")))
    .map((r) => r.name)
    .filter((n) => n !== "id")
    .join(", ");
  await c.q.run(`INSERT INTO issues (id, ${list}) SELECT ?, ${list} FROM issues WHERE id = ?`, newId, oldId);
  await c.q.run("UPDATE issues SET updated_at = ? WHERE id = ?", now, newId);
  for (const [table, col] of [
    ["labels", "issue_id"],
    ["comments", "issue_id"],
    ["events", "issue_id"],
    ["child_counters", "parent_id"],
    ["dependencies", "issue_id"],
    ["dependencies", "depends_on_id"],
  ]) {
    await c.q.run(`UPDATE ${table} SET ${col} = ? WHERE ${col} = ?`, newId, oldId);
  }
  await c.q.run("DELETE FROM issues WHERE id = ?", oldId);
  const like = mentionLike(oldId);
  const rows = await c.q.all<Record<string, unknown>>(
    `SELECT id, ${MENTION_FIELDS.join(", ")} FROM issues WHERE id != ? AND (${MENTION_FIELDS.map((f) => `${f} LIKE ? ESCAPE '\\'`).join(" OR ")})`,
    newId,
    ...MENTION_FIELDS.map(() => like),
  );
  const touched: string[] = [];
  for (const row of rows) {
    const changes = rewriteMentions(row, oldId, newId);
    if (changes.length === 0) continue;
    await c.q.run(
      `UPDATE issues SET ${changes.map(([f]) => `${f} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
      ...changes.map(([, v]) => v),
      now,
      String(row.id),
    );
    touched.push(String(row.id));
  }
  return touched;
}

export async function renameIssue(c: PgContext, oldId: string, newId: string, actor: string) {
  const from = await c.resolveId(oldId);
  const to = newId.trim();
  const updated = await renameRows(c, from, to, c.now());
  await c.event(to, "updated", actor, from, to, "renamed");
  await c.recomputeAll();
  return { issue: await c.mustGet(to), updated };
}

export async function renamePrefix(
  c: PgContext,
  next: string,
  actor: string,
): Promise<Array<[string, string]>> {
  if (!isValidPrefix(next)) throw new ValidationError(`invalid prefix "${next}"`);
  const old = (await c.getConfig("issue_prefix")) ?? "";
  const pairs: Array<[string, string]> = [];
  if (old && old !== next) {
    const ids = await c.q.column<string>(
      "SELECT id FROM issues WHERE id LIKE ? ESCAPE '\\' ORDER BY id",
      `${likeEscape(old)}-%`,
    );
    for (const id of ids) pairs.push([id, `${next}-${id.slice(old.length + 1)}`]);
    const now = c.now();
    for (const [from, to] of pairs) await renameRows(c, from, to, now);
    await c.q.run("UPDATE issue_counter SET prefix = ? WHERE prefix = ?", next, old);
  }
  for (const [from, to] of pairs) await c.event(to, "updated", actor, from, to, "renamed");
  await c.putConfig("issue_prefix", next);
  await c.recomputeAll();
  return pairs;
}
