// gt doctor on a town's ledgers: a rig database overwritten with garbage and a town
// database with a damaged page are reported and rebuilt from issues.jsonl by --fix (beads
// back, the broken file kept aside); an unreadable issues.jsonl line is reported with
// file:line and left for a person; a broken route table and broken .beads/redirect files
// (a polecat sandbox's, a crew clone's) are repaired.
import assert from "node:assert/strict";
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, bdOk, newTown, slingNew, type TestTown } from "../helpers/town.ts";
import { checkOf, doctorJson, expectClean } from "./helpers.ts";

describe("gt doctor: ledgers, routes and redirects", () => {
  let town: TestTown;
  let rigBead: string;
  let townBead: string;

  before(async () => {
    town = await newTown("tmux");
    await addBareRig(town, "alpha");
    rigBead = await bdOk(town, join(town.root, "alpha"), ["create", "Keep me", "--silent"]);
    townBead = await bdOk(town, town.root, ["create", "Town work", "--silent"]);
    const crew = await town.gt(["crew", "add", "max", "--rig", "alpha"]);
    assert.equal(crew.code, 0, crew.stderr);
  });
  after(async () => town?.cleanup());

  it("rebuilds a rig database that no longer opens from its issues.jsonl", async () => {
    const db = join(town.root, "alpha", ".beads", "beads.db");
    writeFileSync(db, "this is not a database\n".repeat(200));
    const r = await town.gt(["doctor"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /✗ {2}ledgers rig alpha: alpha\/\.beads\/beads\.db does not open: /);
    assert.match(r.stdout, /rebuilds a broken database from its issues\.jsonl/);

    const fixed = checkOf(await doctorJson(town, ["--fix"]), "ledgers");
    assert.equal(fixed.fixed, true, fixed.details.join("\n"));
    assert.ok(
      fixed.details.some((d) => /kept the broken database as alpha\/\.beads\/beads\.db\.corrupt-/.test(d)),
    );
    assert.match(await bdOk(town, join(town.root, "alpha"), ["show", rigBead, "--json"]), /Keep me/);
    // The rig and agent beads are infrastructure (never exported): derived again.
    assert.match(
      await bdOk(town, join(town.root, "alpha"), ["show", "al-alpha-witness", "--json"]),
      /witness/,
    );
    assert.ok(readdirSync(join(town.root, "alpha", ".beads")).some((f) => f.startsWith("beads.db.corrupt-")));
    await expectClean(town);
  });

  it("rebuilds a town database whose pages fail SQLite's integrity check", async () => {
    const db = join(town.root, ".beads", "beads.db");
    // Keep the header page (the file still opens) and scribble over the rest.
    const size = statSync(db).size;
    assert.ok(size > 8192, `database of ${size} bytes`);
    const fd = openSync(db, "r+");
    try {
      const junk = Buffer.alloc(size - 4096, 0x5a);
      writeSync(fd, junk, 0, junk.length, 4096);
    } finally {
      closeSync(fd);
    }
    const before = checkOf(await doctorJson(town), "ledgers");
    assert.equal(before.status, "error");
    assert.match(before.message, /^town \(hq\): /);
    assert.equal(before.fixable, true);
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "ledgers").fixed, true);
    assert.match(await bdOk(town, town.root, ["show", townBead, "--json"]), /Town work/);
    await expectClean(town);
  });

  it("reports an unreadable issues.jsonl line with file:line and leaves it for a person", async () => {
    const jsonl = join(town.root, "alpha", ".beads", "issues.jsonl");
    const before = readFileSync(jsonl);
    appendFileSync(jsonl, '{"id": "al-torn", "title": "half a li\n');
    const lines = readFileSync(jsonl, "utf8").split("\n").length - 1;
    const c = checkOf(await doctorJson(town, ["--fix"]), "ledgers");
    assert.equal(c.status, "warning");
    assert.equal(c.fixable, false);
    assert.ok(
      c.details.some((d) => d.includes(`alpha/.beads/issues.jsonl:${lines}:`)),
      c.details.join("\n"),
    );
    assert.match(c.hint ?? "", /by hand/);
    assert.ok(readFileSync(jsonl, "utf8").includes("half a li"), "the line is kept as it is");
    writeFileSync(jsonl, before);
    await expectClean(town);
  });

  it("writes the route table again when a rig's route is gone or points nowhere", async () => {
    const file = join(town.root, ".beads", "routes.jsonl");
    const good = readFileSync(file, "utf8");
    writeFileSync(
      file,
      `${good
        .split("\n")
        .filter((l) => !l.includes('"al-"'))
        .join("\n")}{"prefix": "zz-", "path": "gone"}\nnot json\n`,
    );
    const c = checkOf(await doctorJson(town), "routes");
    assert.equal(c.status, "error");
    assert.ok(c.details.includes("no route for al- (should go to alpha)"), c.details.join("\n"));
    assert.ok(c.details.some((d) => d.startsWith("zz- → gone: no .beads at gone")));
    assert.ok(c.details.some((d) => /^line \d+ is not a route/.test(d)));
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "routes").fixed, true);
    const routes = readFileSync(file, "utf8");
    assert.match(routes, /\{"prefix":"al-","path":"alpha"\}/);
    assert.doesNotMatch(routes, /zz-|not json/);
    // bd finds the rig's bead from the town again through the route.
    assert.match(await bdOk(town, town.root, ["show", rigBead, "--json"]), /Keep me/);
    await expectClean(town);
  });

  it("points broken .beads/redirect files of a polecat sandbox and a crew clone at the rig ledger again", async () => {
    const slung = await slingNew(town, "alpha", "Work in a sandbox");
    const sandbox = join(slung.work_dir, ".beads", "redirect");
    const crew = join(town.root, "alpha", "crew", "max", ".beads", "redirect");
    assert.ok(existsSync(sandbox) && existsSync(crew));
    writeFileSync(sandbox, "../../../nowhere/.beads\n");
    writeFileSync(crew, "../../../.beads\n"); // the town's ledger: the wrong one
    const c = checkOf(await doctorJson(town), "beads-redirects");
    assert.equal(c.status, "error");
    assert.equal(c.details.length, 2, c.details.join("\n"));
    assert.ok(
      c.details.some((d) =>
        d.startsWith("alpha/crew/max/.beads/redirect reaches .beads, not alpha's ledger"),
      ),
    );
    assert.ok(
      c.details.some((d) => /polecats\/\w+\/alpha\/\.beads\/redirect: redirect in .* does not exist/.test(d)),
    );
    assert.equal(checkOf(await doctorJson(town, ["--fix"]), "beads-redirects").fixed, true);
    assert.equal(readFileSync(crew, "utf8"), "../../.beads\n");
    assert.match(await bdOk(town, slung.work_dir, ["show", slung.bead, "--json"]), /Work in a sandbox/);
    await expectClean(town);
  });
});
