import "../helpers/isolation.ts";
// bd against beads' visible commands (test/cli/beads-commands.ts): every command marked
// present is in `bd --help`, every one not yet built is not, and the counts are printed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bd, tempDir } from "../helpers/bd.ts";
import { BEADS_COMMANDS } from "./beads-commands.ts";

/** Command names and aliases from commander's help (`  name|alias [options] ...`). */
function helpNames(help: string): Set<string> {
  const names = new Set<string>();
  const section = help.slice(help.indexOf("Commands:"));
  for (const line of section.split("\n").slice(1)) {
    const m = /^ {2}([a-z][a-z0-9-]*(?:\|[a-z][a-z0-9-]*)*)\b/.exec(line);
    if (m) for (const n of m[1]!.split("|")) names.add(n);
  }
  return names;
}

describe("bd covers beads' commands", () => {
  it("present commands are in bd --help, commands not yet built are not", async (t) => {
    const d = tempDir();
    t.after(d.cleanup);
    const r = await bd(d.dir, ["--help"]);
    assert.equal(r.code, 0, r.stderr);
    const names = helpNames(r.stdout);
    assert.ok(names.has("create") && names.has("new"), "help parsed");
    const seen = new Set<string>();
    for (const c of BEADS_COMMANDS) {
      assert.ok(!seen.has(c.name), `${c.name} listed twice`);
      seen.add(c.name);
      if (c.state === "present")
        assert.ok(names.has(c.name), `${c.name} is marked present but bd --help lacks it`);
      else assert.ok(!names.has(c.name), `${c.name} is in bd --help but marked ${c.state}: mark it present`);
      if (c.state === "omitted") assert.ok(c.note, `${c.name}: an omitted command says why`);
    }
    const count = (s: string) => BEADS_COMMANDS.filter((c) => c.state === s).length;
    t.diagnostic(
      `beads commands: ${BEADS_COMMANDS.length}; present ${count("present")}, omitted ${count("omitted")}, not yet built ${count("todo")}`,
    );
  });
});
