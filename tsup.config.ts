import { fileURLToPath } from "node:url";
import { defineConfig } from "tsup";
import { BD_BUNDLES } from "./src/cli/bd/bundles.ts";
import { GT_BUNDLES } from "./src/cli/gt/bundles.ts";

const lazyChildProcess = fileURLToPath(new URL("./scripts/lazy-child-process.cjs", import.meta.url));
const zodNoLocales = fileURLToPath(new URL("./scripts/zod-no-locales.js", import.meta.url));
const pgFromDist = fileURLToPath(new URL("./scripts/pg-from-dist.cjs", import.meta.url));

// One bundled file per start keeps start-up lean: a single CommonJS module to compile (CJS
// loads builtins without the ESM loader's wrapping, measured ~4 ms faster), cached by Node's
// compile cache (the launcher sets NODE_COMPILE_CACHE). dist/gt.cjs and dist/bd.cjs are tiny
// dispatchers that load either gt-all.cjs / bd-all.cjs (every command group) or, for the
// commands agents run most, a bundle holding only their group (src/cli/gt/bundles.ts,
// src/cli/bd/bundles.ts): about half the bytes to read and run. Each bundle is whole (no shared chunks), so module state such
// as the telemetry recorder is never split between files. (ESM with shared chunks measured
// no faster: more files, and the loader's own cost.)
// removeNodeProtocol must stay false: otherwise `node:sqlite` is emitted as `sqlite`.
export default defineConfig({
  entry: {
    bd: "scripts/bd-dispatch.ts",
    "bd-all": "src/cli/bd/main.ts",
    ...Object.fromEntries(Object.keys(BD_BUNDLES).map((b) => [b, `scripts/bd-bundles/${b.slice(3)}.ts`])),
    gt: "scripts/gt-dispatch.ts",
    "gt-all": "src/cli/gt/main.ts",
    ...Object.fromEntries(Object.keys(GT_BUNDLES).map((b) => [b, `scripts/gt-bundles/${b.slice(3)}.ts`])),
    // The PostgreSQL client, loaded from the other bundles only when a PostgreSQL ledger opens.
    pg: "scripts/pg-bundle.cjs",
  },
  format: ["cjs"],
  outExtension: () => ({ js: ".cjs" }),
  platform: "node",
  target: "node24",
  outDir: "dist",
  clean: true,
  splitting: false,
  sourcemap: false,
  // Minified bundles are half the bytes to read and compile on every start (~7% less CPU per
  // gt start, measured); keepNames keeps classes' and functions' .name as written (error
  // names). To read a stack trace, run from the sources (bin/gt uses src/ when dist/ is absent).
  minify: true,
  esbuildOptions(options) {
    options.keepNames = true;
  },
  removeNodeProtocol: false,
  noExternal: [/.*/],
  // The sources are ESM and find their own files through import.meta.filename; in the
  // CommonJS bundle the same thing is __filename (esbuild would otherwise leave it empty).
  define: { "import.meta.filename": "__filename", "import.meta.dirname": "__dirname" },
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
      name: "pg-from-its-own-bundle",
      setup(build) {
        build.onResolve({ filter: /^pg$/ }, (args) =>
          args.importer.includes("src/ledger/postgres/") ? { path: pgFromDist } : undefined,
        );
      },
    },
    {
      name: "zod-without-locales",
      setup(build) {
        build.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
          args.importer.includes("node_modules/zod/") ? { path: zodNoLocales } : undefined,
        );
      },
    },
  ],
});
