// gt feed through bin/gt on a scratch town: --plain replays the log and prints an event
// appended after it started within a second, keeps following until SIGTERM (exit 0);
// --json prints events; --since and --rig filter; a pipe without --plain gets plain lines;
// -p --json prints the problem rows once; --window outside tmux says it needs tmux.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { logEvent, type TownEvent } from "../../src/events/log.ts";
import { GT } from "../helpers/bd.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";

interface Running {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching, and when it was seen. */
  line(re: RegExp, ms?: number): Promise<{ text: string; at: number }>;
  exit(): Promise<number | null>;
}

function startFeed(town: TestTown, args: string[]): Running {
  const child = spawn(GT, ["feed", ...args], {
    cwd: town.root,
    env: { ...process.env, ...town.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const seen: { text: string; at: number }[] = [];
  let buf = "";
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  child.stdout!.on("data", (d) => {
    buf += String(d);
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const p of parts) {
      lines.push(p);
      seen.push({ text: p, at: Date.now() });
    }
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    lines,
    async line(re, ms = 10_000) {
      const started = Date.now();
      for (;;) {
        const hit = seen.find((s) => re.test(s.text));
        if (hit) return hit;
        if (Date.now() - started > ms)
          assert.fail(`gt feed never printed ${re}; stdout:\n${lines.join("\n")}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    exit: () => exited,
  };
}

describe("gt feed --plain", () => {
  let town: TestTown;
  const running: Running[] = [];
  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "greeter");
  });
  after(async () => {
    for (const r of running) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    await town.cleanup();
  });

  it("replays the log, prints an event appended after start within a second, exits 0 on SIGTERM", async () => {
    logEvent(town.root, "sling", "mayor", { bead: "gr-1", target: "greeter/polecats/toast" });
    const feed = startFeed(town, ["--plain"]);
    running.push(feed);
    const replayed = await feed.line(/🎯 mayor gr-1 → greeter\/polecats\/toast$/);
    assert.match(replayed.text, /^\d\d:\d\d:\d\d 🎯 mayor /);
    const t0 = Date.now();
    logEvent(town.root, "done", "greeter/polecats/toast", { bead: "gr-1", branch: "polecat/toast" });
    const live = await feed.line(/✓ greeter\/polecats\/toast gr-1 done on polecat\/toast$/, 5000);
    assert.ok(live.at - t0 < 1000, `the appended event took ${live.at - t0} ms`);
    // A real command's event (gt mail send) arrives the same way.
    const sent = await town.gt(["mail", "send", "mayor", "-s", "feed hello", "-m", "body"]);
    assert.equal(sent.code, 0, sent.stderr);
    await feed.line(/✉ \S+ to mayor: feed hello$/, 5000);
    feed.child.kill("SIGTERM");
    assert.equal(await feed.exit(), 0);
  });

  it("--json prints one event per line; --rig keeps the rig's events; audit-only events stay out", async () => {
    const feed = startFeed(town, ["--plain", "--json", "--rig", "greeter"]);
    running.push(feed);
    await feed.line(/"type":"sling"/);
    logEvent(town.root, "sling", "mayor", { bead: "x-1", target: "elsewhere/polecats/p" });
    logEvent(town.root, "merged", "greeter/refinery", { mr: "gr-7", branch: "b" }, "audit");
    logEvent(town.root, "merged", "greeter/refinery", { mr: "gr-8", branch: "b" });
    await feed.line(/"mr":"gr-8"/, 5000);
    const events = feed.lines.map((l) => JSON.parse(l) as TownEvent);
    assert.ok(
      events.every((e) => e.source === "gt" && typeof e.ts === "string"),
      feed.lines.join("\n"),
    );
    assert.ok(!feed.lines.some((l) => l.includes("x-1") || l.includes("gr-7")), feed.lines.join("\n"));
    feed.child.kill("SIGINT");
    assert.equal(await feed.exit(), 0);
  });

  it("--since picks the replay; stdout a pipe without --plain prints plain lines", async () => {
    const old = new Date(Date.now() - 2 * 3_600_000).toISOString();
    // An event two hours old, written as a line like logEvent's.
    const { appendFileSync } = await import("node:fs");
    appendFileSync(
      `${town.root}/.events.jsonl`,
      `${JSON.stringify({ ts: old, source: "gt", type: "spawn", actor: "greeter/witness", payload: { rig: "greeter", polecat: "ancient" }, visibility: "feed" })}\n`,
    );
    logEvent(town.root, "spawn", "greeter/witness", { rig: "greeter", polecat: "fresh" });
    const recent = startFeed(town, []);
    running.push(recent);
    await recent.line(/\+ greeter\/witness polecat fresh in greeter$/);
    assert.ok(!recent.lines.some((l) => l.includes("ancient")));
    recent.child.kill("SIGTERM");
    assert.equal(await recent.exit(), 0);

    const all = startFeed(town, ["--plain", "--since", "3h"]);
    running.push(all);
    await all.line(/polecat ancient in greeter$/);
    all.child.kill("SIGTERM");
    assert.equal(await all.exit(), 0);

    const bad = await town.gt(["feed", "--plain", "--since", "last tuesday"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid --since "last tuesday"/);
    const noRig = await town.gt(["feed", "--plain", "--rig", "nope"]);
    assert.notEqual(noRig.code, 0);
    assert.match(noRig.stderr, /no rig named "nope"/);
  });

  it("-p --json prints the problem rows once; --window outside tmux says it needs tmux", async () => {
    const p = await town.gt(["feed", "-p", "--json"]);
    assert.equal(p.code, 0, p.stderr);
    assert.ok(Array.isArray(JSON.parse(p.stdout)));
    const plain = await town.gt(["feed", "-p", "--plain"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /No polecats: nothing can be stuck/);
    const w = await town.gt(["feed", "--window"], { env: { TMUX: "" } });
    assert.notEqual(w.code, 0);
    assert.match(w.stderr, /needs tmux/);
  });
});
