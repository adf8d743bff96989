// One chaos round's world: two projects (bare origins, as hosted remotes are), a town made
// by `gt install` with a rig for each, the merge-queue settings (alpha has a test gate), ten
// beads whose descriptions hold the shell tasks the script agent runs — one breaks alpha's
// gate, two on beta edit the same line — and a convoy tracking all ten.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BD, GT, ok, type Result, run } from "./exec.ts";

/**
 * plain: writes its own file; bad: breaks alpha's gate; conflict: edits the line another
 * bead edits; stray: its agent switches the sandbox to main before working, as agents do.
 */
export type BeadKind = "plain" | "bad" | "conflict" | "stray";

export interface WorkBead {
  id: string;
  rig: string;
  key: string;
  kind: BeadKind;
  title: string;
  /** The file the task writes, and what it writes there. */
  file: string;
  content: string;
  /** The bad bead's task as a person fixes it after the gate rejected it. */
  fixedScript?: string;
  fixedContent?: string;
}

export interface RigInfo {
  name: string;
  dir: string;
  origin: string;
  /** Origin's main when the round began. */
  initialMain: string;
  gated: boolean;
}

export interface World {
  dir: string;
  root: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  rigs: RigInfo[];
  beads: WorkBead[];
  convoy: string;
  gt(args: string[], opts?: { timeoutMs?: number; cwd?: string }): Promise<Result>;
  bd(rig: string | undefined, args: string[], opts?: { timeoutMs?: number }): Promise<Result>;
}

export const GATE_SCRIPT = `#!/bin/sh
# alpha's test gate: nothing under data/ may be BROKEN
sleep 0.2
if grep -rqs BROKEN data; then echo "gate: data is BROKEN"; exit 1; fi
echo "gate: ok"
`;

function describe(title: string, script: string): string {
  return `${title}.\n\n\`\`\`sh\n${script}\n\`\`\`\n`;
}

function bareOrigin(dir: string, name: string, files: Record<string, string>): string {
  const seed = join(dir, `${name}-seed`);
  mkdirSync(seed, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(seed, path, ".."), { recursive: true });
    writeFileSync(join(seed, path), text);
  }
  const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, stdio: "pipe" });
  git(seed, "init", "--quiet", "--initial-branch=main");
  git(seed, "add", "-A");
  git(
    seed,
    "-c",
    "user.name=Project",
    "-c",
    "user.email=project@example.com",
    "commit",
    "--quiet",
    "-m",
    "first",
  );
  const origin = join(dir, `${name}.git`);
  git(dir, "clone", "--quiet", "--bare", seed, origin);
  // A hosting server keeps a log of every update of its branches; so does this one.
  git(origin, "config", "core.logAllRefUpdates", "always");
  rmSync(seed, { recursive: true, force: true });
  return origin;
}

export function townEnv(dir: string, socket: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GT_TMUX_SOCKET: socket,
    GT_RUNTIME_PROVIDER: "tmux",
    GT_HOME: join(dir, "home"),
    GT_ROLE: "",
    GT_TOWN_ROOT: "",
    GT_ROOT: "",
    GT_RIG: "",
    BD_ACTOR: "",
    BEADS_DIR: "",
    BEADS_ACTOR: "chaos-user",
  };
}

/** Sets merge_queue in a rig's settings/config.json. */
export function setMergeQueue(rigDir: string, mq: Record<string, unknown>): void {
  const file = join(rigDir, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  settings.merge_queue = mq;
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

export async function buildWorld(
  dir: string,
  socket: string,
  rng: () => number,
  tag: string,
  strayRate = 0.35,
): Promise<World> {
  const env = townEnv(dir, socket);
  const root = join(dir, "town");
  const gt: World["gt"] = (args, opts = {}) =>
    run(GT, args, { cwd: opts.cwd ?? root, env, timeoutMs: opts.timeoutMs ?? 60_000 });
  const bd: World["bd"] = (rig, args, opts = {}) =>
    run(BD, args, { cwd: rig ? join(root, rig) : root, env, timeoutMs: opts.timeoutMs ?? 60_000 });

  const alphaOrigin = bareOrigin(dir, "alpha", {
    "README.md": "# alpha\n",
    "test.sh": GATE_SCRIPT,
    "data/seed.txt": "seed\n",
  });
  const betaOrigin = bareOrigin(dir, "beta", { "README.md": "# beta\n", "shared.txt": "base\n" });
  await ok(GT, ["install", root, "--name", `chaos-${tag}`], { cwd: dir, env });
  const rigs: RigInfo[] = [];
  for (const [name, origin, gated] of [
    ["alpha", alphaOrigin, true],
    ["beta", betaOrigin, false],
  ] as const) {
    await ok(GT, ["rig", "add", name, origin], { cwd: root, env });
    const rigDir = join(root, name);
    setMergeQueue(
      rigDir,
      gated
        ? { test_command: "sh test.sh", poll_interval_seconds: 1, gate_timeout_seconds: 60 }
        : { poll_interval_seconds: 1 },
    );
    const initialMain = execFileSync("git", ["rev-parse", "main"], { cwd: origin, encoding: "utf8" }).trim();
    rigs.push({ name, dir: rigDir, origin, initialMain, gated });
  }

  const pause = () => `sleep 0.${Math.floor(rng() * 9) + 1}`;
  const specs: Array<Omit<WorkBead, "id"> & { script: string }> = [];
  for (let k = 1; k <= 4; k++) {
    const content = `alpha ${k} of round ${tag}`;
    specs.push({
      rig: "alpha",
      key: `a${k}`,
      kind: "plain",
      title: `alpha task ${k}`,
      file: `data/a${k}.txt`,
      content,
      script: `${pause()}\nmkdir -p data\necho "${content}" > data/a${k}.txt`,
    });
  }
  specs.push({
    rig: "alpha",
    key: "a5",
    kind: "bad",
    title: "alpha task 5 (breaks the gate)",
    file: "data/bad.txt",
    content: "BROKEN",
    script: `${pause()}\nmkdir -p data\necho BROKEN > data/bad.txt`,
    fixedScript: "mkdir -p data\necho repaired > data/bad.txt",
    fixedContent: "repaired",
  });
  for (let k = 1; k <= 3; k++) {
    const content = `beta ${k} of round ${tag}`;
    specs.push({
      rig: "beta",
      key: `b${k}`,
      kind: "plain",
      title: `beta task ${k}`,
      file: `notes/b${k}.txt`,
      content,
      script: `${pause()}\nmkdir -p notes\necho "${content}" > notes/b${k}.txt`,
    });
  }
  for (const k of [4, 5]) {
    const content = `b${k} was here`;
    specs.push({
      rig: "beta",
      key: `b${k}`,
      kind: "conflict",
      title: `beta task ${k} (edits shared.txt)`,
      file: "shared.txt",
      content,
      script: `${pause()}\necho "${content}" > shared.txt`,
    });
  }
  // Now and then an agent strays onto main before it works (an LLM agent's `git checkout
  // main`): its work must still reach main only through the refinery.
  if (rng() < strayRate) {
    const plain = specs.filter((s) => s.kind === "plain");
    const s = plain[Math.floor(rng() * plain.length)]!;
    s.kind = "stray";
    s.title = `${s.title} (its agent strays onto main)`;
    s.script = `git checkout -q main || git checkout -q -b main origin/main || { sleep 0.5; git checkout -q main; }\n${s.script}`;
  }
  const beads: WorkBead[] = [];
  for (const s of specs) {
    const id = (
      await ok(BD, ["create", s.title, "-d", describe(s.title, s.script), "-p", "2", "--silent"], {
        cwd: join(root, s.rig),
        env,
      })
    ).trim();
    const { script: _script, ...rest } = s;
    beads.push({ ...rest, id });
  }
  const convoy = JSON.parse(
    await ok(GT, ["convoy", "create", `chaos round ${tag}`, ...beads.map((b) => b.id), "--json"], {
      cwd: root,
      env,
    }),
  ) as { id: string };
  return { dir, root, socket, env, rigs, beads, convoy: convoy.id, gt, bd };
}

export function fixedDescription(b: WorkBead): string {
  return describe(b.title, b.fixedScript ?? "");
}

/** The pid of the town's tmux server, when one runs. */
export function tmuxServerPid(socket: string): number | undefined {
  const r = spawnSync("tmux", ["-L", socket, "list-sessions", "-F", "#{pid}"], { encoding: "utf8" });
  const pid = Number(r.stdout.trim().split("\n")[0]);
  return r.status === 0 && pid > 0 ? pid : undefined;
}
