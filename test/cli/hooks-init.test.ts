import "../helpers/isolation.ts";
// gt hooks init: hand-edited hook settings become layer files (what all share → base, the
// rest → overrides), so gt hooks sync reproduces them instead of overwriting them.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { failsInOneLine, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Row {
  target: string;
  status: string;
  path: string | null;
}

interface Init {
  dry_run: boolean;
  sources: string[];
  base: { file: string; hooks: Record<string, unknown[]> };
  overrides: Array<{ target: string; file: string; hooks: Record<string, unknown[]> }>;
  written: string[];
}

// Beside gt's own guards on "Bash" (the defaults every role has).
const GUARD = {
  matcher: "Edit|Write",
  hooks: [{ type: "command", command: "echo guarded" }],
};

describe("gt hooks init", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await town.gt(["hooks", "sync"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("keeps a hand edit through sync: shared hooks go to the base, the crew's guard to its override", async () => {
    const rows = await town.gtJson<Row[]>(["hooks", "list"]);
    const crew = rows.find((r) => r.target === "alpha/crew")!;
    assert.ok(crew.path);
    const settings = JSON.parse(readFileSync(crew.path, "utf8")) as { hooks: Record<string, unknown[]> };
    settings.hooks.PreToolUse = [...(settings.hooks.PreToolUse ?? []), GUARD];
    writeFileSync(crew.path, `${JSON.stringify(settings, null, 2)}\n`);
    assert.equal(
      (await town.gtJson<Row[]>(["hooks", "list"])).find((r) => r.target === "alpha/crew")!.status,
      "stale",
    );

    const dry = await town.gtJson<Init>(["hooks", "init", "--dry-run"]);
    assert.equal(dry.dry_run, true);
    assert.deepEqual(dry.written, []);
    assert.equal(existsSync(dry.base.file), false, "a dry run writes nothing");
    assert.ok(dry.sources.includes(crew.path));

    const r = await town.gtJson<Init>(["hooks", "init"]);
    assert.ok(existsSync(r.base.file));
    // Every role's files share the compaction hook and gt's guards; only the crew has its guard.
    assert.ok(r.base.hooks.PreCompact, JSON.stringify(r.base.hooks));
    assert.deepEqual(
      (r.base.hooks.PreToolUse as Array<{ matcher: string }>).map((e) => e.matcher),
      ["Bash"],
    );
    const over = r.overrides.find((o) => o.target === "crew");
    assert.ok(over, JSON.stringify(r.overrides.map((o) => o.target)));
    assert.deepEqual(over.hooks.PreToolUse, [GUARD]);
    assert.deepEqual(
      (JSON.parse(readFileSync(over.file, "utf8")) as { hooks: unknown }).hooks,
      over.hooks,
      "the override file holds what was reported",
    );

    // Sync now writes the hand edit back instead of dropping it.
    assert.equal((await town.gt(["hooks", "sync"])).code, 0);
    const after = JSON.parse(readFileSync(crew.path, "utf8")) as { hooks: Record<string, unknown[]> };
    assert.deepEqual(after.hooks.PreToolUse, settings.hooks.PreToolUse);
    const diff = await town.gt(["hooks", "diff", "--json"]);
    assert.equal(diff.code, 0, diff.stdout);
  });

  it("refuses to run twice", async () => {
    await fails(["hooks", "init"], /base hook layer already exists at .*hooks-base\.json/);
  });
});
