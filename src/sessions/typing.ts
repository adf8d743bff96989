// Typing a message into an agent's input the way a person would, and checking it was taken:
// clear the input line, paste the text as one bracketed paste, leave a gap, press Enter, and
// watch the screen. Nudges (comms) and a session's startup prompt go through here.
import { setTimeout as sleep } from "node:timers/promises";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { inputHolds, promptTaken, type ScreenRules, tracksInput } from "./screen.ts";

/** Polls the screen until `done` holds or `ms` pass; the last screen and whether it held. */
async function watchScreen(
  provider: RuntimeProvider,
  session: string,
  ms: number,
  done: (screen: string) => boolean,
): Promise<{ held: boolean; screen: string }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = await provider.screen(session);
    if (done(screen)) return { held: true, screen };
    if (Date.now() >= deadline) return { held: false, screen };
    await sleep(100);
  }
}

/**
 * Types `text` into the session's input and presses Enter, checking it was taken. With the
 * agent's screen rules (where its input line is) the gap before Enter lasts until the pasted
 * text shows in the input (an Enter that arrives with the paste becomes a newline in Gemini
 * CLI), and the message counts as taken only when the agent shows its busy marker or its
 * input is empty again; Enter is pressed again only while the text visibly still sits in the
 * input. Without such rules any change of the pane counts, and Enter is retried with backoff.
 */
export async function typeAndSubmit(
  provider: RuntimeProvider,
  session: string,
  text: string,
  rules?: ScreenRules,
): Promise<{ ok: boolean; attempts: number }> {
  const before = await provider.capture(session, 30);
  await provider.pressKey(session, "C-u");
  await provider.paste(session, text);
  const known = rules && tracksInput(rules) ? rules : undefined;
  if (known) await watchScreen(provider, session, 2000, (s) => inputHolds(s, known, text));
  await sleep(Math.min(2000, 100 + 25 * Math.ceil(text.length / 512)));
  let attempts = 0;
  for (const backoff of [1000, 2000, 4000]) {
    attempts++;
    await provider.pressKey(session, "Enter");
    if (!known) {
      const deadline = Date.now() + backoff;
      while (Date.now() < deadline) {
        await sleep(100);
        if ((await provider.capture(session, 30)) !== before) return { ok: true, attempts };
      }
      continue;
    }
    const seen = await watchScreen(provider, session, backoff, (s) => promptTaken(s, known, text) === true);
    if (seen.held) return { ok: true, attempts };
    // Not seen taken: Enter again only when the text is still in the input. Otherwise the
    // agent shows something gt cannot read; any change then counts, as without rules.
    if (!inputHolds(seen.screen, known, text))
      return { ok: (await provider.capture(session, 30)) !== before, attempts };
  }
  return { ok: false, attempts };
}
