// gt demo: watch a whole town work, in a throwaway directory.
import type { Command } from "commander";
import { runDemo } from "../../demo/town-demo.ts";
import { act, GT_VERSION, type GtGroup } from "./program.ts";

export const demoGroup: GtGroup = {
  names: ["demo"],
  register(p: Command) {
    p.command("demo")
      .description("Build a throwaway town, sling five beads at script-agent polecats and watch them work")
      .option("--dir <path>", "where to build it (default: a new temp dir)")
      .option("--keep-running", "leave the agent sessions running at the end")
      .option("--timeout <seconds>", "longest wait for the work", (v) => Number.parseInt(v, 10))
      .option("--json", "print the result as JSON at the end (progress goes to stderr)")
      .action(
        act(async (ctx, _args, opts) => {
          const result = await runDemo({
            dir: opts.dir as string | undefined,
            keepRunning: opts.keepRunning === true,
            timeoutMs: typeof opts.timeout === "number" ? opts.timeout * 1000 : undefined,
            version: GT_VERSION,
            out: ctx.json ? (l) => ctx.warn(l) : (l) => ctx.out(l),
            env: ctx.env,
          });
          if (ctx.json) ctx.printJson(result);
          return result.finished ? 0 : 1;
        }),
      );
  },
};
