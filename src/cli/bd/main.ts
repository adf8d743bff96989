// bd entry point: a thin CLI over the ledger library.
import { registerAdmin } from "./admin.ts";
import { registerGuide } from "./guide.ts";
import { registerIssues } from "./issues.ts";
import { runBd } from "./program.ts";
import { registerQueries } from "./queries.ts";
import { registerRelations } from "./relations.ts";

// The launcher turns Node's compile cache on for us; children need not inherit it.
delete process.env.NODE_COMPILE_CACHE;

void runBd(process.argv, [registerIssues, registerQueries, registerRelations, registerAdmin, registerGuide]);
