// Entry of dist/bd-relations.cjs (see src/cli/bd/bundles.ts).

import { RELATIONS } from "../../src/cli/bd/relations.ts";
import { loaded, runBd } from "../../src/cli/bd/run.ts";

void runBd(process.argv, [loaded(RELATIONS)]);
