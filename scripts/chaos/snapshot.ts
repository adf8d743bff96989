// A built snapshot of one commit of this repository, so a chaos run or a benchmark can test
// exactly that commit while the working tree keeps changing under other hands: the commit's
// files (git archive) in a cache directory, this checkout's node_modules linked in, built
// with tsup once.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./exec.ts";

/** The directory of a built snapshot of `ref` (made on first use, then reused). */
export function snapshotOf(ref: string, log: (line: string) => void = () => undefined): string {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: ROOT,
    encoding: "utf8",
  }).trim();
  const dir = join(tmpdir(), `gt-snapshot-${sha.slice(0, 12)}`);
  if (existsSync(join(dir, "dist", "gt.cjs"))) return dir;
  log(`building a snapshot of ${ref} (${sha.slice(0, 12)}) in ${dir}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync("sh", ["-c", `git archive --format=tar ${sha} | tar -x -C "${tmp}"`], {
    cwd: ROOT,
    stdio: "pipe",
  });
  symlinkSync(join(ROOT, "node_modules"), join(tmp, "node_modules"));
  execFileSync(join(ROOT, "node_modules", ".bin", "tsup"), [], { cwd: tmp, stdio: "pipe" });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}
