// The helpers rebuild dist/ when a bundle input is newer than the bundles (or a bundle is
// missing), once, under a lock shared by concurrently loading test files; a fresh dist
// costs no build. Checked on a fake checkout with a fake build.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { BUILD_OUTPUTS, buildStaleness, ensureFreshBuild } from "../helpers/build.ts";
import { scratchDir } from "../helpers/temp.ts";

// Dated in the past, so whatever a build writes now is newer.
const T0 = new Date("2020-01-01T00:00:00Z").getTime() / 1000;

function write(root: string, rel: string, at: number): void {
  const path = join(root, rel);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, `// ${rel}\n`);
  utimesSync(path, at, at);
}

/** A checkout whose inputs are dated T0 and whose bundles (when `built`) T0 + 10 s. */
function checkout(built = true): string {
  const root = scratchDir("gt-stale-");
  for (const f of [
    "src/cli/gt/main.ts",
    "src/cli/bd/main.ts",
    "src/ledger/store.ts",
    "package.json",
    "tsup.config.ts",
  ])
    write(root, f, T0);
  if (built) for (const out of BUILD_OUTPUTS) write(root, out, T0 + 10);
  return root;
}

/** A build that stamps the bundles now, counting its runs in `builds.log`. */
function fakeBuild(root: string): () => void {
  return () => {
    writeFileSync(join(root, "builds.log"), "built\n", { flag: "a" });
    for (const out of BUILD_OUTPUTS) {
      mkdirSync(join(root, out, ".."), { recursive: true });
      writeFileSync(join(root, out), "bundle\n");
    }
  };
}

const builds = (root: string) =>
  existsSync(join(root, "builds.log"))
    ? readFileSync(join(root, "builds.log"), "utf8").split("\n").filter(Boolean).length
    : 0;

describe("the build staleness check", () => {
  it("is fresh when every bundle is newer than every input", () => {
    assert.equal(buildStaleness(checkout()), undefined);
  });

  it("is stale when a bundle is missing", () => {
    assert.equal(buildStaleness(checkout(false)), "dist/gt.cjs is missing");
    const root = checkout(false);
    write(root, "dist/gt.cjs", T0 + 10);
    assert.equal(
      buildStaleness(root),
      "dist/gt-all.cjs is missing",
      "the dispatcher without the bundle it falls back to",
    );
    write(root, "dist/gt-all.cjs", T0 + 10);
    assert.equal(buildStaleness(root), "dist/bd.cjs is missing");
  });

  it("names a source file, however deep, edited after the oldest bundle", () => {
    const root = checkout();
    write(root, "src/ledger/sqlite/deep/x.ts", T0 + 20);
    assert.equal(buildStaleness(root), "src/ledger/sqlite/deep/x.ts is newer than dist/gt.cjs");
  });

  it("compares with the oldest bundle, and counts the build's config and the package manifest", () => {
    const root = checkout();
    write(root, "dist/bd.cjs", T0 + 5);
    write(root, "src/cli/bd/main.ts", T0 + 7);
    assert.equal(buildStaleness(root), "src/cli/bd/main.ts is newer than dist/bd.cjs");
    for (const f of ["tsup.config.ts", "package.json"]) {
      const r = checkout();
      write(r, f, T0 + 20);
      assert.match(buildStaleness(r) ?? "", new RegExp(`^${f.replace(".", "\\.")} is newer`));
    }
    // Files outside the inputs (tests, docs) do not make the build stale.
    const other = checkout();
    write(other, "test/x.test.ts", T0 + 20);
    write(other, "README.md", T0 + 20);
    assert.equal(buildStaleness(other), undefined);
  });
});

describe("ensureFreshBuild", () => {
  it("does not build a fresh checkout", () => {
    const root = checkout();
    assert.equal(ensureFreshBuild(root, fakeBuild(root)), undefined);
    assert.equal(builds(root), 0);
  });

  it("builds a stale checkout once, after which it is fresh", () => {
    const root = checkout();
    write(root, "src/ledger/store.ts", T0 + 20);
    assert.equal(ensureFreshBuild(root, fakeBuild(root)), "src/ledger/store.ts is newer than dist/gt.cjs");
    assert.equal(builds(root), 1);
    assert.equal(buildStaleness(root), undefined);
    assert.equal(ensureFreshBuild(root, fakeBuild(root)), undefined);
    assert.equal(builds(root), 1);
  });

  it("takes over a lock left by a process that died", () => {
    const root = checkout(false);
    const lock = join(root, "node_modules", ".cache", "gastown-test-build.lock");
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, "pid"), "999999999");
    assert.equal(ensureFreshBuild(root, fakeBuild(root)), "dist/gt.cjs is missing");
    assert.equal(existsSync(lock), false);
  });

  it("builds once when several test files load at the same time", async () => {
    const root = checkout(false);
    const buildTs = pathToFileURL(join(import.meta.dirname, "..", "helpers", "build.ts")).href;
    // Each process: wait for the common start, then check; the build is slow enough that
    // the others arrive while it runs and must wait for the lock, then find dist fresh.
    const script = `
      import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
      import { join } from "node:path";
      const { BUILD_OUTPUTS, ensureFreshBuild } = await import(${JSON.stringify(buildTs)});
      const root = ${JSON.stringify(root)};
      while (!existsSync(join(root, "go"))) await new Promise((r) => setTimeout(r, 10));
      const why = ensureFreshBuild(root, () => {
        appendFileSync(join(root, "builds.log"), "built\\n");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
        mkdirSync(join(root, "dist"), { recursive: true });
        for (const out of BUILD_OUTPUTS) writeFileSync(join(root, out), "bundle\\n");
      });
      console.log(why ?? "fresh");
    `;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
            stdio: ["ignore", "pipe", "inherit"],
          });
          let out = "";
          child.stdout.on("data", (d) => {
            out += d;
          });
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))));
        }),
    );
    await new Promise((r) => setTimeout(r, 300));
    writeFileSync(join(root, "go"), "");
    const results = await Promise.all(runs);
    assert.equal(builds(root), 1, results.join(", "));
    assert.deepEqual(results.sort(), ["dist/gt.cjs is missing", "fresh", "fresh", "fresh"]);
  });
});
