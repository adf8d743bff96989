// `gt demo`: a whole Gas Town loop a newcomer can watch in about a minute. It builds a
// throwaway town around a small sample project, files five beads whose descriptions hold
// small shell tasks, slings them at the rig, and shows the polecats (script agents) pick
// them up, work in their own worktrees and hand merge requests to the refinery. It ends
// with a summary and the town's path, so the person can look around with gt and bd.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { installTown } from "../town/install.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { addRig } from "../town/rig.ts";
import { townRuntime } from "../town/runtime-choice.ts";
import { Town } from "../town/workspace.ts";
import { convoyStatus } from "../work/convoys.ts";
import { listPolecats } from "../work/polecats.ts";
import { sling } from "../work/sling.ts";

export interface DemoOptions {
  /** Parent directory for the demo (default: a new temp dir). */
  dir?: string;
  /** Leave the agent sessions running at the end. */
  keepRunning?: boolean;
  /** Longest wait for all the work (default 120 s). */
  timeoutMs?: number;
  version: string;
  out: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface DemoResult {
  town: string;
  project: string;
  rig: string;
  beads: Array<{
    id: string;
    title: string;
    polecat: string | null;
    merge_request: string | null;
    branch: string | null;
  }>;
  convoy: string | null;
  finished: boolean;
  seconds: number;
}

const RIG = "greeter";

/** The tasks, as a person would file them: a title and a shell block the script agent runs. */
const TASKS: Array<{ title: string; script: string; priority: number }> = [
  {
    title: "Add a French greeting",
    script: "sleep 1\nmkdir -p greetings\necho 'Bonjour' > greetings/fr.txt",
    priority: 1,
  },
  {
    title: "Add a Spanish greeting",
    script: "sleep 2\nmkdir -p greetings\necho 'Hola' > greetings/es.txt",
    priority: 2,
  },
  {
    title: "Add a Japanese greeting",
    script: "sleep 1\nmkdir -p greetings\necho 'Konnichiwa' > greetings/ja.txt",
    priority: 2,
  },
  {
    title: "Document the greet script",
    script: "sleep 2\nprintf '\\n## Usage\\n\\n    ./greet.sh fr\\n' >> README.md",
    priority: 2,
  },
  {
    title: "Teach greet.sh a default",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell default, not a template
    script: "sleep 1\nsed -i 's/LANG_CODE=$1/LANG_CODE=${1:-en}/' greet.sh",
    priority: 3,
  },
];

function makeSampleProject(dir: string): void {
  mkdirSync(join(dir, "greetings"), { recursive: true });
  writeFileSync(join(dir, "README.md"), "# greeter\n\nSays hello in several languages.\n");
  writeFileSync(join(dir, "greetings", "en.txt"), "Hello\n");
  writeFileSync(join(dir, "greet.sh"), '#!/bin/sh\nLANG_CODE=$1\ncat "greetings/$LANG_CODE.txt"\n', {
    mode: 0o755,
  });
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "--quiet", "--initial-branch=main");
  git("add", "-A");
  git(
    "-c",
    "user.name=Demo",
    "-c",
    "user.email=demo@gastown.invalid",
    "commit",
    "--quiet",
    "-m",
    "greeter: first version",
  );
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(5)}s`;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const out = opts.out;
  const started = Date.now();
  const at = () => fmtSeconds(Date.now() - started);
  const base = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), "gt-demo-"));
  mkdirSync(base, { recursive: true });
  const project = join(base, "greeter");
  const townRoot = join(base, "town");

  out("🏭 Gas Town demo: five beads, five polecats, one rig\n");
  makeSampleProject(project);
  out(`${at()}  📦 sample project at ${project}`);
  await installTown(townRoot, { name: "demo", version: opts.version });
  const town = new Town(townRoot);
  out(`${at()}  🏘  town installed at ${townRoot}`);
  await addRig(town, RIG, project, { cwd: base, version: opts.version, actor: "demo" });
  out(
    `${at()}  🔧 rig "${RIG}" added (prefix ${town.prefixOf(RIG)}-): shared repo, canonical clone, refinery worktree, ledger`,
  );

  const ledger = openRigLedger(town, RIG);
  const beads: DemoResult["beads"] = [];
  try {
    for (const t of TASKS) {
      const issue = await ledger.createIssue(
        {
          title: t.title,
          priority: t.priority,
          issue_type: "task",
          description: `${t.title}.\n\n\`\`\`sh\n${t.script}\n\`\`\`\n`,
        },
        "demo",
      );
      beads.push({ id: issue.id, title: issue.title, polecat: null, merge_request: null, branch: null });
    }
  } finally {
    await ledger.close();
  }
  out(`${at()}  📝 filed ${beads.length} beads: ${beads.map((b) => b.id).join(", ")}`);

  const { provider, notice } = townRuntime(town, opts.env ?? process.env);
  if (notice) out(`        (${notice})`);
  const report = await sling(
    town,
    provider,
    beads.map((b) => b.id),
    RIG,
    { actor: "demo", agent: "script" },
  );
  for (const o of report.outcomes) {
    const b = beads.find((x) => x.id === o.bead)!;
    b.polecat = o.polecat;
    b.branch = o.branch;
    out(`${at()}  🎯 slung ${o.bead} → polecat ${o.polecat} (session ${o.session}, ${provider.kind})`);
  }
  for (const f of report.failures) out(`${at()}  ✗ could not sling ${f.bead}: ${f.error}`);
  if (report.convoy)
    out(`${at()}  🚚 convoy ${report.convoy} tracks the batch; it lands when every bead is closed`);

  const finished = await watch(town, provider, beads, at, out, opts.timeoutMs ?? 120_000);
  let convoyLine: string | undefined;
  if (report.convoy) {
    const c = await convoyStatus(town, report.convoy);
    convoyLine = `🚚 ${c.id} "${c.title}": ${c.closed}/${c.total} beads closed (${c.status === "closed" ? "landed" : "waiting for the merge queue"})`;
  }
  summarize(town, beads, finished, out, project, convoyLine);
  if (!opts.keepRunning) {
    for (const p of await listPolecats(town, provider, RIG))
      await provider.stop(p.session).catch(() => false);
    out("\nThe polecats' sessions are stopped; their worktrees and branches are kept.");
  }
  return {
    town: townRoot,
    project,
    rig: RIG,
    beads,
    convoy: report.convoy,
    finished,
    seconds: (Date.now() - started) / 1000,
  };
}

/** Prints each change of polecat state and each new merge request until all beads are done. */
async function watch(
  town: Town,
  provider: RuntimeProvider,
  beads: DemoResult["beads"],
  at: () => string,
  out: (line: string) => void,
  timeoutMs: number,
): Promise<boolean> {
  const states = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of await listPolecats(town, provider, RIG)) {
      const key = `${p.state}:${p.hook ?? ""}`;
      if (states.get(p.name) === key) continue;
      states.set(p.name, key);
      const what = p.hook ? ` on ${p.hook}` : "";
      out(
        `${at()}  ${p.state === "working" ? "●" : p.state === "idle" ? "○" : "✗"} ${p.name} ${p.state}${what}`,
      );
    }
    const ledger = openRigLedger(town, RIG);
    try {
      const mrs = await ledger.listIssues({ types: ["merge-request"], includeInfra: true, all: true });
      for (const mr of mrs) {
        const m = (mr.metadata as Record<string, unknown> | undefined) ?? {};
        const b = beads.find((x) => x.id === m.source_issue);
        if (!b || b.merge_request) continue;
        b.merge_request = mr.id;
        if (typeof m.branch === "string") b.branch = m.branch;
        out(
          `${at()}  ✅ ${b.polecat ?? "?"} finished ${b.id}: merge request ${mr.id} (${String(m.commit_sha ?? "").slice(0, 7)})`,
        );
      }
      const escalated = await ledger.listIssues({ labels: ["gt:escalated"], includeInfra: true });
      for (const e of escalated) {
        const b = beads.find((x) => x.id === e.id);
        if (b && !b.merge_request) {
          b.merge_request = "(needs help)";
          out(`${at()}  ⚠ ${b.polecat ?? "?"} needs help with ${b.id}`);
        }
      }
    } finally {
      await ledger.close();
    }
    if (beads.every((b) => b.merge_request)) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

function summarize(
  town: Town,
  beads: DemoResult["beads"],
  finished: boolean,
  out: (line: string) => void,
  project: string,
  convoyLine: string | undefined,
): void {
  out(
    finished ? "\n🏁 All work handed to the refinery.\n" : "\n⏱  Stopped waiting; not every bead finished.\n",
  );
  for (const b of beads)
    out(
      `  ${b.id.padEnd(10)} ${b.title.padEnd(28)} ${(b.polecat ?? "-").padEnd(10)} ${b.merge_request ?? "(not done)"}`,
    );
  if (convoyLine) out(`\n${convoyLine}`);
  out(`\nLook around:`);
  out(`  cd ${town.root}`);
  out(`  gt status                      # rigs, agents, hooks`);
  out(`  gt polecat list                # the workers and their state`);
  out(`  gt convoy status               # the batch's progress`);
  out(`  (cd ${RIG} && bd list --all)       # the beads, and the merge requests`);
  out(`  git -C ${project} log --all --oneline   # the polecats' branches, pushed to the project`);
}
