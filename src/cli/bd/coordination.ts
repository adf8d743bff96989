// bd merge-slot, bd ship and bd swarm: coordinating agents and projects through beads
// (src/ledger/merge-slot.ts, src/ledger/swarm.ts), with beads' wording and --json shapes.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  acquireMergeSlot,
  checkMergeSlot,
  createMergeSlot,
  mergeSlotId,
  releaseMergeSlot,
} from "../../ledger/merge-slot.ts";
import {
  analyzeSwarm,
  createSwarm,
  listSwarms,
  requireIssue,
  type SwarmAnalysis,
  SwarmRefused,
  type SwarmStatus,
  swarmEpic,
  swarmStatus,
} from "../../ledger/swarm.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

// ---------------------------------------------------------------- merge-slot

async function slotCreate(ctx: BdContext) {
  const { issue } = await createMergeSlot(ctx.ledger(), ctx.actor());
  if (ctx.json) return ctx.printJson({ id: issue.id, status: issue.status });
  ctx.out(`✓ Created merge slot: ${issue.id}`);
}

async function slotCheck(ctx: BdContext) {
  const store = ctx.ledger();
  const id = await mergeSlotId(store);
  if (!(await store.getIssue(id))) {
    if (ctx.json) return ctx.printJson({ id, available: false, error: "not found" });
    return ctx.out(`Merge slot not found: ${id}\nRun 'bd merge-slot create' to create one.`);
  }
  const s = await checkMergeSlot(store);
  if (ctx.json)
    return ctx.printJson({ id: s.id, available: s.available, holder: s.holder ?? null, waiters: s.waiters });
  if (s.available) return ctx.out(`✓ Merge slot available: ${s.id}`);
  const lines = [`○ Merge slot held: ${s.id}`, `  Holder: ${s.holder ?? ""}`];
  if (s.waiters.length > 0) {
    lines.push(`  Waiters: ${s.waiters.length}`);
    s.waiters.forEach((w, i) => {
      lines.push(`    ${i + 1}. ${w}`);
    });
  }
  ctx.out(lines.join("\n"));
}

async function slotAcquire(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const holder = (o.holder as string | undefined) || ctx.actor();
  if (!holder) throw new ValidationError("no holder specified; use --holder or set BEADS_ACTOR env var");
  const r = await acquireMergeSlot(ctx.ledger(), holder, ctx.actor(), o.wait === true);
  if (r.acquired) {
    if (ctx.json) return ctx.printJson({ id: r.id, acquired: true, holder });
    return ctx.out(`✓ Acquired merge slot: ${r.id}\n  Holder: ${holder}`);
  }
  // Held: exit 1 whether queued or not (as beads), so scripts can loop on it.
  if (r.waiting) {
    if (ctx.json)
      ctx.printJson({ id: r.id, acquired: false, waiting: true, holder: r.holder, position: r.position });
    else ctx.out(`○ Slot held by ${r.holder}, added to waiters queue (position ${r.position})`);
    return 1;
  }
  if (ctx.json) ctx.printJson({ id: r.id, acquired: false, holder: r.holder });
  else ctx.out(`✗ Slot held by: ${r.holder}\nUse --wait to add yourself to the waiters queue.`);
  return 1;
}

async function slotRelease(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const id = await releaseMergeSlot(ctx.ledger(), o.holder as string | undefined, ctx.actor());
  if (ctx.json) return ctx.printJson({ id, released: true });
  ctx.out(`✓ Released merge slot: ${id}`);
}

// ---------------------------------------------------------------- ship

async function ship(ctx: BdContext, [capability]: string[], o: Record<string, unknown>) {
  const store = ctx.ledger();
  const exportLabel = `export:${capability}`;
  const provides = `provides:${capability}`;
  const found = await store.listIssues({ labels: [exportLabel], all: true });
  if (found.length === 0)
    throw new ValidationError(
      `no issue found with label '${exportLabel}' (add the label first: bd label add <issue-id> ${exportLabel})`,
    );
  if (found.length > 1) {
    for (const i of found) ctx.warn(`  ${i.id}: ${i.title} (${i.status})`);
    throw new ValidationError(
      `multiple issues found with label '${exportLabel}': only one issue should have this label`,
    );
  }
  const issue = found[0]!;
  if (issue.status !== "closed" && o.force !== true)
    throw new ValidationError(
      `issue ${issue.id} is not closed (status: ${issue.status}); close the issue first, or use --force to override`,
    );
  if ((await store.labels(issue.id)).includes(provides)) {
    if (ctx.json) return ctx.printJson({ status: "already_shipped", capability, issue_id: issue.id });
    return ctx.out(`✓ Capability '${capability}' already shipped (${issue.id})`);
  }
  if (o.dryRun === true) {
    if (ctx.json)
      return ctx.printJson({ status: "dry_run", capability, issue_id: issue.id, would_add: provides });
    return ctx.out(`→ Would ship '${capability}' on ${issue.id} (dry run)`);
  }
  await store.addLabel(issue.id, provides, ctx.actor());
  if (ctx.json) return ctx.printJson({ status: "shipped", capability, issue_id: issue.id, label: provides });
  ctx.out(
    `✓ Shipped ${capability} (${issue.id})\n  Added label: ${provides}\n\nExternal projects can now depend on: external:<this-project>:${capability}`,
  );
}

// ---------------------------------------------------------------- swarm

function renderAnalysis(a: SwarmAnalysis): string {
  const lines = [
    "",
    `🐝 Swarm Analysis: ${a.epic_title}`,
    `   Epic ID: ${a.epic_id}`,
    `   Total issues: ${a.total_issues} (${a.closed_issues} closed)`,
  ];
  if (a.total_issues === 0) return [...lines, "", "⚠ Epic has no children to swarm", ""].join("\n");
  if (a.ready_fronts.length > 0) {
    lines.push("", "📊 Ready Fronts (waves of parallel work):");
    for (const f of a.ready_fronts) {
      lines.push(`   Wave ${f.wave + 1}: ${f.issues.length} issues`);
      f.issues.forEach((id, i) => {
        lines.push(`      • ${id}: ${f.titles?.[i] ?? ""}`);
      });
    }
  }
  lines.push(
    "",
    "📈 Summary:",
    `   Estimated worker-sessions: ${a.estimated_sessions}`,
    `   Max parallelism: ${a.max_parallelism}`,
    `   Total waves: ${a.ready_fronts.length}`,
  );
  if (a.warnings.length > 0) lines.push("", "⚠ Warnings:", ...a.warnings.map((w) => `   • ${w}`));
  if (a.errors.length > 0) lines.push("", "❌ Errors:", ...a.errors.map((e) => `   • ${e}`));
  lines.push("", a.swarmable ? "✓ Swarmable: YES" : "✗ Swarmable: NO (fix errors first)", "");
  return lines.join("\n");
}

function renderStatus(s: SwarmStatus): string {
  const pad = "               ";
  const lines = ["", `🐝 Ready Front Analysis: ${s.epic_title}`, ""];
  lines.push(
    s.completed.length === 0
      ? "Completed:     (none)"
      : s.completed.map((i, n) => `${n === 0 ? "Completed:     " : pad}✓ ${i.id}`).join("\n"),
  );
  lines.push(
    `Active:        ${s.active.length === 0 ? "(none)" : s.active.map((i) => `⟳ ${i.id}${i.assignee ? ` [${i.assignee}]` : ""}`).join(", ")}`,
  );
  let ready = s.ready.map((i) => `○ ${i.id}`).join(", ");
  if (s.ready.length === 0) {
    const needed = [...new Set(s.blocked.flatMap((b) => b.blocked_by ?? []))].sort();
    ready = needed.length > 0 ? `(none - waiting for ${needed.join(", ")})` : "(none)";
  }
  lines.push(`Ready:         ${ready}`);
  lines.push(
    s.blocked.length === 0
      ? "Blocked:       (none)"
      : s.blocked
          .map(
            (i, n) =>
              `${n === 0 ? "Blocked:       " : pad}◌ ${i.id} (needs ${(i.blocked_by ?? []).join(", ")})`,
          )
          .join("\n"),
  );
  const active = s.active_count > 0 ? `, ${s.active_count}/${s.total_issues} active` : "";
  lines.push(
    "",
    `Progress: ${s.completed.length}/${s.total_issues} complete${active} (${Math.round(s.progress_percent)}%)`,
    "",
  );
  return lines.join("\n");
}

async function swarmValidate(ctx: BdContext, [id]: string[], o: Record<string, unknown>) {
  const { store, id: full } = await ctx.resolve(id!);
  const epic = await requireIssue(store, full);
  if (epic.issue_type !== "epic" && epic.issue_type !== "molecule")
    throw new ValidationError(`'${epic.id}' is not an epic or molecule (type: ${epic.issue_type})`);
  const analysis = await analyzeSwarm(store, epic);
  // --verbose may land on bd's global flag of the same name.
  if (o.verbose !== true && ctx.opts.verbose !== true) analysis.issues = undefined;
  if (ctx.json) ctx.printJson(analysis);
  else ctx.out(renderAnalysis(analysis));
  return analysis.swarmable ? 0 : 1;
}

async function swarmStatusCmd(ctx: BdContext, [id]: string[]) {
  const { store, id: full } = await ctx.resolve(id!);
  const epic = await swarmEpic(store, await requireIssue(store, full));
  const status = await swarmStatus(store, epic);
  if (ctx.json) return ctx.printJson(status);
  ctx.out(renderStatus(status));
}

async function swarmCreate(ctx: BdContext, [id]: string[], o: Record<string, unknown>) {
  const { store, id: full } = await ctx.resolve(id!);
  const issue = await requireIssue(store, full);
  const coordinator = (o.coordinator as string | undefined) ?? "";
  let r: Awaited<ReturnType<typeof createSwarm>>;
  try {
    r = await createSwarm(store, issue, { coordinator, force: o.force === true }, ctx.actor());
  } catch (e) {
    if (e instanceof SwarmRefused && ctx.json) {
      ctx.printJson(e.detail);
      ctx.warn(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  if (ctx.json)
    return ctx.printJson({ swarm_id: r.swarm.id, epic_id: r.epic.id, coordinator, analysis: r.analysis });
  const lines: string[] = [];
  if (r.wrapper) lines.push("Auto-wrapping single issue as epic...", `Created wrapper epic: ${r.wrapper.id}`);
  lines.push("", `✓ Created swarm molecule: ${r.swarm.id}`, `   Epic: ${r.epic.id} (${r.epic.title})`);
  if (coordinator) lines.push(`   Coordinator: ${coordinator}`);
  lines.push(
    `   Total issues: ${r.analysis.total_issues}`,
    `   Max parallelism: ${r.analysis.max_parallelism}`,
    `   Waves: ${r.analysis.ready_fronts.length}`,
  );
  ctx.out(lines.join("\n"));
}

async function swarmList(ctx: BdContext) {
  const items = await listSwarms(ctx.ledger());
  if (ctx.json) return ctx.printJson({ swarms: items });
  if (items.length === 0) return ctx.out("No swarm molecules found.");
  const lines = ["", `🐝 Active Swarms (${items.length})`, ""];
  for (const i of items) {
    const progress = `${i.completed_issues}/${i.total_issues}${i.active_issues > 0 ? `, ${i.active_issues} active` : ""}`;
    lines.push(`${i.id} ${i.title}`);
    if (i.epic_id) lines.push(`   Epic: ${i.epic_id} (${i.epic_title})`);
    lines.push(`   Progress: ${progress} (${Math.round(i.progress_percent)}%)`);
    if (i.coordinator) lines.push(`   Coordinator: ${i.coordinator}`);
    lines.push("");
  }
  ctx.out(lines.join("\n"));
}

export const COORDINATION: CommandGroup = {
  names: ["merge-slot", "ship", "swarm"],
  register(program: Command) {
    const slot = program
      .command("merge-slot")
      .description(
        "Manage merge-slot gates for serialized conflict resolution (<prefix>-merge-slot, one holder at a time)",
      );
    slot
      .command("create")
      .description("Create a merge slot bead for the current rig")
      .action(act(slotCreate));
    slot.command("check").description("Check merge slot availability").action(act(slotCheck));
    slot
      .command("acquire")
      .description("Acquire the merge slot (exit 1 when it is held)")
      .option("--holder <name>", "Who is acquiring the slot (default: BEADS_ACTOR)")
      .option("--wait", "Add to waiters list if slot is held")
      .action(act(slotAcquire));
    slot
      .command("release")
      .description("Release the merge slot")
      .option("--holder <name>", "Who is releasing the slot (for verification)")
      .action(act(slotRelease));

    program
      .command("ship <capability>")
      .description(
        "Publish a capability for cross-project dependencies (export:<capability> → provides:<capability>)",
      )
      .option("--force", "Ship even if issue is not closed")
      .option("--dry-run", "Preview without making changes")
      .action(act(ship));

    const swarm = program.command("swarm").description("Swarm management for structured epics");
    swarm
      .command("validate <epic-id>")
      .description(
        "Validate epic structure for swarming (ready fronts, cycles, warnings; exit 1 when not swarmable)",
      )
      .option("--verbose", "Include detailed issue graph in output")
      .action(act(swarmValidate));
    swarm
      .command("status <epic-or-swarm-id>")
      .description("Show current swarm status, computed from beads")
      .action(act(swarmStatusCmd));
    swarm
      .command("create <epic-id>")
      .description("Create a swarm molecule from an epic (a single issue is wrapped in an epic first)")
      .option("--coordinator <address>", "Coordinator address (e.g., my-project/witness)")
      .option("--force", "Create new swarm even if one already exists")
      .action(act(swarmCreate));
    swarm.command("list").description("List all swarm molecules").action(act(swarmList));
  },
};
