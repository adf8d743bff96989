// gt init: the legacy way to make a git repository rig-shaped in place. The agent
// directories (each with a .gitkeep) are made at the repository's top level and listed in
// its .git/info/exclude, anchored with a leading '/' so a source folder such as
// src/refinery/ is never hidden.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { git, gitOk } from "../adapters/git.ts";
import { ConflictError, ValidationError } from "../errors.ts";

export const RIG_AGENT_DIRS = ["polecats", "crew", "refinery/rig", "witness", "mayor/rig"] as const;

const EXCLUDE_MARKER = "# Gas Town agent directories";

export interface RigInitReport {
  path: string;
  created: string[];
  existed: string[];
  exclude_file: string;
  exclude_updated: boolean;
}

export async function initRigHere(cwd: string, opts: { force?: boolean } = {}): Promise<RigInitReport> {
  if (!(await gitOk(cwd, ["rev-parse", "--is-inside-work-tree"])))
    throw new ValidationError(`not a git repository: ${cwd} (run 'git init' first)`);
  const top = (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
  if (existsSync(join(top, "polecats")) && !opts.force)
    throw new ConflictError("already_initialized", `${top} is already rig-shaped (use --force to re-run)`);
  const excludeFile = resolve(top, (await git(top, ["rev-parse", "--git-path", "info/exclude"])).trim());

  const created: string[] = [];
  const existed: string[] = [];
  for (const dir of RIG_AGENT_DIRS) {
    const abs = join(top, dir);
    (existsSync(abs) ? existed : created).push(dir);
    mkdirSync(abs, { recursive: true });
    const keep = join(abs, ".gitkeep");
    if (!existsSync(keep)) writeFileSync(keep, "");
  }

  const text = existsSync(excludeFile) ? readFileSync(excludeFile, "utf8") : "";
  const tops = [...new Set(RIG_AGENT_DIRS.map((d) => d.split("/")[0]!))];
  const have = new Set(text.split("\n"));
  const missing = tops.map((d) => `/${d}/`).filter((l) => !have.has(l));
  if (missing.length) {
    mkdirSync(join(excludeFile, ".."), { recursive: true });
    const sep = text && !text.endsWith("\n") ? "\n" : "";
    const header = have.has(EXCLUDE_MARKER) ? "" : `${EXCLUDE_MARKER}\n`;
    writeFileSync(excludeFile, `${text}${sep}${header}${missing.join("\n")}\n`);
  }
  return { path: top, created, existed, exclude_file: excludeFile, exclude_updated: missing.length > 0 };
}
