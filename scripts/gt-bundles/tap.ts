// Entry of dist/gt-tap.cjs (see src/cli/gt/bundles.ts): the PreToolUse guards and the Stop
// signal run on every tool call and every turn's end of every agent.
import { gtMain } from "../../src/cli/gt/program.ts";
import { tapGroup } from "../../src/cli/gt/tap.ts";

void gtMain([tapGroup]);
