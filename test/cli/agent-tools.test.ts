import "../helpers/isolation.ts";
// gt commit (the agent's identity on the commit, git's exit code kept) and gt remember /
// forget / memories (per-agent notes kept as pinned beads, handed to the next session by
// gt prime), in a real town.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, git, type TestTown } from "../helpers/town.ts";

interface Memory {
  id: string;
  owner: string;
  type: string;
  key: string;
  text: string;
}

describe("gt commit and gt remember/forget/memories", () => {
  let town: TestTown;
  const max = { env: { GT_ROLE: "alpha/crew/max" } };
  const crewDir = () => join(town.root, "alpha", "crew", "max");
  const fails = failsInOneLine(() => town, max);

  before(async () => {
    town = await crewTown();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt commit commits as the agent, with the town's email domain, and keeps git's exit code", async () => {
    await town.gtJson(["config", "agent-email-domain", "agents.example"]);
    writeFileSync(join(crewDir(), "notes.txt"), "hello\n");
    git(crewDir(), "add", "notes.txt");
    const r = await town.gt(["commit", "-m", "add notes"], { ...max, cwd: crewDir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      git(crewDir(), "log", "-1", "--format=%an <%ae> %s"),
      "alpha/crew/max <alpha.crew.max@agents.example> add notes",
    );
    // Nothing to commit: git's own failure and exit code come through.
    const empty = await town.gt(["commit", "-m", "nothing"], { ...max, cwd: crewDir() });
    assert.equal(empty.code, 1);
    // `--` passes flags on to git.
    const amend = await town.gt(["commit", "--", "--amend", "-m", "add notes (amended)"], {
      ...max,
      cwd: crewDir(),
    });
    assert.equal(amend.code, 0, amend.stderr);
    assert.equal(
      git(crewDir(), "log", "-1", "--format=%s %ae"),
      "add notes (amended) alpha.crew.max@agents.example",
    );
  });

  it("remember keeps typed, keyed notes per agent; memories lists them; forget removes one", async () => {
    const m = await town.gtJson<Memory>(
      ["remember", "--type", "feedback", "Do not mock the database in tests"],
      max,
    );
    assert.deepEqual([m.owner, m.type, m.key], ["alpha/crew/max", "feedback", "do-not-mock-the-database"]);
    await town.gtJson(["remember", "--key", "Refinery Worktree", "The refinery uses a worktree"], max);
    await town.gtJson(["remember", "mayor's own note"], { env: { GT_ROLE: "mayor" } });
    const mine = await town.gtJson<Memory[]>(["memories"], max);
    assert.deepEqual(
      mine.map((x) => [x.type, x.key, x.text]),
      [
        ["feedback", "do-not-mock-the-database", "Do not mock the database in tests"],
        ["general", "refinery-worktree", "The refinery uses a worktree"],
      ],
    );
    assert.equal((await town.gtJson<Memory[]>(["memories", "--type", "feedback"], max)).length, 1);
    await fails(
      ["remember", "--key", "refinery-worktree", "again"],
      /already remembers general\/refinery-worktree/,
    );
    const replaced = await town.gtJson<Memory>(
      ["remember", "--key", "refinery-worktree", "--replace", "It moved"],
      max,
    );
    assert.equal(replaced.text, "It moved");
    await fails(["remember", "--type", "gossip", "x"], /unknown memory type "gossip"/);
    // Memories are not work: bd ready does not offer them.
    const ready = await town.gt(["ready", "--json"]);
    assert.doesNotMatch(ready.stdout, /memory /);

    // Prime hands them to the agent's next session.
    const primed = (await town.gt(["prime"], max)).stdout;
    assert.match(
      primed,
      /## Your memories\n\n- \[feedback\] Do not mock the database in tests \(do-not-mock-the-database;/,
    );
    assert.match(primed, /- \[general\] It moved \(refinery-worktree;/);
    assert.doesNotMatch(primed, /mayor's own note/);

    const gone = await town.gtJson<{ forgotten: Memory[] }>(["forget", "refinery-worktree"], max);
    assert.equal(gone.forgotten.length, 1);
    await fails(["forget", "refinery-worktree"], /has no memory "refinery-worktree"/);
    assert.deepEqual(
      (await town.gtJson<Memory[]>(["memories"], max)).map((x) => x.key),
      ["do-not-mock-the-database"],
    );
    assert.equal((await town.gtJson<Memory[]>(["memories"], { env: { GT_ROLE: "mayor" } })).length, 1);
  });
});
