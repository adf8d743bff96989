// Escalations (spec §5.3): a bead in the town ledger (type escalation, label gt:escalation)
// routed by severity per settings/escalation.json — the bead itself, mail (mail:<address>),
// an event (log), and outward actions with a URL from the config (webhook:<url>, or the
// contacts' slack/sms/email webhooks). An escalation nobody acknowledges within the stale
// threshold is raised one severity and routed again, up to max_reescalations times.
// Outward actions are best-effort: their results are recorded on the bead, never fatal.
import { join } from "node:path";
import { NotFoundError, ValidationError } from "../errors.ts";
import { logEvent } from "../events/log.ts";
import type { Issue } from "../ledger/model.ts";
import type { Ledger } from "../ledger/store.ts";
import * as z from "../schema.ts";
import { readJsonFile } from "../town/json-file.ts";
import { openTownLedger } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { sendMail } from "./mail.ts";

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
const PRIORITY: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };
export const ESCALATION_TYPE = "escalation";
export const ESCALATION_LABEL = "gt:escalation";

const settingsSchema = z.lazy(() =>
  z.looseObject({
    routes: z._default(z.partialRecord(z.enum(SEVERITIES), z.array(z.string())), {}),
    contacts: z._default(
      z.looseObject({
        slack_webhook: z.optional(z.string()),
        sms_webhook: z.optional(z.string()),
        email_webhook: z.optional(z.string()),
      }),
      {},
    ),
    stale_threshold: z._default(
      z.string().check(z.regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, "a duration such as 30m, 4h or 10s")),
      "4h",
    ),
    max_reescalations: z._default(z.int().check(z.gte(0)), 2),
  }),
);
export type EscalationSettings = z.output<typeof settingsSchema>;

export function loadEscalationSettings(town: Town): EscalationSettings {
  return readJsonFile(join(town.root, "settings", "escalation.json"), settingsSchema, () =>
    settingsSchema.parse({}),
  );
}

export function durationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)!;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms"];
  return Number(m[1]) * unit;
}

export interface Escalation {
  id: string;
  summary: string;
  reason: string;
  severity: Severity;
  original_severity: Severity;
  status: string;
  source: string;
  related: string | null;
  acknowledged: boolean;
  reescalation_count: number;
  last_escalated_at: string;
  created_at: string;
  /** What each routing did, most recent routing last. */
  actions: Array<{ at: string; severity: Severity; action: string; result: string }>;
}

function toEscalation(i: Issue): Escalation {
  const m = (i.metadata as Record<string, unknown> | undefined) ?? {};
  return {
    id: i.id,
    summary: i.title,
    reason: i.description ?? "",
    severity: (m.severity as Severity) ?? "medium",
    original_severity: (m.original_severity as Severity) ?? (m.severity as Severity) ?? "medium",
    status: i.status,
    source: (m.source as string) ?? "",
    related: (m.related as string | undefined) ?? null,
    acknowledged: m.acknowledged === true,
    reescalation_count: Number(m.reescalation_count ?? 0),
    last_escalated_at: (m.last_escalated_at as string) ?? i.created_at,
    created_at: i.created_at,
    actions: (m.actions as Escalation["actions"] | undefined) ?? [],
  };
}

async function post(url: string, payload: unknown): Promise<string> {
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(5000),
    });
    return r.ok ? `sent (${r.status})` : `failed: HTTP ${r.status}`;
  } catch (e) {
    return `failed: ${(e as Error).message}`;
  }
}

/** Runs one route's actions for an escalation; returns what each did. */
async function runRoute(
  town: Town,
  settings: EscalationSettings,
  e: Escalation,
  severity: Severity,
  actor: string,
): Promise<Escalation["actions"]> {
  const at = new Date().toISOString();
  const payload = {
    escalation: e.id,
    severity,
    summary: e.summary,
    reason: e.reason,
    source: e.source,
    town: town.root,
  };
  const out: Escalation["actions"] = [];
  for (const action of settings.routes[severity] ?? ["bead"]) {
    const [kind, ...rest] = action.split(":");
    const arg = rest.join(":");
    let result: string;
    if (kind === "bead") result = "recorded";
    else if (kind === "log") {
      logEvent(town.root, "escalation_log", actor, payload);
      result = "logged";
    } else if (kind === "mail") {
      try {
        const m = await sendMail(town, {
          from: actor,
          to: arg || "mayor",
          subject: `🚨 ESCALATION [${severity}]: ${e.summary}`,
          body: `${e.reason}\n\nEscalation ${e.id} from ${e.source || actor}${e.related ? `, about ${e.related}` : ""}. Acknowledge with gt escalate ack ${e.id}.`,
          priority: severity === "critical" ? "urgent" : severity === "high" ? "high" : "normal",
          type: "escalation",
        });
        result = `mailed ${m.to} (${m.id})`;
      } catch (err) {
        result = `failed: ${(err as Error).message}`;
      }
    } else if (kind === "webhook" && /^https?:/.test(arg)) result = await post(arg, payload);
    else {
      const hook = {
        slack: settings.contacts.slack_webhook,
        sms: settings.contacts.sms_webhook,
        email: settings.contacts.email_webhook,
      }[kind as "slack"];
      result = hook
        ? await post(hook, payload)
        : `skipped: no ${kind} contact configured in settings/escalation.json`;
    }
    out.push({ at, severity, action, result });
  }
  return out;
}

async function record(
  ledger: Ledger,
  e: Escalation,
  patch: Record<string, unknown>,
  actor: string,
  note: string,
) {
  await ledger.updateIssue(e.id, { set_metadata: patch }, actor);
  await ledger.addComment(e.id, actor, note);
}

export interface EscalateInput {
  summary: string;
  severity: Severity;
  reason?: string;
  related?: string;
  source?: string;
  actor: string;
}

export async function escalate(town: Town, input: EscalateInput): Promise<Escalation> {
  if (!SEVERITIES.includes(input.severity))
    throw new ValidationError(`unknown severity "${input.severity}" (${SEVERITIES.join(", ")})`);
  if (!input.summary.trim()) throw new ValidationError("say what the escalation is about");
  const settings = loadEscalationSettings(town);
  const ledger = openTownLedger(town);
  try {
    const now = new Date().toISOString();
    const issue = await ledger.createIssue(
      {
        title: input.summary.trim(),
        description: input.reason ?? "",
        issue_type: ESCALATION_TYPE,
        priority: PRIORITY[input.severity],
        labels: [ESCALATION_LABEL, `severity:${input.severity}`],
        metadata: {
          severity: input.severity,
          original_severity: input.severity,
          source: input.source ?? input.actor,
          ...(input.related ? { related: input.related } : {}),
          acknowledged: false,
          reescalation_count: 0,
          last_escalated_at: now,
        },
      },
      input.actor,
    );
    const e = toEscalation(issue);
    const actions = await runRoute(town, settings, e, input.severity, input.actor);
    await record(
      ledger,
      e,
      { actions },
      input.actor,
      `Routed (${input.severity}): ${actions.map((a) => `${a.action} → ${a.result}`).join("; ")}`,
    );
    logEvent(town.root, "escalation_sent", input.actor, {
      id: e.id,
      severity: input.severity,
      to: actions.map((a) => a.action),
    });
    return toEscalation((await ledger.getIssue(e.id))!);
  } finally {
    await ledger.close();
  }
}

async function getEscalation(ledger: Ledger, id: string): Promise<Escalation> {
  const issue = await ledger.getIssue(await ledger.resolveId(id).catch(() => id));
  if (!issue?.labels?.includes(ESCALATION_LABEL)) throw new NotFoundError(id, `no escalation ${id}`);
  return toEscalation(issue);
}

export async function showEscalation(town: Town, id: string): Promise<Escalation> {
  const ledger = openTownLedger(town);
  try {
    return await getEscalation(ledger, id);
  } finally {
    await ledger.close();
  }
}

export async function listEscalations(
  town: Town,
  opts: { all?: boolean; severity?: Severity; unacked?: boolean } = {},
): Promise<Escalation[]> {
  const ledger = openTownLedger(town);
  try {
    const rows = await ledger.listIssues({
      labels: [ESCALATION_LABEL],
      includeInfra: true,
      sort: "priority",
      ...(opts.all ? { all: true } : {}),
    });
    return rows
      .map(toEscalation)
      .filter((e) => (!opts.severity || e.severity === opts.severity) && (!opts.unacked || !e.acknowledged));
  } finally {
    await ledger.close();
  }
}

export async function ackEscalation(town: Town, id: string, actor: string): Promise<Escalation> {
  const ledger = openTownLedger(town);
  try {
    const e = await getEscalation(ledger, id);
    await record(
      ledger,
      e,
      { acknowledged: true, acked_by: actor, acked_at: new Date().toISOString() },
      actor,
      `Acknowledged by ${actor}.`,
    );
    logEvent(town.root, "escalation_acked", actor, { id: e.id });
    return toEscalation((await ledger.getIssue(e.id))!);
  } finally {
    await ledger.close();
  }
}

export async function closeEscalation(
  town: Town,
  id: string,
  reason: string,
  actor: string,
): Promise<Escalation> {
  const ledger = openTownLedger(town);
  try {
    const e = await getEscalation(ledger, id);
    await ledger.closeIssue(e.id, { reason, force: true }, actor);
    logEvent(town.root, "escalation_closed", actor, { id: e.id, reason });
    return toEscalation((await ledger.getIssue(e.id))!);
  } finally {
    await ledger.close();
  }
}

/**
 * Re-escalates what nobody acknowledged in time: one severity up (critical stays critical),
 * the new severity's route run again, at most max_reescalations times per escalation.
 */
export async function reescalateStale(town: Town, actor: string, now = Date.now()): Promise<Escalation[]> {
  const settings = loadEscalationSettings(town);
  const threshold = durationMs(settings.stale_threshold);
  const ledger = openTownLedger(town);
  try {
    const open = (await ledger.listIssues({ labels: [ESCALATION_LABEL], includeInfra: true })).map(
      toEscalation,
    );
    const raised: Escalation[] = [];
    for (const e of open) {
      if (e.acknowledged || e.reescalation_count >= settings.max_reescalations) continue;
      if (now - Date.parse(e.last_escalated_at) < threshold) continue;
      const next = SEVERITIES[Math.min(SEVERITIES.length - 1, SEVERITIES.indexOf(e.severity) + 1)]!;
      const actions = await runRoute(town, settings, { ...e, severity: next }, next, actor);
      await ledger.updateIssue(
        e.id,
        {
          priority: PRIORITY[next],
          remove_labels: [`severity:${e.severity}`],
          add_labels: [`severity:${next}`],
          set_metadata: {
            severity: next,
            reescalation_count: e.reescalation_count + 1,
            last_escalated_at: new Date(now).toISOString(),
            actions: [...e.actions, ...actions],
          },
        },
        actor,
      );
      await ledger.addComment(
        e.id,
        actor,
        `Not acknowledged within ${settings.stale_threshold}: re-escalated ${e.severity} → ${next}: ${actions.map((a) => `${a.action} → ${a.result}`).join("; ")}`,
      );
      logEvent(town.root, "escalation_sent", actor, {
        id: e.id,
        severity: next,
        reescalation: e.reescalation_count + 1,
      });
      raised.push(toEscalation((await ledger.getIssue(e.id))!));
    }
    return raised;
  } finally {
    await ledger.close();
  }
}
