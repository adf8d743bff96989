// The person at the keyboard after the crash: looks at `bd list --json` and `gt polecat
// list --json`, and does what a user of Gas Town would do about work that stopped moving —
// re-slings it (`gt sling <bead> <rig>`, --force when that did not help), stops a session
// whose agent sits idle with work on its hook so the next sling resumes it, restarts a
// refinery that is down, fixes the description of the bead the gate rejected (or closes it
// by hand), reopens a bead left in progress with no merge request to carry it, and runs
// `gt convoy check` when every bead is closed but the convoy has not landed.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run, sleep } from "./exec.ts";
import type { UserRecord } from "./invariants.ts";
import type { Rng } from "./killer.ts";
import { fixedDescription, type WorkBead, type World } from "./world.ts";

interface ListedBead {
  id: string;
  status: string;
  assignee?: string;
  labels?: string[];
  issue_type: string;
  close_reason?: string;
  metadata?: Record<string, unknown>;
}

interface ListedPolecat {
  name: string;
  address: string;
  state: string;
  session: string;
  session_alive: boolean;
  hook: string | null;
}

export const ACTIONS = [
  "re-sling",
  "re-sling --force",
  "stop idle session",
  "rescue onto a branch",
  "fix description",
  "close by hand",
  "reopen stranded",
  "close merged by hand",
  "refinery start",
  "refinery restart",
  "convoy check",
] as const;
export type Action = (typeof ACTIONS)[number];

const MAX_SLINGS = 6;

export class User {
  readonly actions = new Map<Action, number>();
  readonly record: UserRecord = { closedByHand: new Set(), fixed: new Set() };
  readonly timeline: string[] = [];
  /** Beads slung so far (the user only looks after work that was handed out). */
  readonly slung = new Set<string>();
  /** Beads the user gave up on (re-slung MAX_SLINGS times without effect). */
  readonly gaveUp = new Set<string>();
  private readonly since = new Map<string, { key: string; at: number }>();
  private readonly slings = new Map<string, number>();
  private readonly lastRefineryAction = new Map<string, number>();
  private allClosedAt: number | undefined;

  private readonly w: World;
  private readonly rng: Rng;
  private readonly t0: number;

  constructor(w: World, rng: Rng, t0: number) {
    this.w = w;
    this.rng = rng;
    this.t0 = t0;
  }

  private did(a: Action, what: string): void {
    this.actions.set(a, (this.actions.get(a) ?? 0) + 1);
    this.note(`user: ${a}: ${what}`);
  }

  /** A line of the round's timeline, stamped with the time since the slings began. */
  note(what: string): void {
    this.timeline.push(`+${((Date.now() - this.t0) / 1000).toFixed(1).padStart(4)}s ${what}`);
  }

  /** How long a bead has been in its current state (as the user saw it). */
  private age(id: string, key: string, label: string): number {
    const s = this.since.get(id);
    if (!s || s.key !== key) {
      if (s?.key !== key) this.note(`seen: ${label} ${key.replaceAll("|", " ").trim()}`);
      this.since.set(id, { key, at: Date.now() });
      return 0;
    }
    return Date.now() - s.at;
  }

  private restart(id: string): void {
    const s = this.since.get(id);
    if (s) s.at = Date.now();
  }

  private async listBeads(rig: string): Promise<ListedBead[] | undefined> {
    const r = await this.w.bd(rig, ["list", "--all", "--json", "--limit", "0"], { timeoutMs: 30_000 });
    if (r.code !== 0) return undefined;
    try {
      return JSON.parse(r.stdout) as ListedBead[];
    } catch {
      return undefined;
    }
  }

  private async listPolecats(): Promise<Map<string, ListedPolecat>> {
    const r = await this.w.gt(["polecat", "list", "--json"], { timeoutMs: 30_000 });
    const out = new Map<string, ListedPolecat>();
    if (r.code !== 0) return out;
    try {
      for (const p of JSON.parse(r.stdout) as ListedPolecat[]) out.set(p.address, p);
    } catch {
      // half a listing: look again next time
    }
    return out;
  }

  /** The script agent's own transcript says it waits for work (and since when). */
  private idleSince(session: string): number | undefined {
    const file = join(this.w.root, ".runtime", "agent-logs", `${session}.jsonl`);
    if (!existsSync(file)) return undefined;
    const lines = readFileSync(file, "utf8").trim().split("\n");
    try {
      const last = JSON.parse(lines[lines.length - 1] ?? "") as { ts: string; text: string };
      return last.text.includes("waiting for work") ? Date.parse(last.ts) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * What the agent's last `gt done` said when it failed in its current piece of work, if
   * that was about the branch (not on one, or not its own): a person moves the commits onto
   * a polecat branch and runs gt done again, as the message tells them.
   */
  private branchRefusal(session: string): string | undefined {
    const file = join(this.w.root, ".runtime", "agent-logs", `${session}.jsonl`);
    if (!existsSync(file)) return undefined;
    const texts: string[] = [];
    for (const line of readFileSync(file, "utf8").trim().split("\n")) {
      try {
        texts.push((JSON.parse(line) as { text: string }).text);
      } catch {
        // a torn last line
      }
    }
    const failed = texts.findLastIndex((t) => t.includes("gt done failed"));
    if (failed < 0 || texts.findLastIndex((t) => t.includes("working on")) > failed) return undefined;
    const said = texts
      .slice(Math.max(0, failed - 8), failed)
      .filter((t) => t.startsWith("  > "))
      .map((t) => t.slice(4))
      .join(" ");
    return /not on a branch|pushes only your own|checkout -b polecat\//.test(said) ? said : undefined;
  }

  private readonly rescues = new Map<string, number>();

  private async rescue(b: WorkBead, p: ListedPolecat, said: string): Promise<void> {
    const n = (this.rescues.get(b.id) ?? 0) + 1;
    this.rescues.set(b.id, n);
    const sandbox = join(this.w.root, b.rig, "polecats", p.name, b.rig);
    const branch = `polecat/${p.name}/${b.id}-rescued-${n}`;
    const co = await run("git", ["checkout", "-q", "-b", branch], {
      cwd: sandbox,
      env: this.w.env,
      timeoutMs: 30_000,
    });
    const done = await this.w.gt(["done", "--issue", b.id], { cwd: sandbox, timeoutMs: 60_000 });
    this.did(
      "rescue onto a branch",
      `${b.id} (${b.key}) in ${p.name}'s sandbox (gt done had said: ${said.replace(/\s+/g, " ").slice(0, 120)}) → checkout -b ${branch} exit ${co.code}, gt done exit ${done.code}${done.code ? `: ${done.stderr.trim().split("\n").pop()}` : ""}`,
    );
    this.restart(b.id);
  }

  private async sling(b: WorkBead, why: string): Promise<void> {
    const n = (this.slings.get(b.id) ?? 0) + 1;
    this.slings.set(b.id, n);
    if (n > MAX_SLINGS) {
      if (!this.gaveUp.has(b.id))
        this.timeline.push(`gave up on ${b.id} (${b.key}) after ${MAX_SLINGS} slings`);
      this.gaveUp.add(b.id);
      return;
    }
    const force = n >= 2 && n % 2 === 0;
    const r = await this.w.gt(
      ["sling", b.id, b.rig, "--agent", "script", "--json", ...(force ? ["--force"] : [])],
      {
        timeoutMs: 90_000,
      },
    );
    let outcome = r.stderr.trim().split("\n").pop() ?? "";
    try {
      const rep = JSON.parse(r.stdout) as {
        outcomes: Array<{ action: string; polecat: string; session_action: string }>;
        failures: Array<{ error: string }>;
      };
      const o = rep.outcomes[0];
      outcome = o
        ? `${o.action} on ${o.polecat}, session ${o.session_action}`
        : (rep.failures[0]?.error ?? outcome);
    } catch {
      // error text above
    }
    this.did(force ? "re-sling --force" : "re-sling", `${b.id} (${b.key}, ${why}) → ${outcome}`);
    this.restart(b.id);
  }

  private async refinery(rig: string, openMrAge: number): Promise<void> {
    const last = this.lastRefineryAction.get(rig) ?? 0;
    if (Date.now() - last < 4000) return;
    const s = await this.w.gt(["refinery", "status", rig, "--json"], { timeoutMs: 30_000 });
    let state = "unknown";
    try {
      state = (JSON.parse(s.stdout) as { state: string }).state;
    } catch {
      // unknown
    }
    if (state !== "running") {
      this.lastRefineryAction.set(rig, Date.now());
      const r = await this.w.gt(["refinery", "start", rig], { timeoutMs: 60_000 });
      this.did(
        "refinery start",
        `${rig} (was ${state}) → exit ${r.code}${r.code ? `: ${r.stderr.trim().split("\n").pop()}` : ""}`,
      );
    } else if (openMrAge > 25_000) {
      this.lastRefineryAction.set(rig, Date.now());
      const r = await this.w.gt(["refinery", "restart", rig], { timeoutMs: 60_000 });
      this.did(
        "refinery restart",
        `${rig} (an MR waited ${Math.round(openMrAge / 1000)} s) → exit ${r.code}`,
      );
    }
  }

  /** One look and the actions it calls for: landed, stuck (given up), or go on. */
  async step(): Promise<"landed" | "stuck" | "going"> {
    const rows = new Map<string, ListedBead[]>();
    for (const r of this.w.rigs) {
      const list = await this.listBeads(r.name);
      if (!list) return "going";
      rows.set(r.name, list);
    }
    const polecats = await this.listPolecats();
    const mrOpenAge = new Map<string, number>();
    for (const b of this.w.beads) {
      const all = rows.get(b.rig)!;
      const row = all.find((x) => x.id === b.id);
      if (!row || !this.slung.has(b.id)) continue;
      const mrId = typeof row.metadata?.merge_request === "string" ? row.metadata.merge_request : undefined;
      const mr = mrId ? all.find((x) => x.id === mrId) : undefined;
      const key = `${row.status}|${row.assignee ?? ""}|${mr?.status ?? ""}`;
      const age = this.age(b.id, key, `${b.id} (${b.key})`);
      if (row.status === "closed" || this.gaveUp.has(b.id)) continue;
      if (row.status === "open") {
        if (b.kind === "bad" && row.labels?.includes("gt:rejected") && !this.record.fixed.has(b.id)) {
          if (this.rng() < 0.7) {
            const r = await this.w.bd(b.rig, ["update", b.id, "-d", fixedDescription(b)]);
            this.did("fix description", `${b.id} (${b.key}) → exit ${r.code}`);
            if (r.code === 0) this.record.fixed.add(b.id);
          } else {
            const r = await this.w.bd(b.rig, ["close", b.id, "--reason", "closed by hand: not worth fixing"]);
            this.did("close by hand", `${b.id} (${b.key}) → exit ${r.code}`);
            if (r.code === 0) this.record.closedByHand.add(b.id);
          }
          this.restart(b.id);
          continue;
        }
        if (age >= 1000) await this.sling(b, "open");
        continue;
      }
      if (row.status === "hooked") {
        const p = polecats.get(row.assignee ?? "");
        if (!p?.session_alive) {
          if (age >= 1500)
            await this.sling(
              b,
              p ? `hooked on ${p.name}, ${p.state}` : `hooked on ${row.assignee}, no such polecat`,
            );
          continue;
        }
        const idle = this.idleSince(p.session);
        const refusal = idle !== undefined ? this.branchRefusal(p.session) : undefined;
        if (refusal && (this.rescues.get(b.id) ?? 0) < 2 && age > 1000) {
          await this.rescue(b, p, refusal);
          continue;
        }
        if ((idle !== undefined && Date.now() - idle > 5000 && age > 5000) || age > 45_000) {
          spawnSync("tmux", ["-L", this.w.socket, "kill-session", "-t", p.session], { stdio: "ignore" });
          this.did(
            "stop idle session",
            `${p.session}: ${b.id} (${b.key}) hooked ${Math.round(age / 1000)} s, agent ${idle ? "idle" : "busy"}`,
          );
          this.restart(b.id);
        }
        continue;
      }
      if (row.status === "in_progress" && mr && mr.status !== "closed") {
        mrOpenAge.set(b.rig, Math.max(mrOpenAge.get(b.rig) ?? 0, age));
        continue;
      }
      if (row.status === "in_progress" && mr?.metadata?.phase === "merged") {
        if (age >= 4000) {
          const r = await this.w.bd(b.rig, [
            "close",
            b.id,
            "--reason",
            `merged as ${String(mr.metadata.merge_commit ?? "?").slice(0, 8)} (closed by hand)`,
          ]);
          this.did(
            "close merged by hand",
            `${b.id} (${b.key}): its MR ${mr.id} merged but the bead stayed ${row.status} → exit ${r.code}`,
          );
          this.restart(b.id);
        }
        continue;
      }
      // in_progress with no open merge request (never filed, rejected, dropped), blocked
      // (escalated), or anything else: back to open, so the next look slings it again.
      if (age >= 4000) {
        const r = await this.w.bd(b.rig, ["update", b.id, "--status", "open", "--assignee", ""]);
        this.did(
          "reopen stranded",
          `${b.id} (${b.key}) was ${row.status}${mr ? ` with MR ${mr.id} ${mr.status} (${mr.close_reason ?? ""})` : " with no MR"} → exit ${r.code}`,
        );
        this.restart(b.id);
      }
    }
    for (const r of this.w.rigs) {
      const open = rows.get(r.name)!.some((x) => x.issue_type === "merge-request" && x.status !== "closed");
      if (open) await this.refinery(r.name, mrOpenAge.get(r.name) ?? 0);
    }
    const closed = (b: WorkBead) => rows.get(b.rig)!.find((x) => x.id === b.id)?.status === "closed";
    if (!this.w.beads.every(closed)) {
      this.allClosedAt = undefined;
      const stuck = this.gaveUp.size > 0 && this.w.beads.every((b) => closed(b) || this.gaveUp.has(b.id));
      return stuck ? "stuck" : "going";
    }
    const c = await this.w.gt(["convoy", "status", this.w.convoy, "--json"], { timeoutMs: 30_000 });
    try {
      if ((JSON.parse(c.stdout) as { status: string }).status === "closed") return "landed";
    } catch {
      // look again
    }
    this.allClosedAt ??= Date.now();
    if (Date.now() - this.allClosedAt > 4000) {
      const r = await this.w.gt(["convoy", "check"], { timeoutMs: 30_000 });
      this.did("convoy check", `every bead closed, ${this.w.convoy} still open → exit ${r.code}`);
      this.allClosedAt = Date.now();
    }
    return "going";
  }

  /** Looks and acts until the convoy lands or `deadline`; true when it landed. */
  async recover(deadline: number, everyMs = 800): Promise<boolean> {
    while (Date.now() < deadline) {
      const s = await this.step();
      if (s === "landed") return true;
      if (s === "stuck") return false;
      await sleep(everyMs);
    }
    return false;
  }
}
