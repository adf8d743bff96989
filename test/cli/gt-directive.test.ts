import "../helpers/isolation.ts";
// gt directive show|list|edit in a town with rig alpha and crew max: town and rig directive
// files, $EDITOR (a script here) making and changing them, and gt prime showing them.
import assert from "node:assert/strict";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Directive {
  role: string;
  rig: string | null;
  sources: Array<{ scope: string; rig: string | null; path: string }>;
  text: string;
}

describe("gt directive", () => {
  let town: TestTown;
  let editor: string;
  const fails = failsInOneLine(() => town);
  const max = () => join(town.root, "alpha", "crew", "max");
  /** $EDITOR appending `line` to the file it is given. */
  const appending = (line: string) => ({ EDITOR: `${editor} '${line}'`, VISUAL: "" });

  before(async () => {
    town = await crewTown(["max"]);
    editor = join(town.scratch, "append-editor.sh");
    writeFileSync(editor, '#!/bin/sh\nprintf "%s\\n" "$1" >> "$2"\n');
    chmodSync(editor, 0o755);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("show says there is none, edit makes the town's and the rig's, show joins them town first", async () => {
    const none = await town.gtJson<Directive>(["directive", "show", "crew"]);
    assert.deepEqual([none.sources, none.text, none.rig], [[], "", null]);
    assert.match((await town.gt(["directive", "show", "crew"])).stdout, /no directive for crew/);

    const t = await town.gtJson<{ path: string; created: boolean; changed: boolean }>(
      ["directive", "edit", "crew", "--town"],
      { cwd: max(), env: appending("Always run the tests.") },
    );
    assert.equal(t.path, join(town.root, "directives", "crew.md"));
    assert.deepEqual([t.created, t.changed], [true, true]);
    assert.match(readFileSync(t.path, "utf8"), /Always run the tests\.\n$/);

    const r = await town.gtJson<{ path: string; created: boolean }>(["directive", "edit", "crew"], {
      cwd: max(),
      env: appending("In alpha, use pnpm."),
    });
    assert.equal(r.path, join(town.root, "alpha", "directives", "crew.md"), "in a rig: the rig's");

    const both = await town.gtJson<Directive>(["directive", "show", "crew"], { cwd: max() });
    assert.equal(both.rig, "alpha");
    assert.deepEqual(
      both.sources.map((s) => s.scope),
      ["town", "rig"],
    );
    assert.ok(both.text.indexOf("Always run the tests.") < both.text.indexOf("In alpha, use pnpm."));
    const text = await town.gt(["directive", "show", "crew", "--rig", "alpha"]);
    assert.match(text.stdout, /# Directive: crew \(town \+ rig alpha\)/);
    assert.match(text.stdout, /In alpha, use pnpm\./);

    const prime = await town.gt(["prime"], { cwd: max() });
    assert.equal(prime.code, 0, prime.stderr);
    const a = prime.stdout.indexOf("Always run the tests.");
    assert.ok(a >= 0 && a < prime.stdout.indexOf("In alpha, use pnpm."), "gt prime shows both, rig last");
    const witness = await town.gt(["prime"], { env: { GT_ROLE: "alpha/witness" } });
    assert.ok(!witness.stdout.includes("Always run the tests."), "another role's directive is not shown");
  });

  it("list shows every file; edit with an unchanged file and a failing editor", async () => {
    const rows = await town.gtJson<Array<{ scope: string; rig: string | null; role: string }>>([
      "directive",
      "list",
    ]);
    assert.deepEqual(
      rows.map((r) => `${r.scope}:${r.rig ?? ""}:${r.role}`),
      ["town::crew", "rig:alpha:crew"],
    );
    const same = await town.gtJson<{ changed: boolean; created: boolean }>(
      ["directive", "edit", "crew", "--town"],
      {
        env: { EDITOR: "true", VISUAL: "" },
      },
    );
    assert.deepEqual([same.created, same.changed], [false, false]);
    await fails(["directive", "edit", "mayor"], /editor "false" exited with 1/, {
      env: { EDITOR: "false", VISUAL: "" },
    });
    await fails(["directive", "show", "wizard"], /unknown role "wizard"/);
    await fails(["directive", "show", "crew", "--rig", "nope"], /unknown rig "nope"/);
  });
});
