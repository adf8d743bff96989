// The agent wrapper scripts of `gt install --wrappers` (~/bin/gt-codex, gt-gemini, gt-opencode),
// as Gas Town ships them: for agent CLIs started by hand, with no SessionStart hook of gt's
// own, each prints Gas Town's context (gt prime) and then runs the agent with the arguments it
// was given. While Gas Town is disabled (gt disable) the wrapper only runs the agent.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const WRAPPED_AGENTS = ["codex", "gemini", "opencode"] as const;

export function wrapperDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), "bin");
}

export function wrapperPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return WRAPPED_AGENTS.map((a) => join(wrapperDir(env), `gt-${a}`));
}

export function wrapperScript(agent: (typeof WRAPPED_AGENTS)[number]): string {
  return `#!/bin/sh
# gt-${agent}, written by gt install --wrappers: Gas Town's context (gt prime), then ${agent}.
# gt prime --hook is a silent no-op while Gas Town is disabled (gt disable).
if command -v gt >/dev/null 2>&1; then
  gt prime --hook </dev/null 2>/dev/null || true
fi
exec ${agent} "$@"
`;
}

/** Writes every wrapper (each whole or not at all); returns their paths. */
export function installWrappers(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = wrapperDir(env);
  mkdirSync(dir, { recursive: true });
  return WRAPPED_AGENTS.map((agent) => {
    const file = join(dir, `gt-${agent}`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, wrapperScript(agent));
    chmodSync(tmp, 0o755);
    renameSync(tmp, file);
    return file;
  });
}

/** Removes the wrappers that are there; returns the paths removed. */
export function removeWrappers(env: NodeJS.ProcessEnv = process.env): string[] {
  const gone: string[] = [];
  for (const file of wrapperPaths(env))
    if (existsSync(file)) {
      rmSync(file, { force: true });
      gone.push(file);
    }
  return gone;
}
