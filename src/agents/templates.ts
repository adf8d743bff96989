// Role templates: the Markdown `gt prime` prints to tell an agent who it is and how to work.
// Built-in templates ship in templates/roles/<role>.md; a town may replace one with its own
// <town>/roles/<role>.md. Placeholders are `{{name}}`, filled from a fixed set of variables.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { templatesDir } from "../package-paths.ts";
import type { RoleName } from "../town/roles.ts";

export const TEMPLATE_VARS = [
  "town_name",
  "town_root",
  "address",
  "role",
  "rig",
  "name",
  "work_dir",
  "session",
  "default_branch",
  "agent",
] as const;
export type TemplateVar = (typeof TEMPLATE_VARS)[number];
export type TemplateVars = Record<TemplateVar, string>;

export interface RoleTemplate {
  text: string;
  /** The file it came from (a town override or the built-in). */
  path: string;
  override: boolean;
}

export function builtinTemplatePath(role: RoleName): string {
  return join(templatesDir(), "roles", `${role}.md`);
}

export function townTemplatePath(townRoot: string, role: RoleName): string {
  return join(townRoot, "roles", `${role}.md`);
}

/** The role's template text: the town's own copy when it has one, else the built-in. */
export function loadRoleTemplate(role: RoleName, townRoot?: string): RoleTemplate {
  const own = townRoot ? townTemplatePath(townRoot, role) : undefined;
  if (own && existsSync(own)) return { text: readFileSync(own, "utf8"), path: own, override: true };
  const path = builtinTemplatePath(role);
  return { text: readFileSync(path, "utf8"), path, override: false };
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Fills `{{var}}` placeholders. An unknown name is an error rather than an empty string:
 * a typo in a template would otherwise silently drop facts the agent depends on.
 */
export function renderTemplate(text: string, vars: Partial<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_m, key: string) => {
    const value = Object.hasOwn(vars, key) ? vars[key] : undefined;
    if (value === undefined) {
      throw new ValidationError(
        `unknown template placeholder {{${key}}} (known: ${Object.keys(vars).sort().join(", ")})`,
      );
    }
    return value;
  });
}
