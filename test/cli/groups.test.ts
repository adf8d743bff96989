// bd registers only the group that owns the command word; each group's name table must
// therefore list exactly the commands (and aliases) it registers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BD_GROUPS } from "../../src/cli/bd/groups.ts";
import { buildProgram, commandWord } from "../../src/cli/bd/program.ts";

describe("bd command groups", () => {
  it("name tables match what each group registers, with no overlaps", () => {
    const seen = new Set<string>();
    for (const g of BD_GROUPS) {
      const p = buildProgram();
      g.register(p);
      const names = p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
      assert.deepEqual([...g.names].sort(), names);
      for (const n of names) {
        assert.ok(!seen.has(n), `${n} is claimed by two groups`);
        seen.add(n);
      }
    }
  });

  it("finds the command word past global options and their values", () => {
    assert.equal(commandWord(["--json", "--actor", "amy", "-C", "/x", "list", "--all"]), "list");
    assert.equal(commandWord(["--db", "ready", "show"]), "show");
    assert.equal(commandWord(["--json"]), undefined);
  });
});
