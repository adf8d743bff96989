// One address form printed everywhere (`<rig>/polecats/<name>`, `<rig>/crew/<name>`, ...),
// every form accepted wherever an agent is named, and the small first-hour rough edges:
// gt hook <agent>, gt unsling on a bead nobody has hooked, gt config agent show, what gt
// ready leaves out, and bd list's symbols agreeing with its legend. Real executables, one
// town (subprocess runtime; no session is started).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Polecat {
  rig: string;
  name: string;
  address: string;
  session: string;
  state: string;
  hook: string | null;
}

/** A failure is one clear line on stderr and a non-zero exit. */
function assertOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, "non-zero exit");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

describe("agent addresses and first-hour fixes", () => {
  let town: TestTown;
  let polecat: string;
  let hooked: string;
  const alpha = () => join(town.root, "alpha");
  const bd = (args: string[], cwd = alpha()) => bdOk(town, cwd, args);

  before(async () => {
    town = await newTown("subprocess");
    // A bare repository: a rig takes it as it is (a working one may be refused for pushes).
    const bare = join(town.scratch, "alpha.git");
    execFileSync("git", ["clone", "--quiet", "--bare", makeRepo(join(town.scratch, "alpha-src")), bare]);
    const steps = [
      ["rig", "add", "alpha", bare],
      ["crew", "add", "max", "--rig", "alpha"],
    ];
    for (const args of steps) {
      const r = await town.gt(args);
      assert.equal(r.code, 0, r.stderr);
    }
    hooked = await bd(["create", "the polecat's task", "--silent"]);
    const report = await town.gtJson<{ outcomes: Array<{ polecat: string }> }>([
      "sling",
      hooked,
      "alpha",
      "--no-start",
      "--no-convoy",
    ]);
    polecat = report.outcomes[0]!.polecat;
    assert.ok(polecat);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt polecat list prints the same full address as gt status, and keeps its JSON fields", async () => {
    const full = `alpha/polecats/${polecat}`;
    const human = await town.gt(["polecat", "list"]);
    assert.equal(human.code, 0, human.stderr);
    const row = human.stdout.split("\n").find((l) => l.includes(polecat))!;
    assert.ok(row.includes(` ${full} `), row);
    assert.ok(!row.includes(` alpha/${polecat} `), `no short form: ${row}`);
    const status = await town.gt(["status"]);
    assert.ok(status.stdout.includes(` ${full} `), status.stdout);

    const [p] = await town.gtJson<Polecat[]>(["polecat", "list", "alpha"]);
    assert.equal(p!.address, full);
    assert.equal(p!.rig, "alpha");
    assert.equal(p!.name, polecat);
    assert.equal(p!.hook, hooked);
    assert.ok(p!.session && p!.state);
  });

  it("gt hook <agent> shows that agent's hook, from any address form", async () => {
    const full = `alpha/polecats/${polecat}`;
    for (const form of [full, `alpha/${polecat}`, `${full}/`]) {
      const j = await town.gtJson<{ agent: string; hooked: Array<{ id: string }> }>(["hook", form]);
      assert.equal(j.agent, full, form);
      assert.deepEqual(
        j.hooked.map((h) => h.id),
        [hooked],
        form,
      );
      const human = await town.gt(["hook", form]);
      assert.equal(human.code, 0, human.stderr);
      assert.ok(human.stdout.includes(`${full}: ${hooked}`), human.stdout);
    }
    const crew = await town.gtJson<{ agent: string; hooked: unknown[] }>(["hook", "alpha/crew/max"]);
    assert.equal(crew.agent, "alpha/crew/max");
    assert.deepEqual(crew.hooked, []);
    const show = await town.gtJson<{ agent: string }>(["hook", "show", `alpha/${polecat}`]);
    assert.equal(show.agent, full);
  });

  it("an agent that does not exist, a rig or a bad address is one clear error", async () => {
    assertOneLineError(await town.gt(["hook", "alpha/nobody"]), /no polecat alpha\/polecats\/nobody/);
    assertOneLineError(
      await town.gt(["hook", "show", "alpha/max"]),
      /no polecat alpha\/polecats\/max; alpha\/crew\/max is a crew member/,
    );
    assertOneLineError(await town.gt(["hook", "alpha/crew/ann"]), /no crew member alpha\/crew\/ann/);
    assertOneLineError(await town.gt(["hook", "nosuch/polecats/x"]), /unknown rig "nosuch"/);
    assertOneLineError(await town.gt(["hook", "alpha"]), /"alpha" is a rig, not an agent/);
    assertOneLineError(await town.gt(["hook", "show", "a/b/c/d"]), /invalid agent address "a\/b\/c\/d": use/);
    assertOneLineError(
      await town.gt(["hook", `alpha/polecats/${polecat}`, hooked]),
      new RegExp(`the bead comes first: gt hook ${hooked} alpha/polecats/${polecat}`),
    );
    assertOneLineError(
      await town.gt(["nudge", "alpha/nobody", "hello"]),
      /no polecat alpha\/polecats\/nobody/,
    );
    assertOneLineError(
      await town.gt(["unsling", hooked, "alpha/nobody"]),
      /no polecat alpha\/polecats\/nobody/,
    );
  });

  it("gt nudge, gt peek, gt session peek and gt polecat status take the short and the full form alike", async () => {
    const full = `alpha/polecats/${polecat}`;
    for (const form of [`alpha/${polecat}`, full]) {
      const n = await town.gtJson<{ target: string; outcome: string }>(["nudge", form, "check your hook"]);
      assert.equal(n.target, full, form);
      assert.equal(n.outcome, "queued", "no session runs: the nudge waits in its queue");
      // No session runs: both forms resolve to the polecat's session and say so.
      for (const cmd of [
        ["peek", form],
        ["session", "peek", form],
      ]) {
        const r = await town.gt(cmd);
        assertOneLineError(r, new RegExp(`no session al-${polecat}\\b`));
      }
      const st = await town.gtJson<Polecat>(["polecat", "status", form]);
      assert.equal(st.address, full, form);
    }
    assertOneLineError(
      await town.gt(["polecat", "status", "alpha/crew/max"]),
      /alpha\/crew\/max is not a polecat/,
    );
  });

  it("gt unsling takes any address form, and an address alone empties that hook", async () => {
    const full = `alpha/polecats/${polecat}`;
    const one = await town.gtJson<Array<{ bead: string; from: string }>>([
      "unsling",
      hooked,
      `alpha/${polecat}`,
    ]);
    assert.deepEqual(one, [{ bead: hooked, from: full }]);
    const back = await town.gtJson<{ outcomes: Array<{ target: string }> }>([
      "hook",
      hooked,
      `alpha/${polecat}`,
    ]);
    assert.equal(back.outcomes[0]!.target, full);
    const human = await town.gt(["unsling", `${full}/`]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`${hooked} taken off ${full}'s hook`));
    const left = await town.gtJson<{ hooked: unknown[] }>(["hook", full]);
    assert.deepEqual(left.hooked, []);
    const empty = await town.gt(["unsling", `alpha/${polecat}`]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout.trim(), `🪝 ${full}: hook is already empty`);
    // Put it back for the tests after this one.
    const r = await town.gt(["hook", hooked, full]);
    assert.equal(r.code, 0, r.stderr);
  });

  it("gt unsling on a bead nobody has hooked says its status, who holds it and what to do", async () => {
    const id = await bd(["create", "held elsewhere", "--silent"]);
    await bd(["update", id, "--status", "blocked", "--assignee", "alpha/crew/max"]);
    const r = await town.gt(["unsling", id]);
    assertOneLineError(
      r,
      new RegExp(
        `${id} is not on anyone's hook: it is blocked, assigned to alpha/crew/max; ask alpha/crew/max .*bd update ${id} --status open --assignee ""`,
      ),
    );
    const bead = JSON.parse(await bd(["show", id, "--json"]))[0];
    assert.equal(bead.status, "blocked", "nothing changed");
    assert.equal(bead.assignee, "alpha/crew/max");

    const free = await bd(["create", "nobody's", "--silent"]);
    assertOneLineError(
      await town.gt(["unsling", free]),
      new RegExp(`${free} is not on anyone's hook: it is open and unassigned`),
    );
  });

  it("gt config agent show is gt config agent get", async () => {
    const get = await town.gt(["config", "agent", "get", "claude"]);
    const show = await town.gt(["config", "agent", "show", "claude"]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^claude: /);
    assert.equal(show.stdout, get.stdout);
    assert.deepEqual(
      await town.gtJson(["config", "agent", "show", "claude"]),
      await town.gtJson(["config", "agent", "get", "claude"]),
    );
    assertOneLineError(
      await town.gt(["config", "agent", "show", "nope"]),
      /unknown agent "nope" \(agents: .*claude/,
    );
  });

  it("gt ready lists work only: no convoy, merge request, message, agent, rig or other bookkeeping", async () => {
    const before = await town.gtJson<Array<{ id: string; issue_type: string }>>(["ready"]);
    assert.ok(!before.some((r) => r.issue_type === "convoy"), "no convoy listed before any exists");
    const work = await bd(["create", "real work", "-p", "0", "--silent"]);
    const convoy = await town.gtJson<{ id: string }>(["convoy", "create", "a batch"]);
    const infra = [
      "merge-request",
      "message",
      "agent",
      "rig",
      "role",
      "escalation",
      "slot",
      "queue",
      "event",
    ];
    const made = [convoy.id];
    for (const type of infra) made.push(await bd(["create", `a ${type}`, "--type", type, "--silent"]));
    const rows = await town.gtJson<Array<{ id: string; issue_type: string }>>(["ready"]);
    assert.ok(
      rows.some((r) => r.id === work),
      "real work is listed",
    );
    const leaked = rows.filter((r) => made.includes(r.id) || r.issue_type !== "task");
    assert.deepEqual(leaked, [], "only work is ready");
    const human = await town.gt(["ready"]);
    assert.ok(human.stdout.includes(work));
    assert.ok(!human.stdout.includes(convoy.id), human.stdout);
  });

  it("bd list draws ● only for blocked beads, as its legend says", async () => {
    const crew = join(town.root, "alpha", "crew", "max");
    const blocker = await bd(["create", "first this", "--silent"], crew);
    const waiting = await bd(["create", "then this", "--silent"], crew);
    await bd(["dep", "add", waiting, blocker], crew);
    const stuck = await bd(["create", "marked blocked", "--silent"], crew);
    await bd(["update", stuck, "--status", "blocked"], crew);

    const tree = (await bd(["list"], crew)).split("\n");
    assert.ok(
      tree.some((l) => l.includes("● blocked")),
      "the legend still explains ●",
    );
    const row = (id: string, lines: string[]) => lines.find((l) => l.split(" ")[1] === id)!;
    assert.match(row(blocker, tree), new RegExp(`^○ ${blocker} P2 first this$`));
    assert.match(row(stuck, tree), new RegExp(`^● ${stuck} P2 marked blocked$`));
    const blocked = (
      JSON.parse(await bd(["list", "--status", "blocked", "--json"], crew)) as Array<{ id: string }>
    ).map((b) => b.id);
    assert.ok(blocked.includes(stuck));
    const rows = tree.filter((l) => /^\S+ [a-z]+-[a-z0-9]+ /.test(l));
    assert.ok(rows.length >= 4, tree.join("\n"));
    for (const l of rows)
      assert.equal(
        l.includes("●"),
        blocked.some((id) => l.includes(` ${id} `)),
        `● only on blocked rows: ${l}`,
      );

    const flat = (await bd(["list", "--flat"], crew)).split("\n");
    assert.match(row(blocker, flat), new RegExp(`^○ ${blocker} \\[P2\\] \\[task\\]`));
    assert.match(row(waiting, flat), new RegExp(`^● ${waiting} \\[P2\\] \\[task\\].*blocked by: ${blocker}`));
    const shown = await bd(["show", blocker], crew);
    assert.match(shown.split("\n")[0]!, /\[P2 · OPEN\]$/);
  });
});
