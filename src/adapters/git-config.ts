// Reads one git config value the way `git config <key>` would for plain files, without
// starting a git process (bd resolves the actor on every write; a spawn costs more than the
// write). Falls back to git itself when a file uses includes, which only git can follow.

import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { lazyChildProcess } from "../lazy.ts";

/** The .git directory for `cwd` (following a worktree's `.git` file), if any. */
function gitDir(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, ".git");
    if (existsSync(candidate)) {
      if (statSync(candidate).isDirectory()) return candidate;
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(candidate, "utf8"));
      if (m) {
        const linked = resolve(dir, m[1]!.trim());
        // A linked worktree keeps its config in the common dir.
        const common = join(linked, "commondir");
        return existsSync(common) ? resolve(linked, readFileSync(common, "utf8").trim()) : linked;
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Value of `section.key` in one config file's text (last one wins); null when includes are used. */
function valueIn(text: string, section: string, key: string): string | undefined | null {
  let current = "";
  let found: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[([^\]\s"]+)(?:\s+"[^"]*")?\]/.exec(line);
    if (head) {
      current = head[1]!.toLowerCase();
      if (current === "include" || current === "includeif") return null;
      continue;
    }
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (kv && current === section && kv[1]!.toLowerCase() === key) {
      found = kv[2]!.replace(/^"(.*)"$/, "$1").trim();
    }
  }
  return found;
}

export function gitConfigValue(
  cwd: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const [section, key] = name.toLowerCase().split(".") as [string, string];
  const home = env.HOME || homedir();
  const files = [
    join(env.XDG_CONFIG_HOME || join(home, ".config"), "git", "config"),
    join(home, ".gitconfig"),
  ];
  const repo = gitDir(cwd);
  if (repo) files.push(join(repo, "config"));
  let value: string | undefined;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const v = valueIn(readFileSync(file, "utf8"), section, key);
    if (v === null) return viaGit(cwd, name);
    if (v !== undefined) value = v;
  }
  return value;
}

function viaGit(cwd: string, name: string): string | undefined {
  try {
    const out = lazyChildProcess().execFileSync("git", ["config", name], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
