// gt loads only the group that owns the command word (src/cli/gt/groups.ts): each entry's
// names must therefore be exactly the commands (and aliases) its group registers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { GT_GROUPS } from "../../src/cli/gt/groups.ts";

describe("gt command groups", () => {
  it("name tables match what each lazily loaded group registers, with no overlaps", async () => {
    const seen = new Set<string>();
    for (const g of GT_GROUPS) {
      const group = await g.load();
      const p = new Command("gt");
      group.register(p);
      const names = p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
      assert.deepEqual([...g.names].sort(), names, `names of the group registering ${names.join(", ")}`);
      assert.deepEqual([...group.names].sort(), names);
      for (const n of names) {
        assert.ok(!seen.has(n), `${n} is claimed by two groups`);
        seen.add(n);
      }
    }
    assert.ok(seen.has("mail") && seen.has("hook") && seen.has("status"));
  });
});
