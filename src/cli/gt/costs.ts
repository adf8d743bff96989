// gt costs: token usage per agent session, from the agents' own transcripts.
import type { Command } from "commander";
import { sessionCosts } from "../../agents/costs.ts";
import { oneLine } from "./format.ts";
import { act, type GtGroup } from "./program.ts";

const n = (v: number) => v.toLocaleString("en-US");

export const costsGroup: GtGroup = {
  names: ["costs"],
  register(p: Command) {
    p.command("costs")
      .description("Tokens each agent session used, read from the agent's own transcript")
      .option("--actor <address>", "only this agent (e.g. gastown/polecats/toast)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const r = sessionCosts(ctx.town(), { actor: opts.actor as string | undefined });
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
