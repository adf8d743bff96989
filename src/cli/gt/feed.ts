// gt feed: the town live in the terminal (agents by role, convoys, the event stream, the
// problems view), or plain lines for pipes. The feed code, and Ink and React with it, load
// only here (dynamic imports), so other gt commands do not pay for them.
import type { Command } from "commander";
import { runChecked } from "../../adapters/process.ts";
import { shellJoin } from "../../adapters/tmux.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { gtExecutable } from "../../package-paths.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

/** Variables the feed window needs to find the same town and runtime as this command. */
const PASSED_ENV = ["GT_TOWN_ROOT", "GT_TMUX_SOCKET", "GT_RUNTIME_PROVIDER", "GT_HOME", "HOME"];

async function openWindow(ctx: GtContext, args: string[]): Promise<void> {
  if (!ctx.env.TMUX)
    throw new ValidationError(
      "gt feed --window opens a tmux window, so it needs tmux: run it inside a tmux session (or run gt feed here)",
    );
  const town = ctx.town();
  const names = await runChecked("tmux", ["list-windows", "-F", "#{window_name}"]);
  if (names.split("\n").includes("feed")) {
    await runChecked("tmux", ["select-window", "-t", "feed"]);
    ctx.out('The feed is already open: switched to tmux window "feed"');
    return;
  }
  const env = PASSED_ENV.flatMap((k) => (ctx.env[k] ? ["-e", `${k}=${ctx.env[k]}`] : []));
  await runChecked("tmux", [
    "new-window",
    "-n",
    "feed",
    "-c",
    town.root,
    ...env,
    "-e",
    `GT_TOWN_ROOT=${town.root}`,
    shellJoin([gtExecutable(), "feed", ...args]),
  ]);
  ctx.out('Opened the feed in tmux window "feed" (q closes it)');
}

export const feedGroup: GtGroup = {
  names: ["feed"],
  register(p: Command) {
    p.command("feed")
      .description("Watch the town live: agents by role, convoys with progress, the event stream (q quits)")
      .option("--plain", "print one line per event (HH:MM:SS glyph actor detail) and keep following")
      .option("--since <when>", "replay events from a duration ago (30m, 1h, 2d) or a time; default 1h")
      .option("--rig <rig>", "only this rig's agents and events")
      .option("-p, --problems", "start in the problems view (with --plain/--json: print it once)")
      .option("--window", "open the feed in a tmux window named feed in this tmux session")
      .option("--json", "with --plain: one JSON event per line; with -p: the problem rows")
      .action(
        act(async (ctx, _args, opts) => {
          const { parseSince } = await import("../../feed/model.ts");
          const sinceRaw = opts.since as string | undefined;
          const since = sinceRaw === undefined ? undefined : parseSince(sinceRaw);
          const rig = opts.rig as string | undefined;
          const town = ctx.town();
          if (rig && !town.rigNames().includes(rig)) throw new NotFoundError(rig, `no rig named "${rig}"`);
          const problems = opts.problems === true;
          if (opts.window === true)
            return openWindow(ctx, [
              ...(sinceRaw ? ["--since", sinceRaw] : []),
              ...(rig ? ["--rig", rig] : []),
              ...(problems ? ["--problems"] : []),
            ]);
          // The TUI needs a terminal both ways (it draws, and reads keys in raw mode).
          const plain = opts.plain === true || ctx.json || !process.stdout.isTTY || !process.stdin.isTTY;
          if (plain && problems) {
            const { readFeedSnapshot } = await import("../../feed/snapshot.ts");
            const { problemLines } = await import("../../feed/model.ts");
            const snap = await readFeedSnapshot(town, ctx.provider(), rig ? { rig } : {});
            if (ctx.json) return ctx.printJson(snap.problems);
            const rows = problemLines(snap.problems, rig);
            if (rows.length === 0) ctx.out("No polecats: nothing can be stuck");
            for (const r of rows) ctx.out(`${r.glyph} ${r.state.padEnd(8)} ${r.agent}  ${r.text}`);
            for (const e of snap.errors) ctx.warn(`⚠ ${e}`);
            return;
          }
          const run = await import("../../feed/run.ts");
          if (plain)
            return run.runFeedPlain(town, {
              rig,
              since,
              json: ctx.json,
              write: (line) => process.stdout.write(`${line}\n`),
            });
          return run.runFeedTui(town, ctx.provider(), { rig, since, problems, env: ctx.env, cwd: ctx.cwd });
        }),
      );
  },
};
