// Reading an agent's screen the way its preset describes it: which startup dialog is up,
// whether the input prompt is showing, and whether the agent looks idle (prompt near the
// bottom, no busy marker). Pure functions over captured text, so every agent's rules are
// data in its preset and the tests can feed them real screens.
import type { AgentConfig, StartupScreen } from "../town/agent-presets.ts";

/** The parts of a preset that say how its screen reads. */
export type ScreenRules = Pick<
  AgentConfig,
  | "ready_prompt_prefix"
  | "prompt_lines_below"
  | "prompt_lines_below_min"
  | "busy_markers"
  | "busy_lines_above"
  | "startup_screens"
>;

// Busy markers may sit a little above the prompt too (a spinner line over an input box).
const LINES_ABOVE_PROMPT = 3;

function nonEmptyLines(screen: string): string[] {
  return screen.split("\n").filter((l) => l.trim() !== "");
}

/**
 * The preset's startup screen that is showing, if any: of those whose text is all there, the
 * one drawn lowest (the latest), the first listed among equals. A screen `left_on_screen`
 * (an agent that restarts once it is answered, as Gemini CLI after folder trust, draws anew
 * under it) is over once the agent's prompt is drawn below it. (Other dialogs' menu cursors,
 * "❯ 2. No", look like a prompt: for them it would not do.)
 */
export function startupScreenOn(screen: string, rules: ScreenRules): StartupScreen | undefined {
  const lines = screen.split("\n");
  let best: { s: StartupScreen; at: number } | undefined;
  for (const s of rules.startup_screens ?? []) {
    if (!s.match.every((m) => screen.includes(m))) continue;
    const at = lowestLine(lines, s);
    if (s.left_on_screen && promptBelow(lines, at, rules)) continue;
    if (!best || at > best.at) best = { s, at };
  }
  return best?.s;
}

/** The last line that holds one of the screen's texts. */
function lowestLine(lines: string[], s: StartupScreen): number {
  let last = -1;
  for (const m of s.match)
    last = Math.max(
      last,
      lines.findLastIndex((l) => l.includes(m)),
    );
  return last;
}

/** The agent's prompt, as at the bottom of its ready screen, sits below line `at`. */
function promptBelow(lines: string[], at: number, rules: ScreenRules): boolean {
  const prefix = rules.ready_prompt_prefix;
  if (!prefix) return false;
  const after = nonEmptyLines(lines.slice(at + 1).join("\n"));
  return (
    promptDepth(
      after,
      prefix,
      rules.prompt_lines_below ?? Number.MAX_SAFE_INTEGER,
      rules.prompt_lines_below_min,
    ) >= 0
  );
}

/**
 * Where the input prompt is, counted from the bottom among non-empty lines (0 = last line),
 * with at least `minBelow` and at most `maxBelow` lines under it; -1 when it is not there.
 */
function promptDepth(lines: string[], prefix: string, maxBelow: number, minBelow = 0): number {
  const limit = Math.min(lines.length - 1, maxBelow);
  // An empty input line is captured without its trailing blanks: "❯ " shows as "❯".
  const bare = prefix.trimEnd();
  for (let depth = minBelow; depth <= limit; depth++) {
    const line = lines[lines.length - 1 - depth]!.trimStart();
    if (line.startsWith(prefix) || (bare !== "" && line.trimEnd() === bare)) return depth;
  }
  return -1;
}

/**
 * The agent's input prompt is up (no startup screen over it). Without `prompt_lines_below`
 * the prompt may be anywhere on the screen (an agent that prints after its ready line).
 */
export function showsPrompt(screen: string, rules: ScreenRules): boolean {
  const prefix = rules.ready_prompt_prefix;
  if (!prefix || startupScreenOn(screen, rules)) return false;
  return (
    promptDepth(
      nonEmptyLines(screen),
      prefix,
      rules.prompt_lines_below ?? Number.MAX_SAFE_INTEGER,
      rules.prompt_lines_below_min,
    ) >= 0
  );
}

/** The prompt's bottom lines (with the few above it where a spinner sits), or undefined when no prompt is up. */
function promptRegion(screen: string, rules: ScreenRules): { lines: string[]; depth: number } | undefined {
  const prefix = rules.ready_prompt_prefix;
  if (!prefix || startupScreenOn(screen, rules)) return undefined;
  const lines = nonEmptyLines(screen);
  const depth = promptDepth(lines, prefix, rules.prompt_lines_below ?? 0, rules.prompt_lines_below_min);
  if (depth < 0) return undefined;
  const above = rules.busy_lines_above ?? LINES_ABOVE_PROMPT;
  return { lines: lines.slice(Math.max(0, lines.length - 1 - depth - above)), depth };
}

function showsBusyMarker(region: string[], rules: ScreenRules): boolean {
  const bottom = region.join("\n");
  return (rules.busy_markers ?? []).some((m) => bottom.includes(m));
}

/**
 * The agent waits for input: its prompt is at the bottom (at most `prompt_lines_below`
 * lines under it, default none), no startup screen is up, and none of its busy markers
 * shows on the prompt's lines or just above them.
 */
export function looksIdle(screen: string, rules: ScreenRules): boolean {
  const region = promptRegion(screen, rules);
  return region !== undefined && !showsBusyMarker(region.lines, rules);
}

/** The agent works on a turn: its prompt is at the bottom with a busy marker by it. */
export function looksBusy(screen: string, rules: ScreenRules): boolean {
  const region = promptRegion(screen, rules);
  return region !== undefined && showsBusyMarker(region.lines, rules);
}

/** The end of a message as a terminal shows it: the last 12 characters of its last line. */
function tailOf(text: string): string {
  const last =
    text
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? "";
  return last.slice(-12);
}

/**
 * Whether `text`, pasted into the agent's input, is still there: its end shows on the
 * bottom lines (the input line and those the preset says sit below it). An Enter the agent
 * took as part of the paste (Gemini CLI turns an Enter within 30 ms of a paste into a
 * newline) leaves it so.
 */
export function inputHolds(screen: string, rules: ScreenRules, text: string): boolean {
  const tail = tailOf(text);
  if (!tail) return false;
  const lines = nonEmptyLines(screen);
  return lines
    .slice(-((rules.prompt_lines_below ?? 0) + 3))
    .join("\n")
    .includes(tail);
}

/** Whether the rules say where the agent's input line is (a prompt prefix and the lines below it). */
export function tracksInput(rules: ScreenRules): boolean {
  return !!rules.ready_prompt_prefix && rules.prompt_lines_below !== undefined;
}

/**
 * After Enter on a pasted message: true once the agent took it (its busy marker shows, or
 * its prompt is back empty at the bottom), false while it is still in the input, undefined
 * when the screen cannot tell (no prompt rules).
 */
export function promptTaken(screen: string, rules: ScreenRules, text: string): boolean | undefined {
  if (!tracksInput(rules)) return undefined;
  const region = promptRegion(screen, rules);
  if (!region) return false;
  if (showsBusyMarker(region.lines, rules)) return true;
  // Idle again (a quick turn): the input line must not hold the message.
  const inputAndBelow = region.lines.slice(-(region.depth + 1)).join("\n");
  const tail = tailOf(text);
  return !(tail && inputAndBelow.includes(tail));
}
