// A rig's polecat name pool as configured in its settings/config.json (`namepool.style`, a
// built-in theme, or `namepool.names`, its own list): shown, switched and extended by
// gt namepool. Names in use are the polecat directories (src/work/polecats.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { checkNameLength, DEFAULT_THEME, RESERVED_NAMES, themeMembers, themeNames } from "./namepool.ts";
import { polecatNames } from "./roster.ts";
import { loadRigSettings, saveRigSettings } from "./settings.ts";
import type { Town } from "./workspace.ts";

export interface RigPool {
  rig: string;
  theme: string;
  /** The rig lists its own names (namepool.names) instead of the theme's. */
  custom: boolean;
  names: string[];
  in_use: string[];
}

/** The town's own themes: settings/themes/<theme>.txt, one name a line. */
function themesDir(town: Town): string {
  return join(town.root, "settings", "themes");
}

export function customThemeNames(town: Town): string[] {
  const dir = themesDir(town);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** A theme's names: built-in, else the town's own; undefined when there is no such theme. */
export function themeNamesOf(town: Town, theme: string): string[] | undefined {
  const builtin = themeMembers(theme);
  if (builtin) return [...builtin];
  const file = join(themesDir(town), `${theme}.txt`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(theme) || !existsSync(file)) return undefined;
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

function unknownTheme(town: Town, theme: string): ValidationError {
  const all = [...themeNames(), ...customThemeNames(town)];
  return new ValidationError(`unknown theme "${theme}" (themes: ${all.join(", ")})`);
}

function checkPoolName(raw: string): string {
  const name = raw.trim().toLowerCase();
  checkNameLength(name, "polecat");
  if (!/^[a-z0-9][a-z0-9_]*$/.test(name) || RESERVED_NAMES.has(name))
    throw new ValidationError(
      `invalid polecat name "${raw}": lowercase letters, digits and _ only, not a role name`,
    );
  return name;
}

/** Creates a town theme (settings/themes/<theme>.txt); a built-in or existing name is refused. */
export function createTheme(town: Town, theme: string, names: string[]): { theme: string; names: string[] } {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(theme))
    throw new ValidationError(`invalid theme name "${theme}": lowercase letters, digits and - only`);
  if (themeNamesOf(town, theme)) throw new ConflictError("exists", `theme "${theme}" already exists`);
  const list = [...new Set(names.map(checkPoolName))];
  if (list.length === 0) throw new ValidationError("a theme needs at least one name");
  mkdirSync(themesDir(town), { recursive: true });
  writeFileSync(join(themesDir(town), `${theme}.txt`), `${list.join("\n")}\n`);
  return { theme, names: list };
}

/** Deletes a town theme; refused for built-in themes and for one a rig still names from. */
export function deleteTheme(town: Town, theme: string): { theme: string } {
  if (themeMembers(theme)) throw new ValidationError(`${theme} is built in: it cannot be deleted`);
  if (!themeNamesOf(town, theme)) throw new NotFoundError(theme, `no theme "${theme}" in this town`);
  const users = town.rigNames().filter((r) => loadRigSettings(town.rigDir(r)).namepool?.style === theme);
  if (users.length)
    throw new ConflictError(
      "in_use",
      `theme "${theme}" is used by ${users.join(", ")}: gt namepool set <theme> there first`,
    );
  rmSync(join(themesDir(town), `${theme}.txt`));
  return { theme };
}

/** The names a rig's new polecats are drawn from (its own list, else its theme's). */
export function poolNames(town: Town, rig: string): string[] {
  const ns = loadRigSettings(town.rigDir(rig)).namepool;
  return ns?.names ?? themeNamesOf(town, ns?.style ?? DEFAULT_THEME) ?? [];
}

export function rigPool(town: Town, rig: string): RigPool {
  const name = town.rig(rig).name;
  const ns = loadRigSettings(town.rigDir(name)).namepool;
  const theme = ns?.style ?? DEFAULT_THEME;
  const names = poolNames(town, name);
  return {
    rig: name,
    theme,
    custom: ns?.names !== undefined,
    names,
    in_use: polecatNames(town, name).sort(),
  };
}

/** Switches the rig to a theme (built-in or the town's); a list of its own names is dropped (the theme would not show otherwise). */
export function setRigTheme(town: Town, rig: string, theme: string): RigPool {
  if (!themeNamesOf(town, theme)) throw unknownTheme(town, theme);
  const dir = town.rigDir(town.rig(rig).name);
  const s = loadRigSettings(dir);
  const { names: _dropped, ...rest } = s.namepool ?? {};
  saveRigSettings(dir, { ...s, namepool: { ...rest, style: theme } });
  return rigPool(town, rig);
}

/** Adds a name to the rig's pool (starting its own list from the theme's names). */
export function addPoolName(town: Town, rig: string, raw: string): { pool: RigPool; added: boolean } {
  const name = raw.trim().toLowerCase();
  checkNameLength(name, "polecat");
  if (!/^[a-z0-9][a-z0-9_]*$/.test(name) || RESERVED_NAMES.has(name))
    throw new ValidationError(
      `invalid polecat name "${raw}": lowercase letters, digits and _ only, not a role name`,
    );
  const current = rigPool(town, rig);
  if (current.names.includes(name)) return { pool: current, added: false };
  const dir = town.rigDir(current.rig);
  const s = loadRigSettings(dir);
  saveRigSettings(dir, { ...s, namepool: { ...(s.namepool ?? {}), names: [...current.names, name] } });
  return { pool: rigPool(town, rig), added: true };
}
