// The gt command groups, each loaded on demand (see runGt in program.ts). The version
// command lives in main.ts.
import { GT_BUNDLES } from "./bundles.ts";
import type { LazyGtGroup } from "./program.ts";

// Every gt start pays for what it loads, and agents' hooks start gt thousands of times an
// hour: so each group's module (and all it imports) loads only when the command word is one
// of its names, or for the whole tree (help, an unknown word). The names here must list what
// each group registers (test/cli/gt-groups.test.ts checks); a name missing here still works, it
// just loads every group. The hot groups' names are the bundles' (bundles.ts), which their
// modules use too.
export const GT_GROUPS: LazyGtGroup[] = [
  { names: ["install"], load: async () => (await import("./install.ts")).installGroup },
  { names: ["rig"], load: async () => (await import("./rig.ts")).rigGroup },
  { names: ["crew"], load: async () => (await import("./crew.ts")).crewGroup },
  { names: ["config"], load: async () => (await import("./config.ts")).configGroup },
  { names: ["mayor"], load: async () => (await import("./lifecycle.ts")).lifecycleGroup("mayor") },
  { names: ["deacon"], load: async () => (await import("./deacon.ts")).deaconGroup },
  { names: ["boot"], load: async () => (await import("./boot.ts")).bootGroup },
  { names: ["dog"], load: async () => (await import("./dog.ts")).dogGroup },
  { names: ["witness"], load: async () => (await import("./lifecycle.ts")).lifecycleGroup("witness") },
  { names: ["refinery"], load: async () => (await import("./refinery.ts")).refineryGroup },
  {
    names: ["mq"],
    load: async () =>
      (await import("./mq-integration.ts")).withIntegration((await import("./mq.ts")).mqGroup),
  },
  { names: ["session", "peek"], load: async () => (await import("./session.ts")).sessionGroup },
  { names: ["agents"], load: async () => (await import("./session.ts")).agentsGroup },
  { names: GT_BUNDLES["gt-status"], load: async () => (await import("./session.ts")).statusGroup },
  { names: GT_BUNDLES["gt-prime"], load: async () => (await import("./prime.ts")).primeGroup },
  { names: GT_BUNDLES["gt-mail"], load: async () => (await import("./mail.ts")).mailGroup },
  {
    names: GT_BUNDLES["gt-nudge"],
    load: async () => (await import("./nudge.ts")).nudgeGroup,
  },
  { names: ["escalate"], load: async () => (await import("./escalate.ts")).escalateGroup },
  {
    names: ["commit", "remember", "forget", "memories"],
    load: async () => (await import("./agent-tools.ts")).agentToolsGroup,
  },
  { names: ["account", "quota"], load: async () => (await import("./account.ts")).accountGroup },
  {
    names: ["notify", "resume", "callbacks"],
    load: async () => (await import("./callbacks.ts")).callbacksGroup,
  },
  { names: ["handoff", "seance", "respawn"], load: async () => (await import("./handoff.ts")).handoffGroup },
  {
    names: ["show", "cat", "close", "release", "bead", "assign"],
    load: async () => (await import("./beads.ts")).beadsGroup,
  },
  {
    names: ["orphans", "prune-branches", "cleanup"],
    load: async () => (await import("./orphans.ts")).orphansGroup,
  },
  {
    names: ["whoami", "namepool", "git-init"],
    load: async () => (await import("./workspace.ts")).workspaceGroup,
  },
  { names: ["demo"], load: async () => (await import("./demo.ts")).demoGroup },
  { names: ["doctor"], load: async () => (await import("./doctor.ts")).doctorGroup },
  {
    names: GT_BUNDLES["gt-sling"],
    load: async () => (await import("./sling.ts")).slingGroup,
  },
  { names: ["polecat", "polecats"], load: async () => (await import("./polecat.ts")).polecatGroup },
  { names: GT_BUNDLES["gt-patrol"], load: async () => (await import("./patrol.ts")).patrolGroup },
  { names: GT_BUNDLES["gt-done"], load: async () => (await import("./done.ts")).doneGroup },
  { names: ["convoy"], load: async () => (await import("./convoy.ts")).convoyGroup },
  { names: ["formula", "formulas"], load: async () => (await import("./formula.ts")).formulaGroup },
  {
    names: ["log", "activity", "audit", "trail", "recent", "recap"],
    load: async () => (await import("./log.ts")).logGroup,
  },
  { names: ["feed"], load: async () => (await import("./feed.ts")).feedGroup },
  { names: ["vitals"], load: async () => (await import("./vitals.ts")).vitalsGroup },
  { names: ["mol", "molecule"], load: async () => (await import("./mol.ts")).molGroup },
  { names: ["costs"], load: async () => (await import("./costs.ts")).costsGroup },
  { names: ["dashboard"], load: async () => (await import("./dashboard.ts")).dashboardGroup },
  { names: ["daemon"], load: async () => (await import("./daemon.ts")).daemonGroup },
  { names: ["role"], load: async () => (await import("./role.ts")).roleGroup },
  { names: ["info", "health"], load: async () => (await import("./info.ts")).infoGroup },
  { names: ["checkpoint"], load: async () => (await import("./checkpoint.ts")).checkpointGroup },
  { names: GT_BUNDLES["gt-tap"], load: async () => (await import("./tap.ts")).tapGroup },
  { names: ["enable", "disable"], load: async () => (await import("./enable.ts")).enableGroup },
  { names: ["directive"], load: async () => (await import("./directive.ts")).directiveGroup },
  { names: ["issue"], load: async () => (await import("./issue.ts")).issueGroup },
  { names: ["plugin"], load: async () => (await import("./plugin.ts")).pluginGroup },
  { names: ["shell"], load: async () => (await import("./shell.ts")).shellGroup },
  { names: ["init"], load: async () => (await import("./init.ts")).initGroup },
  { names: ["uninstall"], load: async () => (await import("./uninstall.ts")).uninstallGroup },
  { names: ["theme"], load: async () => (await import("./theme.ts")).themeGroup },
  { names: ["cycle", "town"], load: async () => (await import("./cycle.ts")).cycleGroup },
  { names: ["scheduler"], load: async () => (await import("./scheduler.ts")).schedulerGroup },
  { names: ["worktree"], load: async () => (await import("./worktree.ts")).worktreeGroup },
  { names: ["warrant"], load: async () => (await import("./warrant.ts")).warrantGroup },
  { names: ["reaper"], load: async () => (await import("./reaper.ts")).reaperGroup },
  { names: ["repair"], load: async () => (await import("./repair.ts")).repairGroup },
  { names: ["up", "down", "start", "shutdown"], load: async () => (await import("./up.ts")).upGroup },
  { names: ["estop", "thaw"], load: async () => (await import("./up.ts")).estopGroup },
  { names: ["changelog"], load: async () => (await import("./changelog.ts")).changelogGroup },
  { names: ["metrics"], load: async () => (await import("./metrics.ts")).metricsGroup(GT_GROUPS) },
  { names: ["upgrade"], load: async () => (await import("./upgrade.ts")).upgradeGroup },
  { names: ["krc"], load: async () => (await import("./krc.ts")).krcGroup },
  { names: ["compact"], load: async () => (await import("./compact.ts")).compactGroup },
  { names: ["mountain"], load: async () => (await import("./mountain.ts")).mountainGroup },
  { names: ["synthesis", "synth"], load: async () => (await import("./synthesis.ts")).synthesisGroup },
  {
    names: ["completion", "__complete"],
    load: async () => (await import("./completion.ts")).completionGroup(GT_GROUPS),
  },
];
