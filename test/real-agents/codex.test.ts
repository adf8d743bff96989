// Real Codex (@openai/codex, pinned in install.ts) driven offline against the fake OpenAI
// Responses API: print mode, and interactively in real tmux started directly (not through gt
// yet): its startup screens on a fresh home and the keys that pass them, the idle and busy
// screens gt will detect, a pasted prompt running a scripted shell command, its hooks
// (hooks.json SessionStart / UserPromptSubmit / Stop, `notify`), and the token usage its
// transcript records. The screen strings asserted here are the ones gt's preset relies on:
// a Codex release that changes them fails these tests.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  neutralOf,
  type ResponsesServer,
  startResponsesServer,
} from "../helpers/model-server/openai-responses.ts";
import type { LoggedRequest } from "../helpers/model-server/script.ts";
import { scratchDir } from "../helpers/temp.ts";
import { addBareRig, bdOk, eventually, git, newTown, type TestTown } from "../helpers/town.ts";
import { writeCodexHome } from "./agent-homes.ts";
import { AgentPane, assertNoProcessesIn, runToExit, until } from "./agent-pane.ts";
import {
  type AgentServer,
  answeredScreens,
  type Bead,
  type Costs,
  configureAgent,
  idleMarker,
  itExplained,
  sessionAlive,
  startCrew,
  tearDown,
  turnEnded,
} from "./agent-town.ts";
import { installAgent } from "./install.ts";

/** The input line of an idle Codex (the placeholder of an empty prompt). */
export const CODEX_PROMPT_LINE = "› Ask Codex to do anything";
/** What a busy Codex shows: `• Working (2s • esc to interrupt)`. */
export const CODEX_BUSY = /^• Working \(\d+s • esc to interrupt\)$/m;

/**
 * Whether a Codex screen is idle: the prompt line followed by exactly two status lines (model
 * and directory, then the key hints), and no busy marker. The prompt line is also drawn while
 * busy, so the busy marker must be absent too.
 */
export function codexIdle(screen: string): boolean {
  const lines = screen.split("\n").filter((l) => l.trim());
  const at = lines.lastIndexOf(CODEX_PROMPT_LINE);
  return (
    at >= 0 &&
    at === lines.length - 3 &&
    /^ {2}gpt-fake default · \//.test(lines[at + 1]!) &&
    /^ {2}← for agents · \? for shortcuts/.test(lines[at + 2]!) &&
    !screen.includes("esc to interrupt")
  );
}

/** A shell script that records its stdin in `out` (written aside, then renamed) and prints `say` (hook output for the model). */
function hookScript(dir: string, name: string, out: string, say = ""): string {
  const path = join(dir, `${name}.sh`);
  writeFileSync(
    path,
    `#!/bin/sh\ncat > '${out}.part'\nmv '${out}.part' '${out}'\n${say ? `echo '${say}'\n` : ""}`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** A `notify` program: Codex passes the event as its last argument; one JSON line each. */
function notifyScript(dir: string, out: string): string {
  const path = join(dir, "notify.sh");
  writeFileSync(path, `#!/bin/sh\nfor last; do :; done\nprintf '%s\\n' "$last" >> '${out}'\n`);
  chmodSync(path, 0o755);
  return path;
}

function gitRepo(prefix: string): string {
  const dir = scratchDir(prefix);
  execFileSync("git", ["init", "-q", dir]);
  return dir;
}

/** The items of a Responses request's input. */
function inputOf(r: LoggedRequest): Array<Record<string, unknown>> {
  return ((r.body as { input?: Array<Record<string, unknown>> }).input ?? []).filter(Boolean);
}

/** The usage the server reported for the agent's turns (side queries excluded). */
function turnUsage(requests: LoggedRequest[]) {
  const sum = { input: 0, cached: 0, output: 0 };
  for (const r of requests) {
    const u = r.reply!.usage;
    sum.input += u.input + u.cacheRead;
    sum.cached += u.cacheRead;
    sum.output += u.output;
  }
  return sum;
}

let codex = "";
before(() => {
  codex = installAgent("codex");
});

describe("Codex, offline against the fake Responses API", () => {
  it("codex exec runs the scripted shell call and prints the final text", async (t) => {
    const server = await startResponsesServer([
      { shell: ["echo made-by-codex > made.txt"] },
      { when: "Process exited with code 0", text: "Codex finished the file." },
    ]);
    t.after(() => server.close());
    const work = scratchDir("gt-codex-work-");
    const env = writeCodexHome(scratchDir("gt-codex-home-"), { serverUrl: server.url });
    const t0 = Date.now();
    const res = await runToExit(
      [codex, "exec", "Make the file", "--dangerously-bypass-approvals-and-sandbox", "--skip-git-repo-check"],
      { cwd: work, env },
    );
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Codex finished the file\./);
    assert.equal(readFileSync(join(work, "made.txt"), "utf8"), "made-by-codex\n");

    const turns = server.log.modelRequests;
    assert.equal(turns.length, 2, "one request per model turn");
    // The shell tool Codex offers, and its argument shape (the server relies on it).
    const tools = (
      turns[0]!.body as { tools: Array<{ name?: string; parameters?: { properties?: object } }> }
    ).tools;
    const exec = tools.find((t) => t.name === "exec_command");
    assert.ok(exec && "cmd" in (exec.parameters?.properties ?? {}), "exec_command takes {cmd}");
    const second = inputOf(turns[1]!);
    const call = second.find((i) => i.type === "function_call");
    const output = second.find((i) => i.type === "function_call_output");
    assert.equal(call?.name, "exec_command");
    assert.deepEqual(JSON.parse(String(call?.arguments)), { cmd: "echo made-by-codex > made.txt" });
    assert.equal(output?.call_id, call?.call_id, "the next request carried the tool result");
    assert.match(String(output?.output), /Process exited with code 0/);
    console.log(`codex exec: ${Date.now() - t0} ms`);
  });

  it("in tmux as gt would start it: idle screen, busy marker, a pasted prompt runs a command; hooks, notify and the transcript's usage", async (t) => {
    const work = gitRepo("gt-codex-work-");
    const out = scratchDir("gt-codex-hooks-");
    const home = scratchDir("gt-codex-home-");
    const server = await startResponsesServer([
      // Held at a gate until the test has seen the busy screen.
      {
        when: "write the file",
        shell: ["while [ ! -e go ]; do sleep 0.05; done; echo from-tmux > made.txt"],
      },
      { when: "Process exited with code 0", text: "The file is written." },
    ]);
    t.after(() => server.close());
    const env = writeCodexHome(home, {
      serverUrl: server.url,
      trusted: [work],
      notify: [notifyScript(out, join(out, "notify.jsonl"))],
      hooks: {
        hooks: {
          SessionStart: [
            {
              hooks: [
                {
                  type: "command",
                  command: hookScript(out, "start", join(out, "start.json"), "PRIME-FROM-SESSION-START"),
                },
              ],
            },
          ],
          UserPromptSubmit: [
            {
              hooks: [
                {
                  type: "command",
                  command: hookScript(out, "prompt", join(out, "prompt.json"), "MAIL-FROM-PROMPT-HOOK"),
                },
              ],
            },
          ],
          Stop: [{ hooks: [{ type: "command", command: hookScript(out, "stop", join(out, "stop.json")) }] }],
        },
      },
    });
    const t0 = Date.now();
    const pane = await AgentPane.start({
      command: [
        codex,
        "--no-daemon",
        "--dangerously-bypass-approvals-and-sandbox",
        "--dangerously-bypass-hook-trust",
      ],
      cwd: work,
      env,
    });
    try {
      // Pre-trusted folder and hooks bypassed: no dialog, straight to the idle prompt.
      const idle = await pane.waitFor(codexIdle, "the idle Codex prompt");
      const tReady = Date.now() - t0;
      assert.doesNotMatch(idle, /Trust this folder|Hooks need review/);
      assert.match(idle, /^ {2}>_ OpenAI Codex \(v0\.171\.0\)$/m);

      await pane.submit("Please write the file", (s) => s.includes(CODEX_PROMPT_LINE));
      const busy = await pane.waitFor(CODEX_BUSY, "the busy marker");
      assert.ok(!codexIdle(busy), "a busy screen is not idle, although it still draws the prompt line");
      assert.ok(busy.includes(CODEX_PROMPT_LINE), "the prompt line is drawn while busy");
      writeFileSync(join(work, "go"), "");
      const done = await pane.waitFor(
        (s) => s.includes("• The file is written.") && codexIdle(s),
        "the turn's end",
      );
      assert.match(done, /^• Ran while \[ ! -e go \]/m);
      assert.equal(readFileSync(join(work, "made.txt"), "utf8"), "from-tmux\n");

      // What the model was shown: the prompt, the hooks' output (developer messages), then the tool result.
      const turns = server.log.modelRequests;
      assert.equal(turns.length, 2);
      const first = inputOf(turns[0]!);
      const developer = (say: string) =>
        first.some((i) => i.role === "developer" && JSON.stringify(i.content).includes(say));
      assert.ok(
        developer("PRIME-FROM-SESSION-START"),
        "SessionStart output reaches the model as a developer message",
      );
      assert.ok(
        developer("MAIL-FROM-PROMPT-HOOK"),
        "UserPromptSubmit output reaches the model as a developer message",
      );
      assert.ok(
        first.some((i) => i.role === "user" && JSON.stringify(i.content).includes("Please write the file")),
      );
      const result = inputOf(turns[1]!).find((i) => i.type === "function_call_output");
      assert.match(String(result?.output), /Process exited with code 0/);

      // Turn end: the Stop hook (once, with the transcript path) and notify.
      await until(
        () => existsSync(join(out, "stop.json")) && existsSync(join(out, "notify.jsonl")),
        "Stop hook and notify",
      );
      const stop = JSON.parse(readFileSync(join(out, "stop.json"), "utf8"));
      assert.equal(stop.hook_event_name, "Stop");
      assert.equal(stop.last_assistant_message, "The file is written.");
      assert.equal(stop.cwd, work);
      const start = JSON.parse(readFileSync(join(out, "start.json"), "utf8"));
      assert.equal(start.hook_event_name, "SessionStart");
      assert.equal(start.source, "startup");
      assert.equal(start.transcript_path, stop.transcript_path);
      // notify: one JSON argument per finished turn; the thread-title query gets one too.
      const notified = () =>
        readFileSync(join(out, "notify.jsonl"), "utf8")
          .split("\n")
          .filter((l) => l.endsWith("}"))
          .map((l) => JSON.parse(l));
      await until(
        () => notified().some((n) => n["last-assistant-message"] === "The file is written."),
        "notify of our turn",
      );
      const ours = notified().find((n) => n["last-assistant-message"] === "The file is written.");
      assert.equal(ours.type, "agent-turn-complete");
      assert.deepEqual(ours["input-messages"], ["Please write the file"]);
      assert.equal(ours["thread-id"], stop.session_id);

      // The transcript: $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<id>.jsonl, usage in token_count events.
      const transcript = String(stop.transcript_path);
      assert.ok(transcript.startsWith(join(home, "sessions")), transcript);
      assert.match(transcript, /\/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-[^/]+\.jsonl$/);
      const expected = turnUsage(turns);
      await until(
        () => {
          const counts = readFileSync(transcript, "utf8")
            .split("\n")
            .filter((l) => l.endsWith("}"))
            .map((l) => JSON.parse(l))
            .filter((e) => e.type === "event_msg" && e.payload?.type === "token_count" && e.payload.info);
          const total = counts.at(-1)?.payload.info.total_token_usage;
          return (
            total?.input_tokens === expected.input &&
            total?.cached_input_tokens === expected.cached &&
            total?.output_tokens === expected.output
          );
        },
        `token_count totals ${JSON.stringify(expected)} in ${transcript}`,
      );
      console.log(`codex in tmux: ready after ${tReady} ms, whole test ${Date.now() - t0} ms`);
    } finally {
      await pane.stop();
    }
    await assertNoProcessesIn(work);
  });

  it("on a fresh home shows the folder trust screen (Enter) and Hooks need review (Down, Enter)", async (t) => {
    const work = gitRepo("gt-codex-work-");
    const home = scratchDir("gt-codex-home-");
    const out = scratchDir("gt-codex-hooks-");
    const server = await startResponsesServer([{ text: "Hello from the script." }]);
    t.after(() => server.close());
    const env = writeCodexHome(home, {
      serverUrl: server.url,
      hooks: {
        hooks: {
          SessionStart: [
            {
              hooks: [
                { type: "command", command: hookScript(out, "start", join(out, "start.json"), "HOOK-RAN") },
              ],
            },
          ],
        },
      },
    });
    const pane = await AgentPane.start({
      command: [codex, "--no-daemon", "--dangerously-bypass-approvals-and-sandbox"],
      cwd: work,
      env,
    });
    try {
      // The bypass flag does not skip folder trust for a git repository.
      const trust = await pane.waitStable((s) => s.includes("Trust this folder?"), "the folder trust screen");
      assert.match(trust, /^ {2}Folder access$/m);
      assert.ok(trust.split("\n").includes(`  ${work}`), trust);
      assert.match(trust, /^› 1\. Trust and continue$/m);
      assert.match(trust, /^ {2}2\. Back to Agent Command Center$/m);
      assert.match(trust, /^ {2}enter continue · esc back$/m);
      assert.ok(!codexIdle(trust));

      const hooks = await pane.answer(
        "Trust this folder?",
        "Enter",
        "Hooks need review",
        "the hook review screen",
      );
      assert.match(hooks, /^ {2}1 hook is new or changed\.$/m);
      assert.match(hooks, /^› 1\. Review hooks$/m);
      assert.match(hooks, /^ {2}2\. Trust all and continue$/m);
      assert.match(hooks, /^ {2}3\. Continue without trusting \(hooks won't run\)$/m);
      assert.match(hooks, /^ {2}enter confirm · esc skip$/m);
      assert.ok(!codexIdle(hooks));
      await pane.answer(
        /^› 1\. Review hooks$/m,
        "Down",
        /^› 2\. Trust all and continue$/m,
        "trust-all selected",
      );
      await pane.answer(
        /^› 2\. Trust all and continue$/m,
        "Enter",
        codexIdle,
        "the idle prompt after the dialogs",
      );

      // Both decisions are saved in config.toml.
      const config = readFileSync(join(home, "config.toml"), "utf8");
      assert.ok(config.includes(`[projects."${work}"]\ntrust_level = "trusted"`), config);
      assert.match(config, /\[hooks\.state\."[^"]*hooks\.json:session_start:0:0"\]\ntrusted_hash = "sha256:/);

      // The trusted hook runs.
      await pane.submit("say hello", (s) => s.includes(CODEX_PROMPT_LINE));
      await pane.waitFor((s) => s.includes("• Hello from the script.") && codexIdle(s), "the reply");
      assert.ok(server.log.find("HOOK-RAN"), "the trusted SessionStart hook's output reached the model");
    } finally {
      await pane.stop();
    }
    await assertNoProcessesIn(work);
  });
});

// ---- Codex through gt ------------------------------------------------------------------

const codexText = (body: unknown) => neutralOf(body as never).lastUserText;
const isCodexTurn = (r: LoggedRequest) => r.reply !== undefined && r.reply.source !== "side";

/** The user's own text in a request (the typed prompt, not the hooks' developer messages). */
function userText(r: LoggedRequest): string {
  return inputOf(r)
    .filter((i) => i.role === "user")
    .map((i) => JSON.stringify(i.content))
    .join("\n");
}

/** What the hooks added to a request: Codex hands their output over as developer messages. */
function developerText(r: LoggedRequest): string {
  return inputOf(r)
    .filter((i) => i.role === "developer")
    .map((i) => JSON.stringify(i.content))
    .join("\n");
}

/** A CODEX_HOME pointed at `server`, with nothing trusted (gt meets the folder trust screen). */
function codexHome(town: TestTown, server: AgentServer, name = "codex-home"): Record<string, string> {
  return writeCodexHome(join(town.scratch, name), { serverUrl: server.url });
}

describe("Codex driven by gt in real tmux", () => {
  describe("gt sling --agent codex: the whole loop", () => {
    let town: TestTown;
    let server: ResponsesServer;
    let origin: string;
    before(async () => {
      town = await newTown("tmux");
      origin = await addBareRig(town, "alpha", {
        mergeQueue: { test_command: "test -f greeting.txt", poll_interval_seconds: 1 },
      });
      server = await startResponsesServer();
      configureAgent(town, "codex", { command: codex, env: codexHome(town, server) });
      const r = await town.gt(["refinery", "start", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "primes the model with the bead, which edits, commits and runs gt done; the refinery merges it; gt costs has its tokens",
      () => ({ town, server }),
      codexText,
      async () => {
        const rig = join(town.root, "alpha");
        const id = await bdOk(town, rig, [
          "create",
          "Add a greeting",
          "-d",
          "Write greeting.txt saying hello from codex",
          "--silent",
        ]);
        server.script.push(
          {
            when: id,
            shell: [
              "echo 'hello from codex' > greeting.txt && git add greeting.txt && git commit -qm 'Add a greeting' && git log --oneline -1",
            ],
          },
          { when: "Add a greeting", shell: ["gt done"] },
          { text: "Done: the greeting is merged once the refinery lands it." },
        );
        const t0 = Date.now();
        const sling = await town.gt(["sling", id, "alpha", "--agent", "codex", "--json"]);
        assert.equal(sling.code, 0, sling.stderr);
        const started = Date.now() - t0;

        // The first request the model gets carries the prime (SessionStart hook, fired by the
        // startup prompt): the hooked bead's id, title and description.
        const first = await server.log.waitFor(isCodexTurn, 30_000);
        for (const text of [id, "Add a greeting", "Write greeting.txt saying hello from codex"])
          assert.ok(first.raw.includes(text), `the first model request shows ${text}`);
        console.log(`# sling took ${started} ms; first model request ${first.at - t0} ms after sling began`);

        await eventually(
          async () =>
            (JSON.parse(await bdOk(town, rig, ["show", id, "--json"])) as Bead[])[0]?.status === "closed",
          60_000,
          "the bead merged and closed",
        );
        assert.equal(git(origin, "show", "main:greeting.txt"), "hello from codex");
        // gt costs reads the polecat's usage from Codex's rollout: the server's figures for
        // each model turn, cached input apart (the Responses API has no cache writes).
        const polecat = (JSON.parse(sling.stdout) as { outcomes: Array<{ polecat: string }> }).outcomes[0]!
          .polecat;
        const session = `al-${polecat}`;
        await turnEnded(town, session);
        const sent = server.log.totalUsage(isCodexTurn);
        const want = {
          input_tokens: sent.input,
          output_tokens: sent.output,
          cache_read_input_tokens: sent.cacheRead,
          cache_creation_input_tokens: 0,
          replies: server.log.modelRequests.length,
        };
        const costs = await eventually(
          async () => {
            const c = await town.gtJson<Costs>(["costs", "--actor", `alpha/polecats/${polecat}`]);
            return c.total.replies === want.replies ? c : undefined;
          },
          15_000,
          "the rollout to hold every reply",
        );
        assert.ok(costs);
        assert.deepEqual(costs.total, want);
        assert.equal(costs.sessions.length, 1);
        assert.match(
          String(costs.sessions[0]!.transcript),
          /\/sessions\/\d{4}\/\d{2}\/\d{2}\/rollout-.*\.jsonl$/,
        );
        // The worktree is a git repository Codex never saw: gt answered its trust screen.
        assert.deepEqual(answeredScreens(town, "codex"), ["folder trust"]);
      },
    );
  });

  describe("a crew member running Codex", () => {
    let town: TestTown;
    let server: ResponsesServer;
    const session = "al-crew-max";
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      server = await startResponsesServer();
      configureAgent(town, "codex", { command: codex, env: codexHome(town, server) });
      // Two more ways a user's Codex may be set up, as agents of their own: never logged in
      // (no model provider, no login), and one whose CODEX_HOME has hooks nobody reviewed,
      // run without gt's hooks.
      const never = join(town.scratch, "never-run");
      mkdirSync(never);
      writeFileSync(
        join(never, "config.toml"),
        "check_for_update_on_startup = false\n[analytics]\nenabled = false\n[features]\nplugins = false\n",
      );
      configureAgent(town, "codex-never-run", { command: codex, env: { CODEX_HOME: never } });
      const theirs = writeCodexHome(join(town.scratch, "their-hooks"), {
        serverUrl: server.url,
        hooks: { hooks: { Stop: [{ hooks: [{ type: "command", command: "true" }] }] } },
      });
      configureAgent(town, "codex-their-hooks", { command: codex, env: theirs, hooks: { provider: "none" } });
      const r = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "a Codex never logged in fails to start with 'needs login'; hooks gt did not write are never trusted by gt",
      () => ({ town, server }),
      codexText,
      async () => {
        const never = await startCrew(town, "max", "codex-never-run");
        assert.notEqual(never.code, 0);
        assert.match(never.stderr, /codex-never-run needs login: run `codex login` once in a terminal/);
        assert.equal(never.stderr.trim().split("\n").length, 1, never.stderr);
        assert.equal(await sessionAlive(town, session), false, "no session is left behind");

        const theirs = await startCrew(town, "max", "codex-their-hooks");
        assert.notEqual(theirs.code, 0);
        assert.match(
          theirs.stderr,
          /codex-their-hooks stopped at its hooks review screen: hooks in your Codex config are new or changed/,
        );
        assert.equal(await sessionAlive(town, session), false);
        assert.deepEqual(answeredScreens(town, "codex-their-hooks"), ["folder trust"]);
        assert.equal(server.log.modelRequests.length, 0, "neither reached the model");
      },
    );

    itExplained(
      "starts past the folder trust screen, is reported started only at its prompt, and is primed by its SessionStart hook",
      () => ({ town, server }),
      codexText,
      async () => {
        const r = await startCrew(town, "max", "codex");
        assert.equal(r.code, 0, r.stderr);
        const screen = (await town.gt(["session", "peek", session, "50"])).stdout;
        assert.doesNotMatch(screen, /Trust this folder|Hooks need review/);
        assert.deepEqual(answeredScreens(town, "codex"), ["folder trust"]);
        const beacon = await server.log.waitFor(
          (q) => isCodexTurn(q) && codexText(q.body).includes("[GAS TOWN] crew max"),
        );
        assert.ok(
          developerText(beacon).match(/You are .*max/),
          "primed by its SessionStart hook, as a developer message",
        );
        await turnEnded(town, session);
      },
    );

    itExplained(
      "its guard hook (gt tap guard, from gt's default hooks) blocks a force push the model asks for",
      () => ({ town, server }),
      codexText,
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
        // The tool result the model gets next carries the guard's reason.
        await server.log.waitFor((q) => isCodexTurn(q) && q.raw.includes("blocked: force push rewrites"), {
          since,
          timeoutMs: 30_000,
        });
        assert.equal(git(crewDir, "rev-parse", "HEAD"), before, "nothing of the command line ran");
        await turnEnded(town, session);
      },
    );

    itExplained(
      "a default gt nudge reaches the idle agent at once, in its next request",
      () => ({ town, server }),
      codexText,
      async () => {
        await turnEnded(town, session);
        const since = server.log.mark();
        const t0 = Date.now();
        const r = await town.gtJson<{ outcome: string; attempts: number }>([
          "nudge",
          "alpha/crew/max",
          "Please look at ticket NUDGE-7F3",
        ]);
        assert.equal(r.outcome, "delivered");
        assert.equal(r.attempts, 1);
        const got = await server.log.waitFor((q) => isCodexTurn(q) && userText(q).includes("NUDGE-7F3"), {
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
      codexText,
      async () => {
        await turnEnded(town, session);
        rmSync(idleMarker(town, session)); // as after a turn its Stop hook did not see
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
          (q) => isCodexTurn(q) && userText(q).includes("New mail from") && userText(q).includes("MAIL-9QX"),
          { since, timeoutMs: 30_000 },
        );
        assert.match(developerText(got), /unread message/, "gt mail check --inject output in the request");
      },
    );

    itExplained(
      "queued nudges and unread mail reach the model through the prompt hook, as a developer message",
      () => ({ town, server }),
      codexText,
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
        const got = await server.log.waitFor((q) => isCodexTurn(q) && userText(q).includes("NEXT-2"), {
          since,
          timeoutMs: 30_000,
        });
        const developer = developerText(got);
        assert.match(developer, /queued nudge\(s\)[\s\S]*QUEUED-5KD/);
        assert.match(developer, /MAIL-Q1/);
      },
    );

    itExplained(
      "gt handoff from Codex: the successor session gets the hook and the handoff note",
      () => ({ town, server }),
      codexText,
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
          (q) => isCodexTurn(q) && codexText(q.body).includes("TOOK OVER FROM A HANDOFF"),
          { since, timeoutMs: 60_000 },
        );
        const input = codexText(first.body);
        assert.match(input, /\[GAS TOWN\] crew max \(rig: alpha\) <- alpha\/crew\/max • .* • handoff/);
        assert.ok(input.includes(id) && input.includes("Refactor the parser"), "the hook is in its prime");
        const read = await server.log.waitFor(
          (q) => isCodexTurn(q) && codexText(q.body).includes("HANDOFF-NOTE-8"),
          { since: server.log.entries.indexOf(first) + 1, timeoutMs: 30_000 },
        );
        assert.match(codexText(read.body), /Resume at step 3 HANDOFF-NOTE-8/);
      },
    );

    itExplained(
      "gt crew stop leaves no process of the agent behind",
      () => ({ town, server }),
      codexText,
      async () => {
        const r = await town.gt(["crew", "stop", "max", "--rig", "alpha"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await sessionAlive(town, session), false);
        await assertNoProcessesIn(join(town.root, "alpha", "crew", "max"));
      },
    );
  });

  describe("a session's environment comes from the gt that starts it", () => {
    let town: TestTown;
    let first: ResponsesServer;
    let second: ResponsesServer;
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      [first, second] = await Promise.all([startResponsesServer(), startResponsesServer()]);
      configureAgent(town, "codex", { command: codex }); // the endpoint comes from the caller's CODEX_HOME
      for (const name of ["max", "nux"]) {
        const r = await town.gt(["crew", "add", name, "--rig", "alpha"]);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(() => tearDown(town, first, second));

    itExplained(
      "a later gt with another CODEX_HOME starts its agent on that one, not the tmux server's",
      () => ({ town, server: second }),
      codexText,
      async () => {
        const a = await startCrew(town, "max", "codex", {
          ...codexHome(town, first, "first-home"),
          STALE_SETTING: "first gt",
        });
        assert.equal(a.code, 0, a.stderr);
        await first.log.waitFor("[GAS TOWN] crew max");

        const secondHome = codexHome(town, second, "second-home");
        second.script.push(
          {
            when: "[GAS TOWN] crew nux",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
            shell: ['printf "seen: %s|%s" "$CODEX_HOME" "${STALE_SETTING:-unset}"'],
          },
          { text: "noted" },
        );
        const b = await startCrew(town, "nux", "codex", secondHome);
        assert.equal(b.code, 0, b.stderr);
        const report = await second.log.waitFor(
          (r) => isCodexTurn(r) && codexText(r.body).includes("seen: "),
          30_000,
        );
        assert.match(codexText(report.body), new RegExp(`seen: ${secondHome.CODEX_HOME}\\|unset`));
        assert.equal(first.log.find("crew nux"), undefined, "nothing of nux reached the first endpoint");
      },
    );
  });
});
