// Entry of dist/gt-prime.cjs (see src/cli/gt/bundles.ts).
import { primeGroup } from "../../src/cli/gt/prime.ts";
import { gtMain } from "../../src/cli/gt/program.ts";

void gtMain([primeGroup]);
