import "../helpers/isolation.ts";
// The hook-file text bd hooks writes: its section replaced in place, put above a closing
// exec (which never returns), taken out again leaving the user's lines as they were.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  chainedHook,
  hookSection,
  hookStatus,
  injectSection,
  removeSection,
} from "../../src/ledger/git-hooks.ts";

describe("git hook sections", () => {
  const section = hookSection("pre-commit", "1.0.0");

  it("goes above a closing exec block, and comes out leaving the file as it was", () => {
    const user = `#!/bin/sh\nset -e\nif [ -x .venv/bin/python ]; then\n  exec .venv/bin/python -m pre_commit "$@"\nelse\n  echo "no pre-commit" >&2\n  exit 1\nfi\n`;
    const withBd = injectSection(user, section);
    const lines = withBd.split("\n");
    const begin = lines.findIndex((l) => l.startsWith("# --- BEGIN BEADS"));
    const ifLine = lines.findIndex((l) => l.startsWith("if [ -x"));
    assert.ok(begin > 0 && begin < ifLine, withBd);
    assert.equal(removeSection(withBd).content.replace(/\n+$/, "\n"), user);
  });

  it("is appended after ordinary content and replaced, not duplicated, on reinstall", () => {
    const user = "#!/bin/sh\nnpm test\n";
    const once = injectSection(user, section);
    assert.ok(once.startsWith(user));
    const twice = injectSection(once, hookSection("pre-commit", "2.0.0"));
    assert.equal(twice.match(/BEGIN BEADS/g)?.length, 1);
    assert.match(twice, /v2\.0\.0/);
    assert.equal(removeSection(twice).content.replace(/\n+$/, "\n"), user);
  });

  it("status reads the version; a <hook>.old is chained unless it is bd's own", () => {
    const dir = mkdtempSync(join(tmpdir(), "hooks-"));
    try {
      writeFileSync(join(dir, "pre-commit"), `#!/bin/sh\n${section}`);
      assert.deepEqual(hookStatus(dir, "pre-commit", "1.0.0"), {
        Name: "pre-commit",
        Installed: true,
        Version: "1.0.0",
        IsShim: true,
        Outdated: false,
      });
      assert.equal(hookStatus(dir, "post-merge", "1.0.0").Installed, false);
      writeFileSync(join(dir, "pre-commit.old"), "#!/bin/sh\nexit 0\n");
      chmodSync(join(dir, "pre-commit.old"), 0o755);
      assert.equal(chainedHook(dir, "pre-commit"), join(dir, "pre-commit.old"));
      writeFileSync(join(dir, "pre-commit.old"), `#!/bin/sh\n${section}`);
      assert.equal(chainedHook(dir, "pre-commit"), undefined, "never runs bd's own hook again");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
