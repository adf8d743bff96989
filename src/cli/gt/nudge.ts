// gt nudge and gt broadcast: text into live agent sessions, delivered literally and checked.
import type { Command } from "commander";
import { agentStatuses } from "../../agents/inventory.ts";
import { globMatch } from "../../comms/mail.ts";
import { loadMessaging } from "../../comms/messaging.ts";
import {
  isDnd,
  type NudgeMode,
  type NudgePriority,
  type NudgeResult,
  nudge,
  runNudgePoller,
  setDnd,
} from "../../comms/nudge.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import {
  type AgentIdentity,
  addressOf,
  callerActor,
  callerIdentity,
  parseAddress,
  sessionNameOf,
} from "../../town/identity.ts";
import { knownAgents } from "../../town/roster.ts";
import type { Town } from "../../town/workspace.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { readStdin } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";
import { resolveAgent } from "./targets.ts";

const MODES: NudgeMode[] = ["wait-idle", "queue", "immediate"];
const FRESH_MS = 60_000;

/** How long ago the caller's own session started; undefined outside a session or when unknown. */
async function callerSessionAge(ctx: GtContext): Promise<number | undefined> {
  const town = ctx.town();
  let session = ctx.env.GT_SESSION;
  if (!session) {
    const id = callerIdentity(town.root, ctx.env, ctx.cwd);
    if (!id) return undefined;
    session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  }
  const info = (await ctx.provider().list()).find((s) => s.name === session);
  return info?.createdAt ? Date.now() - Date.parse(info.createdAt) : undefined;
}

/** The agents of a nudge channel (config/messaging.json nudge_channels; patterns with a star). */
function nudgeChannelMembers(town: Town, name: string): AgentIdentity[] {
  const patterns = loadMessaging(town).nudge_channels[name];
  if (!patterns)
    throw new NotFoundError(
      `channel:${name}`,
      `no nudge channel "${name}" (config/messaging.json nudge_channels)`,
    );
  const out = new Map<string, AgentIdentity>();
  for (const id of knownAgents(town)) {
    const address = addressOf(id);
    if (patterns.some((p) => p === address || (p.includes("*") && globMatch(p, address))))
      out.set(address, id);
  }
  if (out.size === 0) throw new ValidationError(`nudge channel "${name}" reaches no agent`);
  return [...out.values()];
}

async function messageOf(words: string[], stdin: boolean, flag?: unknown): Promise<string> {
  const given = [words.length > 0, stdin, flag !== undefined].filter(Boolean).length;
  if (given > 1)
    throw new ValidationError("give the message once: as words, with -m/--message, or with --stdin");
  if (flag !== undefined) return String(flag);
  if (!stdin) return words.join(" ");
  return (await readStdin()).replace(/\n$/, "");
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
  names: GT_BUNDLES["gt-nudge"],
  register(p: Command) {
    const common = (c: Command) =>
      c
        .option("--mode <mode>", "wait-idle (default: deliver when idle, else queue), queue, immediate")
        .option("--priority <p>", "normal or urgent")
        .option("--timeout <seconds>", "wait-idle: how long to wait for an idle prompt", (v) =>
          Number.parseFloat(v),
        )
        .option("-m, --message <text>", "the message (instead of words after the target)")
        .option("--stdin", "read the message from standard input")
        .option("-f, --force", "deliver even to an agent in do-not-disturb")
        .option("--json", "JSON output");
    common(
      p
        .command("nudge <target> [message...]")
        .description(
          "Put text into a live agent's session: gt nudge gastown/polecats/toast 'check your hook' (channel:<name>: every agent of a nudge channel)",
        )
        .option("--if-fresh", "only when your own session started under 60 s ago (quiet after a compaction)"),
    ).action(
      act(async (ctx, [target, ...words], opts) => {
        const town = ctx.town();
        const text = await messageOf(words, opts.stdin === true, opts.message);
        const o = options(opts);
        if (opts.ifFresh === true) {
          const stale = await callerSessionAge(ctx);
          // GT_NUDGE_FRESH_MS shortens the 60 s (tests).
          const fresh = Number(ctx.env.GT_NUDGE_FRESH_MS) || FRESH_MS;
          if (stale !== undefined && stale > fresh) {
            if (ctx.json) return ctx.printJson({ target, skipped: true, reason: "not a fresh session" });
            return;
          }
        }
        const sender = callerActor(town.root, ctx.env, ctx.cwd);
        const ids = target!.startsWith("channel:")
          ? nudgeChannelMembers(town, target!.slice(8))
          : [resolveAgent(town, target!)];
        const results = [];
        for (const id of ids) results.push(await nudge(town, ctx.provider(), id, text, { sender, ...o }));
        if (ctx.json) ctx.printJson(target!.startsWith("channel:") ? results : results[0]);
        else for (const r of results) report(ctx, r);
        return results.some((r) => r.outcome === "unverified") ? 1 : 0;
      }),
    );
    common(
      p
        .command("broadcast [message...]")
        .description("Nudge every running worker (polecats and crew); --all: every running agent")
        .option("--rig <rig>", "only agents of this rig")
        .option("--all", "every running agent (mayor, deacon, witnesses, ...), not only workers")
        .option("-n, --dry-run", "list who would get it; send nothing"),
    ).action(
      act(async (ctx, words, opts) => {
        const town = ctx.town();
        const text = await messageOf(words, opts.stdin === true, opts.message);
        if (!text.trim()) throw new ValidationError("nothing to broadcast: the message is empty");
        const o = options(opts);
        const rig = opts.rig as string | undefined;
        if (rig !== undefined) town.rig(rig); // an unknown rig is an error naming the rigs
        const sender = callerActor(town.root, ctx.env, ctx.cwd);
        const targets = (await agentStatuses(town, ctx.provider())).filter(
          (a) =>
            a.running &&
            a.address !== sender &&
            (opts.all === true || a.role === "polecat" || a.role === "crew") &&
            (rig === undefined || a.rig === rig),
        );
        if (opts.dryRun === true) {
          if (ctx.json)
            return ctx.printJson({ dry_run: true, message: text, targets: targets.map((t) => t.address) });
          if (targets.length === 0) return ctx.out("No running agents to broadcast to");
          ctx.out(`Would broadcast to ${targets.length} agent(s):`);
          for (const t of targets) ctx.out(`  ${t.address}`);
          ctx.out(`\nMessage: ${text}`);
          return;
        }
        const results = [];
        for (const w of targets)
          results.push(await nudge(town, ctx.provider(), parseAddress(w.address), text, { sender, ...o }));
        if (ctx.json) return ctx.printJson(results);
        if (results.length === 0) return ctx.out(opts.all ? "No running agents" : "No running workers");
        for (const r of results) report(ctx, r);
        return results.some((r) => r.outcome === "unverified") ? 1 : 0;
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
