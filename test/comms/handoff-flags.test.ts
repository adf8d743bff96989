import "../helpers/isolation.ts";
// gt handoff without replacing a session: --auto saves state (a pinned note to self and the
// marker gt prime reads), --collect gathers git/hook/mail/in-progress state, a bead argument
// is hooked first, --dry-run changes nothing; gt mail hook puts a message on the hook.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Msg {
  id: string;
  subject: string;
  body: string;
  pinned: boolean;
}

describe("gt handoff --auto/--collect/--dry-run and gt mail hook", () => {
  let town: TestTown;
  const max = { env: { GT_ROLE: "alpha/crew/max" } };
  const crewDir = () => join(town.root, "alpha", "crew", "max");
  const marker = () => join(crewDir(), ".runtime", "handoff_to_successor");
  const fails = failsInOneLine(() => town, max);

  before(async () => {
    town = await crewTown();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("--dry-run with a bead and --collect says what would happen and changes nothing", async () => {
    const bead = await bdOk(town, crewDir(), ["create", "parser work", "--silent"]);
    const plan = await town.gtJson<{ kind: string; action: string; bead: string; body: string }>(
      ["handoff", bead, "--collect", "--dry-run", "-m", "half done"],
      max,
    );
    assert.equal(plan.kind, "dry-run");
    assert.equal(plan.action, "respawn");
    assert.equal(plan.bead, bead);
    assert.match(plan.body, /^half done\n\n/);
    assert.match(plan.body, /## Git\nBranch: /);
    assert.ok(!existsSync(marker()), "no marker written");
    const hook = await town.gtJson<unknown[]>(["hook", "show", "alpha/crew/max"]);
    assert.equal(JSON.stringify(hook).includes(bead), false, "nothing hooked");
    assert.deepEqual(await town.gtJson<Msg[]>(["mail", "inbox"], max), []);
  });

  it("--auto hooks the bead, then saves a pinned note with the state and the marker, and no session starts", async () => {
    const bead = await bdOk(town, crewDir(), ["create", "lexer work", "--silent"]);
    const r = await town.gtJson<{ kind: string; mail: string; subject: string }>(
      ["handoff", bead, "--auto", "--reason", "compaction"],
      max,
    );
    assert.equal(r.kind, "saved");
    assert.equal(r.subject, "🤝 HANDOFF: compaction");
    assert.ok(existsSync(marker()));
    const note = await town.gtJson<Msg>(["mail", "read", r.mail], max);
    assert.equal(note.pinned, true);
    assert.match(note.body, new RegExp(`## Hooked Work\\n${bead} lexer work`));
    const agents = await town.gtJson<Array<{ address: string; running: boolean }>>(["agents", "--all"]);
    assert.equal(agents.find((a) => a.address === "alpha/crew/max")?.running, false);
  });

  it("refuses what it cannot do, in one line, writing nothing", async () => {
    const before = (await town.gtJson<Msg[]>(["mail", "inbox"], max)).length;
    await fails(["handoff", "al-nosuch", "--auto"], /cannot hook al-nosuch/);
    await fails(["handoff", "--auto"], /gt handoff is for agents/, { env: { GT_ROLE: "" } });
    await fails(["handoff", "--stdin", "-m", "x", "--auto"], /use one/);
    await fails(["handoff", "alpha/crew/nobody", "--auto"], /no crew member alpha\/crew\/nobody/);
    assert.equal((await town.gtJson<Msg[]>(["mail", "inbox"], max)).length, before);
  });

  it("gt mail hook puts one of your messages on your hook", async () => {
    const sent = await town.gtJson<Msg>(
      ["mail", "send", "alpha/crew/max", "-s", "Fix the tests", "--no-notify"],
      {
        env: { GT_ROLE: "mayor" },
      },
    );
    const dry = await town.gt(["mail", "hook", sent.id, "--dry-run"], max);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would put/);
    const r = await town.gt(["mail", "hook", sent.id, "--force"], max);
    assert.equal(r.code, 0, r.stderr);
    const hook = await town.gt(["hook", "show", "alpha/crew/max", "--json"]);
    assert.ok(hook.stdout.includes(sent.id), hook.stdout);
    await fails(["mail", "hook", sent.id], /not in mayor's mailbox/, { env: { GT_ROLE: "mayor" } });
  });
});
