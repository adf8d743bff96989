// The schema library every config and state file is validated with: zod's "mini" build, with
// English messages. zod's classic build (methods on every schema) costs about 0.4x of a bare
// Node start to load, paid by every gt and bd start since the town's files are read on every
// command; the mini build does the same validation for a fraction of that. Import `z` from
// here, never from "zod": one module of the classic build in a bundle brings it all back.
import { config } from "zod/mini";
import english from "zod/v4/locales/en.js";

config(english());

export * as z from "zod/mini";
