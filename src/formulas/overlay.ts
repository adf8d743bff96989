// Formula overlays (Gas Town's formula-overlays/): per-formula step overrides a town or a rig
// keeps without forking the formula. `<town>/formula-overlays/<formula>.toml` or
// `<town>/<rig>/formula-overlays/<formula>.toml`, the rig's winning whole (never merged):
//
//   [[step-overrides]]
//   step_id = "test"
//   mode = "append"          # replace | append | skip
//   description = "Also run the e2e suite."
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { GasTownError } from "../errors.ts";

export const OVERLAY_DIR = "formula-overlays";
export const OVERLAY_MODES = ["replace", "append", "skip"] as const;
export type OverlayMode = (typeof OVERLAY_MODES)[number];

export interface StepOverride {
  step_id: string;
  mode: OverlayMode;
  description?: string;
}

export interface LoadedOverlay {
  formula: string;
  scope: "town" | "rig";
  rig: string | null;
  path: string;
  overrides: StepOverride[];
}

export class OverlayError extends GasTownError {
  constructor(message: string) {
    super("invalid_overlay", message);
  }
}

export function overlayPath(townRoot: string, formula: string, rig?: string | null): string {
  return rig
    ? join(townRoot, rig, OVERLAY_DIR, `${formula}.toml`)
    : join(townRoot, OVERLAY_DIR, `${formula}.toml`);
}

/** Checks a formula name is a plain file name (no path in it). */
export function checkFormulaName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith(".toml"))
    throw new OverlayError(`invalid formula name "${name}": letters, digits, . _ - (no path, no .toml)`);
  return name;
}

/** Parses an overlay file's text; every problem names the file and the entry. */
export function parseOverlay(text: string, path: string): StepOverride[] {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new OverlayError(`${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  const raw = doc["step-overrides"] ?? [];
  if (!Array.isArray(raw)) throw new OverlayError(`${path}: step-overrides must be an array of tables`);
  return raw.map((o, i) => {
    const entry = o as Record<string, unknown>;
    const id = entry.step_id;
    if (typeof id !== "string" || id === "")
      throw new OverlayError(`${path}: step-overrides[${i}]: step_id is required`);
    const mode = entry.mode;
    if (typeof mode !== "string" || !(OVERLAY_MODES as readonly string[]).includes(mode))
      throw new OverlayError(
        `${path}: step-overrides[${i}] (step_id="${id}"): invalid mode "${String(mode)}" (must be replace, append, or skip)`,
      );
    const description = entry.description;
    if (description !== undefined && typeof description !== "string")
      throw new OverlayError(`${path}: step-overrides[${i}] (step_id="${id}"): description must be a string`);
    if (mode !== "skip" && description === undefined)
      throw new OverlayError(`${path}: step-overrides[${i}] (step_id="${id}"): ${mode} needs a description`);
    return { step_id: id, mode: mode as OverlayMode, ...(description !== undefined ? { description } : {}) };
  });
}

function loadFile(path: string, formula: string, rig: string | null): LoadedOverlay | null {
  if (!existsSync(path)) return null;
  return {
    formula,
    scope: rig ? "rig" : "town",
    rig,
    path,
    overrides: parseOverlay(readFileSync(path, "utf8"), path),
  };
}

/** The overlay in force for `formula` in `rig` (the rig's file, else the town's), or null. */
export function loadOverlay(townRoot: string, formula: string, rig?: string | null): LoadedOverlay | null {
  checkFormulaName(formula);
  return (
    (rig ? loadFile(overlayPath(townRoot, formula, rig), formula, rig) : null) ??
    loadFile(overlayPath(townRoot, formula), formula, null)
  );
}

export interface OverlayStep {
  id: string;
  title?: string;
  description?: string;
  needs?: string[];
}

/**
 * The steps with the overrides applied: replace swaps a description, append adds to it, skip
 * removes the step (whatever needed it inherits its needs). Overrides naming no step are
 * returned as warnings (a stale overlay).
 */
export function applyOverlay<T extends OverlayStep>(
  steps: T[],
  overrides: StepOverride[],
): { steps: T[]; warnings: string[] } {
  let out = steps.map((s) => ({ ...s, ...(s.needs ? { needs: [...s.needs] } : {}) }));
  const warnings: string[] = [];
  for (const o of overrides) {
    const step = out.find((s) => s.id === o.step_id);
    if (!step) {
      warnings.push(`overlay references unknown step "${o.step_id}" (stale override)`);
      continue;
    }
    if (o.mode === "replace") step.description = o.description ?? "";
    else if (o.mode === "append") step.description = `${step.description ?? ""}\n${o.description ?? ""}`;
    else {
      out = out.filter((s) => s !== step);
      for (const s of out)
        if (s.needs?.includes(step.id))
          s.needs = [...new Set(s.needs.flatMap((n) => (n === step.id ? (step.needs ?? []) : [n])))];
    }
  }
  return { steps: out, warnings };
}

export interface OverlayFile {
  scope: "town" | "rig";
  rig: string | null;
  formula: string;
  path: string;
}

/** Every overlay file of the town and of `rigs`, town first. */
export function listOverlays(townRoot: string, rigs: string[]): OverlayFile[] {
  const out: OverlayFile[] = [];
  const scan = (dir: string, rig: string | null) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort())
      if (f.endsWith(".toml"))
        out.push({
          scope: rig ? "rig" : "town",
          rig,
          formula: f.slice(0, -".toml".length),
          path: join(dir, f),
        });
  };
  scan(join(townRoot, OVERLAY_DIR), null);
  for (const rig of [...rigs].sort()) scan(join(townRoot, rig, OVERLAY_DIR), rig);
  return out;
}

/** What `gt formula overlay edit` starts a new file with: the format, every line a comment. */
export function overlayStarter(formula: string, stepIds: string[]): string {
  return [
    `# Step overrides for formula ${formula}.`,
    "# Each [[step-overrides]] changes one step: mode = replace | append | skip.",
    ...(stepIds.length > 0 ? [`# Steps: ${stepIds.join(", ")}`] : []),
    "#",
    "# [[step-overrides]]",
    `# step_id = "${stepIds[0] ?? "step-id"}"`,
    '# mode = "append"',
    '# description = "What to add to the step."',
    "",
  ].join("\n");
}
