// The schema library every config and state file is validated with: zod's "mini" build, with
// English messages. zod's classic build (methods on every schema) costs about 0.4x of a bare
// Node start to load, paid by every gt and bd start since the town's files are read on every
// command; the mini build does the same validation for a fraction of that. Import it as
// `import * as z from "../schema.ts"`, never from "zod": one module of the classic build in a
// bundle brings it all back. A flat re-export (not `export * as z`) lets the bundler keep only
// the parts of zod the schemas use: the whole namespace as one object cost as much again.
// A file's schema is declared inside z.lazy(() => …): built on its first parse, not at every
// start by every command that merely imports the module.
import { config } from "zod/mini";
import english from "zod/v4/locales/en.js";

config(english());

export * from "zod/mini";
