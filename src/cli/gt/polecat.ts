// gt polecat: a rig's workers, their states, and removing them.

import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
import { polecatNames } from "../../town/roster.ts";
import { listPolecats, nukePolecat, type PolecatInfo, polecatInfo } from "../../work/polecats.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const STATE_ICON: Record<string, string> = { working: "●", idle: "○", done: "◐", stuck: "⚠", zombie: "✗" };

function formatPolecat(p: PolecatInfo): string {
  const hook = p.hook ? `  hook: ${p.hook} ${oneLine(p.hook_title)}`.trimEnd() : "";
  return `${STATE_ICON[p.state] ?? "?"} 😺 ${`${p.rig}/${p.name}`.padEnd(24)} ${p.state.padEnd(8)} ${p.session}${hook}`;
}

/** `rig/name`, `rig/polecats/name`, or `rig` with --all. */
function polecatTargets(ctx: GtContext, words: string[], all: boolean): Array<{ rig: string; name: string }> {
  const town = ctx.town();
  const out: Array<{ rig: string; name: string }> = [];
  for (const w of words) {
    const parts = w.split("/").filter(Boolean);
    if (parts.length === 1 && all) {
      town.rig(parts[0]!);
      for (const name of polecatNames(town, parts[0]!)) out.push({ rig: parts[0]!, name });
      continue;
    }
    const name =
      parts.length === 2 ? parts[1] : parts.length === 3 && parts[1] === "polecats" ? parts[2] : undefined;
    if (!name) throw new ValidationError(`name a polecat as <rig>/<name> (or <rig> --all), not "${w}"`);
    town.rig(parts[0]!);
    out.push({ rig: parts[0]!, name });
  }
  return out;
}

export const polecatGroup: GtGroup = {
  names: ["polecat", "polecats"],
  register(p: Command) {
    const pc = p.command("polecat").alias("polecats").description("A rig's worker agents");
    pc.command("list [rig]")
      .alias("ls")
      .description("Polecats with their state (working, idle, done, stuck, zombie) and hook")
      .option("--all", "every rig (the default without a rig)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [rig]) => {
          const rows = await listPolecats(ctx.town(), ctx.provider(), rig);
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out(rig ? `No polecats in ${rig}` : "No polecats in this town");
          for (const r of rows) ctx.out(formatPolecat(r));
        }),
      );
    pc.command("status <polecat>")
      .description("One polecat in detail: state, hook, branch, sandbox, agent bead facts")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target]) => {
          const [t] = polecatTargets(ctx, [target!], false);
          const info = await polecatInfo(ctx.town(), ctx.provider(), t!.rig, t!.name);
          if (ctx.json) return ctx.printJson(info);
          ctx.out(formatPolecat(info));
          ctx.out(`  address   ${info.address}`);
          ctx.out(`  sandbox   ${info.work_dir}`);
          ctx.out(`  branch    ${info.branch ?? "(detached)"}`);
          ctx.out(`  session   ${info.session} (${info.session_alive ? "alive" : "not running"})`);
          if (info.agent) ctx.out(`  agent     ${info.agent}`);
          if (info.merge_request) ctx.out(`  last MR   ${info.merge_request}`);
        }),
      );
    for (const [verb, description] of [
      [
        "nuke",
        "Destroy polecats: session, worktree, branch (refuses unpushed or hooked work without --force)",
      ],
      ["remove", "Remove idle polecats whose work is all pushed (never forced)"],
    ] as const) {
      const cmd = pc
        .command(`${verb} <polecats...>`)
        .description(description)
        .option("--all", "with a rig name: every polecat of the rig")
        .option("--json", "JSON output");
      if (verb === "nuke") cmd.option("--force", "destroy even with uncommitted, unpushed or hooked work");
      cmd.action(
        act(async (ctx, words, opts) => {
          const town = ctx.town();
          const actor = callerActor(town.root, ctx.env, ctx.cwd);
          const done = [];
          for (const t of polecatTargets(ctx, words, opts.all === true)) {
            if (verb === "remove" && (await polecatInfo(town, ctx.provider(), t.rig, t.name)).session_alive)
              throw new ValidationError(`${t.rig}/${t.name} is running; stop it or use gt polecat nuke`);
            done.push(
              await nukePolecat(town, ctx.provider(), t.rig, t.name, {
                force: verb === "nuke" && opts.force === true,
                actor,
              }),
            );
          }
          if (ctx.json) return ctx.printJson(done);
          for (const d of done)
            ctx.out(
              `💥 ${d.rig}/${d.name} ${verb === "nuke" ? "nuked" : "removed"}${d.deleted_branch ? ` (branch ${d.deleted_branch} deleted)` : ""}${d.released_hook ? `; ${d.released_hook} back to open` : ""}`,
            );
        }),
      );
    }
  },
};
