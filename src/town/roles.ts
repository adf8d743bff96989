// Gas Town's roles as data. Everything that differs between mayor, deacon, witness,
// refinery, polecat and crew — where they live, what their session and agent bead are
// called, whether they run on their own — is a row here, not an `if (role === ...)`.
// Patterns use {town}-relative paths and the placeholders {rig}, {name}, {prefix}, {p}.

export const ROLE_NAMES = ["mayor", "deacon", "witness", "refinery", "polecat", "crew", "dog"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export interface RoleDef {
  role: RoleName;
  scope: "town" | "rig";
  /** Whether the role needs a name (a polecat or crew member is one of many). */
  named: boolean;
  /** Mail address / BD_ACTOR / GT_ROLE. */
  address: string;
  /** tmux / runtime session name. `{prefix}` is the ledger prefix, `hq` for the town. */
  session: string;
  /** Agent bead ID; `{p}` is the rig prefix plus the rig name unless they are equal. */
  agentBead: string;
  /** Working directory of the session, relative to the town root. */
  workDir: string;
  /** Shared parent directory whose agent settings (hooks) the session uses. */
  settingsDir: string;
  /** Autonomous roles get mail injected at session start; interactive ones on each prompt. */
  autonomous: boolean;
  /** Runs on under an e-stop (the mayor coordinates the recovery): never frozen, may start. */
  estopExempt?: true;
  emoji: string;
  /** One line on the job, for status displays. */
  summary: string;
}

export const ROLES: Readonly<Record<RoleName, RoleDef>> = {
  mayor: {
    role: "mayor",
    scope: "town",
    named: false,
    address: "mayor",
    session: "hq-mayor",
    agentBead: "hq-mayor",
    workDir: "mayor",
    settingsDir: "mayor",
    autonomous: false,
    estopExempt: true,
    emoji: "🎩",
    summary: "town coordinator: plans work, slings it to rigs, watches convoys",
  },
  deacon: {
    role: "deacon",
    scope: "town",
    named: false,
    address: "deacon",
    session: "hq-deacon",
    agentBead: "hq-deacon",
    workDir: "deacon",
    settingsDir: "deacon",
    autonomous: true,
    emoji: "🐺",
    summary: "town watchdog: keeps the other agents alive and moving",
  },
  witness: {
    role: "witness",
    scope: "rig",
    named: false,
    address: "{rig}/witness",
    session: "{prefix}-witness",
    agentBead: "{p}-witness",
    workDir: "{rig}/witness",
    settingsDir: "{rig}/witness",
    autonomous: true,
    emoji: "🦉",
    summary: "rig watchdog: finds stuck and dead polecats and recovers them",
  },
  refinery: {
    role: "refinery",
    scope: "rig",
    named: false,
    address: "{rig}/refinery",
    session: "{prefix}-refinery",
    agentBead: "{p}-refinery",
    workDir: "{rig}/refinery/rig",
    settingsDir: "{rig}/refinery",
    autonomous: true,
    emoji: "🏭",
    summary: "merge queue: verifies and merges finished work to the default branch",
  },
  polecat: {
    role: "polecat",
    scope: "rig",
    named: true,
    address: "{rig}/polecats/{name}",
    session: "{prefix}-{name}",
    agentBead: "{p}-polecat-{name}",
    workDir: "{rig}/polecats/{name}/{rig}",
    settingsDir: "{rig}/polecats",
    autonomous: true,
    emoji: "😺",
    summary: "worker: runs the bead on its hook in its own worktree, then gt done",
  },
  crew: {
    role: "crew",
    scope: "rig",
    named: true,
    address: "{rig}/crew/{name}",
    session: "{prefix}-crew-{name}",
    agentBead: "{p}-crew-{name}",
    workDir: "{rig}/crew/{name}",
    settingsDir: "{rig}/crew",
    autonomous: false,
    emoji: "👷",
    summary: "long-lived workspace for a person or a named agent",
  },
  dog: {
    role: "dog",
    scope: "town",
    named: true,
    address: "deacon/dogs/{name}",
    session: "hq-dog-{name}",
    agentBead: "hq-dog-{name}",
    workDir: "deacon/dogs/{name}",
    settingsDir: "deacon/dogs",
    autonomous: true,
    emoji: "🐕",
    summary: "the deacon's infra worker: runs the job on its hook, closes it, reports back",
  },
};

export function isRoleName(s: string): s is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(s);
}
