// Entry of dist/bd-relations.cjs (see scripts/bd-bundles.ts).

import { loaded, runBd } from "../../src/cli/bd/program.ts";
import { RELATIONS } from "../../src/cli/bd/relations.ts";

void runBd(process.argv, [loaded(RELATIONS)]);
