// WIP checkpoint branches (polecat/<name>/wip, saved by the checkpoint dog) go once the work
// they hold has a home, never before. On a real town (tmux, a bare origin, sandboxes worked
// in by hand as the agent): while the polecat has the bead hooked and its sandbox dirty,
// then while its merge request waits, the dog keeps the WIP branch; once the refinery
// merged the work (the bead closed), the dog's next run deletes it here and on origin. A
// plain nuke of a clean polecat deletes its WIP branch; a forced nuke past unsaved work
// keeps it (it may be the last copy) until its bead is closed, when gt polecat prune
// --remote deletes it (a dry run first, changing nothing).
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  changeSettings,
  git,
  newTown,
  refSha,
  type Slung,
  slingNew,
  type TestTown,
} from "../helpers/town.ts";

interface DogState {
  last_ok: boolean;
  last_summary: string;
  problems: string[];
  details: {
    checkpoints: Array<{ polecat: string; branch: string; commit: string; bead: string }>;
    wip_pruned: Array<{ branch: string; reason: string }>;
  };
}
interface Branches {
  deleted: Array<{ branch: string; reason: string }>;
  kept: Array<{ branch: string; reason: string }>;
  remote_deleted: Array<{ branch: string; reason: string }>;
}

describe("WIP checkpoint branches are let go once their work has a home", () => {
  let town: TestTown;
  let origin: string;
  const rigDir = () => join(town.root, "alpha");
  const bare = () => join(rigDir(), ".repo.git");
  const wip = (s: Slung) => `polecat/${s.polecat}/wip`;
  const onOrigin = (s: Slung) => refSha(origin, `refs/heads/${wip(s)}`);
  const local = (s: Slung) => refSha(bare(), `refs/heads/${wip(s)}`);
  const checkpoint = async () => {
    const r = await town.gt(["dog", "run", "checkpoint", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const s = JSON.parse(r.stdout) as DogState;
    assert.equal(s.last_ok, true, s.problems.join("; "));
    return s;
  };
  const status = async (bead: string) =>
    (JSON.parse(await bdOk(town, rigDir(), ["show", bead, "--json"])) as Array<{ status: string }>)[0]!
      .status;

  before(async () => {
    town = await newTown("tmux");
    origin = await addBareRig(town, "alpha", { mergeQueue: { test_command: "true" } });
    changeSettings(town, (s) => {
      s.default_agent = "script";
    });
  });
  after(async () => {
    await town?.cleanup();
  });

  it("kept while the work is hooked or waits in the merge queue; deleted here and on origin once merged", async () => {
    const p = await slingNew(town, "alpha", "Merged work");
    writeFileSync(join(p.work_dir, "feature.txt"), "half done\n");
    const first = await checkpoint();
    assert.deepEqual(
      first.details.checkpoints.map((c) => [c.branch, c.bead]),
      [[wip(p), p.bead]],
    );
    const saved = onOrigin(p);
    assert.ok(saved, "the checkpoint is on origin");

    // Hooked and dirty: kept (and unchanged, so not saved again).
    const again = await checkpoint();
    assert.deepEqual(again.details.wip_pruned, []);
    assert.equal(onOrigin(p), saved);

    // The polecat finishes: committed, gt done, its merge request waits. Still kept.
    writeFileSync(join(p.work_dir, "feature.txt"), "done\n");
    git(p.work_dir, "add", "feature.txt");
    git(p.work_dir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "feature");
    const done = await town.gt(["done"], {
      cwd: p.work_dir,
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: p.polecat },
    });
    assert.equal(done.code, 0, done.stderr);
    assert.notEqual(await status(p.bead), "closed");
    const waiting = await checkpoint();
    assert.deepEqual(waiting.details.wip_pruned, [], "the bead is not closed: its work may be needed");
    assert.equal(onOrigin(p), saved);

    // The refinery merges it; the bead is closed; the dog's next run lets the WIP branch go.
    const ran = await town.gtJson<{ landed: unknown[] }>(["refinery", "run-once", "alpha"]);
    assert.equal(ran.landed.length, 1, JSON.stringify(ran));
    assert.equal(await status(p.bead), "closed");
    const after = await checkpoint();
    assert.deepEqual(
      after.details.wip_pruned.map((d) => [d.branch, d.reason]),
      [[wip(p), `${p.bead} is closed`]],
    );
    assert.match(after.last_summary, /1 WIP branch\(es\) let go/);
    assert.equal(onOrigin(p), undefined, "gone from origin");
    assert.equal(local(p), undefined, "gone from the rig's repository");
  });

  it("a plain nuke of a clean polecat deletes its WIP branch; a forced nuke past unsaved work keeps it until its bead is closed", async () => {
    const clean = await slingNew(town, "alpha", "Dropped work");
    const forced = await slingNew(town, "alpha", "Forced away");
    writeFileSync(join(clean.work_dir, "scratch.txt"), "tried something\n");
    writeFileSync(join(forced.work_dir, "precious.txt"), "only copy\n");
    const cps = await checkpoint();
    assert.equal(cps.details.checkpoints.length, 2);
    assert.ok(onOrigin(clean) && onOrigin(forced));

    // The clean one: its scratch file dropped, the bead handed back, then nuked.
    rmSync(join(clean.work_dir, "scratch.txt"));
    assert.equal((await town.gt(["unsling", clean.bead])).code, 0);
    const nuked = await town.gtJson<Array<{ deleted_wip: string | null }>>([
      "polecat",
      "nuke",
      `alpha/${clean.polecat}`,
    ]);
    assert.equal(nuked[0]!.deleted_wip, wip(clean));
    assert.equal(onOrigin(clean), undefined);
    assert.equal(local(clean), undefined);

    // The forced one: its uncommitted file is lost with the sandbox, the checkpoint is not.
    const forcedOut = await town.gtJson<Array<{ deleted_wip: string | null; released_hook: string }>>([
      "polecat",
      "nuke",
      `alpha/${forced.polecat}`,
      "--force",
    ]);
    assert.deepEqual([forcedOut[0]!.deleted_wip, forcedOut[0]!.released_hook], [null, forced.bead]);
    const kept = onOrigin(forced);
    assert.ok(kept, "the last copy of the work stays on origin");
    assert.equal(git(origin, "show", `${kept}:precious.txt`), "only copy");
    const dogRun = await checkpoint();
    assert.deepEqual(dogRun.details.wip_pruned, [], `${forced.bead} is open again: kept`);
    const pr = await town.gtJson<Branches>(["polecat", "prune", "alpha", "--remote"]);
    assert.match(
      pr.kept.find((k) => k.branch === wip(forced))?.reason ?? "",
      new RegExp(`WIP checkpoint kept: ${forced.bead} is open`),
    );
    assert.equal(onOrigin(forced), kept);

    // Its bead closed (done another way): prune --remote lets it go; a dry run first.
    await bdOk(town, rigDir(), ["close", forced.bead, "--reason", "done elsewhere"]);
    const dry = await town.gtJson<Branches>(["polecat", "prune", "alpha", "--remote", "--dry-run"]);
    assert.ok(dry.deleted.some((d) => d.branch === wip(forced)));
    assert.ok(dry.remote_deleted.some((d) => d.branch === wip(forced)));
    assert.equal(onOrigin(forced), kept, "a dry run deletes nothing");
    assert.ok(local(forced));
    const real = await town.gtJson<Branches>(["polecat", "prune", "alpha", "--remote"]);
    assert.deepEqual(
      real.remote_deleted.filter((d) => d.branch === wip(forced)).map((d) => d.reason),
      [`WIP checkpoint: ${forced.bead} is closed`],
    );
    assert.equal(onOrigin(forced), undefined);
    assert.equal(local(forced), undefined);
  });
});
