// gt uninstall: takes away what gt put outside towns for this user — the shell integration
// (rc-file blocks and the hook script), the agent wrappers in ~/bin, the config, state (the enable/disable switch) and
// cache directories under the XDG dirs. The GT_HOME hook layers (~/.gt/hooks-*.json) are
// the user's own edits, removed only when asked; a town only when named by path.
import { existsSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ConflictError, ValidationError } from "../errors.ts";
import { stateDir } from "./gastown-switch.ts";
import { townRuntime } from "./runtime-choice.ts";
import {
  configDir,
  rcFile,
  removeShell,
  SHELLS,
  type ShellName,
  shellInstalled,
} from "./shell-integration.ts";
import { TOWN_JSON, Town } from "./workspace.ts";
import { wrapperPaths } from "./wrappers.ts";

export type UninstallKind = "shell" | "wrapper" | "config" | "state" | "cache" | "hooks" | "town";

export interface UninstallItem {
  kind: UninstallKind;
  path: string;
  what: string;
  /** For a shell item: whose rc file. */
  shell?: ShellName;
}

export interface UninstallOptions {
  /** Also remove the GT_HOME hook layers (hooks-base.json, hooks-overrides/). */
  hooks?: boolean;
  /** Also remove this town (its directory, whole). */
  town?: string;
  /** Whether the town's daemon runs (the daemon lives in a layer above this one). */
  daemonRunning?: (town: Town) => boolean;
  env?: NodeJS.ProcessEnv;
}

/** Gas Town's cache and the launcher's compile cache (scripts/launch.sh), which the next gt start remakes. */
function cacheDirs(env: NodeJS.ProcessEnv): string[] {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return [join(base, "gastown"), join(base, "gastown-ts")];
}

/** What would go, in the order it goes; checks a named town before anything is touched. */
export async function planUninstall(opts: UninstallOptions = {}): Promise<UninstallItem[]> {
  const env = opts.env ?? process.env;
  const items: UninstallItem[] = [];
  for (const shell of SHELLS)
    if (shellInstalled(shell, env))
      items.push({
        kind: "shell",
        path: rcFile(shell, env),
        what: `${shell} shell integration block`,
        shell,
      });
  for (const path of wrapperPaths(env))
    if (existsSync(path))
      items.push({ kind: "wrapper", path, what: "agent wrapper script (gt install --wrappers)" });
  const dirs: Array<[UninstallKind, string, string]> = [
    ["config", configDir(env), "config directory (shell hook script)"],
    ["state", stateDir(env), "state directory (gt enable/disable switch)"],
    ...cacheDirs(env).map((d): [UninstallKind, string, string] => ["cache", d, "cache directory"]),
  ];
  for (const [kind, path, what] of dirs) if (existsSync(path)) items.push({ kind, path, what });
  if (opts.hooks) {
    const base = join(env.GT_HOME || homedir(), ".gt");
    for (const [name, what] of [
      ["hooks-base.json", "base hook layer"],
      ["hooks-overrides", "hook override layers"],
    ] as const) {
      const path = join(base, name);
      if (existsSync(path)) items.push({ kind: "hooks", path, what });
    }
  }
  if (opts.town !== undefined) {
    const root = resolve(opts.town);
    if (!existsSync(join(root, TOWN_JSON)))
      throw new ValidationError(`${root} is not a town (no ${TOWN_JSON}); nothing removed`);
    const town = new Town(root);
    const running = await townRuntime(town, env).provider.list();
    if (running.length)
      throw new ConflictError(
        "town_running",
        `town ${root} has ${running.length} session(s): run 'gt down' there first; nothing removed`,
      );
    if (opts.daemonRunning?.(town))
      throw new ConflictError(
        "town_running",
        `town ${root} has its daemon running: run 'gt down' there first; nothing removed`,
      );
    items.push({ kind: "town", path: root, what: "town (the whole directory)" });
  }
  return items;
}

/** Removes the planned items; returns those removed and those that failed (with why). */
export function runUninstall(
  items: UninstallItem[],
  env: NodeJS.ProcessEnv = process.env,
): { removed: UninstallItem[]; failed: Array<UninstallItem & { error: string }> } {
  const removed: UninstallItem[] = [];
  const failed: Array<UninstallItem & { error: string }> = [];
  for (const item of items) {
    try {
      if (item.kind === "shell") removeShell(item.shell!, env);
      else rmSync(item.path, { recursive: true, force: true });
      removed.push(item);
    } catch (e) {
      failed.push({ ...item, error: (e as Error).message.split("\n")[0]! });
    }
  }
  return { removed, failed };
}
