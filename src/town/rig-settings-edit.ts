// gt rig settings show/set/unset: a rig's settings/config.json edited by key path
// (`namepool.style`, `merge_queue.test_command`). A change that would leave the file
// invalid is refused before anything is written.
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { parseJson } from "./json-file.ts";
import { loadRigSettings, type RigSettings, rigSettingsSchema, saveRigSettings } from "./settings.ts";
import type { Town } from "./workspace.ts";

/** Keys the file's own bookkeeping owns. */
const FIXED = new Set(["type", "version"]);

function pathOf(keyPath: string): string[] {
  const parts = keyPath.split(".");
  if (parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p)))
    throw new ValidationError(`invalid key path "${keyPath}" (dot-separated keys, e.g. namepool.style)`);
  if (FIXED.has(parts[0]!)) throw new ValidationError(`${parts[0]} is the file's own; it cannot be set`);
  return parts;
}

/** A value as typed: JSON when it parses (numbers, true, lists, objects), else the text. */
export function settingValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function fileOf(town: Town, rig: string): { dir: string; file: string } {
  const dir = town.rigDir(town.rig(rig).name);
  return { dir, file: join(dir, "settings", "config.json") };
}

export function rigSettings(town: Town, rig: string): RigSettings {
  return loadRigSettings(fileOf(town, rig).dir);
}

/** The value at a key path; undefined when it is not set. */
export function rigSetting(town: Town, rig: string, keyPath: string): unknown {
  let cur: unknown = rigSettings(town, rig);
  for (const k of keyPath.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function edit(town: Town, rig: string, change: (s: Record<string, unknown>) => void): RigSettings {
  const { dir, file } = fileOf(town, rig);
  const next = structuredClone(loadRigSettings(dir)) as Record<string, unknown>;
  change(next);
  // Validated as the file would be read back: a bad value is refused, the file untouched.
  const valid = parseJson(file, JSON.stringify(next), rigSettingsSchema);
  saveRigSettings(dir, valid);
  return valid;
}

export function setRigSetting(town: Town, rig: string, keyPath: string, value: unknown): RigSettings {
  const parts = pathOf(keyPath);
  return edit(town, rig, (s) => {
    let cur = s;
    for (const k of parts.slice(0, -1)) {
      const v = cur[k];
      if (v !== undefined && (v === null || typeof v !== "object" || Array.isArray(v)))
        throw new ValidationError(`${keyPath}: ${k} holds a value, not a group of settings`);
      cur[k] ??= {};
      cur = cur[k] as Record<string, unknown>;
    }
    cur[parts.at(-1)!] = value;
  });
}

export function unsetRigSetting(town: Town, rig: string, keyPath: string): RigSettings {
  const parts = pathOf(keyPath);
  return edit(town, rig, (s) => {
    let cur: Record<string, unknown> | undefined = s;
    for (const k of parts.slice(0, -1)) {
      const v: unknown = cur?.[k];
      cur = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    }
    const last = parts.at(-1)!;
    if (!cur || !(last in cur)) throw new ValidationError(`${keyPath} is not set`);
    delete cur[last];
  });
}
