import "../helpers/isolation.ts";
// gt mail beyond one recipient, in a real town: send --to/--self/--from/--pinned and whether
// a nudge went or waits, groups (nested, bare names, cycles), queues (claim/release and who
// may), channels (subscribers and retention), announce boards, the directory and drain.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Msg {
  id: string;
  from: string;
  to: string;
  subject: string;
  thread: string;
  pinned: boolean;
  archived: boolean;
  claimed_by: string | null;
  nudge?: string | null;
}

describe("gt mail boards and addresses", () => {
  let town: TestTown;
  const as = (role: string) => ({ env: { GT_ROLE: role } });
  const max = as("alpha/crew/max");
  const mayor = as("mayor");
  const fails = failsInOneLine(() => town, mayor);

  before(async () => {
    town = await crewTown(["max", "ann"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("sends with --to, --self, --from and --pinned, and says whether a nudge waits", async () => {
    const self = await town.gtJson<Msg>(
      ["mail", "send", "--self", "-s", "Handoff", "-m", "notes", "--pinned"],
      max,
    );
    assert.equal(self.to, "alpha/crew/max");
    assert.equal(self.pinned, true);
    assert.equal(self.nudge, null, "mail to yourself is not nudged");

    // The mayor is not running: the nudge is queued, and the text says so (not "nudged").
    const text = await town.gt(["mail", "send", "--to", "mayor", "-s", "Status"], max);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Sent \S+ to mayor \(queued\)/);
    assert.doesNotMatch(text.stdout, /nudged/);

    const relayed = await town.gtJson<Msg>(
      ["mail", "send", "mayor", "-s", "From afar", "--from", "bridge/slack"],
      max,
    );
    assert.equal(relayed.from, "bridge/slack");
    assert.equal(relayed.nudge, "queued");

    await fails(["mail", "send", "mayor", "--to", "deacon", "-s", "x"], /give the address once/);
    await fails(["mail", "send", "-s", "x"], /an address is needed/);
    await fails(["mail", "send", "--self", "-s", "x"], /--self is for agents/, { env: { GT_ROLE: "" } });

    // clear leaves pinned mail.
    const cleared = await town.gtJson<{ archived: string[]; pinned: string[] }>(["mail", "clear"], max);
    assert.deepEqual(cleared.pinned, [self.id]);
    const left = await town.gtJson<Msg[]>(["mail", "inbox"], max);
    assert.deepEqual(
      left.map((m) => m.id),
      [self.id],
    );
  });

  it("groups fan out one copy per member, nest, answer to a bare name and refuse cycles", async () => {
    await town.gtJson(["mail", "group", "create", "reviewers", "alpha/crew/max", "alpha/crew/ann"]);
    await town.gtJson(["mail", "group", "create", "everyone", "group:reviewers", "--member", "mayor"]);
    const sent = await town.gtJson<Msg[]>(
      ["mail", "send", "everyone", "-s", "Review day", "--no-notify"],
      mayor,
    );
    assert.deepEqual(sent.map((m) => m.to).sort(), ["alpha/crew/ann", "alpha/crew/max", "mayor"]);
    assert.equal(new Set(sent.map((m) => m.thread)).size, 1);

    await town.gtJson(["mail", "group", "add", "reviewers", "group:everyone"]);
    await fails(["mail", "send", "group:everyone", "-s", "loop"], /includes itself/);
    await town.gtJson(["mail", "group", "remove", "reviewers", "group:everyone"]);
    await fails(["mail", "group", "create", "bad", "alpha/crew/nobody"], /unknown address/);
    await fails(["mail", "group", "create", "reviewers", "mayor"], /already exists/);
    const show = await town.gtJson<{ members: string[] }>(["mail", "group", "show", "reviewers"]);
    assert.deepEqual(show.members, ["alpha/crew/max", "alpha/crew/ann"]);
  });

  it("a queue keeps one copy that one eligible worker claims and may release", async () => {
    await town.gtJson(["mail", "queue", "create", "reviews", "--claimers", "alpha/crew/*"]);
    const first = await town.gtJson<Msg>(["mail", "send", "queue:reviews", "-s", "Review A"], mayor);
    assert.equal(first.to, "queue:reviews");
    await town.gtJson<Msg>(["mail", "send", "queue:reviews", "-s", "Review B"], mayor);

    await fails(["mail", "claim", "reviews"], /may not claim from queue:reviews/);
    const got = await town.gtJson<Msg>(["mail", "claim", "reviews"], max);
    assert.equal(got.id, first.id, "the oldest first");
    assert.equal(got.claimed_by, "alpha/crew/max");
    const next = await town.gtJson<Msg>(["mail", "claim"], as("alpha/crew/ann"));
    assert.equal(next.subject, "Review B");
    const none = await town.gt(["mail", "claim", "reviews"], max);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /Nothing to claim/);

    await fails(["mail", "release", first.id], /claimed by alpha\/crew\/max/, as("alpha/crew/ann"));
    const released = await town.gtJson<Msg>(["mail", "release", first.id], max);
    assert.equal(released.claimed_by, null);
    const list = await town.gtJson<Array<{ name: string; waiting: number; claimed: number }>>([
      "mail",
      "queue",
      "list",
    ]);
    assert.deepEqual(
      list.map((q) => [q.name, q.waiting, q.claimed]),
      [["reviews", 1, 1]],
    );
    // The claimant may archive what it claimed (done with it).
    await town.gtJson(["mail", "archive", next.id], as("alpha/crew/ann"));
    await fails(["mail", "send", "queue:nosuch", "-s", "x"], /no queue "nosuch"/);
  });

  it("a channel keeps its last messages and copies each to its subscribers", async () => {
    await town.gtJson(["mail", "channel", "create", "news", "--retain-count", "2"]);
    await town.gtJson(["mail", "channel", "subscribe", "news"], as("alpha/crew/ann"));
    for (const s of ["one", "two", "three"])
      await town.gtJson(["mail", "send", "channel:news", "-s", s, "--no-notify"], mayor);
    const shown = await town.gtJson<{ messages: Msg[] }>(["mail", "channel", "show", "news"]);
    assert.deepEqual(
      shown.messages.map((m) => m.subject),
      ["two", "three"],
    );
    const ann = await town.gtJson<Msg[]>(["mail", "inbox"], as("alpha/crew/ann"));
    assert.deepEqual(
      ann
        .filter((m) => ["one", "two", "three"].includes(m.subject))
        .map((m) => m.subject)
        .sort(),
      ["one", "three", "two"],
    );
    await town.gtJson(["mail", "channel", "unsubscribe", "news"], as("alpha/crew/ann"));
    await fails(["mail", "channel", "unsubscribe", "news"], /not subscribed/, as("alpha/crew/ann"));
  });

  it("lists and announce boards come from config/messaging.json; the directory lists every address", async () => {
    const file = join(town.root, "config", "messaging.json");
    const cfg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    cfg.announces = { ops: { readers: ["@town"], retain_count: 5 } };
    cfg.lists = { oncall: ["mayor", "alpha/crew/ann"] };
    writeFileSync(file, JSON.stringify(cfg));
    // A list fans out one copy per member.
    const listed = await town.gtJson<Msg[]>(
      ["mail", "send", "list:oncall", "-s", "Pager", "--no-notify"],
      max,
    );
    assert.deepEqual(listed.map((m) => m.to).sort(), ["alpha/crew/ann", "mayor"]);
    await fails(["mail", "send", "list:nosuch", "-s", "x"], /no list "nosuch"/);
    const a = await town.gtJson<Msg>(["mail", "send", "announce:ops", "-s", "Deploy at noon"], mayor);
    assert.equal(a.to, "announce:ops");
    const boards = await town.gtJson<Array<{ name: string }>>(["mail", "announces"]);
    assert.deepEqual(
      boards.map((b) => b.name),
      ["ops"],
    );
    const ops = await town.gtJson<{ messages: Msg[] }>(["mail", "announces", "ops"]);
    assert.deepEqual(
      ops.messages.map((m) => m.subject),
      ["Deploy at noon"],
    );
    const dir = await town.gtJson<Array<{ address: string; type: string }>>(["mail", "directory"]);
    const addresses = dir.map((d) => d.address);
    for (const want of [
      "mayor",
      "alpha/crew/max",
      "overseer",
      "group:reviewers",
      "queue:reviews",
      "channel:news",
      "announce:ops",
    ])
      assert.ok(addresses.includes(want), `${want} in ${addresses.join(", ")}`);
  });

  it("drain archives protocol mail only (not HELP, not pinned)", async () => {
    const witness = "alpha/witness";
    await town.gtJson(["mail", "send", witness, "-s", "MERGED alpha-1", "--no-notify"], mayor);
    await town.gtJson(
      ["mail", "send", witness, "-s", "POLECAT_DONE toast", "--no-notify", "--pinned"],
      mayor,
    );
    const help = await town.gtJson<Msg>(["mail", "send", witness, "-s", "HELP: stuck", "--no-notify"], mayor);
    const young = await town.gtJson<{ drained: Msg[] }>(["mail", "drain", "--identity", witness]);
    assert.equal(young.drained.length, 0, "younger than 30m");
    const dry = await town.gtJson<{ drained: Msg[] }>([
      "mail",
      "drain",
      "--identity",
      witness,
      "--all",
      "-n",
    ]);
    assert.deepEqual(
      dry.drained.map((m) => m.subject),
      ["MERGED alpha-1"],
    );
    await town.gtJson(["mail", "drain", "--identity", witness, "--all"]);
    const left = await town.gtJson<Msg[]>(["mail", "inbox", witness]);
    assert.deepEqual(left.map((m) => m.subject).sort(), ["HELP: stuck", "POLECAT_DONE toast"]);
    assert.ok(left.some((m) => m.id === help.id));
    await fails(["mail", "drain", "--max-age", "soon"], /invalid --max-age/);
  });
});
