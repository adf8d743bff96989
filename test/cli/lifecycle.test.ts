// `gt deacon` and `gt witness` start, status and stop through the real executable on the
// subprocess runtime: status says stopped, start runs the agent (and whatever it starts),
// status says running with the session's pid, a second start is refused, stop ends the
// session and its children (checked by pid), status says stopped again, and a second stop
// says it was not running.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { processAlive } from "../helpers/procs.ts";
import { eventually, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Status {
  address: string;
  role: string;
  rig: string | null;
  session: string;
  state: string;
  running: boolean;
  pid: number | null;
  agent: string | null;
}

/** Whether `pid` is gone, or only a zombie waiting for its parent (as ps shows it). */
function ended(pid: number): boolean {
  if (!processAlive(pid)) return true;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") ?? false;
  } catch {
    return true;
  }
}

describe("gt deacon and gt witness start/status/stop (subprocess runtime)", () => {
  let town: TestTown;
  before(async () => {
    town = await newTown("subprocess");
    const add = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "src")), "--mirror"]);
    assert.equal(add.code, 0, add.stderr);
    // An agent that starts a child of its own (its pid written down), says it is ready, waits.
    const script = `sleep 600 >/dev/null 2>&1 & echo $! > "${town.scratch}/child-$(printf %s "$GT_ROLE" | tr / -).pid"; echo READY; exec sleep 600`;
    const set = await town.gt(["config", "agent", "set", "sleeper", "sh", "-c", script]);
    assert.equal(set.code, 0, set.stderr);
    const file = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents.sleeper.ready_prompt_prefix = "READY";
    writeFileSync(file, JSON.stringify(settings, null, 2));
  });
  after(async () => {
    await town?.cleanup();
  });

  const cases = [
    // pidName: the agent's GT_ROLE (its address) with / as -.
    { role: "deacon", rigArgs: [] as string[], session: "hq-deacon", pidName: "deacon" },
    { role: "witness", rigArgs: ["alpha"], session: "al-witness", pidName: "alpha-witness" },
  ];

  for (const { role, rigArgs, session, pidName } of cases) {
    it(`${role}: start, status running, stop, status stopped, nothing left running`, async () => {
      const status = async (): Promise<Status> => town.gtJson<Status>([role, "status", ...rigArgs]);

      const before = await status();
      assert.equal(before.state, "stopped");
      assert.equal(before.running, false);
      assert.equal(before.session, session);

      const started = await town.gtJson<{
        started: boolean;
        session: string;
        agent: string;
        provider: string;
      }>([role, "start", ...rigArgs, "--agent", "sleeper"]);
      assert.deepEqual(
        {
          started: started.started,
          session: started.session,
          agent: started.agent,
          provider: started.provider,
        },
        { started: true, session, agent: "sleeper", provider: "subprocess" },
      );

      const running = await status();
      assert.equal(running.state, "running");
      assert.equal(running.running, true);
      assert.equal(running.agent, "sleeper");
      const pid = running.pid!;
      assert.ok(pid > 1, `pid ${pid}`);
      assert.ok(processAlive(pid), "the session's process runs");
      const childFile = join(town.scratch, `child-${pidName}.pid`);
      const child = await eventually(
        async () => (existsSync(childFile) ? Number(readFileSync(childFile, "utf8").trim()) : 0),
        10_000,
        "the agent's child pid",
      );
      assert.ok(processAlive(child), "the agent's child runs");

      // The human line says the same.
      const line = await town.gt([role, "status", ...rigArgs]);
      assert.equal(line.code, 0, line.stderr);
      assert.match(line.stdout, new RegExp(`running\\s+${session} \\(sleeper\\)`));

      const again = await town.gt([role, "start", ...rigArgs, "--agent", "sleeper"]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`already running \\(session ${session}\\)`));
      assert.equal((await status()).pid, pid, "the running session was left alone");

      const stopped = await town.gtJson<{ address: string; stopped: boolean }>([role, "stop", ...rigArgs]);
      assert.equal(stopped.stopped, true);
      assert.equal(stopped.address, running.address);

      const after = await status();
      assert.equal(after.state, "stopped");
      assert.equal(after.running, false);
      await eventually(async () => ended(pid) && ended(child), 10_000, "the session and its child to end");

      const twice = await town.gt([role, "stop", ...rigArgs]);
      assert.equal(twice.code, 0, twice.stderr);
      assert.match(twice.stdout, /was not running/);
    });
  }

  it("finds the witness of the only rig when no rig is named", async () => {
    const s = await town.gtJson<Status>(["witness", "status"]);
    assert.equal(s.rig, "alpha");
    assert.equal(s.session, "al-witness");
  });
});
