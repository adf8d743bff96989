// The branches of gt sling's decision that the main sling tests pass by: dry runs, the
// takeover grace for a freshly hooked bead, who counts as a holder, a polecat already busy,
// and the rollback when a sandbox cannot be made. Through the real executable, without
// sessions (--no-start), each case reading the ledger afterwards.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startPaused } from "../helpers/fault-points.ts";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Outcome {
  bead: string;
  previous_holder: string | null;
  action: string;
  target: string;
  polecat: string | null;
}
interface Report {
  outcomes: Outcome[];
  failures: Array<{ bead: string; error: string }>;
}

describe("gt sling guards", () => {
  let town: TestTown;
  const bd = (args: string[]) => bdOk(town, join(town.root, "alpha"), args);
  const newBead = (title: string) => bd(["create", title, "--silent"]);
  const show = async (id: string) =>
    (JSON.parse(await bd(["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const polecats = () => readdirSync(join(town.root, "alpha", "polecats")).filter((n) => !n.startsWith("."));

  before(async () => {
    town = await newTown("subprocess");
    const r = await town.gt(["rig", "add", "alpha", makeRepo(join(town.scratch, "alpha-src")), "--mirror"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("a dry run says what would happen and changes nothing", async () => {
    const id = await newBead("dry");
    const before = polecats();
    const r = await town.gtJson<Report>(["sling", id, "alpha", "--no-start", "--dry-run"]);
    assert.equal(r.outcomes[0]!.action, "would-hook");
    assert.equal(r.outcomes[0]!.polecat, "(new)", "no idle polecat yet: a new one would be made");
    const named = await town.gtJson<Report>([
      "sling",
      id,
      "alpha/polecats/chosen",
      "--dry-run",
      "--no-start",
    ]);
    assert.equal(
      named.outcomes[0]!.target,
      "alpha/polecats/chosen",
      "a named target is kept, not a pool pick",
    );
    assert.equal((await show(id)).status, "open");
    assert.equal((await show(id)).assignee ?? null, null);
    assert.deepEqual(polecats(), before, "no polecat made");
    // Hooked on a polecat whose session is gone: a resume, which a dry run only announces.
    const hooked = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    const slungAt = (await show(id)).metadata as Record<string, unknown>;
    const again = await town.gtJson<Report>(["sling", id, "alpha", "--no-start", "--dry-run"]);
    assert.equal(again.outcomes[0]!.action, "would-hook");
    assert.equal(again.outcomes[0]!.polecat, hooked.polecat);
    assert.deepEqual((await show(id)).metadata, slungAt, "the dry run took nothing over");
  });

  it("a bead hooked moments ago on a dead holder elsewhere is not taken without --force; an old one is", async () => {
    const id = await newBead("grace");
    await town.gtJson<Report>(["sling", id, "alpha/polecats/first", "--no-start"]);
    // Another target: the holder (no session) is dead, but its hook is younger than the grace.
    const r = await town.gt(["sling", id, "alpha/polecats/second", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already on alpha\/polecats\/first's hook.*--force/);
    assert.equal((await show(id)).assignee, "alpha/polecats/first");
    assert.ok(
      !existsSync(join(town.root, "alpha", "polecats", "second")),
      "no polecat reserved for a refused sling",
    );
    // Hooked long ago: a dead holder loses it without --force, and is named.
    await bd(["update", id, "--set-metadata", `slung_at=${new Date(Date.now() - 5 * 60_000).toISOString()}`]);
    const taken = await town.gtJson<Report>(["sling", id, "alpha/polecats/second", "--no-start"]);
    assert.equal(taken.outcomes[0]!.action, "hooked");
    assert.equal(taken.outcomes[0]!.previous_holder, "alpha/polecats/first");
    assert.equal((await show(id)).assignee, "alpha/polecats/second");
  });

  it("a person holding work in progress is never taken silently, however old the hook", async () => {
    const id = await newBead("a person's");
    await bd(["update", id, "--status", "in_progress", "--assignee", "amy"]);
    await bd([
      "update",
      id,
      "--set-metadata",
      `slung_at=${new Date(Date.now() - 60 * 60_000).toISOString()}`,
    ]);
    const r = await town.gt(["sling", id, "alpha", "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already on amy's hook/);
    assert.equal((await show(id)).assignee, "amy");
    assert.equal((await show(id)).status, "in_progress");
  });

  it("an assignee on an open or blocked bead is not a holder: the bead is slung with no previous holder", async () => {
    const id = await newBead("assigned, not started");
    await bd(["update", id, "--assignee", "amy"]);
    const r = await town.gtJson<Report>(["sling", id, "alpha", "--no-start"]);
    assert.equal(r.outcomes[0]!.action, "hooked");
    assert.equal(r.outcomes[0]!.previous_holder, null);
  });

  it("a deferred bead goes with --force", async () => {
    const id = await newBead("later");
    await bd(["defer", id, "--until", "+7d"]);
    const r = await town.gtJson<Report>(["sling", id, "alpha", "--no-start", "--force"]);
    assert.equal(r.outcomes[0]!.action, "hooked");
    assert.equal((await show(id)).status, "hooked");
  });

  it("a polecat holding real work is busy: a second bead aimed at it is refused and stays open", async () => {
    const first = await newBead("real work");
    const o = (await town.gtJson<Report>(["sling", first, "alpha", "--no-start"])).outcomes[0]!;
    const second = await newBead("more");
    const r = await town.gt(["sling", second, `alpha/polecats/${o.polecat}`, "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`already has ${first} on its hook`));
    assert.equal((await show(second)).status, "open");
    assert.equal((await show(second)).assignee ?? null, null);
    assert.equal((await show(first)).assignee, `alpha/polecats/${o.polecat}`);
    const asJson = await town.gt(["sling", second, `alpha/polecats/${o.polecat}`, "--no-start", "--json"]);
    assert.equal((JSON.parse(asJson.stdout) as { code: string }).code, "polecat_busy");

    // Work it submitted (in progress, waiting on the merge queue) is off its hook: not busy.
    await bd(["update", first, "--status", "in_progress"]);
    const next = await town.gtJson<Report>(["sling", second, `alpha/polecats/${o.polecat}`, "--no-start"]);
    assert.equal(next.outcomes[0]!.action, "hooked");
    assert.equal((await show(second)).assignee, `alpha/polecats/${o.polecat}`);
    assert.equal((await show(first)).status, "in_progress", "the submitted bead is left alone");
  });

  it("a hooked bead of any type makes a polecat busy, mail and other infrastructure beads included", async () => {
    const o = (await town.gtJson<Report>(["sling", await newBead("its work"), "alpha", "--no-start"]))
      .outcomes[0]!;
    const polecat = `alpha/polecats/${o.polecat}`;
    await bd(["update", o.bead, "--status", "in_progress"]);
    const note = await bd(["create", "a handed-over message", "--type", "message", "--silent"]);
    await bd(["update", note, "--status", "hooked", "--assignee", polecat]);
    const work = await newBead("more work");
    const r = await town.gt(["sling", work, polecat, "--no-start"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`already has ${note} on its hook`));
    assert.equal((await show(work)).status, "open");
  });

  it("a sandbox that cannot be made puts the bead back as it was and removes the new polecat", async () => {
    const id = await newBead("no sandbox");
    // git runs post-checkout at the end of \`git worktree add\`; failing it fails the sandbox.
    const hook = join(town.root, "alpha", ".repo.git", "hooks", "post-checkout");
    mkdirSync(dirname(hook), { recursive: true });
    writeFileSync(hook, "#!/bin/sh\necho 'sandbox refused by test hook' >&2\nexit 1\n", { mode: 0o755 });
    const before = polecats();
    try {
      const r = await town.gt(["sling", id, "alpha/polecats/nosandbox", "--no-start"]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /sandbox refused by test hook|worktree/, r.stderr);
      const bead = await show(id);
      assert.equal(bead.status, "open");
      assert.equal(bead.assignee ?? null, null);
      assert.deepEqual(polecats(), before, "the reserved polecat is gone again");
    } finally {
      rmSync(hook, { force: true });
    }
    const ok = await town.gtJson<Report>(["sling", id, "alpha/polecats/nosandbox", "--no-start"]);
    assert.equal(ok.outcomes[0]!.action, "hooked", "once git works again the same sling succeeds");
  });

  it("a bead left on a polecat's hook by a sling killed before its sandbox goes back to open when the polecat gets other work", async () => {
    const left = await newBead("left by a killed sling");
    const o = (await town.gtJson<Report>(["sling", left, "alpha", "--no-start"])).outcomes[0]!;
    const polecat = `alpha/polecats/${o.polecat}`;
    // As a sling killed while hooking leaves it: its stage, and a process that is gone.
    const dead = 2 ** 22 + 12345; // above the default pid_max: never a live process
    await bd([
      "update",
      left,
      "--set-metadata",
      "sling_stage=hooking",
      "--set-metadata",
      `sling_pid=${dead}`,
    ]);
    const next = await newBead("the next work");
    const r = await town.gtJson<Report>(["sling", next, polecat, "--no-start"]);
    assert.equal(r.outcomes[0]!.action, "hooked");
    const back = await show(left);
    assert.equal(back.status, "open");
    assert.equal(back.assignee ?? null, null);
    const meta = (back.metadata ?? {}) as Record<string, unknown>;
    for (const k of ["sling_pid", "sling_stage", "branch"])
      assert.equal(meta[k], undefined, `${k} is cleared`);
    assert.equal((await show(next)).assignee, polecat);
    assert.equal((await show(next)).status, "hooked");

    // Past the sandbox stage the bead is real work: the polecat is busy, nothing is rolled back.
    await bd(["update", next, "--set-metadata", "sling_stage=ready", "--set-metadata", `sling_pid=${dead}`]);
    const third = await newBead("one too many");
    const busy = await town.gt(["sling", third, polecat, "--no-start"]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`already has ${next} on its hook`));
    assert.equal((await show(next)).assignee, polecat);
    assert.equal((await show(third)).status, "open");
  });

  it("re-slinging at the same target changes nothing while the holder's session runs, and resumes once it is gone", async () => {
    // An agent that only stays alive: its session is the running holder.
    const file = join(town.root, "settings", "config.json");
    const settings = JSON.parse(readFileSync(file, "utf8"));
    settings.agents = {
      ...settings.agents,
      sleeper: {
        command: "sleep",
        args: ["600"],
        prompt_mode: "none",
        process_names: ["sleep"],
        ready_delay_ms: 0,
      },
    };
    writeFileSync(file, JSON.stringify(settings, null, 2));
    const id = await newBead("held by a running agent");
    const first = (await town.gtJson<Report>(["sling", id, "alpha", "--agent", "sleeper"])).outcomes[0]!;
    const held = (await show(id)).metadata as Record<string, unknown>;
    const again = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    assert.equal(again.action, "already-hooked");
    assert.equal(again.polecat, first.polecat);
    const byAddress = await town.gtJson<Report>([
      "sling",
      id,
      `alpha/polecats/${first.polecat}`,
      "--no-start",
    ]);
    assert.equal(byAddress.outcomes[0]!.action, "already-hooked", "named by its address, the same target");
    assert.deepEqual((await show(id)).metadata, held, "nothing taken over");
    // Aimed at another polecat, the running holder keeps it even with an old hook.
    await bd(["update", id, "--set-metadata", `slung_at=${new Date(Date.now() - 5 * 60_000).toISOString()}`]);
    const other = await town.gt(["sling", id, "alpha/polecats/thief", "--no-start"]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /already on alpha\/polecats\/.*'s hook.*--force/);

    const sessions = await town.gtJson<Array<{ name: string; pid: number }>>(["session", "list", "--json"]);
    const session = sessions.find((x) => x.name.endsWith(`-${first.polecat}`));
    assert.ok(session, JSON.stringify(sessions));
    process.kill(session.pid, "SIGKILL");
    const resumed = (await town.gtJson<Report>(["sling", id, "alpha", "--no-start"])).outcomes[0]!;
    assert.equal(resumed.action, "resumed");
    assert.equal(resumed.polecat, first.polecat);
  });

  it("a holder in a rig that no longer exists is gone: an old hook is taken without --force", async () => {
    const id = await newBead("held in a removed rig");
    await bd(["update", id, "--status", "hooked", "--assignee", "gone/polecats/ghost"]);
    await bd(["update", id, "--set-metadata", `slung_at=${new Date(Date.now() - 5 * 60_000).toISOString()}`]);
    const r = await town.gtJson<Report>(["sling", id, "alpha", "--no-start"]);
    assert.equal(r.outcomes[0]!.action, "hooked");
    assert.equal(r.outcomes[0]!.previous_holder, "gone/polecats/ghost");
  });

  it("a bead closed while a sling had chosen its polecat is not hooked, and the new polecat goes again", async () => {
    const id = await newBead("closed while slinging");
    const before = polecats();
    const run = await startPaused(town, ["sling", id, "alpha", "--no-start"], "sling:checked", {
      pauseMs: 1500,
    });
    await bd(["close", id]);
    const r = await run.finish();
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error: ${id} was closed meanwhile\n`);
    assert.equal((await show(id)).status, "closed");
    assert.deepEqual(polecats(), before, "the polecat reserved for it is gone again");
  });

  it("while another sling of the bead is still under way, the same sling again changes nothing", async () => {
    const id = await newBead("being slung");
    const run = await startPaused(town, ["sling", id, "alpha", "--no-start", "--json"], "sling:hooked", {
      pauseMs: 2000,
    });
    const again = await town.gtJson<Report>(["sling", id, "alpha", "--no-start"]);
    assert.equal(again.outcomes[0]!.action, "already-hooked");
    const first = await run.finish();
    assert.equal(first.code, 0, first.stderr);
    const outcome = (JSON.parse(first.stdout) as Report).outcomes[0]!;
    assert.equal(outcome.action, "hooked");
    assert.equal(again.outcomes[0]!.polecat, outcome.polecat);
  });

  it("of two re-slings resuming the same interrupted sling, one resumes and the other is told", async () => {
    // At a crew member: no pool lock orders the two, only the compare-and-swap.
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
    const id = await newBead("interrupted");
    await town.gtJson<Report>(["sling", id, "alpha/crew/max", "--no-start"]);
    const dead = 2 ** 22 + 777;
    await bd(["update", id, "--set-metadata", "sling_stage=sandbox", "--set-metadata", `sling_pid=${dead}`]);
    const late = await startPaused(
      town,
      ["sling", id, "alpha/crew/max", "--no-start"],
      "sling:resume-checked",
      {
        pauseMs: 2000,
      },
    );
    const first = await town.gtJson<Report>(["sling", id, "alpha/crew/max", "--no-start"]);
    assert.equal(first.outcomes[0]!.action, "resumed");
    const meta = (await show(id)).metadata as Record<string, unknown>;
    assert.ok(
      Date.parse(String(meta.resumed_at)) > Date.now() - 60_000,
      "the resume is dated (the witness reads it)",
    );
    const r = await late.finish();
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `Error: ${id} is being resumed by another sling\n`);
    assert.equal((await show(id)).assignee, "alpha/crew/max");
  });
});
