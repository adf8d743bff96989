import "../helpers/isolation.ts";
// gt tap guard|list and gt signal stop, fed the JSON Claude Code's hooks send, in a town with
// rig alpha and crew member max; and gt enable/disable turning those hooks into no-ops.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT, run } from "../helpers/bd.ts";
import { bdOk, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

const bash = (command: string) => JSON.stringify({ tool_name: "Bash", tool_input: { command } });

describe("gt tap, gt signal stop, gt enable/disable", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const max = () => join(town.root, "alpha", "crew", "max");
  const guard = (name: string, command: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
    gtIn(["tap", "guard", name], { ...opts, input: bash(command) });

  /** gt with the hook's JSON on stdin, as the agent CLI runs it. */
  const gtIn = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input: string }) =>
    run(GT, opts.cwd ?? town.root, args, { env: { ...town.env, ...opts.env }, input: opts.input });

  before(async () => {
    town = await crewTown(["max"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("dangerous-command blocks with exit 2 and one line, allows the safe forms", async () => {
    for (const cmd of [
      "git push --force origin main",
      "cd x && git push -f",
      "sudo rm file",
      "rm -rf /",
      "git reset --hard HEAD~1",
      "git clean -fd",
      "apt-get install -y curl",
      "npm install -g typescript",
      "echo 'DROP TABLE users' | sqlite3 db",
    ]) {
      const r = await guard("dangerous-command", cmd);
      assert.equal(r.code, 2, `${cmd} should be blocked`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, /blocked: /);
    }
    for (const cmd of [
      "git push --force-with-lease",
      "rm -rf ./build/",
      "git push origin main",
      "npm install",
      "ls /",
    ]) {
      const r = await guard("dangerous-command", cmd);
      assert.equal(r.code, 0, `${cmd} should be allowed: ${r.stderr}`);
      assert.equal(r.stderr, "");
    }
    assert.match((await guard("dangerous-command", "git push --force")).stderr, /force push/);
    // Unreadable input fails open.
    const junk = await gtIn(["tap", "guard", "dangerous-command"], { input: "not json" });
    assert.equal(junk.code, 0);
  });

  it("pr-workflow and mol-patrol block agents only; bd-init only away from the town root", async () => {
    assert.equal((await guard("pr-workflow", "gh pr create --fill", { cwd: max() })).code, 2);
    assert.equal((await guard("pr-workflow", "git checkout -b feature", { cwd: max() })).code, 2);
    assert.equal((await guard("pr-workflow", "git checkout main", { cwd: max() })).code, 0);
    assert.equal((await guard("pr-workflow", "gh pr create", { cwd: town.scratch })).code, 0, "a person may");
    const mayor = { GT_ROLE: "mayor" };
    assert.equal((await guard("pr-workflow", "git switch -c x", { env: mayor })).code, 2);

    assert.equal((await guard("mol-patrol", "gt mol patrol", { cwd: max() })).code, 2);
    assert.equal((await guard("mol-patrol", "gt mol patrol", { env: mayor })).code, 0, "the mayor may");
    assert.equal((await guard("mol-patrol", "gt mol status", { cwd: max() })).code, 0);

    const init = await guard("bd-init", "bd init --prefix x", { cwd: max() });
    assert.equal(init.code, 2);
    assert.match(init.stderr, /orphan ledger/);
    assert.equal((await guard("bd-init", "bd init", { env: mayor })).code, 0, "at the town root");
    assert.equal((await guard("bd-init", "bd list", { cwd: max() })).code, 0);

    await fails(["tap", "guard", "nope"], /unknown guard "nope"/);
  });

  it("tap list names every guard", async () => {
    const rows = await town.gtJson<Array<{ name: string; kind: string; matchers: string[] }>>([
      "tap",
      "list",
    ]);
    assert.deepEqual(rows.map((r) => r.name).sort(), [
      "bd-init",
      "dangerous-command",
      "mol-patrol",
      "pr-workflow",
    ]);
    assert.ok(rows.every((r) => r.kind === "guard" && r.matchers.length > 0));
    const text = await town.gt(["tap", "list", "--guards"]);
    assert.match(text.stdout, /● dangerous-command \(guard\)/);
  });

  it("signal stop allows an idle agent, blocks for nudges, mail and hooked work (a standing reason once)", async () => {
    const stop = async () => {
      const r = await gtIn(["signal", "stop"], {
        cwd: max(),
        input: JSON.stringify({ hook_event_name: "Stop" }),
      });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { decision?: string; reason?: string };
    };
    assert.deepEqual(await stop(), {});
    assert.deepEqual(
      JSON.parse((await town.gt(["signal", "stop"], { cwd: town.scratch })).stdout),
      {},
      "not an agent",
    );

    const q = await town.gt(["nudge", "alpha/crew/max", "check the build", "--mode", "queue"]);
    assert.equal(q.code, 0, q.stderr);
    const n = await stop();
    assert.equal(n.decision, "block");
    assert.match(n.reason!, /check the build/);
    assert.deepEqual(await stop(), {}, "the nudge was handed over");

    await town.gtJson(["mail", "send", "alpha/crew/max", "-s", "rebase please", "-m", "x", "--no-notify"]);
    const m = await stop();
    assert.equal(m.decision, "block");
    assert.match(m.reason!, /1 unread message\(s\).*"rebase please"/);
    assert.deepEqual(await stop(), {}, "the same reason blocks once");

    const id = await bdOk(town, join(town.root, "alpha"), ["create", "fix the parser", "--silent"]);
    const h = await town.gt(["hook", id], { cwd: max() });
    assert.equal(h.code, 0, h.stderr);
    const w = await town.gtJson<{ decision: string; unread: number; hooked: string[] }>(["signal", "stop"], {
      cwd: max(),
    });
    assert.equal(w.decision, "block");
    assert.equal(w.unread, 1);
    assert.deepEqual(w.hooked, [id]);
  });

  it("gt disable turns the hooks into no-ops; GASTOWN_ENABLED/DISABLED override for one shell", async () => {
    const status = await town.gtJson<{ enabled: boolean; source: string }>(["enable", "--status"]);
    assert.deepEqual([status.enabled, status.source], [true, "default"]);
    const d = await town.gt(["disable"]);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /Gas Town disabled/);
    assert.equal((await guard("dangerous-command", "sudo ls")).code, 0, "disabled: allowed");
    assert.equal((await guard("dangerous-command", "sudo ls", { env: { GASTOWN_ENABLED: "1" } })).code, 2);
    await town.gt(["nudge", "alpha/crew/max", "later", "--mode", "queue"]);
    const s = await gtIn(["signal", "stop"], { cwd: max(), input: "{}" });
    assert.equal(s.stdout.trim(), "{}");
    for (const args of [
      ["prime", "--hook"],
      ["mail", "check", "--inject"],
    ]) {
      const r = await gtIn(args, { cwd: max(), input: "{}" });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""], `disabled: gt ${args.join(" ")} is silent`);
    }
    const live = await gtIn(["mail", "check", "--inject"], {
      cwd: max(),
      input: "{}",
      env: { GASTOWN_ENABLED: "1" },
    });
    assert.match(live.stdout, /unread message/, "enabled for this shell: the hook works");
    const off = await town.gtJson<{ enabled: boolean; source: string }>(["disable", "--status"]);
    assert.deepEqual([off.enabled, off.source], [false, "state-file"]);

    assert.equal((await town.gt(["enable"])).code, 0);
    assert.equal((await guard("dangerous-command", "sudo ls")).code, 2, "enabled again");
    assert.equal((await guard("dangerous-command", "sudo ls", { env: { GASTOWN_DISABLED: "1" } })).code, 0);
    const on = await town.gtJson<{ enabled: boolean; source: string }>(["enable", "--status"], {
      env: { GASTOWN_DISABLED: "1" },
    });
    assert.deepEqual([on.enabled, on.source], [false, "env"]);
  });
});
