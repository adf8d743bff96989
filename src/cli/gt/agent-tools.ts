// gt commit (git commit as the agent: name = its address, email = address@agent_email_domain)
// and gt remember / forget / memories (an agent's notes to its future sessions).
import type { Command } from "commander";
import { forget, listMemories, MEMORY_TYPES, remember } from "../../agents/memories.ts";
import { ValidationError } from "../../errors.ts";
import { getConfig } from "../../town/config-keys.ts";
import { addressOf, callerIdentity } from "../../town/identity.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

/** The caller's mailbox-style address, or "overseer" for a person. */
function owner(ctx: GtContext): string {
  const town = ctx.town();
  const id = callerIdentity(town.root, ctx.env, ctx.cwd);
  return id ? addressOf(id) : "overseer";
}

/** rig/crew/jack -> rig.crew.jack@domain */
export function agentEmail(address: string, domain: string): string {
  return `${address.replace(/\/+$/, "").replaceAll("/", ".")}@${domain}`;
}

export const agentToolsGroup: GtGroup = {
  names: ["commit", "remember", "forget", "memories"],
  register(p: Command) {
    p.command("commit [git-args...]")
      .description(
        "git commit as the agent running it (gt commit -m 'msg'; gt commit -- --amend); a person's commit is unchanged",
      )
      .allowUnknownOption(true)
      .action(
        act(async (ctx, args) => {
          let identity: string[] = [];
          let who = "";
          try {
            const town = ctx.town();
            const id = callerIdentity(town.root, ctx.env, ctx.cwd);
            if (id) {
              who = addressOf(id);
              const domain = getConfig(town.root, "agent_email_domain").value;
              identity = ["-c", `user.name=${who}`, "-c", `user.email=${agentEmail(who, domain)}`];
            }
          } catch (e) {
            if ((e as { code?: string }).code !== "not_in_town") throw e;
          }
          const { spawnSync } = process.getBuiltinModule(
            "node:child_process",
          ) as typeof import("node:child_process");
          const r = spawnSync("git", [...identity, "commit", ...args], {
            cwd: ctx.cwd,
            stdio: "inherit",
            env: ctx.env,
          });
          if (r.error) throw new ValidationError(`cannot run git: ${r.error.message}`);
          return r.status ?? 1;
        }),
      );
    p.command("remember <text...>")
      .description(
        "Remember something for your future sessions: gt remember --type feedback 'Do not mock the database'",
      )
      .option("--key <slug>", "the key (default: from the first words)")
      .option("--type <type>", `${MEMORY_TYPES.join(", ")} (default general)`)
      .option("--replace", "replace a memory with the same key")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, words, opts) => {
          const m = await remember(ctx.town(), owner(ctx), words.join(" "), {
            key: opts.key as string | undefined,
            type: opts.type as string | undefined,
            replace: opts.replace === true,
          });
          if (ctx.json) return ctx.printJson(m);
          ctx.out(`🧠 remembered ${m.type}/${m.key} for ${m.owner}`);
        }),
      );
    p.command("forget <key>")
      .description("Forget a memory by its key")
      .option("--type <type>", "only of this type")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [key], opts) => {
          const gone = await forget(ctx.town(), owner(ctx), key!, { type: opts.type as string | undefined });
          if (ctx.json) return ctx.printJson({ forgotten: gone });
          ctx.out(`✓ forgot ${gone.map((m) => `${m.type}/${m.key}`).join(", ")}`);
        }),
      );
    p.command("memories")
      .description("Your memories (with --type, of one type)")
      .option("--type <type>", "only this type")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const me = owner(ctx);
          const rows = await listMemories(ctx.town(), me, { type: opts.type as string | undefined });
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out(`No memories for ${me} (gt remember "...")`);
          for (const m of rows) ctx.out(`${`${m.type}/${m.key}`.padEnd(32)} ${oneLine(m.text)}`);
        }),
      );
  },
};
