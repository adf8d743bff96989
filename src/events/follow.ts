// The in-process follower of `<town>/.events.jsonl`: one fs.watch on the town directory (so a
// log created later is seen too) and a byte offset, reading only the bytes appended since the
// last read. No polling loop: on Linux inotify reports every append to a watched directory's
// children, so a change callback is the only thing that makes the follower read.
import { closeSync, existsSync, type FSWatcher, fstatSync, openSync, readSync, watch } from "node:fs";
import { join } from "node:path";
import { EVENTS_FILE, type TownEvent } from "./log.ts";

export interface FollowOptions {
  /** Replay only events at or after this time (ignored with fromEnd). */
  since?: Date | number;
  /** Start at the end of the log: only events appended after the call are delivered. */
  fromEnd?: boolean;
  /** Called when the watch itself fails (the town directory went away); the follower stops. */
  onError?: (err: Error) => void;
}

export interface Follower {
  /** Stops watching; no event is delivered after it returns. */
  close(): void;
  /** Reads whatever was appended now (a caller that knows it just wrote can skip the wait). */
  poke(): void;
}

/** One log line as an event, or undefined for a torn, blank or hand-edited line. */
export function parseEventLine(line: string): TownEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const e = JSON.parse(line) as TownEvent;
    return e && typeof e === "object" && typeof e.type === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}

function sinceMs(since: Date | number | undefined): number | undefined {
  if (since === undefined) return undefined;
  return typeof since === "number" ? since : since.getTime();
}

/**
 * Follows the town's event log. Events already in the log (from `since`, or none with
 * `fromEnd`) are delivered before this returns; later appends as they happen, in order.
 */
export function followEvents(
  townRoot: string,
  opts: FollowOptions,
  onEvent: (event: TownEvent) => void,
): Follower {
  const file = join(townRoot, EVENTS_FILE);
  const from = sinceMs(opts.since);
  let offset = 0;
  let partial: Buffer = Buffer.alloc(0);
  let closed = false;

  const deliver = (line: string) => {
    const e = parseEventLine(line);
    if (!e) return;
    if (from !== undefined && !(Date.parse(e.ts) >= from)) return;
    onEvent(e);
  };

  const readAppended = () => {
    if (closed || !existsSync(file)) return;
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      // A log shorter than our offset was replaced or truncated: start it over.
      if (size < offset) {
        offset = 0;
        partial = Buffer.alloc(0);
      }
      while (offset < size && !closed) {
        const chunk = Buffer.alloc(Math.min(size - offset, 1 << 20));
        const n = readSync(fd, chunk, 0, chunk.length, offset);
        if (n <= 0) break;
        offset += n;
        // Split on newline bytes, not characters: a multi-byte character may straddle reads.
        let data = partial.length ? Buffer.concat([partial, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let nl = data.indexOf(0x0a);
        while (nl !== -1 && !closed) {
          deliver(data.subarray(0, nl).toString("utf8"));
          data = data.subarray(nl + 1);
          nl = data.indexOf(0x0a);
        }
        // Keep the unfinished last line for the next read.
        partial = Buffer.from(data);
      }
    } finally {
      closeSync(fd);
    }
  };

  // Watch first, then read: an append between the two is read by the first callback.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(townRoot, { persistent: true }, (_kind, name) => {
      if (name === null || name === EVENTS_FILE) readAppended();
    });
    watcher.on("error", (err) => {
      watcher?.close();
      opts.onError?.(err);
    });
  } catch (err) {
    opts.onError?.(err as Error);
  }

  if (opts.fromEnd) {
    try {
      if (existsSync(file)) offset = fstatSyncSize(file);
    } catch {
      offset = 0;
    }
  } else readAppended();

  return {
    close() {
      closed = true;
      watcher?.close();
    },
    poke: readAppended,
  };
}

function fstatSyncSize(file: string): number {
  const fd = openSync(file, "r");
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** The same stream as an async iterator (for `for await` loops); break or return() closes it. */
export function eventStream(townRoot: string, opts: FollowOptions = {}): AsyncIterableIterator<TownEvent> {
  const queue: TownEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const follower = followEvents(townRoot, opts, (e) => {
    queue.push(e);
    wake?.();
  });
  const iterator: AsyncIterableIterator<TownEvent> = {
    async next() {
      while (!done && queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const value = queue.shift();
      return value ? { value, done: false } : { value: undefined, done: true };
    },
    async return() {
      done = true;
      follower.close();
      wake?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
