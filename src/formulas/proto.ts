// Spawning from a persisted proto (`bd cook --persist` wrote it as template beads): the
// template subgraph cloned into a new molecule, `{{vars}}` substituted (unknown placeholders
// stay, as beads leaves them), ids mapped `<proto>[.<step>]` → `<root>[.<step>]`, edges
// rebuilt through the map, written in one transaction (beads §4.2 "Instantiation").
import { ValidationError } from "../errors.ts";
import { idSeed } from "../ledger/ids.ts";
import type { Dependency, Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { MOLECULE_TYPE } from "./molecule.ts";
import { freshRootId, type PourResult } from "./pour.ts";
import { substitute } from "./vars.ts";

export interface SpawnOptions {
  vars: Readonly<Record<string, string>>;
  ephemeral: boolean;
  /** Only the root. */
  rootOnly?: boolean;
  assignee?: string | undefined;
  actor: string;
  now?: Date;
}

/** The template root `id` names, or undefined when it is not a proto. */
export async function protoRoot(store: LedgerStore, id: string): Promise<Issue | undefined> {
  const issue = await store.getIssue(id);
  return issue?.is_template && issue.issue_type === MOLECULE_TYPE ? issue : undefined;
}

/** Fields a clone does not take from its template. */
const NOT_CLONED = [
  "id",
  "status",
  "created_at",
  "updated_at",
  "started_at",
  "closed_at",
  "close_reason",
  "closed_by_session",
  "is_template",
  "dependencies",
  "comments",
  "dependency_count",
  "dependent_count",
  "comment_count",
  "parent",
] as const;

const SUBSTITUTED = [
  "title",
  "description",
  "notes",
  "acceptance_criteria",
  "design",
  "assignee",
  "await_id",
] as const;

export async function spawnProto(
  store: LedgerStore,
  protoId: string,
  opts: SpawnOptions,
): Promise<PourResult> {
  const proto = await protoRoot(store, protoId);
  if (!proto) throw new ValidationError(`${protoId} is not a proto (bd cook --persist writes one)`);
  const under = opts.rootOnly
    ? []
    : await store.listIssues({
        parent: proto.id,
        all: true,
        includeTemplates: true,
        ephemeral: true,
        limit: 0,
      });
  const created = (opts.now ?? new Date()).toISOString();
  const rootId = await freshRootId(
    store,
    opts.ephemeral ? "wisp" : "mol",
    idSeed(proto.id, proto.description ?? "", opts.actor, new Date(created)),
  );
  const idOf = new Map<string, string>([[proto.id, rootId]]);
  for (const u of under) idOf.set(u.id, `${rootId}${u.id.slice(proto.id.length)}`);
  const formula = proto.source_formula ?? proto.id;
  const clone = async (t: Issue): Promise<Issue> => {
    const out: Record<string, unknown> = { ...t };
    for (const k of NOT_CLONED) delete out[k];
    for (const k of SUBSTITUTED)
      if (typeof out[k] === "string") out[k] = substitute(out[k] as string, opts.vars);
    const deps: Dependency[] = [];
    for (const d of await store.dependencyRecords(t.id)) {
      const target = idOf.get(d.depends_on_id);
      if (target)
        deps.push({
          issue_id: idOf.get(t.id)!,
          depends_on_id: target,
          type: d.type,
          created_at: created,
          created_by: opts.actor,
        });
    }
    return {
      ...(out as Omit<Issue, "id" | "status" | "created_at" | "updated_at">),
      id: idOf.get(t.id)!,
      status: "open",
      created_at: created,
      created_by: opts.actor,
      updated_at: created,
      ...(opts.ephemeral ? { ephemeral: true } : {}),
      dependencies: deps,
    } as Issue;
  };
  const issues = [await clone(proto), ...(await Promise.all(under.map(clone)))];
  if (opts.assignee) issues[0]!.assignee = opts.assignee;
  await store.createIssues(issues, opts.actor);
  const mapping: Record<string, string> = {};
  for (const [from, to] of idOf)
    mapping[from === proto.id ? formula : `${formula}${from.slice(proto.id.length)}`] = to;
  return {
    new_epic_id: rootId,
    root_id: rootId,
    id_mapping: mapping,
    created: issues.length,
    phase: opts.ephemeral ? "vapor" : "liquid",
    formula,
  };
}
