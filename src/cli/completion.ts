// Shell completion for gt and bd, from commander's command tree. The scripts `gt completion
// bash|zsh|fish` prints are thin: on each TAB they call the program back with the words typed
// so far (`gt __complete -- <words…>`), and completeWords() below walks the whole tree to
// answer: subcommands, flags (the command's own and its parents'), choices, and the names an
// argument takes (rigs, agents, bead IDs), looked up only when that argument is completed.
import { Argument, type Command, type Help, type Option } from "commander";
import { ValidationError } from "../errors.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden command the scripts call back; it prints one candidate per line. */
export const COMPLETE_COMMAND = "__complete";

/**
 * Names a value can take, by the name it has in the usage (`<rig>`, `[beads...]`, the
 * `<address>` of `--to <address>`) and the command it is given to; empty when the name
 * means nothing known.
 */
export type NameSource = (valueName: string, cmd: Command) => string[] | Promise<string[]>;

function findSubcommand(cmd: Command, word: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
}

/** The command and its parents, nearest first. */
function lineage(cmd: Command): Command[] {
  const out: Command[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) out.push(c);
  return out;
}

function findOption(cmd: Command, flag: string): Option | undefined {
  for (const c of lineage(cmd)) {
    const o = c.options.find((x) => x.long === flag || x.short === flag);
    if (o) return o;
  }
  return undefined;
}

/** The flags a word at this point may be: the command's own, then its parents' (not help or version). */
function flagsOf(cmd: Command, help: Help): string[] {
  const out: string[] = [];
  for (const o of help.visibleOptions(cmd)) out.push(...[o.long, o.short].filter((f): f is string => !!f));
  for (const parent of lineage(cmd).slice(1)) {
    for (const o of parent.options) {
      if (o.hidden || o.long === "--help" || o.long === "--version") continue;
      out.push(...[o.long, o.short].filter((f): f is string => !!f));
    }
  }
  return out;
}

/** `--to <address>` -> "address"; `--rig [name]` -> "name". */
function valueNameOf(o: Option): string {
  return /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(o.flags)?.[1] ?? "";
}

async function namesFor(
  value: { argChoices?: string[] } | undefined,
  name: string,
  cmd: Command,
  names: NameSource | undefined,
): Promise<string[]> {
  if (value?.argChoices) return value.argChoices;
  if (!names || name === "") return [];
  try {
    return await names(name, cmd);
  } catch {
    return []; // completion never fails the shell: no town, no ledger, nothing to offer
  }
}

/**
 * The candidates for the last of `words` (the words after the program name; the last is the
 * one being typed, possibly ""), filtered by what it starts with, sorted, without repeats.
 */
export async function completeWords(root: Command, words: string[], names?: NameSource): Promise<string[]> {
  const cur = words.length > 0 ? words[words.length - 1]! : "";
  const help = root.createHelp();
  let cmd = root;
  let positional = 0;
  let pending: Option | undefined; // an option whose value comes next
  let operandsOnly = false; // after `--`
  let helpFor = false; // `gt help <command>`
  for (const w of words.slice(0, -1)) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (!operandsOnly && w === "--") {
      operandsOnly = true;
      continue;
    }
    if (!operandsOnly && w.startsWith("-") && w.length > 1) {
      const o = findOption(cmd, w.split("=")[0]!);
      if (o?.required && !w.includes("=")) pending = o;
      continue;
    }
    const sub = positional === 0 && !helpFor ? findSubcommand(cmd, w) : undefined;
    if (sub) cmd = sub;
    else if (positional === 0 && w === "help" && cmd.commands.length > 0) helpFor = true;
    else positional++;
  }
  let candidates: string[] = [];
  if (pending) {
    candidates = await namesFor(pending, valueNameOf(pending), cmd, names);
  } else if (!operandsOnly && cur.startsWith("-")) {
    candidates = cur.includes("=") ? [] : flagsOf(cmd, help);
  } else if (helpFor) {
    candidates = positional === 0 ? help.visibleCommands(cmd).map((c) => c.name()) : [];
  } else {
    if (positional === 0) candidates.push(...help.visibleCommands(cmd).map((c) => c.name()));
    const args = cmd.registeredArguments;
    const last = args[args.length - 1];
    const arg: Argument | undefined = args[positional] ?? (last?.variadic ? last : undefined);
    if (arg) candidates.push(...(await namesFor(arg, arg.name(), cmd, names)));
  }
  return [...new Set(candidates.filter((c) => c.startsWith(cur) && c !== COMPLETE_COMMAND))].sort();
}

/** The script a shell sources to complete `prog` (gt or bd) by calling it back. */
export function completionScript(prog: string, shell: string): string {
  const fn = `_${prog}_completion`;
  switch (shell) {
    case "bash":
      return `# bash completion for ${prog}: source it, e.g. from ~/.bashrc:  source <(${prog} completion bash)
${fn}() {
  local IFS=$'\\n'
  COMPREPLY=($("\${COMP_WORDS[0]}" ${COMPLETE_COMMAND} -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F ${fn} ${prog}
`;
    case "zsh":
      return `#compdef ${prog}
# zsh completion for ${prog}: source it after compinit, e.g. from ~/.zshrc:  source <(${prog} completion zsh)
# (or save it as _${prog} in a directory of $fpath).
${fn}() {
  local -a candidates
  candidates=(\${(f)"$("\${words[1]}" ${COMPLETE_COMMAND} -- "\${(@)words[2,CURRENT]}" 2>/dev/null)"})
  compadd -a candidates
}
if [ "$funcstack[1]" = "_${prog}" ]; then
  ${fn} "$@"
else
  compdef ${fn} ${prog}
fi
`;
    case "fish":
      return `# fish completion for ${prog}: ${prog} completion fish > ~/.config/fish/completions/${prog}.fish
function __${prog}_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    $words[1] ${COMPLETE_COMMAND} -- $words[2..-1] "$current" 2>/dev/null
end
complete -c ${prog} -f -a '(__${prog}_complete)'
`;
    default:
      throw new ValidationError(`unknown shell '${shell}' (one of ${SHELLS.join(", ")})`);
  }
}

/** The IDs of the open beads in the ledger found from `cwd` (most recently updated first, at most 500). */
export async function openBeadIds(cwd: string): Promise<string[]> {
  const { findLedger, openLedger } = await import("../ledger/discovery.ts");
  const loc = findLedger(cwd);
  if (!loc) return [];
  const ledger = openLedger(loc, { readOnly: true });
  try {
    const rows = await ledger.query(
      "SELECT id FROM issues WHERE status <> 'closed' ORDER BY updated_at DESC LIMIT 500",
    );
    return rows.map((r) => String(r.id));
  } finally {
    await ledger.close();
  }
}

/**
 * Registers `completion <shell>` and the hidden `__complete` the scripts call. gt and bd
 * register only the command word's group at start: `fill` adds every other group to the root
 * before the tree is walked.
 */
export function registerCompletion(
  p: Command,
  prog: string,
  fill: (root: Command) => Promise<void>,
  names: NameSource,
): void {
  p.command("completion")
    .description(`Print the shell completion script for ${prog} (bash, zsh or fish)`)
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .addHelpText(
      "after",
      `\nbash:  source <(${prog} completion bash)    (in ~/.bashrc)\n` +
        `zsh:   source <(${prog} completion zsh)     (in ~/.zshrc, after compinit)\n` +
        `fish:  ${prog} completion fish > ~/.config/fish/completions/${prog}.fish`,
    )
    .action((shell: string) => {
      process.stdout.write(completionScript(prog, shell));
    });
  p.command(COMPLETE_COMMAND, { hidden: true })
    .description("Completion candidates for the words typed so far (what the scripts call)")
    .argument("[words...]")
    .helpOption(false)
    .allowUnknownOption()
    .action(async (words: string[] | undefined, _opts: unknown, self: Command) => {
      const root = self.parent ?? self;
      await fill(root);
      const found = await completeWords(root, words ?? [], names);
      if (found.length > 0) process.stdout.write(`${found.join("\n")}\n`);
    });
}
