// Placeholder, filled in by the convoy work.
import type { GtGroup } from "./program.ts";

export const convoyGroup: GtGroup = { names: [], register() {} };
