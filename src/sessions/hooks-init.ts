// `gt hooks init`: turn hook settings files that were edited by hand into layer files, so
// `gt hooks sync` keeps those edits instead of overwriting them. What every managed Claude
// settings file holds in common becomes the base layer; what one role (or one rig's role)
// holds beyond that becomes its override. The built-in defaults stay under both.
import { existsSync } from "node:fs";
import { ConflictError } from "../errors.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";
import {
  defaultHooks,
  type HookSet,
  hookLayerFiles,
  type MatcherEntry,
  mergeHookSets,
  planHooks,
} from "./hooks.ts";

export interface HooksInitLayer {
  /** "base", a role, or "<rig>/<role>". */
  target: string;
  file: string;
  hooks: HookSet;
}

export interface HooksInitResult {
  dry_run: boolean;
  /** The settings files read. */
  sources: string[];
  base: HooksInitLayer;
  overrides: HooksInitLayer[];
  written: string[];
}

interface Found {
  role: RoleName;
  rig: string | null;
  label: string;
  hooks: HookSet;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function normalized(set: HookSet): HookSet {
  const out: HookSet = {};
  for (const [event, entries] of Object.entries(set))
    out[event] = entries.map((e) => ({
      ...e,
      matcher: e.matcher ?? "",
      hooks: e.hooks.map((h) => ({ ...h, type: h.type ?? "command" })),
    }));
  return out;
}

/** The hooks of each managed Claude settings file that has any. */
function foundHooks(town: Town, env: NodeJS.ProcessEnv): Array<Found & { path: string }> {
  const out: Array<Found & { path: string }> = [];
  for (const p of planHooks(town, { env })) {
    if (!p.path?.endsWith("settings.json") || p.current === undefined) continue;
    let hooks: unknown;
    try {
      hooks = (JSON.parse(p.current) as { hooks?: unknown }).hooks;
    } catch {
      continue; // not JSON: nothing to learn from it
    }
    if (!hooks || typeof hooks !== "object" || Array.isArray(hooks) || Object.keys(hooks).length === 0)
      continue;
    out.push({
      role: p.role,
      rig: p.rig,
      label: p.target,
      path: p.path,
      hooks: normalized(hooks as HookSet),
    });
  }
  return out;
}

/** The entries every set holds, event by event (in the first set's order). */
function common(sets: HookSet[]): HookSet {
  const out: HookSet = {};
  const [first, ...rest] = sets;
  for (const [event, entries] of Object.entries(first ?? {})) {
    const shared = entries.filter((e) => rest.every((s) => (s[event] ?? []).some((o) => same(o, e))));
    if (shared.length) out[event] = shared;
  }
  return out;
}

/** What to lay over `under` to get `want`: changed entries, and removals for what `want` lacks. */
function overlay(under: HookSet, want: HookSet): HookSet {
  const out: HookSet = {};
  for (const [event, entries] of Object.entries(under))
    if (!(event in want)) out[event] = [];
    else {
      const gone = entries.filter((e) => !want[event]!.some((w) => w.matcher === e.matcher));
      if (gone.length) out[event] = gone.map((e): MatcherEntry => ({ matcher: e.matcher, hooks: [] }));
    }
  for (const [event, entries] of Object.entries(want)) {
    const changed = entries.filter((w) => !(under[event] ?? []).some((u) => same(u, w)));
    if (changed.length) out[event] = [...(out[event] ?? []), ...changed];
  }
  return out;
}

/** Plans (and unless dryRun, writes) the base and override layers from the settings files. */
export function initHookLayers(town: Town, env: NodeJS.ProcessEnv, dryRun: boolean): HooksInitResult {
  const baseFile = hookLayerFiles("crew", undefined, env)[0]!;
  if (existsSync(baseFile))
    throw new ConflictError(
      "exists",
      `the base hook layer already exists at ${baseFile} (gt hooks base to edit it)`,
    );
  const found = foundHooks(town, env);
  const baseHooks = common(found.map((f) => f.hooks));
  const diffs = found.map((f) => ({
    ...f,
    diff: overlay(mergeHookSets(defaultHooks(f.role), baseHooks), f.hooks),
  }));
  const overrides: HooksInitLayer[] = [];
  for (const role of [...new Set(diffs.map((d) => d.role))]) {
    const ofRole = diffs.filter((d) => d.role === role);
    const first = ofRole[0]!;
    if (ofRole.every((d) => same(d.diff, first.diff))) {
      // One layer for the role when every rig's copy differs from the base alike.
      if (Object.keys(first.diff).length)
        overrides.push({ target: role, file: hookLayerFiles(role, undefined, env)[1]!, hooks: first.diff });
      continue;
    }
    for (const d of ofRole)
      if (Object.keys(d.diff).length)
        overrides.push({
          target: d.label,
          file: hookLayerFiles(role, d.rig ?? undefined, env).at(-1)!,
          hooks: d.diff,
        });
  }
  const taken = overrides.find((o) => existsSync(o.file));
  if (taken)
    throw new ConflictError(
      "exists",
      `${taken.file} already exists (gt hooks override ${taken.target} to edit it)`,
    );
  const result: HooksInitResult = {
    dry_run: dryRun,
    sources: found.map((f) => f.path),
    base: { target: "base", file: baseFile, hooks: baseHooks },
    overrides,
    written: [],
  };
  if (dryRun) return result;
  for (const layer of [result.base, ...overrides]) {
    writeJsonFile(layer.file, { hooks: layer.hooks });
    result.written.push(layer.file);
  }
  return result;
}
