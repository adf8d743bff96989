// bd entry point: a thin CLI over the ledger library.
import { BD_GROUPS } from "./groups.ts";
import { runBd } from "./program.ts";

// The launcher turns Node's compile cache on for us; children need not inherit it.
delete process.env.NODE_COMPILE_CACHE;

void runBd(process.argv, BD_GROUPS);
