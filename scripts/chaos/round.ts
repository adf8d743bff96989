// One chaos round: a fresh town, the work slung, one kind of process killed with SIGKILL at
// a random moment, the user's recovery, then every invariant checked.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prng } from "../../bench/lib.ts";
import { GT, type Result, type Running, sleep, start } from "./exec.ts";
import { checkRound, Tally } from "./invariants.ts";
import { between, type Kill, type KillKind, killOne, killTown, NoiseWriter, type Rng } from "./killer.ts";
import { kill9 } from "./proc.ts";
import { Recorder } from "./recorder.ts";
import { type Action, User } from "./user.ts";
import { buildWorld, type World } from "./world.ts";

export interface RoundOptions {
  index: number;
  seed: number;
  kind: KillKind;
  /** Keep the town's directory when a violation is found ("all": always). */
  keep: boolean | "all";
  /** Longest a round may take from the slings to the convoy landing. */
  budgetMs: number;
  /** How often a round has a bead whose agent strays onto main (0..1). */
  strayRate: number;
  log: (line: string) => void;
}

export interface RoundResult {
  index: number;
  seed: number;
  kind: KillKind;
  kills: Kill[];
  /** The bead whose agent strayed onto main this round, if any ("b1 (be-x2)"). */
  stray: string | null;
  landed: boolean;
  tally: Tally;
  actions: Map<Action, number>;
  timeline: string[];
  ms: number;
  /** Where the town was kept (violations and --keep), else null. */
  kept: string | null;
  error: string | null;
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

interface SlingCall {
  wave: 1 | 2;
  rig: string;
  ids: string[];
}

/**
 * The slings, as work arrives: three beads per rig at once (in one call or two), then the
 * other two per rig once that rig has an idle polecat (so they reuse a sandbox), or after
 * 8 s. When `killSling`, one of the calls is killed a random while after it starts.
 */
class Slinger {
  readonly results: Array<{ call: SlingCall; result: Result }> = [];
  kill: Kill | undefined;
  private readonly calls: SlingCall[] = [];
  private victim: number;
  private readonly w: World;
  private readonly rng: Rng;
  private readonly t0: number;
  private readonly user: User;

  constructor(w: World, rng: Rng, t0: number, user: User, killSling: boolean) {
    this.w = w;
    this.rng = rng;
    this.t0 = t0;
    this.user = user;
    for (const r of w.rigs) {
      const ids = shuffle(
        rng,
        w.beads.filter((b) => b.rig === r.name).map((b) => b.id),
      );
      const first = ids.slice(0, 3);
      if (rng() < 0.5) this.calls.push({ wave: 1, rig: r.name, ids: first });
      else
        this.calls.push(
          { wave: 1, rig: r.name, ids: first.slice(0, 1) },
          { wave: 1, rig: r.name, ids: first.slice(1) },
        );
      this.calls.push({ wave: 2, rig: r.name, ids: ids.slice(3) });
    }
    this.victim = killSling ? Math.floor(rng() * this.calls.length) : -1;
  }

  private async slingCall(i: number): Promise<void> {
    const call = this.calls[i]!;
    for (const id of call.ids) this.user.slung.add(id);
    const r: Running = start(GT, ["sling", ...call.ids, call.rig, "--agent", "script", "--json"], {
      cwd: this.w.root,
      env: this.w.env,
      timeoutMs: 120_000,
    });
    let killed: Kill | undefined;
    if (i === this.victim) {
      const after = between(this.rng, 30, 350 + 450 * call.ids.length);
      void sleep(after).then(() => {
        if (kill9(r.pid))
          killed = {
            kind: "sling",
            at: Date.now() - this.t0,
            pid: r.pid,
            what: `gt sling ${call.ids.join(" ")} ${call.rig} (wave ${call.wave}, +${after} ms)`,
          };
      });
    }
    const result = await r.done;
    // A kill timed after the sling had finished found nothing to kill: a miss.
    if (killed && result.signal === "SIGKILL") {
      this.kill = killed;
      this.user.note(`KILLED ${killed.what}`);
    } else if (i === this.victim && call.wave === 1) {
      // Missed (it finished first): the kill goes to one of the second wave's slings instead.
      const later = [...this.calls.keys()].filter((k) => this.calls[k]!.wave === 2);
      this.victim = later[Math.floor(this.rng() * later.length)] ?? -1;
    }
    this.results.push({ call, result });
  }

  async wave1(): Promise<void> {
    const runs: Array<Promise<void>> = [];
    for (const [i, c] of this.calls.entries()) {
      if (c.wave !== 1) continue;
      await sleep(between(this.rng, 0, 300));
      runs.push(this.slingCall(i));
    }
    await Promise.all(runs);
  }

  async wave2(): Promise<void> {
    await Promise.all(
      [...this.calls.entries()]
        .filter(([, c]) => c.wave === 2)
        .map(async ([i, c]) => {
          const until = Date.now() + 8000;
          while (Date.now() < until) {
            const r = await this.w.gt(["polecat", "list", c.rig, "--json"], { timeoutMs: 30_000 });
            try {
              if ((JSON.parse(r.stdout) as Array<{ state: string }>).some((p) => p.state === "idle")) break;
            } catch {
              // look again
            }
            await sleep(400);
          }
          this.user.note(`wave 2 sling: ${c.ids.join(" ")} → ${c.rig}`);
          await this.slingCall(i);
        }),
    );
  }
}

export async function runRound(o: RoundOptions): Promise<RoundResult> {
  const rng = prng(o.seed);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `gt-chaos-${o.index}-`));
  const socket = `gt-chaos-${process.pid}-${o.index}-${Math.floor(rng() * 1e6).toString(36)}`;
  const tally = new Tally();
  const kills: Kill[] = [];
  let w: World | undefined;
  let user: User | undefined;
  let landed = false;
  let error: string | null = null;
  try {
    w = await buildWorld(dir, socket, rng, `${o.index}`, o.strayRate);
    const rec = new Recorder(w.rigs);
    rec.start(150);
    const t0 = Date.now();
    const noise = new NoiseWriter(w, rng, t0, o.kind === "bd" ? 3 : 0);
    noise.start();
    let over = false;
    const killer =
      o.kind === "bd" || o.kind === "sling"
        ? Promise.resolve(undefined)
        : killOne(w, o.kind, rng, t0, t0 + 20_000, () => over);
    user = new User(w, rng, t0);
    const slinger = new Slinger(w, rng, t0, user, o.kind === "sling");
    await slinger.wave1();
    user.note("wave 1 slings done");
    const recovered = user.recover(t0 + o.budgetMs);
    await slinger.wave2();
    if (slinger.kill) kills.push(slinger.kill);
    for (const { result: r } of slinger.results) {
      if (r.code === 0 || r.signal === "SIGKILL") continue;
      let why = r.stderr.trim().split("\n").pop() ?? "";
      try {
        const rep = JSON.parse(r.stdout) as { failures: Array<{ bead: string; error: string }> };
        why = rep.failures.map((f) => `${f.bead}: ${f.error}`).join("; ");
      } catch {
        // stderr says it
      }
      user.note(`sling exit ${r.code}: ${why.slice(0, 300)}`);
    }
    // The noise stops once its kills are done (or after 10 s); the killer once it struck.
    void (async () => {
      while (
        Date.now() - t0 < 10_000 ||
        (o.kind === "bd" && noise.kills.length < 3 && Date.now() - t0 < 20_000)
      )
        await sleep(200);
      await noise.stop();
    })();
    const k = await killer;
    if (k) {
      kills.push(k);
      user.note(`KILLED ${k.what} (pid ${k.pid}) at +${(k.at / 1000).toFixed(1)}s`);
    }
    landed = await recovered;
    over = true;
    await noise.stop();
    kills.push(...noise.kills);
    rec.poll();
    rec.stop();
    killTown(w);
    await sleep(300);
    rec.poll();
    await checkRound(w, rec, user.record, tally);
  } catch (e) {
    error = (e as Error).stack ?? String(e);
  } finally {
    if (w) killTown(w);
  }
  const bad = tally.violations.length > 0 || error !== null;
  const kept = (bad && o.keep) || o.keep === "all" ? dir : null;
  if (!kept) rmSync(dir, { recursive: true, force: true });
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  return {
    index: o.index,
    seed: o.seed,
    kind: o.kind,
    kills,
    stray: (() => {
      const s = w?.beads.find((b) => b.kind === "stray");
      return s ? `${s.key} (${s.id})` : null;
    })(),
    landed,
    tally,
    actions: user?.actions ?? new Map(),
    timeline: user?.timeline ?? [],
    ms: Date.now() - started,
    kept,
    error,
  };
}
