// dist/gt.cjs, what bin/gt runs: loads the bundle for the command word (src/cli/gt/bundles.ts)
// or the whole gt (dist/gt-all.cjs). Kept tiny: every gt start compiles it.
import { join } from "node:path";
import { bundleFor } from "../src/cli/gt/bundles.ts";

// module.require, not require(): the bundler must leave the bundles as separate files.
module.require(join(__dirname, `${bundleFor(process.argv[2]) ?? "gt-all"}.cjs`));
