// bd setup's recipes: where each coding agent reads its standing instructions, and for the
// agents with session hooks, the hook that runs `bd prime` when a session starts. A recipe
// writes a whole file of its own, or a marked section inside a shared file (CLAUDE.md,
// AGENTS.md …), leaving everything else in that file as it was; remove takes out only what
// bd wrote, and check says what is missing.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const SECTION_BEGIN = "<!-- BEGIN BEADS INTEGRATION -->";
export const SECTION_END = "<!-- END BEADS INTEGRATION -->";
/** Marks whole files bd wrote, so remove never deletes a file someone else made. */
const FILE_MARK = "Written by bd setup";

export const INSTRUCTIONS = `# Issue tracking with bd (beads)

This project tracks its work in beads: \`bd\` on the command line, the ledger in \`.beads/\`
(\`issues.jsonl\` travels with git). Use it instead of TODO lists or markdown plans.

- \`bd ready\` shows open work nothing blocks; start there.
- \`bd show <id>\` before you begin; \`bd update <id> --claim\` to take it.
- \`bd create "title" -t bug|feature|task -p 0-4 -d "why"\` for anything you find along the way;
  link it with \`--deps discovered-from:<id>\`.
- \`bd close <id> --reason "what was done"\` when it is done; commit \`.beads/issues.jsonl\` with your code.
- Add \`--json\` to any command for output a program can read; \`bd prime\` prints this workflow in full.
`;

export type SetupFile =
  | { kind: "file"; path: string }
  | { kind: "section"; path: string }
  | { kind: "aider-conf"; path: string; read: string };

export interface SessionHook {
  path: string;
  event: string;
  command: string;
}

export interface Recipe {
  name: string;
  display: string;
  description: string;
  files: SetupFile[];
  hook?: SessionHook;
  builtin: boolean;
}

export interface RecipePlaces {
  project: string;
  home: string;
  codexHome?: string;
  global?: boolean;
  /** gemini: the hook in the project instead of the home directory. */
  projectOnly?: boolean;
}

const PRIME = "bd prime";

/** The built-in recipes with their paths resolved for this project and home. */
export function builtinRecipes(p: RecipePlaces): Recipe[] {
  const proj = (rel: string) => join(p.project, rel);
  const file = (name: string, display: string, rel: string): Recipe => ({
    name,
    display,
    description: `${display} rules file`,
    files: [{ kind: "file", path: proj(rel) }],
    builtin: true,
  });
  const agents = (name: string, display: string): Recipe => ({
    name,
    display,
    description: `${display} AGENTS.md section`,
    files: [{ kind: "section", path: proj("AGENTS.md") }],
    builtin: true,
  });
  const codexAgents = p.global ? join(p.codexHome || join(p.home, ".codex"), "AGENTS.md") : proj("AGENTS.md");
  return [
    file("cursor", "Cursor IDE", ".cursor/rules/beads.mdc"),
    file("windsurf", "Windsurf", ".windsurf/rules/beads.md"),
    file("cody", "Sourcegraph Cody", ".cody/rules/beads.md"),
    file("kilocode", "Kilo Code", ".kilocode/rules/beads.md"),
    {
      name: "claude",
      display: "Claude Code",
      description: "Claude Code hooks (SessionStart) and CLAUDE.md section",
      files: [{ kind: "section", path: proj("CLAUDE.md") }],
      hook: {
        path: p.global ? join(p.home, ".claude", "settings.json") : proj(".claude/settings.json"),
        event: "SessionStart",
        command: PRIME,
      },
      builtin: true,
    },
    {
      name: "gemini",
      display: "Gemini CLI",
      description: "Gemini CLI hooks (SessionStart) and GEMINI.md section",
      files: [{ kind: "section", path: proj("GEMINI.md") }],
      hook: {
        path: p.projectOnly ? proj(".gemini/settings.json") : join(p.home, ".gemini", "settings.json"),
        event: "SessionStart",
        command: PRIME,
      },
      builtin: true,
    },
    {
      name: "codex",
      display: "Codex CLI",
      description: "Codex CLI AGENTS.md guidance",
      files: [{ kind: "section", path: codexAgents }],
      builtin: true,
    },
    agents("factory", "Factory.ai (Droid)"),
    agents("mux", "Mux"),
    agents("opencode", "OpenCode"),
    {
      name: "copilot",
      display: "GitHub Copilot",
      description: "Copilot repository instructions section",
      files: [{ kind: "section", path: proj(".github/copilot-instructions.md") }],
      builtin: true,
    },
    {
      name: "junie",
      display: "Junie",
      description: "Junie guidelines section",
      files: [{ kind: "section", path: proj(".junie/guidelines.md") }],
      builtin: true,
    },
    {
      name: "aider",
      display: "Aider",
      description: "Aider config and instruction file",
      files: [
        { kind: "file", path: proj(".aider/BEADS.md") },
        { kind: "aider-conf", path: proj(".aider.conf.yml"), read: ".aider/BEADS.md" },
      ],
      builtin: true,
    },
  ];
}

function atomicWrite(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.bd-tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

function section(): string {
  return `${SECTION_BEGIN}\n${INSTRUCTIONS}${SECTION_END}\n`;
}

function withoutSection(text: string): { text: string; found: boolean } {
  const b = text.indexOf(SECTION_BEGIN);
  const e = text.indexOf(SECTION_END);
  if (b < 0 || e < b) return { text, found: false };
  const rest =
    text.slice(0, b).replace(/\n+$/, "\n") + text.slice(e + SECTION_END.length).replace(/^\n+/, "");
  return { text: rest.trim() === "" ? "" : rest, found: true };
}

function wholeFile(path: string): string {
  const body = path.endsWith(".mdc")
    ? `---\ndescription: Track work with bd (beads)\nalwaysApply: true\n---\n<!-- ${FILE_MARK} -->\n${INSTRUCTIONS}`
    : `<!-- ${FILE_MARK} -->\n${INSTRUCTIONS}`;
  return body;
}

type HookEntry = { matcher?: string; hooks?: Array<{ type?: string; command?: string }> };

function readSettings(path: string): Record<string, unknown> {
  const text = read(path);
  if (!text?.trim()) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`failed to parse ${path}: ${(e as Error).message}`);
  }
}

function hookEntries(settings: Record<string, unknown>, event: string): HookEntry[] {
  const hooks = (settings.hooks ?? {}) as Record<string, HookEntry[] | undefined>;
  return hooks[event] ?? [];
}

export function hasHook(h: SessionHook): boolean {
  if (!existsSync(h.path)) return false;
  return hookEntries(readSettings(h.path), h.event).some((e) =>
    e.hooks?.some((x) => x.command === h.command),
  );
}

export interface FileState {
  path: string;
  present: boolean;
}

/** Which of the recipe's files and hook are in place. */
export function checkRecipe(r: Recipe): { installed: boolean; files: FileState[]; hook?: FileState } {
  const files = r.files.map((f) => {
    const text = read(f.path);
    const present =
      text !== undefined &&
      (f.kind === "section"
        ? text.includes(SECTION_BEGIN)
        : f.kind === "aider-conf"
          ? text.includes(f.read)
          : true);
    return { path: f.path, present };
  });
  const hook = r.hook ? { path: r.hook.path, present: hasHook(r.hook) } : undefined;
  return { installed: files.every((f) => f.present) && (hook?.present ?? true), files, hook };
}

/** Writes the recipe's files and hook; the paths written. */
export function installRecipe(r: Recipe): string[] {
  const written: string[] = [];
  for (const f of r.files) {
    const text = read(f.path);
    if (f.kind === "file") atomicWrite(f.path, wholeFile(f.path));
    else if (f.kind === "section") {
      const clean = text === undefined ? "" : withoutSection(text).text;
      atomicWrite(f.path, clean.trim() ? `${clean.replace(/\n*$/, "\n\n")}${section()}` : section());
    } else if (text === undefined) atomicWrite(f.path, `# ${FILE_MARK}\nread: ${f.read}\n`);
    else if (!text.includes(f.read)) {
      if (/^read:/m.test(text))
        throw new Error(`${f.path} already has a read: entry; add ${f.read} to it by hand`);
      atomicWrite(f.path, `${text.replace(/\n*$/, "\n")}read: ${f.read}\n`);
    }
    written.push(f.path);
  }
  if (r.hook) {
    const h = r.hook;
    const settings = readSettings(h.path);
    const hooks = (settings.hooks ?? {}) as Record<string, HookEntry[]>;
    const entries = hooks[h.event] ?? [];
    if (!entries.some((e) => e.hooks?.some((x) => x.command === h.command)))
      entries.push({ matcher: "", hooks: [{ type: "command", command: h.command }] });
    hooks[h.event] = entries;
    settings.hooks = hooks;
    atomicWrite(h.path, `${JSON.stringify(settings, null, 2)}\n`);
    written.push(h.path);
  }
  return written;
}

/** Takes out what the recipe wrote (never a file or line someone else made); the paths changed. */
export function removeRecipe(r: Recipe): string[] {
  const changed: string[] = [];
  for (const f of r.files) {
    const text = read(f.path);
    if (text === undefined) continue;
    if (f.kind === "file") {
      if (!text.includes(FILE_MARK)) continue;
      rmSync(f.path);
    } else if (f.kind === "section") {
      const { text: rest, found } = withoutSection(text);
      if (!found) continue;
      if (rest === "") rmSync(f.path);
      else atomicWrite(f.path, rest);
    } else {
      const lines = text
        .split("\n")
        .filter((l) => l.trim() !== `read: ${f.read}` && l.trim() !== `# ${FILE_MARK}`);
      if (lines.join("\n") === text) continue;
      if (lines.every((l) => l.trim() === "")) rmSync(f.path);
      else atomicWrite(f.path, lines.join("\n"));
    }
    changed.push(f.path);
  }
  if (r.hook && existsSync(r.hook.path)) {
    const h = r.hook;
    const settings = readSettings(h.path);
    const hooks = (settings.hooks ?? {}) as Record<string, HookEntry[]>;
    const before = JSON.stringify(hooks[h.event] ?? []);
    const kept = (hooks[h.event] ?? [])
      .map((e) => ({ ...e, hooks: (e.hooks ?? []).filter((x) => x.command !== h.command) }))
      .filter((e) => e.hooks.length > 0);
    if (JSON.stringify(kept) !== before) {
      if (kept.length > 0) hooks[h.event] = kept;
      else delete hooks[h.event];
      settings.hooks = hooks;
      atomicWrite(h.path, `${JSON.stringify(settings, null, 2)}\n`);
      changed.push(h.path);
    }
  }
  return changed;
}

/** User recipes kept in .beads/recipes.json: a name and the file it writes. */
export function userRecipes(beadsDir: string | undefined, project: string): Recipe[] {
  if (!beadsDir) return [];
  const text = read(join(beadsDir, "recipes.json"));
  if (!text) return [];
  const saved = JSON.parse(text) as Record<string, { path: string }>;
  return Object.entries(saved).map(([name, r]) => ({
    name,
    display: name,
    description: `custom: ${r.path}`,
    files: [{ kind: "file" as const, path: join(project, r.path) }],
    builtin: false,
  }));
}

export function saveUserRecipe(beadsDir: string, name: string, path: string): void {
  const file = join(beadsDir, "recipes.json");
  const saved = JSON.parse(read(file) ?? "{}") as Record<string, { path: string }>;
  saved[name] = { path };
  atomicWrite(file, `${JSON.stringify(saved, null, 2)}\n`);
}

export function writeInstructions(path: string): void {
  atomicWrite(path, INSTRUCTIONS);
}
