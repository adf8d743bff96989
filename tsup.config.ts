import { fileURLToPath } from "node:url";
import type { PluginBuild } from "esbuild";
import { defineConfig, type Options } from "tsup";
import { BD_BUNDLES } from "./src/cli/bd/bundles.ts";
import { GT_BUNDLES } from "./src/cli/gt/bundles.ts";

const lazyChildProcess = fileURLToPath(new URL("./scripts/lazy-child-process.cjs", import.meta.url));
const zodNoLocales = fileURLToPath(new URL("./scripts/zod-no-locales.js", import.meta.url));
const pgLedgerFromDist = fileURLToPath(new URL("./scripts/pg-ledger-from-dist.cjs", import.meta.url));

// One bundled file per start keeps start-up lean: a single CommonJS module to compile (CJS
// loads builtins without the ESM loader's wrapping, measured ~4 ms faster), cached by Node's
// compile cache (the launcher sets NODE_COMPILE_CACHE). dist/gt.cjs and dist/bd.cjs are tiny
// dispatchers that load either gt-all.cjs / bd-all.cjs (every command group) or, for the
// commands agents run most, a bundle holding only their group (src/cli/gt/bundles.ts,
// src/cli/bd/bundles.ts): about half the bytes to read and run. Each bundle is whole (no
// shared chunks), so module state such as the telemetry recorder is never split between
// files. (ESM with shared chunks measured no faster: more files, and the loader's own cost.)
// The one exception is the PostgreSQL ledger with its client, dist/pg.cjs, built apart below.
const common: Options = {
  format: ["cjs"],
  outExtension: () => ({ js: ".cjs" }),
  platform: "node",
  target: "node24",
  outDir: "dist",
  splitting: false,
  sourcemap: false,
  // Minified bundles are half the bytes to read and compile on every start (~7% less CPU per
  // gt start, measured); keepNames keeps classes' and functions' .name as written (error
  // names, which src/errors.ts also matches across bundles). To read a stack trace, run from
  // the sources (bin/gt uses src/ when dist/ is absent).
  minify: true,
  esbuildOptions(options) {
    options.keepNames = true;
  },
  // removeNodeProtocol must stay false: otherwise `node:sqlite` is emitted as `sqlite`.
  removeNodeProtocol: false,
  noExternal: [/.*/],
  // The sources are ESM and find their own files through import.meta.filename; in the
  // CommonJS bundle the same thing is __filename (esbuild would otherwise leave it empty).
  define: { "import.meta.filename": "__filename", "import.meta.dirname": "__dirname" },
};

const zodWithoutLocales = {
  name: "zod-without-locales",
  setup(build: PluginBuild) {
    build.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      args.importer.includes("node_modules/zod/") ? { path: zodNoLocales } : undefined,
    );
  },
};

export default defineConfig([
  {
    ...common,
    entry: {
      bd: "scripts/bd-dispatch.ts",
      "bd-all": "src/cli/bd/main.ts",
      ...Object.fromEntries(Object.keys(BD_BUNDLES).map((b) => [b, `scripts/bd-bundles/${b.slice(3)}.ts`])),
      gt: "scripts/gt-dispatch.ts",
      "gt-all": "src/cli/gt/main.ts",
      ...Object.fromEntries(Object.keys(GT_BUNDLES).map((b) => [b, `scripts/gt-bundles/${b.slice(3)}.ts`])),
    },
    // The other build writes pg.cjs into the same folder at the same time.
    clean: ["!pg.cjs"],
    esbuildPlugins: [
      {
        name: "lazy-child-process-for-commander",
        setup(build) {
          build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
            args.importer.includes("node_modules/commander/") ? { path: lazyChildProcess } : undefined,
          );
        },
      },
      {
        // The PostgreSQL ledger (~40 KB) and its client (~90 KB) would be read and compiled by
        // every start of every bundle; they live in dist/pg.cjs, required only when a ledger
        // whose metadata.json names PostgreSQL opens (or bd migrate runs).
        name: "postgres-ledger-from-its-own-bundle",
        setup(build) {
          build.onResolve({ filter: /\/postgres\/store\.ts$/ }, () => ({ path: pgLedgerFromDist }));
          build.onResolve({ filter: /^pg$/ }, (args) => ({
            errors: [{ text: `pg is imported by ${args.importer}: only dist/pg.cjs may hold it` }],
          }));
        },
      },
      zodWithoutLocales,
    ],
  },
  {
    ...common,
    entry: { pg: "src/ledger/postgres/store.ts" },
    clean: false,
    esbuildPlugins: [zodWithoutLocales],
  },
]);
