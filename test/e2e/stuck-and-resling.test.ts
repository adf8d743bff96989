// A polecat that cannot go on, and the user who helps it, with script agents on a real tmux
// server: the agent's failed script becomes an escalation a person sees (gt escalate list,
// the mayor's inbox), the user fixes the bead and slings it again onto the same live
// polecat, which picks it up and gets it merged; a sling asking that idle polecat for another
// agent gets a new session running that agent, never a silent nudge to the old one.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, bdOk, eventually, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Bead {
  id: string;
  status: string;
  labels?: string[];
  assignee?: string;
  metadata?: Record<string, unknown>;
}
interface SlingReport {
  outcomes: Array<{ bead: string; polecat: string; session: string; session_action: string }>;
  failures: Array<{ bead: string; error: string }>;
}
interface Escalation {
  id: string;
  summary: string;
  reason: string;
  related: string | null;
  source: string;
}

const script = (title: string, body: string) => `${title}.\n\n\`\`\`sh\n${body}\n\`\`\`\n`;

describe("a stuck polecat, escalated and slung again", () => {
  let town: TestTown;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const sling = async (args: string[]) => {
    const r = await town.gtJson<SlingReport>(["sling", ...args, "--no-convoy"]);
    assert.deepEqual(r.failures, []);
    return r.outcomes[0]!;
  };
  let polecat = "";
  let stuck = "";

  before(async () => {
    town = await newTown("tmux");
    const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
    await addBareRig(town, "alpha", { seed, mergeQueue: { test_command: "true", poll_interval_seconds: 2 } });
    // A second agent the town knows: the script agent under another name.
    mkdirSync(join(town.root, "settings"), { recursive: true });
    writeFileSync(
      join(town.root, "settings", "agents.json"),
      JSON.stringify({
        version: 1,
        agents: { "script-b": { provider: "script", command: "gt", args: ["script-agent"] } },
      }),
    );
    const started = await town.gt(["refinery", "start", "alpha"]);
    assert.equal(started.code, 0, started.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("a polecat whose script fails files an escalation a person sees", async () => {
    stuck = await bd([
      "create",
      "needs a fix",
      "-d",
      script("Fails", "echo 'cannot find the config' >&2\nexit 3"),
      "--silent",
    ]);
    const o = await sling([stuck, "alpha", "--agent", "script"]);
    polecat = o.polecat;
    await eventually(async () => (await show(stuck)).status === "blocked", 30_000, "the bead to be blocked");
    assert.ok((await show(stuck)).labels?.includes("gt:escalated"));
    const open = await town.gtJson<Escalation[]>(["escalate", "list", "--json"]);
    const e = open.find((x) => x.related === stuck);
    assert.ok(e, `an escalation about ${stuck} in ${JSON.stringify(open)}`);
    assert.equal(e.source, `alpha/polecats/${polecat}`);
    assert.match(e.reason, /exited with status 3/);
    const status = await town.gtJson<{
      summary: { escalations: number };
      escalations: Array<{ id: string }>;
    }>(["status", "--json"]);
    assert.ok(
      status.escalations.some((x) => x.id === e.id),
      "gt status lists it",
    );
    assert.equal(status.summary.escalations, status.escalations.length);
    const text = await town.gt(["status"]);
    assert.match(text.stdout, new RegExp(`🚨 ${e.id} \\[medium\\]`));
    // The default route mails the mayor.
    const inbox = await town.gtJson<Array<{ subject: string }>>([
      "mail",
      "inbox",
      "--identity",
      "mayor",
      "--json",
    ]);
    assert.ok(
      inbox.some((m) => m.subject.includes("ESCALATION") && m.subject.includes(stuck)),
      JSON.stringify(inbox),
    );
  });

  it("the fixed bead slung again onto the same live polecat is picked up and merged", async () => {
    await bd(["update", stuck, "-d", script("Fixed", "echo fixed > fixed.txt")]);
    const o = await sling([stuck, `alpha/polecats/${polecat}`]);
    assert.equal(o.polecat, polecat);
    assert.equal(o.session_action, "nudged", "its session was still running");
    await eventually(async () => (await show(stuck)).status === "closed", 60_000, "the fixed bead to merge");
  });

  it("asking that idle polecat for another agent starts a new session with it", async () => {
    const next = await bd([
      "create",
      "on another agent",
      "-d",
      script("Other", "echo b > b.txt"),
      "--silent",
    ]);
    const o = await sling([next, `alpha/polecats/${polecat}`, "--agent", "script-b"]);
    assert.equal(o.session_action, "restarted");
    const agentBead = JSON.parse(
      await bd(["show", `${next.slice(0, next.lastIndexOf("-"))}-alpha-polecat-${polecat}`, "--json"]),
    ) as Bead[];
    assert.equal(agentBead[0]?.metadata?.agent, "script-b");
    await eventually(async () => (await show(next)).status === "closed", 60_000, "the bead to merge");
  });
});
