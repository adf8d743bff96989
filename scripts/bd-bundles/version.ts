// Entry of dist/bd-version.cjs (see scripts/bd-bundles.ts).

import { loaded, runBd } from "../../src/cli/bd/program.ts";
import { VERSION } from "../../src/cli/bd/version.ts";

void runBd(process.argv, [loaded(VERSION)]);
