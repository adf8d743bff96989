// Finding and creating ledgers on disk, called directly on temp dirs: the walk up to the
// nearest real `.beads/`, BEADS_DIR pinning it, `.beads/redirect` (relative, commented,
// chained, to itself, broken), bd init's files, a clone's JSONL-only ledger opened and
// prefixed from its issues, prefixes from directory names, and routes.jsonl sending an ID
// prefix to another ledger.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { NoLedgerError, ValidationError } from "../../src/errors.ts";
import {
  findLedger,
  followRedirect,
  initLedger,
  type LedgerLocation,
  openLedger,
  prefixFromDirName,
  prefixOfJsonl,
  readRoutes,
  requireLedger,
  routeFor,
} from "../../src/ledger/discovery.ts";
import { scratchDir } from "../helpers/temp.ts";

const init = (dir: string, prefix: string) => {
  mkdirSync(dir, { recursive: true });
  return initLedger(dir, { prefix, version: "test" });
};

/** No BEADS_DIR: the walk alone decides. */
const NO_PIN: NodeJS.ProcessEnv = {};

describe("findLedger", () => {
  it("walks up from a nested directory to the nearest .beads with a database", () => {
    const root = scratchDir("gt-disc-");
    init(root, "top");
    const nested = join(root, "a", "b", "c");
    mkdirSync(nested, { recursive: true });
    const loc = findLedger(nested, NO_PIN)!;
    assert.deepEqual(loc, {
      beadsDir: join(root, ".beads"),
      dbPath: join(root, ".beads", "beads.db"),
      jsonlPath: join(root, ".beads", "issues.jsonl"),
      foundAt: join(root, ".beads"),
    });
    // A nearer ledger wins over the outer one.
    init(join(root, "a"), "inner");
    assert.equal(findLedger(nested, NO_PIN)!.beadsDir, join(root, "a", ".beads"));
  });

  it("passes over a .beads directory with nothing of a ledger in it", () => {
    const root = scratchDir("gt-disc-");
    init(root, "top");
    mkdirSync(join(root, "sub", ".beads"), { recursive: true });
    writeFileSync(join(root, "sub", ".beads", "notes.txt"), "not a ledger\n");
    assert.equal(findLedger(join(root, "sub"), NO_PIN)!.beadsDir, join(root, ".beads"));
    // metadata.json alone marks a ledger (a database not made yet).
    writeFileSync(join(root, "sub", ".beads", "metadata.json"), "{}\n");
    assert.equal(findLedger(join(root, "sub"), NO_PIN)!.beadsDir, join(root, "sub", ".beads"));
  });

  it("finds nothing where there is no ledger above, and requireLedger says how to make one", () => {
    const dir = scratchDir("gt-disc-");
    assert.equal(findLedger(dir, NO_PIN), undefined);
    assert.throws(
      () => requireLedger(dir, NO_PIN),
      (e: unknown) => e instanceof NoLedgerError && /run 'bd init'.*BEADS_DIR/.test(e.message),
    );
  });

  it("takes BEADS_DIR (relative to the cwd) over any .beads found by walking", () => {
    const root = scratchDir("gt-disc-");
    init(join(root, "here"), "here");
    init(join(root, "pinned"), "pin");
    const cwd = join(root, "here");
    const loc = findLedger(cwd, { BEADS_DIR: "../pinned/.beads" })!;
    assert.equal(loc.beadsDir, join(root, "pinned", ".beads"));
    assert.equal(loc.foundAt, join(root, "pinned", ".beads"));
    assert.equal(requireLedger(cwd, { BEADS_DIR: join(root, "pinned", ".beads") }).beadsDir, loc.beadsDir);
    // A pinned directory that does not exist is no ledger: the walk is not tried instead.
    assert.equal(findLedger(cwd, { BEADS_DIR: join(root, "gone") }), undefined);
    // An empty BEADS_DIR is unset.
    assert.equal(findLedger(cwd, { BEADS_DIR: "" })!.beadsDir, join(root, "here", ".beads"));
  });

  it("follows a workspace's redirect to the ledger it shares", () => {
    const root = scratchDir("gt-disc-");
    init(join(root, "rig"), "rg");
    const wt = join(root, "rig", "polecats", "toast", "rig");
    mkdirSync(join(wt, ".beads"), { recursive: true });
    // Relative to the workspace (the directory holding .beads), as sling writes it.
    writeFileSync(join(wt, ".beads", "redirect"), "# where the rig ledger is\n\n../../../.beads\n");
    mkdirSync(join(wt, "src"));
    const loc = findLedger(join(wt, "src"), NO_PIN)!;
    assert.equal(loc.foundAt, join(wt, ".beads"));
    assert.equal(loc.beadsDir, join(root, "rig", ".beads"));
    assert.equal(loc.dbPath, join(root, "rig", ".beads", "beads.db"));
  });
});

describe("followRedirect", () => {
  it("follows an absolute target and a chain of redirects", () => {
    const root = scratchDir("gt-disc-");
    for (const d of ["a", "b", "c"]) mkdirSync(join(root, d, ".beads"), { recursive: true });
    writeFileSync(join(root, "a", ".beads", "redirect"), `${join(root, "b", ".beads")}\n`);
    writeFileSync(join(root, "b", ".beads", "redirect"), "../c/.beads\n");
    assert.equal(followRedirect(join(root, "a", ".beads")), join(root, "c", ".beads"));
  });

  it("stops after three hops", () => {
    const root = scratchDir("gt-disc-");
    const names = ["a", "b", "c", "d", "e"];
    for (const d of names) mkdirSync(join(root, d, ".beads"), { recursive: true });
    for (let i = 0; i < names.length - 1; i++)
      writeFileSync(join(root, names[i]!, ".beads", "redirect"), `../${names[i + 1]}/.beads\n`);
    assert.equal(followRedirect(join(root, "a", ".beads")), join(root, "d", ".beads"));
  });

  it("drops a redirect to itself, ignores an empty one, and refuses one to nowhere", () => {
    const root = scratchDir("gt-disc-");
    const self = join(root, "self", ".beads");
    mkdirSync(self, { recursive: true });
    writeFileSync(join(self, "redirect"), ".beads\n");
    assert.equal(followRedirect(self), self);
    assert.equal(existsSync(join(self, "redirect")), false, "the leftover redirect is removed");

    const blank = join(root, "blank", ".beads");
    mkdirSync(blank, { recursive: true });
    writeFileSync(join(blank, "redirect"), "# nothing here\n\n");
    assert.equal(followRedirect(blank), blank);

    const broken = join(root, "broken", ".beads");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "redirect"), "../missing/.beads\n");
    assert.throws(
      () => followRedirect(broken),
      (e: unknown) =>
        e instanceof NoLedgerError &&
        e.message ===
          `redirect in ${broken} points to ${join(root, "missing", ".beads")}, which does not exist`,
    );
  });
});

describe("initLedger", () => {
  it("creates the database, config, metadata and .gitignore, but no issues.jsonl yet", async () => {
    const dir = scratchDir("gt-disc-");
    const r = initLedger(dir, { prefix: "demo", version: "9.9.9" });
    assert.equal(r.created, true);
    assert.equal(r.prefix, "demo");
    assert.equal(r.location.beadsDir, join(dir, ".beads"));
    for (const f of ["beads.db", "metadata.json", ".gitignore"])
      assert.ok(existsSync(join(dir, ".beads", f)), f);
    assert.ok(!existsSync(join(dir, ".beads", "issues.jsonl")), "the first write makes issues.jsonl");
    const meta = JSON.parse(readFileSync(join(dir, ".beads", "metadata.json"), "utf8"));
    assert.deepEqual(meta, {
      database: "beads.db",
      backend: "sqlite",
      jsonl_export: "issues.jsonl",
      last_bd_version: "9.9.9",
    });
    const ignored = readFileSync(join(dir, ".beads", ".gitignore"), "utf8").split("\n");
    assert.ok(ignored.includes("*.db") && ignored.includes("!*.jsonl") && !ignored.includes("issues.jsonl"));
    const ledger = openLedger(r.location);
    try {
      assert.equal(await ledger.getConfig("issue_prefix"), "demo");
      assert.equal(await ledger.getConfig("export.auto"), "true");
    } finally {
      await ledger.close();
    }
  });

  it("refuses an invalid prefix before writing anything", () => {
    const dir = scratchDir("gt-disc-");
    assert.throws(() => initLedger(dir, { prefix: "no spaces", version: "t" }), ValidationError);
    assert.throws(() => initLedger(dir, { prefix: "x".repeat(33), version: "t" }), ValidationError);
    assert.equal(existsSync(join(dir, ".beads")), false);
  });

  it("run again: not created; a derived prefix leaves the one the ledger has, a given one replaces it", async () => {
    const dir = scratchDir("gt-disc-");
    initLedger(dir, { prefix: "first", version: "t", autoExport: false });
    const derived = initLedger(dir, { prefix: "derived", prefixDerived: true, version: "t" });
    assert.equal(derived.created, false);
    assert.equal(derived.prefix, "first");
    const given = initLedger(dir, { prefix: "second", version: "t" });
    assert.equal(given.prefix, "second");
    const ledger = openLedger(given.location);
    try {
      assert.equal(await ledger.getConfig("issue_prefix"), "second");
      assert.equal(await ledger.getConfig("export.auto"), "false", "auto-export off stays off");
    } finally {
      await ledger.close();
    }
  });
});

describe("openLedger", () => {
  it("refuses a location with no database (read-only, or with no JSONL either)", () => {
    const dir = scratchDir("gt-disc-");
    mkdirSync(join(dir, ".beads"));
    writeFileSync(join(dir, ".beads", "metadata.json"), "{}\n");
    const loc = findLedger(dir, NO_PIN)!;
    assert.throws(() => openLedger(loc), NoLedgerError);
    writeFileSync(loc.jsonlPath, "");
    assert.throws(() => openLedger(loc, { readOnly: true }), NoLedgerError);
    assert.equal(existsSync(loc.dbPath), false);
  });

  it("opens a fresh clone's JSONL: the issues come in and their prefix becomes the ledger's", async () => {
    const root = scratchDir("gt-disc-");
    const { location: orig } = init(join(root, "orig"), "proj");
    const first = openLedger(orig);
    let id: string;
    try {
      id = (await first.createIssue({ title: "carried by git" }, "tester")).id;
      await first.createIssue({ title: "another" }, "tester");
    } finally {
      await first.close();
    }
    assert.match(id, /^proj-/);
    assert.equal(prefixOfJsonl(orig.jsonlPath), "proj");
    // The clone: .beads with issues.jsonl (git carries it) and no database.
    const cloneBeads = join(root, "clone", ".beads");
    mkdirSync(cloneBeads, { recursive: true });
    copyFileSync(orig.jsonlPath, join(cloneBeads, "issues.jsonl"));
    writeFileSync(join(cloneBeads, "metadata.json"), "{}\n");
    const loc = findLedger(join(root, "clone"), NO_PIN)!;
    const clone = openLedger(loc);
    try {
      assert.equal((await clone.getIssue(id))?.title, "carried by git");
      assert.equal(await clone.getConfig("issue_prefix"), "proj");
      assert.match((await clone.createIssue({ title: "new here" }, "tester")).id, /^proj-/);
    } finally {
      await clone.close();
    }
  });
});

describe("prefixOfJsonl and prefixFromDirName", () => {
  it("takes the prefix most issues use, wisps left out", () => {
    const dir = scratchDir("gt-disc-");
    const file = join(dir, "issues.jsonl");
    const issue = (id: string) =>
      JSON.stringify({
        id,
        title: id,
        status: "open",
        priority: 2,
        issue_type: "task",
        created_at: "2025-01-01T00:00:00Z",
        updated_at: "2025-01-01T00:00:00Z",
      });
    writeFileSync(
      file,
      `${["ab-1", "ab-2", "cd-1", "cd-wisp-1", "cd-wisp-2", "cd-wisp-3"].map(issue).join("\n")}\n`,
    );
    assert.equal(prefixOfJsonl(file), "ab");
    assert.equal(prefixOfJsonl(join(dir, "missing.jsonl")), undefined);
    writeFileSync(join(dir, "empty.jsonl"), "");
    assert.equal(prefixOfJsonl(join(dir, "empty.jsonl")), undefined);
  });

  it("derives a prefix from a directory name as bd init does", () => {
    assert.equal(prefixFromDirName("MyProject"), "myproject");
    assert.equal(prefixFromDirName("my.project"), "my_project");
    assert.equal(prefixFromDirName("gas-town-"), "gas_town");
    assert.equal(prefixFromDirName(".hidden"), "hidden");
    assert.equal(prefixFromDirName("2048game"), "bd_2048game");
    assert.equal(prefixFromDirName("café & co"), "cafco");
    assert.equal(prefixFromDirName("x".repeat(40)).length, 32);
  });
});

describe("routes", () => {
  it("readRoutes keeps well-formed routes and skips comments, blanks and bad lines", () => {
    const dir = scratchDir("gt-disc-");
    const file = join(dir, "routes.jsonl");
    writeFileSync(
      file,
      [
        "# routes",
        '{"prefix":"gt-","path":"gastown"}',
        "",
        "not json",
        '{"prefix":"bd-"}',
        '{"prefix":"hq-","path":"."}',
      ].join("\n"),
    );
    assert.deepEqual(readRoutes(file), [
      { prefix: "gt-", path: "gastown" },
      { prefix: "hq-", path: "." },
    ]);
    assert.deepEqual(readRoutes(join(dir, "missing.jsonl")), []);
  });

  /** A town: its ledger (hq) with routes.jsonl, rigs gastown (gt) and tools (tl), and a route to a removed rig. */
  function routedTown(): { root: string; town: LedgerLocation; rig: LedgerLocation } {
    const root = scratchDir("gt-disc-");
    init(root, "hq");
    init(join(root, "gastown"), "gt");
    init(join(root, "tools"), "tl");
    writeFileSync(
      join(root, ".beads", "routes.jsonl"),
      `${[
        '{"prefix":"hq-","path":"."}',
        '{"prefix":"gt-","path":"gastown"}',
        '{"prefix":"tl","path":"tools"}',
        '{"prefix":"gone-","path":"removed-rig"}',
      ].join("\n")}\n`,
    );
    return {
      root,
      town: findLedger(root, NO_PIN)!,
      rig: findLedger(join(root, "gastown"), NO_PIN)!,
    };
  }

  it("routes an ID by its prefix through the nearest routes.jsonl, up to the town", () => {
    const { root, town, rig } = routedTown();
    // From the rig: its own ledger has no routes; the town's further up has them.
    assert.equal(routeFor("hq-abc", rig)?.beadsDir, join(root, ".beads"));
    // From the town to a rig, and between rigs (a route named without the hyphen matches too).
    assert.equal(routeFor("gt-x1.2", town)?.beadsDir, join(root, "gastown", ".beads"));
    assert.equal(routeFor("tl-9", rig)?.beadsDir, join(root, "tools", ".beads"));
    assert.equal(routeFor("tl-9", rig)?.dbPath, join(root, "tools", ".beads", "beads.db"));
  });

  it("gives nothing for the ledger itself, an unknown prefix, no prefix, or a route to a missing directory", () => {
    const { town, rig } = routedTown();
    assert.equal(routeFor("hq-abc", town), undefined);
    assert.equal(routeFor("gt-abc", rig), undefined);
    assert.equal(routeFor("zz-abc", rig), undefined);
    assert.equal(routeFor("noprefix", rig), undefined);
    assert.equal(routeFor("gone-1", rig), undefined);
  });

  it("routes from a worktree whose .beads redirects to its rig", () => {
    const { root } = routedTown();
    const wt = join(root, "gastown", "polecats", "toast", "gastown");
    mkdirSync(join(wt, ".beads"), { recursive: true });
    writeFileSync(join(wt, ".beads", "redirect"), "../../../.beads\n");
    const here = findLedger(wt, NO_PIN)!;
    assert.equal(here.beadsDir, join(root, "gastown", ".beads"));
    assert.equal(routeFor("hq-abc", here)?.beadsDir, join(root, ".beads"));
    assert.equal(routeFor("gt-abc", here), undefined, "the rig's own IDs stay here");
  });
});
