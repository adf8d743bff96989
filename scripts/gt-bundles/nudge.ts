// Entry of dist/gt-nudge.cjs (see src/cli/gt/bundles.ts).
import { nudgeGroup } from "../../src/cli/gt/nudge.ts";
import { gtMain } from "../../src/cli/gt/program.ts";

void gtMain([nudgeGroup]);
