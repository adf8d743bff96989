// The runtime for machines without tmux: each session is a detached process group whose
// output is appended to <stateDir>/<name>/output.log and whose stdin is a FIFO there, with
// meta.json recording the PID and its start time (so a reused PID is never the session).
import type { spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type * as Readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { runChecked } from "../adapters/process.ts";
import { ConflictError, GasTownError, NotFoundError } from "../errors.ts";
import { lazyChildProcess } from "../lazy.ts";
import type { RuntimeProvider, SessionInfo, SessionKey, SessionSpec } from "./provider.ts";
import {
  checkSpec,
  DEFAULT_CAPTURE_LINES,
  DEFAULT_GRACE_MS,
  DEFAULT_SCREEN_LINES,
  hasProcFs,
  isRunning,
  isValidSessionName,
  processStartTime,
  sessionEnvironment,
  stopProcesses,
  tidyOutput,
} from "./support.ts";

interface Meta {
  name: string;
  pid: number;
  cwd: string;
  command: string[];
  created_at: string;
  /** /proc/<pid>/stat field 22; absent where there is no /proc. */
  start_time?: string;
}

interface Paths {
  dir: string;
  meta: string;
  log: string;
  input: string;
}

// Start time recorded when the process was already gone before we could read it.
const EXITED = "exited";

/** What a terminal sends for each key, written into the session's input FIFO. */
const KEY_BYTES: Record<SessionKey, string> = {
  Enter: "\n",
  "C-u": "\x15",
  Up: "\x1b[A",
  Down: "\x1b[B",
  Right: "\x1b[C",
  Left: "\x1b[D",
  Escape: "\x1b",
  Tab: "\t",
  Space: " ",
};

export class SubprocessProvider implements RuntimeProvider {
  readonly kind = "subprocess" as const;
  readonly stateDir: string;

  constructor(opts: { stateDir: string }) {
    this.stateDir = opts.stateDir;
  }

  private paths(name: string): Paths {
    const dir = join(this.stateDir, name);
    return { dir, meta: join(dir, "meta.json"), log: join(dir, "output.log"), input: join(dir, "input") };
  }

  /** The session's metadata; undefined for an unknown (or invalid) name. */
  private readMeta(name: string): Meta | undefined {
    if (!isValidSessionName(name)) return undefined;
    let text: string;
    try {
      text = readFileSync(this.paths(name).meta, "utf8");
    } catch {
      return undefined;
    }
    try {
      const m = JSON.parse(text) as Meta;
      return { ...m, name, pid: Number(m.pid) || 0 };
    } catch {
      return { name, pid: 0, cwd: "", command: [], created_at: "" }; // unreadable: a zombie
    }
  }

  private alive(meta: Meta): boolean {
    return isRunning(meta.pid, meta.start_time);
  }

  async start(spec: SessionSpec): Promise<void> {
    checkSpec(spec);
    const old = this.readMeta(spec.name);
    if (old && this.alive(old))
      throw new ConflictError("session_exists", `session ${spec.name} already running`);
    if (old) await this.stop(spec.name, { graceMs: 0 });

    const p = this.paths(spec.name);
    mkdirSync(p.dir, { recursive: true });
    if (existsSync(p.log)) renameSync(p.log, `${p.log}.1`);
    rmSync(p.input, { force: true });
    await runChecked("mkfifo", [p.input]);

    const pid = await this.spawnDetached(spec, p);
    const meta: Meta = {
      name: spec.name,
      pid,
      cwd: spec.cwd,
      command: spec.command,
      created_at: new Date().toISOString(),
      ...(hasProcFs() ? { start_time: processStartTime(pid) ?? EXITED } : {}),
    };
    writeFileSync(`${p.meta}.tmp`, `${JSON.stringify(meta, null, 2)}\n`);
    renameSync(`${p.meta}.tmp`, p.meta);
  }

  /**
   * Spawns the command in its own session and process group (so it outlives the CLI and
   * can be stopped as a group). It runs through `sh -c 'exec "$@"'` so a missing program is
   * reported in the log and leaves a zombie, as under tmux. Stdin is the FIFO opened
   * read-write: that never blocks and the child never sees EOF when a writer closes.
   */
  private async spawnDetached(spec: SessionSpec, p: Paths): Promise<number> {
    const out = openSync(p.log, "a");
    const input = openSync(p.input, "r+");
    let child: ReturnType<typeof spawn>;
    try {
      child = lazyChildProcess().spawn("/bin/sh", ["-c", 'exec "$@"', "sh", ...spec.command], {
        cwd: spec.cwd,
        env: sessionEnvironment(spec),
        detached: true,
        stdio: [input, out, out],
      });
    } finally {
      closeSync(input);
      closeSync(out);
    }
    if (child.pid === undefined) {
      const [err] = (await once(child, "error")) as [Error];
      throw new GasTownError("spawn_failed", `session ${spec.name}: cannot start: ${err.message}`);
    }
    child.on("error", () => {});
    child.unref();
    return child.pid;
  }

  async stop(name: string, opts: { graceMs?: number } = {}): Promise<boolean> {
    const meta = this.readMeta(name);
    if (!meta) return false;
    await stopProcesses(meta.pid, this.alive(meta), opts.graceMs ?? DEFAULT_GRACE_MS);
    // output.log stays for a later look; without meta.json the session is gone from list().
    const p = this.paths(name);
    rmSync(p.meta, { force: true });
    rmSync(p.input, { force: true });
    return true;
  }

  async isAlive(name: string): Promise<boolean> {
    const meta = this.readMeta(name);
    return meta !== undefined && this.alive(meta);
  }

  async sendText(name: string, text: string): Promise<void> {
    const meta = this.readMeta(name);
    if (!meta || !this.alive(meta)) throw new NotFoundError(name, `session ${name} is not running`);
    await writeFifo(name, this.paths(name).input, `${text}\n`);
  }

  /**
   * A subprocess session's input behaves like a terminal whose program turned bracketed
   * paste on: the text arrives between the paste markers, with no Enter.
   */
  async paste(name: string, text: string): Promise<void> {
    const meta = this.readMeta(name);
    if (!meta || !this.alive(meta)) throw new NotFoundError(name, `session ${name} is not running`);
    await writeFifo(name, this.paths(name).input, `\x1b[200~${text}\x1b[201~`);
  }

  async pressKey(name: string, key: SessionKey): Promise<void> {
    const meta = this.readMeta(name);
    if (!meta || !this.alive(meta)) throw new NotFoundError(name, `session ${name} is not running`);
    await writeFifo(name, this.paths(name).input, KEY_BYTES[key]);
  }

  /** No terminal here: the latest output stands for the screen. */
  async screen(name: string): Promise<string> {
    return this.capture(name, DEFAULT_SCREEN_LINES);
  }

  /** Works for stopped sessions too, as long as their output.log is there. */
  async capture(name: string, lines = DEFAULT_CAPTURE_LINES): Promise<string> {
    const log = this.paths(name).log;
    if (!isValidSessionName(name) || !existsSync(log)) throw new NotFoundError(name, `no session ${name}`);
    return tidyOutput(readTail(log, lines), lines);
  }

  attach(name: string): Promise<number> {
    return this.follow(name, process.stdin, process.stdout);
  }

  /**
   * attach with explicit streams: prints the recent output, then follows the log (like
   * tail -f) while sending each input line to the session, until the session ends, input
   * ends, or SIGINT. Resolves 0.
   */
  async follow(name: string, input: Readable, output: Writable): Promise<number> {
    const meta = this.readMeta(name);
    if (!meta) throw new NotFoundError(name, `no session ${name}`);
    const log = this.paths(name).log;
    let offset = fileSize(log);
    const recent = tidyOutput(readTail(log, DEFAULT_CAPTURE_LINES, offset), DEFAULT_CAPTURE_LINES);
    if (recent) output.write(`${recent}\n`);

    return new Promise<number>((resolve) => {
      const readline = process.getBuiltinModule("node:readline") as typeof Readline; // loaded on first use
      const lines = readline.createInterface({ input, terminal: false });
      let sending = Promise.resolve();
      let done = false;
      const pump = () => {
        offset = copyNew(log, offset, output);
      };
      const finish = () => {
        if (done) return;
        done = true;
        clearInterval(timer);
        process.off("SIGINT", finish);
        lines.close();
        void sending.then(() => {
          pump();
          resolve(0);
        });
      };
      const timer = setInterval(() => {
        pump();
        if (!this.readMeta(name) || !this.alive(meta)) finish();
      }, 100);
      lines.on("line", (line) => {
        sending = sending
          .then(() => this.sendText(name, line))
          .catch((e: Error) => {
            output.write(`${e.message}\n`);
          });
      });
      lines.on("close", () => void sending.then(finish));
      process.once("SIGINT", finish);
    });
  }

  async list(): Promise<SessionInfo[]> {
    let names: string[];
    try {
      names = readdirSync(this.stateDir);
    } catch {
      return [];
    }
    const out: SessionInfo[] = [];
    for (const name of names.sort()) {
      const meta = this.readMeta(name);
      if (!meta) continue;
      out.push({
        name,
        alive: this.alive(meta),
        ...(meta.pid > 0 ? { pid: meta.pid } : {}),
        ...(meta.created_at ? { createdAt: meta.created_at } : {}),
      });
    }
    return out;
  }
}

/** Writes to the session's FIFO without ever blocking on it; no reader means not running. */
async function writeFifo(name: string, path: string, text: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENXIO" || code === "ENOENT")
      throw new NotFoundError(name, `session ${name} is not running`);
    throw e;
  }
  try {
    const buf = Buffer.from(text);
    const deadline = Date.now() + 5000;
    for (let done = 0; done < buf.length; ) {
      try {
        done += writeSync(fd, buf, done);
      } catch (e) {
        // A full pipe: the session is not reading its input right now.
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN" || Date.now() > deadline)
          throw new GasTownError("input_blocked", `session ${name} is not reading its input`);
        await sleep(20);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function fileSize(path: string): number {
  try {
    const fd = openSync(path, "r");
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

/** Text from the end of a file back to where it holds more than `lines` lines (or 8 MiB). */
function readTail(path: string, lines: number, end = fileSize(path)): string {
  if (end <= 0) return "";
  const chunks: Buffer[] = [];
  let pos = end;
  let newlines = 0;
  const fd = openSync(path, "r");
  try {
    while (pos > 0 && newlines <= lines && end - pos < 8 << 20) {
      const n = Math.min(64 * 1024, pos);
      pos -= n;
      const buf = Buffer.alloc(n);
      readSync(fd, buf, 0, n, pos);
      chunks.unshift(buf);
      for (const byte of buf) if (byte === 10) newlines++;
    }
  } finally {
    closeSync(fd);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Copies what the log gained since `offset` to `output`; returns the new offset. */
function copyNew(path: string, offset: number, output: Writable): number {
  const size = fileSize(path);
  if (size <= offset) return size < offset ? 0 : offset;
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  output.write(buf);
  return size;
}
