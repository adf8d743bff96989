// Gas Town's runtime files (ledger redirects, agent settings, .runtime) must stay out of
// the project's history: each repository a rig keeps (the shared repo its sandboxes use,
// the canonical clone when the project tracks its own beads, crew clones) excludes them in
// its own info/exclude, never in the project's .gitignore.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_RUNTIME_EXCLUDES, addExcludes } from "../adapters/git.ts";
import { crewNames } from "../town/roster.ts";
import type { Town } from "../town/workspace.ts";
import type { DoctorCheck } from "./types.ts";
import { ok, shown } from "./util.ts";

interface ExcludeTarget {
  repo: string;
  /** Its info/exclude (bare repos keep it at the top, clones under .git). */
  file: string;
  wanted: string[];
}

/** The repositories of a rig and the patterns each must exclude, as rig add and crew add write them. */
function targetsOf(town: Town, rig: string): ExcludeTarget[] {
  const rigDir = town.rigDir(rig);
  const canonical = join(rigDir, "mayor", "rig");
  // A project tracking its own beads keeps them in the canonical clone, the rig ledger redirected there.
  const tracked = existsSync(join(rigDir, ".beads", "redirect"));
  const trackedJsonl = existsSync(join(canonical, ".beads", "issues.jsonl"));
  const bare = join(rigDir, ".repo.git");
  const out: ExcludeTarget[] = [];
  if (existsSync(bare))
    out.push({
      repo: bare,
      file: join(bare, "info", "exclude"),
      wanted: [".beads/redirect", ...(trackedJsonl ? [] : [".beads/"]), ...AGENT_RUNTIME_EXCLUDES],
    });
  if (tracked && existsSync(join(canonical, ".git")))
    out.push({
      repo: canonical,
      file: join(canonical, ".git", "info", "exclude"),
      wanted: [".beads/beads.db", ".beads/beads.db-*", ".beads/*.tmp-*"],
    });
  for (const name of crewNames(town, rig)) {
    const dir = join(rigDir, "crew", name);
    const crewTracked = existsSync(join(dir, ".beads", "issues.jsonl"));
    out.push({
      repo: dir,
      file: join(dir, ".git", "info", "exclude"),
      wanted: [
        ...AGENT_RUNTIME_EXCLUDES,
        ".beads/redirect",
        "mail/",
        "state.json",
        ...(crewTracked ? [] : [".beads/"]),
      ],
    });
  }
  return out;
}

function missingIn(t: ExcludeTarget): string[] {
  const have = existsSync(t.file) ? readFileSync(t.file, "utf8").split("\n") : [];
  return t.wanted.filter((p) => !have.includes(p));
}

export const gitExcludesCheck: DoctorCheck = {
  name: "git-excludes",
  category: "Rig",
  description: "each rig's repositories exclude Gas Town's runtime files in info/exclude",
  async run(ctx) {
    const { town } = ctx;
    const gaps: Array<{ target: ExcludeTarget; missing: string[] }> = [];
    let count = 0;
    for (const rig of ctx.rigs()) {
      if (!existsSync(town.rigDir(rig))) continue;
      for (const target of targetsOf(town, rig)) {
        count++;
        const missing = missingIn(target);
        if (missing.length > 0) gaps.push({ target, missing });
      }
    }
    if (gaps.length === 0)
      return ok(`${count} repositor${count === 1 ? "y excludes" : "ies exclude"} Gas Town's runtime files`);
    const details = gaps.map((g) => `${shown(ctx.town, g.target.file)}: missing ${g.missing.join(" ")}`);
    return {
      status: "warning",
      message: `${gaps.length} repositor${gaps.length === 1 ? "y does" : "ies do"} not exclude Gas Town's runtime files`,
      details,
      hint: "gt doctor --fix adds the missing patterns to each info/exclude (the project's .gitignore is not touched)",
      fix: async () => {
        for (const g of gaps) await addExcludes(g.target.repo, g.missing);
        return details.map((d) => d.replace(": missing ", ": added "));
      },
    };
  },
};
