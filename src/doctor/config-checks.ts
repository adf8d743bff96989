// The town's and each rig's config files parse. What can be rebuilt from the rest of the
// town is (town.json, rigs.json, daemon.json, a rig's config.json), the broken file kept
// aside; files that hold a person's choices (settings) are named with their error instead.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { branchExists, git, headBranch } from "../adapters/git.ts";
import { gitConfigValue } from "../adapters/git-config.ts";
import { loadEscalationSettings } from "../comms/escalation.ts";
import { readRoutes } from "../ledger/discovery.ts";
import { loadMergeQueueConfig } from "../refinery/config.ts";
import * as z from "../schema.ts";
import { daemonDefaults } from "../town/install.ts";
import { parseJson, writeJsonFile } from "../town/json-file.ts";
import { withFileLock } from "../town/lock.ts";
import { MIRROR_DIR } from "../town/rig.ts";
import { loadAgentRegistry, loadTownSettings } from "../town/settings.ts";
import {
  DAEMON_JSON,
  RIGS_JSON,
  type RigEntry,
  rigConfigSchema,
  TOWN_JSON,
  type Town,
} from "../town/workspace.ts";
import type { DoctorCheck, Finding } from "./types.ts";
import { inTurn, keepAside, ok, problemOf, salvageStrings, shown } from "./util.ts";

function rigsLock(town: Town): string {
  return join(town.runtimeDir, "locks", "rigs.lock");
}

function kept(town: Town, aside: string | undefined): string[] {
  return aside ? [`the broken file is kept as ${shown(town, aside)}`] : [];
}

export const townConfigCheck: DoctorCheck = {
  name: "town-config",
  category: "Core",
  description: "mayor/town.json parses",
  async run(ctx) {
    try {
      return ok(`mayor/town.json is valid (town ${ctx.town.townJson().name})`);
    } catch (e) {
      return {
        status: "error",
        message: `mayor/town.json: ${problemOf(e)}`,
        hint: "gt doctor --fix writes it again (what of it is still readable, else the town directory's name) and keeps the broken file aside",
        fix: async () => rebuildTownJson(ctx.town),
      };
    }
  },
};

function rebuildTownJson(town: Town): string[] {
  const file = town.path(TOWN_JSON);
  const old = salvageStrings(file, ["name", "owner", "public_name", "created_at"]);
  const name = old.name || basename(town.root);
  const mayor = statSync(town.path("mayor"));
  const born = mayor.birthtimeMs > 0 ? mayor.birthtime : mayor.mtime;
  const aside = keepAside(file);
  writeJsonFile(file, {
    type: "town",
    version: 2,
    name,
    owner: old.owner ?? gitConfigValue(town.root, "user.email") ?? "",
    public_name: old.public_name || name,
    created_at: old.created_at || born.toISOString(),
  });
  return [`wrote mayor/town.json for town ${name}`, ...kept(town, aside)];
}

/** Directories of the town holding a readable rig config.json, by name. */
function rigsOnDisk(town: Town): Map<string, z.output<typeof rigConfigSchema>> {
  const out = new Map<string, z.output<typeof rigConfigSchema>>();
  for (const d of readdirSync(town.root, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith(".")) continue;
    const file = join(town.root, d.name, "config.json");
    if (!existsSync(file)) continue;
    try {
      const cfg = parseJson(file, readFileSync(file, "utf8"), rigConfigSchema);
      if (cfg.name === d.name) out.set(d.name, cfg);
    } catch {
      // not a rig's config (or a broken one: rig-config names it)
    }
  }
  return out;
}

export const rigsRegistryCheck: DoctorCheck = {
  name: "rigs-registry",
  category: "Core",
  description: "mayor/rigs.json parses and every rig it lists is on disk",
  async run(ctx) {
    const { town } = ctx;
    const file = town.path(RIGS_JSON);
    const rebuild = async () => withFileLock(rigsLock(town), async () => rebuildRigsJson(town));
    const hint =
      "gt doctor --fix rebuilds it from the rig directories and the route table, keeping the broken file aside";
    if (!existsSync(file)) {
      const onDisk = rigsOnDisk(town).size;
      if (onDisk === 0) return ok("no rigs yet");
      return {
        status: "error",
        message: `mayor/rigs.json is missing (${onDisk} rig(s) on disk)`,
        hint,
        fix: rebuild,
      };
    }
    let names: string[];
    try {
      names = Object.keys(town.rigs().rigs).sort();
    } catch (e) {
      return { status: "error", message: `mayor/rigs.json: ${problemOf(e)}`, hint, fix: rebuild };
    }
    const gone = names.filter((n) => !existsSync(town.rigDir(n)));
    if (gone.length > 0)
      return {
        status: "error",
        message: `${gone.length} registered rig(s) have no directory: ${gone.join(", ")}`,
        details: gone.map((n) => `${n}: ${town.rigDir(n)} does not exist`),
        hint: "restore the rig's directory, or take its entry out of mayor/rigs.json",
      };
    return ok(`${names.length} rig(s) registered${names.length ? `: ${names.join(", ")}` : ""}`);
  },
};

/**
 * rigs.json again from each rig's config.json. A rig removed with `gt rig remove` keeps its
 * directory but loses its route, so when the route table lists rigs only routed ones return.
 */
function rebuildRigsJson(town: Town): string[] {
  const routes = readRoutes(join(town.beadsDir, "routes.jsonl")).filter((r) => !r.prefix.startsWith("hq-"));
  const routeOf = (prefix: string) => routes.find((r) => r.prefix === `${prefix}-`);
  const rigs: Record<string, RigEntry> = {};
  const left: string[] = [];
  for (const [name, cfg] of rigsOnDisk(town)) {
    const route = routeOf(cfg.beads.prefix);
    if (routes.length > 0 && !route) {
      left.push(name);
      continue;
    }
    const tracked = existsSync(join(town.rigDir(name), ".beads", "redirect"));
    rigs[name] = {
      git_url: cfg.git_url,
      ...(cfg.push_url ? { push_url: cfg.push_url } : {}),
      ...(cfg.upstream_url ? { upstream_url: cfg.upstream_url } : {}),
      added_at: cfg.created_at,
      beads: { repo: route?.path ?? (tracked ? `${name}/mayor/rig` : name), prefix: cfg.beads.prefix },
    };
  }
  const aside = keepAside(town.path(RIGS_JSON));
  town.saveRigs({ version: 1, rigs });
  const names = Object.keys(rigs).sort();
  return [
    `wrote mayor/rigs.json with ${names.length} rig(s)${names.length ? `: ${names.join(", ")}` : ""}`,
    ...(left.length ? [`left out (no route, removed earlier): ${left.join(", ")}`] : []),
    ...kept(town, aside),
  ];
}

const daemonSchema = z.lazy(() =>
  z.looseObject({
    type: z.literal("daemon-patrol-config"),
    version: z.int(),
    patrols: z.optional(z.record(z.string(), z.looseObject({}))),
  }),
);

function rebuildDaemonJson(town: Town): string[] {
  const cfg = daemonDefaults();
  let rigs: string[] = [];
  try {
    rigs = town.rigNames();
  } catch {
    // rigs.json unreadable too: its own check says so; the patrols start empty
  }
  cfg.patrols.witness.rigs = [...rigs];
  cfg.patrols.refinery.rigs = [...rigs];
  const aside = keepAside(town.path(DAEMON_JSON));
  writeJsonFile(town.path(DAEMON_JSON), cfg);
  return [`wrote mayor/daemon.json with the default patrols for ${rigs.length} rig(s)`, ...kept(town, aside)];
}

interface ConfigFile {
  /** Town-relative. */
  file: string;
  load: () => unknown;
  /** Writes the file again from the rest of the town; what it did. */
  rebuild?: () => Promise<string[]>;
}

/** The files that fail to load, each with its problem. */
function brokenFiles(files: ConfigFile[]): Array<ConfigFile & { problem: string }> {
  const out: Array<ConfigFile & { problem: string }> = [];
  for (const f of files) {
    try {
      f.load();
    } catch (e) {
      out.push({ ...f, problem: problemOf(e) });
    }
  }
  return out;
}

const SETTINGS_HINT =
  "settings hold your choices and are not rebuilt: fix the file by hand at the place named, or move it away to use the defaults";

function configFinding(
  broken: Array<ConfigFile & { problem: string }>,
  total: number,
  what: string,
): Finding {
  if (broken.length === 0) return ok(`${total} ${what} valid`);
  const rebuildable = broken.filter((b) => b.rebuild);
  return {
    status: "error",
    message:
      broken.length === 1
        ? `${broken[0]!.file}: ${broken[0]!.problem}`
        : `${broken.length} config files do not load: ${broken.map((b) => b.file).join(", ")}`,
    details: broken.map((b) => `${b.file}: ${b.problem}${b.rebuild ? " (rebuildable)" : ""}`),
    hint:
      rebuildable.length === broken.length
        ? "gt doctor --fix rebuilds it, keeping the broken file aside"
        : rebuildable.length > 0
          ? `gt doctor --fix rebuilds ${rebuildable.map((b) => b.file).join(", ")}; ${SETTINGS_HINT}`
          : SETTINGS_HINT,
    ...(rebuildable.length > 0 ? { fix: () => inTurn(rebuildable, (b) => b.rebuild!()) } : {}),
  };
}

export const townSettingsCheck: DoctorCheck = {
  name: "town-settings",
  category: "Core",
  description: "the town's settings, agent registry, escalation routes and daemon config parse",
  async run(ctx) {
    const { town } = ctx;
    const daemonFile = town.path(DAEMON_JSON);
    const files: ConfigFile[] = [
      { file: "settings/config.json", load: () => loadTownSettings(town.root) },
      { file: "settings/agents.json", load: () => loadAgentRegistry(town.root) },
      { file: "settings/escalation.json", load: () => loadEscalationSettings(town) },
      {
        file: DAEMON_JSON,
        load: () =>
          existsSync(daemonFile) && parseJson(daemonFile, readFileSync(daemonFile, "utf8"), daemonSchema),
        rebuild: async () => rebuildDaemonJson(town),
      },
    ];
    return configFinding(brokenFiles(files), files.length, "town config files");
  },
};

export const rigConfigCheck: DoctorCheck = {
  name: "rig-config",
  category: "Core",
  description: "each rig's config.json, settings (merge queue included) and agent registry parse",
  async run(ctx) {
    const { town } = ctx;
    const files: ConfigFile[] = [];
    for (const rig of ctx.rigs()) {
      const dir = town.rigDir(rig);
      if (!existsSync(dir)) continue; // rigs-registry names it
      files.push(
        {
          file: `${rig}/config.json`,
          load: () => town.rigConfig(rig),
          rebuild: () => rebuildRigConfig(town, rig),
        },
        { file: `${rig}/settings/config.json`, load: () => loadMergeQueueConfig(dir) },
        { file: `${rig}/settings/agents.json`, load: () => loadAgentRegistry(dir) },
      );
    }
    return configFinding(brokenFiles(files), files.length, "rig config files");
  },
};

async function rebuildRigConfig(town: Town, rig: string): Promise<string[]> {
  const rigDir = town.rigDir(rig);
  const file = join(rigDir, "config.json");
  const entry = town.rig(rig);
  const old = salvageStrings(file, ["default_branch", "working_repo", "created_at"]);
  const bare = join(rigDir, ".repo.git");
  const branch =
    old.default_branch && (await branchExists(bare, old.default_branch).catch(() => false))
      ? old.default_branch
      : ((await headBranch(bare).catch(() => undefined)) ?? "main");
  let working = old.working_repo;
  const mirror = join(rigDir, MIRROR_DIR);
  if (!working && existsSync(mirror))
    working =
      (await git(mirror, ["config", "--get", "remote.origin.url"]).catch(() => "")).trim() || undefined;
  const aside = keepAside(file);
  writeJsonFile(file, {
    type: "rig",
    version: 1,
    name: rig,
    git_url: entry.git_url,
    ...(entry.push_url ? { push_url: entry.push_url } : {}),
    ...(entry.upstream_url ? { upstream_url: entry.upstream_url } : {}),
    default_branch: branch,
    created_at: old.created_at || entry.added_at,
    beads: { prefix: entry.beads.prefix },
    ...(working ? { working_repo: working } : {}),
  });
  return [`wrote ${rig}/config.json (default branch ${branch})`, ...kept(town, aside)];
}
