// gt tap guard|list and gt signal stop: handlers the agent CLI's hooks call. A guard reads
// the tool call as JSON on stdin and exits 2 with one line on stderr to block it; signal stop
// answers the Stop hook with JSON. Both are silent no-ops while Gas Town is disabled.
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  GUARD_NAMES,
  guardVerdict,
  hookCommand,
  isGuardName,
  TAP_HANDLERS,
} from "../../agents/tap-guards.ts";
import { ValidationError } from "../../errors.ts";
import { gastownEnabled } from "../../town/gastown-switch.ts";
import { callerIdentity, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { findTownRoot, Town } from "../../town/workspace.ts";
import { GT_BUNDLES } from "./bundles.ts";
import { readStdinIfPiped } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";

/** How long these handlers wait for the hook's JSON on stdin: a guard must not give up on a slow pipe. */
const HOOK_STDIN_MS = 3000;

export const tapGroup: GtGroup = {
  names: GT_BUNDLES["gt-tap"],
  register(p: Command) {
    const tap = p.command("tap").description("Hook handlers for the agent CLI: PreToolUse guards");
    tap
      .command("guard <name>")
      .description(`Block a forbidden tool call (PreToolUse hook; exit 2 blocks): ${GUARD_NAMES.join(", ")}`)
      .action(
        act(async (ctx, args) => {
          const name = args[0]!;
          if (!isGuardName(name))
            throw new ValidationError(`unknown guard "${name}" (known: ${GUARD_NAMES.join(", ")})`);
          const stdin = (await readStdinIfPiped(HOOK_STDIN_MS)) ?? "";
          if (!gastownEnabled(ctx.env)) return 0;
          const townRoot = findTownRoot(ctx.cwd, ctx.env);
          const envId = identityFromEnv(ctx.env);
          const pathId = townRoot ? identityFromPath(townRoot, ctx.cwd) : undefined;
          const id = envId ?? pathId;
          const reason = guardVerdict(name, {
            command: hookCommand(stdin),
            agent: id !== undefined,
            mayor: id?.role === "mayor",
            cwd: resolve(ctx.cwd),
            townRoot: townRoot ? resolve(townRoot) : undefined,
          });
          if (!reason) return 0;
          process.stderr.write(`gt tap guard ${name}: blocked: ${reason}\n`);
          return 2;
        }),
      );
    tap
      .command("polecat-stop-check")
      .description("Polecat Stop hook: run gt done for a polecat that stopped with unsubmitted commits")
      .option("--json", "JSON output: {action, reason, polecat, branch, ahead, done}")
      .action(
        act(async (ctx) => {
          await readStdinIfPiped(HOOK_STDIN_MS);
          if (!gastownEnabled(ctx.env) || !findTownRoot(ctx.cwd, ctx.env)) {
            if (ctx.json)
              ctx.printJson({
                action: "none",
                reason: "not in an enabled town",
                polecat: null,
                branch: null,
                ahead: 0,
                done: null,
              });
            return 0;
          }
          const town = Town.find(ctx.cwd, ctx.env);
          const { polecatStopCheck } = await import("../../agents/polecat-stop.ts");
          const r = await polecatStopCheck(town, callerIdentity(town.root, ctx.env, ctx.cwd), ctx.env);
          if (ctx.json) ctx.printJson(r);
          else if (r.action === "done") {
            ctx.warn(`⚠ ${r.polecat}: ${r.reason}`);
            if (r.done?.output) ctx.warn(r.done.output);
          }
          // The session may stop either way; a failed gt done is left for the witness.
          if (r.done && r.done.code !== 0)
            ctx.warn(`gt done failed (exit ${r.done.code}): the witness will see to it`);
          return 0;
        }),
      );
    tap
      .command("list")
      .description("List the tap handlers: name, kind, hook event and the tool calls each matches")
      .option("--guards", "only the guards")
      .option("--json", "JSON output: [{name, kind, description, event, matchers}]")
      .action(
        act(async (ctx, _args, opts) => {
          const rows = TAP_HANDLERS.filter((h) => opts.guards !== true || h.kind === "guard");
          if (ctx.json) return ctx.printJson(rows);
          for (const h of rows) {
            ctx.out(`● ${h.name} (${h.kind}) — ${h.description}`);
            ctx.out(`    event: ${h.event}  matchers: ${h.matchers.join(", ")}`);
          }
        }),
      );

    const signal = p.command("signal").description("Hook handlers for the agent CLI: turn-boundary signals");
    signal
      .command("stop")
      .description("Stop hook: keep the agent working while nudges, unread mail or hooked work wait for it")
      .option("--json", "with the decision, what was found (nudges, unread, hooked)")
      .action(
        act(async (ctx) => {
          // The hook's JSON is not needed, but read it so the writer never sees a broken pipe.
          await readStdinIfPiped(HOOK_STDIN_MS);
          const allow = () => {
            if (ctx.json)
              return ctx.printJson({ decision: "allow", reason: null, nudges: 0, unread: 0, hooked: [] });
            process.stdout.write("{}\n");
          };
          if (!gastownEnabled(ctx.env)) return allow();
          const root = findTownRoot(ctx.cwd, ctx.env);
          if (!root) return allow();
          const town = Town.find(ctx.cwd, ctx.env);
          const id = callerIdentity(town.root, ctx.env, ctx.cwd);
          if (!id) return allow();
          const { stopDecision } = await import("../../agents/stop-signal.ts");
          const d = await stopDecision(town, id, ctx.env);
          if (ctx.json) return ctx.printJson(d);
          process.stdout.write(
            `${d.decision === "block" ? JSON.stringify({ decision: "block", reason: d.reason }) : "{}"}\n`,
          );
        }),
      );
  },
};
