// Shell integration (gt shell install|remove|status): a hook script in
// $XDG_CONFIG_HOME/gastown/shell-hook.sh, sourced from the user's ~/.bashrc or ~/.zshrc by a
// block between two marker lines, that exports GT_TOWN_ROOT and GT_RIG whenever the shell is
// inside a town (and unsets what it set on leaving). GASTOWN_DISABLED=1 turns it off.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";

export const SHELLS = ["bash", "zsh"] as const;
export type ShellName = (typeof SHELLS)[number];

const START = "# --- Gas Town Integration (managed by gt) ---";
const END = "# --- End Gas Town ---";

// The town is the outermost directory holding mayor/town.json (as gt finds it); the rig is
// the town's child directory the shell is in, when that directory has a rig's config.json.
const HOOK_SCRIPT = `# Gas Town shell hook (written by gt shell install; gt shell remove deletes it).
_gastown_hook() {
  [ "\${GASTOWN_DISABLED:-}" = "1" ] && return 0
  local dir="$PWD" town="" rel rig=""
  while :; do
    [ -f "$dir/mayor/town.json" ] && town="$dir"
    [ "$dir" = "/" ] || [ -z "$dir" ] && break
    dir="\${dir%/*}"
    [ -z "$dir" ] && dir="/"
  done
  if [ -n "$town" ]; then
    rel="\${PWD#"$town"}"
    rel="\${rel#/}"
    rig="\${rel%%/*}"
    if [ -n "$rig" ] && [ -f "$town/$rig/config.json" ] && [ "$rig" != "mayor" ] && [ "$rig" != "deacon" ]; then
      export GT_RIG="$rig"
    elif [ -n "\${_GASTOWN_SET:-}" ]; then
      unset GT_RIG
    fi
    export GT_TOWN_ROOT="$town"
    _GASTOWN_SET=1
  elif [ -n "\${_GASTOWN_SET:-}" ]; then
    unset GT_TOWN_ROOT GT_RIG _GASTOWN_SET
  fi
}
if [ -n "\${ZSH_VERSION:-}" ]; then
  typeset -ga chpwd_functions
  (( \${chpwd_functions[(Ie)_gastown_hook]} )) || chpwd_functions+=(_gastown_hook)
else
  case ";\${PROMPT_COMMAND:-};" in
    *";_gastown_hook;"*) ;;
    *) PROMPT_COMMAND="_gastown_hook\${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
  esac
fi
_gastown_hook
`;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return xdg ? join(xdg, "gastown") : join(env.HOME || homedir(), ".config", "gastown");
}

export function hookScriptPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), "shell-hook.sh");
}

export function rcFile(shell: ShellName, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HOME || homedir(), shell === "bash" ? ".bashrc" : ".zshrc");
}

/** --shell, else the login shell ($SHELL) when it is bash or zsh. */
export function chooseShell(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ShellName {
  const name = flag ?? env.SHELL?.split("/").pop() ?? "";
  if ((SHELLS as readonly string[]).includes(name)) return name as ShellName;
  throw new ValidationError(
    flag
      ? `unsupported shell "${flag}" (bash, zsh)`
      : `cannot tell your shell from SHELL="${env.SHELL ?? ""}": pass --shell bash|zsh`,
  );
}

function block(env: NodeJS.ProcessEnv): string {
  const script = hookScriptPath(env);
  return `${START}\n[ -f "${script}" ] && . "${script}"\n${END}`;
}

/** The rc file's text less the Gas Town block (and the newline before it); undefined if it has none. */
function withoutBlock(text: string, file: string): string | undefined {
  const s = text.indexOf(START);
  if (s < 0) return undefined;
  const e = text.indexOf(END, s);
  if (e < 0)
    throw new ValidationError(`${file} has a Gas Town start marker but no end marker: fix it by hand`);
  let end = e + END.length;
  if (text[end] === "\n") end++;
  const start = s > 0 && text[s - 1] === "\n" ? s - 1 : s;
  return text.slice(0, start) + text.slice(end);
}

export interface ShellReport {
  shell: ShellName;
  rc_file: string;
  hook_script: string;
  /** install: the block was added (false: it was there and is rewritten). remove: it was there. */
  changed: boolean;
}

export function installShell(shell: ShellName, env: NodeJS.ProcessEnv = process.env): ShellReport {
  const rc = rcFile(shell, env);
  const script = hookScriptPath(env);
  const text = existsSync(rc) ? readFileSync(rc, "utf8") : "";
  const rest = withoutBlock(text, rc);
  mkdirSync(configDir(env), { recursive: true });
  writeFileSync(script, HOOK_SCRIPT);
  if (rest === undefined && text) writeFileSync(`${rc}.gastown-backup`, text);
  const base = rest ?? text;
  writeFileSync(rc, `${base}${base && !base.endsWith("\n") ? "\n" : ""}\n${block(env)}\n`);
  return { shell, rc_file: rc, hook_script: script, changed: rest === undefined };
}

export function removeShell(shell: ShellName, env: NodeJS.ProcessEnv = process.env): ShellReport {
  const rc = rcFile(shell, env);
  const script = hookScriptPath(env);
  const rest = existsSync(rc) ? withoutBlock(readFileSync(rc, "utf8"), rc) : undefined;
  if (rest !== undefined) writeFileSync(rc, rest);
  // The script stays while another shell's rc still sources it.
  const other = SHELLS.find((s) => s !== shell)!;
  if (!shellInstalled(other, env)) rmSync(script, { force: true });
  return { shell, rc_file: rc, hook_script: script, changed: rest !== undefined };
}

export function shellInstalled(shell: ShellName, env: NodeJS.ProcessEnv = process.env): boolean {
  const rc = rcFile(shell, env);
  return existsSync(rc) && readFileSync(rc, "utf8").includes(START);
}
