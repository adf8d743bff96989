// The chaos: kill -9 of one kind of process at a random moment of a round. Kinds: a `bd`
// process (the noise writer keeps some running), a `gt sling` (killed by the round, which
// starts the slings), the script agent's `gt done`, the refinery's `gt refinery serve`,
// a script agent, and the town's tmux server.

import { BD, GT, type Running, sleep, start } from "./exec.ts";
import { envOf, isGt, kill9, listProcs, type Proc, townProcs, treeOf } from "./proc.ts";
import { tmuxServerPid, type World } from "./world.ts";

export const KILL_KINDS = ["bd", "sling", "done", "refinery", "agent", "tmux"] as const;
export type KillKind = (typeof KILL_KINDS)[number];

export interface Kill {
  kind: KillKind;
  /** ms since the slings began. */
  at: number;
  pid: number;
  what: string;
}

export type Rng = () => number;

export const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo));
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Processes of this town whose argv matches; environment checked only for argv matches. */
function find(w: World, match: (p: Proc) => boolean): Proc[] {
  return listProcs(false).filter(
    (p) => p.pid !== process.pid && match(p) && envOf(p.pid, "GT_TMUX_SOCKET") === w.socket,
  );
}

/**
 * Background bd writers: comments and labels on the work beads, small beads created and
 * closed, so that bd processes are running (and competing for the ledger) all through the
 * round. When told to, kills some of them mid-write.
 */
export class NoiseWriter {
  private stopped = false;
  private loop: Promise<void> | undefined;
  readonly kills: Kill[] = [];
  writes = 0;

  private readonly w: World;
  private readonly rng: Rng;
  private readonly t0: number;
  /** How many bd processes are still to be killed (0: none). */
  private killsWanted: number;

  constructor(w: World, rng: Rng, t0: number, killsWanted: number) {
    this.w = w;
    this.rng = rng;
    this.t0 = t0;
    this.killsWanted = killsWanted;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    let n = 0;
    const noise: Array<{ rig: string; id: string }> = [];
    while (!this.stopped) {
      n++;
      const b = pick(this.rng, this.w.beads);
      const roll = this.rng();
      let args: string[];
      let rig = b.rig;
      if (roll < 0.4) args = ["comments", "add", b.id, `chaos note ${n}`];
      else if (roll < 0.6) args = ["label", "add", b.id, "chaos-noise"];
      else if (roll < 0.8 || noise.length === 0)
        args = ["create", `noise ${n}`, "-t", "chore", "-p", "4", "--silent"];
      else {
        const x = noise.splice(Math.floor(this.rng() * noise.length), 1)[0]!;
        rig = x.rig;
        args = ["close", x.id, "--reason", "noise"];
      }
      const run: Running = start(BD, args, {
        cwd: `${this.w.root}/${rig}`,
        env: this.w.env,
        timeoutMs: 30_000,
      });
      if (this.killsWanted > 0 && this.rng() < 0.35) {
        await sleep(between(this.rng, 5, 90));
        if (kill9(run.pid)) {
          this.killsWanted--;
          this.kills.push({
            kind: "bd",
            at: Date.now() - this.t0,
            pid: run.pid,
            what: `bd ${args.slice(0, 2).join(" ")}`,
          });
        }
      }
      const r = await run.done;
      this.writes++;
      if (args[0] === "create" && r.code === 0 && r.stdout.trim()) noise.push({ rig, id: r.stdout.trim() });
      await sleep(between(this.rng, 30, 150));
    }
  }
}

/**
 * Waits a random while, then kills one process of `kind` (done, agent, refinery, tmux).
 * Gives up at `deadline` (the kill is then missed). Never throws.
 */
export async function killOne(
  w: World,
  kind: Exclude<KillKind, "bd" | "sling">,
  rng: Rng,
  t0: number,
  deadline: number,
  stop: () => boolean,
): Promise<Kill | undefined> {
  const record = (pid: number, what: string): Kill => ({ kind, at: Date.now() - t0, pid, what });
  switch (kind) {
    case "done": {
      await sleep(between(rng, 0, 5000));
      const extra = between(rng, 0, 350);
      while (Date.now() < deadline && !stop()) {
        const found = find(w, (p) => isGt(p, "done"));
        if (found.length > 0) {
          const p = pick(rng, found);
          await sleep(extra);
          if (kill9(p.pid))
            return record(
              p.pid,
              `gt ${p.argv.slice(p.argv.findIndex((a) => a.endsWith("gt.cjs")) + 1).join(" ")}`,
            );
        }
        await sleep(20);
      }
      return undefined;
    }
    case "agent": {
      await sleep(between(rng, 300, 7000));
      while (Date.now() < deadline && !stop()) {
        const found = find(w, (p) => isGt(p, "script-agent"));
        if (found.length > 0) {
          const p = pick(rng, found);
          const session = envOf(p.pid, "GT_SESSION") ?? "?";
          if (kill9(p.pid)) return record(p.pid, `script-agent of ${session}`);
        }
        await sleep(100);
      }
      return undefined;
    }
    case "refinery": {
      await sleep(between(rng, 500, 9000));
      if (rng() < 0.3) {
        // A person working the queue by hand (`gt refinery run-once`), killed mid-run; it
        // takes turns with the running refinery on the rig's refinery lock.
        while (Date.now() < deadline && !stop()) {
          const rig = pick(rng, w.rigs).name;
          const run = start(GT, ["refinery", "run-once", rig], {
            cwd: w.root,
            env: w.env,
            timeoutMs: 120_000,
          });
          const after = between(rng, 50, 1500);
          await sleep(after);
          const killed = kill9(run.pid);
          const r = await run.done;
          if (killed && r.signal === "SIGKILL")
            return record(run.pid, `gt refinery run-once ${rig} (+${after} ms)`);
          await sleep(300);
        }
        return undefined;
      }
      const busy = rng() < 0.5;
      while (Date.now() < deadline && !stop()) {
        const found = find(w, (p) => isGt(p, "refinery", "serve"));
        if (found.length > 0) {
          const p = pick(rng, found);
          const session = envOf(p.pid, "GT_SESSION") ?? "?";
          if (busy) {
            // Wait until it is doing something (a git or gate child), then strike.
            const until = Date.now() + 4000;
            while (Date.now() < until && treeOf(p.pid, listProcs()).length <= 1) await sleep(15);
            await sleep(between(rng, 0, 120));
          }
          if (kill9(p.pid)) return record(p.pid, `refinery serve of ${session}${busy ? " (busy)" : ""}`);
        }
        await sleep(100);
      }
      return undefined;
    }
    case "tmux": {
      await sleep(between(rng, 300, 9000));
      while (Date.now() < deadline && !stop()) {
        const pid = tmuxServerPid(w.socket);
        if (pid && kill9(pid)) return record(pid, "tmux server");
        await sleep(100);
      }
      return undefined;
    }
  }
}

/** Kills every process left of a town (by pid, those naming its socket) and its tmux server. */
export function killTown(w: World): number {
  const server = tmuxServerPid(w.socket);
  if (server) kill9(server);
  let n = 0;
  for (let round = 0; round < 3; round++) {
    const left = townProcs(w.socket, listProcs(false));
    if (left.length === 0) break;
    for (const p of left) if (kill9(p.pid)) n++;
  }
  return n;
}
