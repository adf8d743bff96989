// Why a rig's refinery cannot land: the last round's landing failure, kept in
// <rig>/.runtime/refinery/landing.json until a round lands (or has nothing to land) again.
// gt status, gt mq status and gt refinery status show it, with git's whole reason, as the
// `landing_failure` field (null when the refinery lands fine).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GasTownError } from "../errors.ts";
import { safeText } from "../terminal-text.ts";
import { writeJsonFile } from "../town/json-file.ts";

/**
 * push: origin refused the merged branch. sync / deliver: a mirrored rig could not take the
 * user's new commits or hand the merge back to their working repository. run: the round
 * failed before it could land (origin unreachable, a broken worktree, ...).
 */
export type LandingStage = "push" | "sync" | "deliver" | "run";

export interface LandingFailure {
  stage: LandingStage;
  /** The branch that could not be landed or delivered, when there is one. */
  target: string | null;
  /** One line: what failed and git's reason in short. */
  summary: string;
  /** git's whole output (every `remote:` line of a hook included), not cut off. */
  reason: string;
  /** The merge requests waiting on it (for a failed push). */
  mrs: string[];
  /** When this failure was first seen, and how many rounds in a row have hit it since. */
  since: string;
  last_attempt: string;
  attempts: number;
}

export type NewLandingFailure = Omit<LandingFailure, "since" | "last_attempt" | "attempts">;

/** The most of git's output kept: enough for any hook's message, bounded for a runaway one. */
const REASON_KEEP = 16_000;

/** A landing step that failed; the refinery records it and the round ends with it. */
export class LandingError extends GasTownError {
  readonly failure: NewLandingFailure;
  constructor(failure: NewLandingFailure) {
    super(failure.stage === "push" ? "push_failed" : "landing_failed", failure.summary);
    this.failure = failure;
  }
}

function stateFile(rigDir: string): string {
  return join(rigDir, ".runtime", "refinery", "landing.json");
}

export function readLandingFailure(rigDir: string): LandingFailure | null {
  const file = stateFile(rigDir);
  if (!existsSync(file)) return null;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as { failure?: LandingFailure | null };
    return raw.failure && typeof raw.failure.reason === "string" ? raw.failure : null;
  } catch {
    return null;
  }
}

/** Records this round's outcome: a failure (counted on from the same one before), or none. */
export function recordLandingFailure(
  rigDir: string,
  failure: NewLandingFailure | null,
): LandingFailure | null {
  const file = stateFile(rigDir);
  if (!failure) {
    rmSync(file, { force: true });
    return null;
  }
  const now = new Date().toISOString();
  const prev = readLandingFailure(rigDir);
  const same = prev && prev.stage === failure.stage && prev.target === failure.target;
  const reason =
    failure.reason.length > REASON_KEEP ? `…${failure.reason.slice(-REASON_KEEP)}` : failure.reason;
  const next: LandingFailure = {
    ...failure,
    reason,
    since: same ? prev.since : now,
    last_attempt: now,
    attempts: same ? prev.attempts + 1 : 1,
  };
  writeJsonFile(file, { failure: next });
  return next;
}

/** git's stderr as one line: the `remote:` messages and the rejection, without the noise. */
export function gitReasonLine(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^remote:\s?/, "").trim())
    .filter((l) => l && !/^To /.test(l) && !/^error: failed to push some refs/.test(l));
  const line = lines.join(" | ");
  return line || stderr.trim().split("\n").pop() || "git gave no reason";
}

/** A failure's headline and its whole reason, indented, for the text views. */
export function describeLandingFailure(f: LandingFailure, indent = "  "): string[] {
  const what =
    f.stage === "push"
      ? `the refinery cannot land${f.target ? ` on ${f.target}` : ""}`
      : f.stage === "run"
        ? "the refinery's rounds fail"
        : `the refinery cannot keep your working repository in step${f.target ? ` (${f.target})` : ""}`;
  const count = f.attempts > 1 ? `, ${f.attempts} rounds since ${f.since}` : `, at ${f.last_attempt}`;
  const out = [`⚠ ${what}${count}: ${safeText(f.summary)}`];
  if (f.mrs.length) out.push(`${indent}waiting: ${safeText(f.mrs.join(", "))}`);
  for (const l of f.reason.trimEnd().split("\n")) out.push(`${indent}│ ${safeText(l.trimEnd())}`);
  return out;
}
