// Entry of dist/gt-done.cjs (see src/cli/gt/bundles.ts).
import { doneGroup } from "../../src/cli/gt/done.ts";
import { gtMain } from "../../src/cli/gt/program.ts";

void gtMain([doneGroup]);
