// The whole loop with script agents on a real tmux server: five beads holding small shell
// tasks are slung at a rig, five polecats work in parallel in their own worktrees, each runs
// `gt done` (branch pushed, merge request filed), and the rig's refinery lands all five on
// main: the beads close and their convoy lands. Then a polecat is killed mid-work: its bead
// stays hooked, `gt polecat list` calls it a zombie, and slinging it again resumes the work.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  eventually,
  makeRepo,
  mergeRequestBeads,
  newTown,
  type TestTown,
} from "../helpers/town.ts";

interface Bead {
  id: string;
  title: string;
  status: string;
  assignee?: string;
  metadata?: Record<string, unknown>;
}
interface Polecat {
  name: string;
  state: string;
  hook: string | null;
  session: string;
}
interface SlingReport {
  outcomes: Array<{ bead: string; polecat: string; branch: string; action: string; session: string }>;
  failures: Array<{ bead: string; error: string }>;
}

describe("the dispatch loop on tmux", () => {
  let town: TestTown;
  let project: string;
  const rigDir = () => join(town.root, "alpha");
  const bd = (args: string[]) => bdOk(town, rigDir(), args);
  const mergeRequests = () => mergeRequestBeads<Bead>(town, rigDir());
  const gitIn = (dir: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

  before(async () => {
    town = await newTown("tmux");
    // The project's origin is a bare repository, as a hosted remote would be.
    const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
    project = await addBareRig(town, "alpha", {
      seed,
      mergeQueue: { test_command: "test -f README.md", poll_interval_seconds: 2 },
    });
    const started = await town.gt(["refinery", "start", "alpha"]);
    assert.equal(started.code, 0, started.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("five beads, five polecats, five merge requests, all landed on main by the refinery", async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(
        await bd([
          "create",
          `task ${i}`,
          "-d",
          `Write file ${i}.\n\n\`\`\`sh\nsleep 0.5\necho "result ${i}" > out${i}.txt\n\`\`\`\n`,
          "--silent",
        ]),
      );
    }
    const convoy = await town.gtJson<{ id: string }>(["convoy", "create", "Five tasks", ...ids]);
    assert.match(convoy.id, /^hq-cv-/);

    const report = await town.gtJson<SlingReport>(["sling", ...ids, "alpha", "--agent", "script"]);
    assert.deepEqual(report.failures, []);
    assert.equal(new Set(report.outcomes.map((o) => o.polecat)).size, 5, "one polecat each");

    // The refinery lands them: every bead closes with its merge commit.
    await eventually(
      async () => {
        const beads = await Promise.all(
          ids.map(async (id) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!),
        );
        return beads.every((b) => b.status === "closed");
      },
      90_000,
      "all five beads merged and closed",
    );
    const mrs = await mergeRequests();
    assert.equal(mrs.length, 5);
    for (const o of report.outcomes) {
      const mr: Bead | undefined = mrs.find((m) => m.metadata?.source_issue === o.bead);
      assert.ok(mr, `a merge request for ${o.bead}`);
      const meta: Record<string, unknown> = mr.metadata ?? {};
      assert.equal(meta.branch, o.branch);
      assert.equal(meta.target, "main");
      assert.equal(meta.worker, `alpha/polecats/${o.polecat}`);
      assert.equal(mr.status, "closed");
      assert.equal(meta.phase, "merged");
      // The commit on main is the polecat's work, rebased by the refinery.
      const n = ids.indexOf(o.bead) + 1;
      assert.equal(gitIn(project, "show", `${meta.merge_commit}:out${n}.txt`), `result ${n}`);
      assert.ok(gitIn(project, "merge-base", "--is-ancestor", String(meta.merge_commit), "main") === "");
      const files = gitIn(project, "show", "--name-only", "--format=", String(meta.merge_commit));
      assert.ok(
        !files.includes(".beads") && !files.includes(".runtime"),
        `no runtime files committed: ${files}`,
      );
    }
    const onMain = gitIn(project, "ls-tree", "--name-only", "main");
    for (let i = 1; i <= 5; i++) assert.ok(onMain.includes(`out${i}.txt`), onMain);

    // The convoy landed when the last bead closed, and its owner was told.
    const status = await eventually(
      async () => {
        const s = await town.gtJson<{ status: string; closed: number }>(["convoy", "status", convoy.id]);
        return s.status === "closed" ? s : undefined;
      },
      15_000,
      "the convoy to land",
    );
    assert.equal(status?.closed, 5);
    const polecats = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
    assert.ok(
      polecats.every((p) => p.state === "idle"),
      JSON.stringify(polecats),
    );
    const peek = await town.gt(["refinery", "status", "alpha", "--json"]);
    assert.equal(JSON.parse(peek.stdout).state, "running");
  });

  it("a polecat killed mid-work is a zombie; slinging its bead again resumes the same work", async () => {
    const gate = join(town.scratch, "go");
    const id = await bd([
      "create",
      "slow task",
      "-d",
      `Wait for the gate.\n\n\`\`\`sh\nwhile [ ! -f ${gate} ]; do sleep 0.1; done\necho resumed > resumed.txt\n\`\`\`\n`,
      "--silent",
    ]);
    const first = (await town.gtJson<SlingReport>(["sling", id, "alpha", "--agent", "script"])).outcomes[0]!;
    await eventually(
      async () =>
        (await town.gt(["session", "peek", first.session, "40"])).stdout.includes("running sh block"),
      15_000,
      "the polecat to start the block",
    );
    execFileSync("tmux", ["-L", town.env.GT_TMUX_SOCKET!, "kill-session", "-t", first.session]);

    const list = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
    const zombie = list.find((p) => p.name === first.polecat)!;
    assert.equal(zombie.state, "zombie");
    assert.equal(zombie.hook, id);
    const bead = (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
    assert.equal(bead.status, "hooked", "the hook survives the session");

    writeFileSync(gate, "");
    const again = (
      await town.gtJson<SlingReport>(["sling", id, `alpha/${first.polecat}`, "--agent", "script"])
    ).outcomes[0]!;
    assert.equal(again.action, "resumed");
    const mr: Bead | undefined = await eventually(
      async () => (await mergeRequests()).find((m) => m.metadata?.source_issue === id),
      30_000,
      "the resumed work's merge request",
    );
    assert.ok(mr);
    assert.equal(mr.metadata?.branch, first.branch, "same sandbox, same branch");
    await eventually(
      async () => gitIn(project, "ls-tree", "--name-only", "main").includes("resumed.txt"),
      30_000,
      "the resumed work on main",
    );
  });
});
