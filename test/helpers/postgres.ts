// A throwaway PostgreSQL server for the tests (issue 18): Debian's own binaries, a cluster
// made by initdb in a temp dir with trust auth, listening on a unix socket in that dir and on
// a free loopback port, stopped and deleted at the end (and at process exit, so a test that
// crashed leaves no server behind). No mock database. initdb refuses to run as root, so as
// root the cluster belongs to the `postgres` user the Debian package creates.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import "./isolation.ts";

export interface Postgres {
  /** The directory holding the server's unix socket (a `host` for pg). */
  socketDir: string;
  port: number;
  /** The database superuser (trust auth: no password). */
  user: string;
  /** postgres://gt@127.0.0.1:<port>/postgres */
  dsn: string;
  /** A DSN for another database of the same server. */
  dsnFor(database: string): string;
  /** Stops the server (immediate shutdown) and removes its files. */
  stop(): void;
}

const USER = "gt";

/** Where initdb, pg_ctl and postgres are: PATH, else Debian's versioned directory. */
export function postgresBinDir(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
  const candidates = [
    ...(onPath ? [join(onPath, "..")] : []),
    ...(existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql")
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  // pg_ctl on PATH may be Debian's wrapper without initdb beside it: want all three.
  return candidates.find((d) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(d, b))));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)");
  // Not a scratchDir: those are removed by an after() hook that may run before stop().
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "gt-pg-")));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  // As root, the cluster's files and the server process belong to the postgres user.
  const owner = asRoot
    ? Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    : undefined;
  if (owner !== undefined) {
    chownSync(dir, owner, -1);
    chmodSync(dir, 0o755);
  }
  const run = (cmd: string, args: string[]) => {
    const argv = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    return execFileSync(argv[0] as string, argv[1] as string[], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  };
  run("initdb", ["-D", data, "-U", USER, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  const opts = [
    `-k ${dir}`,
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    // A test cluster: durability is not what is tested here, speed is welcome.
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  let pid: number | undefined;
  const stop = () => {
    if (pid !== undefined) {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Its files gone or pg_ctl failing: end the postmaster itself (it ends its children).
        try {
          process.kill(pid, "SIGQUIT");
        } catch {
          // already gone
        }
      }
      pid = undefined;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  } catch (e) {
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "";
    stop();
    throw new Error(`PostgreSQL did not start: ${(e as Error).message}\n${log}`);
  }
  pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  process.once("exit", stop);
  const dsnFor = (database: string) => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  return { socketDir: dir, port, user: USER, dsn: dsnFor("postgres"), dsnFor, stop };
}
