// Every command group of bd, in help order, each loaded on demand (runBd in program.ts).
import { BD_BUNDLES } from "./bundles.ts";
import type { CommandGroup, LazyBdGroup } from "./run.ts";

// Agents run bd constantly and every start pays for what it loads: so a group's module (and
// all it imports: formulas, TOML, zod, the graph code …) loads only when the command word is
// one of its names, or for the whole tree (help, completion, an unknown word). The names here
// must be exactly what each group registers (test/cli/bd-groups.test.ts checks); a name
// missing here would be taken for an unknown command. The hot groups' names are the bundles'
// (bundles.ts), which their modules use too.
export const BD_GROUPS: LazyBdGroup[] = [
  {
    names: BD_BUNDLES["bd-issues"],
    load: async () => (await import("./issues.ts")).ISSUES,
  },
  {
    names: BD_BUNDLES["bd-more-issues"],
    load: async () => (await import("./more-issues.ts")).MORE_ISSUES,
  },
  {
    names: BD_BUNDLES["bd-queries"],
    load: async () => (await import("./queries.ts")).QUERIES,
  },
  { names: ["query"], load: async () => (await import("./query.ts")).QUERY },
  {
    names: ["duplicates", "find-duplicates", "find-dups"],
    load: async () => (await import("./duplicates.ts")).DUPLICATES,
  },
  { names: ["audit"], load: async () => (await import("./audit.ts")).AUDIT },
  { names: ["github", "gitlab"], load: async () => (await import("./trackers.ts")).TRACKERS },
  { names: ["jira"], load: async () => (await import("./jira.ts")).JIRA },
  { names: ["linear"], load: async () => (await import("./linear.ts")).LINEAR },
  {
    names: ["merge-slot", "ship", "swarm"],
    load: async () => (await import("./coordination.ts")).COORDINATION,
  },
  { names: ["edit", "create-form"], load: async () => (await import("./edit.ts")).EDIT },
  { names: ["gc", "compact"], load: async () => (await import("./compact.ts")).COMPACT },
  { names: ["hooks"], load: async () => (await import("./hooks.ts")).HOOKS },
  { names: ["setup", "rules"], load: async () => (await import("./setup.ts")).SETUP },
  {
    names: ["bootstrap", "init-safety", "upgrade"],
    load: async () => (await import("./bootstrap.ts")).BOOTSTRAP,
  },
  { names: ["worktree", "repo"], load: async () => (await import("./worktree-repo.ts")).WORKTREE_REPO },
  { names: ["admin"], load: async () => (await import("./admin-tools.ts")).ADMIN_TOOLS },
  {
    names: BD_BUNDLES["bd-relations"],
    load: async () => (await import("./relations.ts")).RELATIONS,
  },
  {
    names: ["statuses", "types", "history", "where", "info", "context", "ping"],
    load: async () => (await import("./views.ts")).VIEWS,
  },
  { names: ["graph", "epic"], load: async () => (await import("./graph-epic.ts")).GRAPH_EPIC },
  {
    names: ["kv", "remember", "recall", "memories", "forget"],
    load: async () => (await import("./memory.ts")).MEMORY_GROUP,
  },
  { names: ["formula", "cook"], load: async () => (await import("./formula.ts")).FORMULA },
  { names: ["mol", "molecule"], load: async () => (await import("./mol.ts")).MOL },
  { names: ["gate"], load: async () => (await import("./gate.ts")).GATE },
  {
    names: ["init", "config", "export", "import", "sql", "lint", "preflight", "doctor"],
    load: async () => (await import("./admin.ts")).ADMIN,
  },
  { names: BD_BUNDLES["bd-version"], load: async () => (await import("./version.ts")).VERSION },
  {
    names: ["prune", "purge", "rename-prefix"],
    load: async () => (await import("./maintenance.ts")).MAINTENANCE,
  },
  { names: ["batch"], load: async () => (await import("./batch.ts")).BATCH },
  { names: ["migrate"], load: async () => (await import("./migrate.ts")).MIGRATE },
  { names: ["mail"], load: async () => (await import("./mail.ts")).MAIL },
  {
    names: BD_BUNDLES["bd-guide"],
    load: async () => (await import("./guide.ts")).GUIDE,
  },
  {
    names: ["completion", "__complete"],
    load: async () => (await import("./completion.ts")).completionGroup(loadAll),
  },
];

/** Every group but completion, loaded (what the completion scripts complete from). */
async function loadAll(): Promise<CommandGroup[]> {
  return Promise.all(BD_GROUPS.filter((g) => !g.names.includes("__complete")).map((g) => g.load()));
}
