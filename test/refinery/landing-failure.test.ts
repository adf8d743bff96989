// A refinery that cannot land says so. Origin's pre-receive hook refuses main with a
// three-line message: the round fails with one line, and gt mq status, gt refinery status
// and gt status (text and --json's `landing_failure`) show the failure with every line of
// git's reason, counting the rounds; once origin takes the push, the failure is gone.
import assert from "node:assert/strict";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addBareRig, git, newTown, slingNew, type TestTown } from "../helpers/town.ts";

interface LandingFailure {
  stage: string;
  target: string | null;
  summary: string;
  reason: string;
  mrs: string[];
  since: string;
  attempts: number;
}

const HOOK = `#!/bin/sh
while read old new ref; do
  if [ "$ref" = "refs/heads/main" ]; then
    echo "main is frozen for the release"
    echo "second line: ask in #releases"
    echo "third line: ticket REL-42"
    exit 1
  fi
done
exit 0
`;

describe("a refinery whose push is rejected", () => {
  let town: TestTown;
  let origin: string;
  let mr: string;
  const hook = () => join(origin, "hooks", "pre-receive");

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha");
    writeFileSync(hook(), HOOK);
    chmodSync(hook(), 0o755);

    const o = await slingNew(town, "alpha", "blocked work");
    writeFileSync(join(o.work_dir, "work.txt"), "work\n");
    git(o.work_dir, "add", "work.txt");
    git(o.work_dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "work");
    const done = await town.gtJson<{ merge_request: string }>(["done"], {
      cwd: o.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: o.polecat },
    });
    mr = done.merge_request;
    assert.ok(mr);
  });
  after(async () => {
    await town?.cleanup();
  });

  const assertFullReason = (f: LandingFailure | null | undefined) => {
    assert.ok(f, "a landing failure is shown");
    assert.equal(f.stage, "push");
    assert.equal(f.target, "main");
    for (const line of [
      "main is frozen for the release",
      "second line: ask in #releases",
      "third line: ticket REL-42",
    ])
      assert.ok(f.reason.includes(line), `reason has "${line}": ${f.reason}`);
    assert.match(f.reason, /pre-receive hook declined/);
    assert.deepEqual(f.mrs, [mr]);
  };

  it("the round fails in one line, and every status view shows git's whole reason", async () => {
    const run = await town.gt(["refinery", "run-once", "alpha"]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /cannot push main to origin: .*third line: ticket REL-42/);
    assert.equal(git(origin, "ls-tree", "--name-only", "main").includes("work.txt"), false);

    const rigStatus = await town.gtJson<{ pending: number; landing_failure: LandingFailure | null }>([
      "mq",
      "status",
      "alpha",
    ]);
    assert.equal(rigStatus.pending, 1, "the MR stays in the queue");
    assertFullReason(rigStatus.landing_failure);
    assert.equal(rigStatus.landing_failure!.attempts, 1);
    const mrStatus = await town.gtJson<{ id: string; landing_failure: LandingFailure | null }>([
      "mq",
      "status",
      mr,
      "alpha",
    ]);
    assertFullReason(mrStatus.landing_failure);
    const refinery = await town.gtJson<{
      address: string;
      state: string;
      landing_failure: LandingFailure | null;
    }>(["refinery", "status", "alpha"]);
    assert.equal(refinery.address, "alpha/refinery");
    assertFullReason(refinery.landing_failure);
    const status = await town.gtJson<{
      summary: { landing_failures: number };
      rigs: Array<{ name: string; landing_failure: LandingFailure | null }>;
    }>(["status"]);
    assert.equal(status.summary.landing_failures, 1);
    assertFullReason(status.rigs.find((r) => r.name === "alpha")?.landing_failure);

    // The text views print it too, every line of it.
    for (const args of [
      ["mq", "status", "alpha"],
      ["refinery", "status", "alpha"],
      ["status"],
      ["mq", "list", "alpha"],
    ]) {
      const r = await town.gt(args);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /cannot land on main/, `gt ${args.join(" ")}`);
      assert.match(r.stdout, /│ .*third line: ticket REL-42/, `gt ${args.join(" ")}`);
    }
  });

  it("another failing round counts on from the first", async () => {
    const first = (await town.gtJson<{ landing_failure: LandingFailure }>(["mq", "status", "alpha"]))
      .landing_failure;
    assert.equal((await town.gt(["refinery", "run-once", "alpha"])).code, 1);
    const second = (await town.gtJson<{ landing_failure: LandingFailure }>(["mq", "status", "alpha"]))
      .landing_failure;
    assert.equal(second.attempts, 2);
    assert.equal(second.since, first.since);
  });

  it("once origin takes the push the MR lands and the failure is gone", async () => {
    rmSync(hook());
    const report = await town.gtJson<{ landed: unknown[] }>(["refinery", "run-once", "alpha"]);
    assert.equal(report.landed.length, 1);
    assert.ok(git(origin, "ls-tree", "--name-only", "main").split("\n").includes("work.txt"));
    assert.equal(
      (await town.gtJson<{ landing_failure: unknown }>(["mq", "status", "alpha"])).landing_failure,
      null,
    );
    assert.equal(
      (await town.gtJson<{ landing_failure: unknown }>(["refinery", "status", "alpha"])).landing_failure,
      null,
    );
    const mrStatus = await town.gtJson<{ landing_failure: unknown }>(["mq", "status", mr, "alpha"]);
    assert.equal(mrStatus.landing_failure, null);
    const status = await town.gtJson<{ summary: { landing_failures: number } }>(["status"]);
    assert.equal(status.summary.landing_failures, 0);
  });
});
