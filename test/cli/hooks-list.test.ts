import "../helpers/isolation.ts";
// gt hooks list and gt hooks diff: every managed hook settings file and how it stands
// against what gt hooks sync writes, without writing anything; gt hooks registry and
// install: a hook from the town's registry added to a role's layer and written out.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Row {
  target: string;
  status: string;
  path: string | null;
  agent: string | null;
}

describe("gt hooks list and diff", () => {
  let town: TestTown;

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await town.gt(["hooks", "sync"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("lists every target; after sync they are up to date and diff reports nothing", async () => {
    const rows = await town.gtJson<Row[]>(["hooks", "list"]);
    const targets = rows.map((r) => r.target);
    for (const t of ["mayor", "deacon", "alpha/witness", "alpha/refinery", "alpha/polecats", "alpha/crew"])
      assert.ok(targets.includes(t), `${t} in ${targets.join(", ")}`);
    assert.ok(
      rows.every((r) => r.status === "up-to-date" || r.status === "skipped"),
      JSON.stringify(rows),
    );
    const diff = await town.gt(["hooks", "diff", "--json"]);
    assert.equal(diff.code, 0, diff.stderr);
    assert.deepEqual(JSON.parse(diff.stdout), { changes: [] });
  });

  it("a hand-edited file is stale: diff shows the lines sync would change, and exits 1", async () => {
    const mayor = (await town.gtJson<Row[]>(["hooks", "list"])).find((r) => r.target === "mayor")!;
    assert.ok(mayor.path);
    const original = readFileSync(mayor.path, "utf8");
    // Someone emptied the hooks by hand (the file stays valid JSON).
    const edited = `${JSON.stringify({ ...JSON.parse(original), hooks: {} }, null, 2)}\n`;
    writeFileSync(mayor.path, edited);
    const rows = await town.gtJson<Row[]>(["hooks", "list"]);
    assert.equal(rows.find((r) => r.target === "mayor")!.status, "stale");
    const diff = await town.gt(["hooks", "diff", "mayor", "--json"]);
    assert.equal(diff.code, 1);
    const { changes } = JSON.parse(diff.stdout) as { changes: Array<{ target: string; diff: string[] }> };
    assert.deepEqual(
      changes.map((c) => c.target),
      ["mayor"],
    );
    assert.ok(
      changes[0]!.diff.some((l) => l.startsWith("+ ") && l.includes("gt")),
      changes[0]!.diff.join("\n"),
    );
    assert.ok(changes[0]!.diff.includes('-   "hooks": {}'), changes[0]!.diff.join("\n"));
    assert.equal(readFileSync(mayor.path, "utf8"), edited, "diff writes nothing");
    await town.gtJson(["hooks", "sync"]);
    assert.equal(readFileSync(mayor.path, "utf8"), original, "sync puts it back");
    const bad = await town.gt(["hooks", "diff", "nosuch"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown target "nosuch"/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  });

  it("hooks registry lists the town's registry; install adds a hook to a role's settings", async () => {
    mkdirSync(join(town.root, "hooks"), { recursive: true });
    writeFileSync(
      join(town.root, "hooks", "registry.toml"),
      [
        "[hooks.pr-guard]",
        'description = "No gh pr create from crew"',
        'event = "PreToolUse"',
        'matchers = ["Bash(gh pr create*)"]',
        'command = "echo guard-blocked"',
        'roles = ["crew"]',
        "",
        "[hooks.old]",
        'event = "Stop"',
        'command = "echo old"',
        "enabled = false",
        "",
      ].join("\n"),
    );
    const enabled = await town.gtJson<Array<{ name: string }>>(["hooks", "registry"]);
    assert.deepEqual(
      enabled.map((h) => h.name),
      ["pr-guard"],
    );
    assert.equal((await town.gtJson<unknown[]>(["hooks", "registry", "--all"])).length, 2);

    const crew = (await town.gtJson<Row[]>(["hooks", "list"])).find((r) => r.target === "alpha/crew")!;
    const dry = await town.gtJson<{ dry_run: boolean }>([
      "hooks",
      "install",
      "pr-guard",
      "--role",
      "crew",
      "--dry-run",
    ]);
    assert.equal(dry.dry_run, true);
    assert.doesNotMatch(readFileSync(crew.path!, "utf8"), /guard-blocked/);
    const r = await town.gtJson<{ written: string[] }>(["hooks", "install", "pr-guard", "--role", "crew"]);
    assert.ok(r.written.includes(crew.path!), JSON.stringify(r));
    const settings = JSON.parse(readFileSync(crew.path!, "utf8")) as {
      hooks: Record<string, Array<{ matcher: string; hooks: Array<{ command: string }> }>>;
    };
    assert.ok(
      settings.hooks.PreToolUse?.some(
        (e) => e.matcher === "Bash(gh pr create*)" && e.hooks.some((h) => h.command === "echo guard-blocked"),
      ),
      JSON.stringify(settings.hooks.PreToolUse),
    );
    assert.equal((await town.gt(["hooks", "diff"])).code, 0, "installed and synced");
    for (const [args, pattern] of [
      [["hooks", "install", "pr-guard", "--role", "witness"], /is for crew, not witness/],
      [["hooks", "install", "old", "--role", "crew"], /disabled in the registry/],
      [["hooks", "install", "nosuch", "--role", "crew"], /no hook "nosuch"/],
      [["hooks", "install", "pr-guard"], /which role/],
    ] as const) {
      const bad = await town.gt([...args]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, pattern);
      assert.equal(bad.stderr.trim().split("\n").length, 1);
    }
  });

  it("hooks base/override show and edit a layer (checked after the editor); scan reads what the files hold", async () => {
    const base = await town.gtJson<{ exists: boolean; content: unknown }>(["hooks", "base", "--show"]);
    assert.deepEqual([base.exists, base.content], [false, { hooks: {} }]);
    const editor = (name: string, text: string) => {
      const file = join(town.scratch, name);
      writeFileSync(file, `#!/bin/sh\ncat > "$1" <<'EOF'\n${text}\nEOF\n`);
      chmodSync(file, 0o755);
      return { env: { EDITOR: file, VISUAL: "" } };
    };
    const layer = JSON.stringify({
      hooks: { Stop: [{ matcher: "", hooks: [{ type: "command", command: "echo from-override" }] }] },
    });
    const edited = await town.gt(["hooks", "override", "alpha/crew"], editor("good.sh", layer));
    assert.equal(edited.code, 0, edited.stderr);
    assert.equal((await town.gt(["hooks", "diff", "alpha/crew"])).code, 1, "not synced yet");
    await town.gtJson(["hooks", "sync"]);
    const scan = await town.gtJson<Array<{ target: string; events: Record<string, string[]> }>>([
      "hooks",
      "scan",
    ]);
    assert.ok(
      scan.find((r) => r.target === "alpha/crew")?.events.Stop?.includes("echo from-override"),
      JSON.stringify(scan),
    );
    assert.ok(!scan.find((r) => r.target === "alpha/witness")?.events.Stop?.includes("echo from-override"));
    // Every role has Gas Town's guards by default.
    for (const row of scan.filter((r) => Object.keys(r.events).length))
      assert.ok(
        row.events.PreToolUse?.some((c) => c.endsWith("tap guard dangerous-command")),
        JSON.stringify(row),
      );

    const kept = (await town.gtJson<{ content: unknown }>(["hooks", "override", "crew", "--show"])).content;
    const broken = await town.gt(["hooks", "override", "crew"], editor("bad.sh", "{ not json"));
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /not valid JSON.*the previous version is kept/);
    assert.deepEqual(
      (await town.gtJson<{ content: unknown }>(["hooks", "override", "crew", "--show"])).content,
      kept,
      "the bad edit was not kept",
    );
    for (const [args, env, pattern] of [
      [["hooks", "override", "nosuch"], {}, /invalid target "nosuch"/],
      [["hooks", "base"], { EDITOR: "", VISUAL: "" }, /no editor/],
    ] as const) {
      const bad = await town.gt([...args], { env });
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, pattern);
      assert.equal(bad.stderr.trim().split("\n").length, 1);
    }
  });
});
