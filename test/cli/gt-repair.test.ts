// gt repair on a real town: a rig whose config.json lost its prefix agreement with rigs.json,
// a routes.jsonl deleted, and identity beads lost with a database are reported by --dry-run
// (nothing changed), then repaired; a second run finds nothing to do.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";
import { locate } from "../../src/town/ledgers.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";

interface Report {
  checks: Array<{ name: string; status: string; fixed: boolean; details: string[] }>;
  summary: { errors: number; warnings: number; fixed: number };
}

describe("gt repair", () => {
  let town: TestTown;
  const rigBeads = () => join(town.root, "alpha", ".beads");
  async function exists(id: string): Promise<boolean> {
    const loc = locate(rigBeads());
    const l = SqliteLedger.open({ path: loc.dbPath, jsonlPath: loc.jsonlPath });
    try {
      return (await l.getIssue(id)) !== undefined;
    } finally {
      await l.close();
    }
  }

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("reports with --dry-run, repairs, and then finds nothing to do", async () => {
    const clean = await town.gtJson<Report>(["repair"]);
    assert.equal(clean.summary.errors + clean.summary.warnings, 0, JSON.stringify(clean.checks));
    assert.match((await town.gt(["repair"])).stdout, /no repairs needed/);

    // Break it: a prefix that disagrees with rigs.json, no routes, lost identity beads.
    const cfgFile = join(town.root, "alpha", "config.json");
    const cfg = JSON.parse(readFileSync(cfgFile, "utf8")) as { beads: { prefix: string } };
    const prefix = cfg.beads.prefix;
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, beads: { prefix: "zz" } }, null, 2));
    rmSync(join(town.root, ".beads", "routes.jsonl"));
    const rigBead = `${prefix}-rig-alpha`;
    const witnessBead = `${prefix}-alpha-witness`;
    assert.ok((await exists(rigBead)) && (await exists(witnessBead)), "the beads exist to start with");
    const loc = locate(rigBeads());
    const l = SqliteLedger.open({ path: loc.dbPath, jsonlPath: loc.jsonlPath });
    await l.deleteIssue(rigBead, "test");
    await l.deleteIssue(witnessBead, "test");
    await l.close();

    const dry = await town.gt(["repair", "--dry-run", "--json"]);
    assert.equal(dry.code, 1, "errors found: a non-zero exit");
    const seen = JSON.parse(dry.stdout) as Report;
    const byName = (r: Report, n: string) => r.checks.find((c) => c.name === n)!;
    assert.equal(byName(seen, "rig-prefix").status, "error");
    assert.match(
      byName(seen, "rig-prefix").details.join("\n"),
      /alpha\/config.json says prefix zz, rigs.json says/,
    );
    assert.notEqual(byName(seen, "routes").status, "ok");
    assert.equal(byName(seen, "identity-beads").status, "warning");
    assert.match(byName(seen, "identity-beads").details.join("\n"), new RegExp(`alpha: .*${rigBead}`));
    assert.equal(JSON.parse(readFileSync(cfgFile, "utf8")).beads.prefix, "zz", "a dry run changes nothing");
    assert.ok(!existsSync(join(town.root, ".beads", "routes.jsonl")));
    assert.equal(await exists(rigBead), false);

    const fixed = await town.gtJson<Report>(["repair"]);
    assert.ok(
      ["rig-prefix", "routes", "identity-beads"].every((n) => byName(fixed, n).fixed),
      JSON.stringify(fixed.checks),
    );
    assert.equal(fixed.summary.errors, 0);
    assert.equal(JSON.parse(readFileSync(cfgFile, "utf8")).beads.prefix, prefix);
    assert.ok(existsSync(join(town.root, ".beads", "routes.jsonl")));
    assert.ok((await exists(rigBead)) && (await exists(witnessBead)));

    const again = await town.gt(["repair"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /All identity checks passed — no repairs needed\./);
  });
});
