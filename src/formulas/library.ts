// Finding formulas: a list of directories searched in order (the first holding a name wins)
// and a cache of what was loaded, so extends, expansions and aspects read each file once.
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { FormulaError, JSON_SUFFIX, type LoadedFormula, readFormulaFile, TOML_SUFFIX } from "./parse.ts";

export interface SearchPathPlaces {
  /** The .beads directory of the rig (or repository) the command runs in, after redirects. */
  rigBeadsDir?: string | undefined;
  /** The town's root. */
  townRoot?: string | undefined;
  /** The user's home; defaults to os.homedir(). */
  home?: string | undefined;
  /** The formulas shipped with this package. */
  builtin: string;
}

/**
 * The directories searched for formulas, highest first: the rig's .beads/formulas, the
 * town's, ~/.beads/formulas, the built-ins. Duplicates (a command run at the town root)
 * appear once.
 */
export function formulaSearchPath(places: SearchPathPlaces): string[] {
  const dirs = [
    places.rigBeadsDir && join(places.rigBeadsDir, "formulas"),
    places.townRoot && join(places.townRoot, ".beads", "formulas"),
    join(places.home ?? homedir(), ".beads", "formulas"),
    places.builtin,
  ].filter((d): d is string => Boolean(d));
  return [...new Set(dirs.map((d) => resolve(d)))];
}

/** The formula name a file holds by its file name (`mol-x.formula.toml` → `mol-x`). */
export function formulaNameOfFile(file: string): string | undefined {
  const base = basename(file);
  for (const suffix of [TOML_SUFFIX, JSON_SUFFIX])
    if (base.endsWith(suffix)) return base.slice(0, -suffix.length);
  return undefined;
}

export interface ListedFormula {
  name: string;
  loaded?: LoadedFormula;
  /** Why the file could not be loaded (it is still listed, so a broken file is seen). */
  error?: string;
  file: string;
  /** The search directory it was found in. */
  dir: string;
}

export class FormulaLibrary {
  readonly dirs: readonly string[];
  private readonly byFile = new Map<string, LoadedFormula>();

  constructor(dirs: readonly string[]) {
    this.dirs = dirs;
  }

  /** The file that holds `name`, highest directory first; TOML before JSON in one directory. */
  find(name: string): string | undefined {
    for (const dir of this.dirs) {
      for (const suffix of [TOML_SUFFIX, JSON_SUFFIX]) {
        const file = join(dir, name + suffix);
        if (existsSync(file)) return file;
      }
    }
    return undefined;
  }

  loadFile(file: string): LoadedFormula {
    const key = resolve(file);
    let loaded = this.byFile.get(key);
    if (!loaded) {
      loaded = readFormulaFile(file);
      this.byFile.set(key, loaded);
    }
    return loaded;
  }

  /** Loads a formula by name; `mol-x` also finds `x` and `x` finds `mol-x` (Gas Town's habit). */
  load(name: string): LoadedFormula {
    const file =
      this.find(name) ?? (name.startsWith("mol-") ? this.find(name.slice(4)) : this.find(`mol-${name}`));
    if (!file)
      throw new FormulaError(name, undefined, `no formula named "${name}" in ${this.dirs.join(", ")}`);
    return this.loadFile(file);
  }

  /** A name from the search path, or a path to a file when the argument looks like one. */
  loadNameOrPath(arg: string, cwd: string): LoadedFormula {
    const looksLikePath = arg.includes("/") || arg.endsWith(TOML_SUFFIX) || arg.endsWith(JSON_SUFFIX);
    if (looksLikePath || (existsSync(resolve(cwd, arg)) && formulaNameOfFile(arg))) {
      const file = resolve(cwd, arg);
      if (existsSync(file)) return this.loadFile(file);
      if (arg.includes("/")) throw new FormulaError(arg, undefined, "no such file");
    }
    return this.load(arg);
  }

  /**
   * Every formula file on the search path, one per name (the highest directory wins), in
   * name order. A file that fails to load is listed with its error.
   */
  list(): ListedFormula[] {
    const seen = new Map<string, ListedFormula>();
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const entry of names) {
        const byFileName = formulaNameOfFile(entry);
        if (!byFileName) continue;
        const file = join(dir, entry);
        let item: ListedFormula;
        try {
          const loaded = this.loadFile(file);
          item = { name: loaded.formula.formula, loaded, file, dir };
        } catch (e) {
          item = { name: byFileName, error: (e as Error).message, file, dir };
        }
        if (!seen.has(item.name)) seen.set(item.name, item);
      }
    }
    return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
