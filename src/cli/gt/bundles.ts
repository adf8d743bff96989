// The gt commands agents and watchdogs run most (prompt and session hooks, hook, done,
// status, patrol cycles, nudges, tool-call guards) each get a bundle of their own holding
// only their group, so those starts read and run a fraction of the whole gt. dist/gt.cjs (scripts/gt-dispatch.ts)
// picks the bundle by the first argument; anything else runs dist/gt-all.cjs (every group).
// Each bundle's entry is scripts/gt-bundles/<name>.ts; the names must be exactly the
// commands its group registers (test/cli/gt-groups.test.ts).
export const GT_BUNDLES = {
  "gt-mail": ["mail"],
  "gt-prime": ["prime", "hooks", "script-agent"],
  "gt-sling": ["sling", "hook", "work", "unsling", "unhook", "ready"],
  "gt-done": ["done"],
  "gt-status": ["status", "stat"],
  "gt-patrol": ["patrol", "heartbeat"],
  "gt-nudge": ["nudge", "broadcast", "dnd", "nudge-poller"],
  "gt-tap": ["tap", "signal"],
} as const satisfies Record<string, readonly string[]>;

export type GtBundle = keyof typeof GT_BUNDLES;

/** The bundle that runs `gt <word> …`; undefined for the whole tree. */
export function bundleFor(word: string | undefined): GtBundle | undefined {
  if (word === undefined) return undefined;
  for (const [bundle, names] of Object.entries(GT_BUNDLES))
    if ((names as readonly string[]).includes(word)) return bundle as GtBundle;
  return undefined;
}

// These lists are the only copy of the hot groups' names: each group module and the lazy table
// (groups.ts) take theirs from here, and dist/gt.cjs imports this file alone (keep it import-free).
