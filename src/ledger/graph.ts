// A bead's dependency graph as beads draws it (bd graph): the connected beads reachable
// from a root through edges either way, laid out in layers by their blocks edges (layer 0
// needs nothing; a bead sits one layer right of the last thing it waits for).
import type { Dependency, Issue } from "./model.ts";
import type { LedgerStore } from "./store.ts";

export interface GraphNode {
  Issue: Issue;
  Layer: number;
  Position: number;
  DependsOn: string[];
}

export interface GraphLayout {
  Nodes: Record<string, GraphNode>;
  Layers: string[][];
  MaxLayer: number;
  RootID: string;
}

export interface Subgraph {
  root: Issue;
  issues: Issue[];
  dependencies: Dependency[];
}

/** The root and every bead connected to it (dependents and dependencies, transitively). */
export async function loadSubgraph(store: LedgerStore, rootId: string, cap = 500): Promise<Subgraph> {
  const root = (await store.getIssue(rootId))!;
  const byId = new Map<string, Issue>([[root.id, root]]);
  const queue = [root.id];
  while (queue.length > 0 && byId.size < cap) {
    const id = queue.shift()!;
    for (const dir of ["up", "down"] as const) {
      for (const other of await store.dependencies(id, dir)) {
        if (byId.has(other.id)) continue;
        const { dependency_type: _, ...issue } = other;
        byId.set(other.id, issue as Issue);
        queue.push(other.id);
      }
    }
  }
  const dependencies: Dependency[] = [];
  for (const id of byId.keys())
    for (const d of await store.dependencyRecords(id)) if (byId.has(d.depends_on_id)) dependencies.push(d);
  return { root, issues: [...byId.values()], dependencies };
}

export function layoutGraph(g: Subgraph): GraphLayout {
  const dependsOn = new Map<string, string[]>();
  for (const d of g.dependencies) {
    if (d.type !== "blocks") continue;
    dependsOn.set(d.issue_id, [...(dependsOn.get(d.issue_id) ?? []), d.depends_on_id]);
  }
  const layer = new Map<string, number>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const i of g.issues) {
      if (layer.has(i.id)) continue;
      const deps = dependsOn.get(i.id) ?? [];
      if (deps.every((d) => layer.has(d))) {
        layer.set(i.id, deps.length === 0 ? 0 : Math.max(...deps.map((d) => layer.get(d)!)) + 1);
        changed = true;
      }
    }
  }
  // A cycle leaves beads unplaced: they go to layer 0 rather than vanish.
  for (const i of g.issues) if (!layer.has(i.id)) layer.set(i.id, 0);
  const maxLayer = Math.max(0, ...layer.values());
  const layers: string[][] = Array.from({ length: maxLayer + 1 }, () => []);
  const byPriority = [...g.issues].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1));
  const nodes: Record<string, GraphNode> = {};
  for (const i of byPriority) {
    const l = layer.get(i.id)!;
    nodes[i.id] = { Issue: i, Layer: l, Position: layers[l]!.length, DependsOn: dependsOn.get(i.id) ?? [] };
    layers[l]!.push(i.id);
  }
  return { Nodes: nodes, Layers: layers, MaxLayer: maxLayer, RootID: g.root.id };
}

function dotText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ");
}

/** Graphviz DOT: one node per bead (by layer), one edge per dependency inside the graph. */
export function graphDot(g: Subgraph, layout: GraphLayout): string {
  const fill: Record<string, string> = {
    open: "white",
    in_progress: "lightyellow",
    blocked: "lightpink",
    closed: "lightgray",
    deferred: "lightblue",
  };
  const lines = ["digraph beads {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled"];'];
  for (const ids of layout.Layers) {
    for (const id of ids) {
      const i = layout.Nodes[id]!.Issue;
      const label = `${i.id}\\n${dotText(i.title.length > 40 ? `${i.title.slice(0, 37)}...` : i.title)}\\nP${i.priority} ${i.status}`;
      const root = id === layout.RootID ? ", penwidth=2" : "";
      lines.push(`  "${dotText(id)}" [label="${label}", fillcolor="${fill[i.status] ?? "white"}"${root}];`);
    }
  }
  for (const d of g.dependencies) {
    const style = d.type === "blocks" ? "" : ` [style=dashed, label="${dotText(d.type)}"]`;
    // Arrows point the way work flows: from what is needed to what needs it.
    lines.push(`  "${dotText(d.depends_on_id)}" -> "${dotText(d.issue_id)}"${style};`);
  }
  lines.push("}");
  return lines.join("\n");
}
