import "../helpers/isolation.ts";
// gt formula overlay show|edit|list on the built-in mol-polecat-work: a town overlay, a rig
// overlay that wins whole, steps replaced/appended/skipped (needs inherited), stale step IDs
// warned about, a broken file refused in one line.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Shown {
  formula: string;
  rig: string | null;
  overlay: { scope: string; path: string; overrides: Array<{ step_id: string; mode: string }> } | null;
  formula_found: boolean;
  steps: Array<{ id: string; description: string | null; needs: string[] }> | null;
  warnings: string[];
}

describe("gt formula overlay", () => {
  let town: TestTown;
  let editor: string;
  const fails = failsInOneLine(() => town);
  /** $EDITOR writing `text` as the whole file. */
  const writing = (text: string) => {
    const src = join(town.scratch, `overlay-${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(src, text);
    return { EDITOR: `${editor} '${src}'`, VISUAL: "" };
  };

  before(async () => {
    town = await crewTown([]);
    editor = join(town.scratch, "copy-editor.sh");
    writeFileSync(editor, '#!/bin/sh\ncat "$1" > "$2"\n');
    chmodSync(editor, 0o755);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("edit makes the town's overlay, show applies it, a rig's overlay wins whole, list shows both", async () => {
    const none = await town.gtJson<Shown>(["formula", "overlay", "show", "mol-polecat-work"]);
    assert.equal(none.overlay, null);
    assert.match(
      (await town.gt(["formula", "overlay", "show", "mol-polecat-work"])).stdout,
      /No overlay found/,
    );

    const made = await town.gtJson<{ path: string; created: boolean; changed: boolean; overrides: number }>(
      ["formula", "overlay", "edit", "mol-polecat-work"],
      {
        env: writing(
          [
            "[[step-overrides]]",
            'step_id = "self-review"',
            'mode = "skip"',
            "",
            "[[step-overrides]]",
            'step_id = "run-gates"',
            'mode = "append"',
            'description = "Also run the e2e suite."',
            "",
            "[[step-overrides]]",
            'step_id = "no-such-step"',
            'mode = "replace"',
            'description = "x"',
          ].join("\n"),
        ),
      },
    );
    assert.equal(made.path, join(town.root, "formula-overlays", "mol-polecat-work.toml"));
    assert.deepEqual([made.created, made.changed, made.overrides], [true, true, 3]);

    const shown = await town.gtJson<Shown>(["formula", "overlay", "show", "mol-polecat-work"]);
    assert.equal(shown.overlay?.scope, "town");
    const ids = shown.steps!.map((s) => s.id);
    assert.ok(!ids.includes("self-review") && ids.includes("implement"));
    const gates = shown.steps!.find((s) => s.id === "run-gates")!;
    assert.deepEqual(gates.needs, ["implement"], "the skipped step's needs are inherited");
    assert.match(gates.description!, /\nAlso run the e2e suite\.$/);
    assert.deepEqual(shown.warnings, ['overlay references unknown step "no-such-step" (stale override)']);
    const text = await town.gt(["formula", "overlay", "show", "mol-polecat-work"]);
    assert.match(text.stdout, /# Overlay: mol-polecat-work \(town\)\n# Source: .*\n# Step overrides: 3/);
    assert.match(text.stderr, /warning: overlay references unknown step "no-such-step"/);

    const rigFile = join(town.root, "alpha", "formula-overlays", "mol-polecat-work.toml");
    mkdirSync(join(town.root, "alpha", "formula-overlays"), { recursive: true });
    writeFileSync(
      rigFile,
      '[[step-overrides]]\nstep_id = "commit"\nmode = "replace"\ndescription = "Commit with care."\n',
    );
    const inRig = await town.gtJson<Shown>(["formula", "overlay", "show", "mol-polecat-work"], {
      cwd: join(town.root, "alpha"),
    });
    assert.equal(inRig.overlay?.path, rigFile);
    assert.ok(
      inRig.steps!.some((s) => s.id === "self-review"),
      "the town's overlay is not merged in",
    );
    assert.equal(inRig.steps!.find((s) => s.id === "commit")!.description, "Commit with care.");

    const list = await town.gtJson<Array<{ scope: string; rig: string | null; formula: string }>>([
      "formula",
      "overlay",
      "list",
    ]);
    assert.deepEqual(
      list.map((r) => `${r.scope}:${r.rig ?? ""}:${r.formula}`),
      ["town::mol-polecat-work", "rig:alpha:mol-polecat-work"],
    );
  });

  it("edit --town from inside a rig, an unchanged file, a broken file and bad names fail in one line", async () => {
    const file = join(town.root, "formula-overlays", "mol-polecat-work.toml");
    const before = readFileSync(file, "utf8");
    const same = await town.gtJson<{ path: string; changed: boolean }>(
      ["formula", "overlay", "edit", "mol-polecat-work", "--town"],
      { cwd: join(town.root, "alpha"), env: writing(before) },
    );
    assert.deepEqual([same.path, same.changed], [file, false]);

    await fails(["formula", "overlay", "edit", "fresh-one"], /invalid mode "sometimes"/, {
      env: writing('[[step-overrides]]\nstep_id = "a"\nmode = "sometimes"\n'),
    });
    assert.ok(existsSync(join(town.root, "formula-overlays", "fresh-one.toml")), "the file is left to fix");
    await fails(["formula", "overlay", "show", "fresh-one"], /fresh-one\.toml: step-overrides\[0\]/);
    await fails(["formula", "overlay", "show", "../etc/passwd"], /invalid formula name/);
    await fails(["formula", "overlay", "edit", "x", "--rig", "nope"], /nope/);
  });
});
