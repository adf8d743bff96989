// Entry of dist/bd-queries.cjs (see scripts/bd-bundles.ts).

import { loaded, runBd } from "../../src/cli/bd/program.ts";
import { QUERIES } from "../../src/cli/bd/queries.ts";

void runBd(process.argv, [loaded(QUERIES)]);
