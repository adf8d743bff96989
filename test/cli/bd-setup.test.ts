import "../helpers/isolation.ts";
// bd setup <agent> (instructions file, session hook; --check, --remove, --list, --add) and
// bd rules audit|compact over a rules directory.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, freshLedger, tempDir } from "../helpers/bd.ts";

describe("bd setup", { concurrency: true }, () => {
  it("claude: a CLAUDE.md section and a SessionStart hook, kept beside the user's own; check and remove", async (t) => {
    const p = tempDir();
    t.after(p.cleanup);
    writeFileSync(join(p.dir, "CLAUDE.md"), "# My project\n\nUse tabs.\n");
    mkdirSync(join(p.dir, ".claude"));
    writeFileSync(
      join(p.dir, ".claude", "settings.json"),
      JSON.stringify({
        model: "x",
        hooks: { SessionStart: [{ matcher: "", hooks: [{ type: "command", command: "echo hi" }] }] },
      }),
    );
    const missing = await bd(p.dir, ["setup", "claude", "--check"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /✗ Claude Code integration not installed/);
    assert.match(missing.stdout, /Missing: CLAUDE\.md/);

    const r = await bd(p.dir, ["setup", "claude"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ Claude Code integration installed/);
    assert.equal((await bd(p.dir, ["setup", "claude"])).code, 0, "again: idempotent");
    const md = readFileSync(join(p.dir, "CLAUDE.md"), "utf8");
    assert.match(md, /^# My project\n\nUse tabs\.\n/);
    assert.equal(md.match(/BEGIN BEADS INTEGRATION/g)?.length, 1);
    assert.match(md, /bd ready/);
    const settings = JSON.parse(readFileSync(join(p.dir, ".claude", "settings.json"), "utf8"));
    assert.equal(settings.model, "x");
    const commands = settings.hooks.SessionStart.flatMap((e: { hooks: Array<{ command: string }> }) =>
      e.hooks.map((h) => h.command),
    );
    assert.deepEqual(commands, ["echo hi", "bd prime"]);
    const check = await bdJson<{ installed: boolean; files: Array<{ present: boolean }> }>(p.dir, [
      "setup",
      "claude",
      "--check",
    ]);
    assert.equal(check.installed, true);

    const rm = await bd(p.dir, ["setup", "claude", "--remove"]);
    assert.match(rm.stdout, /✓ Removed Claude Code integration/);
    assert.equal(readFileSync(join(p.dir, "CLAUDE.md"), "utf8"), "# My project\n\nUse tabs.\n");
    const after = JSON.parse(readFileSync(join(p.dir, ".claude", "settings.json"), "utf8"));
    assert.deepEqual(after.hooks.SessionStart, [
      { matcher: "", hooks: [{ type: "command", command: "echo hi" }] },
    ]);
  });

  it("cursor, codex (global), gemini (project); --list, --print, -o, --add; unknown recipe", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const home = join(l.dir, "home");
    const env = { HOME: home, CODEX_HOME: "" };
    assert.equal((await bd(l.dir, ["setup", "cursor"], { env })).code, 0);
    assert.match(readFileSync(join(l.dir, ".cursor", "rules", "beads.mdc"), "utf8"), /alwaysApply: true/);
    assert.equal((await bd(l.dir, ["setup", "codex", "--global"], { env })).code, 0);
    assert.match(readFileSync(join(home, ".codex", "AGENTS.md"), "utf8"), /BEGIN BEADS INTEGRATION/);
    assert.equal((await bd(l.dir, ["setup", "gemini", "--project"], { env })).code, 0);
    assert.match(readFileSync(join(l.dir, ".gemini", "settings.json"), "utf8"), /bd prime/);
    assert.ok(existsSync(join(l.dir, "GEMINI.md")));
    assert.equal((await bd(l.dir, ["setup", "cursor", "--remove"], { env })).code, 0);
    assert.equal(existsSync(join(l.dir, ".cursor", "rules", "beads.mdc")), false);

    const list = await bdJson<Array<{ name: string; source: string }>>(l.dir, ["setup", "--list"]);
    for (const n of ["claude", "codex", "cursor", "gemini", "aider", "windsurf"])
      assert.ok(
        list.some((r) => r.name === n),
        n,
      );
    assert.match((await bd(l.dir, ["setup", "--print"])).stdout, /bd ready/);
    assert.equal((await bd(l.dir, ["setup", "-o", "docs/agent.md"])).code, 0);
    assert.match(readFileSync(join(l.dir, "docs", "agent.md"), "utf8"), /bd close/);
    assert.equal((await bd(l.dir, ["setup", "--add", "myeditor", ".myeditor/rules.md"])).code, 0);
    const added = await bd(l.dir, ["setup", "myeditor"]);
    assert.equal(added.code, 0, added.stderr);
    assert.match(readFileSync(join(l.dir, ".myeditor", "rules.md"), "utf8"), /bd ready/);
    const bad = await bd(l.dir, ["setup", "notepad"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown recipe: notepad/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  });
});

describe("bd rules", { concurrency: true }, () => {
  const write = (dir: string, name: string, text: string) => writeFileSync(join(dir, name), text);

  it("audit finds contradictions and merge groups; compact merges them and removes the sources", async (t) => {
    const p = tempDir();
    t.after(p.cleanup);
    const rules = join(p.dir, ".claude", "rules");
    mkdirSync(rules, { recursive: true });
    write(rules, "tests-a.md", "# Tests\n**Do:** run tests before commit\n**Don't:** skip flaky tests\n");
    write(rules, "tests-b.md", "# More tests\n**Do:** run tests often, skip slow suites\n");
    write(rules, "style.md", "# Style\n**Do:** format code with biome\n");
    const audit = await bdJson<{
      total_rules: number;
      contradictions: Array<{ rule_a: string; rule_b: string }>;
      merge_candidates: Array<{ group_label: string; rules: string[] }>;
    }>(p.dir, ["rules", "audit", "--threshold", "0.3"]);
    assert.equal(audit.total_rules, 3);
    assert.deepEqual(
      audit.contradictions.map((c) => [c.rule_a, c.rule_b]),
      [["tests-a.md", "tests-b.md"]],
    );
    assert.deepEqual(audit.merge_candidates[0]?.rules, ["tests-a.md", "tests-b.md"]);
    const human = await bd(p.dir, ["rules", "audit", "--threshold", "0.3"]);
    assert.match(human.stdout, /Total rules:\s+3/);

    const preview = await bdJson<{ group: string; output: string; dry_run: boolean }>(p.dir, [
      "rules",
      "compact",
      "--group",
      "tests-a,tests-b",
      "--dry-run",
    ]);
    assert.equal(preview.dry_run, true);
    assert.ok(existsSync(join(rules, "tests-a.md")), "dry run keeps the sources");
    assert.match(preview.output, /Source rules: tests-a\.md, tests-b\.md/);
    const merged = await bdJson<{ group: string }>(p.dir, ["rules", "compact", "--group", "tests-a,tests-b"]);
    const out = readFileSync(join(rules, `${merged.group}.md`), "utf8");
    assert.match(out, /\*\*Do:\*\* run tests before commit\. run tests often, skip slow suites/);
    assert.equal(existsSync(join(rules, "tests-a.md")), false);
    assert.ok(existsSync(join(rules, "style.md")));
    const none = await bd(p.dir, ["rules", "compact"]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /specify --group/);
    const one = await bd(p.dir, ["rules", "compact", "--group", "nope,style"]);
    assert.match(one.stderr, /cannot read rule nope/);
  });
});
