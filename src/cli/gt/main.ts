// gt entry point: a thin CLI over the town, agents and runtime modules. This is the whole
// command tree (dist/gt-all.cjs); the commands agents run most have bundles of their own
// (src/cli/gt/bundles.ts), picked by dist/gt.cjs.
import { GT_GROUPS } from "./groups.ts";
import { gtMain } from "./program.ts";

void gtMain(GT_GROUPS);
