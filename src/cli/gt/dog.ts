// gt dog: the daemon's maintenance dogs (boot, wisp-reaper, checkpoint, jsonl-export,
// doctor) and command dogs a person adds. list and status show when each ran and what it
// found; run runs one now; add and remove manage command dogs.
import type { Command } from "commander";
import { NotFoundError } from "../../errors.ts";
import { callerActor } from "../../town/identity.ts";
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
          if (ctx.json) return ctx.printJson(dogs);
          for (const d of dogs) ctx.out(dogLine(d));
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
      .description("Add a command dog: the daemon runs --run in the town's root every --every")
      .requiredOption("--run <command>", "the shell command to run")
      .requiredOption("--every <duration>", "how often (30s, 15m, 2h)")
      .option("--timeout <duration>", "stop it after this long (default 10m)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const town = ctx.town();
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
      .command("remove <name>")
      .description("Remove a command dog (built-in dogs are switched off in mayor/daemon.json instead)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name]) => {
          removeCommandDog(ctx.town(), name!);
          if (ctx.json) return ctx.printJson({ removed: name });
          ctx.out(`✓ dog ${name} removed`);
        }),
      );
  },
};
