// A town written by hand, for tests that call src/ directly and need no gt install: only the
// files that make a directory a town with one rig.
import "./isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initLedger } from "../../src/ledger/discovery.ts";
import { scratchDir } from "./temp.ts";

/**
 * A new town in a temp dir (named by `prefix`, removed after the file's tests): mayor/town.json
 * (town "t"), mayor/rigs.json with rig "gastown" (prefix gt) and the rig's directory. With
 * `ledgers`, the town's ledger (prefix hq) and the rig's (prefix gt) too. Returns its root.
 */
export function handMadeTown(prefix: string, opts: { ledgers?: boolean } = {}): string {
  const root = scratchDir(prefix);
  const now = new Date().toISOString();
  mkdirSync(join(root, "mayor"));
  writeFileSync(
    join(root, "mayor", "town.json"),
    JSON.stringify({ type: "town", version: 2, name: "t", created_at: now }),
  );
  writeFileSync(
    join(root, "mayor", "rigs.json"),
    JSON.stringify({
      version: 1,
      rigs: {
        gastown: { git_url: "https://example.invalid/g.git", added_at: now, beads: { prefix: "gt" } },
      },
    }),
  );
  mkdirSync(join(root, "gastown"));
  if (opts.ledgers) {
    initLedger(root, { prefix: "hq", version: "test" });
    initLedger(join(root, "gastown"), { prefix: "gt", version: "test" });
  }
  return root;
}
