// bd repo: other beads repositories this one works with. beads copies their issues into its
// own database; here each stays in its own ledger and is reached through routes.jsonl (the
// same routing a town uses), so `bd show <their-id>` reads it live and nothing foreign is
// ever exported into this repository's issues.jsonl. The list itself is config
// (repos.additional), so it travels in config.yaml.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseConfigFile } from "./config-file.ts";
import { BEADS_DIRNAME, prefixOfJsonl, ROUTES_FILENAME, type Route, readRoutes } from "./discovery.ts";

export const REPOS_KEY = "repos.additional";

export function parseRepoList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `~` expanded, relative paths taken from the project directory. */
export function repoDir(project: string, path: string, home: string): string {
  const expanded = path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : path;
  return resolve(project, expanded);
}

/** The ID prefix of the ledger in `dir` (its config.yaml, else its issues), if it has one. */
export function ledgerPrefixAt(dir: string): string | undefined {
  const beads = join(dir, BEADS_DIRNAME);
  const config = join(beads, "config.yaml");
  if (existsSync(config)) {
    const p = parseConfigFile(readFileSync(config, "utf8")).get("issue_prefix");
    if (p) return p;
  }
  return prefixOfJsonl(join(beads, "issues.jsonl"));
}

/** Issue lines in the repository's issues.jsonl. */
export function issueCountAt(dir: string): number {
  const file = join(dir, BEADS_DIRNAME, "issues.jsonl");
  if (!existsSync(file)) return 0;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().startsWith("{")).length;
}

/** Sets (or, with target undefined, removes) the route for `prefix` in the project's routes.jsonl. */
export function setRoute(project: string, prefix: string, target: string | undefined): void {
  const file = join(project, BEADS_DIRNAME, ROUTES_FILENAME);
  const key = `${prefix}-`;
  const routes: Route[] = readRoutes(file).filter((r) => r.prefix !== key && r.prefix !== prefix);
  if (target !== undefined) routes.push({ prefix: key, path: relative(project, target) || "." });
  const tmp = `${file}.bd-tmp-${process.pid}`;
  writeFileSync(tmp, routes.map((r) => `${JSON.stringify(r)}\n`).join(""));
  renameSync(tmp, file);
}
