// Durations as Gas Town and beads write them on the command line and in gates: Go-style
// "90s", "5m", "1h30m", plus "2d" and "1w"; a bare number is seconds.
import { ValidationError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function durationMs(text: string, what = "duration"): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let end = 0;
  for (let m = part.exec(t); m; m = part.exec(t)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    end = part.lastIndex;
  }
  if (t === "" || end !== t.length)
    throw new ValidationError(`invalid ${what} "${text}" (examples: 90s, 5m, 1h30m, 2d)`);
  return total;
}
