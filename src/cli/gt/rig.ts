// gt rig: add, list, status, remove, config; start/stop/restart of a rig's agents, and
// park/unpark, dock/undock (a held rig gets no sessions and no work).
import type { Command } from "commander";
import { type AgentStatus, agentStatuses } from "../../agents/inventory.ts";
import { ConflictError, ValidationError } from "../../errors.ts";
import { mergeQueueKey, mergeQueueSettings, writeMergeQueueSetting } from "../../refinery/config.ts";
import { activeEstop } from "../../town/estop.ts";
import { callerActor } from "../../town/identity.ts";
import {
  addRig,
  assertRigTakesWork,
  listRigs,
  parkedInfo,
  type RigHold,
  type RigSummary,
  removeRig,
  rigHold,
  rigSummary,
} from "../../town/rig.ts";
import {
  rigSetting,
  rigSettings,
  setRigSetting,
  settingValue,
  unsetRigSetting,
} from "../../town/rig-settings-edit.ts";
import { daemonLiveness } from "../../watch/daemon-files.ts";
import { holdRig, releaseRig, restartRig, startRig, stopRig } from "../../watch/rig-lifecycle.ts";
import type { ServiceResult } from "../../watch/town-lifecycle.ts";
import { polecatGitState } from "../../work/polecat-upkeep.ts";
import { listPolecats } from "../../work/polecats.ts";
import { resetRig } from "../../work/rig-reset.ts";
import type { GtContext } from "./context.ts";
import { formatAgentLine, oneLine } from "./format.ts";
import { rigArgument } from "./lifecycle.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

export const rigGroup: GtGroup = {
  names: ["rig"],
  register(p: Command) {
    const rig = p.command("rig").description("Manage rigs (git projects in the town)");
    rig
      .command("add <name> [source]")
      .description(
        "Add a rig from a git URL or a local repository path (--adopt: the git checkout already at <town>/<name>)",
      )
      .option("--prefix <prefix>", "bead prefix (default: derived from the name)")
      .option("--branch <branch>", "default branch (default: the repository's HEAD)")
      .option(
        "--mirror",
        "the source is a local working repository: keep a bare mirror of it inside the rig for polecat branches and fast-forward its branch after each merge",
      )
      .option(
        "--local-repo <path>",
        "a local repository to borrow git objects from (git clone --reference-if-able)",
      )
      .option(
        "--push-url <url>",
        "a fork to push to: polecat branches and merges go there, the source is only read (origin's pushurl)",
      )
      .option("--upstream-url <url>", "an upstream remote for fork workflows")
      .option("--adopt", "register the git checkout already at <town>/<name> instead of cloning")
      .option("--url <url>", "with --adopt: the rig's origin (default: the checkout's origin remote)")
      .option("--force", "with --adopt: adopt a checkout without a remote as a local rig")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name, source], opts) => {
          const common = {
            prefix: opts.prefix as string | undefined,
            branch: opts.branch as string | undefined,
            localRepo: opts.localRepo as string | undefined,
            pushUrl: opts.pushUrl as string | undefined,
            upstreamUrl: opts.upstreamUrl as string | undefined,
            cwd: ctx.cwd,
            version: GT_VERSION,
          };
          let r: RigSummary & { checkout?: string | null };
          if (opts.adopt === true) {
            if (source)
              throw new ValidationError("--adopt takes no source (the checkout's origin, or --url)");
            if (opts.mirror === true) throw new ValidationError("--adopt and --mirror do not go together");
            const { adoptRig } = await import("../../town/rig-adopt.ts");
            r = await adoptRig(ctx.town(), name!, {
              ...common,
              url: opts.url as string | undefined,
              force: opts.force === true,
            });
          } else {
            if (!source)
              throw new ValidationError(
                "a source is required: gt rig add <name> <git-url|path> (or --adopt for a checkout already in the town)",
              );
            if (opts.url !== undefined || opts.force === true)
              throw new ValidationError("--url and --force go with --adopt");
            r = await addRig(ctx.town(), name!, source, { ...common, mirror: opts.mirror === true });
          }
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `✓ Rig ${r.name} ${opts.adopt === true ? "adopted" : "added"} (prefix ${r.prefix}-, branch ${r.default_branch}, polecat names: ${r.namepool_theme})`,
          );
          ctx.out(`  ${r.path}`);
          if (r.checkout) ctx.out(`  your checkout is now the rig's canonical clone: ${oneLine(r.checkout)}`);
          if (r.push_url)
            ctx.out(
              `  polecat branches and merges go to ${oneLine(r.push_url)}; ${oneLine(r.git_url)} is only read`,
            );
          if (r.upstream_url) ctx.out(`  upstream: ${oneLine(r.upstream_url)}`);
          if (r.local_repo) ctx.out(`  borrows git objects from ${oneLine(r.local_repo)}`);
          if (r.working_repo) {
            ctx.out(`  polecat branches go to the mirror ${oneLine(r.git_url)}, never to your repository;`);
            ctx.out(
              `  after each merge the refinery fast-forwards ${r.default_branch} in ${oneLine(r.working_repo)} (or: git pull ${oneLine(r.git_url)} ${r.default_branch})`,
            );
          }
        }),
      );
    rig
      .command("list")
      .alias("ls")
      .description("List rigs")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const rigs = listRigs(ctx.town());
          if (ctx.json) return ctx.printJson(rigs);
          if (rigs.length === 0) return ctx.out("No rigs yet (gt rig add <name> <git-url|path>)");
          for (const r of rigs) ctx.out(`${r.name}  ${r.prefix}-  ${r.default_branch}  ${source(r)}`);
        }),
      );
    rig
      .command("status [name]")
      .description("A rig's agents, crew and polecats (all rigs without a name)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const town = ctx.town();
          const names = name ? [town.rig(name).name] : town.rigNames();
          const agents = await agentStatuses(town, ctx.provider(), { rigs: names });
          const out = [];
          for (const n of names) {
            const stop = activeEstop(town.root, n);
            out.push({
              ...rigSummary(town, n),
              state: (await rigHold(town, n)) ?? "active",
              parked: parkedInfo(town, n) ?? null,
              estop: stop ? { at: stop.at, reason: stop.reason, town_wide: stop.rig === null } : null,
              agents: agents.filter((a) => a.rig === n),
            });
          }
          if (ctx.json) return ctx.printJson(name ? out[0] : out);
          for (const r of out) {
            const marks = [r.state === "active" ? "" : r.state, r.estop ? "e-stop" : ""].filter(Boolean);
            ctx.out(
              `${r.name} (${r.prefix}-, ${r.default_branch}) ${source(r)}${marks.length ? `  [${marks.join(", ")}]` : ""}`,
            );
            for (const a of r.agents as AgentStatus[]) ctx.out(`  ${formatAgentLine(a)}`);
          }
        }),
      );
    rig
      .command("remove <name>")
      .alias("rm")
      .description("Unregister a rig (its files stay on disk)")
      .option("-f, --force", "stop its running sessions first")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          town.rig(name!);
          const running = (await agentStatuses(town, ctx.provider(), { rigs: [name!] })).filter(
            (a) => a.state !== "stopped",
          );
          if (running.length && opts.force !== true) {
            throw new ConflictError(
              "rig_busy",
              `rig ${name} has running sessions (${running.map((a) => a.session).join(", ")}); stop them or use --force`,
            );
          }
          for (const a of running) await ctx.provider().stop(a.session);
          const r = await removeRig(town, name!);
          if (ctx.json)
            return ctx.printJson({ removed: r.name, path: r.path, stopped: running.map((a) => a.session) });
          ctx.out(`✓ Rig ${r.name} removed from the town (files kept at ${r.path})`);
        }),
      );
    registerConfig(rig);
    registerSettings(rig);
    registerLifecycle(rig);
  },
};

/** gt rig settings show/set/unset: settings/config.json by key path (src/town/rig-settings-edit.ts). */
function registerSettings(rig: Command): void {
  const settings = rig
    .command("settings")
    .description("A rig's settings/config.json, by key path: show, set, unset");
  settings
    .command("show <rig> [key]")
    .alias("get")
    .description("The whole file, or one key path's value (e.g. namepool.style)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key]) => {
        const value = key ? rigSetting(ctx.town(), name!, key) : rigSettings(ctx.town(), name!);
        if (key && value === undefined)
          throw new ValidationError(`${key} is not set in rig ${name}'s settings`);
        if (ctx.json) return ctx.printJson(value);
        ctx.out(typeof value === "string" ? oneLine(value) : JSON.stringify(value, null, 2));
      }),
    );
  settings
    .command("set <rig> <key> <value>")
    .description(
      "Set a key path (the value is JSON when it parses, else text); refused if the file would be invalid",
    )
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key, raw]) => {
        const s = setRigSetting(ctx.town(), name!, key!, settingValue(raw!));
        if (ctx.json) return ctx.printJson(s);
        ctx.out(`✓ ${name}: ${key} = ${JSON.stringify(rigSetting(ctx.town(), name!, key!))}`);
      }),
    );
  settings
    .command("unset <rig> <key>")
    .description("Remove a key path")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key]) => {
        const s = unsetRigSetting(ctx.town(), name!, key!);
        if (ctx.json) return ctx.printJson(s);
        ctx.out(`✓ ${name}: ${key} unset`);
      }),
    );
}

/** One line per agent (or the JSON list); 1 when one of them failed. */
function printRows(ctx: GtContext, rows: ServiceResult[], indent = ""): number {
  if (ctx.json) ctx.printJson(rows);
  else for (const r of rows) ctx.out(`${indent}${r.ok ? "✓" : "✗"} ${r.name}: ${oneLine(r.detail)}`);
  return rows.some((r) => !r.ok) ? 1 : 0;
}

/** gt rig start/stop/restart/park/unpark/dock/undock. */
function registerLifecycle(rig: Command): void {
  const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);
  rig
    .command("start <rigs...>")
    .alias("boot")
    .description("Start the rigs' witness and refinery (refused for a parked or docked rig)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names) => {
        const town = ctx.town();
        for (const n of names) town.rig(n);
        const rows: ServiceResult[] = [];
        for (const n of names) rows.push(...(await startRig(town, ctx.provider(), n, actor(ctx))));
        return printRows(ctx, rows);
      }),
    );
  rig
    .command("stop <rigs...>")
    .description("Stop the rigs' witness, refinery and polecat sessions (hooks and sandboxes stay)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names) => {
        const town = ctx.town();
        for (const n of names) town.rig(n);
        const rows: ServiceResult[] = [];
        for (const n of names) rows.push(...(await stopRig(town, ctx.provider(), n, { polecats: true })));
        const code = printRows(ctx, rows);
        if (!ctx.json && daemonLiveness(town).state === "running")
          ctx.out(
            `  the daemon starts the witness and refinery again; gt rig park ${names.join(" ")} keeps them stopped`,
          );
        return code;
      }),
    );
  rig
    .command("restart <rigs...>")
    .description("Stop the rigs' witness and refinery, then start them again")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, names) => {
        const town = ctx.town();
        for (const n of names) await assertStartable(town, n);
        const rows: ServiceResult[] = [];
        for (const n of names) rows.push(...(await restartRig(town, ctx.provider(), n, actor(ctx))));
        return printRows(ctx, rows);
      }),
    );
  registerShutdown(rig);
  /** park/dock and unpark/undock: one or many rigs, checked first, each reported. */
  const holdCommand = (
    name: string,
    many: boolean,
    blurb: string,
    run: (ctx: GtContext, names: string[]) => Promise<void>,
  ) =>
    rig
      .command(`${name} ${many ? "<rigs...>" : "<rig>"}`)
      .description(blurb)
      .option("--json", "JSON output")
      .action(
        act(async (ctx, names) => {
          for (const n of names) ctx.town().rig(n);
          await run(ctx, names);
        }),
      );
  const hold = (name: string, what: RigHold, many: boolean, blurb: string) =>
    holdCommand(name, many, blurb, async (ctx, names) => {
      const town = ctx.town();
      const results = [];
      for (const n of names) results.push(await holdRig(town, ctx.provider(), n, what, actor(ctx)));
      if (ctx.json) return ctx.printJson(many ? results : results[0]);
      for (const r of results) {
        ctx.out(
          r.changed
            ? `✓ Rig ${r.rig} ${what}${what === "parked" ? " (local only)" : ""}`
            : `• Rig ${r.rig} is already ${what}`,
        );
        printRows(ctx, r.stopped, "  ");
        if (r.changed) ctx.out("  no sessions start and no work is slung here until it is released");
      }
    });
  const release = (name: string, what: RigHold, many: boolean, blurb: string) =>
    holdCommand(name, many, blurb, async (ctx, names) => {
      const town = ctx.town();
      const results = [];
      for (const n of names) results.push({ rig: n, changed: await releaseRig(town, n, what, actor(ctx)) });
      if (ctx.json) return ctx.printJson(many ? results : results[0]);
      const daemon = daemonLiveness(town).state === "running";
      for (const r of results)
        ctx.out(
          r.changed
            ? `✓ Rig ${r.rig} ${name}ed: ${daemon ? "the daemon starts its agents" : `gt rig start ${r.rig} starts its agents`}`
            : `• Rig ${r.rig} was not ${what}`,
        );
    });
  hold(
    "park",
    "parked",
    true,
    "Park rigs: stop their witness and refinery; nothing starts there until unparked (this town only)",
  );
  release("unpark", "parked", true, "Unpark rigs: the daemon and gt up start their agents again");
  hold(
    "dock",
    "docked",
    false,
    "Dock a rig (on its rig bead): stop its witness, refinery and polecats until undocked",
  );
  release("undock", "docked", false, "Undock a rig: the daemon and gt up start its agents again");
}

/** A rig whose agents may be started now (not parked, docked or under an e-stop). */
async function assertStartable(town: ReturnType<GtContext["town"]>, name: string): Promise<void> {
  town.rig(name);
  await assertRigTakesWork(town, name);
}

/** Where a rig's work comes from and goes: its origin, or the user's repository and its mirror. */
function source(r: { git_url: string; working_repo: string | null }): string {
  return oneLine(r.working_repo ? `${r.working_repo} (mirrored at ${r.git_url})` : r.git_url);
}

function printSetting(ctx: GtContext, s: { key: string; value: unknown; set: boolean }): void {
  const value = s.value === null ? "(none)" : typeof s.value === "string" ? s.value : JSON.stringify(s.value);
  ctx.out(`${s.key.padEnd(36)} ${oneLine(value)}${s.set ? "" : "  (default)"}`);
}

/** gt rig config: a rig's merge-queue settings without editing settings/config.json. */
function registerConfig(rig: Command): void {
  const config = rig
    .command("config")
    .description("A rig's settings (the merge queue's gates and behaviour in settings/config.json)");
  config
    .command("show <rig>")
    .alias("list")
    .description("Every setting of the rig, with its value in effect")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name]) => {
        const town = ctx.town();
        const settings = mergeQueueSettings(town.rigDir(town.rig(name!).name));
        if (ctx.json) return ctx.printJson(settings);
        for (const s of settings) printSetting(ctx, s);
      }),
    );
  config
    .command("get <rig> <key>")
    .description("One setting's value in effect (e.g. test_command)")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key]) => {
        const town = ctx.town();
        const k = `merge_queue.${mergeQueueKey(key!)}`;
        const s = mergeQueueSettings(town.rigDir(town.rig(name!).name)).find((x) => x.key === k)!;
        if (ctx.json) return ctx.printJson(s);
        ctx.out(
          s.value === null ? "" : typeof s.value === "string" ? oneLine(s.value) : JSON.stringify(s.value),
        );
      }),
    );
  config
    .command("set <rig> <key> <value>")
    .description('Set one setting: gt rig config set myrig test_command "npm test"')
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key, value]) => {
        const town = ctx.town();
        const s = await writeMergeQueueSetting(town.rigDir(town.rig(name!).name), key!, value!);
        if (ctx.json) return ctx.printJson(s);
        ctx.out(
          `✓ ${name} ${s.key} = ${typeof s.value === "string" ? oneLine(s.value) : JSON.stringify(s.value)}`,
        );
      }),
    );
  config
    .command("unset <rig> <key>")
    .description("Remove one setting, so its default applies again")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name, key]) => {
        const town = ctx.town();
        const s = await writeMergeQueueSetting(town.rigDir(town.rig(name!).name), key!, undefined);
        if (ctx.json) return ctx.printJson(s);
        ctx.out(`✓ ${name} ${s.key} unset (now ${s.value === null ? "none" : JSON.stringify(s.value)})`);
      }),
    );
}

/** Polecats of the rig with work no remote has: a graceful shutdown leaves them to finish it. */
async function unsavedPolecats(ctx: GtContext, rig: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await listPolecats(ctx.town(), ctx.provider(), rig)) {
    const g = await polecatGitState(ctx.town(), rig, p.name);
    if (!g.clean) out.push(p.name);
  }
  return out;
}

/** gt rig shutdown / reboot / reset. */
function registerShutdown(rig: Command): void {
  const actor = (ctx: GtContext) => callerActor(ctx.town().root, ctx.env, ctx.cwd);
  const shutdown = async (ctx: GtContext, name: string, opts: Record<string, unknown>) => {
    const town = ctx.town();
    town.rig(name);
    if (!opts.force && !opts.nuclear) {
      const busy = await unsavedPolecats(ctx, name);
      if (busy.length > 0)
        throw new ConflictError(
          "unsaved_work",
          `polecat(s) ${busy.join(", ")} of ${name} hold uncommitted or unpushed work; let them finish (gt polecat git-state) or use --force (sandboxes are kept)`,
        );
    }
    return stopRig(town, ctx.provider(), name, { polecats: true });
  };
  rig
    .command("shutdown <rig>")
    .description(
      "Stop all of a rig's agents: polecats, refinery, witness (refused while polecats hold unsaved work)",
    )
    .option("-f, --force", "stop even polecats with uncommitted or unpushed work (their sandboxes stay)")
    .option("--nuclear", "skip every check")
    .option("--json", "JSON output")
    .action(act(async (ctx, [name], opts) => printRows(ctx, await shutdown(ctx, name!, opts))));
  rig
    .command("reboot <rig>")
    .description("Shut a rig down (gt rig shutdown), then start its witness and refinery again")
    .option("-f, --force", "shut down even polecats with unsaved work (their sandboxes stay)")
    .option("--nuclear", "skip every check")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const town = ctx.town();
        await assertStartable(town, name!);
        const stopped = await shutdown(ctx, name!, opts);
        const started = await restartRig(town, ctx.provider(), name!, actor(ctx));
        if (ctx.json) {
          ctx.printJson({ stopped, started });
          return [...stopped, ...started].some((r) => !r.ok) ? 1 : 0;
        }
        ctx.out(`Shutting down ${name}:`);
        const a = printRows(ctx, stopped, "  ");
        ctx.out(`Starting ${name}:`);
        return Math.max(a, printRows(ctx, started, "  "));
      }),
    );
  rig
    .command("reset [rig]")
    .description(
      "Clear what a rig's agents left behind: handoff notes, read mail, in_progress beads of dead sessions",
    )
    .option("--handoff", "only handoff notes and markers")
    .option("--mail", "only read mail (archived)")
    .option("--stale", "only in_progress beads whose agent has no session (back to open)")
    .option("-n, --dry-run", "show what would be reset")
    .option("--json", "JSON output")
    .action(
      act(async (ctx, [name], opts) => {
        const town = ctx.town();
        const rigName = name ? town.rig(name).name : rigArgument(ctx, undefined);
        const parts = (["handoff", "mail", "stale"] as const).filter((p) => opts[p] === true);
        const r = await resetRig(town, ctx.provider(), rigName, {
          parts,
          dryRun: opts.dryRun === true,
          actor: actor(ctx),
        });
        if (ctx.json) return ctx.printJson(r);
        const verb = r.dry_run ? "would " : "";
        for (const h of r.handoff)
          ctx.out(
            `  ${verb}clear handoff of ${h.address}: ${h.mail.length} note(s)${h.marker ? ", marker" : ""}`,
          );
        for (const m of r.mail) ctx.out(`  ${verb}archive ${m.id} (${oneLine(m.subject)}) of ${m.address}`);
        for (const b of r.stale)
          ctx.out(`  ${verb}reopen ${b.id} ${oneLine(b.title)} (was ${oneLine(b.assignee)})`);
        const n = r.handoff.length + r.mail.length + r.stale.length;
        ctx.out(
          n === 0
            ? `✓ ${r.rig}: nothing to reset`
            : `${r.dry_run ? "○" : "✓"} ${r.rig}: ${n} item(s) ${r.dry_run ? "to reset" : "reset"}`,
        );
      }),
    );
}
