// bd mail: agents type it out of habit; mail belongs to the orchestrator, so the words after
// `mail` go to the configured delegate ($BEADS_MAIL_DELEGATE, $BD_MAIL_DELEGATE or the
// ledger's mail.delegate, e.g. "gt mail") with its exit code.
import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

async function delegateOf(ctx: BdContext): Promise<string | undefined> {
  const env = ctx.env.BEADS_MAIL_DELEGATE || ctx.env.BD_MAIL_DELEGATE;
  if (env?.trim()) return env.trim();
  try {
    return (await ctx.ledger().getConfig("mail.delegate"))?.trim() || undefined;
  } catch {
    return undefined; // no ledger here: only the environment can say
  }
}

async function mail(ctx: BdContext) {
  // Everything after the word `mail`, flags included, is the delegate's.
  const argv = process.argv.slice(2);
  const at = argv.indexOf("mail");
  const rest = at >= 0 ? argv.slice(at + 1) : [];
  const delegate = await delegateOf(ctx);
  if (!delegate)
    throw new ValidationError(
      'no mail delegate configured (export BEADS_MAIL_DELEGATE="gt mail" or bd config set mail.delegate "gt mail")',
    );
  const [bin, ...pre] = delegate.split(/\s+/);
  const r = spawnSync(bin!, [...pre, ...rest], { stdio: "inherit", env: ctx.env, cwd: ctx.cwd });
  if (r.error) throw new ValidationError(`running ${delegate}: ${r.error.message}`);
  return r.status ?? 1;
}

export const MAIL: CommandGroup = { names: ["mail"], register: registerMail };

function registerMail(program: Command): void {
  program
    .command("mail")
    .description("Delegate to mail provider (e.g., gt mail)")
    .argument("[args...]", "the delegate's subcommand and arguments")
    .allowUnknownOption()
    .helpOption(false)
    .action(act(mail));
}
