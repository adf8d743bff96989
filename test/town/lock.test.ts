// The cross-process file lock that guards the refinery, the polecat pool and the town's
// registry files: a holder killed at any moment must never leave a lock nobody can take.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { type ChildProcess, type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { after, afterEach, describe, it } from "node:test";
import { withFileLock } from "../../src/town/lock.ts";
import { tempDir } from "../helpers/bd.ts";

const CHILD = join(import.meta.dirname, "lock-child.ts");
/** Children still running; a failed case kills its leftovers so the file does not hang. */
const running = new Set<ChildProcess>();

interface Contender {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Resolves with the first stdout line matching `what` (rejects if the process ends first). */
  saw: (what: string) => Promise<void>;
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/** A separate node process running lock-child.ts; it starts when sent "go". */
function contender(args: string[], env: NodeJS.ProcessEnv = {}): Contender {
  const child = spawn(process.execPath, [CHILD, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  running.add(child);
  let out = "";
  let stderr = "";
  const waiters: Array<() => void> = [];
  child.stdout.on("data", (d) => {
    out += d;
    for (const w of waiters) w();
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((r) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      r({ code, signal, stderr });
    }),
  );
  const saw = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => out.split("\n").includes(what) && resolve();
      waiters.push(check);
      check();
      void exited.then((e) =>
        reject(new Error(`child ended (${e.code ?? e.signal}) before "${what}": ${e.stderr}`)),
      );
    });
  return { child, saw, exited };
}

/** Starts every contender at once, once all of them are up. */
async function startTogether(all: Contender[]): Promise<void> {
  await Promise.all(all.map((c) => c.saw("ready")));
  for (const c of all) c.child.stdin.end("go\n");
}

/** Fails (and kills what is left) instead of hanging when a contender never finishes. */
async function eventually(ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function allExit(all: Contender[], ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const c of all) c.child.kill("SIGKILL");
      reject(new Error(`contenders still running after ${ms} ms: a lock nobody releases`));
    }, ms);
  });
  try {
    return await Promise.race([Promise.all(all.map((c) => c.exited)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("file lock", () => {
  const tmp = tempDir("gt-lock-");
  after(() => tmp.cleanup());
  afterEach(() => {
    for (const child of running) child.kill("SIGKILL");
  });

  it("a lock left empty by a writer killed before it wrote its PID is taken over", async () => {
    const file = join(tmp.dir, "empty", "refinery.lock");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "");
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(file, old, old);
    const got = await withFileLock(file, async () => "held", 2_000);
    assert.equal(got, "held");
    assert.equal(existsSync(file), false, "released afterwards");
  });

  it("a lock whose holder was killed -9 is taken over; a live holder's is waited for", async () => {
    const dir = join(tmp.dir, "killed");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "pool.lock");
    writeFileSync(join(dir, "counter"), "0");
    const holder = contender(["hold", file, join(dir, "counter")]);
    await startTogether([holder]);
    await holder.saw("holding");
    assert.equal(
      readFileSync(file, "utf8"),
      String(holder.child.pid),
      "the lock names its holder from the start",
    );
    await assert.rejects(
      withFileLock(file, async () => 1, 300),
      /timed out waiting for lock/,
    );
    holder.child.kill("SIGKILL");
    await holder.exited;
    assert.equal(await withFileLock(file, async () => 2, 2_000), 2);
  });

  it("separate processes doing read-increment-write under the lock lose no update", async () => {
    const dir = join(tmp.dir, "count");
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, "counter.lock");
    const counter = join(dir, "counter");
    writeFileSync(counter, "0");
    const processes = 4;
    const times = 40;
    const all = Array.from({ length: processes }, () => contender(["count", lock, counter, String(times)]));
    await startTogether(all);
    for (const e of await allExit(all, 60_000)) assert.equal(e.code, 0, e.stderr);
    assert.equal(Number(readFileSync(counter, "utf8")), processes * times, "every increment kept");
    assert.equal(existsSync(lock), false, "released afterwards");
  });

  it("a holder killed -9 in the middle of its update does not block the other processes", async () => {
    const dir = join(tmp.dir, "kill-holder");
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, "counter.lock");
    const counter = join(dir, "counter");
    writeFileSync(counter, "0");
    const holder = contender(["hold", lock, counter]);
    await startTogether([holder]);
    await holder.saw("holding");
    assert.equal(readFileSync(lock, "utf8"), String(holder.child.pid));
    const processes = 3;
    const times = 20;
    const waiting = Array.from({ length: processes }, () =>
      contender(["count", lock, counter, String(times)]),
    );
    await startTogether(waiting);
    await new Promise((r) => setTimeout(r, 500)); // they are all waiting for the holder now
    assert.equal(Number(readFileSync(counter, "utf8")), 0, "nobody got in while the holder lived");
    holder.child.kill("SIGKILL");
    assert.equal((await holder.exited).signal, "SIGKILL");
    for (const e of await allExit(waiting, 60_000)) assert.equal(e.code, 0, e.stderr);
    assert.equal(Number(readFileSync(counter, "utf8")), processes * times, "every increment kept");
    assert.equal(existsSync(lock), false, "released afterwards");
  });

  it("of two processes that judged the same dead holder's lock stale, only one gets the lock", async () => {
    const dir = join(tmp.dir, "two-breakers");
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, "pool.lock");
    const counter = join(dir, "counter");
    writeFileSync(counter, "0");
    writeFileSync(lock, String(2 ** 22 + 4321)); // a holder that is gone (above the default pid_max)
    const paused = join(dir, "paused");
    // The first judges the lock stale and stops right there, before removing it.
    const late = contender(["hold", lock, counter], {
      GT_TEST_PAUSE: "lock:judged-stale",
      GT_TEST_PAUSE_FILE: paused,
      GT_TEST_PAUSE_MS: "1500",
    });
    await startTogether([late]);
    await eventually(() => existsSync(paused));
    // Meanwhile another removes the stale lock and takes it.
    const first = contender(["hold", lock, counter]);
    await startTogether([first]);
    await first.saw("holding");
    assert.equal(readFileSync(lock, "utf8"), String(first.child.pid));
    // The paused one wakes up and goes on from its judgement: it must not remove a live lock.
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(readFileSync(lock, "utf8"), String(first.child.pid), "the live holder keeps its lock");
    const lateHolds = late.saw("holding").then(() => true);
    assert.equal(await Promise.race([lateHolds, new Promise((r) => setTimeout(() => r(false), 300))]), false);
    // Once the holder is gone, the waiting one gets it.
    first.child.kill("SIGKILL");
    await first.exited;
    await late.saw("holding");
  });
});
