// gt nudge and gt broadcast: text into live agent sessions, delivered literally and checked.
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import {
  isDnd,
  type NudgeMode,
  type NudgePriority,
  type NudgeResult,
  nudge,
  runNudgePoller,
  setDnd,
} from "../../comms/nudge.ts";
import { ValidationError } from "../../errors.ts";
import { addressOf, callerActor, callerIdentity, parseAddress } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";
import { resolveAgent } from "./targets.ts";

const MODES: NudgeMode[] = ["wait-idle", "queue", "immediate"];

async function messageOf(words: string[], stdin: boolean): Promise<string> {
  if (!stdin) return words.join(" ");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString().replace(/\n$/, "");
}

function options(opts: Record<string, unknown>): {
  mode: NudgeMode;
  priority: NudgePriority;
  force: boolean;
  idleTimeoutMs?: number;
} {
  const mode = ((opts.mode as string | undefined) ?? "wait-idle") as NudgeMode;
  if (!MODES.includes(mode)) throw new ValidationError(`unknown mode "${mode}" (${MODES.join(", ")})`);
  const priority = ((opts.priority as string | undefined) ?? "normal") as NudgePriority;
  if (priority !== "normal" && priority !== "urgent")
    throw new ValidationError(`unknown priority "${priority}" (normal, urgent)`);
  return {
    mode,
    priority,
    force: opts.force === true,
    ...(typeof opts.timeout === "number" ? { idleTimeoutMs: opts.timeout * 1000 } : {}),
  };
}

function report(ctx: GtContext, r: NudgeResult): void {
  if (r.outcome === "delivered") ctx.out(`✓ nudged ${r.target} (${r.session})`);
  else if (r.outcome === "queued") ctx.out(`⏳ queued for ${r.target}: ${r.detail}`);
  else ctx.warn(`⚠ ${r.target}: ${r.detail} (Enter tried ${r.attempts} times)`);
}

export const nudgeGroup: GtGroup = {
  names: ["nudge", "broadcast", "dnd", "nudge-poller"],
  register(p: Command) {
    const common = (c: Command) =>
      c
        .option("--mode <mode>", "wait-idle (default: deliver when idle, else queue), queue, immediate")
        .option("--priority <p>", "normal or urgent")
        .option("--timeout <seconds>", "wait-idle: how long to wait for an idle prompt", (v) =>
          Number.parseFloat(v),
        )
        .option("--stdin", "read the message from standard input")
        .option("--force", "deliver even to an agent in do-not-disturb")
        .option("--json", "JSON output");
    common(
      p
        .command("nudge <target> [message...]")
        .description(
          "Put text into a live agent's session: gt nudge gastown/polecats/toast 'check your hook'",
        ),
    ).action(
      act(async (ctx, [target, ...words], opts) => {
        const town = ctx.town();
        const text = await messageOf(words, opts.stdin === true);
        const r = await nudge(town, ctx.provider(), resolveAgent(town, target!), text, {
          sender: callerActor(town.root, ctx.env, ctx.cwd),
          ...options(opts),
        });
        if (ctx.json) ctx.printJson(r);
        else report(ctx, r);
        return r.outcome === "unverified" ? 1 : 0;
      }),
    );
    common(
      p.command("broadcast [message...]").description("Nudge every running worker (polecats and crew)"),
    ).action(
      act(async (ctx, words, opts) => {
        const town = ctx.town();
        const text = await messageOf(words, opts.stdin === true);
        const sender = callerActor(town.root, ctx.env, ctx.cwd);
        const workers = (await agentStatuses(town, ctx.provider())).filter(
          (a) => a.running && (a.role === "polecat" || a.role === "crew"),
        );
        const results = [];
        for (const w of workers)
          results.push(
            await nudge(town, ctx.provider(), parseAddress(w.address), text, { sender, ...options(opts) }),
          );
        if (ctx.json) return ctx.printJson(results);
        if (results.length === 0) return ctx.out("No running workers");
        for (const r of results) report(ctx, r);
      }),
    );
    p.command("dnd [state]")
      .description("Do not disturb: on, off, or status (nudges wait in your queue while on)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [state]) => {
          const town = ctx.town();
          const id = callerIdentity(town.root, ctx.env, ctx.cwd);
          if (!id)
            throw new ValidationError("gt dnd is for agents: run it in an agent's session or directory");
          if (state !== undefined && state !== "on" && state !== "off" && state !== "status")
            throw new ValidationError(`unknown state "${state}" (on, off, status)`);
          if (state === "on" || state === "off") await setDnd(town, id, state === "on", addressOf(id));
          const on = await isDnd(town, id);
          if (ctx.json) return ctx.printJson({ agent: addressOf(id), dnd: on });
          ctx.out(`${on ? "🔕" : "🔔"} ${addressOf(id)}: do not disturb is ${on ? "on" : "off"}`);
        }),
      );
    p.command("nudge-poller <session>", { hidden: true })
      .description("Hand queued nudges to an agent without a prompt hook (started with its session)")
      .action(
        act(async (ctx, [session]) => {
          const town = ctx.town();
          const agent = (await agentStatuses(town, ctx.provider())).find((a) => a.session === session);
          if (!agent) throw new ValidationError(`no agent runs in session ${session}`);
          const interval = Number(ctx.env.GT_NUDGE_POLL_MS) || 10_000;
          await runNudgePoller(town, ctx.provider(), parseAddress(agent.address), interval);
        }),
      );
  },
};
