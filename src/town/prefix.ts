// Bead prefixes for rigs: derived from the rig name the way Gas Town users expect
// ("gastown" → gt, "my_app" → ma, "beads" → be), validated, and unique in the town.
import { ValidationError } from "../errors.ts";

// Word endings that mark a compound name ("gastown" = gas + town).
const KNOWN_SUFFIXES = [
  "town",
  "hub",
  "lab",
  "labs",
  "base",
  "works",
  "kit",
  "flow",
  "forge",
  "stack",
  "store",
  "db",
  "api",
  "app",
  "web",
  "ui",
  "cli",
  "bot",
  "ops",
  "net",
  "desk",
  "box",
  "board",
  "mail",
  "cast",
  "craft",
  "space",
  "tree",
  "wall",
  "line",
  "port",
  "gate",
  "yard",
];

const PREFIX_RE = /^[a-z][a-z0-9-]{0,19}$/;

export function validatePrefix(prefix: string): string {
  const p = prefix.replace(/-$/, "").toLowerCase();
  if (!PREFIX_RE.test(p) || p.endsWith("-")) {
    throw new ValidationError(
      `invalid prefix "${prefix}" (a letter, then letters, digits or hyphens; at most 20 characters)`,
    );
  }
  if (p === "hq") throw new ValidationError(`prefix "hq" is reserved for the town ledger`);
  return p;
}

function splitWords(name: string): string[] {
  const base = name.replace(/[-_](py|go)$/i, "");
  const parts = base.split(/[-_]+/).filter(Boolean);
  if (parts.length > 1) return parts;
  const camel = base.split(/(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
  if (camel.length > 1) return camel;
  const lower = base.toLowerCase();
  for (const suffix of KNOWN_SUFFIXES) {
    if (lower.length > suffix.length + 1 && lower.endsWith(suffix)) {
      return [lower.slice(0, -suffix.length), suffix];
    }
  }
  return [base];
}

/** The prefix a rig name suggests, before uniqueness. */
export function derivePrefix(rigName: string): string {
  const words = splitWords(rigName).map((w) => w.toLowerCase().replace(/[^a-z0-9]/g, ""));
  let p: string;
  if (words.length > 1) p = words.map((w) => w[0] ?? "").join("");
  else {
    const w = words[0] ?? "";
    p = w.length <= 3 ? w : w.slice(0, 2);
  }
  if (!/^[a-z]/.test(p)) p = `r${p}`;
  return p.slice(0, 20);
}

/** A derived prefix not in `taken`: the plain one, else with a number appended. */
export function uniquePrefix(rigName: string, taken: Set<string>): string {
  const base = derivePrefix(rigName);
  if (!taken.has(base) && base !== "hq") return base;
  for (let n = 2; n < 1000; n++) {
    const candidate = `${base}${n}`;
    if (!taken.has(candidate)) return candidate;
  }
  throw new ValidationError(`cannot derive a free prefix for "${rigName}"; pass --prefix`);
}
