// Runtime hook settings in step with what `gt hooks sync` would write. The sync itself is
// the judge: it runs on a scratch copy of the town's settings and hook files, so what it
// would change is known without touching the town, and --fix is the real sync.
import {
  copyFileSync,
  type Dirent,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { syncHooks } from "../sessions/hooks.ts";
import { settingsDirOf } from "../town/identity.ts";
import type { RoleName } from "../town/roles.ts";
import { RIGS_JSON, TOWN_JSON, Town } from "../town/workspace.ts";
import type { DoctorCheck } from "./types.ts";
import { ok, shown } from "./util.ts";

/** The hook files a sync may write, relative to a role's settings directory. */
const HOOK_FILES = [join(".claude", "settings.json"), join(".github", "hooks", "gastown.json")];
const RIG_ROLES: RoleName[] = ["witness", "refinery", "polecat", "crew"];

/** Every settings directory a sync manages, town-relative. */
function settingsDirs(town: Town): string[] {
  const dirs = [settingsDirOf(town.root, { role: "mayor" }), settingsDirOf(town.root, { role: "deacon" })];
  for (const rig of town.rigNames())
    dirs.push(...RIG_ROLES.map((role) => settingsDirOf(town.root, { role, rig })));
  return dirs.map((d) => relative(town.root, d));
}

/** Copies a file, or a directory's files (settings dirs are flat), when it exists. */
function copyIfThere(from: string, to: string): void {
  let entries: Dirent[] | undefined;
  try {
    entries = readdirSync(from, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
  }
  mkdirSync(entries ? to : dirname(to), { recursive: true });
  if (!entries) copyFileSync(from, to);
  else for (const e of entries) if (e.isFile()) copyFileSync(join(from, e.name), join(to, e.name));
}

interface Drift {
  /** Existing hook files whose contents a sync would change. */
  drifted: string[];
  /** Files a sync would create (written when their sessions start). */
  absent: string[];
  /** Targets a sync refuses (a settings file broken by hand), with why. */
  refused: string[];
}

/** What `gt hooks sync` would change, found by running it on a scratch copy. */
async function hookDrift(town: Town, env: NodeJS.ProcessEnv): Promise<Drift> {
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), "gt-doctor-hooks-")));
  try {
    for (const f of [TOWN_JSON, RIGS_JSON, "settings"]) copyIfThere(town.path(f), join(scratch, f));
    for (const rig of town.rigNames()) {
      mkdirSync(join(scratch, rig), { recursive: true });
      copyIfThere(join(town.rigDir(rig), "settings"), join(scratch, rig, "settings"));
    }
    for (const dir of settingsDirs(town))
      for (const f of HOOK_FILES) copyIfThere(town.path(dir, f), join(scratch, dir, f));
    const result = await syncHooks(new Town(scratch), { env });
    const real = (p: string) => town.path(relative(scratch, p));
    const written = result.written.map(real);
    return {
      drifted: written.filter((p) => existsSync(p)),
      absent: written.filter((p) => !existsSync(p)),
      refused: result.skipped
        .filter((s) => s.reason.includes("not a valid settings file"))
        .map((s) => `${s.target}: ${s.reason.replaceAll(`${scratch}/`, "")}`),
    };
  } finally {
    // Asynchronously: removing a tree blocks for tens of milliseconds the other checks can use.
    await rm(scratch, { recursive: true, force: true });
  }
}

export const hooksSyncCheck: DoctorCheck = {
  name: "hooks-sync",
  category: "Hooks",
  description: "agent runtime hook settings match what gt hooks sync writes",
  async run(ctx) {
    const { town } = ctx;
    const drift = await hookDrift(town, ctx.env);
    const absent = drift.absent.length
      ? ` (${drift.absent.length} not written yet: their sessions write them on start)`
      : "";
    if (drift.drifted.length === 0 && drift.refused.length === 0)
      return ok(
        `hook settings in sync${absent}`,
        drift.absent.map((p) => `not written yet: ${shown(town, p)}`),
      );
    const details = [
      ...drift.drifted.map((p) => `${shown(town, p)} differs from gt hooks sync`),
      ...drift.refused,
    ];
    return {
      status: "warning",
      message:
        drift.drifted.length > 0
          ? `${drift.drifted.length} hook settings file(s) out of sync`
          : `${drift.refused.length} hook settings file(s) broken by hand`,
      details,
      hint:
        drift.refused.length > 0
          ? "a settings file that does not parse is never overwritten (it may hold your own settings): fix or remove it by hand"
          : "gt doctor --fix runs gt hooks sync",
      ...(drift.drifted.length > 0
        ? {
            fix: async () => {
              const r = await syncHooks(town, { env: ctx.env });
              return r.written.map((p) => `wrote ${shown(town, p)}`);
            },
          }
        : {}),
    };
  },
};
