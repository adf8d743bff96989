// What a doctor check is: a name, a category, and a run that says what it found and, when
// --fix can repair that, how. Checks are small objects listed in one stable order
// (checks.ts); the runner (doctor.ts) runs, fixes and re-runs them.
import type { RuntimeProvider, SessionInfo } from "../runtime/provider.ts";
import type { Town } from "../town/workspace.ts";

export type CheckStatus = "ok" | "warning" | "error";

export const CATEGORIES = ["Core", "Infrastructure", "Rig", "Cleanup", "Hooks"] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a check found. */
export interface Finding {
  status: CheckStatus;
  /** One line. */
  message: string;
  /** One line per thing found (a file, a session, a pid). */
  details?: string[];
  /** What a person should do about it (shown when it is not fixed). */
  hint?: string;
  /**
   * Present when --fix can repair what was found: does it, and returns one line per thing
   * it did. The check is run again afterwards to see that the repair held.
   */
  fix?: () => Promise<string[]>;
}

export interface DoctorCheck {
  name: string;
  category: Category;
  /** One line on what it looks at. */
  description: string;
  run(ctx: DoctorContext): Promise<Finding>;
}

export interface DoctorContext {
  town: Town;
  env: NodeJS.ProcessEnv;
  /** Who repairs are recorded as (ledger writes, event log). */
  actor: string;
  /** The rigs to look at: every registered rig, or the one --rig names. Throws when rigs.json is unreadable. */
  rigs(): string[];
  /** The town's runtime provider (built on first use: it reads the town settings). */
  provider(): RuntimeProvider;
  /** The provider's sessions (listed once per run when nothing is being fixed). */
  sessions(): Promise<SessionInfo[]>;
  /** An agent process whose session is gone counts as orphaned only once it is this old. */
  processGraceMs: number;
}
