// `gt demo`: a whole Gas Town loop a newcomer can watch in well under a minute. It builds a
// throwaway town around a small sample project, starts the rig's refinery, files five beads
// whose descriptions hold small shell tasks and slings them at the rig; the polecats (script
// agents) work in their own worktrees and hand merge requests over, and the refinery runs
// the project's test gate and merges them onto main, which lands their convoy. It ends with
// a summary and the town's path, so the person can look around with gt, bd and git.
//
// It checks what it needs first (preflight.ts: git, sh, tmux or the subprocess runtime) and
// gives its throwaway town its own git identity, so it runs on a machine with no git
// identity at all (HOME an empty directory). When an agent fails, it prints the agent's own
// error lines and where its full log is, and stops waiting for that bead.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { runChecked } from "../adapters/process.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { startAgentSession } from "../sessions/session.ts";
import { installTown } from "../town/install.ts";
import { openRigLedger } from "../town/ledgers.ts";
import { addRig } from "../town/rig.ts";
import { townRuntime } from "../town/runtime-choice.ts";
import { loadRigSettings, saveRigSettings } from "../town/settings.ts";
import { Town } from "../town/workspace.ts";
import { convoyStatus } from "../work/convoys.ts";
import { listPolecats } from "../work/polecats.ts";
import { sling } from "../work/sling.ts";
import { AttemptTracker, agentLogLocation, lastAgentError } from "./agent-trouble.ts";
import { demoPreflight } from "./preflight.ts";

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
    /** The bead's commit on main once the refinery merged it. */
    merged: string | null;
    /** Why the bead did not get merged: the agent's own error line, or the refinery's. */
    failure: string | null;
    /** The polecat's full log (transcript or session output), when it failed. */
    log: string | null;
  }>;
  convoy: string | null;
  finished: boolean;
  seconds: number;
}

const RIG = "greeter";

/**
 * The demo town's own git identity: the town's owner (agents commit as
 * `<their address> <DEMO_EMAIL>`) and user.name/user.email in the rig's repositories, so
 * nothing depends on the person's ~/.gitconfig.
 */
export const DEMO_EMAIL = "demo@gastown.invalid";
const DEMO_NAME = "Gas Town demo";

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

/**
 * The sample project's origin: a bare repository, as a hosted remote would be (the refinery
 * pushes main there). It has a test script the merge queue runs as its gate.
 */
function makeSampleProject(origin: string): void {
  const seed = mkdtempSync(join(tmpdir(), "gt-demo-seed-"));
  try {
    mkdirSync(join(seed, "greetings"), { recursive: true });
    writeFileSync(join(seed, "README.md"), "# greeter\n\nSays hello in several languages.\n");
    writeFileSync(join(seed, "greetings", "en.txt"), "Hello\n");
    writeFileSync(join(seed, "greet.sh"), '#!/bin/sh\nLANG_CODE=$1\ncat "greetings/$LANG_CODE.txt"\n', {
      mode: 0o755,
    });
    writeFileSync(
      join(seed, "test.sh"),
      '#!/bin/sh\n# every greeting file must be readable through greet.sh\nfor f in greetings/*.txt; do\n  sh greet.sh "$(basename "$f" .txt)" >/dev/null || exit 1\ndone\necho "all greetings ok"\n',
    );
    const git = (...args: string[]) => execFileSync("git", args, { cwd: seed, stdio: "pipe" });
    git("init", "--quiet", "--initial-branch=main");
    git("add", "-A");
    git(
      "-c",
      `user.name=${DEMO_NAME}`,
      "-c",
      `user.email=${DEMO_EMAIL}`,
      "commit",
      "--quiet",
      "-m",
      "greeter: first version",
    );
    execFileSync("git", ["clone", "--quiet", "--bare", seed, origin], { stdio: "pipe" });
  } finally {
    rmSync(seed, { recursive: true, force: true });
  }
}

/**
 * user.name and user.email in the rig's shared repository (which its worktrees, the
 * polecats' and the refinery's, read) and in its canonical clone: any git command there,
 * run with or without an agent's environment, has an identity without ~/.gitconfig.
 */
async function giveRigIdentity(rigDir: string): Promise<void> {
  for (const repo of [join(rigDir, ".repo.git"), join(rigDir, "mayor", "rig")]) {
    if (!existsSync(repo)) continue;
    await runChecked("git", ["-C", repo, "config", "user.name", DEMO_NAME]);
    await runChecked("git", ["-C", repo, "config", "user.email", DEMO_EMAIL]);
  }
}

function fmtSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1).padStart(5)}s`;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const out = opts.out;
  const started = Date.now();
  const at = () => fmtSeconds(Date.now() - started);
  const env = opts.env ?? process.env;
  // Before anything is built: a missing tool is one line now, not five silent agents later.
  const pre = await demoPreflight(env);
  const base = opts.dir ? resolve(opts.dir) : mkdtempSync(join(tmpdir(), "gt-demo-"));
  mkdirSync(base, { recursive: true });
  const project = join(base, "greeter.git");
  const townRoot = join(base, "town");

  out("🏭 Gas Town demo: five beads, five polecats, one rig\n");
  out(`${at()}  ✓ preflight: git ${pre.git}, agents on ${pre.runtimeNote}`);
  makeSampleProject(project);
  out(`${at()}  📦 sample project (its origin) at ${project}`);
  await installTown(townRoot, { name: "demo", version: opts.version, owner: DEMO_EMAIL });
  const town = new Town(townRoot);
  out(`${at()}  🏘  town installed at ${townRoot} (git identity ${DEMO_EMAIL})`);
  await addRig(town, RIG, project, { cwd: base, version: opts.version, actor: "demo" });
  await giveRigIdentity(town.rigDir(RIG));
  out(
    `${at()}  🔧 rig "${RIG}" added (prefix ${town.prefixOf(RIG)}-): shared repo, canonical clone, refinery worktree, ledger`,
  );

  const settings = loadRigSettings(town.rigDir(RIG));
  saveRigSettings(town.rigDir(RIG), {
    ...settings,
    merge_queue: { test_command: "sh test.sh", poll_interval_seconds: 5 },
  });
  const { provider, notice } = townRuntime(town, env);
  if (notice) out(`        (${notice})`);
  const refinery = await startAgentSession(
    town,
    provider,
    { role: "refinery", rig: RIG },
    { sender: "demo" },
  );
  out(
    `${at()}  🏭 refinery started (session ${refinery.session}): merge queue with a test gate (sh test.sh)`,
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
      beads.push({
        id: issue.id,
        title: issue.title,
        polecat: null,
        merge_request: null,
        branch: null,
        merged: null,
        failure: null,
        log: null,
      });
    }
  } finally {
    await ledger.close();
  }
  out(`${at()}  📝 filed ${beads.length} beads: ${beads.map((b) => b.id).join(", ")}`);

  const sessions = new Map<string, string>();
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
    if (o.session) sessions.set(o.bead, o.session);
    out(`${at()}  🎯 slung ${o.bead} → polecat ${o.polecat} (session ${o.session}, ${provider.kind})`);
  }
  for (const f of report.failures) {
    out(`${at()}  ✗ could not sling ${f.bead}: ${f.error}`);
    const b = beads.find((x) => x.id === f.bead);
    if (b) {
      b.merged = "(not slung)";
      b.failure = f.error;
    }
  }
  if (report.convoy)
    out(`${at()}  🚚 convoy ${report.convoy} tracks the batch; it lands when every bead is closed`);

  const finished = await watch(
    { town, provider, beads, sessions, refinery: refinery.session, at, out },
    opts.timeoutMs ?? 120_000,
  );
  let convoyLine: string | undefined;
  if (report.convoy) {
    const c = await convoyStatus(town, report.convoy);
    convoyLine = `🚚 ${c.id} "${c.title}": ${c.closed}/${c.total} beads closed${c.status === "closed" ? " — landed" : ""}`;
  }
  summarize(town, beads, finished, out, project, convoyLine);
  if (!opts.keepRunning) {
    for (const p of await listPolecats(town, provider, RIG))
      await provider.stop(p.session).catch(() => false);
    await provider.stop(refinery.session).catch(() => false);
    out("\nSessions are stopped (gt refinery start greeter restarts the merge queue); worktrees are kept.");
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

interface Watching {
  town: Town;
  provider: RuntimeProvider;
  beads: DemoResult["beads"];
  /** Bead → the polecat session it was slung to. */
  sessions: Map<string, string>;
  refinery: string;
  at: () => string;
  out: (line: string) => void;
}

/** Marks a bead as not going to be merged and prints why, in the agent's words, and its log. */
function reportFailure(
  w: Watching,
  b: DemoResult["beads"][number],
  what: string,
  errors: string[],
  log: string,
): void {
  const first = errors[0];
  const last = errors[errors.length - 1];
  b.failure = first ?? what;
  b.log = log;
  w.out(`${w.at()}  ✗ ${b.polecat ?? "?"} ${what}${first ? `: ${first}` : ""}`);
  if (last && last !== first) w.out(`          last error: ${last}`);
  w.out(`          full log: ${log}`);
}

/**
 * Prints each change of polecat state and each new merge request until every bead is
 * merged, rejected or failed. An agent that finished a turn on its bead without handing a
 * merge request over, a polecat session that died and a refinery that stopped end the
 * wait for what they held, with the agent's own error line and where its log is.
 */
async function watch(w: Watching, timeoutMs: number): Promise<boolean> {
  const { town, provider, beads, at, out } = w;
  const states = new Map<string, string>();
  const trackers = new Map<string, AttemptTracker>();
  for (const [bead, session] of w.sessions) trackers.set(bead, new AttemptTracker(town, session, bead));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The transcripts first: an attempt that ended before the ledger is read below has
    // already filed its merge request (or escalated) if it was going to.
    const ended = new Map<string, string[]>();
    for (const [bead, tracker] of trackers) {
      const attempts = tracker.read();
      if (attempts.length) ended.set(bead, attempts[attempts.length - 1]!.errors);
    }
    const polecats = await listPolecats(town, provider, RIG);
    for (const p of polecats) {
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
      for (const mr of mrs.filter((x) => x.status === "closed")) {
        const m = (mr.metadata as Record<string, unknown> | undefined) ?? {};
        const b = beads.find((x) => x.id === m.source_issue);
        if (!b || b.merged) continue;
        if (m.phase === "merged") {
          b.merged = String(m.merge_commit ?? "");
          out(`${at()}  🚢 refinery merged ${b.id} onto main as ${b.merged.slice(0, 7)}`);
        } else {
          const why = String(m.rejection ?? mr.close_reason ?? "");
          b.merged = `(rejected: ${why})`;
          b.failure = `refinery rejected it: ${why}`;
          out(`${at()}  ✗ refinery rejected ${b.id}: ${why}`);
        }
      }
      const escalated = await ledger.listIssues({ labels: ["gt:escalated"], includeInfra: true });
      for (const e of escalated) {
        const b = beads.find((x) => x.id === e.id);
        if (b && !b.merge_request) {
          b.merge_request = "(needs help)";
          b.merged = "(needs help)";
          const session = w.sessions.get(b.id);
          const tracker = trackers.get(b.id);
          // Read again: the agent said why just before it escalated, maybe after the read above.
          if (tracker) for (const a of tracker.read()) ended.set(b.id, a.errors);
          const errors = tracker?.latestErrors() ?? [];
          if (session)
            reportFailure(w, b, `needs help with ${b.id}`, errors, agentLogLocation(town, session));
          else out(`${at()}  ⚠ ${b.polecat ?? "?"} needs help with ${b.id}`);
        }
      }
    } finally {
      await ledger.close();
    }
    // A turn on the bead ended with neither a merge request nor a call for help: it failed,
    // and the script agent will not try again unless the bead is slung anew.
    for (const [bead, errors] of ended) {
      const b = beads.find((x) => x.id === bead);
      const session = w.sessions.get(bead);
      if (!b || b.merge_request || b.merged || !session) continue;
      b.merged = "(failed)";
      reportFailure(w, b, `failed on ${b.id}`, errors, agentLogLocation(town, session));
    }
    // A session that died holding its bead (a zombie) will not finish it.
    for (const p of polecats.filter((x) => x.state === "zombie")) {
      const b = beads.find((x) => x.id === p.hook);
      if (!b || b.merge_request || b.merged) continue;
      b.merged = "(failed)";
      const last = await lastAgentError(town, provider, p.session);
      reportFailure(
        w,
        b,
        `(session ${p.session}) stopped while on ${b.id}`,
        last ? [last] : [],
        agentLogLocation(town, p.session),
      );
    }
    if (beads.every((b) => b.merged)) return beads.every((b) => /^[0-9a-f]{7,}$/.test(b.merged ?? ""));
    // Merge requests wait for the refinery: if it is gone, nothing more will merge.
    if (beads.some((b) => b.merge_request && !b.merged) && !(await provider.isAlive(w.refinery))) {
      const last = await lastAgentError(town, provider, w.refinery);
      out(`${at()}  ✗ the refinery stopped${last ? `: ${last}` : ""}`);
      out(`          full log: ${agentLogLocation(town, w.refinery)}`);
      for (const b of beads.filter((x) => !x.merged)) {
        b.merged = "(refinery stopped)";
        b.failure = `the refinery stopped${last ? `: ${last}` : ""}`;
      }
      return false;
    }
    if (Date.now() > deadline) {
      for (const b of beads.filter((x) => !x.merged))
        b.failure = "still not merged when the demo stopped waiting";
      return false;
    }
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
  const failed = beads.filter((b) => b.failure);
  out(
    finished
      ? "\n🏁 All work merged onto main.\n"
      : failed.some((b) => b.log)
        ? `\n✗ ${failed.length} of ${beads.length} beads did not make it onto main; the agents' errors and logs are above.\n`
        : "\n⏱  Stopped waiting; not every bead was merged.\n",
  );
  for (const b of beads)
    out(
      `  ${b.id.padEnd(10)} ${b.title.padEnd(28)} ${(b.polecat ?? "-").padEnd(10)} ${(b.merge_request ?? "(not done)").padEnd(10)} ${b.merged?.slice(0, 12) ?? ""}`,
    );
  if (convoyLine) out(`\n${convoyLine}`);
  out(`\nLook around:`);
  out(`  cd ${town.root}`);
  out(`  gt status                      # rigs, agents, hooks`);
  out(`  gt polecat list                # the workers and their state`);
  out(`  gt convoy list --all           # the batch's convoy, landed`);
  out(`  (cd ${RIG} && bd list --all)       # the beads, and the merge requests`);
  out(`  git -C ${project} log --oneline main   # the merged work on the project's main`);
}
