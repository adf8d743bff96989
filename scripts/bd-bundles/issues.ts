// Entry of dist/bd-issues.cjs (see src/cli/bd/bundles.ts).
import { ISSUES } from "../../src/cli/bd/issues.ts";
import { loaded, runBd } from "../../src/cli/bd/run.ts";

void runBd(process.argv, [loaded(ISSUES)]);
