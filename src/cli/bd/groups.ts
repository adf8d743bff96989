// Every command group of bd, in help order.
import { ADMIN } from "./admin.ts";
import { BATCH } from "./batch.ts";
import { completionGroup } from "./completion.ts";
import { FORMULA } from "./formula.ts";
import { GATE } from "./gate.ts";
import { GRAPH_EPIC } from "./graph-epic.ts";
import { GUIDE } from "./guide.ts";
import { ISSUES } from "./issues.ts";
import { MAIL } from "./mail.ts";
import { MAINTENANCE } from "./maintenance.ts";
import { MEMORY_GROUP } from "./memory.ts";
import { MOL } from "./mol.ts";
import { MORE_ISSUES } from "./more-issues.ts";
import type { CommandGroup } from "./program.ts";
import { QUERIES } from "./queries.ts";
import { RELATIONS } from "./relations.ts";
import { VIEWS } from "./views.ts";

export const BD_GROUPS: CommandGroup[] = [
  ISSUES,
  MORE_ISSUES,
  QUERIES,
  RELATIONS,
  VIEWS,
  GRAPH_EPIC,
  MEMORY_GROUP,
  FORMULA,
  MOL,
  GATE,
  ADMIN,
  MAINTENANCE,
  BATCH,
  MAIL,
  GUIDE,
  completionGroup(() => BD_GROUPS),
];
