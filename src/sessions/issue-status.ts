// The current issue of a tmux session (gt issue set|show|clear): GT_ISSUE in the session's
// environment, for scripts and agents in it, and the @gt_issue user option, which the
// session's status-right shows in front of the clock while it is set.
import { runCommand } from "../adapters/process.ts";
import { townSocketName } from "../adapters/tmux.ts";
import { NotFoundError, ValidationError } from "../errors.ts";

const ISSUE_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$/;
const STATUS_RIGHT = "#{?@gt_issue,#{@gt_issue} | ,}%H:%M";

export interface IssueTarget {
  socket: string;
  session: string;
}

export function issueTarget(townRoot: string, session: string, env: NodeJS.ProcessEnv): IssueTarget {
  return { socket: townSocketName(townRoot, env), session };
}

async function tmux(t: IssueTarget, ...commands: string[][]): Promise<string> {
  const args = commands.flatMap((c, i) => (i === 0 ? c : [";", ...c]));
  const r = await runCommand("tmux", ["-L", t.socket, ...args], { timeoutMs: 15_000 });
  if (r.exitCode === 0) return r.stdout;
  if (/no server running|error connecting to|can't find session|session not found/i.test(r.stderr))
    throw new NotFoundError(t.session, `no tmux session ${t.session}`);
  throw new Error(`tmux ${commands[0]?.[0]}: ${r.stderr.trim().split("\n")[0]}`);
}

/**
 * The session's id ($N): tmux would take a bare name as a prefix of another session's, and
 * not every command accepts the exact-match "=name" form.
 */
async function sessionId(t: IssueTarget): Promise<string> {
  const out = await tmux(t, ["list-sessions", "-F", "#{session_id} #{session_name}"]);
  for (const line of out.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp > 0 && line.slice(sp + 1) === t.session) return line.slice(0, sp);
  }
  throw new NotFoundError(t.session, `no tmux session ${t.session}`);
}

export async function setIssue(t: IssueTarget, issue: string): Promise<void> {
  if (!ISSUE_ID.test(issue))
    throw new ValidationError(`invalid issue id "${issue}" (letters, digits and . _ : / -)`);
  const id = await sessionId(t);
  await tmux(
    t,
    ["set-environment", "-t", id, "GT_ISSUE", issue],
    ["set-option", "-t", id, "@gt_issue", issue],
    ["set-option", "-t", id, "status-right", STATUS_RIGHT],
  );
}

export async function clearIssue(t: IssueTarget): Promise<string | null> {
  const id = await sessionId(t);
  const was = await issueOf(t, id);
  await tmux(t, ["set-environment", "-u", "-t", id, "GT_ISSUE"], ["set-option", "-u", "-t", id, "@gt_issue"]);
  return was;
}

/** The session's current issue, or null. */
export async function currentIssue(t: IssueTarget): Promise<string | null> {
  return issueOf(t, await sessionId(t));
}

async function issueOf(t: IssueTarget, id: string): Promise<string | null> {
  const r = await runCommand("tmux", ["-L", t.socket, "show-environment", "-t", id, "GT_ISSUE"], {
    timeoutMs: 15_000,
  });
  // Unset: "unknown variable" (exit 1) or "-GT_ISSUE" (removed).
  const m = r.exitCode === 0 ? /^GT_ISSUE=(.*)$/m.exec(r.stdout) : null;
  return m?.[1] || null;
}
