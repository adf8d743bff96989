// Codex 0.171 and Gemini CLI 0.61 screens, as captured in tmux (widths shortened), read by
// their presets: when each is ready, idle or busy, which startup screen is up, and whether a
// message typed into it was taken. The real-agent tests drive the same screens live.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  inputHolds,
  looksBusy,
  looksIdle,
  promptTaken,
  showsPrompt,
  startupScreenOn,
} from "../../src/sessions/screen.ts";
import { BUILTIN_PRESETS } from "../../src/town/agent-presets.ts";

const codex = BUILTIN_PRESETS.codex!;
const gemini = BUILTIN_PRESETS.gemini!;

const CODEX_LOADING = `
  >_ OpenAI Codex (v0.171.0)
     loading

› Ask Codex to do anything

  ? for shortcuts`;

const CODEX_IDLE = `
  >_ OpenAI Codex (v0.171.0)
     /tmp/town/alpha/crew/max

› [GAS TOWN] crew max (rig: alpha) <- gt • 2026-12-01T06:00 • start

• (no scripted turn left)

› Ask Codex to do anything

  gpt-fake default · /tmp/town/alpha/crew/max · [GAS TOWN] crew max (rig: alpha) <- gt
  ← for agents · ? for shortcuts                                  ⚠ 2 warnings · f2 to view`;

const CODEX_BUSY = `
› Please write the file

• Working (2s • esc to interrupt)

› Ask Codex to do anything

  gpt-fake default · /tmp/town/alpha/crew/max
  ← for agents · ? for shortcuts`;

const CODEX_TYPED = `
• (no scripted turn left)

› Please look at ticket NUDGE-7F3

  gpt-fake default · /tmp/town/alpha/crew/max
  ← for agents · ? for shortcuts`;

const CODEX_TRUST = `
  Folder access
  /tmp/town/alpha/crew/max

  Trust this folder? Codex can read, edit, and run files here, subject to your permission settings.

› 1. Trust and continue
  2. Back to Agent Command Center

  enter continue · esc back`;

const CODEX_HOOKS = `
  Hooks need review
  1 hook is new or changed.
  Hooks can run outside the sandbox after you trust them.

› 1. Review hooks
  2. Trust all and continue
  3. Continue without trusting (hooks won't run)

  enter confirm · esc skip`;

const CODEX_SIGN_IN = `
  Welcome to Codex, OpenAI's command-line coding agent

  Choose how you want to use Codex.

> 1. Sign in with ChatGPT
     Usage included with Plus, Pro, Business, and Enterprise plans

  3. Sign in another way

  Press enter to continue`;

const EDGE_TOP = "▄".repeat(60);
const EDGE_BOTTOM = "▀".repeat(60);
const GEMINI_FOOTER = ` workspace (/directory)        branch        sandbox        /model
 ~/max                         main          no sandbox       Auto`;

const geminiInput = (line: string, above = "                                  ? for shortcuts") => `${above}
${"─".repeat(60)}
 YOLO Ctrl+Y
${EDGE_TOP}
${line}
${EDGE_BOTTOM}
${GEMINI_FOOTER}`;

const GEMINI_IDLE = `
 > [GAS TOWN] crew max (rig: alpha) <- gt • 2026-12-01T06:14 • start
✦ (no scripted turn left)

${geminiInput(" *   Type your message or @path/to/file")}`;

const GEMINI_THINKING = `
 > Please write the file

${geminiInput(" *   Type your message or @path/to/file", " ⠋ Thinking... (esc to cancel, 0s)        ? for shortcuts")}`;

const GEMINI_HOOK = geminiInput(
  " *   Type your message or @path/to/file",
  "  Executing Hook: gt prime --hook",
);

const GEMINI_NEWLINE = `
✦ (no scripted turn left)

${geminiInput(" * Please look at ticket NUDGE-7F3\n   ")}`;

const GEMINI_TRUST = `
 ╭──────────────────────────────────────────╮
 │ Do you trust the files in this folder?    │
 │ ● 1. Trust folder (max)                   │
 │   2. Trust parent folder (crew)           │
 │   3. Don't trust                          │
 ╰──────────────────────────────────────────╯`;

const GEMINI_RESTARTING = `${GEMINI_TRUST}

 Gemini CLI is restarting to apply the trust changes...`;

const GEMINI_AFTER_RESTART = `${GEMINI_RESTARTING}

 Gemini CLI v0.61.0
Tips for getting started:
1. Create GEMINI.md files to customize your interactions

${geminiInput(" *   Type your message or @path/to/file")}`;

const geminiKeyBox = (content: string) => `${GEMINI_RESTARTING}
╭──────────────────────────────────────────╮
│ Enter Gemini API Key                      │
│ ╭──────────────────────────────────────╮ │
│ │ ${content.padEnd(36)} │ │
│ ╰──────────────────────────────────────╯ │
│ (Press Enter to submit, Esc to cancel)    │
╰──────────────────────────────────────────╯`;

const GEMINI_PICKER_WITH_KEY = `
│ ? Get started                                 │
│   How would you like to authenticate for this project? │
│     1. Sign in with Google                    │
│   ● 2. Use Gemini API Key                     │
│     3. Vertex AI                              │
│   Existing API key detected (GEMINI_API_KEY). │`;

describe("Codex's screens by its preset", () => {
  it("ready and idle only with its two status lines under the prompt (while loading it has one)", () => {
    assert.equal(showsPrompt(CODEX_LOADING, codex), false);
    assert.equal(looksIdle(CODEX_LOADING, codex), false);
    assert.equal(showsPrompt(CODEX_IDLE, codex), true);
    assert.equal(looksIdle(CODEX_IDLE, codex), true);
    assert.equal(looksBusy(CODEX_IDLE, codex), false);
  });

  it("busy: the prompt line is drawn, but 'esc to interrupt' is over it", () => {
    assert.equal(showsPrompt(CODEX_BUSY, codex), true);
    assert.equal(looksIdle(CODEX_BUSY, codex), false);
    assert.equal(looksBusy(CODEX_BUSY, codex), true);
  });

  it("its dialogs: sign-in needs login, folder trust is accepted, hooks to review fail", () => {
    assert.equal(startupScreenOn(CODEX_SIGN_IN, codex)?.action, "login");
    assert.equal(startupScreenOn(CODEX_TRUST, codex)?.name, "folder trust");
    assert.equal(startupScreenOn(CODEX_HOOKS, codex)?.name, "hooks review");
    for (const s of [CODEX_SIGN_IN, CODEX_TRUST, CODEX_HOOKS]) assert.equal(looksIdle(s, codex), false);
  });

  it("a typed message still in the input is not taken; the empty prompt back or busy is", () => {
    const text = "Please look at ticket NUDGE-7F3";
    assert.equal(inputHolds(CODEX_TYPED, codex, text), true);
    assert.equal(promptTaken(CODEX_TYPED, codex, text), false);
    assert.equal(promptTaken(CODEX_BUSY, codex, text), true);
    assert.equal(promptTaken(CODEX_IDLE, codex, text), true);
  });
});

describe("Gemini CLI's screens by its preset", () => {
  it("idle from its bottom lines: the placeholder, the box edge and two status lines; busy by its spinner or a running hook", () => {
    assert.equal(looksIdle(GEMINI_IDLE, gemini), true);
    assert.equal(looksIdle(GEMINI_IDLE.replace(`${EDGE_BOTTOM}\n`, ""), gemini), true, "edges not drawn");
    assert.equal(looksIdle(GEMINI_THINKING, gemini), false);
    assert.equal(looksBusy(GEMINI_THINKING, gemini), true);
    assert.equal(looksIdle(GEMINI_HOOK, gemini), false);
    assert.equal(showsPrompt(GEMINI_THINKING, gemini), true);
  });

  it("an Enter taken as a newline leaves the message in the input: not taken", () => {
    const text = "Please look at ticket NUDGE-7F3";
    assert.equal(inputHolds(GEMINI_NEWLINE, gemini, text), true);
    assert.equal(promptTaken(GEMINI_NEWLINE, gemini, text), false);
    assert.equal(promptTaken(GEMINI_THINKING, gemini, text), true);
  });

  it("its restart after trust is waited out, and a dialog drawn over by the new prompt is over", () => {
    assert.equal(startupScreenOn(GEMINI_TRUST, gemini)?.name, "folder trust");
    assert.equal(startupScreenOn(GEMINI_RESTARTING, gemini)?.action, "wait");
    assert.equal(startupScreenOn(GEMINI_AFTER_RESTART, gemini), undefined);
    assert.equal(showsPrompt(GEMINI_AFTER_RESTART, gemini), true);
    assert.equal(looksIdle(GEMINI_AFTER_RESTART, gemini), true);
  });

  it("the auth screens: the latest drawn counts; an empty key box needs login, a filled one is accepted", () => {
    assert.equal(startupScreenOn(GEMINI_PICKER_WITH_KEY, gemini)?.name, "auth method (API key found)");
    assert.equal(
      startupScreenOn(
        GEMINI_PICKER_WITH_KEY.replace("Existing API key detected (GEMINI_API_KEY).", ""),
        gemini,
      )?.action,
      "login",
    );
    assert.equal(startupScreenOn(geminiKeyBox("Paste your API key here"), gemini)?.action, "login");
    assert.equal(startupScreenOn(geminiKeyBox("fake-gemini-key"), gemini)?.name, "API key");
    assert.equal(
      startupScreenOn("Logging in with Google... Restarting Gemini CLI to continue.", gemini)?.action,
      "login",
    );
  });
});

describe("a dialog whose menu cursor looks like the prompt", () => {
  it("Claude's custom API key dialog stays its screen: only screens left on the screen end at a prompt below", () => {
    const screen = `
${"─".repeat(60)}
  Detected a custom API key in your environment
  ANTHROPIC_API_KEY: sk-ant-...fake-token-for-tests
  Do you want to use this API key?
    1. Yes
  ❯ 2. No (recommended)
  Enter to confirm · Esc to cancel`;
    assert.equal(startupScreenOn(screen, BUILTIN_PRESETS.claude!)?.name, "custom API key");
  });
});
