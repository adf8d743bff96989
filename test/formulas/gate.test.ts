// bd gate: timer gates pass when due, bead gates when their bead closes, human gates only
// by resolve; check closes what may close and the step behind it becomes ready.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { bd, bdJson, freshLedger } from "../helpers/bd.ts";

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

interface Gate {
  id: string;
  status: string;
  issue_type: string;
  await_type?: string;
  await_id?: string;
  timeout?: number;
}

interface Check {
  checked: number;
  closed: Array<{ id: string; reason: string }>;
  waiting: Array<{ id: string; reason: string }>;
}

async function ledger(): Promise<string> {
  const l = await freshLedger("t");
  cleanups.push(l.cleanup);
  return l.dir;
}

const readyIds = async (dir: string) => (await bdJson<Gate[]>(dir, ["ready"])).map((r) => r.id).sort();

describe("bd gate", () => {
  it("a timer gate holds its step until due; check then closes it and the step is ready", async () => {
    const dir = await ledger();
    const step = await bdJson<Gate>(dir, ["create", "Deploy"]);
    const quick = await bdJson<Gate>(dir, [
      "gate",
      "create",
      "--type",
      "timer",
      "--timeout",
      "1s",
      "--blocks",
      step.id,
    ]);
    assert.equal(quick.issue_type, "gate");
    assert.equal(quick.await_type, "timer");
    assert.equal(quick.timeout, 1_000_000_000);
    const slow = await bdJson<Gate>(dir, ["gate", "create", "--type", "timer", "--timeout", "1h"]);
    assert.deepEqual(await readyIds(dir), []);
    await sleep(1100);
    const dry = await bdJson<Check>(dir, ["gate", "check", "--dry-run"]);
    assert.deepEqual(
      dry.closed.map((c) => c.id),
      [quick.id],
    );
    assert.deepEqual(await readyIds(dir), []);
    const c = await bdJson<Check>(dir, ["gate", "check"]);
    assert.equal(c.checked, 2);
    assert.deepEqual(
      c.closed.map((x) => [x.id, x.reason]),
      [[quick.id, "timer elapsed"]],
    );
    assert.deepEqual(
      c.waiting.map((x) => x.id),
      [slow.id],
    );
    assert.match(c.waiting[0]!.reason, /^timer due at \d{4}-/);
    assert.deepEqual(await readyIds(dir), [step.id]);
  });

  it("a bead gate closes on check once its bead is closed; a human gate only by resolve", async () => {
    const dir = await ledger();
    const review = await bdJson<Gate>(dir, ["create", "Review"]);
    const ship = await bdJson<Gate>(dir, ["create", "Ship"]);
    const beadGate = await bdJson<Gate>(dir, [
      "gate",
      "create",
      "--type",
      "bead",
      "--await-id",
      review.id,
      "--blocks",
      ship.id,
    ]);
    const human = await bdJson<Gate>(dir, ["gate", "create", "--title", "Sign-off", "--blocks", ship.id]);
    assert.equal((await bdJson<Check>(dir, ["gate", "check"])).closed.length, 0);
    await bdJson(dir, ["close", review.id]);
    const c = await bdJson<Check>(dir, ["gate", "check"]);
    assert.deepEqual(
      c.closed.map((x) => [x.id, x.reason]),
      [[beadGate.id, `bead ${review.id} closed`]],
    );
    assert.deepEqual(
      c.waiting.map((x) => [x.id, x.reason]),
      [[human.id, "waits for a person (bd gate resolve)"]],
    );
    assert.deepEqual(await readyIds(dir), []);
    const shown = await bdJson<{ blocks: string[]; check: string }>(dir, ["gate", "show", human.id]);
    assert.deepEqual(shown.blocks, [ship.id]);
    const r = await bdJson<Gate>(dir, ["gate", "resolve", human.id, "--reason", "looks good"]);
    assert.equal(r.status, "closed");
    assert.deepEqual(await readyIds(dir), [ship.id]);
    assert.deepEqual(
      (await bdJson<Gate[]>(dir, ["gate", "list"])).map((g) => g.id),
      [],
    );
    assert.equal((await bdJson<Gate[]>(dir, ["gate", "list", "--all"])).length, 2);
  });

  it("bd close refuses a timer or bead gate whose condition does not hold, unless --force", async () => {
    const dir = await ledger();
    const review = await bdJson<Gate>(dir, ["create", "Review"]);
    const timer = await bdJson<Gate>(dir, ["gate", "create", "--type", "timer", "--timeout", "1h"]);
    const onBead = await bdJson<Gate>(dir, ["gate", "create", "--type", "bead", "--await-id", review.id]);
    const human = await bdJson<Gate>(dir, ["gate", "create", "--title", "Sign-off"]);
    const early = await bd(dir, ["close", timer.id]);
    assert.equal(early.code, 1);
    assert.match(
      early.stderr,
      new RegExp(`cannot close ${timer.id}: gate condition not satisfied: timer due at`),
    );
    assert.equal(early.stderr.trim().split("\n").length, 1, early.stderr);
    const waiting = await bd(dir, ["close", onBead.id]);
    assert.equal(waiting.code, 1);
    assert.match(waiting.stderr, new RegExp(`bead ${review.id} is open \\(use --force to override\\)`));
    const [still] = await bdJson<Gate[]>(dir, ["show", onBead.id]);
    assert.equal(still!.status, "open", "nothing closed");
    // Its condition met, it closes; --force overrides; a human gate closes by hand.
    await bdJson(dir, ["close", review.id]);
    assert.equal((await bd(dir, ["close", onBead.id])).code, 0);
    assert.equal((await bd(dir, ["close", timer.id, "--force"])).code, 0);
    assert.equal((await bd(dir, ["close", human.id])).code, 0);
  });

  it("a poured formula's timer gate keeps its timeout, and check lets the step go when due", async () => {
    const dir = await ledger();
    writeFileSync(
      join(dir, "wait.formula.toml"),
      `formula = "wait"
[[steps]]
id = "cool"
title = "Cool down"
gate = { type = "timer", timeout = "1s" }
`,
    );
    const { root_id: root } = await bdJson<{ root_id: string }>(dir, ["mol", "pour", "./wait.formula.toml"]);
    const [gate] = await bdJson<Gate[]>(dir, ["show", `${root}.gate-cool`]);
    assert.equal(gate!.timeout, 1_000_000_000);
    await sleep(1100);
    assert.deepEqual(
      (await bdJson<Check>(dir, ["gate", "check"])).closed.map((c) => c.id),
      [`${root}.gate-cool`],
    );
    assert.deepEqual(
      (await bdJson<Gate[]>(dir, ["ready", "--mol", root])).map((r) => r.id),
      [`${root}.cool`],
    );
  });

  it("bad input is one line and creates nothing", async () => {
    const dir = await ledger();
    const cases: Array<[string[], string]> = [
      [
        ["gate", "create", "--type", "mail"],
        'Error: invalid gate type "mail" (expected human, timer or bead)\n',
      ],
      [["gate", "create", "--type", "timer"], "Error: a timer gate needs --timeout (e.g. 30m)\n"],
      [
        ["gate", "create", "--type", "timer", "--timeout", "soon"],
        'Error: invalid --timeout "soon" (examples: 90s, 5m, 1h30m, 2d)\n',
      ],
      [["gate", "create", "--type", "bead"], "Error: a bead gate needs --await-id <bead>\n"],
    ];
    for (const [args, err] of cases) {
      const r = await bd(dir, args);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.stderr, err);
    }
    const task = await bdJson<Gate>(dir, ["create", "Plain"]);
    const notGate = await bd(dir, ["gate", "resolve", task.id]);
    assert.equal(notGate.stderr, `Error: ${task.id} is not a gate (it is a task)\n`);
    assert.equal((await bdJson<Gate[]>(dir, ["gate", "list", "--all"])).length, 0);
  });
});
