import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { eventStream, followEvents } from "../../src/events/follow.ts";
import { EVENTS_FILE, logEvent, type TownEvent } from "../../src/events/log.ts";
import { scratchDir } from "../helpers/temp.ts";

/** Resolves when `pred` holds over what was collected, or rejects after `ms`. */
function until(pred: () => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (pred()) return resolve();
      if (Date.now() - started > ms) return reject(new Error("timed out"));
      setTimeout(tick, 10);
    };
    tick();
  });
}

function line(type: string, ts = new Date().toISOString()): string {
  return `${JSON.stringify({ ts, source: "gt", type, actor: "t", payload: {}, visibility: "feed" })}\n`;
}

describe("followEvents", () => {
  it("replays the log, then delivers each append once, in order", async () => {
    const town = scratchDir("follow-");
    logEvent(town, "sling", "mayor", { bead: "a-1", target: "alpha" });
    const seen: TownEvent[] = [];
    const f = followEvents(town, {}, (e) => seen.push(e));
    assert.deepEqual(
      seen.map((e) => e.type),
      ["sling"],
    );
    logEvent(town, "done", "alpha/polecats/p1", { bead: "a-1" });
    logEvent(town, "merged", "alpha/refinery", { mr: "a-2" });
    await until(() => seen.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    f.close();
    assert.deepEqual(
      seen.map((e) => e.type),
      ["sling", "done", "merged"],
    );
  });

  it("fromEnd skips what was there; since filters the replay", async () => {
    const town = scratchDir("follow-");
    appendFileSync(join(town, EVENTS_FILE), line("old", "2020-01-01T00:00:00.000Z") + line("newer"));
    const fromEnd: string[] = [];
    const a = followEvents(town, { fromEnd: true }, (e) => fromEnd.push(e.type));
    const since: string[] = [];
    const b = followEvents(town, { since: Date.parse("2021-01-01T00:00:00Z") }, (e) => since.push(e.type));
    assert.deepEqual(since, ["newer"]);
    logEvent(town, "fresh", "t");
    await until(() => fromEnd.length === 1 && since.length === 2);
    a.close();
    b.close();
    assert.deepEqual(fromEnd, ["fresh"]);
  });

  it("holds a partial last line until its newline arrives, and sees a log created later", async () => {
    const town = scratchDir("follow-");
    const seen: string[] = [];
    const f = followEvents(town, {}, (e) => seen.push(e.type));
    const whole = line("split→é");
    const bytes = Buffer.from(whole);
    // Cut inside the multi-byte "é" so a character straddles the two writes.
    const cut = bytes.indexOf(Buffer.from("é")) + 1;
    writeFileSync(join(town, EVENTS_FILE), bytes.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(seen, [], "no event before its newline");
    appendFileSync(join(town, EVENTS_FILE), bytes.subarray(cut));
    await until(() => seen.length === 1);
    f.close();
    assert.deepEqual(seen, ["split→é"]);
  });

  it("delivers nothing after close", async () => {
    const town = scratchDir("follow-");
    const seen: string[] = [];
    const f = followEvents(town, {}, (e) => seen.push(e.type));
    f.close();
    logEvent(town, "late", "t");
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(seen, []);
  });

  it("eventStream iterates appends and closes on break", async () => {
    const town = scratchDir("follow-");
    const got: string[] = [];
    setTimeout(() => {
      logEvent(town, "one", "t");
      logEvent(town, "two", "t");
    }, 50);
    for await (const e of eventStream(town, {})) {
      got.push(e.type);
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ["one", "two"]);
  });
});
