// PreToolUse guards (gt tap guard <name>): the agent CLI hands the tool call over as JSON on
// stdin ({"tool_name":"Bash","tool_input":{"command":"…"}}); a guard answers with a reason
// to block (the CLI exits 2, which blocks the call) or nothing (exit 0, allowed). Guards fail
// open: input they cannot read is allowed, since a broken guard must not stop all work.

export const GUARD_NAMES = ["pr-workflow", "dangerous-command", "bd-init", "mol-patrol"] as const;
export type GuardName = (typeof GUARD_NAMES)[number];

export interface GuardContext {
  /** The shell command of the tool call, when the hook sent one. */
  command: string | undefined;
  /** The caller is a Gas Town agent (GT_ROLE, or a crew/polecat directory). */
  agent: boolean;
  /** The caller is the Mayor. */
  mayor: boolean;
  cwd: string;
  /** The town the cwd is in, if any. */
  townRoot: string | undefined;
}

export interface TapHandler {
  name: string;
  kind: "guard" | "check";
  description: string;
  event: string;
  matchers: string[];
}

export const TAP_HANDLERS: TapHandler[] = [
  {
    name: "bd-init",
    kind: "guard",
    description: "Block bd init by an agent anywhere but the town root",
    event: "PreToolUse",
    matchers: ["Bash(bd init*)"],
  },
  {
    name: "dangerous-command",
    kind: "guard",
    description:
      "Block sudo, system package installs, rm -rf /, force push, hard reset, git clean -f, DROP/TRUNCATE",
    event: "PreToolUse",
    matchers: [
      "Bash(sudo *)",
      "Bash(apt install*)",
      "Bash(brew install*)",
      "Bash(rm -rf /*)",
      "Bash(git push --force*)",
      "Bash(git push -f*)",
    ],
  },
  {
    name: "mol-patrol",
    kind: "guard",
    description: "Block gt mol patrol from agents other than the Mayor",
    event: "PreToolUse",
    matchers: ["Bash(gt mol patrol*)"],
  },
  {
    name: "pr-workflow",
    kind: "guard",
    description: "Block pull requests and feature branches for agents (they push to main)",
    event: "PreToolUse",
    matchers: ["Bash(gh pr create*)", "Bash(git checkout -b*)", "Bash(git switch -c*)"],
  },
];

export function isGuardName(name: string): name is GuardName {
  return (GUARD_NAMES as readonly string[]).includes(name);
}

/** The tool call's shell command from a hook's stdin JSON; undefined when there is none. */
export function hookCommand(stdin: string): string | undefined {
  if (!stdin.trim()) return undefined;
  try {
    const v = JSON.parse(stdin) as { tool_input?: { command?: unknown } };
    const c = v?.tool_input?.command;
    return typeof c === "string" && c.trim() ? c : undefined;
  } catch {
    return undefined;
  }
}

/** The simple commands of a command line, each as its words (split at ; && || | and newlines). */
function simpleCommands(command: string): string[][] {
  return command
    .split(/&&|\|\||[;|\n]/)
    .map((part) => part.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}

/** Whether some simple command in `command` has `seq` as consecutive words. */
function hasWords(command: string, seq: string[]): boolean {
  return simpleCommands(command.toLowerCase()).some((w) => {
    for (let i = 0; i + seq.length <= w.length; i++) if (seq.every((s, j) => w[i + j] === s)) return true;
    return false;
  });
}

function dangerReason(command: string): string | undefined {
  const lower = command.toLowerCase();
  for (const w of simpleCommands(lower)) {
    if (w.includes("sudo")) return "agents never use sudo: do not elevate privileges or change the host";
    const tool = w[0] ?? "";
    const rest = w.slice(1);
    if (["apt", "apt-get", "dnf", "yum", "brew", "gem"].includes(tool) && rest.includes("install"))
      return `system package install (${tool}): use the workspace's own tools`;
    if (tool === "pacman" && rest.some((a) => /^-S/i.test(a)))
      return "system package install (pacman): use the workspace's own tools";
    if (/^pip3?$/.test(tool) && rest.includes("install") && rest.includes("--system"))
      return "system-wide pip install: use a virtualenv";
    if (
      tool === "npm" &&
      ["install", "i"].includes(rest[0] ?? "") &&
      rest.some((a) => a === "-g" || a === "--global")
    )
      return "global npm install: use the workspace's own tools";
    if (
      tool === "rm" &&
      rest.some((a) => /^-[a-z]*r[a-z]*f|^-[a-z]*f[a-z]*r/.test(a)) &&
      rest.some((a) => a === "/" || a === "/*")
    )
      return "filesystem destruction (rm -rf /)";
    const push = w.findIndex((x, i) => x === "push" && w[i - 1] === "git");
    if (
      push >= 0 &&
      w.slice(push + 1).some((a) => a === "--force" || a === "-f" || /^-[a-z]*f[a-z]*$/.test(a))
    )
      return "force push rewrites the remote's history (use --force-with-lease)";
    const git = (sub: string) => tool === "git" && rest.includes(sub);
    if (git("reset") && rest.includes("--hard")) return "git reset --hard throws away uncommitted work";
    if (git("clean") && rest.some((a) => /^-[a-z]*f/.test(a) || a === "--force"))
      return "git clean -f deletes untracked files";
  }
  if (/\bdrop\s+(table|database)\b/.test(lower)) return "SQL DROP destroys data";
  if (/\btruncate\s+table\b/.test(lower)) return "SQL TRUNCATE destroys data";
  return undefined;
}

/** Why guard `name` blocks this tool call, or undefined to allow it. */
export function guardVerdict(name: GuardName, ctx: GuardContext): string | undefined {
  const cmd = ctx.command;
  switch (name) {
    case "dangerous-command":
      return cmd ? dangerReason(cmd) : undefined;
    case "pr-workflow": {
      if (!ctx.agent) return undefined;
      // Without a command the hook's matcher already chose the call: block as Gas Town does.
      const pr =
        !cmd ||
        hasWords(cmd, ["gh", "pr", "create"]) ||
        hasWords(cmd, ["git", "checkout", "-b"]) ||
        hasWords(cmd, ["git", "switch", "-c"]);
      return pr
        ? "Gas Town agents push to main: no pull requests or feature branches (git commit && git push)"
        : undefined;
    }
    case "bd-init": {
      if (!ctx.agent || !ctx.townRoot) return undefined;
      if (cmd && !hasWords(cmd, ["bd", "init"])) return undefined;
      if (ctx.cwd === ctx.townRoot) return undefined;
      return `bd init here would make an orphan ledger: the town's ledgers already exist (town root ${ctx.townRoot})`;
    }
    case "mol-patrol": {
      if (!ctx.agent || ctx.mayor) return undefined;
      if (cmd && !hasWords(cmd, ["gt", "mol", "patrol"])) return undefined;
      return "only the Mayor or a person runs gt mol patrol: it can end other agents' molecules (gt mol status is safe)";
    }
  }
}
