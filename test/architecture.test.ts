// The layers of src/ hold: no folder imports a layer above it or a peer, and no file-level
// import cycle exists. The allowed direction is written once, in .dependency-cruiser.cjs;
// this test runs dependency-cruiser with it over src/, and over small trees with one
// deliberate back-edge or cycle each, to prove the check can fail.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cruise, type IConfiguration, type ICruiseResult } from "dependency-cruiser";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const config = createRequire(import.meta.url)(join(root, ".dependency-cruiser.cjs")) as IConfiguration;

async function cruiseIn(baseDir: string): Promise<ICruiseResult> {
  const cwd = process.cwd();
  process.chdir(baseDir); // rule paths are relative to the cruise's base directory
  try {
    const result = await cruise(["src"], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      baseDir,
    });
    return result.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}

function violations(r: ICruiseResult): string[] {
  return r.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe("architecture", () => {
  const scratch = mkdtempSync(join(tmpdir(), "gt-arch-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A tree of src/ files (path -> the relative modules it imports), cruised like the real one. */
  const tree = async (name: string, files: Record<string, string[]>) => {
    const dir = join(scratch, name);
    for (const [path, imports] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      const body = imports.map((m, i) => `import { x as x${i} } from "${m}";`).join("\n");
      writeFileSync(join(dir, path), `${body}\nexport const x = 1;\n`);
    }
    return cruiseIn(dir);
  };

  it("src/ imports only downward, with no cycle", async () => {
    const r = await cruiseIn(root);
    // Without a working parser the cruise sees nothing and every rule passes.
    assert.ok(r.summary.totalCruised > 100, `cruised only ${r.summary.totalCruised} modules`);
    assert.ok((r.summary.totalDependenciesCruised ?? 0) > 300);
    assert.deepEqual(violations(r), []);
  });

  it("fails on a folder importing a layer above it", async () => {
    const r = await tree("back-edge", {
      "src/work/sling.ts": ["../town/rig.ts"],
      "src/town/rig.ts": ["../work/hook.ts"],
      "src/work/hook.ts": [],
    });
    assert.ok(r.summary.totalCruised >= 3);
    assert.deepEqual(violations(r), ["layer-town: src/town/rig.ts -> src/work/hook.ts"]);
  });

  it("fails on peers importing each other", async () => {
    const r = await tree("peers", {
      "src/ledger/store.ts": ["../adapters/git.ts"],
      "src/adapters/git.ts": [],
    });
    assert.deepEqual(violations(r), ["peer-ledger: src/ledger/store.ts -> src/adapters/git.ts"]);
  });

  it("fails on a file-level cycle inside one folder", async () => {
    const r = await tree("cycle", {
      "src/work/a.ts": ["./b.ts"],
      "src/work/b.ts": ["./a.ts"],
    });
    // One report per cycle, from whichever file the cruise met first.
    assert.equal(violations(r).length, 1);
    assert.match(
      violations(r)[0]!,
      /^no-circular: src\/work\/(a\.ts -> src\/work\/b|b\.ts -> src\/work\/a)\.ts$/,
    );
  });

  it("fails on a root file importing a folder", async () => {
    const r = await tree("root-file", {
      "src/errors.ts": ["./ledger/model.ts"],
      "src/ledger/model.ts": [],
    });
    assert.deepEqual(violations(r), ["root-files-import-no-folder: src/errors.ts -> src/ledger/model.ts"]);
  });
});
