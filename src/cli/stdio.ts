// What gt and bd print goes out through fs.writeSync on fds 1 and 2, not process.stdout and
// process.stderr: the first touch of either builds a Node stream (node:stream, its duplex and
// pipeline helpers: ~5 ms of every start, measured in a profile of `bd show`). On Linux
// process.stdout writes to files, pipes and terminals synchronously anyway, so the output is
// the same, in the same order as any stream write made elsewhere.
import { writeSync } from "node:fs";

/** A tiny pause for a full non-blocking pipe (a stream on a shared fd can set O_NONBLOCK); made on first need, not at every start. */
let pause: Int32Array | undefined;

function writeAll(fd: 1 | 2, text: string): void {
  let bytes = Buffer.from(text, "utf8");
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        pause ??= new Int32Array(new SharedArrayBuffer(4));
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      // `bd list | head` closes the pipe early: that is the reader's choice, not an error.
      if (code === "EPIPE") {
        if (fd === 1) process.exit(process.exitCode ?? 0);
        return;
      }
      throw e;
    }
  }
}

/** Writes `text` to stdout as it is (add the newline yourself). */
export function writeOut(text: string): void {
  writeAll(1, text);
}

/** Writes `text` to stderr as it is (add the newline yourself). */
export function writeErr(text: string): void {
  writeAll(2, text);
}

/** Milliseconds since `since` (a process.hrtime.bigint()), without loading node:perf_hooks. */
export function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}
