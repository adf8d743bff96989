// gt checkpoint write|read|clear: a polecat's or crew member's crash-recovery note (molecule
// step, hooked bead, branch, last commit, files changed) for the session after a crash.
import type { Command } from "commander";
import {
  type Checkpoint,
  clearCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from "../../agents/checkpoint.ts";
import { callerIdentity } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function caller(ctx: GtContext) {
  const town = ctx.town();
  return { town, id: callerIdentity(town.root, ctx.env, ctx.cwd) };
}

function printCheckpoint(ctx: GtContext, cp: Checkpoint): void {
  ctx.out(`Checkpoint of ${cp.agent} at ${cp.timestamp.replace("T", " ").slice(0, 19)} UTC`);
  if (cp.molecule_id) ctx.out(`  molecule:  ${cp.molecule_id}`);
  if (cp.current_step)
    ctx.out(`  step:      ${cp.current_step}${cp.step_title ? ` — ${oneLine(cp.step_title)}` : ""}`);
  if (cp.hooked_bead) ctx.out(`  hooked:    ${cp.hooked_bead}`);
  if (cp.branch)
    ctx.out(
      `  branch:    ${oneLine(cp.branch)}${cp.last_commit ? ` at ${cp.last_commit.slice(0, 12)}` : ""}`,
    );
  if (cp.modified_files.length) {
    ctx.out(`  modified:  ${cp.modified_files.length} file(s)`);
    for (const f of cp.modified_files) ctx.out(`    - ${oneLine(f)}`);
  }
  if (cp.notes) ctx.out(`  notes:     ${oneLine(cp.notes)}`);
  if (cp.session_id) ctx.out(`  session:   ${cp.session_id}`);
}

export const checkpointGroup: GtGroup = {
  names: ["checkpoint"],
  register(p: Command) {
    const cp = p
      .command("checkpoint")
      .description("Crash-recovery checkpoints of a polecat's or crew member's work: write, read, clear");
    cp.command("write")
      .description("Record where you stand: molecule step, hooked bead, branch, last commit, changed files")
      .option("--notes <text>", "your own note for the next session")
      .option("--molecule <id>", "the molecule (default: the one on your hook)")
      .option("--step <id>", "the step (default: the molecule's current one)")
      .option("--json", "JSON output: the checkpoint")
      .action(
        act(async (ctx, _args, opts) => {
          const { town, id } = caller(ctx);
          const r = await writeCheckpoint(town, id, {
            notes: opts.notes as string | undefined,
            molecule: opts.molecule as string | undefined,
            step: opts.step as string | undefined,
            sessionId: ctx.env.GT_SESSION || ctx.env.CLAUDE_SESSION_ID || undefined,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out("✓ checkpoint written");
          printCheckpoint(ctx, r);
        }),
      );
    cp.command("read")
      .description("Show your checkpoint")
      .option("--json", "JSON output: the checkpoint, or null")
      .action(
        act(async (ctx) => {
          const { town, id } = caller(ctx);
          const r = readCheckpoint(town, id);
          if (ctx.json) return ctx.printJson(r);
          if (!r) return ctx.out("○ no checkpoint");
          printCheckpoint(ctx, r);
        }),
      );
    cp.command("clear")
      .description("Remove your checkpoint (the work it describes is done or saved)")
      .option("--json", "JSON output: {cleared}")
      .action(
        act(async (ctx) => {
          const { town, id } = caller(ctx);
          const cleared = clearCheckpoint(town, id);
          if (ctx.json) return ctx.printJson({ cleared });
          ctx.out(cleared ? "✓ checkpoint cleared" : "○ there was no checkpoint");
        }),
      );
  },
};
