// gt dog: the daemon's maintenance dogs (boot, wisp-reaper, checkpoint, jsonl-export,
// doctor) and command dogs a person adds. list and status show when each ran and what it
// found; run runs one now; add and remove manage command dogs.

import { spawn } from "node:child_process";
import type { Command } from "commander";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { gtExecutable } from "../../package-paths.ts";
import { callerActor, callerIdentity } from "../../town/identity.ts";
import { dogNames } from "../../town/roster.ts";
import {
  addDogAgent,
  type DogAgent,
  dogDone,
  listDogAgents,
  removeDogAgent,
  stopDog,
} from "../../watch/dog-agents.ts";
import { callDogs, clearDog, dispatchPlugin, dogHealth } from "../../watch/dog-care.ts";
import { addCommandDog, removeCommandDog } from "../../watch/dog-config.ts";
import type { DogState } from "../../watch/dog-state.ts";
import { type DogView, listDogs, runDog } from "../../watch/dogs.ts";
import type { GtContext } from "./context.ts";
import { ago } from "./daemon.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

function every(ms: number): string {
  const s = Math.round(ms / 1000);
  return s % 3600 === 0 && s >= 3600 ? `${s / 3600}h` : s % 60 === 0 && s >= 60 ? `${s / 60}m` : `${s}s`;
}

function mark(d: DogView): string {
  if (d.error) return "✗";
  if (!d.enabled) return "○";
  if (!d.state) return "·";
  return d.state.last_ok && d.state.problems.length === 0 ? "✓" : "⚠";
}

function dogLine(d: DogView): string {
  const last = d.state ? `ran ${ago(d.state.last_run_at)}: ${oneLine(d.state.last_summary)}` : "not run yet";
  const when = d.enabled ? `every ${every(d.interval_ms)}` : d.error ? "cannot run" : "off";
  return `${mark(d)} ${d.name.padEnd(14)} ${when.padEnd(11)} ${d.error ? oneLine(d.error) : last}`;
}

/** A dog agent in gt dog list --json, beside the maintenance dogs. */
function agentView(a: DogAgent) {
  return { ...a, kind: "agent" as const };
}

function findDog(ctx: GtContext, name: string): DogView {
  const d = listDogs(ctx.town()).find((x) => x.name === name);
  if (!d) throw new NotFoundError(name, `no dog named ${name} (gt dog list)`);
  return d;
}

function printState(ctx: GtContext, s: DogState): void {
  ctx.out(
    `  last run ${ago(s.last_run_at)} (${s.last_duration_ms} ms, run ${s.runs}): ${oneLine(s.last_summary)}`,
  );
  for (const p of s.problems) ctx.out(`  ⚠ ${oneLine(p)}`);
  if (s.reported_at) ctx.out(`  problems last reported to the deacon ${ago(s.reported_at)}`);
}

export const dogGroup: GtGroup = {
  names: ["dog"],
  register(p: Command) {
    const dog = p.command("dog").description("The daemon's maintenance dogs, and command dogs you add");
    dog
      .command("list")
      .description("Every dog: how often it runs, when it last ran and what it found")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const dogs = listDogs(ctx.town());
          const agents = await listDogAgents(ctx.town(), ctx.provider());
          if (ctx.json) return ctx.printJson([...dogs, ...agents.map(agentView)]);
          for (const d of dogs) ctx.out(dogLine(d));
          for (const a of agents)
            ctx.out(
              `🐕 ${a.name.padEnd(14)} agent      ${a.state}${a.hook ? ` on ${a.hook}` : ""}${a.session_alive ? ` (session ${a.session})` : ""}`,
            );
        }),
      );
    dog
      .command("status [name]")
      .description("One dog in detail (all of them without a name): its job, schedule, last run and problems")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const dogs = name ? [findDog(ctx, name)] : listDogs(ctx.town());
          if (ctx.json) return ctx.printJson(name ? dogs[0] : dogs);
          for (const d of dogs) {
            ctx.out(`${mark(d)} ${d.name} (${d.kind}): ${oneLine(d.about)}`);
            if (d.error) ctx.out(`  ✗ ${oneLine(d.error)}`);
            else
              ctx.out(
                `  ${d.enabled ? `every ${every(d.interval_ms)}, next ${d.next_due ? `at ${d.next_due}` : "?"} (while the daemon runs)` : "switched off"}`,
              );
            if (d.state) printState(ctx, d.state);
            else ctx.out("  not run yet");
          }
        }),
      );
    dog
      .command("run <name>")
      .description("Run a dog now, whatever its schedule")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          const town = ctx.town();
          findDog(ctx, name!);
          const s = await runDog(
            { town, provider: ctx.provider(), actor: callerActor(town.root, ctx.env, ctx.cwd), env: ctx.env },
            name!,
          );
          if (ctx.json) ctx.printJson(s);
          else {
            ctx.out(`${s.last_ok ? "✓" : "✗"} ${name}: ${oneLine(s.last_summary)}`);
            for (const p of s.problems) ctx.out(`  ⚠ ${oneLine(p)}`);
          }
          return s.last_ok ? 0 : 1;
        }),
      );
    dog
      .command("add <name>")
      .description(
        "Add a dog: with --run and --every a command dog the daemon runs in the town's root; without, a dog agent for gt sling <bead> deacon/dogs/<name>",
      )
      .option("--run <command>", "the shell command to run")
      .option("--every <duration>", "how often (30s, 15m, 2h)")
      .option("--timeout <duration>", "stop it after this long (default 10m)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          if (opts.run === undefined) {
            if (opts.every !== undefined || opts.timeout !== undefined)
              throw new ValidationError("--every and --timeout are for command dogs: give --run too");
            const a = await addDogAgent(town, name!, callerActor(town.root, ctx.env, ctx.cwd));
            if (ctx.json) return ctx.printJson(a);
            return ctx.out(`✓ dog ${a.address} added to the kennel (gt sling <bead> ${a.address})`);
          }
          if (opts.every === undefined) throw new ValidationError("a command dog needs --every");
          const d = addCommandDog(town, {
            name: name!,
            command: String(opts.run),
            interval: String(opts.every),
            ...(opts.timeout ? { timeout: String(opts.timeout) } : {}),
            by: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) return ctx.printJson(d);
          ctx.out(
            `✓ dog ${d.name} added: every ${d.interval} runs ${oneLine(d.command)} (gt dog run ${d.name} to try it)`,
          );
        }),
      );
    dog
      .command("done [name]")
      .description(
        "A dog's job is finished: close the bead on its hook, tell the deacon (DOG_DONE nudge), end the dog's session",
      )
      .option("-m, --message <text>", "what came of it (the close reason, and in the nudge)")
      .option("--failed", "the job could not be done: the bead goes back to open, the message as a comment")
      .option("--keep-session", "do not end the dog's session")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [nameArg], opts) => {
          const town = ctx.town();
          const me = callerIdentity(town.root, ctx.env, ctx.cwd);
          const name = nameArg ?? (me?.role === "dog" ? me.name : undefined);
          if (!name) throw new ValidationError("which dog? run gt dog done in a dog's session, or name it");
          const r = await dogDone(town, ctx.provider(), name, {
            ...(opts.message ? { message: String(opts.message) } : {}),
            failed: opts.failed === true,
          });
          // The caller may be inside the session: a detached gt ends it a moment later.
          if (opts.keepSession !== true)
            spawn(gtExecutable(), ["dog", "stop", name, "--after", "1000"], {
              cwd: town.root,
              env: { ...ctx.env, GT_TOWN_ROOT: town.root },
              detached: true,
              stdio: "ignore",
            }).unref();
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            r.bead
              ? `✓ ${r.dog}: ${r.bead} ${r.outcome === "closed" ? "closed" : "back to open (failed)"}; the deacon is told (${r.deacon})`
              : `✓ ${r.dog}: nothing was hooked; idle`,
          );
        }),
      );
    dog
      .command("call [name]")
      .description("Wake idle dogs: start the session of one (the named one, or --all of them)")
      .option("--all", "every idle dog")
      .option("--json", "JSON output: [{dog, session, action}]")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          const r = await callDogs(town, ctx.provider(), {
            ...(name ? { name } : {}),
            all: opts.all === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) return ctx.printJson(r);
          for (const c of r)
            ctx.out(`${c.action === "started" ? "✓ started" : "○ already running:"} ${c.dog} (${c.session})`);
        }),
      );
    dog
      .command("clear <name>")
      .description(
        "Free a stuck dog: the job on its hook goes back to open (a live session only with --force)",
      )
      .option("--force", "stop the dog's session even though it is alive")
      .option("--json", "JSON output: {dog, bead, stopped}")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          const r = await clearDog(town, ctx.provider(), name!, {
            force: opts.force === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(
            `✓ ${r.dog} is idle${r.bead ? `: ${r.bead} back to open` : " (nothing was hooked)"}${r.stopped ? "; its session stopped" : ""}`,
          );
        }),
      );
    dog
      .command("health-check [name]")
      .description(
        "Find zombie dogs (a job, no session) and orphans (a session, no job); exit 2 when one needs attention",
      )
      .option("--auto-clear", "put zombies' jobs back (gt dog clear)")
      .option(
        "--json",
        "JSON output: {dogs: [{dog, state, session_alive, hook, problem, cleared}], attention}",
      )
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
          const r = await dogHealth(town, ctx.provider(), {
            ...(name ? { name } : {}),
            autoClear: opts.autoClear === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) {
            ctx.printJson(r);
            return r.attention ? 2 : 0;
          }
          if (r.dogs.length === 0) ctx.out("No dog agents in the kennel");
          for (const d of r.dogs) {
            const what =
              d.problem === "zombie"
                ? `zombie: ${d.hook} hooked, no session${d.cleared ? " (cleared)" : ""}`
                : d.problem === "orphan"
                  ? "orphan: a session with nothing hooked"
                  : `${d.state}${d.hook ? ` on ${d.hook}` : ""}`;
            ctx.out(`${d.problem && !d.cleared ? "✗" : "✓"} ${d.dog.padEnd(22)} ${what}`);
          }
          return r.attention ? 2 : 0;
        }),
      );
    dog
      .command("dispatch")
      .description("Give a plugin's instructions (plugins/<name>/plugin.md) to a dog as a job")
      .requiredOption("--plugin <name>", "the plugin")
      .option("--rig <rig>", "look in the rig's plugins first")
      .option("--dog <name>", "this dog (default: an idle one, or a new one)")
      .option("--create", "add the named dog if it is not in the kennel")
      .option("--dry-run", "find the plugin (and the dog) without dispatching")
      .option("--json", "JSON output: {plugin, file, bead, dry_run, report}")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const r = await dispatchPlugin(town, ctx.provider(), {
            plugin: String(opts.plugin),
            ...(opts.rig ? { rig: String(opts.rig) } : {}),
            ...(opts.dog ? { dog: String(opts.dog) } : {}),
            create: opts.create === true,
            dryRun: opts.dryRun === true,
            actor: callerActor(town.root, ctx.env, ctx.cwd),
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.dry_run)
            return ctx.out(`Would dispatch ${r.plugin} (${r.file}) to ${opts.dog ?? "an idle dog"}`);
          const o = r.report?.outcomes[0];
          ctx.out(`✓ ${r.plugin} dispatched as ${r.bead} to ${o?.target ?? "a dog"}`);
          for (const f of r.report?.failures ?? []) ctx.out(`  ⚠ ${oneLine(f.error)}`);
        }),
      );
    dog
      .command("stop <name>", { hidden: true })
      .description("Stop a dog agent's session")
      .option("--after <ms>", "wait this long first", "0")
      .action(
        act(async (ctx, [name], opts) => {
          await new Promise((r) => setTimeout(r, Number(opts.after) || 0));
          const stopped = await stopDog(ctx.town(), ctx.provider(), name!);
          ctx.out(stopped ? `✓ dog ${name} stopped` : `dog ${name} was not running`);
        }),
      );
    dog
      .command("remove <name>")
      .description("Remove a command dog (built-in dogs are switched off in mayor/daemon.json instead)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          if (dogNames(ctx.town()).includes(name!)) await removeDogAgent(ctx.town(), ctx.provider(), name!);
          else removeCommandDog(ctx.town(), name!);
          if (ctx.json) return ctx.printJson({ removed: name });
          ctx.out(`✓ dog ${name} removed`);
        }),
      );
  },
};
