// gt warrant file|list|execute: death warrants for stuck agents (src/sessions/warrants.ts).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { executeWarrant, fileWarrant, listWarrants } from "../../sessions/warrants.ts";
import { callerActor } from "../../town/identity.ts";
import { oneLine } from "./format.ts";
import { readStdin } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";

const when = (iso: string) => iso.slice(0, 16).replace("T", " ");

export const warrantGroup: GtGroup = {
  names: ["warrant"],
  register(p: Command) {
    const cmd = p
      .command("warrant")
      .description("Death warrants for stuck agents: filed with a reason, executed by stopping the session");
    cmd
      .command("file <target>")
      .description("File a death warrant for an agent (e.g. gastown/polecats/alpha, deacon/dogs/bravo)")
      .option("-r, --reason <text>", "why the agent must be stopped (required unless --stdin)")
      .option("--stdin", "read the reason from standard input")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target], opts) => {
          if (opts.stdin && opts.reason !== undefined)
            throw new ValidationError("cannot use --stdin with --reason/-r");
          const reason = opts.stdin
            ? (await readStdin()).replace(/\n+$/, "")
            : ((opts.reason as string) ?? "");
          const town = ctx.town();
          const by = ctx.env.BD_ACTOR || callerActor(town.root, ctx.env, ctx.cwd);
          const r = fileWarrant(town, target!, reason, by);
          if (ctx.json) return ctx.printJson(r);
          const w = r.warrant;
          if (r.existing) {
            ctx.out(`Warrant already exists for ${w.target}`);
            ctx.out(`  Reason: ${oneLine(w.reason)}`);
            return ctx.out(`  Filed: ${w.filed_at}`);
          }
          ctx.out(`✓ Filed death warrant for ${w.target}`);
          ctx.out(`  Reason: ${oneLine(w.reason)}`);
          ctx.out(`  ID: ${w.id}`);
        }),
      );
    cmd
      .command("list")
      .description("Pending warrants (--all: executed ones too)")
      .option("-a, --all", "include executed warrants")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const all = opts.all === true;
          const rows = listWarrants(ctx.town(), { all });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out(all ? "No warrants found" : "No pending warrants");
          ctx.out("Death Warrants\n");
          for (const w of rows) {
            ctx.out(`  ${w.executed ? "✓ EXECUTED" : "⚠️  PENDING"} ${w.target}`);
            ctx.out(`     Reason: ${oneLine(w.reason)}`);
            ctx.out(`     Filed: ${when(w.filed_at)} by ${oneLine(w.filed_by)}`);
            if (w.executed && w.executed_at) ctx.out(`     Executed: ${when(w.executed_at)}`);
            ctx.out("");
          }
        }),
      );
    cmd
      .command("execute <target>")
      .description("Execute a warrant: stop the agent's session and mark the warrant executed")
      .option("-f, --force", "stop the session even without a warrant")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target], opts) => {
          const r = await executeWarrant(ctx.town(), ctx.provider(), target!, { force: opts.force === true });
          if (ctx.json) return ctx.printJson(r);
          if (r.already_executed)
            return ctx.out(`Warrant for ${r.target} already executed at ${r.warrant?.executed_at}`);
          ctx.out(
            r.terminated
              ? `✓ Terminated session ${r.session} (${r.target})`
              : `  Session ${r.session} not found (already dead)`,
          );
          ctx.out(`✓ Warrant executed for ${r.target}`);
        }),
      );
  },
};
