// Entry of dist/bd-guide.cjs (see src/cli/bd/bundles.ts).
import { GUIDE } from "../../src/cli/bd/guide.ts";
import { loaded, runBd } from "../../src/cli/bd/run.ts";

void runBd(process.argv, [loaded(GUIDE)]);
