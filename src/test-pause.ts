// Test-only crash points. A test that must prove a command survives kill -9 at an exact
// moment sets GT_TEST_PAUSE=<point> and GT_TEST_PAUSE_FILE=<path>: when the command reaches
// that point it writes the file and blocks (for GT_TEST_PAUSE_MS, else until killed), and
// the test kills it there or races it. Without both variables (every real run) a no-op.
import { writeFileSync } from "node:fs";

export function testPause(point: string): void {
  const file = process.env.GT_TEST_PAUSE_FILE;
  if (!file || process.env.GT_TEST_PAUSE !== point) return;
  writeFileSync(file, `${process.pid}\n`);
  const ms = Number(process.env.GT_TEST_PAUSE_MS);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms > 0 ? ms : undefined);
}
