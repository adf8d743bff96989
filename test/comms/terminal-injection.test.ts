// Text stored by users or agents never reaches a terminal (or an agent's context, through a
// prompt hook) as control bytes: ESC, BEL and the other controls in a bead title, a mail
// subject, body or sender, an escalation, or a session's recorded source are shown as
// visible control pictures by every human output of gt; --json stays exact. The expected
// strings are written out literally.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

const TITLE = "x\u001b]0;pwned\u0007\u001b[31m";
const SHOWN_TITLE = "x␛]0;pwned␇␛[31m";

/** The output has no raw ESC, BEL or other C0 control besides newline. */
function assertInert(text: string, what: string): void {
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.exec(text);
  assert.equal(raw, null, `${what} prints a raw control character: ${JSON.stringify(raw?.[0])} in ${text}`);
}

describe("control characters in stored text", () => {
  let town: TestTown;
  let bead: string;
  let polecat: string;
  let convoy: string;
  let mailId: string;
  let forgedId: string;
  let escalation: string;
  const rigDir = () => join(town.root, "alpha");
  const out = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await town.gt(args, { env });
    assert.equal(r.code, 0, `gt ${args.join(" ")}: ${r.stderr}`);
    assertInert(r.stdout, `gt ${args.join(" ")}`);
    assertInert(r.stderr, `gt ${args.join(" ")} (stderr)`);
    return r.stdout;
  };

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "project")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
    bead = await bdOk(town, rigDir(), [
      "create",
      TITLE,
      "-d",
      "do this\u001b[2J\nthen that\u0007",
      "--silent",
    ]);
    const slung = await town.gtJson<{
      outcomes: Array<{ polecat: string }>;
      convoy: { id: string } | string | null;
    }>(["sling", bead, "alpha", "--no-start"]);
    polecat = slung.outcomes[0]!.polecat;
    const c = slung.convoy;
    convoy = typeof c === "string" ? c : c!.id;
    const sent = await town.gtJson<{ id: string }>(
      [
        "mail",
        "send",
        "mayor",
        "-s",
        "Sub\u001b[31mject\nforged: line",
        "-m",
        "Body\u001b]0;title\u0007\nsecond line",
        "--no-notify",
      ],
      { env: { GT_ROLE: "alpha/witness" } },
    );
    mailId = sent.id;
    // A message whose sender label carries an escape (written past gt, straight into the ledger).
    forgedId = await bdOk(town, town.root, [
      "create",
      "Forged sender",
      "--type",
      "message",
      "--assignee",
      "mayor",
      "-l",
      "gt:message",
      "-l",
      "from:ev\u001b[1mil",
      "--silent",
    ]);
    escalation = (
      await town.gtJson<{ id: string }>([
        "escalate",
        "-s",
        "high",
        "Esc\u001b[5malated",
        "--reason",
        "Why\u001b]8;;http://x\u0007",
      ])
    ).id;
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt mail check --inject, inbox and read show control pictures", async () => {
    // The prompt-hook path: straight into the agent's context, and no line of its own.
    const inject = await out(["mail", "check", "--inject", "--identity", "mayor"]);
    assert.ok(inject.includes(`${mailId}: Sub␛[31mject␊forged: line (from alpha/witness)`), inject);
    assert.ok(!inject.split("\n").some((l) => l.startsWith("forged: line")), inject);

    const inbox = await out(["mail", "inbox", "mayor"]);
    assert.ok(inbox.includes("Sub␛[31mject␊forged: line"), inbox);
    assert.ok(inbox.includes("ev␛[1mil"), inbox);

    const read = await out(["mail", "read", mailId], { GT_ROLE: "mayor" });
    assert.ok(read.includes("Sub␛[31mject␊forged: line"), read);
    assert.ok(read.includes("Body␛]0;title␇\nsecond line"), read);
    const forged = await out(["mail", "read", forgedId], { GT_ROLE: "mayor" });
    assert.ok(forged.includes("From: ev␛[1mil"), forged);
  });

  it("--json output stays exact", async () => {
    const m = await town.gtJson<{ subject: string; body: string }>(["mail", "read", mailId], {
      env: { GT_ROLE: "mayor" },
    });
    assert.equal(m.subject, "Sub\u001b[31mject\nforged: line");
    assert.equal(m.body, "Body\u001b]0;title\u0007\nsecond line");
    const hook = await town.gtJson<{ hooked: { title: string } }>(["prime"], {
      env: { GT_ROLE: `alpha/polecats/${polecat}` },
    });
    assert.equal(hook.hooked.title, TITLE);
  });

  it("gt prime shows the hooked bead's title and description safely", async () => {
    const prime = await out(["prime"], { GT_ROLE: `alpha/polecats/${polecat}` });
    assert.ok(prime.includes(`- Bead: **${bead}** — x␛]0;pwned␇␛[31m`), prime);
    assert.ok(prime.includes("do this␛[2J\nthen that␇"), prime);
    const json = await town.gtJson<{ text: string }>(["prime"], {
      env: { GT_ROLE: `alpha/polecats/${polecat}` },
    });
    assertInert(json.text, "gt prime --json text");
    const fast = await out(["prime", "--hook", "--source", "compact"], {
      GT_ROLE: `alpha/polecats/${polecat}`,
    });
    assert.ok(fast.includes(`Hooked: ${bead} — x␛]0;pwned␇␛[31m.`), fast);
    const mayor = await out(["prime"], { GT_ROLE: "mayor" });
    assert.ok(mayor.includes(`${escalation} Esc␛[5malated`), mayor);
  });

  it("gt hook show, status, ready and convoy list/status/show", async () => {
    const hook = await out(["hook", "show", `alpha/polecats/${polecat}`]);
    assert.ok(hook.includes(SHOWN_TITLE), hook);
    const status = await out(["status"]);
    assert.ok(status.includes(`hook: ${bead} x␛]0;pwned␇␛[31m`), status);
    const agents = await out(["agents", "--all"]);
    assert.ok(agents.includes(SHOWN_TITLE), agents);
    await out(["ready"]);
    for (const args of [
      ["convoy", "list"],
      ["convoy", "status"],
      ["convoy", "show", convoy],
    ]) {
      const text = await out(args);
      assert.ok(text.includes("Work: x␛]0;pwned␇␛[31m"), `${args.join(" ")}: ${text}`);
    }
    const show = await out(["convoy", "show", convoy]);
    assert.ok(show.includes(`${bead}`) && show.includes("hooked      x␛]0;pwned␇␛[31m"), show);
  });

  it("gt escalate list and show", async () => {
    const list = await out(["escalate", "list"]);
    assert.ok(list.includes("Esc␛[5malated"), list);
    const show = await out(["escalate", "show", escalation]);
    assert.ok(show.includes("Esc␛[5malated"), show);
    assert.ok(show.includes("Why␛]8;;http://x␇"), show);
  });

  it("gt seance shows a recorded session source safely", async () => {
    await out(["prime", "--hook", "--source", "start\u001b[31mup"], { GT_ROLE: "mayor" });
    const seance = await out(["seance"]);
    assert.ok(seance.includes("start␛[31mup"), seance);
  });

  it("errors on stderr are made safe too", async () => {
    const r = await town.gt(["mail", "read", "hq-\u001b[31mnope"], { env: { GT_ROLE: "mayor" } });
    assert.notEqual(r.code, 0);
    assertInert(r.stderr, "the error");
    assert.ok(r.stderr.includes("hq-␛[31mnope"), r.stderr);
  });
});
