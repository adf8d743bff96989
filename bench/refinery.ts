// `npm run bench` (third part): the merge queue. A queue of 32 merge requests, one of which
// breaks the test gate, is landed by `gt refinery run-once` with batching and bisection, and
// — as the baseline, in the same run — by the same refinery merging one MR at a time
// (batch_size 1, a gate run per MR, as a serial queue does). The gate sleeps a little to
// stand in for a test suite. Options: --mrs N (32), --gate-ms N (300).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { openLedger } from "../src/ledger/discovery.ts";
import { locate } from "../src/town/ledgers.ts";
import { createMergeRequest } from "../src/work/merge-requests.ts";
import { heading, nowMs, table } from "./lib.ts";

const ROOT = resolve(import.meta.dirname, "..");
const GT = join(ROOT, "bin", "gt");
const BD = join(ROOT, "bin", "bd");

const { values: args } = parseArgs({
  options: { mrs: { type: "string", default: "32" }, "gate-ms": { type: "string", default: "300" } },
});
const MRS = Number(args.mrs);
const GATE_MS = Number(args["gate-ms"]);
const BAD = Math.floor(MRS * 0.6);

const dir = mkdtempSync(join(os.tmpdir(), "gt-bench-mq-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const env = {
  ...process.env,
  GT_RUNTIME_PROVIDER: "subprocess",
  GT_HOME: join(dir, "home"),
  GT_ROLE: "",
  GT_TOWN_ROOT: "",
  BD_ACTOR: "",
  BEADS_DIR: "",
};
const sh = (cmd: string, argv: string[], cwd: string) =>
  execFileSync(cmd, argv, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const git = (cwd: string, ...a: string[]) =>
  sh("git", ["-c", "user.name=b", "-c", "user.email=b@e", ...a], cwd);

const town = join(dir, "town");
sh(GT, ["install", town, "--name", "bench"], dir);

const CHECK = `#!/bin/sh\nsleep ${GATE_MS / 1000}\nfor f in *.txt; do grep -q BROKEN "$f" && { echo "$f is broken"; exit 1; }; done\nexit 0\n`;

/** A rig with a bare origin and MRS merge requests queued, one of them bad. */
async function queuedRig(name: string, batchSize: number): Promise<void> {
  const seed = join(dir, `${name}-seed`);
  execFileSync("mkdir", ["-p", seed]);
  writeFileSync(join(seed, "check.sh"), CHECK);
  writeFileSync(join(seed, "README.md"), "bench\n");
  git(seed, "init", "-q", "-b", "main");
  git(seed, "add", "-A");
  git(seed, "commit", "-qm", "first");
  const origin = join(dir, `${name}.git`);
  sh("git", ["clone", "-q", "--bare", seed, origin], dir);
  sh(GT, ["rig", "add", name, origin], town);
  const rigDir = join(town, name);
  const file = join(rigDir, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8"));
  settings.merge_queue = { test_command: "sh check.sh", batch_size: batchSize };
  writeFileSync(file, JSON.stringify(settings));
  const work = join(dir, `${name}-work`);
  sh("git", ["clone", "-q", origin, work], dir);
  const ledger = openLedger(locate(join(rigDir, ".beads")));
  try {
    for (let i = 0; i < MRS; i++) {
      const branch = `polecat/p${i}/work@b`;
      git(work, "checkout", "-q", "-B", branch, "origin/main");
      writeFileSync(join(work, `f${i}.txt`), i === BAD ? "BROKEN\n" : `ok ${i}\n`);
      git(work, "add", "-A");
      git(work, "commit", "-qm", `mr ${i}`);
      git(work, "push", "-q", "origin", branch);
      const sha = git(work, "rev-parse", "HEAD");
      const bead = sh(BD, ["create", `task ${i}`, "--silent"], rigDir);
      await createMergeRequest(
        ledger,
        {
          branch,
          target: "main",
          source_issue: bead,
          rig: name,
          commit_sha: sha,
          worker: `${name}/polecats/p${i}`,
          retry_count: 0,
        },
        2,
        "bench",
      );
    }
  } finally {
    await ledger.close();
  }
}

interface Report {
  batches: number;
  gate_runs: number;
  landed: unknown[];
  rejected: unknown[];
}

function runQueue(rig: string): { ms: number; report: Report } {
  const t0 = nowMs();
  const out = sh(GT, ["refinery", "run-once", rig, "--json"], town);
  return { ms: nowMs() - t0, report: JSON.parse(out) as Report };
}

console.log(heading("merge queue benchmark"));
console.log(`  machine  ${os.cpus()[0]?.model ?? "?"} x ${os.cpus().length}`);
console.log(
  `  plan     ${MRS} MRs (MR #${BAD + 1} breaks the test gate), gate = sleep ${GATE_MS} ms + a file check`,
);
await queuedRig("batched", 16);
await queuedRig("serial", 1);
const batched = runQueue("batched");
const serial = runQueue("serial");

const row = (label: string, r: { ms: number; report: Report }) => [
  label,
  String(r.report.landed.length),
  String(r.report.rejected.length),
  String(r.report.batches),
  String(r.report.gate_runs),
  (r.report.gate_runs / MRS).toFixed(2),
  (r.ms / 1000).toFixed(1),
  ((r.report.landed.length / r.ms) * 60_000).toFixed(0),
];
console.log(heading("Results"));
console.log(
  table(
    ["queue", "landed", "rejected", "batches", "gate runs", "gate runs/MR", "seconds", "MRs landed/min"],
    [row("baseline: one MR at a time (batch_size 1)", serial), row("batches of 16 with bisection", batched)],
  ),
);
console.log(
  `  speed-up ${(serial.ms / batched.ms).toFixed(1)}x; gate runs ${serial.report.gate_runs} -> ${batched.report.gate_runs}`,
);
