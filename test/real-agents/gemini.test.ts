// Real Gemini CLI (@google/gemini-cli, pinned in install.ts) driven offline against the fake
// Gemini API: print mode, and interactively in real tmux started directly (not through gt
// yet): its startup screens on a fresh home and the keys that pass them, the idle and busy
// screens gt will detect, a pasted prompt running a scripted shell command, its hooks
// (SessionStart / BeforeAgent context, AfterAgent at the turn's end) and the token usage its
// transcript records. The screen strings asserted here are the ones gt's preset relies on: a
// Gemini CLI release that changes them fails these tests.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BUILTIN_PRESETS } from "../../src/town/agent-presets.ts";
import { type GeminiServer, neutralOf, startGeminiServer } from "../helpers/model-server/gemini.ts";
import type { LoggedRequest } from "../helpers/model-server/script.ts";
import { scratchDir } from "../helpers/temp.ts";
import { addBareRig, bdOk, eventually, git, newTown, type TestTown } from "../helpers/town.ts";
import { writeGeminiHome } from "./agent-homes.ts";
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

// As on a CI machine, where Gemini CLI would start headless (no prompt, exit at once): the
// preset keeps these out of its sessions, and every interactive start below depends on that.
process.env.CI = "true";
process.env.GITHUB_ACTIONS = "true";
const GEMINI_UNSET = BUILTIN_PRESETS.gemini!.env_unset;

/** The input line of an idle Gemini CLI (the placeholder of an empty prompt, in YOLO mode). */
export const GEMINI_PROMPT_LINE = " *   Type your message or @path/to/file";
/** What a busy Gemini CLI shows: a spinner, a phrase and `(esc to cancel, 2s)`. */
export const GEMINI_BUSY = /\(esc to cancel, \d+s\)/;

/**
 * The input box's top and bottom edges, drawn in half blocks when Gemini CLI paints the box's
 * background (seen in panes started from this test process; panes started from a shell on the
 * same machine drew none, with a "True color (24-bit) support not detected" warning instead).
 */
export const GEMINI_BOX_EDGE = /^(▄+|▀+)$/;

/**
 * Whether a Gemini CLI screen (YOLO mode) is idle: above the input line the `YOLO Ctrl+Y`
 * badge, a rule and a line holding only `? for shortcuts` (the busy spinner or a running
 * hook's `Executing Hook: …` shares that line); below it the two status lines (workspace,
 * sandbox, model); no busy marker. The input line is also drawn while busy. The box's edge
 * lines, when drawn, are skipped.
 */
export function geminiIdle(screen: string): boolean {
  const lines = screen.split("\n").filter((l) => l.trim() && !GEMINI_BOX_EDGE.test(l));
  const at = lines.lastIndexOf(GEMINI_PROMPT_LINE);
  return (
    at >= 3 &&
    at === lines.length - 3 &&
    lines[at - 1] === " YOLO Ctrl+Y" &&
    /^─+$/.test(lines[at - 2]!) &&
    /^ +\? for shortcuts$/.test(lines[at - 3]!) &&
    /^ workspace \(\/directory\) +sandbox +\/model$/.test(lines[at + 1]!) &&
    /^ \S.* +no sandbox +Auto$/.test(lines[at + 2]!) &&
    !GEMINI_BUSY.test(screen)
  );
}

/**
 * A hook command: records its stdin in `out` (written aside, then renamed) and, with
 * `context`, prints the JSON that makes Gemini CLI add it to the model's input.
 */
function hookScript(dir: string, event: string, out: string, context = ""): string {
  const path = join(dir, `${event}.sh`);
  const reply = context
    ? `echo '${JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: context } })}'\n`
    : "";
  writeFileSync(path, `#!/bin/sh\ncat > '${out}.part'\nmv '${out}.part' '${out}'\n${reply}`);
  chmodSync(path, 0o755);
  return path;
}

/** The usage the server reported for the agent's turns (routing and side queries excluded). */
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

interface Content {
  role: string;
  parts: Array<Record<string, unknown>>;
}
const contentsOf = (r: LoggedRequest) => (r.body as { contents: Content[] }).contents;

let gemini = "";
before(() => {
  gemini = installAgent("gemini");
});

describe("Gemini CLI, offline against the fake Gemini API", () => {
  it("gemini -p runs the scripted shell call; its JSON stats carry the server's usage", async (t) => {
    const server = await startGeminiServer([
      { shell: ["echo made-by-gemini > made.txt"] },
      { when: '"output"', text: "Gemini finished the file." },
    ]);
    t.after(() => server.close());
    const work = scratchDir("gt-gemini-work-");
    const env = writeGeminiHome(scratchDir("gt-gemini-home-"), { serverUrl: server.url });
    const t0 = Date.now();
    const res = await runToExit([gemini, "-p", "Make the file", "--approval-mode", "yolo", "-o", "json"], {
      cwd: work,
      env,
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(readFileSync(join(work, "made.txt"), "utf8"), "made-by-gemini\n");
    const out = JSON.parse(res.stdout);
    assert.equal(out.response, "Gemini finished the file.");

    const turns = server.log.modelRequests;
    assert.equal(turns.length, 2, "one streamed request per model turn");
    for (const r of turns) assert.match(r.url, /^\/v1beta\/models\/[^/:]+:streamGenerateContent\?alt=sse$/);
    // Each turn is routed first: a one-shot carrying the complexity_score schema.
    const routing = server.log.entries.filter((e) => e.raw.includes("complexity_score"));
    assert.ok(routing.length >= 1 && routing.every((e) => e.url.includes(":generateContent")));
    // The shell tool Gemini declares, and the call and its result in the next request.
    const decls = JSON.stringify((turns[0]!.body as { tools: unknown }).tools);
    assert.match(decls, /"name":"run_shell_command"/);
    const contents = contentsOf(turns[1]!);
    const call = contents.flatMap((c) => c.parts).find((p) => p.functionCall);
    assert.deepEqual((call?.functionCall as { args?: unknown } | undefined)?.args, {
      command: "echo made-by-gemini > made.txt",
      description: "run: echo made-by-gemini > made.txt",
    });
    const result = contents.at(-1)!;
    assert.equal(result.role, "user");
    assert.ok(
      result.parts.some(
        (p) => (p.functionResponse as { name?: string } | undefined)?.name === "run_shell_command",
      ),
    );

    // -o json: per-model, per-role token stats; the main role is exactly the turns' usage.
    const expected = turnUsage(turns);
    const main = Object.values(
      out.stats.models as Record<string, { roles: Record<string, { tokens: Record<string, number> }> }>,
    )
      .map((m) => m.roles.main?.tokens)
      .filter(Boolean);
    assert.equal(main.length, 1);
    assert.equal(main[0]!.prompt, expected.input);
    assert.equal(main[0]!.cached, expected.cached);
    assert.equal(main[0]!.candidates, expected.output);
    console.log(`gemini -p: ${Date.now() - t0} ms`);
  });

  it("in tmux as gt would start it: idle screen, busy marker, a pasted prompt runs a command; hook context, AfterAgent and the transcript's usage", async (t) => {
    const work = scratchDir("gt-gemini-work-");
    const out = scratchDir("gt-gemini-hooks-");
    const home = scratchDir("gt-gemini-home-");
    const server = await startGeminiServer([
      // Held at a gate until the test has seen the busy screen.
      {
        when: "write the file",
        shell: ["while [ ! -e go ]; do sleep 0.05; done; echo from-tmux > made.txt"],
      },
      { when: '"output"', text: "The file is written." },
    ]);
    t.after(() => server.close());
    const hook = (event: string, context = "") => [
      { hooks: [{ type: "command", command: hookScript(out, event, join(out, `${event}.json`), context) }] },
    ];
    const env = writeGeminiHome(home, {
      serverUrl: server.url,
      settings: {
        hooks: {
          SessionStart: hook("SessionStart", "PRIME-FROM-SESSION-START"),
          BeforeAgent: hook("BeforeAgent", "MAIL-FROM-BEFORE-AGENT"),
          AfterAgent: hook("AfterAgent"),
        },
      },
    });
    const t0 = Date.now();
    const pane = await AgentPane.start({
      command: [gemini, "--approval-mode", "yolo"],
      cwd: work,
      env,
      unsetEnv: GEMINI_UNSET,
    });
    try {
      // Settings and the trust variable: no dialog, straight to the idle prompt.
      const idle = await pane.waitFor(geminiIdle, "the idle Gemini prompt");
      const tReady = Date.now() - t0;
      assert.doesNotMatch(idle, /Do you trust|Get started|Enter Gemini API Key/);
      await until(() => existsSync(join(out, "SessionStart.json")), "the SessionStart hook");

      await pane.submit("Please write the file", (s) => s.includes(GEMINI_PROMPT_LINE));
      // Gemini redraws in pieces: a frame may show the busy marker before the input line is back,
      // so wait for one that has both (the gate keeps it busy), then check it does not read idle.
      const busy = await pane.waitFor(
        (s) => GEMINI_BUSY.test(s) && s.includes(GEMINI_PROMPT_LINE),
        "the busy marker with the input line drawn",
      );
      assert.ok(!geminiIdle(busy), "a busy screen is not idle, although it still draws the input line");
      writeFileSync(join(work, "go"), "");
      const done = await pane.waitFor(
        (s) => s.includes("✦ The file is written.") && geminiIdle(s),
        "the turn's end",
      );
      assert.match(done, /✓ {2}Shell while \[ ! -e go \]/);
      assert.equal(readFileSync(join(work, "made.txt"), "utf8"), "from-tmux\n");

      // What the model was shown: hook context as <hook_context> parts of the user turn, then the tool result.
      const turns = server.log.modelRequests;
      assert.equal(turns.length, 2);
      const userParts = contentsOf(turns[0]!)
        .filter((c) => c.role === "user")
        .flatMap((c) => c.parts.map((p) => String(p.text ?? "")));
      assert.ok(userParts.some((p) => p.includes("<hook_context>PRIME-FROM-SESSION-START</hook_context>")));
      assert.ok(userParts.some((p) => p.includes("<hook_context>MAIL-FROM-BEFORE-AGENT</hook_context>")));
      assert.ok(userParts.some((p) => p.includes("Please write the file")));
      const result = contentsOf(turns[1]!).at(-1)!;
      assert.ok(
        result.parts.some(
          (p) => (p.functionResponse as { name?: string } | undefined)?.name === "run_shell_command",
        ),
      );

      // Turn end: AfterAgent with the transcript path (its prompt_response repeats the last
      // streamed chunk: "The file is written." arrives as "The file" + " is written.").
      await until(() => existsSync(join(out, "AfterAgent.json")), "the AfterAgent hook");
      const afterAgent = JSON.parse(readFileSync(join(out, "AfterAgent.json"), "utf8"));
      assert.equal(afterAgent.hook_event_name, "AfterAgent");
      assert.equal(afterAgent.prompt, "Please write the file");
      assert.ok(
        String(afterAgent.prompt_response).startsWith("The file is written."),
        afterAgent.prompt_response,
      );
      const start = JSON.parse(readFileSync(join(out, "SessionStart.json"), "utf8"));
      assert.equal(start.source, "startup");
      assert.equal(start.session_id, afterAgent.session_id);
      assert.equal(start.transcript_path, afterAgent.transcript_path);

      // The transcript: $GEMINI_CLI_HOME/.gemini/tmp/<project>/chats/session-<ts>-<id>.jsonl; a
      // model message is written again when its tool calls are added, so count each id once.
      const transcript = String(afterAgent.transcript_path);
      assert.ok(
        transcript.startsWith(join(home, ".gemini", "tmp", basename(work).toLowerCase(), "chats")),
        transcript,
      );
      assert.match(transcript, /\/chats\/session-[^/]+\.jsonl$/);
      const expected = turnUsage(turns);
      await until(
        () => {
          const byId = new Map<string, { input: number; cached: number; output: number }>();
          for (const line of readFileSync(transcript, "utf8").split("\n")) {
            if (!line.endsWith("}")) continue;
            const e = JSON.parse(line);
            if (e.type === "gemini" && e.tokens) byId.set(e.id, e.tokens);
          }
          const sum = { input: 0, cached: 0, output: 0 };
          for (const tk of byId.values()) {
            sum.input += tk.input;
            sum.cached += tk.cached;
            sum.output += tk.output;
          }
          return JSON.stringify(sum) === JSON.stringify(expected);
        },
        `token totals ${JSON.stringify(expected)} in ${transcript}`,
      );
      console.log(`gemini in tmux: ready after ${tReady} ms, whole test ${Date.now() - t0} ms`);
    } finally {
      await pane.stop();
    }
    await assertNoProcessesIn(work);
  });

  it("on a fresh home shows folder trust (Enter), the auth picker (Enter) and the API key box (Enter)", async (t) => {
    const work = scratchDir("gt-gemini-work-");
    const home = scratchDir("gt-gemini-home-");
    const server = await startGeminiServer([{ text: "Hello from the script." }]);
    t.after(() => server.close());
    const env = writeGeminiHome(home, { serverUrl: server.url, fresh: true });
    const pane = await AgentPane.start({
      command: [gemini, "--approval-mode", "yolo"],
      cwd: work,
      env,
      unsetEnv: GEMINI_UNSET,
    });
    try {
      const trust = await pane.waitStable(
        (s) => s.includes("Do you trust the files in this folder?"),
        "folder trust",
      );
      assert.match(trust, new RegExp(`│ ● 1\\. Trust folder \\(${basename(work)}\\) +│`));
      assert.match(trust, /│ {3}2\. Trust parent folder \(\S+\) +│/);
      assert.match(trust, /│ {3}3\. Don't trust +│/);
      assert.ok(!geminiIdle(trust));

      // Trusting restarts the CLI, which then asks how to authenticate.
      const auth = await pane.answer(
        "Do you trust the files",
        "Enter",
        "How would you like to authenticate",
        "auth picker",
      );
      assert.match(auth, /│ \? Get started +│/);
      assert.match(auth, /│ {5}1\. Sign in with Google +│/);
      assert.match(auth, /│ {3}● 2\. Use Gemini API Key +│/);
      assert.match(auth, /│ {5}3\. Vertex AI +│/);
      assert.match(auth, /Existing API key detected \(GEMINI_API_KEY\)\./);

      // The box is drawn empty first and filled from GEMINI_API_KEY a moment later.
      const key = await pane.answer(
        "● 2. Use Gemini API Key",
        "Enter",
        (s) => s.includes("Enter Gemini API Key") && s.includes("fake-gemini-key"),
        "API key box",
      );
      assert.match(key, /│ │ fake-gemini-key +│ │/, "the box is prefilled from GEMINI_API_KEY");
      assert.match(key, /\(Press Enter to submit, Esc to cancel, Ctrl\+C to clear stored key\)/);
      await pane.answer("Enter Gemini API Key", "Enter", geminiIdle, "the idle prompt after the dialogs");

      // The choices are saved in the home.
      const trusted = JSON.parse(readFileSync(join(home, ".gemini", "trustedFolders.json"), "utf8"));
      assert.deepEqual(trusted, { [work]: "TRUST_FOLDER" });
      const settings = JSON.parse(readFileSync(join(home, ".gemini", "settings.json"), "utf8"));
      assert.equal(settings.security?.auth?.selectedType, "gemini-api-key");

      await pane.submit("say hello", (s) => s.includes(GEMINI_PROMPT_LINE));
      await pane.waitFor((s) => s.includes("✦ Hello from the script.") && geminiIdle(s), "the reply");
      assert.equal(server.log.modelRequests.length, 1);
    } finally {
      await pane.stop();
    }
    await assertNoProcessesIn(work);
  });
});

// ---- Gemini CLI through gt -------------------------------------------------------------

const geminiText = (body: unknown) => neutralOf(body as never).lastUserText;
const isGeminiTurn = (r: LoggedRequest) => r.reply !== undefined && r.reply.source !== "side";

/** What the hooks added to a request: Gemini CLI hands their context over as <hook_context> parts. */
function hookContext(r: LoggedRequest): string {
  return contentsOf(r)
    .flatMap((c) => c.parts.map((p) => String(p.text ?? "")))
    .filter((t) => t.includes("<hook_context>"))
    .join("\n");
}

/**
 * A Gemini home pointed at `server` as after a first run with an API key, but nothing
 * trusted (gt meets the folder trust screen); `fresh`: as on a machine where gemini never ran.
 */
function geminiHome(
  town: TestTown,
  server: AgentServer,
  name = "gemini-home",
  opts: { fresh?: boolean } = {},
): Record<string, string> {
  const { GEMINI_CLI_TRUST_WORKSPACE: _, ...env } = writeGeminiHome(join(town.scratch, name), {
    serverUrl: server.url,
    ...opts,
  });
  return env;
}

describe("Gemini CLI driven by gt in real tmux", () => {
  describe("gt sling --agent gemini: the whole loop", () => {
    let town: TestTown;
    let server: GeminiServer;
    let origin: string;
    before(async () => {
      town = await newTown("tmux");
      origin = await addBareRig(town, "alpha", {
        mergeQueue: { test_command: "test -f greeting.txt", poll_interval_seconds: 1 },
      });
      server = await startGeminiServer();
      configureAgent(town, "gemini", { command: gemini, env: geminiHome(town, server) });
      const r = await town.gt(["refinery", "start", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "primes the model with the bead, which edits, commits and runs gt done; the refinery merges it; gt costs has its tokens",
      () => ({ town, server }),
      geminiText,
      async () => {
        const rig = join(town.root, "alpha");
        const id = await bdOk(town, rig, [
          "create",
          "Add a greeting",
          "-d",
          "Write greeting.txt saying hello from gemini",
          "--silent",
        ]);
        server.script.push(
          {
            when: id,
            shell: [
              "echo 'hello from gemini' > greeting.txt && git add greeting.txt && git commit -qm 'Add a greeting' && git log --oneline -1",
            ],
          },
          { when: "Add a greeting", shell: ["gt done"] },
          { text: "Done: the greeting is merged once the refinery lands it." },
        );
        const t0 = Date.now();
        const sling = await town.gt(["sling", id, "alpha", "--agent", "gemini", "--json"]);
        assert.equal(sling.code, 0, sling.stderr);
        const started = Date.now() - t0;

        // The first request the model gets carries the prime (SessionStart hook context): the
        // hooked bead's id, title and description.
        const first = await server.log.waitFor(isGeminiTurn, 30_000);
        for (const text of [id, "Add a greeting", "Write greeting.txt saying hello from gemini"])
          assert.ok(
            hookContext(first).includes(text),
            `the first model request's hook context shows ${text}`,
          );
        console.log(`# sling took ${started} ms; first model request ${first.at - t0} ms after sling began`);

        await eventually(
          async () =>
            (JSON.parse(await bdOk(town, rig, ["show", id, "--json"])) as Bead[])[0]?.status === "closed",
          60_000,
          "the bead merged and closed",
        );
        assert.equal(git(origin, "show", "main:greeting.txt"), "hello from gemini");
        // gt costs reads the polecat's usage from Gemini's chat file: the server's figures for
        // each model turn (routing and side queries are not in it), cached input apart.
        const polecat = (JSON.parse(sling.stdout) as { outcomes: Array<{ polecat: string }> }).outcomes[0]!
          .polecat;
        await turnEnded(town, `al-${polecat}`);
        const sent = server.log.totalUsage(isGeminiTurn);
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
          "the chat file to hold every reply",
        );
        assert.ok(costs);
        assert.deepEqual(costs.total, want);
        assert.equal(costs.sessions.length, 1);
        assert.match(String(costs.sessions[0]!.transcript), /\/chats\/session-[^/]+\.jsonl$/);
        // The worktree is a folder Gemini never saw: gt answered its trust screen.
        assert.deepEqual(answeredScreens(town, "gemini"), ["folder trust"]);
      },
    );
  });

  describe("a crew member running Gemini CLI", () => {
    let town: TestTown;
    let server: GeminiServer;
    const session = "al-crew-max";
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      server = await startGeminiServer();
      configureAgent(town, "gemini", { command: gemini, env: geminiHome(town, server) });
      // Gemini as on a machine where it never ran, with and without a key to offer, and one
      // told to use a key it was not given.
      const { GEMINI_API_KEY: _, ...noKey } = geminiHome(town, server, "never-run", { fresh: true });
      configureAgent(town, "gemini-never-run", { command: gemini, env: noKey });
      configureAgent(town, "gemini-first-run", {
        command: gemini,
        env: geminiHome(town, server, "first-run", { fresh: true }),
      });
      const { GEMINI_API_KEY: __, ...lostKey } = geminiHome(town, server, "lost-key");
      configureAgent(town, "gemini-lost-key", { command: gemini, env: lostKey });
      const r = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(() => tearDown(town, server));

    itExplained(
      "without GEMINI_API_KEY it fails to start with 'needs login' (the Google sign-in it starts by itself, or the empty key box), no process left",
      () => ({ town, server }),
      geminiText,
      async () => {
        const never = await startCrew(town, "max", "gemini-never-run");
        assert.notEqual(never.code, 0);
        assert.match(never.stderr, /gemini-never-run needs login: give the agent GEMINI_API_KEY/);
        assert.equal(never.stderr.trim().split("\n").length, 1, never.stderr);
        assert.equal(await sessionAlive(town, session), false, "no session is left behind");
        assert.deepEqual(answeredScreens(town, "gemini-never-run"), ["folder trust"]);

        const lost = await startCrew(town, "max", "gemini-lost-key");
        assert.notEqual(lost.code, 0);
        assert.match(lost.stderr, /gemini-lost-key needs login: give the agent GEMINI_API_KEY/);
        assert.equal(await sessionAlive(town, session), false);
        assert.equal(server.log.modelRequests.length, 0, "neither reached the model");
        await assertNoProcessesIn(join(town.root, "alpha", "crew", "max"));
      },
    );

    itExplained(
      "on a fresh home with a key, gt answers the auth picker and the key box, and reports the start at the prompt",
      () => ({ town, server }),
      geminiText,
      async () => {
        const r = await startCrew(town, "max", "gemini-first-run");
        assert.equal(r.code, 0, r.stderr);
        // The folder was trusted at the start before (the role's Gemini home keeps it: a home
        // that never ran has no trusted folders file of its own to share).
        assert.deepEqual(answeredScreens(town, "gemini-first-run"), [
          "auth method (API key found)",
          "API key",
        ]);
        const beacon = await server.log.waitFor(
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("[GAS TOWN] crew max"),
        );
        assert.match(hookContext(beacon), /You are .*max/, "primed by its SessionStart hook");
        await turnEnded(town, session);
        const stop = await town.gt(["crew", "stop", "max", "--rig", "alpha"]);
        assert.equal(stop.code, 0, stop.stderr);
      },
    );

    itExplained(
      "starts with its settings, trusted folder, primed by its SessionStart hook",
      () => ({ town, server }),
      geminiText,
      async () => {
        const since = server.log.mark();
        const r = await startCrew(town, "max", "gemini");
        assert.equal(r.code, 0, r.stderr);
        const screen = (await town.gt(["session", "peek", session, "50"])).stdout;
        assert.doesNotMatch(screen, /Do you trust|How would you like to authenticate|Enter Gemini API Key/);
        const beacon = await server.log.waitFor(
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("[GAS TOWN] crew max"),
          { since },
        );
        assert.match(hookContext(beacon), /You are .*max/);
        await turnEnded(town, session);
      },
    );

    itExplained(
      "its guard hook (gt tap guard, from gt's default hooks) blocks a force push the model asks for",
      () => ({ town, server }),
      geminiText,
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
        await server.log.waitFor((q) => isGeminiTurn(q) && q.raw.includes("blocked: force push rewrites"), {
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
      geminiText,
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
        const got = await server.log.waitFor(
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("NUDGE-7F3"),
          {
            since,
            timeoutMs: 30_000,
          },
        );
        console.log(`# nudge to model: ${got.at - t0} ms`);
        assert.ok(got.at - t0 < 10_000, "delivered while idle, not after the 15 s busy wait");
      },
    );

    itExplained(
      "a mail notice reaches it too when only its screen says it is idle",
      () => ({ town, server }),
      geminiText,
      async () => {
        await turnEnded(town, session);
        rmSync(idleMarker(town, session)); // as after a turn its AfterAgent hook did not see
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
            isGeminiTurn(q) &&
            geminiText(q.body).includes("New mail from") &&
            geminiText(q.body).includes("MAIL-9QX"),
          { since, timeoutMs: 30_000 },
        );
        assert.match(hookContext(got), /unread message/, "gt mail check --inject output in the request");
      },
    );

    itExplained(
      "queued nudges and unread mail reach the model through the prompt hook, as hook context",
      () => ({ town, server }),
      geminiText,
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
        const got = await server.log.waitFor(
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("NEXT-2"),
          {
            since,
            timeoutMs: 30_000,
          },
        );
        const context = hookContext(got);
        assert.match(context, /queued nudge\(s\)[\s\S]*QUEUED-5KD/);
        assert.match(context, /MAIL-Q1/);
      },
    );

    itExplained(
      "gt handoff from Gemini: the successor session gets the hook and the handoff note",
      () => ({ town, server }),
      geminiText,
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
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("TOOK OVER FROM A HANDOFF"),
          { since, timeoutMs: 60_000 },
        );
        const input = geminiText(first.body);
        assert.match(input, /\[GAS TOWN\] crew max \(rig: alpha\) <- alpha\/crew\/max • .* • handoff/);
        assert.ok(input.includes(id) && input.includes("Refactor the parser"), "the hook is in its prime");
        const read = await server.log.waitFor(
          (q) => isGeminiTurn(q) && geminiText(q.body).includes("HANDOFF-NOTE-8"),
          { since: server.log.entries.indexOf(first) + 1, timeoutMs: 30_000 },
        );
        assert.match(geminiText(read.body), /Resume at step 3 HANDOFF-NOTE-8/);
      },
    );

    itExplained(
      "gt crew stop ends the agent's whole process tree (Gemini CLI outlives its killed pane)",
      () => ({ town, server }),
      geminiText,
      async () => {
        await turnEnded(town, session);
        const r = await town.gt(["crew", "stop", "max", "--rig", "alpha"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await sessionAlive(town, session), false);
        await assertNoProcessesIn(join(town.root, "alpha", "crew", "max"));
      },
    );
  });

  describe("a session's environment comes from the gt that starts it", () => {
    let town: TestTown;
    let first: GeminiServer;
    let second: GeminiServer;
    before(async () => {
      town = await newTown("tmux");
      await addBareRig(town, "alpha");
      [first, second] = await Promise.all([startGeminiServer(), startGeminiServer()]);
      configureAgent(town, "gemini", { command: gemini }); // the endpoint comes from the caller's environment
      for (const name of ["max", "nux"]) {
        const r = await town.gt(["crew", "add", name, "--rig", "alpha"]);
        assert.equal(r.code, 0, r.stderr);
      }
    });
    after(() => tearDown(town, first, second));

    itExplained(
      "a later gt with another endpoint and home starts its agent on those, not the tmux server's",
      () => ({ town, server: second }),
      geminiText,
      async () => {
        // Folders trusted by the variable (this test is about the environment, not dialogs).
        const home = (server: GeminiServer, name: string) =>
          writeGeminiHome(join(town.scratch, name), { serverUrl: server.url });
        const a = await startCrew(town, "max", "gemini", {
          ...home(first, "first-home"),
          STALE_SETTING: "first gt",
        });
        assert.equal(a.code, 0, a.stderr);
        await first.log.waitFor("[GAS TOWN] crew max");

        const secondEnv = home(second, "second-home");
        second.script.push(
          {
            when: "[GAS TOWN] crew nux",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
            shell: ['printf "seen: %s|%s" "$GOOGLE_GEMINI_BASE_URL" "${STALE_SETTING:-unset}"'],
          },
          { text: "noted" },
        );
        const b = await startCrew(town, "nux", "gemini", secondEnv);
        assert.equal(b.code, 0, b.stderr);
        const report = await second.log.waitFor(
          (r) => isGeminiTurn(r) && geminiText(r.body).includes("seen: "),
          30_000,
        );
        assert.match(geminiText(report.body), new RegExp(`seen: ${second.url}\\|unset`));
        assert.equal(first.log.find("crew nux"), undefined, "nothing of nux reached the first endpoint");
      },
    );
  });
});
