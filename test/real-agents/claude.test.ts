// Real Claude Code (the pinned CLI from .cache/agents) driven end to end by gt in real tmux,
// offline: each town points it at a scripted Anthropic Messages server on loopback. What the
// model was shown is read from the server's request log. Claude's config dir is fresh per
// town with only its first-run setup done (as on the machine of someone who ran `claude`
// once), so every start meets the trust and bypass-permissions dialogs gt must answer.
import "../helpers/isolation.ts"; // before anything else: Claude and gt get the test's own HOME
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type AnthropicServer,
  claudeEnv,
  neutralOf,
  startAnthropicServer,
} from "../helpers/model-server/anthropic.ts";
import type { LoggedRequest } from "../helpers/model-server/script.ts";
import { addBareRig, bdOk, eventually, git, newTown, type TestTown } from "../helpers/town.ts";
import { installAgent } from "./install.ts";

let claudeBin = "";

interface Bead {
  id: string;
  status: string;
}

/** A Claude config dir as after a first run: onboarding done, nothing trusted yet. */
function claudeConfigDir(town: TestTown, name = "claude-config"): string {
  const dir = join(town.scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
  return dir;
}

/**
 * Sets the town's `claude` agent the way a user would in settings/config.json: the binary
 * to run and the environment its sessions get (a model endpoint, a token, a config dir).
 */
function configureClaude(town: TestTown, env: Record<string, string>): void {
  const file = join(town.root, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8"));
  settings.agents = { ...settings.agents, claude: { command: claudeBin, env } };
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

const lastUserText = (r: LoggedRequest) => neutralOf(r.body as never).lastUserText;
const isModelTurn = (r: LoggedRequest) => r.reply !== undefined && r.reply.source !== "side";

/** What went on, printed when a test fails: the model's requests and every session's screen. */
async function explain(town: TestTown, server: AnthropicServer): Promise<void> {
  if (!town || !server) return;
  for (const r of server.log.entries)
    console.log(
      `# ${r.method} ${r.url} -> ${r.reply?.source ?? "-"}: ${JSON.stringify(r.body ? lastUserText(r).slice(-300) : "")}`,
    );
  const events = join(town.root, ".events.jsonl");
  if (existsSync(events)) console.log(readFileSync(events, "utf8"));
  const list = await town.gt(["session", "list", "--json"]);
  for (const s of JSON.parse(list.stdout || "[]") as Array<{ name: string }>) {
    const peek = await town.gt(["session", "peek", s.name, "60"]);
    console.log(`# ---- ${s.name}\n${peek.stdout}`);
  }
}

/**
 * `it`, but a failing test prints what went on (the model's requests, the town's events,
 * every screen) before it fails; EXPLAIN_REAL_AGENTS=1 prints it after passing tests too.
 */
function itExplained(
  name: string,
  ctx: () => { town: TestTown; server: AnthropicServer },
  body: () => Promise<void>,
): void {
  it(name, async () => {
    try {
      await body();
    } catch (e) {
      const { town, server } = ctx();
      await explain(town, server).catch(() => undefined);
      throw e;
    }
  });
}

/** Ends a town and its servers; EXPLAIN_REAL_AGENTS=1 first tells what went on (last server's log). */
async function tearDown(town: TestTown | undefined, ...servers: Array<AnthropicServer | undefined>) {
  const last = servers.at(-1);
  if (process.env.EXPLAIN_REAL_AGENTS && town && last) await explain(town, last);
  await town?.cleanup();
  await Promise.all(servers.map((s) => s?.close()));
}

/** `gt crew start <name> --rig alpha --agent <agent>`, with extra environment for that gt. */
const startCrew = (town: TestTown, name: string, agent: string, env: NodeJS.ProcessEnv = {}) =>
  town.gt(["crew", "start", name, "--rig", "alpha", "--agent", agent], { env });

/** Whether `session` runs, as gt sees it. */
async function sessionAlive(town: TestTown, session: string): Promise<boolean> {
  const r = await town.gt(["session", "list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ name: string; alive: boolean }>).some(
    (s) => s.name === session && s.alive,
  );
}

/** The idle marker Claude's Stop hook leaves in the town when a turn ends. */
const idleMarker = (town: TestTown, session: string) =>
  join(town.root, ".runtime", "agent-state", `${session}.idle`);

/** Waits until the agent in `session` has ended its turn (its Stop hook ran). */
async function turnEnded(town: TestTown, session: string): Promise<void> {
  await eventually(async () => existsSync(idleMarker(town, session)), 30_000, `${session} to end its turn`);
}

describe("Claude Code in real tmux, offline", () => {
  before(() => {
    claudeBin = installAgent("claude");
  });

  describe("gt sling --agent claude: the whole loop", () => {
    let town: TestTown;
    let server: AnthropicServer;
    let origin: string;
    before(async () => {
      town = await newTown("tmux");
      origin = await addBareRig(town, "alpha", {
        mergeQueue: { test_command: "test -f greeting.txt", poll_interval_seconds: 1 },
      });
      server = await startAnthropicServer();
      configureClaude(town, claudeEnv(server, claudeConfigDir(town)));
      const r = await town.gt(["refinery", "start", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "primes the model with the bead, which edits, commits and runs gt done; the refinery merges it; gt costs has its tokens",
      () => ({ town, server }),
      async () => {
        const rig = join(town.root, "alpha");
        const id = await bdOk(town, rig, [
          "create",
          "Add a greeting",
          "-d",
          "Write greeting.txt saying hello from claude",
          "--silent",
        ]);
        server.script.push(
          {
            when: id,
            shell: [
              "echo 'hello from claude' > greeting.txt && git add greeting.txt && git commit -qm 'Add a greeting' && git log --oneline -1",
            ],
          },
          { when: "Add a greeting", shell: ["gt done"] },
          { text: "Done: the greeting is merged once the refinery lands it." },
        );
        const t0 = Date.now();
        const sling = await town.gt(["sling", id, "alpha", "--agent", "claude", "--json"]);
        assert.equal(sling.code, 0, sling.stderr);
        const started = Date.now() - t0;

        // The first request the model gets carries the prime: the hooked bead's id, title and description.
        const first = await server.log.waitFor(isModelTurn, 30_000);
        for (const text of [id, "Add a greeting", "Write greeting.txt saying hello from claude"])
          assert.ok(first.raw.includes(text), `the first model request shows ${text}`);
        console.log(`# sling took ${started} ms; first model request ${first.at - t0} ms after sling began`);

        await eventually(
          async () =>
            (JSON.parse(await bdOk(town, rig, ["show", id, "--json"])) as Bead[])[0]?.status === "closed",
          60_000,
          "the bead merged and closed",
        );
        assert.equal(git(origin, "show", "main:greeting.txt"), "hello from claude");
        // gt done ran inside Claude's Bash tool: its output came back to the model.
        const afterDone = await server.log.waitFor(
          (r) => isModelTurn(r) && lastUserText(r).includes(id),
          5_000,
        );
        assert.ok(afterDone);
        // gt costs reads the polecat's usage from Claude's own transcript: what the server
        // reported for each model turn (title side queries are not in the transcript).
        const polecat = (JSON.parse(sling.stdout) as { outcomes: Array<{ polecat: string }> }).outcomes[0]!
          .polecat;
        const sent = server.log.totalUsage(isModelTurn);
        const want = {
          input_tokens: sent.input,
          output_tokens: sent.output,
          cache_read_input_tokens: sent.cacheRead,
          cache_creation_input_tokens: sent.cacheCreation,
          replies: server.log.modelRequests.length,
        };
        type Costs = { sessions: Array<Record<string, unknown>>; total: Record<string, number> };
        const costs = await eventually(
          async () => {
            const c = await town.gtJson<Costs>(["costs", "--actor", `alpha/polecats/${polecat}`]);
            return c.total.replies === want.replies ? c : undefined;
          },
          15_000,
          "the transcript to hold every reply",
        );
        assert.ok(costs);
        assert.deepEqual(costs.total, want);
        assert.equal(costs.sessions.length, 1);
        assert.match(String(costs.sessions[0]!.transcript), /\/projects\/.*\.jsonl$/);
        // Its Stop hook logged the session's usage too (gt costs record, in the background).
        const logged = await eventually(
          async () => {
            const log = join(town.root, ".runtime", "costs.jsonl");
            if (!existsSync(log)) return undefined;
            const lines = readFileSync(log, "utf8").trim().split("\n").filter(Boolean);
            return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
          },
          15_000,
          "the Stop hook's cost log entry",
        );
        assert.ok(
          logged?.some((e) => e.actor === `alpha/polecats/${polecat}` && Number(e.replies) > 0),
          JSON.stringify(logged),
        );
        // Both dialogs a fresh config shows were met and answered by gt, not pre-seeded.
        const events = readFileSync(join(town.root, ".events.jsonl"), "utf8");
        assert.match(events, /"screen":"trust folder"/);
        assert.match(events, /"screen":"bypass-permissions warning"/);
      },
    );
  });

  describe("a crew member running Claude", () => {
    let town: TestTown;
    let server: AnthropicServer;
    const session = "al-crew-max";
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      server = await startAnthropicServer();
      const env = claudeEnv(server, claudeConfigDir(town));
      configureClaude(town, env);
      // Two more ways a user's Claude may be set up, as agents of their own.
      const fresh = join(town.scratch, "never-run");
      mkdirSync(fresh);
      const { ANTHROPIC_AUTH_TOKEN, ...noToken } = env;
      const file = join(town.root, "settings", "config.json");
      const settings = JSON.parse(readFileSync(file, "utf8"));
      settings.agents["claude-never-run"] = { command: claudeBin, env: { ...env, CLAUDE_CONFIG_DIR: fresh } };
      settings.agents["claude-api-key"] = {
        command: claudeBin,
        env: {
          ...noToken,
          ANTHROPIC_API_KEY: `sk-ant-${ANTHROPIC_AUTH_TOKEN}`,
          CLAUDE_CONFIG_DIR: claudeConfigDir(town, "api-key-config"),
        },
      };
      writeFileSync(file, JSON.stringify(settings, null, 2));
      const r = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "a Claude that never ran fails to start with 'needs login', and one asking about an API key fails too",
      () => ({ town, server }),
      async () => {
        const never = await startCrew(town, "max", "claude-never-run");
        assert.notEqual(never.code, 0);
        assert.match(never.stderr, /claude-never-run needs login: run `claude` once in a terminal/);
        assert.equal(never.stderr.trim().split("\n").length, 1, never.stderr);
        assert.equal(await sessionAlive(town, session), false, "no session is left behind");

        const apiKey = await startCrew(town, "max", "claude-api-key");
        assert.notEqual(apiKey.code, 0);
        assert.match(
          apiKey.stderr,
          /claude-api-key stopped at its custom API key screen: .*ANTHROPIC_AUTH_TOKEN/,
        );
        assert.equal(await sessionAlive(town, session), false);
        assert.equal(server.log.modelRequests.length, 0, "neither reached the model");
      },
    );

    itExplained(
      "starts past the trust and bypass dialogs and is reported started only at its prompt",
      () => ({ town, server }),
      async () => {
        const r = await startCrew(town, "max", "claude");
        assert.equal(r.code, 0, r.stderr);
        const screen = (await town.gt(["session", "peek", session, "50"])).stdout;
        assert.doesNotMatch(screen, /trust this folder|Bypass Permissions mode/);
        const answered = readFileSync(join(town.root, ".events.jsonl"), "utf8")
          .split("\n")
          .filter((l) => l.includes('"startup_screen"') && l.includes('"agent":"claude"'));
        assert.deepEqual(
          answered.map((l) => JSON.parse(l).payload.screen),
          ["trust folder", "bypass-permissions warning"],
        );
        assert.match(screen, /bypass permissions on/, "Claude's own footer: it runs past the warning");
        const beacon = await server.log.waitFor(
          (r) => isModelTurn(r) && lastUserText(r).includes("[GAS TOWN] crew max"),
        );
        assert.match(beacon.raw, /You are .*max/, "primed by its SessionStart hook");
        await turnEnded(town, session);
      },
    );

    itExplained(
      "its PreToolUse guard blocks a force push the model asks for; the output says why",
      () => ({ town, server }),
      async () => {
        await turnEnded(town, session);
        const crewDir = join(town.root, "alpha", "crew", "max");
        const before = git(crewDir, "rev-parse", "HEAD");
        server.script.push(
          {
            when: "FORCE-GO",
            shell: ["git commit -q --allow-empty -m forced && git push --force origin HEAD:main"],
          },
          { text: "The push was refused." },
        );
        const since = server.log.mark();
        const go = await town.gtJson<{ outcome: string }>(["nudge", "alpha/crew/max", "Push it FORCE-GO"]);
        assert.equal(go.outcome, "delivered");
        const result = await server.log.waitFor(
          (q) => isModelTurn(q) && lastUserText(q).includes("dangerous-command"),
          { since, timeoutMs: 30_000 },
        );
        assert.match(lastUserText(result), /blocked: force push rewrites the remote's history/);
        // The guard stopped the whole command line: not even the commit before the push ran.
        assert.equal(git(crewDir, "rev-parse", "HEAD"), before);
      },
    );

    itExplained(
      "a default gt nudge reaches the idle agent at once, in its next request",
      () => ({ town, server }),
      async () => {
        await turnEnded(town, session);
        const since = server.log.mark();
        const t0 = Date.now();
        const r = await town.gtJson<{ outcome: string }>([
          "nudge",
          "alpha/crew/max",
          "Please look at ticket NUDGE-7F3",
        ]);
        assert.equal(r.outcome, "delivered");
        const got = await server.log.waitFor((q) => isModelTurn(q) && lastUserText(q).includes("NUDGE-7F3"), {
          since,
          timeoutMs: 30_000,
        });
        console.log(`# nudge to model: ${got.at - t0} ms`);
        assert.ok(got.at - t0 < 10_000, "delivered while idle, not after the 15 s busy wait");
      },
    );

    itExplained(
      "a mail notice reaches it too when only its screen says it is idle",
      () => ({ town, server }),
      async () => {
        await turnEnded(town, session);
        rmSync(idleMarker(town, session)); // as after a turn its Stop hook did not see (Esc)
        const since = server.log.mark();
        const r = await town.gtJson<{ notified: boolean }>([
          "mail",
          "send",
          "alpha/crew/max",
          "-s",
          "Build is red MAIL-9QX",
          "-m",
          "see the log",
        ]);
        assert.equal(r.notified, true);
        const got = await server.log.waitFor(
          (q) =>
            isModelTurn(q) &&
            lastUserText(q).includes("New mail from") &&
            lastUserText(q).includes("MAIL-9QX"),
          { since, timeoutMs: 30_000 },
        );
        // The prompt hook put the unread mail beside it, as a system message of the same request.
        const messages = (got.body as { messages: Array<{ role: string; content: unknown }> }).messages;
        assert.ok(
          messages.some((m) => m.role === "system" && JSON.stringify(m.content).includes("unread message")),
          "gt mail check --inject output in the request",
        );
      },
    );

    itExplained(
      "queued nudges and unread mail reach the model through the prompt hook, as a system message",
      () => ({ town, server }),
      async () => {
        await turnEnded(town, session);
        const queued = await town.gtJson<{ outcome: string }>([
          "nudge",
          "alpha/crew/max",
          "--mode",
          "queue",
          "Queued for your next turn QUEUED-5KD",
        ]);
        assert.equal(queued.outcome, "queued");
        const quiet = await town.gt([
          "mail",
          "send",
          "alpha/crew/max",
          "-s",
          "Quiet note MAIL-Q1",
          "-m",
          "x",
          "--no-notify",
        ]);
        assert.equal(quiet.code, 0, quiet.stderr);
        assert.equal(server.log.find("QUEUED-5KD"), undefined, "nothing typed while it was queued");

        const since = server.log.mark();
        const next = await town.gtJson<{ outcome: string }>(["nudge", "alpha/crew/max", "Carry on NEXT-2"]);
        assert.equal(next.outcome, "delivered");
        const got = await server.log.waitFor((q) => isModelTurn(q) && lastUserText(q).includes("NEXT-2"), {
          since,
          timeoutMs: 30_000,
        });
        const system = (got.body as { messages: Array<{ role: string; content: unknown }> }).messages
          .filter((m) => m.role === "system")
          .map((m) => JSON.stringify(m.content))
          .join("\n");
        assert.match(system, /UserPromptSubmit hook success/);
        assert.match(system, /queued nudge\(s\)[\s\S]*QUEUED-5KD/);
        assert.match(system, /MAIL-Q1/);
      },
    );
    itExplained(
      "gt handoff from Claude: the successor session gets the hook and the handoff note",
      () => ({ town, server }),
      async () => {
        await turnEnded(town, session);
        const id = await bdOk(town, join(town.root, "alpha"), ["create", "Refactor the parser", "--silent"]);
        const hooked = await town.gt(["sling", id, "alpha/max", "--no-start", "--no-convoy"]);
        assert.equal(hooked.code, 0, hooked.stderr);
        server.script.push(
          {
            when: "HANDOFF-GO",
            shell: ['gt handoff -s "Parser halfway" -m "Resume at step 3 HANDOFF-NOTE-8"'],
          },
          {
            // The successor: its prompt hook listed the note's id; it reads it.
            when: "TOOK OVER FROM A HANDOFF",
            shell: (input) => [
              `gt mail read ${/(\S+): 🤝 HANDOFF: Parser halfway/.exec(input)?.[1] ?? "missing-id"}`,
            ],
          },
          { text: "Carrying on with the parser." },
        );
        const since = server.log.mark();
        const go = await town.gtJson<{ outcome: string }>([
          "nudge",
          "alpha/crew/max",
          "Hand off now HANDOFF-GO",
        ]);
        assert.equal(go.outcome, "delivered");
        const first = await server.log.waitFor(
          (q) => isModelTurn(q) && lastUserText(q).includes("TOOK OVER FROM A HANDOFF"),
          { since, timeoutMs: 60_000 },
        );
        const input = lastUserText(first);
        assert.match(input, /\[GAS TOWN\] crew max \(rig: alpha\) <- alpha\/crew\/max • .* • handoff/);
        assert.ok(input.includes(id) && input.includes("Refactor the parser"), "the hook is in its prime");
        const read = await server.log.waitFor(
          (q) => isModelTurn(q) && lastUserText(q).includes("HANDOFF-NOTE-8"),
          {
            since: server.log.entries.indexOf(first) + 1,
            timeoutMs: 30_000,
          },
        );
        assert.match(lastUserText(read), /Resume at step 3 HANDOFF-NOTE-8/);
      },
    );
  });

  describe("a session's environment comes from the gt that starts it", () => {
    let town: TestTown;
    let first: AnthropicServer;
    let second: AnthropicServer;
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      [first, second] = await Promise.all([startAnthropicServer(), startAnthropicServer()]);
      configureClaude(town, {}); // the binary only: the endpoint comes from the caller's environment
      for (const name of ["max", "nux"]) {
        const r = await town.gt(["crew", "add", name, "--rig", "alpha"]);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(() => tearDown(town, first, second));

    itExplained(
      "a later gt with another endpoint and config dir starts its agent on those, not the tmux server's",
      () => ({ town, server: second }),
      async () => {
        // The first start brings up the town's tmux server with its environment.
        const firstEnv = {
          ...claudeEnv(first, claudeConfigDir(town, "first-config")),
          STALE_SETTING: "first gt",
        };
        const a = await startCrew(town, "max", "claude", firstEnv);
        assert.equal(a.code, 0, a.stderr);
        await first.log.waitFor("[GAS TOWN] crew max");

        const secondConfig = claudeConfigDir(town, "second-config");
        second.script.push(
          {
            when: "[GAS TOWN] crew nux",
            shell: [
              // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
              'printf "seen: %s|%s|%s" "$ANTHROPIC_BASE_URL" "$CLAUDE_CONFIG_DIR" "${STALE_SETTING:-unset}"',
            ],
          },
          { text: "noted" },
        );
        const b = await startCrew(town, "nux", "claude", claudeEnv(second, secondConfig));
        assert.equal(b.code, 0, b.stderr);
        const report = await second.log.waitFor(
          (r) => isModelTurn(r) && lastUserText(r).includes("seen: "),
          30_000,
        );
        assert.match(lastUserText(report), new RegExp(`seen: ${second.url}\\|${secondConfig}\\|unset`));
        assert.equal(first.log.find("crew nux"), undefined, "nothing of nux reached the first endpoint");
      },
    );
  });
});
