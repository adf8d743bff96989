// Swarms, as beads has them: an epic's children and the blocking edges among them read as a
// DAG of work. Validate finds cycles (not swarmable) and suspicious shapes (warnings) and
// computes the ready fronts, the waves of work that can run in parallel; status sorts the
// children into completed/active/ready/blocked, computed from the beads every time; a swarm
// molecule (issue_type molecule, mol_type swarm) relates-to the epic it orchestrates.
import { NotFoundError, ValidationError } from "../errors.ts";
import { BLOCKING_DEP_TYPES, type Issue } from "./model.ts";
import type { LedgerStore } from "./store.ts";

export interface ReadyFront {
  wave: number;
  issues: string[];
  titles?: string[];
}

export interface SwarmNode {
  id: string;
  title: string;
  status: string;
  priority: number;
  depends_on: string[];
  depended_on_by: string[];
  /** Its ready front, -1 when a cycle keeps it from any. */
  wave: number;
}

export interface SwarmAnalysis {
  epic_id: string;
  epic_title: string;
  total_issues: number;
  closed_issues: number;
  ready_fronts: ReadyFront[];
  max_parallelism: number;
  estimated_sessions: number;
  warnings: string[];
  errors: string[];
  swarmable: boolean;
  issues?: Record<string, SwarmNode>;
}

export interface StatusIssue {
  id: string;
  title: string;
  assignee?: string;
  blocked_by?: string[];
  closed_at?: string;
}

export interface SwarmStatus {
  epic_id: string;
  epic_title: string;
  total_issues: number;
  completed: StatusIssue[];
  active: StatusIssue[];
  ready: StatusIssue[];
  blocked: StatusIssue[];
  progress_percent: number;
  active_count: number;
  ready_count: number;
  blocked_count: number;
}

const isSwarmable = (i: Issue) => i.issue_type === "epic" || i.issue_type === "molecule";
const isSwarmMolecule = (i: Issue) => i.issue_type === "molecule" && i.mol_type === "swarm";

/** IDs in natural order: gt-2 before gt-10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

async function children(store: LedgerStore, epicId: string): Promise<Issue[]> {
  const ids = (await store.dependentRecords(epicId, "parent-child")).map((d) => d.issue_id);
  return store.getIssues([...new Set(ids)]);
}

/** Each child's blocking edges to other children (the edge to the epic itself left out). */
async function edgesWithin(store: LedgerStore, epicId: string, kids: Issue[]) {
  const inside = new Set(kids.map((k) => k.id));
  const dependsOn = new Map<string, string[]>();
  const outside: Array<[string, string]> = [];
  for (const kid of kids) {
    const list: string[] = [];
    for (const dep of await store.dependencyRecords(kid.id)) {
      if (dep.depends_on_id === epicId && dep.type === "parent-child") continue;
      if (!BLOCKING_DEP_TYPES.includes(dep.type)) continue;
      if (inside.has(dep.depends_on_id)) list.push(dep.depends_on_id);
      else if (dep.depends_on_id !== epicId) outside.push([kid.id, dep.depends_on_id]);
    }
    dependsOn.set(kid.id, list);
  }
  return { dependsOn, outside };
}

export async function analyzeSwarm(store: LedgerStore, epic: Issue): Promise<SwarmAnalysis> {
  const a: SwarmAnalysis = {
    epic_id: epic.id,
    epic_title: epic.title,
    total_issues: 0,
    closed_issues: 0,
    ready_fronts: [],
    max_parallelism: 0,
    estimated_sessions: 0,
    warnings: [],
    errors: [],
    swarmable: true,
    issues: {},
  };
  const kids = await children(store, epic.id);
  if (kids.length === 0) {
    a.warnings.push("Epic has no children");
    return a;
  }
  a.total_issues = kids.length;
  const nodes: Record<string, SwarmNode> = {};
  for (const k of kids) {
    nodes[k.id] = {
      id: k.id,
      title: k.title,
      status: k.status,
      priority: k.priority,
      depends_on: [],
      depended_on_by: [],
      wave: -1,
    };
    if (k.status === "closed") a.closed_issues++;
  }
  const { dependsOn, outside } = await edgesWithin(store, epic.id, kids);
  for (const [id, deps] of dependsOn) {
    for (const target of deps) {
      nodes[id]!.depends_on.push(target);
      nodes[target]!.depended_on_by.push(id);
    }
  }
  for (const [id, target] of outside)
    a.warnings.push(
      target.startsWith("external:")
        ? `${id} has external dependency: ${target}`
        : `${id} depends on ${target} (outside epic)`,
    );
  a.issues = nodes;
  structuralChecks(a, nodes);
  readyFronts(a, nodes);
  a.swarmable = a.errors.length === 0;
  return a;
}

/** beads' heuristics (inverted-looking edges, disconnected parts) and the cycle check. */
function structuralChecks(a: SwarmAnalysis, nodes: Record<string, SwarmNode>): void {
  const ids = Object.keys(nodes).sort(naturalCompare);
  for (const id of ids) {
    const n = nodes[id]!;
    const title = n.title.toLowerCase();
    if (n.depended_on_by.length === 0 && /foundation|setup|base|core/.test(title))
      a.warnings.push(`${id} (${n.title}) has no dependents - should other issues depend on it?`);
    if (n.depends_on.length === 0 && /integration|final|test/.test(title))
      a.warnings.push(`${id} (${n.title}) has no dependencies - should it depend on implementation?`);
  }
  const visited = new Set<string>();
  const reach = (id: string) => {
    if (visited.has(id)) return;
    visited.add(id);
    for (const next of nodes[id]!.depended_on_by) reach(next);
  };
  for (const id of ids) if (nodes[id]!.depends_on.length === 0) reach(id);
  const disconnected = ids.filter((id) => !visited.has(id));
  if (disconnected.length > 0)
    a.warnings.push(`Disconnected issues (not reachable from roots): [${disconnected.join(" ")}]`);

  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycle = (id: string): boolean => {
    if (state.get(id) === "done") return false;
    if (state.get(id) === "open") return true;
    state.set(id, "open");
    path.push(id);
    for (const dep of nodes[id]!.depends_on) if (cycle(dep)) return true;
    path.pop();
    state.set(id, "done");
    return false;
  };
  for (const id of ids) {
    if (cycle(id)) {
      a.errors.push(`Dependency cycle detected involving: [${path.join(" ")}]`);
      break;
    }
  }
}

/** Kahn's algorithm by levels: wave 0 needs nothing, wave n+1 only waves up to n. */
function readyFronts(a: SwarmAnalysis, nodes: Record<string, SwarmNode>): void {
  if (a.errors.length > 0) return;
  const inDegree = new Map(Object.values(nodes).map((n) => [n.id, n.depends_on.length]));
  let current = [...inDegree].filter(([, d]) => d === 0).map(([id]) => id);
  for (let wave = 0; current.length > 0; wave++) {
    current.sort(naturalCompare);
    for (const id of current) nodes[id]!.wave = wave;
    a.ready_fronts.push({ wave, issues: current, titles: current.map((id) => nodes[id]!.title) });
    a.max_parallelism = Math.max(a.max_parallelism, current.length);
    const next: string[] = [];
    for (const id of current) {
      for (const dependent of nodes[id]!.depended_on_by) {
        const left = inDegree.get(dependent)! - 1;
        inDegree.set(dependent, left);
        if (left === 0) next.push(dependent);
      }
    }
    current = next;
  }
  a.estimated_sessions = a.total_issues;
}

export async function swarmStatus(store: LedgerStore, epic: Issue): Promise<SwarmStatus> {
  const s: SwarmStatus = {
    epic_id: epic.id,
    epic_title: epic.title,
    total_issues: 0,
    completed: [],
    active: [],
    ready: [],
    blocked: [],
    progress_percent: 0,
    active_count: 0,
    ready_count: 0,
    blocked_count: 0,
  };
  const kids = await children(store, epic.id);
  s.total_issues = kids.length;
  if (kids.length === 0) return s;
  const byId = new Map(kids.map((k) => [k.id, k]));
  const { dependsOn } = await edgesWithin(store, epic.id, kids);
  for (const k of kids) {
    const si: StatusIssue = { id: k.id, title: k.title, ...(k.assignee ? { assignee: k.assignee } : {}) };
    if (k.status === "closed") {
      if (k.closed_at) si.closed_at = k.closed_at.slice(0, 16).replace("T", " ");
      s.completed.push(si);
    } else if (k.status === "in_progress") s.active.push(si);
    else {
      const blockers = (dependsOn.get(k.id) ?? []).filter((d) => byId.get(d)?.status !== "closed");
      if (blockers.length > 0) s.blocked.push({ ...si, blocked_by: blockers });
      else s.ready.push(si);
    }
  }
  for (const list of [s.completed, s.active, s.ready, s.blocked])
    list.sort((x, y) => naturalCompare(x.id, y.id));
  s.active_count = s.active.length;
  s.ready_count = s.ready.length;
  s.blocked_count = s.blocked.length;
  s.progress_percent = (s.completed.length / s.total_issues) * 100;
  return s;
}

/** The epic a swarm molecule orchestrates (its relates-to edge). */
export async function linkedEpic(store: LedgerStore, molecule: Issue): Promise<Issue | undefined> {
  const link = (await store.dependencyRecords(molecule.id)).find((d) => d.type === "relates-to");
  return link ? store.getIssue(link.depends_on_id) : undefined;
}

/** The epic behind an epic, molecule or swarm molecule ID. */
export async function swarmEpic(store: LedgerStore, issue: Issue): Promise<Issue> {
  if (isSwarmMolecule(issue)) {
    const epic = await linkedEpic(store, issue);
    if (!epic) throw new ValidationError(`swarm molecule '${issue.id}' has no linked epic`);
    return epic;
  }
  if (isSwarmable(issue)) return issue;
  throw new ValidationError(`'${issue.id}' is not an epic or swarm molecule (type: ${issue.issue_type})`);
}

export async function existingSwarm(store: LedgerStore, epicId: string): Promise<Issue | undefined> {
  const ids = (await store.dependentRecords(epicId, "relates-to")).map((d) => d.issue_id);
  return (await store.getIssues(ids)).find(isSwarmMolecule);
}

export interface CreateSwarmResult {
  swarm: Issue;
  epic: Issue;
  /** The epic made to wrap a single issue, when one was. */
  wrapper?: Issue;
  analysis: SwarmAnalysis;
}

export class SwarmRefused extends ValidationError {
  readonly detail: Record<string, unknown>;
  constructor(message: string, detail: Record<string, unknown>) {
    super(message);
    this.detail = detail;
  }
}

/**
 * A swarm molecule for an epic (or for a single issue, wrapped in a new epic first). Refused
 * when the epic already has one (unless forced) or is not swarmable; nothing is left behind
 * by a refusal or a failure.
 */
export async function createSwarm(
  store: LedgerStore,
  issue: Issue,
  opts: { coordinator?: string; force?: boolean },
  actor: string,
): Promise<CreateSwarmResult> {
  let epic = issue;
  let wrapper: Issue | undefined;
  if (!isSwarmable(issue)) {
    wrapper = await store.createIssue(
      {
        title: `Swarm Epic: ${issue.title}`,
        description: `Auto-generated epic to wrap single issue ${issue.id} for swarm execution.`,
        priority: issue.priority,
        issue_type: "epic",
        dependents: [{ type: "parent-child", issue_id: issue.id }],
      },
      actor,
    );
    epic = wrapper;
  }
  const undo = async () => {
    if (wrapper) await store.deleteIssue(wrapper.id, actor);
  };
  try {
    const existing = await existingSwarm(store, epic.id);
    if (existing && !opts.force)
      throw new SwarmRefused(`swarm already exists: ${existing.id} (use --force to create another)`, {
        error: "swarm already exists",
        existing_id: existing.id,
        existing_title: existing.title,
      });
    const analysis = await analyzeSwarm(store, epic);
    if (!analysis.swarmable)
      throw new SwarmRefused(`epic is not swarmable: ${analysis.errors.join("; ")}`, {
        error: "epic is not swarmable",
        analysis: { ...analysis, issues: undefined },
      });
    const swarm = await store.createIssue(
      {
        title: `Swarm: ${epic.title}`,
        description: `Swarm molecule orchestrating epic ${epic.id}.\n\nEpic: ${epic.id}\nCoordinator: ${opts.coordinator ?? ""}`,
        priority: epic.priority,
        issue_type: "molecule",
        mol_type: "swarm",
        ...(opts.coordinator ? { assignee: opts.coordinator } : {}),
        deps: [{ type: "relates-to", depends_on_id: epic.id }],
      },
      actor,
    );
    return { swarm, epic, wrapper, analysis: { ...analysis, issues: undefined } };
  } catch (e) {
    await undo();
    throw e;
  }
}

export interface SwarmListItem {
  id: string;
  title: string;
  epic_id: string;
  epic_title: string;
  status: string;
  coordinator: string;
  total_issues: number;
  completed_issues: number;
  active_issues: number;
  progress_percent: number;
}

export async function listSwarms(store: LedgerStore): Promise<SwarmListItem[]> {
  const molecules = await store.listIssues({ types: ["molecule"], all: true, includeTemplates: true });
  const out: SwarmListItem[] = [];
  for (const m of molecules.filter(isSwarmMolecule).sort((x, y) => naturalCompare(x.id, y.id))) {
    const item: SwarmListItem = {
      id: m.id,
      title: m.title,
      epic_id: "",
      epic_title: "",
      status: m.status,
      coordinator: m.assignee ?? "",
      total_issues: 0,
      completed_issues: 0,
      active_issues: 0,
      progress_percent: 0,
    };
    const epic = await linkedEpic(store, m);
    if (epic) {
      const s = await swarmStatus(store, epic);
      Object.assign(item, {
        epic_id: epic.id,
        epic_title: epic.title,
        total_issues: s.total_issues,
        completed_issues: s.completed.length,
        active_issues: s.active_count,
        progress_percent: s.progress_percent,
      });
    }
    out.push(item);
  }
  return out;
}

export async function requireIssue(store: LedgerStore, id: string): Promise<Issue> {
  const issue = await store.getIssue(id);
  if (!issue) throw new NotFoundError(id);
  return issue;
}
