// bd entry point: a thin CLI over the ledger library. Built as dist/bd-all.cjs (every group,
// each loaded on demand); dist/bd.cjs picks it or a hot-path bundle (src/cli/bd/bundles.ts).
// bin/bd runs this file itself when dist/ is absent.
import { BD_GROUPS } from "./groups.ts";
import { runBd } from "./run.ts";

void runBd(process.argv, BD_GROUPS);
