// Entry of dist/bd-version.cjs (see src/cli/bd/bundles.ts).

import { loaded, runBd } from "../../src/cli/bd/run.ts";
import { VERSION } from "../../src/cli/bd/version.ts";

void runBd(process.argv, [loaded(VERSION)]);
