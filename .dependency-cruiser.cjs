// The layers of src/, from the bottom up. A folder may import its own layer's files, the
// files at the root of src/ (errors, small shared helpers) and any layer below it; never one
// above. Folders on one line are peers that must not import each other at all. The picture
// in docs/architecture.md is this list. Checked by test/architecture.test.ts (npm test, CI)
// and by `npm run arch` for a readable report.
const LAYERS = [
  ["adapters", "ledger"],
  ["runtime", "events", "formulas"],
  ["town"],
  ["sessions"],
  ["comms"],
  ["work"],
  ["refinery"],
  ["watch"],
  ["agents"],
  ["demo", "doctor", "dashboard", "feed"],
  ["cli"],
];

const folder = (names) => `^src/(${names.join("|")})/`;

const upward = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  const rules = [];
  if (above.length > 0)
    rules.push({
      name: `layer-${layer.join("-")}`,
      comment: `${layer.join(", ")} may not import a layer above it (${above.join(", ")})`,
      severity: "error",
      from: { path: folder(layer) },
      to: { path: folder(above) },
    });
  for (const peer of layer)
    if (layer.length > 1)
      rules.push({
        name: `peer-${peer}`,
        comment: `${peer} may not import its peer${layer.length > 2 ? "s" : ""} ${layer.filter((p) => p !== peer).join(", ")}`,
        severity: "error",
        from: { path: folder([peer]) },
        to: { path: folder(layer.filter((p) => p !== peer)) },
      });
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {

  forbidden: [
    ...upward,
    {
      name: "root-files-import-no-folder",
      comment: "the files at the root of src/ sit below every folder",
      severity: "error",
      from: { path: "^src/[^/]+\\.ts$" },
      to: { path: "^src/[^/]+/" },
    },
    {
      name: "no-circular",
      comment: "no file-level import cycle, inside a folder or across",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no JS compiler API: without swc the cruise finds 0 modules and passes.
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".cjs", ".mjs", ".json"] },
  },
};
