// gt account (Claude accounts the town's sessions run on) and gt quota (which are
// rate-limited; scan sessions for limits; rotate sessions off a limited account).
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import {
  type AccountRow,
  addAccount,
  clearLimits,
  listAccounts,
  switchAccount,
} from "../../town/accounts.ts";
import type { GtContext } from "./context.ts";
import { act, type GtGroup } from "./program.ts";

function row(ctx: GtContext, r: AccountRow): void {
  const mark = r.default ? "*" : " ";
  const state =
    r.status === "limited" ? `  ⛔ limited since ${r.limited_at}${r.reason ? ` (${r.reason})` : ""}` : "";
  ctx.out(`${mark} ${r.handle.padEnd(14)} ${(r.email || "-").padEnd(28)} ${r.config_dir}${state}`);
}

export const accountGroup: GtGroup = {
  names: ["account", "quota"],
  register(p: Command) {
    const account = p
      .command("account")
      .description("Claude accounts the town's sessions run on (CLAUDE_CONFIG_DIR each)");
    account
      .command("list")
      .alias("ls")
      .description("Registered accounts (* the default)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const rows = listAccounts(ctx.town());
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No accounts (gt account add <handle>)");
          for (const r of rows) row(ctx, r);
        }),
      );
    account
      .command("add <handle>")
      .description(
        "Register an account and make its config dir (~/.claude-accounts/<handle>); log in there with CLAUDE_CONFIG_DIR=<dir> claude",
      )
      .option("--email <email>", "the account's email")
      .option("--desc <text>", "a description")
      .option("--config-dir <dir>", "use this directory instead")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [handle], opts) => {
          const r = addAccount(ctx.town(), handle!, {
            email: opts.email as string | undefined,
            description: opts.desc as string | undefined,
            configDir: opts.configDir as string | undefined,
            env: ctx.env,
          });
          if (ctx.json) return ctx.printJson(r);
          ctx.out(`✓ account ${r.handle} added${r.default ? " (the default)" : ""}: ${r.config_dir}`);
          ctx.out(`  log in: CLAUDE_CONFIG_DIR=${r.config_dir} claude`);
        }),
      );
    for (const [verb, description] of [
      ["switch", "Make an account the default: Claude sessions started from now on use it"],
      ["default", "Same as switch"],
    ] as const)
      account
        .command(`${verb} <handle>`)
        .description(description)
        .option("--json", "JSON output")
        .action(
          act(async (ctx, [handle]) => {
            const r = switchAccount(ctx.town(), handle!);
            if (ctx.json) return ctx.printJson(r);
            ctx.out(
              `✓ ${r.handle} is the default account (restart sessions to move them: gt quota rotate --from <old>)`,
            );
          }),
        );
    account
      .command("status")
      .description("The default account and the one a new Claude session would get now")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const rows = listAccounts(ctx.town());
          const def = rows.find((r) => r.default) ?? null;
          const next =
            rows.find((r) => r.default && r.status === "available") ??
            rows.find((r) => r.status === "available") ??
            null;
          if (ctx.json) return ctx.printJson({ default: def, next_session: next?.handle ?? null });
          if (!def) return ctx.out("No accounts: Claude sessions use the login of the user running gt");
          row(ctx, def);
          ctx.out(
            next
              ? `New Claude sessions start on ${next.handle}`
              : "⛔ every account is limited (gt quota clear)",
          );
        }),
      );

    const quota = p.command("quota").description("Account quota: rate-limited accounts and rotation");
    quota
      .command("status")
      .description("Each account: available or limited")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const rows = listAccounts(ctx.town());
          const summary = {
            accounts: rows,
            available: rows.filter((r) => r.status === "available").length,
            limited: rows.filter((r) => r.status === "limited").length,
          };
          if (ctx.json) return ctx.printJson(summary);
          if (rows.length === 0) return ctx.out("No accounts (gt account add <handle>)");
          ctx.out(`${summary.available} available, ${summary.limited} limited`);
          for (const r of rows) row(ctx, r);
        }),
      );
    quota
      .command("scan")
      .description("Running sessions whose screen shows a rate limit (--update marks their accounts limited)")
      .option("--update", "mark the accounts of limited sessions as limited")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { scanQuota } = await import("../../agents/quota.ts");
          const r = await scanQuota(ctx.town(), ctx.provider(), { update: opts.update === true });
          if (ctx.json) return ctx.printJson(r);
          if (r.hits.length === 0) return ctx.out("✓ no session shows a rate limit");
          for (const h of r.hits)
            ctx.out(`⛔ ${h.address} (${h.session}, account ${h.account ?? "?"}): ${h.match}`);
          if (r.marked.length) ctx.out(`marked limited: ${r.marked.join(", ")} (gt quota rotate)`);
        }),
      );
    quota
      .command("rotate")
      .description("Restart the sessions of limited accounts (or of --from) on an available account")
      .option("--from <handle>", "move sessions off this account even if it is not limited yet")
      .option("-n, --dry-run", "show the plan; restart nothing")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { rotateQuota } = await import("../../agents/quota.ts");
          const r = await rotateQuota(ctx.town(), ctx.provider(), {
            from: opts.from as string | undefined,
            dryRun: opts.dryRun === true,
          });
          if (ctx.json) return ctx.printJson(r);
          if (r.rotated.length === 0) return ctx.out("Nothing to rotate");
          for (const s of r.rotated)
            ctx.out(`${r.dry_run ? "would move" : "✓ moved"} ${s.address} from ${s.account} to ${s.to}`);
        }),
      );
    quota
      .command("watch")
      .description(
        "Scan sessions every interval; mark accounts that hit a limit and rotate their sessions (Ctrl-C to stop)",
      )
      .option("--interval <duration>", "time between scans", "5m")
      .option("--rounds <n>", "stop after this many scans", (v) => Number.parseInt(v, 10))
      .option("-n, --dry-run", "report what would be marked and moved; change nothing")
      .option("--json", "one JSON object per scan")
      .action(
        act(async (ctx, _args, opts) => {
          const { durationMs } = await import("../../duration.ts");
          const { scanQuota, rotateQuota } = await import("../../agents/quota.ts");
          const interval = durationMs(String(opts.interval), "--interval");
          const rounds = opts.rounds as number | undefined;
          if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
            throw new ValidationError("--rounds wants a positive whole number");
          const dryRun = opts.dryRun === true;
          let stop = false;
          process.once("SIGINT", () => {
            stop = true;
          });
          for (let round = 1; !stop; round++) {
            const town = ctx.town();
            const scan = await scanQuota(town, ctx.provider(), { update: !dryRun });
            const moved = [];
            if (dryRun) {
              for (const acc of new Set(
                scan.hits.map((h) => h.account).filter((a): a is string => a !== null),
              ))
                moved.push(...(await rotateQuota(town, ctx.provider(), { from: acc, dryRun: true })).rotated);
            } else if (scan.marked.length) moved.push(...(await rotateQuota(town, ctx.provider())).rotated);
            const report = {
              round,
              at: new Date().toISOString(),
              dry_run: dryRun,
              hits: scan.hits,
              marked: scan.marked,
              rotated: moved,
            };
            if (ctx.json) process.stdout.write(`${JSON.stringify(report)}\n`);
            else {
              ctx.out(`[${report.at}] scan ${round}: ${scan.hits.length} limited session(s)`);
              for (const m of moved)
                ctx.out(`  ${dryRun ? "would move" : "✓ moved"} ${m.address} from ${m.account} to ${m.to}`);
            }
            if (rounds !== undefined && round >= rounds) break;
            const { setTimeout: sleep } = await import("node:timers/promises");
            await sleep(interval);
          }
        }),
      );
    quota
      .command("clear [handles...]")
      .description("Mark accounts available again (all without a handle)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, handles) => {
          const cleared = clearLimits(ctx.town(), handles);
          if (ctx.json) return ctx.printJson({ cleared });
          ctx.out(cleared.length ? `✓ available again: ${cleared.join(", ")}` : "Nothing was limited");
        }),
      );
  },
};
