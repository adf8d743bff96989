// Reading agent screens by their preset's rules, on screens captured from Claude Code 2.1
// in tmux (rules shortened): its idle prompt has a rule and a footer under it, its busy
// footer says "esc to interrupt", and its dialogs carry "❯ 1." menu cursors that are not
// the input prompt.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { looksIdle, showsPrompt, startupScreenOn } from "../../src/sessions/screen.ts";
import { BUILTIN_PRESETS } from "../../src/town/agent-presets.ts";

const claude = BUILTIN_PRESETS.claude!;
const RULE = "─".repeat(60);

const IDLE = `
❯ [GAS TOWN] crew max (rig: alpha) <- gt • 2026-12-01T05:17 • start
  Run \`gt prime\`, check your hook and mail; if work is hooked, run it now, otherwise wait for instructions.

● (no scripted turn left)

✻ Baked for 0s

${RULE}
❯
${RULE}
  ⏵⏵ bypass permissions on (shift+tab to cycle) · ← for agents                 ● high · /effort`;

const BUSY = `
❯ go sleep
● Bash(sleep 6)
  ⎿  Running… (3s)
✽ Recombobulating… (4s · ↓ 15 tokens)
${RULE}
❯
${RULE}
  ⏵⏵ bypass permissions on (shift+tab to cycle) · esc to interrupt · ← for agents`;

const TRUST = `
${RULE}
 Accessing workspace:
 /tmp/w12/proj-lCjIQX
 Quick safety check: Is this a project you created or one you trust?
 Claude Code'll be able to read, edit, and execute files here.
 ❯ 1. Yes, I trust this folder
   2. No, exit
 Enter to confirm · Esc to cancel`;

const BYPASS = `
${RULE}
  WARNING: Claude Code running in Bypass Permissions mode
  https://code.claude.com/docs/en/security
  ❯ 1. No, exit
    2. Yes, I accept
  Enter to confirm · Esc to cancel`;

const NOT_LOGGED_IN = `
${RULE}
❯
${RULE}
  ⏵⏵ bypass permissions on (shift+tab to cycle) · ← for agents        Not logged in · Run /login`;

describe("Claude Code's screens by its preset", () => {
  it("idle: the prompt under the transcript, a rule and a footer below it, nothing busy", () => {
    assert.equal(looksIdle(IDLE, claude), true);
    assert.equal(showsPrompt(IDLE, claude), true);
    // The rule nudges used before: the prompt must be the last line. Claude's never is.
    assert.equal(looksIdle(IDLE, { ...claude, prompt_lines_below: 0 }), false);
  });

  it("busy: the same prompt, but the footer says esc to interrupt", () => {
    assert.equal(looksIdle(BUSY, claude), false);
    assert.equal(showsPrompt(BUSY, claude), true, "the TUI is up: started, just working");
  });

  it("dialogs are recognised by their text, and their menu cursor is never the prompt", () => {
    assert.equal(startupScreenOn(TRUST, claude)?.name, "trust folder");
    assert.equal(startupScreenOn(BYPASS, claude)?.name, "bypass-permissions warning");
    for (const s of [TRUST, BYPASS]) {
      assert.equal(showsPrompt(s, claude), false);
      assert.equal(looksIdle(s, claude), false);
    }
    assert.equal(startupScreenOn(IDLE, claude), undefined);
  });

  it("a prompt with 'Not logged in' in its footer is the login screen, not ready", () => {
    const s = startupScreenOn(NOT_LOGGED_IN, claude);
    assert.equal(s?.action, "login");
    assert.equal(showsPrompt(NOT_LOGGED_IN, claude), false);
  });

  it("a prompt further up than the preset allows is history, not the input line", () => {
    const scrolled = `${IDLE}\n${"output line\n".repeat(6)}`;
    assert.equal(looksIdle(scrolled, claude), false);
  });

  it("an agent without a prompt prefix never reads as idle or ready", () => {
    const copilot = BUILTIN_PRESETS.copilot!;
    assert.equal(looksIdle(IDLE, copilot), false);
    assert.equal(showsPrompt(IDLE, copilot), false);
  });
});
