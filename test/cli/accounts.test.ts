import "../helpers/isolation.ts";
// gt account (register, list, switch, status) and gt quota (status, scan a session's screen
// for a rate limit and mark its account, rotate its sessions to an available account, clear),
// on the subprocess runtime with the script agent standing in for a Claude session.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, crewTown, eventually, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Account {
  handle: string;
  default: boolean;
  status: string;
  config_dir: string;
}

describe("gt account and gt quota", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const pidOf = async () =>
    (await town.gtJson<{ pid: number | null; state: string }>(["session", "status", "alpha/crew/max"])).pid;

  before(async () => {
    town = await crewTown();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("accounts are registered with their config dirs; the first is the default; switch moves it", async () => {
    const work = await town.gtJson<Account>(["account", "add", "work", "--email", "me@work.example"]);
    assert.equal(work.default, true);
    assert.ok(existsSync(work.config_dir) && work.config_dir.endsWith(join(".claude-accounts", "work")));
    const home = await town.gtJson<Account>([
      "account",
      "add",
      "home",
      "--config-dir",
      join(town.scratch, "home-claude"),
    ]);
    assert.equal(home.default, false);
    assert.deepEqual(
      (await town.gtJson<Account[]>(["account", "list"])).map((a) => [a.handle, a.default]),
      [
        ["home", false],
        ["work", true],
      ],
    );
    await town.gtJson(["account", "switch", "home"]);
    assert.equal((await town.gtJson<{ next_session: string }>(["account", "status"])).next_session, "home");
    await town.gtJson(["account", "switch", "work"]);
    await fails(["account", "add", "work"], /already exists/);
    await fails(["account", "add", "bad handle"], /invalid handle/);
    await fails(["account", "add", "x", "--email", "nope"], /invalid email/);
    await fails(["account", "switch", "nosuch"], /no account "nosuch"/);
  });

  it("scan finds a session showing a rate limit and marks its account; rotate moves it; clear undoes", async () => {
    await town.gtJson(["session", "start", "alpha/crew/max", "--agent", "script"]);
    const bead = (await town.gtJson<{ bead: string }>(["agents", "state", "alpha/crew/max"])).bead;
    await bdOk(town, join(town.root, "alpha"), ["update", bead, "--set-metadata", "account=work"]);
    assert.deepEqual((await town.gtJson<{ hits: unknown[] }>(["quota", "scan"])).hits, []);

    await town.gtJson([
      "nudge",
      "alpha/crew/max",
      "-m",
      "Claude usage limit reached. Your limit will reset at 5pm",
    ]);
    const scan = await eventually(
      async () => {
        const r = await town.gtJson<{ hits: Array<{ address: string; account: string }>; marked: string[] }>([
          "quota",
          "scan",
          "--update",
        ]);
        return r.hits.length ? r : undefined;
      },
      10_000,
      "the limit on max's screen",
    );
    assert.deepEqual(
      scan!.hits.map((h) => [h.address, h.account]),
      [["alpha/crew/max", "work"]],
    );
    assert.deepEqual(scan!.marked, ["work"]);
    const status = await town.gtJson<{ limited: number; accounts: Account[] }>(["quota", "status"]);
    assert.equal(status.limited, 1);
    assert.equal((await town.gtJson<{ next_session: string }>(["account", "status"])).next_session, "home");

    const before_ = await pidOf();
    const dry = await town.gtJson<{ rotated: Array<{ address: string; account: string; to: string }> }>([
      "quota",
      "rotate",
      "--dry-run",
    ]);
    assert.deepEqual(
      dry.rotated.map((r) => [r.address, r.account, r.to]),
      [["alpha/crew/max", "work", "home"]],
    );
    assert.equal(await pidOf(), before_, "a dry run restarts nothing");
    const real = await town.gtJson<{ rotated: unknown[] }>(["quota", "rotate"]);
    assert.equal(real.rotated.length, 1);
    const after_ = await pidOf();
    assert.ok(after_ && after_ !== before_, "max was restarted");

    // watch: the limit is on screen again (the new session shows the old log); a dry run
    // reports it and what it would move, and marks nothing.
    await town.gtJson(["quota", "clear", "work"]);
    await bdOk(town, join(town.root, "alpha"), ["update", bead, "--set-metadata", "account=work"]);
    await town.gtJson(["nudge", "alpha/crew/max", "-m", "Claude usage limit reached again"]);
    const watched = await eventually(
      async () => {
        const r = await town.gt(["quota", "watch", "--dry-run", "--rounds", "1", "--json"]);
        assert.equal(r.code, 0, r.stderr);
        const line = JSON.parse(r.stdout.trim()) as {
          hits: unknown[];
          marked: string[];
          rotated: Array<{ to: string }>;
        };
        return line.hits.length ? line : undefined;
      },
      10_000,
      "watch seeing the limit",
    );
    assert.deepEqual(watched!.marked, []);
    assert.deepEqual(
      watched!.rotated.map((r) => r.to),
      ["home"],
    );
    assert.equal(
      (await town.gtJson<{ limited: number }>(["quota", "status"])).limited,
      0,
      "a dry run marks nothing",
    );
    await fails(["quota", "watch", "--interval", "soon"], /invalid --interval/);

    await town.gtJson(["quota", "scan", "--update"]);
    await fails(["quota", "clear", "nosuch"], /no account "nosuch"/);
    assert.deepEqual((await town.gtJson<{ cleared: string[] }>(["quota", "clear", "work"])).cleared, [
      "work",
    ]);
    assert.equal((await town.gtJson<{ limited: number }>(["quota", "status"])).limited, 0);
    await fails(["quota", "rotate", "--from", "nosuch"], /no account "nosuch"/);
  });
});
