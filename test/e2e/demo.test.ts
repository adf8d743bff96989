// `gt demo` as a newcomer runs it: a throwaway town where five script-agent polecats finish
// five beads, the refinery merges all five onto the project's main, and their convoy lands.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";

interface DemoResult {
  town: string;
  project: string;
  convoy: string | null;
  finished: boolean;
  beads: Array<{ id: string; polecat: string | null; merge_request: string | null; merged: string | null }>;
}

describe("gt demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-demo-test-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends with every bead merged onto the project's main and the convoy landed", async () => {
    const r = await run(GT, dir, ["demo", "--dir", dir, "--json", "--timeout", "90"], {
      env: { GT_RUNTIME_PROVIDER: "subprocess", GT_ROLE: "", GT_TOWN_ROOT: "", BD_ACTOR: "", BEADS_DIR: "" },
    });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as DemoResult;
    assert.equal(result.finished, true);
    assert.equal(result.beads.length, 5);
    assert.equal(new Set(result.beads.map((b) => b.polecat)).size, 5);
    assert.match(result.convoy ?? "", /^hq-cv-/);
    for (const b of result.beads) {
      assert.match(b.merge_request ?? "", /^gr-/);
      // Each bead's merged commit is on the project's main.
      execFileSync("git", ["merge-base", "--is-ancestor", b.merged!, "main"], { cwd: result.project });
    }
    const files = execFileSync("git", ["ls-tree", "-r", "--name-only", "main"], {
      cwd: result.project,
      encoding: "utf8",
    });
    for (const lang of ["fr", "es", "ja"]) assert.ok(files.includes(`greetings/${lang}.txt`), files);
    assert.match(r.stderr, /landed/);
    assert.match(r.stderr, /All work merged onto main/);
    assert.match(r.stderr, new RegExp(`cd ${result.town}`));
  });
});
