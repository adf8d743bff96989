// gt polecat: a rig's workers, their states, removing them, and their upkeep (git-state,
// check-recovery, gc, prune, stale, identity).

import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor } from "../../town/identity.ts";
import { polecatNames } from "../../town/roster.ts";
import { addIdentity } from "../../work/polecat-identity.ts";
import { initPolecatPool } from "../../work/polecat-pool.ts";
import { listPolecats, nukePolecat, type PolecatInfo, polecatId, polecatInfo } from "../../work/polecats.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { registerUpkeep } from "./polecat-upkeep.ts";
import { act, type GtGroup } from "./program.ts";
import { resolvePolecat } from "./targets.ts";

const STATE_ICON: Record<string, string> = { working: "●", idle: "○", done: "◐", stuck: "⚠", zombie: "✗" };

function formatPolecat(p: PolecatInfo): string {
  const hook = p.hook ? `  hook: ${p.hook} ${oneLine(p.hook_title)}`.trimEnd() : "";
  return `${STATE_ICON[p.state] ?? "?"} 😺 ${p.address.padEnd(28)} ${p.state.padEnd(8)} ${p.session}${hook}`;
}

/** `rig/polecats/name`, `rig/name`, or `rig` with --all. */
function polecatTargets(ctx: GtContext, words: string[], all: boolean): Array<{ rig: string; name: string }> {
  const town = ctx.town();
  const out: Array<{ rig: string; name: string }> = [];
  for (const w of words) {
    const rig = w.replace(/\/+$/, "");
    if (!rig.includes("/") && town.rigNames().includes(rig)) {
      if (!all)
        throw new ValidationError(
          `"${rig}" is a rig: name a polecat as ${rig}/polecats/<name>, or use --all for every polecat of ${rig}`,
        );
      for (const name of polecatNames(town, rig)) out.push({ rig, name });
      continue;
    }
    if (all && !rig.includes("/")) town.rig(rig); // unknown rig: the error names the rigs
    out.push(resolvePolecat(town, w));
  }
  return out;
}

/** The canonical address of a polecat, as every command prints it. */
function polecatAddress(rig: string, name: string): string {
  return addressOf(polecatId(rig, name));
}

export const polecatGroup: GtGroup = {
  names: ["polecat", "polecats"],
  register(p: Command) {
    const pc = p.command("polecat").alias("polecats").description("A rig's worker agents");
    // Gas Town's older spelling of `gt polecat identity add`, kept there for scripts.
    pc.command("add <rig> [name]")
      .description("Create a polecat identity (the same as gt polecat identity add): its name and agent bead")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [given, name]) => {
          const town = ctx.town();
          const rig = town.rig((given ?? "").replace(/\/+$/, "")).name;
          const r = await addIdentity(
            town,
            ctx.provider(),
            rig,
            name,
            callerActor(town.root, ctx.env, ctx.cwd),
          );
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `✓ ${r.address} (agent bead ${r.agent_bead}); gt sling <bead> ${r.rig}/${r.name} gives it work`,
          );
        }),
      );
    pc.command("pool-init <rig>")
      .description(
        "Make the rig's polecat pool ahead of work: idle polecats with sandboxes, ready for gt sling",
      )
      .option("--size <n>", "how many polecats (default: polecat_pool_size in the rig's settings, else 4)")
      .option("--dry-run", "say how many would be made")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [given], opts) => {
          const town = ctx.town();
          const size = opts.size === undefined ? undefined : Number(opts.size);
          if (size !== undefined && !/^\d+$/.test(String(opts.size)))
            throw new ValidationError(`--size must be a whole number (got "${opts.size}")`);
          const r = await initPolecatPool(town, ctx.provider(), (given ?? "").replace(/\/+$/, ""), {
            size,
            dryRun: opts.dryRun === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) return ctx.printJson(r);
          const verb = r.dry_run ? "would make" : "made";
          ctx.out(
            `✓ ${r.rig}: pool of ${r.size}; ${r.existing.length} polecat(s) already, ${verb} ${r.created.length}${r.created.length && !r.dry_run ? ` (${r.created.join(", ")})` : ""}`,
          );
        }),
      );
    pc.command("list [rig]")
      .alias("ls")
      .description("Polecats with their state (working, idle, done, stuck, zombie) and hook")
      .option("--all", "every rig (the default without a rig)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [given]) => {
          const rig = given?.replace(/\/+$/, "");
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
          const t = resolvePolecat(ctx.town(), target!);
          const info = await polecatInfo(ctx.town(), ctx.provider(), t.rig, t.name);
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
    registerUpkeep(pc);
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
              throw new ValidationError(
                `${polecatAddress(t.rig, t.name)} is running; stop it or use gt polecat nuke`,
              );
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
              `💥 ${polecatAddress(d.rig, d.name)} ${verb === "nuke" ? "nuked" : "removed"}${d.deleted_branch ? ` (branch ${d.deleted_branch} deleted)` : ""}${d.deleted_wip ? ` (WIP checkpoint ${d.deleted_wip} deleted)` : ""}${d.released_hook ? `; ${d.released_hook} back to open` : ""}`,
            );
        }),
      );
    }
  },
};
