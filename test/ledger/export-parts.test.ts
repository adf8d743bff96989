// The parts of the incremental JSONL export, each on its own. A patch that fails falls back
// to a full export with the same content, so the file-level tests cannot see whether the
// patcher found the right lines: these check it directly on hand-made files, and check the
// export filters, the placement of kept lines, and the fingerprint protocol that tells our
// own export from a file changed by git.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Issue } from "../../src/ledger/model.ts";
import {
  exportIssues,
  FINGERPRINT_KEY,
  fingerprint,
  fullJsonl,
  jsonlChangedOutside,
  keptLines,
  patchLines,
  recordFingerprint,
  refreshJsonl,
  replaceKeptLines,
} from "../../src/ledger/sqlite/export.ts";
import { SqliteLedger } from "../../src/ledger/sqlite/store.ts";
import { scratchDir } from "../helpers/temp.ts";

const ours = (id: string, title = id) => `{"_type":"issue","id":"${id}","title":"${title}"}`;
const file = (...lines: string[]) => `${lines.join("\n")}\n`;
const noKept = new Map<string, string>();

describe("patchLines", () => {
  const base = file(ours("ex-a1"), ours("ex-a3"), ours("ex-a5"));

  it("replaces a line in the middle, at the start and at the end", () => {
    const fresh = new Map([
      ["ex-a1", ours("ex-a1", "one")],
      ["ex-a3", ours("ex-a3", "three")],
      ["ex-a5", ours("ex-a5", "five")],
    ]);
    assert.equal(
      patchLines(base, ["ex-a3"], fresh, noKept),
      file(ours("ex-a1"), ours("ex-a3", "three"), ours("ex-a5")),
    );
    assert.equal(
      patchLines(base, ["ex-a1"], fresh, noKept),
      file(ours("ex-a1", "one"), ours("ex-a3"), ours("ex-a5")),
    );
    assert.equal(
      patchLines(base, ["ex-a5"], fresh, noKept),
      file(ours("ex-a1"), ours("ex-a3"), ours("ex-a5", "five")),
    );
    assert.equal(
      patchLines(base, ["ex-a1", "ex-a3", "ex-a5"], fresh, noKept),
      file(ours("ex-a1", "one"), ours("ex-a3", "three"), ours("ex-a5", "five")),
    );
  });

  it("removes the line of a touched issue that is gone", () => {
    assert.equal(patchLines(base, ["ex-a3"], new Map(), noKept), file(ours("ex-a1"), ours("ex-a5")));
    assert.equal(patchLines(base, ["ex-a1", "ex-a5"], new Map(), noKept), file(ours("ex-a3")));
  });

  it("inserts new issues in ID order: first, between, last", () => {
    const fresh = new Map([
      ["ex-a0", ours("ex-a0")],
      ["ex-a2", ours("ex-a2")],
      ["ex-a4", ours("ex-a4")],
      ["ex-a9", ours("ex-a9")],
    ]);
    assert.equal(
      patchLines(base, ["ex-a0", "ex-a2", "ex-a4", "ex-a9"], fresh, noKept),
      file(
        ours("ex-a0"),
        ours("ex-a1"),
        ours("ex-a2"),
        ours("ex-a3"),
        ours("ex-a4"),
        ours("ex-a5"),
        ours("ex-a9"),
      ),
    );
    // Plain string order, as the file is sorted: ex-a10 sorts before ex-a3.
    assert.equal(
      patchLines(base, ["ex-a10"], new Map([["ex-a10", ours("ex-a10")]]), noKept),
      file(ours("ex-a1"), ours("ex-a10"), ours("ex-a3"), ours("ex-a5")),
    );
    // Into an empty file, and a touched ID that is neither there nor fresh changes nothing.
    assert.equal(patchLines("", ["ex-a1"], new Map([["ex-a1", ours("ex-a1")]]), noKept), file(ours("ex-a1")));
    assert.equal(patchLines(base, ["ex-a2"], new Map(), noKept), base);
  });

  it("finds lines by binary search in a long file", () => {
    const ids = Array.from({ length: 200 }, (_, i) => `ex-${String(i * 2).padStart(4, "0")}`);
    const text = file(...ids.map((id) => ours(id)));
    const touched = ["ex-0000", "ex-0077", "ex-0100", "ex-0251", "ex-0398"];
    const fresh = new Map(touched.map((id) => [id, ours(id, "new")]));
    const expected = [...new Set([...ids, ...touched])]
      .sort()
      .map((id) => ours(id, touched.includes(id) ? "new" : id));
    assert.equal(patchLines(text, touched, fresh, noKept), file(...expected));
  });

  it("steps over kept lines, even one that looks like ours, and leaves them in place", () => {
    const impostor = `{"_type":"issue","id":"ex-a3","title":"corrupt","priority":"high"}`;
    const kept = new Map([
      ["# top note", ""],
      [impostor, "ex-a1"],
      ["# after a3", "ex-a3"],
    ]);
    const text = file("# top note", ours("ex-a1"), impostor, ours("ex-a3"), "# after a3", ours("ex-a5"));
    const fresh = new Map([["ex-a3", ours("ex-a3", "three")]]);
    assert.equal(
      patchLines(text, ["ex-a3"], fresh, kept),
      file("# top note", ours("ex-a1"), impostor, ours("ex-a3", "three"), "# after a3", ours("ex-a5")),
    );
    assert.equal(
      patchLines(text, ["ex-a3"], new Map(), kept),
      file("# top note", ours("ex-a1"), impostor, "# after a3", ours("ex-a5")),
    );
  });

  it("puts a new line after the kept lines anchored below it and before those anchored at or above it", () => {
    const kept = new Map([
      ["# k-a1", "ex-a1"],
      ["# k-a4", "ex-a4"],
    ]);
    // After ex-a1: "# k-a1" (anchored ex-a1 < ex-a2) stays before the new line, "# k-a4"
    // (anchored ex-a4, above ex-a2) goes after it.
    const text = file(ours("ex-a1"), "# k-a1", "# k-a4", ours("ex-a5"));
    assert.equal(
      patchLines(text, ["ex-a2"], new Map([["ex-a2", ours("ex-a2")]]), kept),
      file(ours("ex-a1"), "# k-a1", ours("ex-a2"), "# k-a4", ours("ex-a5")),
    );
    // A kept line anchored at exactly the new ID: the new line comes first.
    assert.equal(
      patchLines(text, ["ex-a4"], new Map([["ex-a4", ours("ex-a4")]]), kept),
      file(ours("ex-a1"), "# k-a1", ours("ex-a4"), "# k-a4", ours("ex-a5")),
    );
    // At the end of a file whose last line is kept and has no newline.
    const tail = `${ours("ex-a1")}\n# k-a1`;
    assert.equal(
      patchLines(tail, ["ex-a2"], new Map([["ex-a2", ours("ex-a2")]]), kept),
      `${ours("ex-a1")}\n# k-a1${ours("ex-a2")}\n`,
    );
  });

  it("gives up (undefined) on a file with a line that is neither ours nor kept", () => {
    const foreign = file(ours("ex-a1"), '{"id":"ex-a2","_type":"issue"}', ours("ex-a3"));
    const fresh = new Map([["ex-a3", ours("ex-a3", "x")]]);
    assert.equal(patchLines(foreign, ["ex-a3"], fresh, noKept), undefined);
    assert.equal(patchLines(foreign, ["ex-a2"], fresh, noKept), undefined);
    assert.equal(patchLines(file("garbage"), ["ex-a1"], fresh, noKept), undefined);
    // An unterminated line of ours (no closing quote on the ID) is not ours either.
    assert.equal(patchLines(file('{"_type":"issue","id":"ex-a1'), ["ex-a1"], fresh, noKept), undefined);
  });
});

describe("fullJsonl", () => {
  const issue = (id: string) => ({ id, title: id }) as unknown as Issue;
  const kept = (text: string, anchor: string) => ({ anchor, bytes: new TextEncoder().encode(text), line: 0 });

  it("places each kept line after the last issue not above its anchor", () => {
    const out = fullJsonl(
      [issue("ex-a3"), issue("ex-a1"), issue("ex-a2")],
      [kept("# first", ""), kept("# at a1", "ex-a1"), kept("# at a15", "ex-a15"), kept("# end", "ex-zz")],
    );
    assert.equal(
      Buffer.from(out).toString("utf8"),
      file(
        "# first",
        '{"_type":"issue","id":"ex-a1","title":"ex-a1"}',
        "# at a1",
        "# at a15",
        '{"_type":"issue","id":"ex-a2","title":"ex-a2"}',
        '{"_type":"issue","id":"ex-a3","title":"ex-a3"}',
        "# end",
      ),
    );
  });

  it("without kept lines is the plain sorted export", () => {
    assert.equal(
      fullJsonl([issue("ex-b"), issue("ex-a")], []),
      file('{"_type":"issue","id":"ex-a","title":"ex-a"}', '{"_type":"issue","id":"ex-b","title":"ex-b"}'),
    );
  });
});

describe("the export in a ledger", () => {
  const dirs: SqliteLedger[] = [];
  after(async () => {
    for (const s of dirs) await s.close();
  });
  const open = async () => {
    const dir = scratchDir("export-parts-");
    const jsonl = join(dir, "issues.jsonl");
    const store = SqliteLedger.open({ path: join(dir, "beads.db"), jsonlPath: jsonl, warn: () => {} });
    dirs.push(store);
    await store.setConfig("issue_prefix", "ex");
    return { store, jsonl, db: store.database };
  };

  it("leaves out wisps, templates and infrastructure unless asked; ids pick issues with their relations", async () => {
    const { store, db } = await open();
    const plain = await store.createIssue({ title: "plain", labels: ["l1"] }, "me");
    const other = await store.createIssue({ title: "other", labels: ["l2"] }, "me");
    await store.addDependency({ issue_id: plain.id, depends_on_id: other.id, type: "blocks" }, "me");
    await store.addDependency({ issue_id: other.id, depends_on_id: plain.id, type: "related" }, "me");
    await store.addComment(plain.id, "amy", "on plain");
    await store.addComment(other.id, "bob", "on other");
    const wisp = await store.createIssue({ title: "wisp", ephemeral: true }, "me");
    const tmpl = await store.createIssue({ title: "tmpl", is_template: true }, "me");
    await store.setConfig("types.custom", "agent");
    const agent = await store.createIssue({ title: "agent", issue_type: "agent" }, "me");
    const ids = (opts: Parameters<typeof exportIssues>[2], infra = ["agent"]) =>
      exportIssues(db, infra, opts)
        .map((i) => i.id)
        .sort();
    assert.deepEqual(ids({}), [plain.id, other.id].sort());
    assert.deepEqual(ids({ includeEphemeral: true }), [plain.id, other.id, wisp.id].sort());
    assert.deepEqual(ids({ includeTemplates: true }), [plain.id, other.id, tmpl.id].sort());
    assert.deepEqual(ids({ includeInfra: true }), [plain.id, other.id, agent.id].sort());
    assert.deepEqual(ids({}, []), [plain.id, other.id, agent.id].sort(), "no infra types: nothing is infra");
    assert.deepEqual(ids({ ids: [] }), []);
    const [one, ...rest] = exportIssues(db, ["agent"], { ids: [plain.id] });
    assert.equal(rest.length, 0);
    assert.equal(one?.id, plain.id);
    assert.deepEqual(one?.labels, ["l1"]);
    assert.deepEqual(
      one?.dependencies?.map((d) => [d.issue_id, d.depends_on_id, d.type]),
      [[plain.id, other.id, "blocks"]],
    );
    assert.deepEqual(
      one?.comments?.map((c) => [c.author, c.text]),
      [["amy", "on plain"]],
    );
    const all = exportIssues(db, ["agent"], {});
    assert.deepEqual(all.find((i) => i.id === other.id)?.labels, ["l2"]);
    assert.deepEqual(
      all.find((i) => i.id === other.id)?.comments?.map((c) => c.text),
      ["on other"],
    );
    assert.equal(all.find((i) => i.id === other.id)?.dependencies?.[0]?.type, "related");
    // No labels, no dependencies, no comments: the fields are absent, not empty arrays.
    const bare = exportIssues(db, ["agent"], { ids: [wisp.id], includeEphemeral: true })[0]!;
    assert.equal("labels" in bare, false);
    assert.equal("dependencies" in bare, false);
    assert.equal("comments" in bare, false);
  });

  it("a refresh with nothing pending leaves the file alone; a pending write patches it and records the fingerprint", async () => {
    const { store, jsonl, db } = await open();
    await store.setConfig("export.auto", "true");
    const a = await store.createIssue({ title: "a" }, "me");
    const before = fingerprint(jsonl);
    assert.ok(before);
    assert.equal(
      db.get<{ value: string }>("SELECT value FROM local_metadata WHERE key = ?", FINGERPRINT_KEY)?.value,
      before,
    );
    refreshJsonl(db, jsonl, [], { markPending: false });
    assert.equal(fingerprint(jsonl), before, "in sync and nothing pending: not rewritten");
    await store.updateIssue(a.id, { title: "a2" }, "me");
    const after1 = fingerprint(jsonl);
    assert.notEqual(after1, before);
    assert.match(readFileSync(jsonl, "utf8"), /"title":"a2"/);
    assert.equal(db.column("SELECT id FROM export_pending").length, 0, "pending cleared by the export");
    assert.equal(
      db.get<{ value: string }>("SELECT value FROM local_metadata WHERE key = ?", FINGERPRINT_KEY)?.value,
      after1,
    );
  });

  it("an in-sync file is patched, not exported again: untouched lines keep their bytes, touched ones in file order", async () => {
    const { store, jsonl, db } = await open();
    await store.setConfig("export.auto", "true");
    const ids: string[] = [];
    for (const t of ["a", "b", "c", "d"]) ids.push((await store.createIssue({ title: t }, "me")).id);
    const [a, b, c, d] = [...ids].sort();
    // An untouched line written differently from how bd writes it (extra field order), with
    // the file then recorded as ours: only a patch can leave it as it is.
    const lines = readFileSync(jsonl, "utf8").trimEnd().split("\n");
    const odd = `{"_type":"issue","id":"${b}","title":"b","status":"open","x_note":"kept as written"}`;
    writeFileSync(jsonl, `${lines.map((l) => (l.includes(`"id":"${b}"`) ? odd : l)).join("\n")}\n`);
    recordFingerprint(db, fingerprint(jsonl));
    // Two touched issues, noted in reverse order.
    db.run("UPDATE issues SET title = 'd2' WHERE id = ?", d!);
    db.run("UPDATE issues SET title = 'a2' WHERE id = ?", a!);
    db.run("DELETE FROM export_pending");
    db.run("INSERT INTO export_pending (id) VALUES (?), (?)", d!, a!);
    refreshJsonl(db, jsonl, [], { markPending: false });
    const out = readFileSync(jsonl, "utf8").trimEnd().split("\n");
    assert.equal(out.length, 4);
    assert.equal(out[1], odd, "the untouched line was not re-serialised");
    assert.match(out[0]!, new RegExp(`"id":"${a}","title":"a2"`));
    assert.match(out[3]!, new RegExp(`"id":"${d}","title":"d2"`));
    assert.match(out[2]!, new RegExp(`"id":"${c}"`));
    // Out of sync (the stale mark): the next refresh writes the whole file from the database.
    db.run("INSERT INTO export_pending (id) VALUES (?)", c!);
    db.run("INSERT INTO local_metadata (key, value) VALUES ('jsonl_stale', '1')");
    refreshJsonl(db, jsonl, [], { markPending: false });
    assert.doesNotMatch(readFileSync(jsonl, "utf8"), /x_note/, "a full export rewrites every line");
    assert.equal(
      db.get("SELECT 1 FROM local_metadata WHERE key = 'jsonl_stale'"),
      undefined,
      "stale mark cleared",
    );
  });

  it("the side file names the export it replaced and the file it wrote, so a lost commit is recognised", async () => {
    const { store, jsonl, db } = await open();
    await store.setConfig("export.auto", "true");
    await store.createIssue({ title: "a" }, "me");
    const stored = fingerprint(jsonl)!;
    db.run("INSERT INTO export_pending (id) VALUES ('ex-zzz')");
    refreshJsonl(db, jsonl, [], { markPending: true });
    const written = fingerprint(jsonl)!;
    assert.equal(readFileSync(`${jsonl}.pending`, "utf8"), `${stored} ${written}`);
    // As if the transaction that recorded `written` were lost: the database still holds `stored`.
    recordFingerprint(db, stored);
    assert.equal(
      jsonlChangedOutside(db, jsonl),
      false,
      "our own renamed export is not a change from outside",
    );
    writeFileSync(`${jsonl}.pending`, `${stored} 1:2:3`);
    assert.equal(
      jsonlChangedOutside(db, jsonl),
      true,
      "a side file for another file does not vouch for this one",
    );
    refreshJsonl(db, jsonl, [], { markPending: false });
    assert.equal(existsSync(`${jsonl}.pending`), false, "a refresh without the mark removes the side file");
    assert.equal(jsonlChangedOutside(db, jsonl), false, "in sync after the refresh");
    writeFileSync(jsonl, "changed by git\n");
    assert.equal(jsonlChangedOutside(db, jsonl), true);
    assert.equal(
      jsonlChangedOutside(db, join(jsonl, "..", "missing.jsonl")),
      false,
      "no file: nothing changed",
    );
    const fp = db.get<{ value: string }>(
      "SELECT value FROM local_metadata WHERE key = ?",
      FINGERPRINT_KEY,
    )?.value;
    recordFingerprint(db, undefined);
    assert.equal(
      db.get<{ value: string }>("SELECT value FROM local_metadata WHERE key = ?", FINGERPRINT_KEY)?.value,
      fp,
      "an unknown fingerprint records nothing",
    );
    assert.equal(statSync(jsonl).isFile(), true);
  });

  it("kept lines round-trip through the table with their anchor, bytes, line and reason", async () => {
    const { db } = await open();
    const lines = [
      { anchor: "", bytes: Uint8Array.from([0x23, 0xff]), line: 1, reason: "not valid UTF-8" },
      { anchor: "ex-a1", bytes: new TextEncoder().encode("# note"), line: 3 },
    ];
    replaceKeptLines(db, lines);
    const back = keptLines(db);
    assert.deepEqual(
      back.map((k) => [k.anchor, [...k.bytes], k.line, k.reason]),
      [
        ["", [0x23, 0xff], 1, "not valid UTF-8"],
        ["ex-a1", [...new TextEncoder().encode("# note")], 3, undefined],
      ],
    );
    assert.equal("reason" in back[1]! && back[1]!.reason !== undefined, false);
    replaceKeptLines(db, []);
    assert.deepEqual(keptLines(db), []);
  });
});
