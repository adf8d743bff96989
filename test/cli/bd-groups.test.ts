// bd loads only the group that owns the command word (src/cli/bd/groups.ts), and the
// commands agents run most have bundles of their own (src/cli/bd/bundles.ts, picked by
// dist/bd.cjs): each name table must therefore be exactly the commands (and aliases) its
// group registers, and help, completion and errors must come out as from the whole tree.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BD_BUNDLES, bundleFor } from "../../src/cli/bd/bundles.ts";
import { commandWord } from "../../src/cli/bd/command-word.ts";
import { BD_GROUPS } from "../../src/cli/bd/groups.ts";
import { buildProgram, type CommandGroup } from "../../src/cli/bd/program.ts";
import { BD, run, tempDir } from "../helpers/bd.ts";

const registered = (group: CommandGroup) => {
  const p = buildProgram();
  group.register(p);
  return p.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
};

describe("bd command groups", () => {
  it("name tables match what each lazily loaded group registers, with no overlaps", async () => {
    const seen = new Set<string>();
    for (const g of BD_GROUPS) {
      const group = await g.load();
      const names = registered(group);
      assert.deepEqual([...g.names].sort(), names, `names of the group registering ${names.join(", ")}`);
      assert.deepEqual([...group.names].sort(), names);
      for (const n of names) {
        assert.ok(!seen.has(n), `${n} is claimed by two groups`);
        seen.add(n);
      }
    }
    for (const n of ["create", "show", "list", "ready", "q", "dep", "prime", "version", "completion"])
      assert.ok(seen.has(n), n);
  });

  it("finds the command word past global options and their values", () => {
    assert.equal(commandWord(["--json", "--actor", "amy", "-C", "/x", "list", "--all"]), "list");
    assert.equal(commandWord(["--db", "ready", "show"]), "show");
    assert.equal(
      commandWord(["--format", "json", "--directory", "d", "--dolt-auto-commit", "off", "q"]),
      "q",
    );
    assert.equal(commandWord(["-q", "--readonly", "-v", "ready"]), "ready");
    assert.equal(commandWord(["--json"]), undefined);
    assert.equal(commandWord([]), undefined);
  });

  it("each hot-path bundle's names are one whole group's", async () => {
    for (const [bundle, names] of Object.entries(BD_BUNDLES)) {
      const lazy = BD_GROUPS.find((g) => g.names.includes(names[0]!));
      assert.ok(lazy, `${bundle}: no group registers ${names[0]}`);
      assert.deepEqual([...names].sort(), registered(await lazy.load()), bundle);
      for (const n of names) assert.equal(bundleFor(n), bundle);
    }
    assert.equal(bundleFor("init"), undefined);
    assert.equal(bundleFor("help"), undefined);
    assert.equal(bundleFor(undefined), undefined);
  });

  it("bin/bd runs every command of the bundles, and prints the whole tree's help as one program would", async () => {
    const { dir, cleanup } = tempDir("bd-groups-");
    try {
      const words = [...Object.values(BD_BUNDLES).flat(), "init", "mol", "completion"];
      const results = await Promise.all(words.map((w) => run(BD, dir, ["--json", w, "--help"])));
      for (const [i, r] of results.entries()) {
        assert.equal(r.code, 0, `bd ${words[i]} --help: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: bd ([\\w-]+\\|)*${words[i]}\\b`), `bd ${words[i]} --help`);
      }

      // The whole tree registered at once, in the order of BD_GROUPS, is what bd --help shows.
      const whole = buildProgram();
      for (const g of BD_GROUPS) (await g.load()).register(whole);
      const help = await run(BD, dir, ["--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.equal(help.stdout, whole.helpInformation());
      for (const g of BD_GROUPS)
        for (const n of g.names)
          if (n !== "__complete") assert.match(help.stdout, new RegExp(`\\n  ${n}\\b|\\|${n}\\b`), n);
      assert.equal((await run(BD, dir, ["help"])).stdout, help.stdout);
      const helpShow = await run(BD, dir, ["help", "show"]);
      assert.equal(helpShow.code, 0);
      assert.equal(helpShow.stdout, (await run(BD, dir, ["show", "--help"])).stdout);

      const version = await run(BD, dir, ["--version"]);
      assert.match(version.stdout, /^bd version \d\S* \(sqlite\)\n$/);
      assert.equal((await run(BD, dir, ["version"])).stdout, version.stdout);
      const json = JSON.parse((await run(BD, dir, ["--json", "version"])).stdout) as { version: string };
      assert.equal(`bd version ${json.version} (sqlite)\n`, version.stdout);

      // Outside a ledger, a hot command fails as the whole tree would (one line, no ledger).
      const show = await run(BD, dir, ["show", "x-1"]);
      assert.notEqual(show.code, 0);
      assert.equal(show.stderr.split("\n").length, 2, show.stderr);
      // A bundle holds one group: an unknown option is still commander's error, one line.
      const badOpt = await run(BD, dir, ["list", "--no-such-flag"]);
      assert.equal(badOpt.code, 1);
      assert.equal(badOpt.stderr, "Error: unknown option '--no-such-flag'\n");

      const probed = await run(BD, dir, ["no-such-command", "--help"]);
      assert.equal(probed.code, 1);
      assert.equal(probed.stderr, "Error: unknown command 'no-such-command' (bd help lists them)\n");

      // Completion registers every group, though each loads on demand.
      const complete = await run(BD, dir, ["__complete", "--", ""]);
      assert.equal(complete.code, 0, complete.stderr);
      for (const n of ["create", "list", "dep", "mol", "version", "prime"])
        assert.match(complete.stdout, new RegExp(`^${n}\\b`, "m"), n);
    } finally {
      cleanup();
    }
  });
});
