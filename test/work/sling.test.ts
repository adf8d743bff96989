// gt sling through the real executable, hooking without sessions (--no-start) so each case
// looks at the ledger, the worktrees and the guards; sessions are covered end to end.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { run } from "../helpers/bd.ts";
import { spawnPaused } from "../helpers/fault-points.ts";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Outcome {
  bead: string;
  previous_holder: string | null;
  action: string;
  target: string;
  rig: string | null;
  polecat: string | null;
  branch: string | null;
  work_dir: string;
}
interface Report {
  outcomes: Outcome[];
  failures: Array<{ bead: string; error: string; code: string }>;
}
interface Polecat {
  name: string;
  state: string;
  hook: string | null;
  branch: string | null;
}

describe("gt sling", () => {
  let town: TestTown;
  const bd = (args: string[], cwd = join(town.root, "alpha")) => bdOk(town, cwd, args);
  const newBead = (title: string, cwd?: string) => bd(["create", title, "--silent"], cwd);
  const show = async (id: string, cwd?: string) =>
    (JSON.parse(await bd(["show", id, "--json"], cwd)) as Array<Record<string, unknown>>)[0]!;

  before(async () => {
    town = await newTown("subprocess");
    const r1 = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "alpha-src")), "--mirror"]);
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await town.gt(["rig", "add", "beta", makeRepo(join(town.scratch, "beta-src")), "--mirror"]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("hooks a bead on a new polecat with its own worktree, branch and redirect", async () => {
    const id = await newBead("first task");
    const report = await town.gtJson<Report>(["sling", id, "alpha", "--no-start"]);
    assert.deepEqual(report.failures, []);
    const o = report.outcomes[0]!;
    assert.equal(o.action, "hooked");
    assert.equal(o.rig, "alpha");
    assert.ok(o.polecat);
    assert.match(o.branch!, new RegExp(`^polecat/${o.polecat}/${id}@[0-9a-z]+$`));
    assert.equal(o.work_dir, join(town.root, "alpha", "polecats", o.polecat!, "alpha"));
    assert.ok(existsSync(join(o.work_dir, "README.md")), "worktree checked out");
    assert.equal(readFileSync(join(o.work_dir, ".beads", "redirect"), "utf8").trim(), "../../../.beads");
    const bead = await show(id);
    assert.equal(bead.status, "hooked");
    assert.equal(bead.assignee, `alpha/polecats/${o.polecat}`);
    // bd inside the worktree reaches the rig ledger through the redirect.
    assert.equal((await show(id, o.work_dir)).status, "hooked");
    const list = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
    const mine = list.find((p) => p.name === o.polecat)!;
    assert.equal(mine.hook, id);
    assert.equal(mine.state, "zombie", "hooked work and no session is a zombie");
    assert.equal(mine.branch, o.branch);
    const events = readFileSync(join(town.root, ".events.jsonl"), "utf8");
    assert.match(events, new RegExp(`"type":"sling".*"bead":"${id}"`));
  });

  it("slinging the same bead at the same rig again resumes its holder whose session is gone, no new polecat (a running holder: sling-guards)", async () => {
    const id = await newBead("again");
    const first = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    const second = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    // No session runs for it, so the holder is dead: a resume of the same polecat, no new one.
    assert.equal(second.action, "resumed");
    assert.equal(second.polecat, first.polecat);
    assert.equal((await show(id)).assignee, `alpha/polecats/${first.polecat}`);
  });

  it("several beads at a rig get one polecat each", async () => {
    const ids = [await newBead("b1"), await newBead("b2"), await newBead("b3")];
    const r = await town.gt(["sling", ...ids, "alpha", "--no-start", "--json"]);
    const report = JSON.parse(r.stdout) as Report;
    assert.deepEqual(report.failures, []);
    assert.equal(r.code, 0);
    const names = report.outcomes.map((o) => o.polecat);
    assert.equal(new Set(names).size, 3, `distinct polecats: ${names.join(",")}`);
    assert.deepEqual(
      report.outcomes.map((o) => o.bead),
      ids,
    );
  });

  it("refuses closed, deferred, foreign-rig and already-hooked beads with one line", async () => {
    const closed = await newBead("closed one");
    await bd(["close", closed]);
    let r = await town.gt(["sling", closed, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    // Refused before any polecat is chosen (the write's own re-check would say "meanwhile").
    assert.equal(r.stderr, `Error: ${closed} is closed; reopen it before slinging\n`);
    // A tombstone (a deleted bead, as an imported Gas Town ledger may keep them) is closed too.
    await bd(["config", "set", "status.custom", "tombstone"]);
    const buried = await newBead("deleted one");
    await bd(["update", buried, "--status", "tombstone"]);
    r = await town.gt(["sling", buried, "alpha", "--no-start"]);
    assert.equal(r.stderr, `Error: ${buried} is tombstone; reopen it before slinging\n`);
    assert.equal((await show(buried)).assignee ?? null, null);

    const deferred = await newBead("later");
    await bd(["defer", deferred, "--until", "+7d"]);
    r = await town.gt(["sling", deferred, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /deferred.*--force/);
    assert.equal((await show(deferred)).assignee ?? null, null);

    // --json says why in a code tools can act on.
    r = await town.gt(["sling", deferred, "alpha", "--no-start", "--json"]);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as { code: string }).code, "deferred");

    const foreign = await newBead("beta work", join(town.root, "beta"));
    r = await town.gt(["sling", foreign, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /belongs to rig beta/);
    r = await town.gt(["sling", foreign, "alpha/polecats/nux", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /belongs to rig beta, not rig alpha/);
    const townWork = await newBead("town work", town.root);
    r = await town.gt(["sling", townWork, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /belongs to the town ledger, not rig alpha/);
    // A crew member takes work from any rig or the town.
    const crewTakes = await town.gtJson<Report>(["sling", townWork, "alpha/crew/max", "--no-start"]);
    assert.equal(crewTakes.outcomes[0]!.action, "hooked");
    assert.equal((await show(townWork, town.root)).assignee, "alpha/crew/max");

    const held = await newBead("held by a person");
    await bd(["update", held, "--status", "hooked", "--assignee", "someone"]);
    r = await town.gt(["sling", held, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already on someone's hook.*--force/);
    r = await town.gt(["sling", held, "alpha", "--no-start", "--json"]);
    assert.equal((JSON.parse(r.stdout) as { code: string }).code, "already_hooked");
    const forced = await town.gtJson<Report>(["sling", held, "alpha", "--no-start", "--force"]);
    assert.equal(forced.outcomes[0]!.previous_holder, "someone");

    r = await town.gt(["sling", "al-nope", "alpha"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /al-nope/);
    r = await town.gt(["sling", held, "nowhere/x/y/z"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error: unknown sling target "nowhere/x/y/z" (no rig nowhere)\n');
  });

  it("polecats may not sling", async () => {
    const id = await newBead("from a polecat");
    const r = await town.gt(["sling", id, "alpha"], {
      env: { GT_ROLE: "polecat", GT_RIG: "alpha", GT_POLECAT: "furiosa" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /polecats may not sling/);
  });

  it("the short form rig/name reaches a crew member of that name, not a new polecat", async () => {
    const id = await newBead("for max");
    const r = await town.gtJson<Report>(["sling", id, "alpha/max", "--no-start"]);
    assert.equal(r.outcomes[0]!.target, "alpha/crew/max");
    assert.equal((await show(id)).assignee, "alpha/crew/max");
    assert.ok(!existsSync(join(town.root, "alpha", "polecats", "max")), "no polecat named max was made");
    await town.gtJson(["unsling", id]);
  });

  it("two slings racing for one bead: exactly one wins", async () => {
    // Forced interleaving: both slings are held at the point between reading the bead and
    // hooking it (test pause "sling:checked"; each is frozen with SIGSTOP the moment it gets
    // there), so both have seen the bead free before either writes. Only the re-check inside
    // the write transaction can then stop the second from hooking it too.
    const id = await newBead("contested");
    const contenders = [
      ["sling", id, "alpha/crew/max", "--no-start", "--json"],
      ["sling", id, "alpha", "--no-start", "--json"],
    ].map((args) => spawnPaused(town, args, "sling:checked", { pauseMs: 2000 }));
    const held: number[] = [];
    try {
      const deadline = Date.now() + 30_000;
      for (const c of contenders) {
        // The marker exists a moment before its pid is written: never signal pid 0 (our group).
        const pidIn = (file: string) => (existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : 0);
        let pid = pidIn(c.marker);
        while (!(pid > 0)) {
          assert.ok(Date.now() < deadline, "both slings reach the pause point");
          await new Promise((r) => setTimeout(r, 5));
          pid = pidIn(c.marker);
        }
        process.kill(pid, "SIGSTOP");
        held.push(pid);
      }
      // Both have read the bead; neither has hooked it.
      assert.equal((await show(id)).status, "open", "neither sling wrote before both had read");
    } finally {
      for (const pid of held) process.kill(pid, "SIGCONT");
    }
    const [a, b] = await Promise.all(contenders.map((c) => c.finish()));
    const wins = [a!, b!].filter(
      (r) => r.code === 0 && JSON.parse(r.stdout).outcomes[0]?.action === "hooked",
    );
    assert.equal(
      wins.length,
      1,
      `a: ${a!.code} ${a!.stdout} ${a!.stderr} b: ${b!.code} ${b!.stdout} ${b!.stderr}`,
    );
    const loser = [a!, b!].find((r) => !wins.includes(r))!;
    assert.equal(loser.code, 1);
    const winner = JSON.parse(wins[0]!.stdout).outcomes[0] as Outcome;
    assert.match(loser.stderr, new RegExp(`${id} was just hooked by ${winner.target}`));
    const bead = await show(id);
    assert.equal(bead.status, "hooked");
    assert.equal(bead.assignee, winner.target);
  });

  it("hook shows, unsling releases, and an idle polecat is reused on a fresh branch", async () => {
    const id = await newBead("to release", join(town.root, "beta"));
    const o = (await town.gtJson<Report>(["sling", id, "beta", "--no-start"])).outcomes[0]!;
    const hook = await town.gtJson<{ agent: string; hooked: Array<{ id: string }> }>([
      "hook",
      "show",
      `beta/polecats/${o.polecat}`,
    ]);
    assert.deepEqual(
      hook.hooked.map((h) => h.id),
      [id],
    );
    // Inside the polecat's worktree `gt hook` knows who is asking.
    const own = await town.gtJson<{ agent: string }>(["hook"], { cwd: o.work_dir });
    assert.equal(own.agent, `beta/polecats/${o.polecat}`);
    await town.gtJson(["unsling", id]);
    const bead = await show(id, join(town.root, "beta"));
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);

    const next = await newBead("next one", join(town.root, "beta"));
    const again = (await town.gtJson<Report>(["sling", next, "beta", "--no-start"])).outcomes[0]!;
    assert.equal(again.polecat, o.polecat, "the idle polecat is reused");
    assert.notEqual(again.branch, o.branch);
    assert.match(again.branch!, new RegExp(`/${next}@`));
  });

  it("nuke refuses unpushed or hooked work without --force, then removes sandbox and branch", async () => {
    const id = await newBead("to nuke");
    const o = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    writeFileSync(join(o.work_dir, "work.txt"), "precious\n");
    let r = await town.gt(["polecat", "nuke", `alpha/${o.polecat}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /uncommitted/);
    const git = (args: string[]) => run("git", o.work_dir, args);
    await git(["add", "work.txt"]);
    await git(["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "work"]);
    r = await town.gt(["polecat", "nuke", `alpha/${o.polecat}`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unpushed/);
    assert.ok(existsSync(o.work_dir), "nothing removed by a refused nuke");
    const nuked = await town.gtJson<Array<{ released_hook: string; deleted_branch: string }>>([
      "polecat",
      "nuke",
      `alpha/${o.polecat}`,
      "--force",
    ]);
    assert.equal(nuked[0]!.released_hook, id);
    assert.equal(nuked[0]!.deleted_branch, o.branch);
    assert.ok(!existsSync(join(town.root, "alpha", "polecats", o.polecat!)));
    assert.equal((await show(id)).status, "open");
  });

  it("gt ready lists ready work across the town, most urgent first", async () => {
    const urgent = await bd(["create", "urgent thing", "-p", "0", "--silent"], join(town.root, "beta"));
    const convoy = await town.gtJson<{ id: string }>(["convoy", "create", "a batch"]);
    const rows = await town.gtJson<Array<{ id: string; rig: string | null; priority: number }>>(["ready"]);
    assert.ok(!rows.some((r) => r.id === convoy.id), "convoys are bookkeeping, not ready work");
    assert.equal(rows[0]!.id, urgent);
    assert.equal(rows[0]!.rig, "beta");
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.priority <= rows[i]!.priority);
  });
});
