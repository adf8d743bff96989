// gt costs: token usage per agent session, from the agents' own transcripts.
import type { Command } from "commander";
import { COST_GROUPINGS, type CostGrouping, groupCosts, sessionCosts } from "../../agents/costs.ts";
import { ValidationError } from "../../errors.ts";
import { parseSince } from "../../events/query.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const n = (v: number) => v.toLocaleString("en-US");

export const costsGroup: GtGroup = {
  names: ["costs"],
  register(p: Command) {
    p.command("costs")
      .description("Tokens each agent session used, read from the agent's own transcript")
      .option("--actor <address>", "only this agent (e.g. gastown/polecats/toast)")
      .option("--rig <rig>", "only agents of this rig")
      .option("--since <when>", "only sessions begun since a duration back (1h, 7d) or a time")
      .option("--by <what>", "sum by agent, bead or convoy instead of listing sessions")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const town = ctx.town();
          const by = opts.by as string | undefined;
          if (by !== undefined && !(COST_GROUPINGS as readonly string[]).includes(by))
            throw new ValidationError(`invalid --by "${by}" (use ${COST_GROUPINGS.join(", ")})`);
          const r = sessionCosts(town, {
            actor: opts.actor as string | undefined,
            rig: opts.rig as string | undefined,
            since: opts.since ? parseSince(String(opts.since)) : undefined,
          });
          if (by) {
            const groups = await groupCosts(town, r, by as CostGrouping);
            if (ctx.json) return ctx.printJson({ by, groups, total: r.total });
            if (groups.length === 0) return ctx.out("No agent transcripts recorded yet");
            ctx.out(
              `${by.toUpperCase().padEnd(30)} SESSIONS  REPLIES      INPUT     OUTPUT CACHE READ CACHE WRITE`,
            );
            for (const g of groups) {
              const unknown = g.unreadable ? `  (${g.unreadable} transcript(s) unreadable: not counted)` : "";
              ctx.out(
                `${oneLine(g.key ?? `(no ${by})`).padEnd(30)} ${String(g.sessions).padStart(8)} ${[g.replies, g.input_tokens, g.output_tokens, g.cache_read_input_tokens, g.cache_creation_input_tokens].map((v, i) => n(v).padStart(i === 0 ? 8 : i === 4 ? 11 : 10)).join(" ")}${unknown}`,
              );
            }
            return;
          }
          if (ctx.json) return ctx.printJson(r);
          if (r.sessions.length === 0) return ctx.out("No agent transcripts recorded yet");
          ctx.out(
            "AGENT                          SESSION     REPLIES      INPUT     OUTPUT CACHE READ CACHE WRITE",
          );
          for (const s of r.sessions) {
            const figures = s.unreadable
              ? "(transcript unreadable)"
              : [
                  s.replies,
                  s.input_tokens,
                  s.output_tokens,
                  s.cache_read_input_tokens,
                  s.cache_creation_input_tokens,
                ]
                  .map((v, i) => n(v).padStart(i === 0 ? 7 : i === 4 ? 11 : 10))
                  .join(" ");
            ctx.out(`${oneLine(s.actor).padEnd(30)} ${s.session_id.slice(0, 8).padEnd(11)} ${figures}`);
          }
          const t = r.total;
          ctx.out(
            `${"total".padEnd(42)} ${[
              t.replies,
              t.input_tokens,
              t.output_tokens,
              t.cache_read_input_tokens,
              t.cache_creation_input_tokens,
            ]
              .map((v, i) => n(v).padStart(i === 0 ? 7 : i === 4 ? 11 : 10))
              .join(" ")}`,
          );
        }),
      );
  },
};
