// A molecule as a checklist, one line per step, indented under its parent: what gt prime and
// gt mol status show. The step to work now is the one in progress, else the first ready one.
import { safeText } from "../terminal-text.ts";
import type { MoleculeProgress, MoleculeStep } from "./progress.ts";

const BOX: Record<MoleculeStep["status"], string> = {
  done: "[x]",
  current: "[>]",
  ready: "[ ]",
  blocked: "[!]",
  pending: "[ ]",
};

/** The step to work now: the one in progress, else the first ready one. */
export function stepNow(p: MoleculeProgress): MoleculeStep | undefined {
  return p.steps.find((s) => s.is_current) ?? p.steps.find((s) => s.status === "ready");
}

/** `- [x] <id> — <title>` lines; the step to work now marked `← current`. */
export function checklistLines(p: MoleculeProgress): string[] {
  const now = stepNow(p);
  return p.steps.map((s) => {
    const mark = s === now ? (s.is_current ? "  ← current" : "  ← current (start here)") : "";
    const note = s.status === "blocked" ? "  (blocked)" : "";
    return `${"  ".repeat(s.depth)}- ${BOX[s.status]} ${s.issue.id} — ${safeText(s.issue.title)}${mark}${note}`;
  });
}
