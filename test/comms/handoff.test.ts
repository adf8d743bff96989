// Handoff with a real tmux session running the script agent: a fresh session replaces the
// old one, the hook survives (the new session runs the hooked bead), the handoff note waits
// in the mailbox; seance lists both sessions and answers from the predecessor's record.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, eventually, type TestTown, townWithRunningCrew } from "../helpers/town.ts";

interface Agent {
  address: string;
  pid: number | null;
  running: boolean;
}

describe("gt handoff and gt seance", () => {
  let town: TestTown;
  const max = { env: { GT_ROLE: "alpha/crew/max" } };
  const maxAgent = async () =>
    (await town.gtJson<{ rigs: Array<{ agents: Agent[] }> }>(["status"])).rigs
      .flatMap((r) => r.agents)
      .find((a) => a.address === "alpha/crew/max")!;

  before(async () => {
    town = await townWithRunningCrew();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("replaces the session; the hook survives and the note waits in the mailbox", async () => {
    const crewDir = join(town.root, "alpha", "crew", "max");
    const id = await bdOk(town, crewDir, [
      "create",
      "carry on",
      "-d",
      "```sh\necho continued > continued.txt\n```",
      "--silent",
    ]);
    // On the hook, but the running session is not told: only its successor will look.
    assert.equal((await town.gt(["hook", id, "alpha/crew/max"])).code, 0);
    const before = await maxAgent();
    assert.ok(before.running && before.pid);

    const r = await town.gtJson<{ kind: string; mail: string; hooked: string[] }>(
      ["handoff", "-s", "context is full", "-m", "parser half done"],
      max,
    );
    assert.equal(r.kind, "handoff");
    assert.deepEqual(r.hooked, [id]);

    const after_ = await eventually(
      async () => {
        const a = await maxAgent();
        return a.running && a.pid !== before.pid ? a : undefined;
      },
      15_000,
      "a new session for max",
    );
    assert.ok(after_);
    // The successor found the hook and did the work.
    await eventually(
      async () => (await bdOk(town, crewDir, ["show", id, "--json"])).includes('"status": "closed"'),
      15_000,
      "the hooked bead done by the new session",
    );
    const inbox = await town.gtJson<Array<{ id: string; subject: string; body: string }>>(
      ["mail", "inbox"],
      max,
    );
    const note = inbox.find((m) => m.id === r.mail);
    assert.equal(note?.subject, "🤝 HANDOFF: context is full");
    assert.match(note!.body, /parser half done/);
    assert.match(note!.body, new RegExp(`Hooked: ${id}`));

    // Right away again: refused by the cooldown.
    const again = await town.gt(["handoff"], max);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /less than 2 minutes ago/);
  });

  it("seance lists the sessions and answers from the predecessor's record", async () => {
    const sessions = await town.gtJson<Array<{ session_id: string; actor: string }>>([
      "seance",
      "--rig",
      "alpha",
    ]);
    const maxSessions = sessions.filter((s) => s.actor === "alpha/crew/max");
    assert.ok(maxSessions.length >= 2, JSON.stringify(sessions));
    const predecessor = maxSessions[1]!; // newest first: [successor, predecessor, ...]
    const r = await town.gtJson<{ answer: string[] }>([
      "seance",
      "--talk",
      predecessor.session_id.slice(0, 8),
      "-p",
      "what were you waiting for?",
    ]);
    assert.ok(
      r.answer.some((l) => l.includes("waiting for work")),
      r.answer.join("\n"),
    );
    const none = await town.gt(["seance", "--talk", "zzzz-none"]);
    assert.equal(none.code, 1);
  });
});
