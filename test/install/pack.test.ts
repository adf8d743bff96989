import "../helpers/isolation.ts";
// The package as a user gets it: `npm pack`, then `npm install -g` of the tarball into a
// scratch prefix, run with a PATH whose `node` is whatever the machine has (Node 20 on the
// development machines): <prefix>/bin/gt and bd must run on the pinned Node 24 the package
// brings (the node-linux-<cpu> optional dependency), from any directory, and `gt demo` must
// build and drive a whole town from the installed copy. npm uses the real user's cache and
// config (the test's private HOME would mean a cold cache), so only the first run downloads.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, describe, it } from "node:test";
import { BD_VERSION } from "../../src/cli/bd/program.ts";
import { GT_VERSION } from "../../src/cli/gt/program.ts";
import { ROOT, run } from "../helpers/bd.ts";
import { ORIGINAL_HOME } from "../helpers/isolation.ts";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  name: string;
  optionalDependencies: Record<string, string>;
};
const PINNED_NODE = pkg.optionalDependencies[`node-linux-${process.arch}`];

/** PATH without this checkout's node_modules/.bin: `node` there is the machine's own. */
const SYSTEM_PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((d) => d !== "" && !d.includes("node_modules"))
  .join(delimiter);

/** npm as the user runs it: their HOME (cache, ~/.npmrc), none of `npm test`'s npm_* variables. */
function npm(args: string[], cwd: string): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  const cache = process.env.npm_config_cache ?? join(ORIGINAL_HOME ?? tmpdir(), ".npm");
  return execFileSync("npm", [...args, "--cache", cache, "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd,
    env: { ...env, HOME: ORIGINAL_HOME, PATH: SYSTEM_PATH },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 1024 * 1024,
  });
}

describe("npm pack and npm install -g", { timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-pack-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("installs gt and bd that run on the pinned Node from anywhere, and gt demo works", async () => {
    assert.ok(PINNED_NODE, `no pinned Node for ${process.arch} in optionalDependencies`);
    // The test helpers built dist/ already; npm's prepare would rebuild it under the other
    // test files' feet (tsup empties dist/ first).
    const packed = JSON.parse(
      npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT),
    ) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const files = packed[0]!.files.map((f) => f.path);
    for (const f of [
      "bin/gt",
      "bin/bd",
      "scripts/launch.sh",
      "dist/gt.cjs",
      "dist/gt-all.cjs",
      "dist/bd.cjs",
    ])
      assert.ok(files.includes(f), `the tarball lacks ${f}`);
    assert.ok(files.some((f) => f.startsWith("templates/")) && files.some((f) => f.startsWith("formulas/")));
    assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "sources stay out");

    const prefix = join(dir, "prefix");
    npm(["install", "--global", "--prefix", prefix, join(dir, packed[0]!.filename)], dir);
    const gt = join(prefix, "bin", "gt");
    const bd = join(prefix, "bin", "bd");
    assert.ok(existsSync(gt) && existsSync(bd));

    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    const env = { PATH: SYSTEM_PATH, GT_BIN: "" };
    const version = await run(gt, elsewhere, ["version", "--json"], { env });
    assert.equal(version.code, 0, version.stderr);
    assert.deepEqual(JSON.parse(version.stdout), {
      version: GT_VERSION,
      runtime: `node ${PINNED_NODE}`,
    });
    const gtText = await run(gt, elsewhere, ["version"], { env });
    assert.equal(gtText.stdout, `gt version ${GT_VERSION}\n`);
    const bdVersion = await run(bd, elsewhere, ["version"], { env });
    assert.equal(bdVersion.code, 0, bdVersion.stderr);
    assert.equal(bdVersion.stdout, `bd version ${BD_VERSION} (sqlite)\n`);
    const completion = await run(gt, elsewhere, ["completion", "bash"], { env });
    assert.match(completion.stdout, /complete -o default -F _gt_completion gt/);

    // What dist/ import()s at run time comes along: the feed's Ink and React, the OTLP SDK.
    const installed = join(prefix, "lib", "node_modules", pkg.name);
    const node = join(installed, "node_modules", ".bin", "node");
    const modules = [
      "ink",
      "react",
      "@opentelemetry/resources",
      "@opentelemetry/sdk-metrics",
      "@opentelemetry/sdk-logs",
      "@opentelemetry/exporter-metrics-otlp-http",
      "@opentelemetry/exporter-logs-otlp-http",
    ];
    execFileSync(
      node,
      ["--input-type=module", "-e", modules.map((m) => `await import(${JSON.stringify(m)});`).join("")],
      {
        cwd: join(installed, "dist"),
        env: { ...process.env, PATH: SYSTEM_PATH },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );

    const demoDir = join(dir, "demo");
    const demo = await run(gt, elsewhere, ["demo", "--dir", demoDir, "--json", "--timeout", "120"], {
      env: { ...env, GT_RUNTIME_PROVIDER: "subprocess" },
    });
    assert.equal(demo.code, 0, demo.stderr);
    const result = JSON.parse(demo.stdout) as { finished: boolean; beads: Array<{ merged: string | null }> };
    assert.equal(result.finished, true);
    assert.equal(result.beads.length, 5);
    assert.ok(
      result.beads.every((b) => b.merged),
      demo.stdout,
    );
  });
});
