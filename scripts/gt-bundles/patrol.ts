// Entry of dist/gt-patrol.cjs (see src/cli/gt/bundles.ts).
import { patrolGroup } from "../../src/cli/gt/patrol.ts";
import { gtMain } from "../../src/cli/gt/program.ts";

void gtMain([patrolGroup]);
