// gt polecat upkeep: git-state and check-recovery (may this polecat go without losing
// work?), gc and prune (old polecat branches), stale (polecats gone quiet) and identity
// (names and agent beads that outlive sandboxes). The logic is in work/polecat-upkeep.ts
// and work/polecat-identity.ts.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor } from "../../town/identity.ts";
import {
  addIdentity,
  listIdentities,
  type PolecatIdentity,
  removeIdentity,
  renameIdentity,
  showIdentity,
} from "../../work/polecat-identity.ts";
import {
  type BranchReport,
  checkRecovery,
  gcPolecatBranches,
  polecatGitState,
  prunePolecatBranches,
  stalePolecats,
} from "../../work/polecat-upkeep.ts";
import { polecatId } from "../../work/polecats.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act } from "./program.ts";
import { resolvePolecat } from "./targets.ts";

const polecatAddress = (rig: string, name: string) => addressOf(polecatId(rig, name));

function rigArg(ctx: GtContext, given: string | undefined): string {
  const rig = (given ?? "").replace(/\/+$/, "");
  ctx.town().rig(rig); // unknown rig: the error names the rigs
  return rig;
}

function thresholdOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value)))
    throw new ValidationError(`--threshold wants a whole number of commits, not "${value}"`);
  return Number(value);
}

function printBranches(ctx: GtContext, r: BranchReport, what: string): void {
  const verb = r.dry_run ? "would delete" : "deleted";
  for (const d of r.deleted) ctx.out(`  ✓ ${verb} ${d.branch} (${d.reason})`);
  for (const k of r.kept) ctx.out(`  · kept ${k.branch} (${k.reason})`);
  for (const d of r.remote_deleted) ctx.out(`  ✓ ${verb} origin's ${d.branch} (${d.reason})`);
  for (const k of r.remote_kept) ctx.out(`  · kept origin's ${k.branch} (${k.reason})`);
  const n = r.deleted.length + r.remote_deleted.length;
  ctx.out(
    n || r.kept.length || r.remote_kept.length
      ? `${r.dry_run ? "Would delete" : "Deleted"} ${n} ${what} branch(es) in ${r.rig}, kept ${r.kept.length + r.remote_kept.length}${r.dry_run ? " (dry run: nothing changed)" : ""}`
      : `No polecat branches in ${r.rig}`,
  );
}

export function registerUpkeep(pc: Command): void {
  pc.command("git-state <polecat>")
    .description(
      "What a polecat's sandbox holds that no remote has: uncommitted files, unpushed commits, stashes",
    )
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [target]) => {
        const t = resolvePolecat(ctx.town(), target!);
        const st = await polecatGitState(ctx.town(), t.rig, t.name);
        if (ctx.json) return ctx.printJson(st);
        ctx.out(`Git state of ${polecatAddress(t.rig, t.name)}${st.sandbox ? "" : " (no sandbox)"}`);
        ctx.out(`  branch       ${st.branch ?? "(detached)"}`);
        ctx.out(`  uncommitted  ${st.uncommitted_files.length}`);
        for (const f of st.uncommitted_files) ctx.out(`               ${oneLine(f)}`);
        ctx.out(`  unpushed     ${st.unpushed_commits} commit(s)`);
        for (const c of st.unpushed) ctx.out(`               ${oneLine(c)}`);
        ctx.out(`  stashes      ${st.stash_count}`);
        ctx.out(
          `  verdict      ${st.clean ? "CLEAN (nothing would be lost)" : "DIRTY (work would be lost)"}`,
        );
      }),
    );
  pc.command("check-recovery <polecat>")
    .description("Safe to nuke, or does its work need recovering or submitting to the merge queue first?")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [target]) => {
        const t = resolvePolecat(ctx.town(), target!);
        const r = await checkRecovery(ctx.town(), t.rig, t.name);
        if (ctx.json) return ctx.printJson(r);
        ctx.out(`Recovery check of ${polecatAddress(t.rig, t.name)}: ${r.verdict}`);
        ctx.out(`  cleanup status  ${r.cleanup_status}`);
        if (r.branch) ctx.out(`  branch          ${r.branch}`);
        if (r.issue) ctx.out(`  issue           ${r.issue}${r.issue_status ? ` (${r.issue_status})` : ""}`);
        ctx.out(`  merge queue     ${r.mq_status}${r.merge_request ? ` (${r.merge_request})` : ""}`);
        for (const why of r.reasons) ctx.out(`  ⚠ ${oneLine(why)}`);
      }),
    );
  pc.command("gc <rig>")
    .description(
      "Delete polecat branches nothing uses any more (polecat gone, or an old branch) whose work is safe",
    )
    .option("-n, --dry-run", "show what would be deleted")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given], opts) => {
        const town = ctx.town();
        const r = await gcPolecatBranches(town, rigArg(ctx, given), {
          dryRun: opts.dryRun === true,
          actor: callerActor(town.root, ctx.env, ctx.cwd),
        });
        if (ctx.json) return ctx.printJson(r);
        printBranches(ctx, r, "stale");
      }),
    );
  pc.command("prune <rig>")
    .description(
      "Delete polecat branches whose work is on the default branch (merged or landed by the refinery)",
    )
    .option("-n, --dry-run", "show what would be deleted")
    .option("--remote", "origin's polecat branches too")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given], opts) => {
        const town = ctx.town();
        const r = await prunePolecatBranches(town, rigArg(ctx, given), {
          dryRun: opts.dryRun === true,
          remote: opts.remote === true,
          actor: callerActor(town.root, ctx.env, ctx.cwd),
        });
        if (ctx.json) return ctx.printJson(r);
        printBranches(ctx, r, "merged");
      }),
    );
  pc.command("stale <rig>")
    .description("Polecats gone quiet: no session, no hook, nothing unsaved, far behind the default branch")
    .option("--threshold <n>", "commits behind the default branch that make an idle polecat stale", "20")
    .option("--cleanup", "nuke the stale polecats (never one with unsaved work)")
    .option("-n, --dry-run", "with --cleanup: show what would be nuked")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given], opts) => {
        const town = ctx.town();
        const threshold = thresholdOf(opts.threshold);
        const r = await stalePolecats(town, ctx.provider(), rigArg(ctx, given), {
          ...(threshold !== undefined ? { threshold } : {}),
          cleanup: opts.cleanup === true,
          dryRun: opts.dryRun === true,
          actor: callerActor(town.root, ctx.env, ctx.cwd),
        });
        if (ctx.json) return ctx.printJson(r);
        if (r.polecats.length === 0) return ctx.out(`No polecats in ${r.rig}`);
        for (const p of r.polecats)
          ctx.out(`${p.stale ? "○ stale " : "● kept  "} ${p.address.padEnd(28)} ${oneLine(p.reason)}`);
        ctx.out(`${r.stale} stale, ${r.polecats.length - r.stale} kept (threshold ${r.threshold} commits)`);
        if (r.cleanup) {
          const verb = r.cleanup.dry_run ? "Would nuke" : "Nuked";
          ctx.out(`${verb} ${r.cleanup.nuked.length}: ${r.cleanup.nuked.join(", ") || "-"}`);
          for (const f of r.cleanup.failed) ctx.warn(`✗ ${f.name}: ${f.error}`);
          if (r.cleanup.failed.length) return 1;
        }
      }),
    );
  registerIdentity(pc);
}

function formatIdentity(i: PolecatIdentity): string {
  const state = i.active ? (i.agent_state ?? "idle") : "retired";
  const bits = [
    i.sandbox ? "sandbox" : "no sandbox",
    i.session_alive ? "running" : "stopped",
    ...(i.hook ? [`hook: ${i.hook}`] : []),
    ...(i.former_names.length ? [`was ${i.former_names.join(", ")}`] : []),
  ];
  return `😺 ${i.address.padEnd(28)} ${state.padEnd(8)} ${bits.join(", ")}`;
}

function registerIdentity(pc: Command): void {
  const id = pc
    .command("identity")
    .alias("id")
    .description("Polecat identities: names and agent beads that outlive sandboxes");
  id.command("add <rig> [name]")
    .description(
      "Create a polecat identity (name and agent bead); a name is picked from the rig's pool when none is given",
    )
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given, name]) => {
        const town = ctx.town();
        const r = await addIdentity(
          town,
          ctx.provider(),
          rigArg(ctx, given),
          name,
          callerActor(town.root, ctx.env, ctx.cwd),
        );
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          `✓ ${r.address} (agent bead ${r.agent_bead}); gt sling <bead> ${r.rig}/${r.name} gives it work`,
        );
      }),
    );
  id.command("list <rig>")
    .description("Polecat identities of a rig, retired ones included")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given]) => {
        const rows = await listIdentities(ctx.town(), ctx.provider(), rigArg(ctx, given));
        if (ctx.json) return ctx.printJson(rows);
        if (rows.length === 0) return ctx.out("No polecat identities");
        for (const r of rows) ctx.out(formatIdentity(r));
      }),
    );
  id.command("show <rig> <name>")
    .description("An identity and its CV: work given, merge requests filed, recent beads")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given, name]) => {
        const cv = await showIdentity(ctx.town(), ctx.provider(), rigArg(ctx, given), name!);
        if (ctx.json) return ctx.printJson(cv);
        ctx.out(formatIdentity(cv.identity));
        ctx.out(
          `  agent bead  ${cv.identity.agent_bead}${cv.identity.created_at ? ` (since ${cv.identity.created_at})` : ""}`,
        );
        ctx.out(
          `  work        ${cv.work.total} bead(s): ${
            Object.entries(cv.work.by_status)
              .map(([k, v]) => `${v} ${k}`)
              .join(", ") || "none"
          }`,
        );
        const m = cv.merge_requests;
        ctx.out(
          `  merges      ${m.total} request(s): ${m.merged} merged, ${m.rejected} rejected, ${m.open} open`,
        );
        for (const w of cv.recent)
          ctx.out(`    ${w.id.padEnd(14)} ${w.status.padEnd(12)} ${oneLine(w.title)}`);
      }),
    );
  id.command("rename <rig> <old> <new>")
    .description("Rename a stopped polecat with nothing unsaved: its sandbox moves, its CV goes along")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given, from, to]) => {
        const town = ctx.town();
        const r = await renameIdentity(
          town,
          ctx.provider(),
          rigArg(ctx, given),
          from!,
          to!,
          callerActor(town.root, ctx.env, ctx.cwd),
        );
        if (ctx.json) return ctx.printJson(r);
        ctx.out(`✓ ${polecatAddress(r.rig, from!)} is now ${r.address}`);
      }),
    );
  id.command("remove <rig> <name>")
    .description("Remove a stopped polecat's identity: sandbox, name, agent bead (never unsaved work)")
    .option("--force", "put work on its hook back to open first")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [given, name], opts) => {
        const town = ctx.town();
        const r = await removeIdentity(town, ctx.provider(), rigArg(ctx, given), name!, {
          force: opts.force === true,
          actor: callerActor(town.root, ctx.env, ctx.cwd),
        });
        if (ctx.json) return ctx.printJson(r);
        ctx.out(
          `💥 ${polecatAddress(r.rig, r.name)} removed${r.removed_sandbox ? " (sandbox too)" : ""}${r.released_hook ? `; ${r.released_hook} back to open` : ""}; ${r.agent_bead} closed, its history kept`,
        );
      }),
    );
}
