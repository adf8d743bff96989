// Closed beads with a closed_at in the past, for the commands that act on old closed beads
// (gc, compact, admin cleanup): bd close can only close now, so they come in through bd import.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bd } from "./bd.ts";

export interface OldBead {
  id: string;
  /** Closed this many days ago. */
  days: number;
  /** More fields of the JSONL line (description, labels, pinned …). */
  extra?: object;
}

export async function importClosedBeads(dir: string, beads: OldBead[]): Promise<void> {
  const lines = beads.map(({ id, days, extra }) => {
    const at = new Date(Date.now() - days * 86_400_000).toISOString();
    return JSON.stringify({
      id,
      title: `Old ${id}`,
      status: "closed",
      priority: 2,
      issue_type: "task",
      created_at: at,
      updated_at: at,
      closed_at: at,
      ...extra,
    });
  });
  const file = join(dir, "old.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const r = await bd(dir, ["import", file]);
  assert.equal(r.code, 0, r.stderr);
}
