// Crew upkeep: renaming a crew workspace (its directory, state, agent bead, and the work and
// mail addressed to it move with it) and bringing workspaces up to date with their remote
// (gt crew pristine: a fast-forward only, never over uncommitted work).
import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { git } from "../adapters/git.ts";
import { ConflictError } from "../errors.ts";
import { ensureAgentBead } from "./agent-beads.ts";
import { crewMember, validateWorkerName } from "./crew.ts";
import { type AgentIdentity, addressOf, agentBeadIdOf, workDirOf } from "./identity.ts";
import { writeJsonFile } from "./json-file.ts";
import { openRigLedger, openTownLedger } from "./ledgers.ts";
import { withFileLock } from "./lock.ts";
import type { Town } from "./workspace.ts";

const crewId = (rig: string, name: string): AgentIdentity => ({ role: "crew", rig, name });

export interface RenameResult {
  rig: string;
  from: string;
  to: string;
  path: string;
  /** Beads (hooked work, mail) that were addressed to the old name and now are to the new one. */
  moved: string[];
}

/**
 * Renames crew member `from` to `to` in `rig`. The caller stops its session first (a running
 * agent would keep the old directory and name). Refuses a name taken or invalid.
 */
export async function renameCrew(
  town: Town,
  rig: string,
  from: string,
  to: string,
  actor: string,
): Promise<RenameResult> {
  validateWorkerName(to);
  const old = await crewMember(town, rig, from);
  const next = workDirOf(town.root, crewId(rig, to));
  const lockDir = join(town.rigDir(rig), ".runtime", "locks");
  return withFileLock(join(lockDir, `crew-${from}.lock`), () =>
    withFileLock(join(lockDir, `crew-${to}.lock`), async () => {
      if (existsSync(next))
        throw new ConflictError("crew_exists", `crew member "${to}" already exists in ${rig}`);
      renameSync(old.path, next);
      const stateFile = join(next, "state.json");
      const state = existsSync(stateFile)
        ? (JSON.parse(readFileSync(stateFile, "utf8")) as Record<string, unknown>)
        : {};
      writeJsonFile(stateFile, {
        ...state,
        name: to,
        rig,
        clone_path: next,
        updated_at: new Date().toISOString(),
      });

      const [was, now] = [addressOf(crewId(rig, from)), addressOf(crewId(rig, to))];
      const moved: string[] = [];
      const prefix = town.prefixOf(rig);
      const rigLedger = openRigLedger(town, rig);
      try {
        // The agent bead is renamed, so its history and facts stay with the member.
        const [oldBead, newBead] = [
          agentBeadIdOf(crewId(rig, from), prefix),
          agentBeadIdOf(crewId(rig, to), prefix),
        ];
        if ((await rigLedger.getIssue(oldBead)) && !(await rigLedger.getIssue(newBead))) {
          await rigLedger.renameIssue(oldBead, newBead, actor);
          await rigLedger.updateIssue(
            newBead,
            { title: now, description: `Agent bead for ${now}.`, set_metadata: { name: to } },
            actor,
          );
        } else {
          await ensureAgentBead(rigLedger, crewId(rig, to), prefix, actor);
          if (await rigLedger.getIssue(oldBead)) await rigLedger.deleteIssue(oldBead, actor);
        }
        moved.push(...(await reassign(rigLedger, was, now, actor)));
      } finally {
        await rigLedger.close();
      }
      const townLedger = openTownLedger(town);
      try {
        moved.push(...(await reassign(townLedger, was, now, actor)));
      } finally {
        await townLedger.close();
      }
      return { rig, from, to, path: next, moved };
    }),
  );
}

/** Open beads (wisps too: mail) assigned to `was` get `now` as assignee. */
async function reassign(
  ledger: ReturnType<typeof openRigLedger>,
  was: string,
  now: string,
  actor: string,
): Promise<string[]> {
  const held = await ledger.listIssues({ assignee: was, includeInfra: true, ephemeral: true });
  for (const i of held) await ledger.updateIssue(i.id, { assignee: now }, actor);
  return held.map((i) => i.id);
}

export interface PristineResult {
  rig: string;
  name: string;
  path: string;
  branch: string | null;
  dirty: boolean;
  /** The workspace was fast-forwarded (false: already up to date, dirty, or it could not be). */
  pulled: boolean;
  before: string;
  after: string;
  /** Why it was not brought up to date, in one line. */
  error: string | null;
}

/** Fetches and fast-forwards one crew workspace; uncommitted work is left alone and reported. */
export async function pristineCrew(town: Town, rig: string, name: string): Promise<PristineResult> {
  const m = await crewMember(town, rig, name);
  const head = () => git(m.path, ["rev-parse", "HEAD"]).then((s) => s.trim());
  const before = await head();
  const base = { rig, name, path: m.path, branch: m.branch ?? null, dirty: m.dirty, before };
  if (m.dirty)
    return {
      ...base,
      pulled: false,
      after: before,
      error: "uncommitted changes: commit or stash them, then run again",
    };
  try {
    await git(m.path, ["pull", "--ff-only", "--quiet"]);
  } catch (e) {
    const line = (e as Error).message
      .split("\n")
      .find((l) => /fatal|error|hint: Diverging|not possible/i.test(l));
    return {
      ...base,
      pulled: false,
      after: before,
      error: (line ?? (e as Error).message.split("\n")[0] ?? "git pull failed").trim(),
    };
  }
  const after = await head();
  return { ...base, pulled: after !== before, after, error: null };
}
