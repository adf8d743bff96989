// Convoys through the real gt and bd: tracking beads of two rigs, landing when the last
// one closes (whoever closes it), one landing message however many checkers race, reopening
// on add, auto-convoys from gt sling, and bad input that leaves nothing behind.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openLedger } from "../../src/ledger/discovery.ts";
import { locate } from "../../src/town/ledgers.ts";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Convoy {
  id: string;
  title: string;
  status: string;
  owner: string | null;
  total: number;
  closed: number;
  tracked: Array<{ id: string; status: string; rig: string | null }>;
  workers: string[];
}
interface Message {
  id: string;
  title: string;
  assignee?: string;
  issue_type: string;
}

describe("gt convoy", () => {
  let town: TestTown;
  const bdIn = (dir: string, args: string[]) => bdOk(town, dir, args);
  const alpha = () => join(town.root, "alpha");
  const beta = () => join(town.root, "beta");
  const landingMail = async (title: string) =>
    (
      JSON.parse(await bdIn(town.root, ["list", "--type", "message", "--json", "--limit", "0"])) as Message[]
    ).filter((m) => m.title === `🚚 Convoy landed: ${title}`);

  before(async () => {
    town = await newTown("subprocess");
    for (const rig of ["alpha", "beta"]) {
      const r = await town.gt(["rig", "add", rig, makeRepo(join(town.scratch, `${rig}-src`)), "--mirror"]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await town?.cleanup();
  });

  it("tracks beads of two rigs and lands when bd closes the last one", async () => {
    const a = await bdIn(alpha(), ["create", "alpha part", "--silent"]);
    const b = await bdIn(beta(), ["create", "beta part", "--silent"]);
    const created = await town.gtJson<Convoy>([
      "convoy",
      "create",
      "Cross-rig feature",
      a,
      b,
      "--owner",
      "alpha/crew/max",
    ]);
    assert.match(created.id, /^hq-cv-[0-9a-z]+$/);
    assert.equal(created.total, 2);
    assert.deepEqual(created.tracked.map((t) => t.rig).sort(), ["alpha", "beta"]);

    await bdIn(alpha(), ["close", a]);
    let status = await town.gtJson<Convoy>(["convoy", "status", created.id]);
    assert.equal(status.status, "open");
    assert.equal(status.closed, 1);

    // The last close, from the other rig's directory, lands it on the spot.
    const out = await bdIn(beta(), ["close", b]);
    assert.match(out, new RegExp(`Convoy ${created.id} landed`));
    status = await town.gtJson<Convoy>(["convoy", "status", created.id]);
    assert.equal(status.status, "closed");
    assert.equal(status.closed, 2);
    const mail = await landingMail("Cross-rig feature");
    assert.deepEqual(mail.map((m) => m.assignee).sort(), ["alpha/crew/max", "mayor"]);
    // It is real mail: the mayor's mailbox counts it.
    const box = await town.gtJson<{ messages: Array<{ title: string }> }>([
      "mail",
      "check",
      "--identity",
      "mayor/",
    ]);
    assert.ok(box.messages.some((m) => m.title === "🚚 Convoy landed: Cross-rig feature"));

    // More work reopens it.
    const c = await bdIn(alpha(), ["create", "follow-up", "--silent"]);
    const reopened = await town.gtJson<Convoy>(["convoy", "add", created.id, c]);
    assert.equal(reopened.status, "open");
    assert.equal(reopened.total, 3);
    const list = await town.gtJson<Convoy[]>(["convoy", "list"]);
    assert.ok(list.some((v) => v.id === created.id));
  });

  it("lands once and sends one message when several checks race", async () => {
    const ids = [
      await bdIn(alpha(), ["create", "r1", "--silent"]),
      await bdIn(alpha(), ["create", "r2", "--silent"]),
    ];
    const convoy = await town.gtJson<Convoy>(["convoy", "create", "Race", ...ids]);
    // Close behind gt's back (in-process, no landing), then let four checkers find it.
    const ledger = openLedger(locate(join(alpha(), ".beads")));
    try {
      for (const id of ids) await ledger.closeIssue(id, { reason: "done" }, "test");
    } finally {
      await ledger.close();
    }
    const results = await Promise.all(
      Array.from({ length: 4 }, () => town.gtJson<Convoy[]>(["convoy", "check", convoy.id])),
    );
    assert.equal(results.flat().filter((v) => v.id === convoy.id).length, 1, "exactly one checker landed it");
    assert.equal((await landingMail("Race")).length, 1);
  });

  it("gt sling makes one convoy for a batch, and none for beads already tracked", async () => {
    const ids = [
      await bdIn(beta(), ["create", "s1", "--silent"]),
      await bdIn(beta(), ["create", "s2", "--silent"]),
    ];
    const report = await town.gtJson<{ convoy: string }>(["sling", ...ids, "beta", "--no-start"]);
    assert.match(report.convoy, /^hq-cv-/);
    const v = await town.gtJson<Convoy>(["convoy", "status", report.convoy]);
    assert.equal(v.title, "Work: s1 (+1 more)");
    assert.deepEqual(v.tracked.map((t) => t.id).sort(), [...ids].sort());
    assert.equal(v.workers.length, 2);

    const tracked = await bdIn(beta(), ["create", "s3", "--silent"]);
    await town.gtJson(["convoy", "create", "Planned", tracked]);
    const second = await town.gtJson<{ convoy: string | null }>(["sling", tracked, "beta", "--no-start"]);
    assert.equal(second.convoy, null);
  });

  it("refuses bad input with one line and writes nothing", async () => {
    const before = (await town.gtJson<Convoy[]>(["convoy", "list", "--all"])).length;
    const a = await bdIn(alpha(), ["create", "real", "--silent"]);
    let r = await town.gt(["convoy", "create", "Broken", a, "al-nope"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: no bead al-nope/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.equal(
      (await town.gtJson<Convoy[]>(["convoy", "list", "--all"])).length,
      before,
      "no half-made convoy",
    );

    r = await town.gt(["convoy", "status", "hq-cv-nothere"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no convoy hq-cv-nothere/);

    const open = await town.gtJson<Convoy>(["convoy", "create", "Unfinished", a]);
    r = await town.gt(["convoy", "close", open.id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /still has 1 open bead.*--force/);
    const forced = await town.gtJson<Convoy>(["convoy", "close", open.id, "--force", "--reason", "dropped"]);
    assert.equal(forced.status, "closed");
  });
});
