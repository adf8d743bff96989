// The whole dispatch loop with script agents on a real tmux server: five beads holding
// small shell tasks are slung at a rig, five polecats work in parallel in their own
// worktrees, each runs `gt done`, and five merge requests exist with the right branches
// and commits, pushed to the project. Then a polecat is killed mid-work: its bead stays
// hooked, `gt polecat list` calls it a zombie, and slinging the bead again resumes it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BD, run } from "../helpers/bd.ts";
import { eventually, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

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
  const bd = async (args: string[]) => {
    const r = await run(BD, rigDir(), args, { env: town.env });
    if (r.code !== 0) throw new Error(`bd ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const mergeRequests = async () =>
    JSON.parse(await bd(["list", "--type", "merge-request", "--all", "--json", "--limit", "0"])) as Bead[];
  const gitIn = (dir: string, ...args: string[]) =>
    execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

  before(async () => {
    town = await newTown("tmux");
    project = makeRepo(join(town.scratch, "project"), { "README.md": "# project\n" });
    const r = await town.gt(["rig", "add", "alpha", project]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("five beads, five polecats, five merge requests with the right branches and commits", async () => {
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

    const mrs: Bead[] | undefined = await eventually(
      async () => {
        const all = await mergeRequests();
        return all.length >= 5 ? all : undefined;
      },
      60_000,
      "five merge requests",
    );
    assert.ok(mrs);
    assert.equal(mrs.length, 5);
    for (const o of report.outcomes) {
      const mr: Bead | undefined = mrs.find((m) => m.metadata?.source_issue === o.bead);
      assert.ok(mr, `a merge request for ${o.bead}`);
      const meta: Record<string, unknown> = mr.metadata ?? {};
      assert.equal(meta.branch, o.branch);
      assert.equal(meta.target, "main");
      assert.equal(meta.worker, `alpha/polecats/${o.polecat}`);
      // The branch was pushed to the project at the MR's commit, and that commit holds the work.
      assert.equal(gitIn(project, "rev-parse", `refs/heads/${o.branch}`), meta.commit_sha);
      const n = ids.indexOf(o.bead) + 1;
      assert.equal(gitIn(project, "show", `${meta.commit_sha}:out${n}.txt`), `result ${n}`);
      const files = gitIn(project, "show", "--name-only", "--format=", `${meta.commit_sha}`);
      assert.ok(!files.includes(".beads"), `no runtime files committed: ${files}`);
    }
    // The work is not merged yet (that is the refinery's job): beads wait, the convoy is open.
    const polecats = await eventually(
      async () => {
        const list = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
        return list.every((p) => p.state === "idle") ? list : undefined;
      },
      15_000,
      "polecats idle after gt done",
    );
    assert.equal(polecats?.length, 5);
    const status = await town.gtJson<{ status: string }>(["convoy", "status", convoy.id]);
    assert.equal(status.status ?? "open", "open");
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
    assert.equal(gitIn(project, "show", `${mr.metadata?.commit_sha}:resumed.txt`), "resumed");
  });
});
