// A town for the gt side of formulas and molecules: rig "alpha" (a mirrored one-commit
// repository) and the given formula files in the town's .beads/formulas. No sessions run.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeRepo, newTown, type TestTown } from "./town.ts";

/** `formulas`: file name without `.formula.toml` → its text. */
export async function townWithFormulas(formulas: Record<string, string> = {}): Promise<TestTown> {
  const town = await newTown("subprocess");
  const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "alpha-src")), "--mirror"]);
  if (r.code !== 0) {
    await town.cleanup();
    throw new Error(`gt rig add alpha failed (${r.code}): ${r.stderr}`);
  }
  const dir = join(town.root, ".beads", "formulas");
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(formulas)) writeFileSync(join(dir, `${name}.formula.toml`), text);
  return town;
}
