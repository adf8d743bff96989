// Mail between two agents with real tmux sessions running the script agent: the message
// arrives, the recipient is nudged and its prompt hook (mail check --inject) shows it,
// the inbox lists it, a reply keeps the thread, and bad addresses are refused.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { eventually, type TestTown, townWithRunningCrew } from "../helpers/town.ts";

interface Message {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  thread: string;
  read: boolean;
  archived: boolean;
  priority: string;
}

describe("gt mail between agents", () => {
  let town: TestTown;
  const as = (role: string) => ({ env: { GT_ROLE: role } });

  before(async () => {
    town = await townWithRunningCrew();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("arrives, nudges the running recipient, is injected by its prompt hook, and threads", async () => {
    const sent = await town.gtJson<Message & { notified: boolean }>(
      [
        "mail",
        "send",
        "alpha/crew/max",
        "-s",
        "Please review the parser",
        "-m",
        "It's in src/ — thanks!",
        "--urgent",
      ],
      as("mayor"),
    );
    assert.equal(sent.from, "mayor");
    assert.equal(sent.to, "alpha/crew/max");
    assert.equal(sent.notified, true);

    // The recipient's session was nudged and its hook injected the mail, urgent tier first.
    const screen = await eventually(
      async () => {
        const peek = await town.gt(["session", "peek", "alpha/crew/max", "60"]);
        return peek.stdout.includes("Please review the parser") ? peek.stdout : undefined;
      },
      15_000,
      "the mail in max's session",
    );
    assert.match(screen!, /URGENT — stop and read now/);
    assert.match(screen!, new RegExp(`${sent.id}: Please review the parser \\(from mayor\\)`));

    const inbox = await town.gtJson<Message[]>(["mail", "inbox"], as("alpha/crew/max"));
    assert.deepEqual(
      inbox.map((m) => [m.id, m.read]),
      [[sent.id, false]],
    );
    const read = await town.gtJson<Message>(["mail", "read", sent.id], as("alpha/crew/max"));
    assert.equal(read.body, "It's in src/ — thanks!");
    assert.equal(read.priority, "urgent");
    assert.equal(
      (await town.gtJson<Message[]>(["mail", "inbox", "--unread"], as("alpha/crew/max"))).length,
      0,
    );

    const reply = await town.gtJson<Message>(
      ["mail", "reply", sent.id, "-m", "On it."],
      as("alpha/crew/max"),
    );
    assert.equal(reply.to, "mayor");
    assert.equal(reply.subject, "Re: Please review the parser");
    assert.equal(reply.thread, sent.thread);
    const thread = await town.gtJson<Message[]>(["mail", "thread", reply.id]);
    assert.deepEqual(
      thread.map((m) => m.id),
      [sent.id, reply.id],
    );
    const mayorBox = await town.gtJson<{ unread: number }>(["mail", "check"], as("mayor"));
    assert.equal(mayorBox.unread, 1);

    await town.gtJson(["mail", "archive", reply.id], as("mayor"));
    assert.equal((await town.gtJson<Message[]>(["mail", "inbox"], as("mayor"))).length, 0);
    assert.equal((await town.gtJson<Message[]>(["mail", "inbox", "--all"], as("mayor")))[0]?.archived, true);
  });

  it("sends to groups: one copy per member, one thread", async () => {
    const sent = await town.gtJson<Message[]>(
      ["mail", "send", "@rig/alpha", "-s", "Freeze at 5pm", "--no-notify"],
      as("mayor"),
    );
    assert.deepEqual(sent.map((m) => m.to).sort(), ["alpha/crew/max", "alpha/refinery", "alpha/witness"]);
    assert.equal(new Set(sent.map((m) => m.thread)).size, 1);
    const star = await town.gtJson<Message>(
      ["mail", "send", "*/witness", "-s", "Patrol now", "--no-notify"],
      as("mayor"),
    );
    assert.equal(star.to, "alpha/witness");
    const none = await town.gt(["mail", "send", "@polecats/alpha", "-s", "x"], as("mayor"));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /reaches no agent/);
    // Leave max's mailbox as the next test expects it.
    const copy = sent.find((m) => m.to === "alpha/crew/max")!;
    await town.gtJson(["mail", "delete", copy.id], as("alpha/crew/max"));
  });

  it("refuses unknown addresses with close matches and writes nothing", async () => {
    const r = await town.gt(["mail", "send", "alpha/crw/max", "-s", "hi"], as("mayor"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: unknown address "alpha\/crw\/max" \(did you mean alpha\/crew\/max/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    const none = await town.gt(["mail", "send", "alpha/crew/max"], as("mayor"));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /needs a subject/);
    const box = await town.gtJson<Message[]>(["mail", "inbox", "--all"], as("alpha/crew/max"));
    assert.equal(box.length, 1, "only the first test's message");
  });
});
