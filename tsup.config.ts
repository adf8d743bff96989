import { defineConfig } from "tsup";

// One bundled file per executable keeps start-up lean (a single module to parse).
// removeNodeProtocol must stay false: otherwise `node:sqlite` is emitted as `sqlite`.
export default defineConfig({
  entry: { bd: "src/cli/bd/main.ts", gt: "src/cli/gt/main.ts" },
  format: ["esm"],
  platform: "node",
  target: "node24",
  outDir: "dist",
  clean: true,
  splitting: false,
  sourcemap: false,
  removeNodeProtocol: false,
  noExternal: [/.*/],
});
