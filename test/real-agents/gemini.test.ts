// Real Gemini CLI (@google/gemini-cli, pinned in install.ts) driven offline against the fake
// Gemini API: print mode, and interactively in real tmux started directly (not through gt
// yet): its startup screens on a fresh home and the keys that pass them, the idle and busy
// screens gt will detect, a pasted prompt running a scripted shell command, its hooks
// (SessionStart / BeforeAgent context, AfterAgent at the turn's end) and the token usage its
// transcript records. The screen strings asserted here are the ones gt's preset relies on: a
// Gemini CLI release that changes them fails these tests.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, describe, it } from "node:test";
import { startGeminiServer } from "../helpers/model-server/gemini.ts";
import type { LoggedRequest } from "../helpers/model-server/script.ts";
import { scratchDir } from "../helpers/temp.ts";
import { writeGeminiHome } from "./agent-homes.ts";
import { AgentPane, assertNoProcessesIn, runToExit, until } from "./agent-pane.ts";
import { installAgent } from "./install.ts";

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
    const pane = await AgentPane.start({ command: [gemini, "--approval-mode", "yolo"], cwd: work, env });
    try {
      // Settings and the trust variable: no dialog, straight to the idle prompt.
      const idle = await pane.waitFor(geminiIdle, "the idle Gemini prompt");
      const tReady = Date.now() - t0;
      assert.doesNotMatch(idle, /Do you trust|Get started|Enter Gemini API Key/);
      await until(() => existsSync(join(out, "SessionStart.json")), "the SessionStart hook");

      await pane.submit("Please write the file", (s) => s.includes(GEMINI_PROMPT_LINE));
      const busy = await pane.waitFor(GEMINI_BUSY, "the busy marker");
      assert.ok(!geminiIdle(busy), "a busy screen is not idle, although it still draws the input line");
      assert.ok(busy.includes(GEMINI_PROMPT_LINE), "the input line is drawn while busy");
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
    const pane = await AgentPane.start({ command: [gemini, "--approval-mode", "yolo"], cwd: work, env });
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

      const key = await pane.answer(
        "● 2. Use Gemini API Key",
        "Enter",
        "Enter Gemini API Key",
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
