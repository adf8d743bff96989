// Role directives: operator policy text for a role, in <town>/directives/<role>.md (every
// rig) and <town>/<rig>/directives/<role>.md (one rig). gt prime shows both, the town's first
// and the rig's appended after it, so the rig has the last word.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ValidationError } from "../errors.ts";
import { isRoleName, ROLE_NAMES, type RoleName } from "../town/roles.ts";
import type { Town } from "../town/workspace.ts";

export interface DirectiveFile {
  scope: "town" | "rig";
  rig: string | null;
  role: string;
  path: string;
}

export interface Directive {
  role: RoleName;
  rig: string | null;
  /** The files that exist, town first. */
  sources: DirectiveFile[];
  /** What gt prime shows: the town's text, then the rig's. */
  text: string;
}

export function checkRole(role: string): RoleName {
  if (!isRoleName(role))
    throw new ValidationError(`unknown role "${role}" (roles: ${ROLE_NAMES.join(", ")})`);
  return role;
}

export function directivePath(town: Town, role: RoleName, rig?: string | null): string {
  return rig ? join(town.rigDir(rig), "directives", `${role}.md`) : town.path("directives", `${role}.md`);
}

/** The directive a role gets in `rig` (or town-wide only, without one). */
export function readDirective(town: Town, role: RoleName, rig?: string | null): Directive {
  const candidates: DirectiveFile[] = [{ scope: "town", rig: null, role, path: directivePath(town, role) }];
  if (rig) candidates.push({ scope: "rig", rig, role, path: directivePath(town, role, rig) });
  const sources = candidates.filter((f) => existsSync(f.path));
  const text = sources
    .map((f) => readFileSync(f.path, "utf8").trim())
    .filter(Boolean)
    .join("\n\n");
  return { role, rig: rig ?? null, sources, text };
}

/** Every directive file in the town and its rigs (files named after no role are left out). */
export function listDirectives(town: Town): DirectiveFile[] {
  const out: DirectiveFile[] = [];
  const scan = (dir: string, rig: string | null) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      const role = f.replace(/\.md$/, "");
      if (f.endsWith(".md") && isRoleName(role))
        out.push({ scope: rig ? "rig" : "town", rig, role, path: join(dir, f) });
    }
  };
  scan(town.path("directives"), null);
  for (const rig of town.rigNames()) scan(join(town.rigDir(rig), "directives"), rig);
  return out;
}

/** Makes the directive file (with a heading to start from) when it is missing; true if made. */
export function ensureDirectiveFile(path: string, role: RoleName, rig: string | null): boolean {
  if (existsSync(path)) return false;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `# ${role} directive${rig ? ` (rig ${rig})` : " (town)"}\n\n`);
  return true;
}
