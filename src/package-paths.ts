// Where this package's own files are: the gt/bd launchers agents call by absolute path,
// and the role templates. Works from the bundled dist/*.cjs and from the .ts sources.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

let root: string | undefined;

/** The package root (the directory holding package.json and bin/). */
export function packageRoot(): string {
  if (root) return root;
  // In the ESM sources this file's own path; in the CommonJS bundle tsup.config.ts defines
  // import.meta.filename as __filename, i.e. dist/gt.cjs (or dist/bd.cjs).
  const here = import.meta.filename;
  let dir = dirname(here);
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "bin", "gt"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the gt package root above ${here}`);
    dir = up;
  }
  root = dir;
  return dir;
}

/** Absolute path of the gt launcher (what agents and hooks call). */
export function gtExecutable(): string {
  return process.env.GT_BIN || join(packageRoot(), "bin", "gt");
}

export function bdExecutable(): string {
  return join(packageRoot(), "bin", "bd");
}

export function templatesDir(): string {
  return join(packageRoot(), "templates");
}

/** The built-in formulas shipped with the package (the last directory of the search path). */
export function builtinFormulasDir(): string {
  return join(packageRoot(), "formulas");
}
