// gt show, cat, close, release, bead and assign: beads from gt, whichever ledger of the town
// holds them (the ID's prefix says which; src/work/beads.ts).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { rigOfCrew } from "../../town/crew.ts";
import { callerActor, callerIdentity, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { openRigLedger } from "../../town/ledgers.ts";
import { crewNames } from "../../town/roster.ts";
import { closeBeads, moveBead, releaseBead, showBeads } from "../../work/beads.ts";
import { sling } from "../../work/sling.ts";
import { showIssue } from "../bd/format.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function actor(ctx: GtContext): string {
  return callerActor(ctx.town().root, ctx.env, ctx.cwd);
}

async function show(ctx: GtContext, ids: string[], opts: Record<string, unknown>) {
  const details = await showBeads(ctx.town(), ids);
  if (ctx.json) return ctx.printJson(details);
  if (opts.short)
    for (const d of details)
      ctx.out(`${d.id} [P${d.priority}] [${d.issue_type}] ${d.status} - ${oneLine(d.title)}`);
  else ctx.out(details.map(showIssue).join("\n\n"));
}

function addShow(p: Command, name: string, description: string): Command {
  return p
    .command(name)
    .description(description)
    .argument("<beads...>", "bead IDs (any prefix: hq- for the town, a rig's prefix for its rig)")
    .option("--short", "one line per bead")
    .option("--json", "JSON output (an array, as bd show --json)")
    .action(act((ctx, ids, opts) => show(ctx, ids, opts)));
}

async function close(ctx: GtContext, ids: string[], opts: Record<string, unknown>) {
  if (opts.reason !== undefined && opts.comment !== undefined)
    throw new ValidationError("--reason and --comment are the same: give one");
  const reason = (opts.reason ?? opts.comment) as string | undefined;
  const res = await closeBeads(ctx.town(), ids, {
    actor: actor(ctx),
    force: opts.force === true,
    cascade: opts.cascade === true,
    ...(reason !== undefined ? { reason } : {}),
  });
  if (ctx.json) return ctx.printJson(res);
  for (const i of res.closed) ctx.out(`✓ Closed ${i.id}: ${oneLine(i.title)}`);
  for (const m of res.molecules) ctx.out(`✓ Auto-closed completed molecule ${m}`);
  for (const c of res.convoys) ctx.out(`🚚 Convoy ${c} landed: every bead it tracks is closed`);
}

async function release(ctx: GtContext, ids: string[], opts: Record<string, unknown>) {
  const results = [];
  const failures: Array<{ bead: string; error: string }> = [];
  for (const id of ids) {
    try {
      results.push(
        await releaseBead(ctx.town(), id, {
          actor: actor(ctx),
          ...(opts.reason ? { reason: opts.reason as string } : {}),
        }),
      );
    } catch (e) {
      if (ids.length === 1) throw e;
      failures.push({ bead: id, error: (e as Error).message });
    }
  }
  if (ctx.json) ctx.printJson({ released: results, failed: failures });
  else {
    for (const r of results)
      ctx.out(`✓ Released ${r.bead} → open${r.from ? ` (was ${r.was}, ${r.from})` : ""}`);
    for (const f of failures) ctx.warn(`✗ ${f.bead}: ${oneLine(f.error)}`);
    if (ids.length > 1) ctx.out(`\nReleased: ${results.length}, failed: ${failures.length}`);
  }
  return failures.length > 0 ? 1 : 0;
}

function priorityOf(raw: unknown): number {
  const m = /^[Pp]?([0-4])$/.exec(String(raw));
  if (!m) throw new ValidationError(`invalid priority "${raw}" (0-4, or P0-P4)`);
  return Number(m[1]);
}

/** The crew member's rig: --rig, else the caller's rig when the name is there, else the only rig that has it. */
function crewRigOf(ctx: GtContext, name: string, rig: string | undefined): string {
  const town = ctx.town();
  if (rig) {
    const r = town.rig(rig).name;
    if (!crewNames(town, r).includes(name)) throw new ValidationError(`no crew member "${name}" in rig ${r}`);
    return r;
  }
  const here = identityFromEnv(ctx.env)?.rig ?? identityFromPath(town.root, ctx.cwd)?.rig;
  if (here && crewNames(town, here).includes(name)) return here;
  return rigOfCrew(town, name);
}

async function assign(ctx: GtContext, [who, ...words]: string[], opts: Record<string, unknown>) {
  const title = words.join(" ").trim();
  if (!who || !title) throw new ValidationError('usage: gt assign <crew-member> "<title>"');
  if (who.includes("/"))
    throw new ValidationError(`give the crew member's name alone, not "${who}" (--rig picks the rig)`);
  const town = ctx.town();
  const rig = crewRigOf(ctx, who, opts.rig as string | undefined);
  const target = `${rig}/crew/${who}`;
  const priority = priorityOf(opts.priority ?? "2");
  const type = (opts.type as string | undefined) ?? "task";
  const labels = (opts.label as string[] | undefined) ?? [];
  const by = actor(ctx);
  if (opts.dryRun) {
    const plan = { dry_run: true, rig, target, title, type, priority, labels, nudge: opts.nudge === true };
    if (ctx.json) return ctx.printJson(plan);
    return ctx.out(
      `○ Would create a ${type} (P${priority}) "${oneLine(title)}" in ${rig} and hook it on ${target}`,
    );
  }
  const ledger = openRigLedger(town, rig);
  let beadId: string;
  try {
    const desc = opts.description as string | undefined;
    beadId = (
      await ledger.createIssue(
        {
          title,
          issue_type: type,
          priority,
          ...(desc ? { description: desc } : {}),
          ...(labels.length ? { labels } : {}),
        },
        by,
      )
    ).id;
  } finally {
    await ledger.close();
  }
  const report = await sling(town, ctx.provider(), [beadId], target, {
    actor: by,
    caller: callerIdentity(town.root, ctx.env, ctx.cwd),
    force: opts.force === true,
    noStart: opts.nudge !== true,
    noConvoy: true,
    attachOnly: opts.nudge !== true,
  });
  const failure = report.failures[0];
  if (failure) {
    // Nothing half-made: the bead was only for this assignment.
    const undo = openRigLedger(town, rig);
    try {
      await undo.deleteIssue(beadId, by);
    } finally {
      await undo.close();
    }
    throw new ValidationError(`could not hook ${title} on ${target}: ${failure.error}`);
  }
  const outcome = report.outcomes[0]!;
  if (ctx.json)
    return ctx.printJson({ bead: beadId, rig, target, title, session_action: outcome.session_action });
  ctx.out(`✓ Created ${beadId}: ${oneLine(title)}`);
  ctx.out(`🪝 ${beadId} on ${target}'s hook`);
  if (outcome.session_action !== "none") ctx.out(`   session ${outcome.session}: ${outcome.session_action}`);
}

export const beadsGroup: GtGroup = {
  names: ["show", "cat", "close", "release", "bead", "assign"],
  register(p: Command) {
    addShow(p, "show", "Show a bead from any ledger of the town (routed by its prefix): gt show <bead...>");
    p.command("cat")
      .description("Print one bead (routed by its prefix), as bd show does")
      .argument("<bead>", "bead ID")
      .option("--json", "JSON output")
      .action(act((ctx, ids, opts) => show(ctx, ids, opts)));
    p.command("close")
      .description(
        "Close beads in whichever ledger holds them; convoys and molecules they complete close too",
      )
      .argument("<beads...>", "bead IDs")
      .option("-r, --reason <text>", "why it is closed")
      .option("--comment <text>", "the same as --reason")
      .option("-f, --force", "close even with open blockers or children (and pinned beads)")
      .option("--cascade", "close the beads' open children (and theirs) first")
      .option("--json", "JSON output")
      .action(act(close));
    p.command("release")
      .description(
        "Give stuck in-progress (or hooked) beads back: open again, unassigned (a worker died mid-task)",
      )
      .argument("<beads...>", "bead IDs")
      .option("-r, --reason <text>", "why (kept in the bead's notes)")
      .option("--json", "JSON output")
      .action(act(release));
    const bead = p.command("bead").description("Bead utilities across the town's ledgers: move, show, read");
    bead
      .command("move")
      .description(
        "Move an open bead to another ledger: a copy under the target prefix, the original closed pointing to it",
      )
      .argument("<bead>", "bead ID")
      .argument("<prefix>", "target prefix: hq for the town, or a rig's prefix")
      .option("-n, --dry-run", "show what would be done")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [id, prefix], opts) => {
          const r = await moveBead(ctx.town(), id!, prefix!, {
            dryRun: opts.dryRun === true,
            actor: actor(ctx),
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.dryRun)
            return ctx.out(`○ Would copy ${r.from} "${oneLine(r.title)}" to ${r.to} and close ${r.from}`);
          ctx.out(`✓ Moved ${r.from} → ${r.to}: ${oneLine(r.title)}`);
        }),
      );
    addShow(bead, "show", "Show beads (as gt show)");
    addShow(bead, "read", "Show beads (as gt show)");
    p.command("assign")
      .description(
        'Create a bead in a crew member\'s rig and put it on their hook: gt assign <name> "<title>"',
      )
      .argument(
        "<crew-member>",
        "the crew member's name (its rig: --rig, yours, or the only rig that has it)",
      )
      .argument("<title...>", "the bead's title")
      .option("-d, --description <text>", "the bead's description")
      .option("-t, --type <type>", "bead type", "task")
      .option("-p, --priority <n>", "priority 0-4", "2")
      .option("-l, --label <label>", "a label (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
      .option("--nudge", "also start or wake the crew member's session")
      .option("--rig <rig>", "the crew member's rig")
      .option("-n, --dry-run", "show what would happen")
      .option("--force", "replace work already on their hook")
      .option("--json", "JSON output")
      .action(act(assign));
  },
};
