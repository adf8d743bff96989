// What the patrol tests share: a town with rig alpha on a bare origin (its refinery's test
// gate a plain file check), beads holding shell tasks that wait on a gate file, polecats
// slung with the script agent, the town's patrol settings, and reads of what a user would
// look at (beads, agent-bead facts, sessions, events, mail).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentBeadIdOf } from "../../src/town/identity.ts";
import {
  addBareRig,
  agentTranscript,
  bdOk,
  eventually,
  makeRepo,
  newTown,
  type TestTown,
} from "../helpers/town.ts";

export interface Bead {
  id: string;
  title: string;
  status: string;
  assignee?: string;
  labels?: string[];
  metadata?: Record<string, unknown>;
}

export interface Finding {
  class: string;
  agent: string;
  bead: string | null;
  session: string | null;
  action: string;
  acted: boolean;
  detail: string;
}

export interface PatrolReport {
  findings: Finding[];
  summary: {
    rigs: string[];
    act: boolean;
    estop: string[];
    polecats: number;
    findings: number;
    acted: number;
    notified: number;
  };
}

export interface Slung {
  bead: string;
  polecat: string;
  session: string;
  branch: string;
  work_dir: string;
}

export interface PatrolTown {
  town: TestTown;
  origin: string;
  rigDir: string;
  /** Gate files made so far (all opened at the end, so no task shell waits forever). */
  gates: string[];
  bd(args: string[]): Promise<string>;
  show(id: string): Promise<Bead>;
  agentFacts(polecat: string): Promise<Record<string, unknown>>;
  setPatrol(values: Record<string, unknown>): void;
  scan(args?: string[], env?: NodeJS.ProcessEnv): Promise<PatrolReport>;
  /** A bead whose task waits for `gate` to exist, then writes `file`. */
  gatedTask(title: string, gate: string, file: string): Promise<string>;
  /** Slings with the script agent at `target` (the rig: an idle or new polecat). */
  sling(bead: string, env?: NodeJS.ProcessEnv, target?: string): Promise<Slung>;
  alive(session: string): boolean;
  kill(session: string): void;
  /** Waits until the polecat in `session` has started its task `times` times in all. */
  running(session: string, times?: number): Promise<void>;
  events(type: string): Array<{ actor: string; payload: Record<string, unknown> }>;
  inbox(address: string): Promise<Array<{ subject: string; body: string; from: string }>>;
  cleanup(): Promise<void>;
}

export async function patrolTown(): Promise<PatrolTown> {
  const town = await newTown("tmux");
  const seed = makeRepo(join(town.scratch, "seed"), { "README.md": "# project\n" });
  const origin = await addBareRig(town, "alpha", {
    seed,
    mergeQueue: { test_command: "test -f README.md", poll_interval_seconds: 1 },
  });
  const rigDir = join(town.root, "alpha");
  const prefix = (
    JSON.parse(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8")) as {
      rigs: Record<string, { beads: { prefix: string } }>;
    }
  ).rigs.alpha!.beads.prefix;
  const socket = town.env.GT_TMUX_SOCKET!;
  const gates: string[] = [];
  const bd = (args: string[]) => bdOk(town, rigDir, args);
  const show = async (id: string) => (JSON.parse(await bd(["show", id, "--json"])) as Bead[])[0]!;
  const pt: PatrolTown = {
    town,
    origin,
    rigDir,
    gates,
    bd,
    show,
    async agentFacts(polecat) {
      const id = agentBeadIdOf({ role: "polecat", rig: "alpha", name: polecat }, prefix);
      return (await show(id)).metadata ?? {};
    },
    setPatrol(values) {
      const file = join(town.root, "settings", "config.json");
      const settings = JSON.parse(readFileSync(file, "utf8"));
      settings.patrol = values;
      writeFileSync(file, JSON.stringify(settings, null, 2));
    },
    async scan(args = [], env = {}) {
      return town.gtJson<PatrolReport>(["patrol", "scan", "--rig", "alpha", ...args], { env });
    },
    async gatedTask(title, gate, file) {
      gates.push(gate);
      const body = `while [ ! -f ${gate} ]; do sleep 0.2; done\necho "${title}" > ${file}`;
      return bd(["create", title, "-d", `${title}.\n\n\`\`\`sh\n${body}\n\`\`\`\n`, "--silent"]);
    },
    async sling(bead, env = {}, target = "alpha") {
      const r = await town.gtJson<{ outcomes: Slung[]; failures: unknown[] }>(
        ["sling", bead, target, "--agent", "script", "--no-convoy"],
        { env },
      );
      assert.deepEqual(r.failures, []);
      return r.outcomes[0]!;
    },
    alive(session) {
      try {
        const out = execFileSync(
          "tmux",
          ["-L", socket, "list-panes", "-t", `=${session}:`, "-F", "#{pane_dead}"],
          {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
          },
        );
        return out.trim() === "0";
      } catch {
        return false;
      }
    },
    kill(session) {
      execFileSync("tmux", ["-L", socket, "kill-session", "-t", `=${session}`]);
    },
    async running(session, times = 1) {
      await eventually(
        async () =>
          agentTranscript(town, session).filter((l) => l.text.includes("running sh block")).length >= times,
        30_000,
        `${session} to start its task (${times})`,
      );
    },
    events(type) {
      const text = readFileSync(join(town.root, ".events.jsonl"), "utf8");
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; actor: string; payload: Record<string, unknown> })
        .filter((e) => e.type === type);
    },
    async inbox(address) {
      return town.gtJson<Array<{ subject: string; body: string; from: string }>>([
        "mail",
        "inbox",
        address,
        "--all",
      ]);
    },
    async cleanup() {
      for (const g of gates) writeFileSync(g, "");
      await town.cleanup();
    },
  };
  return pt;
}
