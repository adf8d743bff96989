// gt prime (role context for the agent in this session), gt hooks sync (runtime hook
// settings), gt script-agent (hidden; its --help documents the protocol).
import type { Command } from "commander";
import { buildPrime } from "../../agents/prime.ts";
import { ScriptAgent } from "../../agents/script-agent.ts";
import { ValidationError } from "../../errors.ts";
import { syncHooks } from "../../sessions/hooks.ts";
import { terminalMessages } from "../../sessions/terminal-input.ts";
import { recordTranscript } from "../../sessions/transcripts.ts";
import { clearIdle, markIdle } from "../../sessions/turn-state.ts";
import { activeEstop, type EstopInfo } from "../../town/estop.ts";
import { gastownEnabled } from "../../town/gastown-switch.ts";
import { type AgentIdentity, identityFromEnv, identityFromPath } from "../../town/identity.ts";
import { GT_BUNDLES } from "./bundles.ts";
import type { GtContext } from "./context.ts";
import { oneLine } from "./format.ts";
import { readStdinIfPiped } from "./hook-input.ts";
import { act, type GtGroup } from "./program.ts";

function _callerIdentity(ctx: GtContext): AgentIdentity {
  const id = identityFromEnv(ctx.env) ?? identityFromPath(ctx.town().root, ctx.cwd);
  if (!id)
    throw new ValidationError("no agent identity here (set GT_ROLE or run inside an agent's directory)");
  return id;
}

const FENCE = "`".repeat(3);
const SCRIPT_AGENT_HELP = `
A stand-in for an LLM coding agent that follows the same protocol, so tests and
demos drive a real town without a model. Started by a session whose agent is
"script" (gt sling <bead> <rig> --agent script, gt crew start ... --agent script);
it reads its role from GT_ROLE or its directory. Its protocol:

  1. gt prime --hook, as a SessionStart hook would.
  2. For the bead on its hook: run the first fenced block tagged sh or bash
     (${FENCE}sh, ${FENCE}bash; also ${FENCE}shell or ~~~ fences) of the bead's
     description with "sh -e" (or "bash -e") in its working directory (a
     polecat's worktree).
  3. Commit whatever changed, if anything (Gas Town's own files left out), with
     the message "<bead title> (<bead id>)" and the session's git identity.
  4. A polecat then runs gt done (push, merge request); any other role closes
     the bead itself (landing its convoys).
  5. No sh/bash block, or the script exits non-zero: it asks for help instead,
     a comment "script-agent needs help: <reason>" on the bead and, for a
     polecat, gt done --status ESCALATED.
  6. Then it waits: each line typed or nudged into the session starts a turn
     (mail, then the hook again); "exit" ends it. A bead is tried once per
     sling.

Everything it prints, and every nudge, is kept in
<town>/.runtime/agent-logs/<session>.jsonl.`;

/** What gt prime says first while an e-stop stands. */
function estopBanner(stop: EstopInfo): string {
  const scope = stop.rig ? `rig ${stop.rig}` : "the town";
  return [
    `⛔ E-STOP: ${scope} is frozen since ${stop.at}${stop.reason ? ` (${oneLine(stop.reason)})` : ""}.`,
    "Start nothing new: no commits, no pushes, no gt done, no slings. Wait until a person runs gt thaw.",
  ].join("\n");
}

export const primeGroup: GtGroup = {
  names: GT_BUNDLES["gt-prime"],
  register(p: Command) {
    p.command("prime")
      .description("Print your role's context: who you are, your rig, your commands, your hook and mail")
      .option("--hook", "called by the agent's SessionStart/PreCompact hook")
      .option("--source <source>", "startup, resume or compact (hook mode)")
      .option(
        "-n, --dry-run",
        "change nothing: no session recorded, the handoff marker left for the real start",
      )
      .option("--state", "only the detected state: who, session kind (fresh or post-handoff), hook, mail")
      .option("--explain", "say why each part of the context is there")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const hookMode = opts.hook === true;
          // gt disable: the hook does nothing, so an agent CLI run outside Gas Town is left alone.
          if (hookMode && !gastownEnabled(ctx.env)) return;
          // Reading the state or an explanation changes nothing either.
          const dryRun = opts.dryRun === true || opts.state === true || opts.explain === true;
          const r = await buildPrime({
            cwd: ctx.cwd,
            env: ctx.env,
            hookMode,
            source: opts.source as string | undefined,
            stdinJson: hookMode ? await readStdinIfPiped() : undefined,
            dryRun,
          });
          if (opts.state === true) {
            const state = {
              address: r.address ?? null,
              role: r.role ?? null,
              rig: r.rig ?? null,
              state: r.address === undefined ? "no-role" : r.handoff ? "post-handoff" : "normal",
              source: r.source ?? null,
              hooked: r.hooked ? { id: r.hooked.id, title: r.hooked.title } : null,
              unread_mail: r.unreadMail,
              ledger_error: r.ledgerError ?? null,
            };
            if (ctx.json) return ctx.printJson(state);
            for (const [k, v] of Object.entries(state))
              ctx.out(
                `${k}: ${v === null ? "-" : typeof v === "object" ? `${v.id} ${oneLine(v.title)}` : oneLine(String(v))}`,
              );
            return;
          }
          // An e-stop comes first: whatever else the context says, the agent waits.
          const stop = activeEstop(r.townRoot, r.rig);
          const text = stop ? `${estopBanner(stop)}\n\n${r.text}` : r.text;
          if (ctx.json)
            return ctx.printJson({
              address: r.address,
              role: r.role,
              rig: r.rig ?? null,
              town_root: r.townRoot,
              estop: stop ?? null,
              hooked: r.hooked ? { id: r.hooked.id, title: r.hooked.title } : null,
              unread_mail: r.unreadMail,
              session_id: r.sessionId ?? null,
              fast_path: r.fastPath,
              dry_run: dryRun,
              ...(opts.explain === true ? { explain: r.explain ?? [] } : {}),
              text,
            });
          if (opts.explain === true) {
            ctx.out("Why this context:");
            for (const l of r.explain ?? ["no role here: the neutral town context"]) ctx.out(`  - ${l}`);
            ctx.out("");
          }
          ctx.out(text);
        }),
      );
    const hooks = p.command("hooks").description("Agent runtime hooks (settings files outside your repos)");
    hooks
      .command("list")
      .description("Every managed hook settings file: role, agent, path and whether it is up to date")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const { planHooks } = await import("../../sessions/hooks.ts");
          const rows = planHooks(ctx.town()).map(({ wanted: _w, current: _c, ...r }) => r);
          if (ctx.json) return ctx.printJson(rows);
          const mark = { "up-to-date": "✓", stale: "≠", missing: "✗", skipped: "○" } as const;
          for (const r of rows)
            ctx.out(
              `${mark[r.status]} ${r.target.padEnd(20)} ${(r.agent ?? "-").padEnd(10)} ${r.path ?? r.reason ?? ""}${r.status === "stale" || r.status === "missing" ? `  (${r.status}: gt hooks sync)` : ""}`,
            );
        }),
      );
    hooks
      .command("diff [target]")
      .description(
        "What gt hooks sync would change (exit 1 when something would); a target is a label from gt hooks list",
      )
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [target]) => {
          const { lineDiff, planHooks } = await import("../../sessions/hooks.ts");
          let rows = planHooks(ctx.town());
          if (target !== undefined) {
            const known = rows.map((r) => r.target);
            rows = rows.filter((r) => r.target === target);
            if (rows.length === 0)
              throw new ValidationError(`unknown target "${target}" (targets: ${known.join(", ")})`);
          }
          const changes = rows
            .filter((r) => r.status === "stale" || r.status === "missing")
            .map((r) => ({
              target: r.target,
              path: r.path,
              status: r.status,
              diff: lineDiff(r.current ?? "", r.wanted ?? "").filter(
                (l) => !(r.current === undefined && l === "- "),
              ),
            }));
          if (ctx.json) ctx.printJson({ changes });
          else if (changes.length === 0) ctx.out("✓ every hook settings file is up to date");
          else
            for (const c of changes) {
              ctx.out(`━━ ${c.target}: ${c.path} (${c.status})`);
              for (const l of c.diff) ctx.out(`  ${l}`);
            }
          return changes.length ? 1 : 0;
        }),
      );
    hooks
      .command("registry")
      .description("The hooks the town's registry (hooks/registry.toml) offers")
      .option("--all", "also the disabled ones")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { loadRegistry } = await import("../../sessions/hook-registry.ts");
          const rows = Object.entries(loadRegistry(ctx.town()))
            .filter(([, d]) => opts.all === true || d.enabled)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, d]) => ({ name, ...d }));
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No hooks in the registry");
          for (const r of rows)
            ctx.out(
              `${r.enabled ? "●" : "○"} ${r.name.padEnd(24)} ${r.event.padEnd(18)} ${oneLine(r.description)}${r.roles.length ? `  [${r.roles.join(", ")}]` : ""}`,
            );
        }),
      );
    hooks
      .command("install <hook>")
      .description("Add a registry hook to a role's override layer, then write the settings (gt hooks sync)")
      .option("--role <role>", "the role (default: yours)")
      .option("--rig <rig>", "only this rig's agents of that role")
      .option("--force", "install a disabled hook, or one meant for other roles")
      .option("-n, --dry-run", "say what would be installed; write nothing")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, [name], opts) => {
          const { installHook } = await import("../../sessions/hook-registry.ts");
          const town = ctx.town();
          const role =
            (opts.role as string | undefined) ??
            identityFromEnv(ctx.env)?.role ??
            identityFromPath(town.root, ctx.cwd)?.role;
          if (!role) throw new ValidationError("which role? (--role crew, polecat, witness, ...)");
          const r = installHook(town, name!, {
            role,
            rig: opts.rig as string | undefined,
            force: opts.force === true,
            dryRun: opts.dryRun === true,
            env: ctx.env,
          });
          const synced = r.dry_run ? null : await syncHooks(town, { env: ctx.env });
          if (ctx.json) return ctx.printJson({ ...r, written: synced?.written ?? [] });
          ctx.out(
            `${r.dry_run ? "Would install" : "✓ installed"} ${r.hook} (${r.event}) for ${r.rig ? `${r.rig}/` : ""}${r.role} in ${r.file}`,
          );
          for (const f of synced?.written ?? []) ctx.out(`  wrote ${f}`);
        }),
      );
    for (const [verb, description] of [
      [
        "base",
        "The base hook layer every agent gets (GT_HOME/.gt/hooks-base.json): edit it in $EDITOR, or --show",
      ],
      [
        "override <target>",
        "A role's (crew, polecats, ...) or a rig's role's (gastown/crew) override layer: edit it, or --show",
      ],
    ] as const)
      hooks
        .command(verb)
        .description(description)
        .option("--show", "print it instead of editing")
        .option("--json", "JSON output (with --show)")
        .action(
          act(async (ctx, [target], opts) => {
            const { checkLayerFile, layerFile } = await import("../../sessions/hook-registry.ts");
            const { existsSync, mkdirSync, readFileSync, writeFileSync } = await import("node:fs");
            const file = layerFile(ctx.town(), target, ctx.env);
            if (opts.show === true) {
              const text = existsSync(file) ? readFileSync(file, "utf8") : '{\n  "hooks": {}\n}\n';
              if (ctx.json)
                return ctx.printJson({ file, exists: existsSync(file), content: JSON.parse(text) });
              return ctx.out(`# ${file}\n${text.trimEnd()}`);
            }
            const editor = ctx.env.VISUAL || ctx.env.EDITOR;
            if (!editor)
              throw new ValidationError(`no editor: set EDITOR, or use --show (the file is ${file})`);
            if (!existsSync(file)) {
              mkdirSync((await import("node:path")).dirname(file), { recursive: true });
              writeFileSync(file, '{\n  "hooks": {}\n}\n');
            }
            const before = readFileSync(file, "utf8");
            const { spawnSync } = process.getBuiltinModule(
              "node:child_process",
            ) as typeof import("node:child_process");
            const r = spawnSync("sh", ["-c", `${editor} "$1"`, "sh", file], {
              stdio: "inherit",
              env: ctx.env,
            });
            if (r.status !== 0) throw new ValidationError(`the editor exited with ${r.status ?? r.signal}`);
            try {
              checkLayerFile(file);
            } catch (e) {
              writeFileSync(file, before); // a bad edit is not kept: sync would fail on it
              throw new ValidationError(`${(e as Error).message}; the previous version is kept`);
            }
            ctx.out(`✓ ${file} saved; gt hooks sync writes it out`);
          }),
        );
    hooks
      .command("scan")
      .description("The hooks each managed settings file holds now, by event")
      .option("-v, --verbose", "show each hook's command")
      .option("--json", "JSON output")
      .action(
        act(async (ctx, _args, opts) => {
          const { scanHooks } = await import("../../sessions/hook-registry.ts");
          const rows = scanHooks(ctx.town(), ctx.env);
          if (ctx.json) return ctx.printJson(rows);
          if (rows.length === 0) return ctx.out("No hook settings files yet (gt hooks sync)");
          for (const r of rows) {
            ctx.out(`${r.target}  ${r.path}`);
            for (const [event, cmds] of Object.entries(r.events)) {
              ctx.out(`  ${event}: ${cmds.length} hook(s)`);
              if (opts.verbose) for (const c of cmds) ctx.out(`    ${oneLine(c)}`);
            }
          }
        }),
      );
    hooks
      .command("init")
      .description(
        "Turn hand-edited hook settings into layers: what every file shares becomes the base, the rest each role's override",
      )
      .option("--dry-run", "show the layers without writing them")
      .option(
        "--json",
        "JSON output: {dry_run, sources, base: {target, file, hooks}, overrides: [...], written}",
      )
      .action(
        act(async (ctx, _args, opts) => {
          const { initHookLayers } = await import("../../sessions/hooks-init.ts");
          const r = initHookLayers(ctx.town(), ctx.env, opts.dryRun === true);
          if (ctx.json) return ctx.printJson(r);
          if (r.sources.length === 0)
            ctx.out(
              "No hooks in any settings file: the base starts empty (the built-in defaults stay under it)",
            );
          else ctx.out(`Read the hooks of ${r.sources.length} settings file(s)`);
          const verb = r.dry_run ? "would write" : "✓ wrote";
          for (const l of [r.base, ...r.overrides])
            ctx.out(
              `${verb} ${l.target.padEnd(16)} ${l.file}  (${Object.keys(l.hooks).join(", ") || "no events"})`,
            );
          if (!r.dry_run) ctx.out("gt hooks diff should now show nothing to change");
        }),
      );
    hooks
      .command("sync")
      .description("Write every role's hook settings (Claude settings.json, Copilot hooks file)")
      .option("--json", "JSON output")
      .action(
        act(async (ctx) => {
          const r = await syncHooks(ctx.town());
          if (ctx.json) return ctx.printJson(r);
          for (const f of r.written) ctx.out(`✓ wrote ${f}`);
          if (r.unchanged.length) ctx.out(`  ${r.unchanged.length} file(s) already up to date`);
          for (const s of r.skipped) ctx.out(`  skipped ${s.target}: ${s.reason}`);
        }),
      );
    hooks
      .command("turn <state>", { hidden: true })
      .description(
        "Called by an agent's own hooks: idle at the end of its turn, busy when a prompt arrives (stdin: the hook's JSON, for the transcript's path)",
      )
      .action(
        act(async (ctx, [state]) => {
          if (state !== "idle" && state !== "busy")
            throw new ValidationError(`unknown state "${state}" (idle, busy)`);
          const session = ctx.env.GT_SESSION;
          if (!session) return; // not a gt session: nothing to record
          try {
            const runtimeDir = ctx.town().runtimeDir;
            if (state === "idle") markIdle(runtimeDir, session);
            else clearIdle(runtimeDir, session);
            // The hook's input names the agent's transcript, which gt costs reads.
            recordTranscript(runtimeDir, await readStdinIfPiped(), {
              actor: ctx.env.GT_ROLE ?? "",
              session,
              agent: ctx.env.GT_AGENT ?? "",
            });
          } catch {
            // A hook must not disturb the agent's turn: without the marker its screen decides.
          }
        }),
      );
    hooks
      .command("context <event>", { hidden: true })
      .description(
        "Hands what is piped in to the agent as its hook's context (Gemini CLI reads hook output only as JSON additionalContext)",
      )
      .action(
        act(async (ctx, [event]) => {
          const chunks: Buffer[] = [];
          if (!process.stdin.isTTY) for await (const c of process.stdin) chunks.push(c as Buffer);
          const text = Buffer.concat(chunks).toString("utf8").trim();
          if (!text) return;
          ctx.out(JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: text } }));
        }),
      );
    p.command("script-agent", { hidden: true })
      .description(
        "The built-in script agent: runs the first ```sh or ```bash block of its hooked bead in its worktree, commits, then gt done",
      )
      .addHelpText("after", SCRIPT_AGENT_HELP)
      .action(
        act(async (ctx) => {
          // Like a TUI: raw keys (no 4 KB line limit, no signals from typed bytes) and
          // bracketed paste on, so a pasted nudge arrives whole.
          if (process.stdin.isTTY) process.stdin.setRawMode(true);
          if (process.stdout.isTTY) process.stdout.write("\x1b[?2004h");
          const agent = new ScriptAgent({
            cwd: ctx.cwd,
            env: ctx.env,
            log: (l) => ctx.out(l),
            input: terminalMessages(process.stdin),
          });
          process.on("SIGTERM", () => process.exit(0));
          await agent.run();
          process.exit(0);
        }),
      );
  },
};
