import "../helpers/isolation.ts";
// gt krc (TTLs by event type over .events.jsonl) and gt compact [report] (wisps past their TTL
// in a rig's ledger, the digest to the mayor) in a town with rig alpha.
import assert from "node:assert/strict";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, changeSettings, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

const DAY = 86_400_000;

describe("gt krc and gt compact", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const events = () => join(town.root, ".events.jsonl");
  const line = (type: string, ageMs: number, n = 0) =>
    JSON.stringify({
      ts: new Date(Date.now() - ageMs).toISOString(),
      source: "gt",
      type,
      actor: "test",
      payload: { n },
    });

  before(async () => {
    town = await crewTown([]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("krc: stats by type and age, config set/reset, dry-run and real prune keeping the newest, auto-prune", async () => {
    writeFileSync(
      events(),
      `${[
        line("patrol_started", 2 * DAY, 1),
        line("patrol_started", 2 * DAY, 2),
        line("mail", 2 * DAY, 3),
        "not json at all",
        line("session_death", 40 * DAY, 4),
        line("patrol_started", 1000, 5),
      ].join("\n")}\n`,
    );
    writeFileSync(join(town.root, "settings", "krc.json"), JSON.stringify({ min_retain_count: 0 }));
    const stats = await town.gtJson<{
      events_file: { event_count: number };
      by_age: Record<string, number>;
      ttl_breakdown: Record<string, { ttl_ms: number; count: number; expired: number }>;
    }>(["krc", "stats"]);
    assert.equal(stats.events_file.event_count, 6);
    assert.deepEqual(stats.by_age, { "0-1d": 1, "1-7d": 3, "7-30d": 0, "30d+": 1 });
    assert.deepEqual(stats.ttl_breakdown.patrol_started, {
      ...stats.ttl_breakdown.patrol_started,
      count: 3,
      expired: 2,
    });
    assert.equal(stats.ttl_breakdown.session_death!.expired, 1, "40 days is past the 30-day TTL of deaths");
    assert.equal(stats.ttl_breakdown.mail!.expired, 0);

    const set = await town.gt(["krc", "config", "set", "mail", "1d"]);
    assert.match(set.stdout, /Set TTL for "mail" to 1d/);
    const cfg = await town.gtJson<{ ttls: Record<string, string>; min_retain_count: number }>([
      "krc",
      "config",
    ]);
    assert.equal(cfg.ttls.mail, "1d");
    assert.equal(cfg.ttls["patrol_*"], "1d");
    assert.equal(cfg.min_retain_count, 0);
    await fails(["krc", "config", "set", "mail", "soon"], /invalid TTL "soon"/);
    await fails(["krc", "config", "set", "bad pattern!", "1d"], /invalid pattern/);

    const dry = await town.gtJson<{ events_pruned: number; pruned_by_type: Record<string, number> }>([
      "krc",
      "prune",
      "--dry-run",
    ]);
    assert.deepEqual(dry.pruned_by_type, { patrol_started: 2, mail: 1, session_death: 1 });
    assert.equal(readFileSync(events(), "utf8").split("\n").length, 7, "a dry run changes nothing");

    // min_retain_count 2: of the 4 expired, the newest one stays (with the fresh patrol and the bad line).
    writeFileSync(
      join(town.root, "settings", "krc.json"),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(town.root, "settings", "krc.json"), "utf8")),
        min_retain_count: 3,
      }),
    );
    const pruned = await town.gtJson<{ events_pruned: number; events_retained: number }>(["krc", "prune"]);
    assert.deepEqual([pruned.events_pruned, pruned.events_retained], [3, 3]);
    const left = readFileSync(events(), "utf8");
    assert.ok(left.includes("not json at all"), "an unreadable line is kept");
    assert.ok(
      left.includes('"n":5') && left.includes('"n":4'),
      "the fresh event and the newest expired one stay",
    );
    assert.ok(!left.includes('"n":1') && !left.includes('"n":3'));

    const decay = await town.gtJson<{
      types: Array<{ event_type: string; curve: string; avg_score: number }>;
    }>(["krc", "decay"]);
    const patrol = decay.types.find((t) => t.event_type === "patrol_started")!;
    assert.equal(patrol.curve, "rapid");
    assert.ok(patrol.avg_score > 0.99, `a one-second-old patrol event keeps its value (${patrol.avg_score})`);
    assert.equal(decay.types[0]!.event_type, "session_death", "the expired death is the most decayed");

    const before0 = await town.gtJson<{ last_prune_time: string | null; due: boolean }>([
      "krc",
      "auto-prune-status",
    ]);
    assert.deepEqual([before0.last_prune_time, before0.due], [null, true]);
    appendFileSync(events(), `${line("patrol_started", 3 * DAY, 6)}\n`);
    const auto = await town.gtJson<{ ran: boolean; result: { events_pruned: number } }>([
      "krc",
      "prune",
      "--auto",
    ]);
    assert.deepEqual([auto.ran, auto.result.events_pruned], [true, 1]);
    const again = await town.gt(["krc", "prune", "--auto"]);
    assert.match(again.stdout, /Auto-prune skipped \(next in (59m|1h)\)/);
    const status = await town.gtJson<{ prune_count: number; total_pruned: number; due: boolean }>([
      "krc",
      "auto-prune-status",
    ]);
    assert.deepEqual([status.prune_count, status.total_pruned, status.due], [1, 1, false]);

    await town.gt(["krc", "config", "reset"]);
    assert.equal((await town.gtJson<{ ttls: Record<string, string> }>(["krc", "config"])).ttls.mail, "30d");
  });

  it("compact: promotes stuck and proven wisps, deletes expired closed ones, skips young ones; report mails the mayor once", async () => {
    const rig = join(town.root, "alpha");
    changeSettings(
      town,
      (s) => {
        s.wisp_ttl = { default: "1s", patrol: "1s", heartbeat: "1h" };
      },
      "alpha",
    );
    const stuck = await bdOk(town, rig, ["create", "Stuck wisp", "--ephemeral", "--silent"]);
    const done = await bdOk(town, rig, [
      "create",
      "Finished patrol",
      "--ephemeral",
      "--wisp-type",
      "patrol",
      "--silent",
    ]);
    const noted = await bdOk(town, rig, ["create", "Has a comment", "--ephemeral", "--silent"]);
    const young = await bdOk(town, rig, [
      "create",
      "Heartbeat",
      "--ephemeral",
      "--wisp-type",
      "heartbeat",
      "--silent",
    ]);
    const mail = await bdOk(town, rig, [
      "create",
      "A message",
      "--ephemeral",
      "-l",
      "gt:message",
      "--silent",
    ]);
    await bdOk(town, rig, ["comment", noted, "worth keeping"]);
    await bdOk(town, rig, ["close", done]);
    await new Promise((r) => setTimeout(r, 1500));

    interface Result {
      ledger: string;
      promoted: Array<{ id: string; reason: string }>;
      deleted: Array<{ id: string; reason: string }>;
      skipped: number;
      dry_run: boolean;
    }
    const dry = await town.gtJson<Result>(["compact", "--rig", "alpha", "--dry-run"]);
    assert.equal(dry.ledger, "alpha");
    const byId = (r: Result) => ({
      promoted: Object.fromEntries(r.promoted.map((a) => [a.id, a.reason])),
      deleted: Object.fromEntries(r.deleted.map((a) => [a.id, a.reason])),
    });
    assert.equal(byId(dry).promoted[stuck], "open past TTL");
    assert.equal(byId(dry).promoted[noted], "proven value");
    assert.equal(byId(dry).deleted[done], "TTL expired");
    assert.ok(dry.skipped >= 1, "the young heartbeat is skipped");
    assert.ok(!(young in byId(dry).promoted) && !(young in byId(dry).deleted));
    assert.ok(!(mail in byId(dry).promoted) && !(mail in byId(dry).deleted), "mail is never compacted");
    assert.ok(JSON.parse(await bdOk(town, rig, ["show", done, "--json"])), "a dry run deletes nothing");

    const digest = await town.gtJson<{
      categories: Record<string, { deleted: number; promoted: number; active: number }>;
      sent: boolean;
      bead: string | null;
    }>(["compact", "report", "--dry-run", "--rig", "alpha"]);
    assert.equal(digest.sent, false);
    assert.equal(digest.categories.Patrols!.deleted, 1);
    assert.equal(digest.categories.Heartbeats!.active, 1);

    const real = await town.gt(["compact", "report", "--rig", "alpha", "--date", "2026-01-05"]);
    assert.equal(real.code, 0, real.stderr);
    assert.match(real.stdout, /✓ Compaction digest sent for 2026-01-05\n {2}Audit bead: \S+/);
    const stuckNow = JSON.parse(await bdOk(town, rig, ["show", stuck, "--json"])) as Record<string, unknown>;
    const shown = (Array.isArray(stuckNow) ? stuckNow[0] : stuckNow) as {
      ephemeral?: boolean;
      comments?: Array<{ text: string }>;
    };
    assert.ok(!shown.ephemeral, "promoted: no longer a wisp");
    assert.ok(shown.comments?.some((c) => c.text === "Promoted from Level 0: open past TTL"));
    const gone = await town.gt(["compact", "--rig", "alpha", "--json"]);
    assert.ok(!gone.stdout.includes(done), "the closed wisp was deleted by the report's run");

    const inbox = await town.gtJson<Array<{ subject: string }>>(["mail", "inbox", "mayor/"]);
    assert.ok(inbox.some((m) => m.subject === "Wisp Compaction: 2026-01-05"));
    const twice = await town.gt(["compact", "report", "--rig", "alpha", "--date", "2026-01-05"]);
    assert.match(twice.stdout, /already sent for 2026-01-05/);
    await fails(["compact", "report", "--date", "yesterday"], /invalid date "yesterday"/);
    await fails(["compact", "--rig", "nope"], /nope/);
  });
});
