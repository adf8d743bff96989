// The gt command tree. Each group lives in its own file and registers here; actions get a
// GtContext and may throw typed errors, which become one line and an exit code.

import { Command, CommanderError } from "commander";
import { flushTelemetry } from "../../adapters/otel.ts";
import { ValidationError } from "../../errors.ts";
import { recordCommandUsage } from "../../town/command-usage.ts";
import { writeErr, writeOut } from "../stdio.ts";
import { GtContext, reportGtError } from "./context.ts";

export const GT_VERSION = "0.2.0";

export type GtAction = (
  ctx: GtContext,
  args: string[],
  opts: Record<string, unknown>,
) => Promise<number | undefined | void>;

/** Wraps an action: builds the context, maps errors to one line and an exit code. */
export function act(fn: GtAction) {
  return async (...raw: unknown[]) => {
    const cmd = raw[raw.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as Record<string, unknown>;
    const args = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [String(a)]));
    const ctx = new GtContext({ json: opts.json === true });
    try {
      const code = await fn(ctx, args, opts);
      if (typeof code === "number") process.exitCode = code;
    } catch (e) {
      process.exitCode = reportGtError(e, ctx.json);
    }
  };
}

export interface GtGroup {
  names: readonly string[];
  register: (p: Command) => void;
}

/** A group known by its names, its module (and all that imports) loaded only when needed. */
export interface LazyGtGroup {
  names: readonly string[];
  load: () => Promise<GtGroup>;
}

const versionGroup: GtGroup = {
  names: ["version"],
  register(p: Command) {
    p.command("version")
      .description("Print the version")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          if (ctx.json)
            return ctx.printJson({ version: GT_VERSION, runtime: `node ${process.versions.node}` });
          ctx.out(`gt version ${GT_VERSION}`);
        }),
      );
  },
};

/**
 * What every gt bundle runs: the whole command tree (src/cli/gt/main.ts) or only the groups
 * of one of the hot-path bundles (scripts/gt-bundles/), plus `gt version`.
 */
export function gtMain(groups: ReadonlyArray<GtGroup | LazyGtGroup>): Promise<void> {
  // The launcher turns Node's compile cache on for us; agents we start need not inherit it.
  delete process.env.NODE_COMPILE_CACHE;
  const lazy = groups.map((g): LazyGtGroup => ("load" in g ? g : { names: g.names, load: async () => g }));
  return runGt(process.argv, [...lazy, { names: versionGroup.names, load: async () => versionGroup }]);
}

export async function runGt(argv: string[], groups: LazyGtGroup[]): Promise<void> {
  const program = new Command("gt")
    .description("gt - Gas Town: run many coding agents on many projects without losing work")
    .version(`gt version ${GT_VERSION}`, "--version", "print the version")
    .showHelpAfterError(false)
    .configureOutput({
      writeOut,
      writeErr,
      outputError: (str, write) =>
        write(
          `${str
            .replace(/^error: /, "Error: ")
            .trim()
            .replace(/\s*\n\s*/g, " ")}\n`,
        ),
    })
    .exitOverride()
    // The usage log gt metrics reads: the command about to run, as Gas Town logs it.
    .hook("preAction", (_root, action) => recordCommandUsage(commandPath(action), action.args.length));
  const word = argv.slice(2).find((a) => !a.startsWith("-"));
  const own = groups.find((g) => word !== undefined && g.names.includes(word));
  try {
    // Only the group that owns the command word; every group for help or an unknown word;
    // none for `gt --version`.
    const versionOnly = argv.length === 3 && argv[2] === "--version";
    const loaded = await Promise.all((own ? [own] : versionOnly ? [] : groups).map((g) => g.load()));
    for (const g of loaded) g.register(program);
    // An unknown command is an error whatever follows it: `gt nosuch --help` printing the root
    // help and exiting 0 would tell a script probing for a command that it exists.
    if (word !== undefined && !knowsCommand(program, word)) {
      throw new ValidationError(`unknown command '${word}' (gt help lists them)`);
    }
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const quiet = ["commander.helpDisplayed", "commander.version", "commander.help"];
      process.exitCode = quiet.includes(e.code) ? 0 : e.exitCode || 1;
      return;
    }
    process.exitCode = reportGtError(e, argv.includes("--json"));
  } finally {
    await flushTelemetry(); // what the command recorded, when an OTLP endpoint is set
  }
}

/** "gt mail send": the command's words from the root. */
function commandPath(cmd: Command): string {
  const words: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) words.unshift(c.name());
  return words.join(" ");
}

/** The first word after `command`'s word in argv that is not an option: its subcommand. */
export function subcommandWord(argv: string[], command: string): string | undefined {
  const at = argv.indexOf(command, 2);
  return at < 0 ? undefined : argv.slice(at + 1).find((a) => !a.startsWith("-"));
}

/** Whether `word` names a command of `program` (or an alias, or commander's `help`). */
export function knowsCommand(program: Command, word: string): boolean {
  return word === "help" || program.commands.some((c) => c.name() === word || c.aliases().includes(word));
}
