// Entry of dist/gt-mail.cjs (see src/cli/gt/bundles.ts).
import { mailGroup } from "../../src/cli/gt/mail.ts";
import { gtMain } from "../../src/cli/gt/program.ts";

void gtMain([mailGroup]);
