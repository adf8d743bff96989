// A rig's tmux theme (gt theme): the colours of its sessions' status line, so a glance tells
// which rig a window belongs to. Stored in the rig's settings/config.json under `theme`
// ({name} or {disabled: true} or {custom: {bg, fg}}); a rig with none gets a palette entry
// picked from a hash of its name, so it keeps the same colours across machines. The mayor's
// session keeps the terminal's own colours and the deacon has one of its own.
import { createHash } from "node:crypto";
import { townSocketName } from "../adapters/tmux.ts";
import { sessionNames, setStatusStyle } from "../adapters/tmux-client.ts";
import { ValidationError } from "../errors.ts";
import { rigSettings, setRigSetting } from "./rig-settings-edit.ts";
import { ROLES } from "./roles.ts";
import { sessionOwner } from "./session-cycle.ts";
import type { Town } from "./workspace.ts";

export interface TmuxTheme {
  name: string;
  bg: string;
  fg: string;
}

export const THEME_PALETTE: readonly TmuxTheme[] = [
  { name: "ocean", bg: "#1f3b5c", fg: "#e2e2e2" },
  { name: "forest", bg: "#2c5b3e", fg: "#e2e2e2" },
  { name: "rust", bg: "#8a4615", fg: "#f4f1dc" },
  { name: "plum", bg: "#4b3152", fg: "#e2e2e2" },
  { name: "slate", bg: "#4a5567", fg: "#e2e2e2" },
  { name: "ember", bg: "#b23b02", fg: "#f4f1dc" },
  { name: "midnight", bg: "#1b1b2f", fg: "#c2c2c2" },
  { name: "wine", bg: "#712f38", fg: "#f4f1dc" },
  { name: "teal", bg: "#0e5b63", fg: "#e2e2e2" },
  { name: "copper", bg: "#6c4d42", fg: "#f4f1dc" },
];

export const MAYOR_THEME: TmuxTheme = { name: "mayor", bg: "default", fg: "default" };
export const DEACON_THEME: TmuxTheme = { name: "deacon", bg: "#2e203e", fg: "#c1b1d1" };

export function themeStyle(t: { bg: string; fg: string }): string {
  return `bg=${t.bg},fg=${t.fg}`;
}

export function themeByName(name: string): TmuxTheme | undefined {
  return THEME_PALETTE.find((t) => t.name === name);
}

/** The palette entry a rig gets when it has chosen none. */
export function autoTheme(rig: string): TmuxTheme {
  const n = createHash("sha256").update(rig).digest().readUInt32BE(0);
  return THEME_PALETTE[n % THEME_PALETTE.length]!;
}

export type ThemeSource = "configured" | "auto" | "disabled" | "custom";

export interface RigTheme {
  rig: string;
  /** null when theming is off for the rig. */
  theme: TmuxTheme | null;
  source: ThemeSource;
}

interface StoredTheme {
  name?: unknown;
  disabled?: unknown;
  custom?: { bg?: unknown; fg?: unknown };
}

/** What the rig's sessions are coloured with, and why. */
export function rigTheme(town: Town, rig: string): RigTheme {
  const stored = (rigSettings(town, rig) as { theme?: StoredTheme }).theme;
  if (stored?.disabled === true) return { rig, theme: null, source: "disabled" };
  const c = stored?.custom;
  if (c && typeof c.bg === "string" && typeof c.fg === "string")
    return { rig, theme: { name: "custom", bg: c.bg, fg: c.fg }, source: "custom" };
  if (typeof stored?.name === "string") {
    const t = themeByName(stored.name);
    if (t) return { rig, theme: t, source: "configured" };
  }
  return { rig, theme: autoTheme(rig), source: "auto" };
}

/** Sets the rig's theme by palette name, or "none" to turn theming off for it. */
export function setRigTheme(town: Town, rig: string, name: string): RigTheme {
  const off = name.toLowerCase() === "none";
  if (!off && !themeByName(name))
    throw new ValidationError(
      `unknown theme "${name}" (themes: ${THEME_PALETTE.map((t) => t.name).join(", ")}, none)`,
    );
  const prev = (rigSettings(town, rig) as { theme?: Record<string, unknown> }).theme ?? {};
  // Other keys under theme (per-role choices someone wrote by hand) stay.
  const { custom: _custom, name: _name, disabled: _disabled, ...rest } = prev;
  setRigSetting(town, rig, "theme", off ? { ...rest, disabled: true } : { ...rest, name });
  return rigTheme(town, rig);
}

export interface AppliedTheme {
  session: string;
  rig: string | null;
  /** The status-style set, or null when the session was put back to tmux's default. */
  style: string | null;
  theme: string | null;
}

/**
 * Colours the running sessions of `rigs` (and, with `town`, the mayor's and deacon's) on the
 * town's tmux server; returns what was done to each.
 */
export async function applyThemes(
  town: Town,
  rigs: string[],
  opts: { includeTown: boolean; env?: NodeJS.ProcessEnv },
): Promise<AppliedTheme[]> {
  const socket = townSocketName(town.root, opts.env);
  const themes = new Map(rigs.map((r) => [r, rigTheme(town, r).theme]));
  const out: AppliedTheme[] = [];
  for (const session of (await sessionNames(socket)).sort()) {
    const owner = sessionOwner(town, session);
    if (!owner) continue;
    if (owner.rig === null ? !opts.includeTown : !themes.has(owner.rig)) continue;
    const theme = owner.rig === null ? townTheme(session) : themes.get(owner.rig)!;
    out.push(await colour(socket, session, owner.rig, theme));
  }
  return out;
}

/** The mayor's or the deacon's own colours. */
function townTheme(session: string): TmuxTheme {
  return session === ROLES.mayor.session ? MAYOR_THEME : DEACON_THEME;
}

async function colour(
  socket: string,
  session: string,
  rig: string | null,
  theme: TmuxTheme | null,
): Promise<AppliedTheme> {
  const style = theme ? themeStyle(theme) : null;
  await setStatusStyle(socket, session, style ?? undefined);
  return { session, rig, style, theme: theme?.name ?? null };
}

/**
 * Colours one session of the town as `gt theme apply` would (a session gt just started):
 * its rig's theme, or the mayor's or deacon's; undefined for a session that is not the town's.
 */
export async function applySessionTheme(
  town: Town,
  session: string,
  env?: NodeJS.ProcessEnv,
): Promise<AppliedTheme | undefined> {
  const owner = sessionOwner(town, session);
  if (!owner) return undefined;
  const theme = owner.rig === null ? townTheme(session) : rigTheme(town, owner.rig).theme;
  return colour(townSocketName(town.root, env), session, owner.rig, theme);
}
