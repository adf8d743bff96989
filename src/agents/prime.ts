// The domain of `gt prime`: work out who the caller is, then build the Markdown that puts
// the agent's role, the operator's directives, its hooked work and its mail into its
// context. `--hook` mode (agent SessionStart/PreCompact hooks) also tracks the session id.

import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { listEscalations } from "../comms/escalation.ts";
import { unreadMail } from "../comms/mailbox.ts";
import { logEvent } from "../events/log.ts";
import { checklistLines, stepNow } from "../formulas/checklist.ts";
import { type MoleculeProgress, moleculeProgress } from "../formulas/progress.ts";
import { lazyCrypto } from "../lazy.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import { safeText } from "../terminal-text.ts";
import { ensureLedgerRecords } from "../town/agent-beads.ts";
import { resolveAgent } from "../town/agent-resolve.ts";
import {
  type AgentIdentity,
  addressOf,
  identityFromEnv,
  identityFromPath,
  sessionNameOf,
  workDirOf,
} from "../town/identity.ts";
import { openRigLedger, openTownLedger } from "../town/ledgers.ts";
import type { RoleName } from "../town/roles.ts";
import { findTownRoot, NotInTownError, Town } from "../town/workspace.ts";
import { readAttachment, withoutAttachment } from "../work/attach.ts";
import { findHookedWork } from "../work/hook.ts";
import { type Checkpoint, loadCheckpoint } from "./checkpoint-file.ts";
import { MEMORY_LABEL, type Memory, toMemory } from "./memories.ts";
import { loadRoleTemplate, renderTemplate, type TemplateVars } from "./templates.ts";

export interface PrimeOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called from an agent CLI hook: resolve, persist and announce the session id. */
  hookMode?: boolean;
  /** startup | resume | compact | clear (hook source); compact and resume take the fast path. */
  source?: string;
  /** What the hook wrote on stdin, if anything (`{session_id, source}` JSON). */
  stdinJson?: string;
  /** Change nothing: no session id written, no session_start event, the handoff marker left in place. */
  dryRun?: boolean;
}

export interface PrimeResult {
  /** Undefined at the town root, where there is no role. */
  identity?: AgentIdentity;
  address?: string;
  role?: RoleName;
  rig?: string;
  townRoot: string;
  /** The full Markdown to print. */
  text: string;
  hooked: Issue | undefined;
  unreadMail: number;
  sessionId?: string;
  source?: string;
  fastPath: boolean;
  /** A ledger could not be read: the hook state is unknown, not empty. */
  ledgerError?: string;
  /** The predecessor left a handoff marker (this is a post-handoff session). */
  handoff?: boolean;
  /** Why each part of the context is there (gt prime --explain). */
  explain?: string[];
}

export const SESSION_ID_FILE = "session_id";
export const HANDOFF_MARKER = "handoff_to_successor";
export { EVENTS_FILE } from "../events/log.ts";

const FAST_SOURCES = new Set(["compact", "resume"]);

/** What a role should do when its hook is empty. */
const STARTUP_DIRECTIVE: Record<RoleName, string> = {
  mayor:
    "Look at the town with `gt status` and at unblocked work with `gt ready`, read your mail, " +
    "then dispatch ready work with `gt sling <bead> <rig>` or wait for the overseer.",
  deacon:
    "Start a patrol cycle: check every agent with `gt status`, act on your mail, then wait for the next cycle.",
  witness:
    "Run a patrol: `gt polecat list {{rig}}`, nudge stalled polecats, act on your mail, then wait to be nudged.",
  refinery:
    "Check the merge queue with `gt mq list {{rig}}` and read your mail; if both are empty, wait to be nudged.",
  polecat:
    "Check your mail (`gt mail inbox`) and wait: work reaches you by `gt sling`. Do not pick up work on your own.",
  crew: "Check your mail, then wait for instructions from the person you work with.",
  dog: "Nothing is on your hook: run `gt dog done` so the deacon knows you are free. Do not look for work on your own.",
};

/** Builds everything `gt prime` prints, without printing it. */
export async function buildPrime(opts: PrimeOptions): Promise<PrimeResult> {
  const root = findTownRoot(opts.cwd, opts.env);
  if (!root) throw new NotInTownError(opts.cwd);
  const town = new Town(root);
  const fromEnv = identityFromEnv(opts.env);
  const id = fromEnv ?? identityFromPath(town.root, realOrSame(opts.cwd));
  if (!id) return neutralPrime(town);

  const address = addressOf(id);
  const workDir = workDirOf(town.root, id);
  const session = opts.hookMode ? startSession(town, id, workDir, opts) : undefined;
  const source = session?.source ?? opts.source;
  const handoff = consumeHandoffMarker(workDir, opts.dryRun === true);
  const view = await readLedgers(town, id, address);
  const base = {
    identity: id,
    address,
    role: id.role,
    ...(id.rig ? { rig: id.rig } : {}),
    townRoot: town.root,
    hooked: view.hooked[0],
    unreadMail: view.unread,
    ...(session ? { sessionId: session.id } : {}),
    ...(source ? { source } : {}),
    ...(view.error ? { ledgerError: view.error } : {}),
  };
  const fastPath = source !== undefined && FAST_SOURCES.has(source);
  const parts = fastPath
    ? fastPathText(town, id, address, view, source, session?.id)
    : fullText(town, id, address, workDir, view, opts.env);
  if (handoff) parts.unshift(HANDOFF_NOTE);
  let escalations = false;
  if (id.role === "mayor" && !fastPath) {
    const pending = await pendingEscalations(town);
    if (pending) parts.push(pending);
    escalations = pending !== undefined;
  }
  const explain = [
    `identity ${address}: from ${fromEnv ? "GT_ROLE in the environment" : "the working directory"}`,
    fastPath
      ? `source ${source}: the fast path (a short reminder, the full context is still in the conversation)`
      : `source ${source ?? "none"}: the full context (role template, rig, commands, hook and mail)`,
    handoff
      ? "handoff marker found: the note that this session took over from a predecessor comes first"
      : "no handoff marker: a fresh start, not a takeover",
    view.error
      ? `ledger error: ${view.error} (the hook is unknown, the warning section is included)`
      : view.hooked[0]
        ? `hooked ${view.hooked[0].id}: the work section tells the agent to run it${view.molecule ? " (with its molecule's steps)" : ""}`
        : "nothing hooked: the context says to wait for work",
    `${view.unread} unread message(s)${view.unread ? ": the mail section lists them" : ""}`,
    ...(view.memories?.length && !fastPath
      ? [`${view.memories.length} memory(ies): listed under Your memories`]
      : []),
    ...(id.role === "mayor" && !fastPath
      ? [escalations ? "mayor: open escalations are listed" : "mayor: no open escalations"]
      : []),
    ...(session ? [`session ${session.id}${opts.dryRun ? " (not recorded: dry run)" : " recorded"}`] : []),
  ];
  return { ...base, text: `${parts.join("\n\n").trimEnd()}\n`, fastPath, handoff, explain };
}

/** The mayor sees what waits for a decision: open, unacknowledged escalations by severity. */
async function pendingEscalations(town: Town): Promise<string | undefined> {
  try {
    const open = await listEscalations(town, { unacked: true });
    if (open.length === 0) return undefined;
    const lines = ["## Pending escalations", ""];
    for (const sev of ["critical", "high", "medium", "low"] as const) {
      const some = open.filter((e) => e.severity === sev);
      if (some.length)
        lines.push(`${sev.toUpperCase()}: ${some.map((e) => `${e.id} ${safeText(e.summary)}`).join("; ")}`);
    }
    lines.push("", "Acknowledge with gt escalate ack <id>; see gt escalate show <id>.");
    return lines.join("\n");
  } catch {
    return undefined;
  }
}

function realOrSame(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

// ---------------------------------------------------------------------------------------
// Ledgers: the hook and the mailbox

interface LedgerView {
  hooked: Issue[];
  unread: number;
  /** Where the molecule attached to the first hooked bead stands (spec §3.4), if one is. */
  molecule?: MoleculeProgress;
  /** The agent's notes to itself (gt remember). */
  memories?: Memory[];
  error?: string;
}

/** Reads hook and mail from the rig ledger (rig roles) and the town ledger, never throwing. */
async function readLedgers(town: Town, id: AgentIdentity, address: string): Promise<LedgerView> {
  const ledgers: Ledger[] = [];
  try {
    if (id.rig) ledgers.push(openRigLedger(town, id.rig));
    ledgers.push(openTownLedger(town));
    // An agent starting on a rebuilt database gets its agent bead (and its ledger's) back.
    await ensureLedgerRecords(town, ledgers[0]!, id.rig, { actor: address }).catch(() => undefined);
    const hooked = await findHookedWork(ledgers, address, { forAgent: true });
    const unread = (await unreadMail(ledgers, address)).length;
    const molecule = await attachedMolecule(ledgers, hooked[0]);
    const memories = (
      await ledgers[ledgers.length - 1]!.listIssues({
        labels: [MEMORY_LABEL],
        assignee: address,
        statuses: ["pinned"],
      })
    )
      .map(toMemory)
      .sort((a, b) => a.type.localeCompare(b.type) || a.key.localeCompare(b.key));
    return { hooked, unread, ...(molecule ? { molecule } : {}), ...(memories.length ? { memories } : {}) };
  } catch (e) {
    // An unreadable ledger must not look like an empty hook: the agent would wrongly run gt done.
    return { hooked: [], unread: 0, error: (e as Error).message };
  } finally {
    for (const l of ledgers) await l.close();
  }
}

/** The molecule attached to `bead`, read in whichever ledger holds it. */
async function attachedMolecule(
  ledgers: Ledger[],
  bead: Issue | undefined,
): Promise<MoleculeProgress | undefined> {
  const attached = readAttachment(bead?.description)?.attached_molecule;
  if (!attached) return undefined;
  for (const ledger of ledgers)
    if (await ledger.getIssue(attached)) return moleculeProgress(ledger, attached);
  return undefined;
}

function ledgerErrorText(error: string): string {
  return [
    "## ⚠️ LEDGER ERROR — do not run gt done",
    "",
    `The beads ledger could not be read: ${error}`,
    "Your hook and mail are UNKNOWN, not empty. Do not run `gt done`, do not close beads and",
    "do not assume you have no work. Report this to your witness or the mayor and wait.",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------
// Full render

function fullText(
  town: Town,
  id: AgentIdentity,
  address: string,
  workDir: string,
  view: LedgerView,
  env: NodeJS.ProcessEnv,
): string[] {
  const vars = templateVars(town, id, address, workDir, env);
  const parts = [renderTemplate(loadRoleTemplate(id.role, town.root).text, vars).trimEnd()];
  const directives = readDirectives(town, id);
  if (directives) parts.push(`## Operator directives\n\n${directives}`);
  parts.push(hookSection(id, view, vars));
  const checkpoint = checkpointSection(town, id);
  if (checkpoint) parts.push(checkpoint);
  parts.push(mailLine(view));
  if (view.memories?.length)
    parts.push(
      [
        "## Your memories",
        "",
        ...view.memories.map((m) => `- [${m.type}] ${safeText(m.text)} (${m.key}; gt forget ${m.key})`),
      ].join("\n"),
    );
  return parts;
}

/** A polecat's or crew member's checkpoint: where a crashed predecessor stood (gt checkpoint). */
function checkpointSection(town: Town, id: AgentIdentity): string | undefined {
  if (id.role !== "polecat" && id.role !== "crew") return undefined;
  let cp: Checkpoint | null;
  try {
    cp = loadCheckpoint(town, id);
  } catch {
    return undefined; // an unreadable checkpoint: gt checkpoint read says why
  }
  if (!cp) return undefined;
  const line = (label: string, v: string | null | undefined) => (v ? [`- ${label}: ${safeText(v)}`] : []);
  return [
    "## Checkpoint from an earlier session",
    "",
    `Written ${cp.timestamp}${cp.session_id ? ` by session ${safeText(cp.session_id)}` : ""}: pick up from here, then \`gt checkpoint clear\`.`,
    "",
    ...line("molecule", cp.molecule_id),
    ...line(
      "step",
      cp.current_step ? `${cp.current_step}${cp.step_title ? ` — ${cp.step_title}` : ""}` : null,
    ),
    ...line("hooked", cp.hooked_bead),
    ...line(
      "branch",
      cp.branch ? `${cp.branch}${cp.last_commit ? ` at ${cp.last_commit.slice(0, 12)}` : ""}` : null,
    ),
    ...line("files changed then", cp.modified_files.length ? cp.modified_files.join(", ") : null),
    ...line("notes", cp.notes),
  ].join("\n");
}

/** Every template variable, empty where it does not apply to this role. */
export function templateVars(
  town: Town,
  id: AgentIdentity,
  address: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
): TemplateVars {
  const prefix = id.rig ? tryOr(() => town.prefixOf(id.rig!), undefined) : undefined;
  return {
    town_name: tryOr(() => town.townJson().name, basename(town.root)),
    town_root: town.root,
    address,
    role: id.role,
    rig: id.rig ?? "",
    name: id.name ?? "",
    work_dir: workDir,
    session: sessionNameOf(id, prefix),
    default_branch: id.rig ? tryOr(() => town.rigConfig(id.rig!).default_branch, "main") : "",
    agent: env.GT_AGENT || agentName(town, id),
  };
}

function agentName(town: Town, id: AgentIdentity): string {
  return tryOr(
    () =>
      resolveAgent({
        townRoot: town.root,
        ...(id.rig ? { rigDir: town.rigDir(id.rig) } : {}),
        role: id.role,
        ...(id.role === "crew" && id.name ? { crewName: id.name } : {}),
      }).name,
    "",
  );
}

function tryOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Town directives, then the rig's (appended, so the rig has the last word). */
function readDirectives(town: Town, id: AgentIdentity): string {
  const files = [town.path("directives", `${id.role}.md`)];
  if (id.rig) files.push(join(town.rigDir(id.rig), "directives", `${id.role}.md`));
  return files
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f, "utf8").trim())
    .filter(Boolean)
    .join("\n\n");
}

function hookSection(id: AgentIdentity, view: LedgerView, vars: TemplateVars): string {
  if (view.error) return `## Your hook\n\n${ledgerErrorText(view.error)}`;
  const bead = view.hooked[0];
  if (!bead) {
    const todo = renderTemplate(STARTUP_DIRECTIVE[id.role], vars);
    return `## Your hook\n\nNothing is on your hook. ${todo}`;
  }
  const parts = [autonomousBlock(id, bead, view.hooked.length - 1, view.molecule !== undefined)];
  if (view.molecule) parts.push(moleculeBlock(id, view.molecule));
  return `## Your hook\n\n${parts.join("\n\n")}`;
}

/** The attached molecule as a checklist, the step to work now marked and spelled out. */
function moleculeBlock(id: AgentIdentity, p: MoleculeProgress): string {
  const now = stepNow(p);
  const lines = [
    `### 🧬 Molecule ${p.molecule_id}: ${safeText(p.molecule_title)} (${p.completed}/${p.total} steps done)`,
    "",
    "Work these steps in order; each step's description says what to do.",
    "",
  ];
  lines.push(...checklistLines(p));
  if (now) {
    const text = safeText(now.issue.description?.trim() ?? "", { multiline: true });
    lines.push(
      "",
      `#### Current step: ${now.issue.id} — ${safeText(now.issue.title)}`,
      "",
      text || "(no description)",
    );
  }
  const finish = id.role === "polecat" ? "`gt done`" : "closing the bead";
  lines.push(
    "",
    `When a step is finished: \`bd close <step> --continue\` (it claims the next ready step). After the last step, finish with ${finish}.`,
  );
  if (p.total > 0 && p.completed === p.total) lines.push(`Every step is done: finish with ${finish} now.`);
  return lines.join("\n");
}

function autonomousBlock(id: AgentIdentity, bead: Issue, more: number, withMolecule: boolean): string {
  const finish =
    id.role === "polecat"
      ? "When the work is done, committed and tested, finish with `gt done`. Do not stop without it."
      : `When the work is done, close it: \`bd close ${bead.id} --reason "..."\`.`;
  const lines = [
    "### 🚀 AUTONOMOUS WORK MODE",
    "",
    "Work is on your hook. Start on it **now** — do not ask for confirmation, do not wait for input.",
    "",
    `- Bead: **${bead.id}** — ${safeText(bead.title)}`,
    `- Status: ${bead.status}, priority P${bead.priority}, type ${bead.issue_type}`,
  ];
  if (more > 0) lines.push(`- (${more} more bead(s) hooked to you; see \`gt hook\`)`);
  // Stored text goes into the agent's context: controls are shown, never sent (see safeText).
  // The attachment lines are shown as the molecule's checklist below, not as text.
  const own = withMolecule ? withoutAttachment(bead.description) : (bead.description ?? "");
  const description = safeText(own.trim(), { multiline: true });
  lines.push("", "#### Description", "", description || "(no description)");
  if (bead.acceptance_criteria?.trim())
    lines.push(
      "",
      "#### Acceptance criteria",
      "",
      safeText(bead.acceptance_criteria.trim(), { multiline: true }),
    );
  lines.push("", `Full details: \`bd show ${bead.id}\`.`, finish);
  return lines.join("\n");
}

function mailLine(view: LedgerView): string {
  if (view.error) return "Mail: unknown (ledger error)";
  return `Mail: ${view.unread} unread (gt mail inbox)`;
}

// ---------------------------------------------------------------------------------------
// Fast path (compact / resume): a short reminder, since the full context is still mostly there

function fastPathText(
  town: Town,
  id: AgentIdentity,
  address: string,
  view: LedgerView,
  source: string,
  sessionId: string | undefined,
): string[] {
  const where = id.rig ? `${id.role} in rig ${id.rig}` : id.role;
  const townName = tryOr(() => town.townJson().name, basename(town.root));
  const lines = [
    `Context restored (${source}). You are ${address} — ${where} — in Gas Town ${townName} (${town.root}).`,
  ];
  if (sessionId) lines.push(`Session: ${sessionId}`);
  const bead = view.hooked[0];
  if (view.error) lines.push("", ledgerErrorText(view.error));
  else if (bead) lines.push(`Hooked: ${bead.id} — ${safeText(bead.title)}. Keep working on it now.`);
  const now = view.molecule && stepNow(view.molecule);
  if (view.molecule && now)
    lines.push(
      `Molecule ${view.molecule.molecule_id}: ${view.molecule.completed}/${view.molecule.total} steps done; current step ${now.issue.id} — ${safeText(now.issue.title)} (bd close <step> --continue when done).`,
    );
  else lines.push("Nothing is on your hook.");
  if (id.role === "polecat") lines.push("Reminder: your work is not finished until you run `gt done`.");
  lines.push("Run `gt prime` for your full role context.");
  return [lines.join("\n")];
}

// ---------------------------------------------------------------------------------------
// Neutral: the town root itself has no role

function neutralPrime(town: Town): PrimeResult {
  const name = tryOr(() => town.townJson().name, basename(town.root));
  const rigs = tryOr(() => town.rigNames(), [] as string[]);
  const text = [
    `# Gas Town workspace ${name}`,
    "",
    `You are at the root of the town (${town.root}). There is no agent role here.`,
    "",
    "To work as an agent, start or attach to one, or run gt prime from its directory:",
    "",
    "- mayor: `mayor/` (`gt mayor start`)",
    "- a crew workspace: `<rig>/crew/<name>/` (`gt crew add <name> --rig <rig>`)",
    "- or set GT_ROLE to an address such as `mayor` or `<rig>/crew/<name>`.",
    "",
    rigs.length ? `Rigs: ${rigs.join(", ")}.` : "No rigs yet: `gt rig add <name> <git-url>`.",
    "See the whole town with `gt status`.",
  ].join("\n");
  return { townRoot: town.root, text: `${text}\n`, hooked: undefined, unreadMail: 0, fastPath: false };
}

// ---------------------------------------------------------------------------------------
// Hook mode: session id, session_start event, handoff marker

interface SessionInfo {
  id: string;
  source: string;
}

/** Resolves and persists the session id and logs a session_start event. */
function startSession(town: Town, id: AgentIdentity, workDir: string, opts: PrimeOptions): SessionInfo {
  const stdin = parseStdin(opts.stdinJson);
  const runtime = join(workDir, ".runtime");
  const file = join(runtime, SESSION_ID_FILE);
  const sessionId =
    opts.env.GT_SESSION_ID ||
    opts.env.CLAUDE_SESSION_ID ||
    stdin.session_id ||
    readTrimmed(file) ||
    lazyCrypto().randomUUID();
  const source = opts.source || stdin.source || opts.env.GT_HOOK_SOURCE || "startup";
  if (opts.dryRun) return { id: sessionId, source };
  // A role's directory that does not exist yet is not ours to create; just skip persisting.
  if (existsSync(workDir)) {
    mkdirSync(runtime, { recursive: true });
    writeFileSync(file, `${sessionId}\n`);
  }
  logEvent(town.root, "session_start", addressOf(id), { session_id: sessionId, source, role: id.role });
  return { id: sessionId, source };
}

function parseStdin(text: string | undefined): { session_id?: string; source?: string } {
  if (!text?.trim()) return {};
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === "string" && x ? x : undefined);
    const session_id = str(v.session_id);
    const source = str(v.source);
    return { ...(session_id ? { session_id } : {}), ...(source ? { source } : {}) };
  } catch {
    return {};
  }
}

function readTrimmed(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").trim() || undefined;
}

const HANDOFF_NOTE = [
  "## ⚠️ YOU JUST TOOK OVER FROM A HANDOFF",
  "",
  "Your predecessor handed this session off to you. Do NOT hand off again right away:",
  "pick up the hooked work and the handoff mail and carry on.",
].join("\n");

/** True when the predecessor left a handoff marker; the marker is removed so it fires once. */
function consumeHandoffMarker(workDir: string, keep = false): boolean {
  const marker = join(workDir, ".runtime", HANDOFF_MARKER);
  if (!existsSync(marker)) return false;
  if (!keep) rmSync(marker, { force: true });
  return true;
}
