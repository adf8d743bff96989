// Test helpers: temp directories and running the real bd executable (bin/bd, by absolute path).
// Loading this module isolates the process from the developer's home (./isolation.ts) and
// rebuilds dist/ when src/ changed since the last build (./build.ts), so bin/gt and bin/bd
// run the code under test.
import "./isolation.ts";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureFreshBuild } from "./build.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BD = join(ROOT, "bin", "bd");
export const GT = join(ROOT, "bin", "gt");

ensureFreshBuild(ROOT);

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = "bd-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs bd with args in `cwd`; never throws on a non-zero exit. Like every run here it
 * inherits this process's isolated environment (its own HOME, git identity, GT_HOME).
 */
export function bd(
  cwd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return run(BD, cwd, args, opts);
}

export function run(
  bin: string,
  cwd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      bin,
      args,
      { cwd, env: { ...process.env, BEADS_ACTOR: "tester", ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs bd with --json and parses stdout; throws with stderr when it fails. */
export async function bdJson<T = unknown>(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await bd(cwd, [...args, "--json"], { env });
  if (r.code !== 0) throw new Error(`bd ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A fresh ledger in a temp dir. */
export async function freshLedger(prefix = "t"): Promise<{ dir: string; cleanup: () => void }> {
  const t = tempDir();
  const r = await bd(t.dir, ["init", "--prefix", prefix, "--quiet"]);
  if (r.code !== 0) throw new Error(`bd init failed: ${r.stderr}`);
  return t;
}

export { spawn };

/** Creates an issue with `bd create <title> <args> --silent`; returns its ID, throws when it fails. */
export async function createIssue(
  cwd: string,
  title: string,
  args: string[] = [],
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  const r = await bd(cwd, ["create", title, ...args, "--silent"], { env });
  if (r.code !== 0) throw new Error(`bd create ${title} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** The whole ledger as `bd export` prints it (JSONL), for before/after comparisons. */
export async function exportJsonl(cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await bd(cwd, ["export"], { env });
  if (r.code !== 0) throw new Error(`bd export failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** The non-blank lines of some output. */
export function nonBlankLines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}
