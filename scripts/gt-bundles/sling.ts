// Entry of dist/gt-sling.cjs (see src/cli/gt/bundles.ts).

import { gtMain } from "../../src/cli/gt/program.ts";
import { slingGroup } from "../../src/cli/gt/sling.ts";

void gtMain([slingGroup]);
