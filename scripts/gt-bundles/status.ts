// Entry of dist/gt-status.cjs (see src/cli/gt/bundles.ts).

import { gtMain } from "../../src/cli/gt/program.ts";
import { statusGroup } from "../../src/cli/gt/session.ts";

void gtMain([statusGroup]);
