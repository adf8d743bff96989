import "../helpers/isolation.ts";
// gt tap polecat-stop-check: a polecat that stops with commits it never submitted gets gt
// done run for it (branch pushed, merge request filed, hook cleared); otherwise nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";
import {
  addBareRig,
  commitIn,
  mergeRequestBeads,
  newTown,
  refSha,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface Check {
  action: string;
  reason: string;
  polecat: string | null;
  branch: string | null;
  ahead: number;
  done: { code: number; output: string } | null;
}

describe("gt tap polecat-stop-check", () => {
  let town: TestTown;
  let origin: string;
  let s: Slung;
  const check = async (cwd: string, env: NodeJS.ProcessEnv = {}) => {
    const r = await run(GT, cwd, ["tap", "polecat-stop-check", "--json"], {
      env: { ...town.env, ...env },
      input: JSON.stringify({ hook_event_name: "Stop" }),
    });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Check;
  };

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha");
    s = await slingNew(town, "alpha", "Fix the widget");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("does nothing without commits, or for anyone but a polecat", async () => {
    const idle = await check(s.work_dir);
    assert.deepEqual([idle.action, idle.polecat, idle.ahead], ["none", `alpha/polecats/${s.polecat}`, 0]);
    assert.match(idle.reason, /no commits beyond origin\/main/);
    const mayor = await check(town.root, { GT_ROLE: "mayor" });
    assert.deepEqual([mayor.action, mayor.reason], ["none", "not a polecat"]);
  });

  it("runs gt done for unsubmitted commits; the next stop finds the hook empty", async () => {
    commitIn(s.work_dir, "widget.txt", "fixed\n");
    const r = await check(s.work_dir);
    assert.equal(r.action, "done", r.reason);
    assert.deepEqual([r.branch, r.ahead, r.done?.code], [s.branch, 1, 0]);
    assert.ok(refSha(origin, s.branch), "the branch was pushed");
    const mrs = await mergeRequestBeads(town, join(town.root, "alpha"));
    assert.equal(mrs.length, 1);
    const again = await check(s.work_dir);
    assert.equal(again.action, "none");
    assert.match(again.reason, /nothing on the hook/);
  });
});
