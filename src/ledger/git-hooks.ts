// The git hooks bd installs (bd hooks install): a marked section in each hook file that
// calls `bd hooks run <hook>`, put into whatever hook is already there so the user's own
// hook keeps running (the section goes above a closing `exec`, which would never return).
// Text only: which directory, and running git, is the CLI's business.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const MANAGED_HOOKS = [
  "pre-commit",
  "post-merge",
  "pre-push",
  "post-checkout",
  "prepare-commit-msg",
] as const;
export type HookName = (typeof MANAGED_HOOKS)[number];

const BEGIN = "# --- BEGIN BEADS INTEGRATION";
const END = "# --- END BEADS INTEGRATION";
/** Older beads hooks: a whole-file shim, a versioned inline hook, or bd init's inline hook. */
const LEGACY_MARKERS = ["# bd-shim ", "# bd-hooks-version: ", "# bd (beads)"];
const SHEBANG = "#!/usr/bin/env sh\n";

/** The section for one hook: run bd's part (bounded by a timeout where `timeout` exists). */
export function hookSection(hook: string, version: string): string {
  return `${BEGIN} v${version} ---
# Written by bd hooks install; bd hooks uninstall takes it out. Keep both marker lines.
if command -v bd >/dev/null 2>&1; then
  _bd_limit=""
  if command -v timeout >/dev/null 2>&1; then _bd_limit="timeout \${BEADS_HOOK_TIMEOUT:-300}"; fi
  BD_GIT_HOOK=1 $_bd_limit bd hooks run ${hook} "$@"
  _bd_status=$?
  if [ "$_bd_status" -eq 124 ]; then
    echo >&2 "beads: ${hook} hook timed out; going on without it"
    _bd_status=0
  fi
  if [ "$_bd_status" -ne 0 ]; then exit "$_bd_status"; fi
fi
${END} v${version} ---
`;
}

/** The line index where a section goes so that a closing `exec …` still comes after it. */
function execTailLine(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (
      t === "" ||
      t.startsWith("#") ||
      ["fi", "else", "done", "esac", "}", ";;"].includes(t) ||
      // other branches of the block, their messages and exits
      /^(exit|echo|elif|else)(\s|$)/.test(t)
    )
      continue;
    if (!/^exec(\s|$)/.test(t)) return -1;
    // Inside an if-block at column 0: go in above the block.
    for (let j = i - 1; j >= 0; j--) {
      const line = lines[j]!;
      if (line.trim() === "" || line !== line.trimStart() || /^(elif |else|then)/.test(line)) continue;
      return line.startsWith("if ") ? j : i;
    }
    return i;
  }
  return -1;
}

/** The hook file's content without bd's section; whether it had one. */
export function removeSection(content: string): { content: string; found: boolean } {
  const lines = content.split("\n");
  const begin = lines.findIndex((l) => l.startsWith(BEGIN));
  const end = lines.findIndex((l, i) => i >= Math.max(begin, 0) && l.startsWith(END));
  if (begin < 0 && end < 0) return { content, found: false };
  if (begin >= 0 && end > begin) {
    // The blank line install put beside the section goes with it.
    let from = begin;
    let to = end;
    if (from > 1 && lines[from - 1]!.trim() === "") from--;
    else if (to + 1 < lines.length - 1 && lines[to + 1]!.trim() === "") to++;
    lines.splice(from, to - from + 1);
  } else {
    // A lone marker (hand-edited file): drop just the marker lines.
    for (let i = lines.length - 1; i >= 0; i--)
      if (lines[i]!.startsWith(BEGIN) || lines[i]!.startsWith(END)) lines.splice(i, 1);
  }
  return { content: lines.join("\n"), found: true };
}

/** The hook file with bd's section in it: replaced in place, or added before a closing exec, or appended. */
export function injectSection(existing: string, section: string): string {
  const text = existing.replace(/\r\n/g, "\n");
  const lines = text.split("\n");
  const begin = lines.findIndex((l) => l.startsWith(BEGIN));
  const end = lines.findIndex((l, i) => begin >= 0 && i > begin && l.startsWith(END));
  if (begin >= 0 && end > begin) {
    lines.splice(begin, end - begin + 1, ...section.replace(/\n$/, "").split("\n"));
    return lines.join("\n");
  }
  const clean = removeSection(text).content;
  const cleanLines = clean.replace(/\n+$/, "").split("\n");
  const at = execTailLine(cleanLines);
  if (at >= 0) {
    cleanLines.splice(at, 0, ...section.replace(/\n$/, "").split("\n"), "");
    return `${cleanLines.join("\n")}\n`;
  }
  return `${cleanLines.join("\n")}\n\n${section}`;
}

export interface HookStatus {
  Name: string;
  Installed: boolean;
  Version: string;
  IsShim: boolean;
  Outdated: boolean;
}

/** What bd's section (or an older bd hook) in one hook file says about itself. */
export function hookStatus(dir: string, name: string, current: string): HookStatus {
  const path = join(dir, name);
  const status: HookStatus = { Name: name, Installed: false, Version: "", IsShim: false, Outdated: false };
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch {
    return status;
  }
  status.Installed = true;
  for (const line of content.split("\n")) {
    if (line.startsWith(BEGIN)) {
      status.Version = line
        .slice(BEGIN.length)
        .replace(/-+\s*$/, "")
        .trim()
        .replace(/^v/, "");
      status.IsShim = true;
      return status;
    }
    const legacy = LEGACY_MARKERS.find((m) => line.startsWith(m));
    if (legacy && legacy !== "# bd (beads)") {
      status.Version = line.slice(legacy.length).trim();
      status.IsShim = legacy === "# bd-shim ";
      status.Outdated = !status.IsShim && status.Version !== current;
      return status;
    }
  }
  if (content.includes("# bd (beads)")) status.Outdated = true;
  return status;
}

/** True when the file is an older bd hook that bd owns whole (replaced, not merged into). */
export function isLegacyBdHook(content: string): boolean {
  return !content.includes(BEGIN) && LEGACY_MARKERS.some((m) => content.includes(m));
}

/** Writes (or refreshes) bd's section in each hook in `dir`; the hooks written. */
export function installHooks(dir: string, version: string): string[] {
  const written: string[] = [];
  for (const hook of MANAGED_HOOKS) {
    const path = join(dir, hook);
    const section = hookSection(hook, version);
    const existing = existsSync(path) ? readFileSync(path, "utf8") : undefined;
    const next =
      existing === undefined || existing.trim() === "" || isLegacyBdHook(existing)
        ? SHEBANG + section
        : injectSection(existing, section);
    const tmp = `${path}.bd-tmp-${process.pid}`;
    writeFileSync(tmp, next, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, path);
    written.push(hook);
  }
  return written;
}

/** Takes bd's section out of each hook in `dir`; a file left with nothing but a shebang goes. */
export function uninstallHooks(dir: string): string[] {
  const removed: string[] = [];
  for (const hook of MANAGED_HOOKS) {
    const path = join(dir, hook);
    if (!existsSync(path)) continue;
    const content = readFileSync(path, "utf8");
    const { content: rest, found } = removeSection(content);
    if (found) {
      const meaningful = rest.split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("#"));
      if (meaningful) writeFileSync(path, rest.replace(/\n{3,}$/, "\n"));
      else rmSync(path);
      removed.push(hook);
    } else if (isLegacyBdHook(content)) {
      rmSync(path);
      if (existsSync(`${path}.backup`)) renameSync(`${path}.backup`, path);
      removed.push(hook);
    }
  }
  return removed;
}

/** An executable `<hook>.old` beside the hook that is not bd's own (bd runs it first). */
export function chainedHook(dir: string, hook: string): string | undefined {
  const path = join(dir, `${hook}.old`);
  try {
    if ((statSync(path).mode & 0o111) === 0) return undefined;
    const content = readFileSync(path, "utf8");
    if (content.includes(BEGIN) || isLegacyBdHook(content)) return undefined;
    return path;
  } catch {
    return undefined;
  }
}
