// The daemon's pressure gate. The verdict (pure): load per core, memory available and live
// sessions against their limits, 0 switching a check off. On a live town (tmux, script
// agents) with at most 1 live session allowed: the daemon restarts a killed witness (the
// watchdogs are never held back) but defers the killed refinery — logged once, an event —
// and starts it as soon as the limit is lifted in the settings, without a daemon restart.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type PressureLimits, pressureVerdict } from "../../src/watch/pressure.ts";
import { eventually } from "../helpers/town.ts";
import { type DaemonTown, daemonTown, eventsOf } from "./daemon-helpers.ts";

describe("the pressure gate", () => {
  it("judges load per core, memory available and live sessions; 0 is off", () => {
    const off: PressureLimits = { maxLoadPerCore: 0, minFreeMemoryMb: 0, maxSessions: 0, retryMs: 1000 };
    const busy = { load1: 8, cores: 2, availableMemMb: 100 };
    assert.equal(pressureVerdict(off, busy, 50), undefined);
    assert.equal(pressureVerdict({ ...off, maxLoadPerCore: 3 }, busy, 0), "load 4.00 per core (max 3)");
    assert.equal(pressureVerdict({ ...off, maxLoadPerCore: 4 }, busy, 0), undefined);
    assert.equal(pressureVerdict({ ...off, minFreeMemoryMb: 512 }, busy, 0), "100 MiB available (min 512)");
    assert.equal(pressureVerdict({ ...off, minFreeMemoryMb: 100 }, busy, 0), undefined);
    assert.equal(pressureVerdict({ ...off, maxSessions: 3 }, busy, 3), "3 live sessions (max 3)");
    assert.equal(pressureVerdict({ ...off, maxSessions: 3 }, busy, 2), undefined);
  });

  describe("in the daemon", () => {
    let town: DaemonTown;
    const socket = () => String(town.env.GT_TMUX_SOCKET);
    const alive = (session: string) => {
      try {
        execFileSync("tmux", ["-L", socket(), "has-session", "-t", `=${session}`], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    };
    const kill = (session: string) =>
      execFileSync("tmux", ["-L", socket(), "kill-session", "-t", `=${session}`]);

    before(async () => {
      town = await daemonTown({ daemon: { pressure_max_sessions: 1, pressure_retry: "300ms" } });
      const up = await town.gt(["up"]);
      assert.equal(up.code, 0, up.stdout + up.stderr);
    });
    after(async () => {
      await town?.cleanup();
    });

    it("defers a refinery's restart under pressure, never a witness's; lifting the limit lets it start", async () => {
      assert.ok(alive("al-refinery") && alive("al-witness"), "gt up starts everything (not gated)");
      kill("al-refinery");
      kill("al-witness");
      await eventually(async () => alive("al-witness"), 20_000, "the witness restarted");
      await eventually(
        async () => eventsOf(town, "daemon_start_deferred").some((e) => e.payload.agent === "alpha/refinery"),
        20_000,
        "the refinery's start deferred",
      );
      await sleep(2000);
      assert.equal(alive("al-refinery"), false, "held back while the gate is closed");
      const deferred = eventsOf(town, "daemon_start_deferred").filter(
        (e) => e.payload.agent === "alpha/refinery",
      );
      assert.equal(deferred.length, 1, "said once per condition");
      assert.match(String(deferred[0]!.payload.why), /^\d+ live sessions \(max 1\)$/);
      assert.match(
        readFileSync(join(town.root, "daemon", "daemon.log"), "utf8"),
        /pressure: \d+ live sessions \(max 1\): start of alpha\/refinery deferred/,
      );

      town.settings((s) => {
        (s.daemon as Record<string, unknown>).pressure_max_sessions = 0;
      });
      await eventually(async () => alive("al-refinery"), 20_000, "the refinery started once the gate opened");
      await eventually(
        async () => eventsOf(town, "daemon_start").some((e) => e.payload.agent === "alpha/refinery"),
        20_000,
        "the daemon's start of the refinery",
      );
    });
  });
});
