// bd entry point: a thin CLI over the ledger library.
import { enableCompileCache } from "node:module";
import { registerAdmin } from "./admin.ts";
import { registerGuide } from "./guide.ts";
import { registerIssues } from "./issues.ts";
import { runBd } from "./program.ts";
import { registerQueries } from "./queries.ts";
import { registerRelations } from "./relations.ts";

// Cached V8 bytecode makes every later start of bd cheaper.
enableCompileCache?.();

await runBd(process.argv, [registerIssues, registerQueries, registerRelations, registerAdmin, registerGuide]);
