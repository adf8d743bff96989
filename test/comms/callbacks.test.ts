import "../helpers/isolation.ts";
// gt notify (levels on the agent bead; muted is do-not-disturb), gt resume (handoff notes)
// and gt callbacks process (the mayor's protocol mail handled by subject), in a real town.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Msg {
  id: string;
  subject: string;
  body: string;
  to: string;
  read: boolean;
}
interface Result {
  id: string;
  type: string;
  handled: boolean;
  action: string;
  error: string | null;
}

describe("gt notify, gt resume and gt callbacks", () => {
  let town: TestTown;
  const max = { env: { GT_ROLE: "alpha/crew/max" } };
  const mayor = { env: { GT_ROLE: "mayor" } };
  const witness = { env: { GT_ROLE: "alpha/witness" } };
  const fails = failsInOneLine(() => town, max);

  before(async () => {
    town = await crewTown();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt notify shows and sets the level; muted is do-not-disturb", async () => {
    assert.equal((await town.gtJson<{ level: string }>(["notify"], max)).level, "normal");
    const muted = await town.gtJson<{ level: string; dnd: boolean }>(["notify", "muted"], max);
    assert.deepEqual([muted.level, muted.dnd], ["muted", true]);
    assert.equal((await town.gtJson<{ dnd: boolean }>(["dnd"], max)).dnd, true);
    // A nudge to a muted agent waits in its queue.
    const n = await town.gtJson<{ outcome: string; detail: string }>(["nudge", "alpha/crew/max", "-m", "hi"]);
    assert.equal(n.outcome, "queued");
    const verbose = await town.gtJson<{ level: string; dnd: boolean }>(["notify", "verbose"], max);
    assert.deepEqual([verbose.level, verbose.dnd], ["verbose", false]);
    await town.gtJson(["dnd", "on"], max);
    assert.equal((await town.gtJson<{ level: string }>(["notify"], max)).level, "muted");
    await fails(["notify", "loud"], /unknown level "loud"/);
    await fails(["notify"], /gt notify is for agents/, { env: { GT_ROLE: "" } });
  });

  it("gt resume shows the handoff notes in your inbox", async () => {
    const none = await town.gt(["resume"], max);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /No handoff messages/);
    await town.gtJson(["mail", "send", "mayor", "-s", "unrelated", "--no-notify"], max);
    await town.gtJson(
      ["mail", "send", "--self", "-s", "🤝 HANDOFF: parser", "-m", "lexer done, parser next"],
      max,
    );
    const notes = await town.gtJson<Msg[]>(["resume"], max);
    assert.deepEqual(
      notes.map((m) => [m.subject, m.body]),
      [["🤝 HANDOFF: parser", "lexer done, parser next"]],
    );
    const text = await town.gt(["resume"], max);
    assert.match(text.stdout, /lexer done, parser next/);
  });

  it("gt callbacks process handles the mayor's protocol mail by subject", async () => {
    // Clear what earlier tests sent the mayor.
    await town.gtJson(["mail", "clear"], mayor);
    const bead = await bdOk(town, join(town.root, "alpha"), ["create", "needs a polecat", "--silent"]);
    const send = (subject: string, body = "") =>
      town.gtJson<Msg>(["mail", "send", "mayor", "-s", subject, "-m", body, "--no-notify"], witness);
    await send("POLECAT_DONE toast", "Exit: COMPLETED");
    await send("HELP: stuck on the tests", "the suite hangs");
    await send("MERGE_FAILED alpha-1", "Polecat: alpha/crew/max\nReason: conflicts");
    const slingReq = await send(`SLING_REQUEST: ${bead}`, "Rig: alpha");
    await send("Lunch?");

    const dry = await town.gtJson<{ dry_run: boolean; results: Result[] }>([
      "callbacks",
      "process",
      "--dry-run",
    ]);
    assert.deepEqual(
      dry.results.map((r) => [r.type, r.handled]),
      [
        ["polecat_done", true],
        ["help", true],
        ["merge_rejected", true],
        ["sling", true],
        ["unknown", false],
      ],
    );
    assert.match(dry.results[3]!.action, new RegExp(`would sling ${bead} to alpha/`));
    assert.equal(
      (await town.gtJson<Msg[]>(["mail", "inbox", "--unread"], mayor)).length,
      5,
      "dry run changed nothing",
    );

    // The real run, without the sling request (it would start a polecat).
    await town.gtJson(["mail", "archive", slingReq.id], mayor);
    const real = await town.gtJson<{ results: Result[] }>(["callbacks", "process"]);
    assert.equal(real.results.filter((r) => r.handled).length, 3);
    const left = await town.gtJson<Msg[]>(["mail", "inbox"], mayor);
    assert.deepEqual(
      left.map((m) => m.subject),
      ["Lunch?"],
    );
    const overseer = await town.gtJson<Msg[]>(["mail", "inbox", "overseer"]);
    assert.ok(
      overseer.some((m) => m.subject === "HELP: stuck on the tests" && /the suite hangs/.test(m.body)),
    );
    const maxBox = await town.gtJson<Msg[]>(["mail", "inbox"], max);
    assert.ok(maxBox.some((m) => m.subject === "MERGE_FAILED alpha-1"));
    const again = await town.gtJson<{ results: Result[] }>(["callbacks", "process"]);
    assert.deepEqual(
      again.results.map((r) => [r.type, r.handled]),
      [["unknown", false]],
    );
  });
});
