// Entry of dist/bd-queries.cjs (see src/cli/bd/bundles.ts).

import { QUERIES } from "../../src/cli/bd/queries.ts";
import { loaded, runBd } from "../../src/cli/bd/run.ts";

void runBd(process.argv, [loaded(QUERIES)]);
