// Entry of dist/bd-more-issues.cjs (see src/cli/bd/bundles.ts).
import { MORE_ISSUES } from "../../src/cli/bd/more-issues.ts";
import { loaded, runBd } from "../../src/cli/bd/run.ts";

void runBd(process.argv, [loaded(MORE_ISSUES)]);
