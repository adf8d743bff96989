// gt loads only the group that owns the command word (src/cli/gt/groups.ts), and the
// commands agents run most have bundles of their own (src/cli/gt/bundles.ts): each name
// table must therefore be exactly the commands (and aliases) its group registers.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { bundleFor, GT_BUNDLES } from "../../src/cli/gt/bundles.ts";
import { GT_GROUPS } from "../../src/cli/gt/groups.ts";
import { BD, GT, run, tempDir } from "../helpers/bd.ts";

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

  it("each hot-path bundle's names are one whole group's", () => {
    for (const [bundle, names] of Object.entries(GT_BUNDLES)) {
      const group = GT_GROUPS.find((g) => g.names.includes(names[0]!));
      assert.ok(group, `${bundle}: no group registers ${names[0]}`);
      assert.deepEqual([...names].sort(), [...group.names].sort(), bundle);
      for (const n of names) assert.equal(bundleFor(n), bundle);
    }
    assert.equal(bundleFor("install"), undefined);
    assert.equal(bundleFor(undefined), undefined);
  });

  it("bin/gt runs every command of the bundles, and the whole tree for the rest", async () => {
    const { dir, cleanup } = tempDir("gt-groups-");
    try {
      const words = [...Object.values(GT_BUNDLES).flat(), "install", "version"];
      const results = await Promise.all(words.map((w) => run(GT, dir, [w, "--help"])));
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, 0, `gt ${words[i]} --help: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: gt ([\\w-]+\\|)*${words[i]}\\b`), `gt ${words[i]} --help`);
      }
      const all = await run(GT, dir, ["--help"]);
      assert.equal(all.code, 0);
      for (const w of ["install", "mail", "hook", "status", "version"])
        assert.match(all.stdout, new RegExp(`\\n  ${w}\\b`));
      const version = await run(GT, dir, ["--version"]);
      assert.match(version.stdout, /^gt version \d/);
      const unknown = await run(GT, dir, ["no-such-command"]);
      assert.notEqual(unknown.code, 0);
      assert.match(unknown.stderr, /unknown command 'no-such-command'/);
      // Whatever follows it: a script probing `gt x --help` must not be told x exists.
      for (const [bin, name] of [
        [GT, "gt"],
        [BD, "bd"],
      ] as const) {
        const probed = await run(bin, dir, ["no-such-command", "--help"]);
        assert.equal(probed.code, 1, `${name} no-such-command --help`);
        assert.equal(probed.stdout, "");
        assert.equal(probed.stderr, `Error: unknown command 'no-such-command' (${name} help lists them)\n`);
      }
      assert.equal((await run(GT, dir, ["help"])).code, 0);
    } finally {
      cleanup();
    }
  });
});
