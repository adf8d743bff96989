// The bd commands agents run most (show, create, update, close, list, ready, q, dep, label,
// comments, prime, version) each get a bundle of their own holding only their group, so those
// starts read and compile a fraction of the whole bd. dist/bd.cjs (scripts/bd-dispatch.ts)
// picks the bundle by the command word (past global options, as bd itself finds it); anything
// else runs dist/bd-all.cjs (every group, each loaded on demand). Each bundle's entry is
// scripts/bd-bundles/<name>.ts; its names must be exactly one group's (test/cli/bd-groups.test.ts).
export const BD_BUNDLES = {
  "bd-issues": ["create", "new", "show", "view", "update", "close", "done", "reopen", "delete"],
  "bd-queries": [
    "list",
    "ls",
    "ready",
    "blocked",
    "search",
    "count",
    "stats",
    "status",
    "stale",
    "children",
    "orphans",
  ],
  "bd-more-issues": [
    "q",
    "note",
    "assign",
    "priority",
    "tag",
    "link",
    "promote",
    "rename",
    "state",
    "set-state",
    "todo",
  ],
  "bd-relations": ["dep", "label", "comments", "comment", "defer", "undefer", "duplicate", "supersede"],
  "bd-guide": ["prime", "quickstart", "human", "onboard"],
  "bd-version": ["version"],
} as const satisfies Record<string, readonly string[]>;

export type BdBundle = keyof typeof BD_BUNDLES;

/** The bundle that runs `bd <word> …`; undefined for the whole tree. */
export function bundleFor(word: string | undefined): BdBundle | undefined {
  if (word === undefined) return undefined;
  for (const [bundle, names] of Object.entries(BD_BUNDLES))
    if ((names as readonly string[]).includes(word)) return bundle as BdBundle;
  return undefined;
}

// These lists are the only copy of the hot groups' names: each group module and the lazy table
// (groups.ts) take theirs from here, and dist/bd.cjs imports this file alone (keep it import-free).
