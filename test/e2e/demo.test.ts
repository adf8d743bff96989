// `gt demo` as a newcomer runs it: a throwaway town where five script-agent polecats finish
// five beads and hand five merge requests to the refinery, with the batch in one convoy.
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
  beads: Array<{ id: string; polecat: string | null; merge_request: string | null; branch: string | null }>;
}

describe("gt demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-demo-test-"));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends with every bead handed over as a merge request, pushed to the project", async () => {
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
      const sha = execFileSync("git", ["rev-parse", `refs/heads/${b.branch}`], {
        cwd: result.project,
        encoding: "utf8",
      });
      assert.match(sha.trim(), /^[0-9a-f]{40}$/);
    }
    assert.match(r.stderr, /All work handed to the refinery/);
    assert.match(r.stderr, new RegExp(`cd ${result.town}`));
  });
});
