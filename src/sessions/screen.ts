// Reading an agent's screen the way its preset describes it: which startup dialog is up,
// whether the input prompt is showing, and whether the agent looks idle (prompt near the
// bottom, no busy marker). Pure functions over captured text, so every agent's rules are
// data in its preset and the tests can feed them real screens.
import type { AgentConfig, StartupScreen } from "../town/agent-presets.ts";

/** The parts of a preset that say how its screen reads. */
export type ScreenRules = Pick<
  AgentConfig,
  "ready_prompt_prefix" | "prompt_lines_below" | "busy_markers" | "startup_screens"
>;

// Busy markers may sit a little above the prompt too (a spinner line over an input box).
const LINES_ABOVE_PROMPT = 3;

function nonEmptyLines(screen: string): string[] {
  return screen.split("\n").filter((l) => l.trim() !== "");
}

/** The first of the preset's startup screens that is showing, if any. */
export function startupScreenOn(screen: string, rules: ScreenRules): StartupScreen | undefined {
  return rules.startup_screens?.find((s) => s.match.every((m) => screen.includes(m)));
}

/**
 * Where the input prompt is, counted from the bottom among non-empty lines (0 = last line),
 * looking no further up than `maxBelow` lines under it; -1 when it is not there.
 */
function promptDepth(lines: string[], prefix: string, maxBelow: number): number {
  const limit = Math.min(lines.length - 1, maxBelow);
  // An empty input line is captured without its trailing blanks: "❯ " shows as "❯".
  const bare = prefix.trimEnd();
  for (let depth = 0; depth <= limit; depth++) {
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
  return promptDepth(nonEmptyLines(screen), prefix, rules.prompt_lines_below ?? Number.MAX_SAFE_INTEGER) >= 0;
}

/**
 * The agent waits for input: its prompt is at the bottom (at most `prompt_lines_below`
 * lines under it, default none), no startup screen is up, and none of its busy markers
 * shows on the prompt's lines or just above them.
 */
export function looksIdle(screen: string, rules: ScreenRules): boolean {
  const prefix = rules.ready_prompt_prefix;
  if (!prefix || startupScreenOn(screen, rules)) return false;
  const lines = nonEmptyLines(screen);
  const depth = promptDepth(lines, prefix, rules.prompt_lines_below ?? 0);
  if (depth < 0) return false;
  const bottom = lines.slice(Math.max(0, lines.length - 1 - depth - LINES_ABOVE_PROMPT)).join("\n");
  return !(rules.busy_markers ?? []).some((m) => bottom.includes(m));
}
