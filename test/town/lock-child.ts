// A separate process for test/town/lock.test.ts (not a test itself). It prints "ready", waits
// for "go" on stdin (so every contender starts at once), then:
//   count <lock> <counter> <times>: <times> read-increment-writes of <counter>, each under the
//     lock, with a pause between the read and the write where another process can step in;
//   hold <lock> <counter>: takes the lock, reads the counter, prints "holding" and waits to be
//     killed, never writing.
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { withFileLock } from "../../src/town/lock.ts";

const [mode, lock, counter, times] = process.argv.slice(2) as [string, string, string, string?];
const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.on("line", (l) => l === "go" && resolve()));
process.stdout.write("ready\n");
await go;
lines.close();

if (mode === "count") {
  for (let i = 0; i < Number(times); i++)
    await withFileLock(lock, async () => {
      const n = Number(readFileSync(counter, "utf8"));
      await sleep(2);
      writeFileSync(counter, String(n + 1));
    });
  process.stdout.write("done\n");
} else if (mode === "hold") {
  await withFileLock(lock, async () => {
    readFileSync(counter, "utf8");
    process.stdout.write("holding\n");
    await new Promise(() => setInterval(() => {}, 1000));
  });
} else throw new Error(`unknown mode ${mode}`);
