// The script agent's protocol is documented where a person looks first: `gt script-agent --help`.
// And the bundle gt runs from is built without esbuild's empty `import.meta` stand-in (the
// build's warning), while gt still finds its own package from any directory.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { GT, ROOT, run, tempDir } from "../helpers/bd.ts";

describe("gt script-agent --help", () => {
  it("names the protocol: the sh/bash block, the commit message, gt done, escalation, the log", async () => {
    const t = tempDir("gt-sa-help-");
    try {
      const r = await run(GT, t.dir, ["script-agent", "--help"]);
      assert.equal(r.code, 0, r.stderr);
      const help = r.stdout;
      assert.match(help, /first fenced block tagged sh or bash/);
      assert.match(help, /```sh/);
      assert.match(help, /<bead title> \(<bead id>\)/);
      assert.match(help, /gt done \(push, merge request\)/);
      assert.match(help, /closes\s+the bead/);
      assert.match(help, /gt done --status ESCALATED/);
      assert.match(help, /script-agent needs help: <reason>/);
      assert.match(help, /\.runtime\/agent-logs\/<session>\.jsonl/);
    } finally {
      t.cleanup();
    }
  });
});

describe("the gt bundle", () => {
  it("has no empty import.meta stand-in and finds its package when run by absolute path elsewhere", async () => {
    for (const name of ["gt", "bd"]) {
      const bundle = readFileSync(join(ROOT, "dist", `${name}.cjs`), "utf8");
      assert.doesNotMatch(bundle, /\bimport_meta\b/, `dist/${name}.cjs uses an empty import.meta`);
    }
    // Run from elsewhere by absolute path, gt finds its own package: hook settings name it.
    const t = tempDir("gt-abs-");
    try {
      const town = join(t.dir, "town");
      const inst = await run(GT, "/", ["install", town, "--name", "abs"]);
      assert.equal(inst.code, 0, inst.stderr);
      const r = await run(GT, town, ["hooks", "sync", "--json"], { env: { GT_BIN: "", GT_ROLE: "" } });
      assert.equal(r.code, 0, r.stderr);
      const written = (JSON.parse(r.stdout) as { written: string[] }).written;
      assert.ok(written.length > 0, r.stdout);
      assert.ok(readFileSync(written[0]!, "utf8").includes(join(ROOT, "bin", "gt")), written[0]);
    } finally {
      t.cleanup();
    }
  });
});
