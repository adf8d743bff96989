// dist/bd.cjs, what bin/bd runs: loads the bundle for the command word (src/cli/bd/bundles.ts)
// or the whole bd (dist/bd-all.cjs). Kept tiny: every bd start compiles it.
import { join } from "node:path";
import { bundleFor } from "../src/cli/bd/bundles.ts";
import { commandWord } from "../src/cli/bd/command-word.ts";

// module.require, not require(): the bundler must leave the bundles as separate files.
module.require(join(__dirname, `${bundleFor(commandWord(process.argv.slice(2))) ?? "bd-all"}.cjs`));
