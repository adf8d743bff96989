// A rig's polecat name pool as configured in its settings/config.json (`namepool.style`, a
// built-in theme, or `namepool.names`, its own list): shown, switched and extended by
// gt namepool. Names in use are the polecat directories (src/work/polecats.ts).
import { ValidationError } from "../errors.ts";
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

export function rigPool(town: Town, rig: string): RigPool {
  const name = town.rig(rig).name;
  const ns = loadRigSettings(town.rigDir(name)).namepool;
  const theme = ns?.style ?? DEFAULT_THEME;
  const names = ns?.names ?? [...(themeMembers(theme) ?? [])];
  return {
    rig: name,
    theme,
    custom: ns?.names !== undefined,
    names,
    in_use: polecatNames(town, name).sort(),
  };
}

/** Switches the rig to a built-in theme; a list of its own names is dropped (the theme would not show otherwise). */
export function setRigTheme(town: Town, rig: string, theme: string): RigPool {
  if (!themeMembers(theme))
    throw new ValidationError(`unknown theme "${theme}" (themes: ${themeNames().join(", ")})`);
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
