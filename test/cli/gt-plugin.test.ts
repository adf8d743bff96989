import "../helpers/isolation.ts";
// gt plugin list|show|run|history|sync in a town with rig alpha: plugin.md front matter, run.sh
// runs recorded in the town ledger, cooldown and condition gates, and syncing from a source.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface PluginRow {
  name: string;
  location: string;
  rig: string | null;
  gate: { type: string; duration?: string; check?: string };
  has_run_script: boolean;
  instructions: string;
  execution: { timeout?: string; severity?: string };
}
interface Run {
  plugin: string;
  gate: { open: boolean; reason: string };
  ran: boolean;
  forced: boolean;
  result: string | null;
  exit_code: number | null;
  output: string;
  run_id: string | null;
}

function writePlugin(dir: string, front: string, body: string, runSh?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "plugin.md"), `${front ? `+++\n${front}\n+++\n` : ""}\n${body}\n`);
  if (runSh !== undefined) writeFileSync(join(dir, "run.sh"), runSh);
}

describe("gt plugin", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const log = () => join(town.scratch, "tidy.log");

  before(async () => {
    town = await crewTown([]);
    writePlugin(
      join(town.root, "plugins", "tidy"),
      'name = "tidy"\ndescription = "Tidy the town"\nversion = 2\n[gate]\ntype = "cooldown"\nduration = "1h"\n[execution]\ntimeout = "30s"\nseverity = "low"',
      "# Tidy\nSweep up.",
      `echo "ran $GT_PLUGIN in $GT_TOWN_ROOT" >> '${join(town.scratch, "tidy.log")}'\necho swept\n`,
    );
    writePlugin(join(town.root, "alpha", "plugins", "lint-check"), "", "Run the linter on alpha.");
    writePlugin(
      join(town.root, "plugins", "flaky"),
      'description = "always fails"\n[gate]\ntype = "condition"\ncheck = "test -f go.flag"',
      "Fails.",
      "echo broken >&2\nexit 3\n",
    );
  });
  after(async () => {
    await town?.cleanup();
  });

  it("list and show read plugin.md front matter (town and rig), a file without it is manual", async () => {
    const rows = await town.gtJson<PluginRow[]>(["plugin", "list"]);
    assert.deepEqual(
      rows.map((r) => `${r.location}:${r.rig ?? ""}:${r.name}:${r.gate.type}`),
      ["town::flaky:condition", "town::tidy:cooldown", "rig:alpha:lint-check:manual"],
    );
    const tidy = await town.gtJson<PluginRow>(["plugin", "show", "tidy"]);
    assert.deepEqual(tidy.gate, { type: "cooldown", duration: "1h" });
    assert.deepEqual(
      [tidy.execution.timeout, tidy.execution.severity, tidy.has_run_script],
      ["30s", "low", true],
    );
    assert.equal(tidy.instructions, "# Tidy\nSweep up.");
    const lint = await town.gt(["plugin", "show", "lint-check", "--rig", "alpha"]);
    assert.match(lint.stdout, /Plugin: lint-check \(rig alpha/);
    assert.match(lint.stdout, /Run the linter on alpha\./);
    await fails(["plugin", "show", "lint-check"], /no plugin lint-check/);
    await fails(["plugin", "show", "../x"], /invalid plugin name/);
  });

  it("run runs run.sh and records it; the cooldown gate then holds it until --force", async () => {
    const dry = await town.gtJson<Run>(["plugin", "run", "tidy", "--dry-run"]);
    assert.deepEqual([dry.ran, dry.gate.open], [false, true]);
    assert.ok(!existsSync(log()), "a dry run runs nothing");

    const r = await town.gtJson<Run>(["plugin", "run", "tidy"]);
    assert.deepEqual([r.ran, r.result, r.exit_code], [true, "success", 0]);
    assert.match(r.output, /swept/);
    assert.equal(readFileSync(log(), "utf8"), `ran tidy in ${town.root}\n`);

    const held = await town.gtJson<Run>(["plugin", "run", "tidy"]);
    assert.equal(held.ran, false);
    assert.match(held.gate.reason, /ran 1 time\(s\) within its 1h cooldown/);
    assert.equal(readFileSync(log(), "utf8").split("\n").length, 2, "held: not run");

    const forced = await town.gt(["plugin", "run", "tidy", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /gate bypassed with --force/);
    assert.equal(readFileSync(log(), "utf8").split("\n").length, 3);

    const hist = await town.gtJson<Array<{ id: string; result: string; plugin: string }>>([
      "plugin",
      "history",
      "tidy",
    ]);
    assert.equal(hist.length, 2);
    assert.ok(hist.every((h) => h.result === "success" && h.plugin === "tidy"));
    assert.equal(
      hist[0]!.id,
      (await town.gtJson<Array<{ id: string }>>(["plugin", "history", "tidy", "--limit", "1"]))[0]!.id,
    );
    await fails(["plugin", "history", "tidy", "--limit", "0"], /invalid --limit/);
  });

  it("a condition gate runs its check; a failing run.sh is recorded as a failure", async () => {
    const closed = await town.gtJson<Run>(["plugin", "run", "flaky"]);
    assert.equal(closed.ran, false);
    assert.match(closed.gate.reason, /check failed/);
    writeFileSync(join(town.root, "go.flag"), "");
    const r = await town.gt(["plugin", "run", "flaky", "--json"]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as Run;
    assert.deepEqual([out.ran, out.result, out.exit_code], [true, "failure", 3]);
    assert.match(out.output, /broken/);
    const [h] = await town.gtJson<Array<{ result: string; summary: string }>>(["plugin", "history", "flaky"]);
    assert.deepEqual([h!.result, h!.summary], ["failure", "run.sh exit 3"]);

    writePlugin(
      join(town.root, "plugins", "slow"),
      '[execution]\ntimeout = "1s"',
      "Hangs.",
      "sleep 30 &\nwait\n",
    );
    const slow = await town.gt(["plugin", "run", "slow", "--json"]);
    assert.equal(slow.code, 1);
    assert.deepEqual((JSON.parse(slow.stdout) as Run).exit_code, null);
    const [sh] = await town.gtJson<Array<{ summary: string }>>(["plugin", "history", "slow"]);
    assert.equal(sh!.summary, "run.sh timed out after 1s");

    const manual = await town.gt(["plugin", "run", "lint-check", "--rig", "alpha"]);
    assert.match(manual.stdout, /instructions \(no run\.sh\)[\s\S]*Run the linter on alpha\./);
    const [m] = await town.gtJson<Array<{ rig: string }>>([
      "plugin",
      "history",
      "lint-check",
      "--rig",
      "alpha",
    ]);
    assert.equal(m!.rig, "alpha");
  });

  it("sync copies new and changed plugins, --clean removes others, --dry-run changes nothing", async () => {
    const src = join(town.scratch, "plugin-src");
    writePlugin(join(src, "tidy"), 'name = "tidy"\n[gate]\ntype = "manual"', "New tidy.");
    writePlugin(join(src, "backup"), 'name = "backup"', "Back up.", "echo ok\n");
    const dry = await town.gtJson<{ copied: string[]; removed: string[] }>([
      "plugin",
      "sync",
      "--source",
      src,
      "--clean",
      "--dry-run",
    ]);
    assert.deepEqual(
      [dry.copied, dry.removed],
      [
        ["backup", "tidy"],
        ["flaky", "slow"],
      ],
    );
    assert.ok(!existsSync(join(town.root, "plugins", "backup")), "dry run");

    const s = await town.gtJson<{ copied: string[]; unchanged: string[]; removed: string[] }>([
      "plugin",
      "sync",
      "--source",
      src,
      "--clean",
    ]);
    assert.deepEqual(
      [s.copied, s.removed],
      [
        ["backup", "tidy"],
        ["flaky", "slow"],
      ],
    );
    assert.match(readFileSync(join(town.root, "plugins", "tidy", "plugin.md"), "utf8"), /New tidy\./);
    assert.ok(existsSync(join(town.root, "plugins", "backup", "run.sh")));
    assert.ok(!existsSync(join(town.root, "plugins", "flaky")));
    const again = await town.gtJson<{ copied: string[]; unchanged: string[] }>([
      "plugin",
      "sync",
      "--source",
      src,
    ]);
    assert.deepEqual([again.copied, again.unchanged], [[], ["backup", "tidy"]]);

    writePlugin(join(src, "broken"), '[gate]\ntype = "sometimes"', "x");
    await fails(["plugin", "sync", "--source", src], /unknown gate type "sometimes"/);
    assert.ok(!existsSync(join(town.root, "plugins", "broken")), "nothing written");
    await fails(["plugin", "sync", "--source", join(town.scratch, "nope")], /no plugin source directory/);
  });
});
