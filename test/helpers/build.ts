// What the tests run is what was written. bin/gt and bin/bd run the bundles in dist/ while
// tests import src/ directly, and `node --test some.test.ts` builds nothing: so the helpers
// check, when loaded, whether any input of the bundle is newer than the bundles (or one is
// missing) and then run tsup once. A lock directory keeps concurrent test files from
// building at the same time; whoever waited finds the build fresh and goes on. When dist is
// fresh (as right after `npm test` built it) this costs one stat per source file.
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { processAlive } from "./procs.ts";

/** What the bundles are built from, relative to the checkout (directories are walked). */
export const BUILD_INPUTS = [
  "src",
  "tsup.config.ts",
  "package.json",
  "package-lock.json",
  "scripts/lazy-child-process.cjs",
  "scripts/zod-no-locales.js",
  "scripts/pg-ledger-from-dist.cjs",
  "scripts/gt-bundles",
  "scripts/bd-bundles",
  "scripts/bd-dispatch.ts",
  "scripts/gt-dispatch.ts",
];
/** The bundles bin/gt and bin/bd run. */
export const BUILD_OUTPUTS = [
  "dist/gt.cjs",
  "dist/gt-all.cjs",
  "dist/bd.cjs",
  "dist/bd-all.cjs",
  "dist/pg.cjs",
];

function newestFile(path: string): { path: string; mtimeMs: number } | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return undefined;
  }
  if (!st.isDirectory()) return { path, mtimeMs: st.mtimeMs };
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const name of readdirSync(path)) {
    const found = newestFile(join(path, name));
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/**
 * Why the build under `root` is stale, or undefined when it is fresh: an output is missing,
 * or an input file (any file under an input directory) was modified after the oldest output.
 */
export function buildStaleness(
  root: string,
  inputs: readonly string[] = BUILD_INPUTS,
  outputs: readonly string[] = BUILD_OUTPUTS,
): string | undefined {
  let oldest: { path: string; mtimeMs: number } | undefined;
  for (const out of outputs) {
    const f = newestFile(join(root, out));
    if (!f) return `${out} is missing`;
    if (!oldest || f.mtimeMs < oldest.mtimeMs) oldest = f;
  }
  if (!oldest) return undefined;
  for (const input of inputs) {
    const f = newestFile(join(root, input));
    if (f && f.mtimeMs > oldest.mtimeMs)
      return `${relative(root, f.path)} is newer than ${relative(root, oldest.path)}`;
  }
  return undefined;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `fn` holding the lock directory `lock` (made with mkdir, which only one process
 * wins). A lock whose holder has died is taken over; waits at most `timeoutMs`.
 */
export function withBuildLock<T>(lock: string, fn: () => T, timeoutMs = 180_000): T {
  const deadline = Date.now() + timeoutMs;
  const owner = join(lock, "pid");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(owner, "utf8"));
    } catch {
      // just made, its pid not written yet (or gone already)
    }
    if (holder > 0 && !processAlive(holder)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for the build lock ${lock} (held by ${holder || "?"})`);
    sleepSync(100);
  }
  try {
    writeFileSync(owner, String(process.pid));
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * tsup into a staging directory, then each bundle renamed into dist/: tsup empties its output
 * directory first, and a gt or bd another test file starts meanwhile must find a whole
 * bundle (the old one or the new one), never none.
 */
export function buildWithTsup(root: string): void {
  const staging = join(root, "node_modules", ".cache", "gastown-test-build-out");
  rmSync(staging, { recursive: true, force: true });
  execFileSync(join(root, "node_modules", ".bin", "tsup"), ["--out-dir", staging], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  mkdirSync(join(root, "dist"), { recursive: true });
  for (const name of readdirSync(staging)) renameSync(join(staging, name), join(root, "dist", name));
  rmSync(staging, { recursive: true, force: true });
}

/**
 * Rebuilds dist/ under `root` (with tsup, see buildWithTsup) when it is stale; returns the
 * reason it rebuilt, or undefined when dist was fresh (also when another process built it
 * while this one waited for the lock).
 */
export function ensureFreshBuild(
  root: string,
  build: () => void = () => buildWithTsup(root),
): string | undefined {
  if (!buildStaleness(root)) return undefined;
  const cacheDir = join(root, "node_modules", ".cache");
  mkdirSync(cacheDir, { recursive: true });
  return withBuildLock(join(cacheDir, "gastown-test-build.lock"), () => {
    const why = buildStaleness(root);
    if (!why) return undefined;
    process.stderr.write(`test helpers: rebuilding dist/ (${why})\n`);
    try {
      build();
    } catch (e) {
      const err = e as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw new Error(`tsup failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    }
    const missing = BUILD_OUTPUTS.filter((o) => !existsSync(join(root, o)));
    if (missing.length) throw new Error(`the build did not write ${missing.join(", ")}`);
    return why;
  });
}
