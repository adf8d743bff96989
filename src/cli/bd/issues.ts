// bd create, show, update, close, reopen, delete: the life of one bead.
import type { Command } from "commander";
import { AmbiguousIdError, NotFoundError, ValidationError } from "../../errors.ts";
import { WELL_KNOWN_DEP_TYPES, WISP_TYPES } from "../../ledger/model.ts";
import type { CreateIssueInput, IssuePatch } from "../../ledger/store.ts";
import { missingSections, parsePriority, parseWhen, validateEstimate } from "../../ledger/validate.ts";
import { BD_BUNDLES } from "./bundles.ts";
import { continueAfterClose, landConvoys, refuseWaitingGate } from "./close-extra.ts";
import type { BdContext } from "./context.ts";
import { feedback, one, pri, showIssue } from "./format.ts";
import { collect, estimateArg, parseMetadata, readTextArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";
import { showTargets } from "./show-extra.ts";

function metadataArg(value: string): Record<string, unknown> {
  return parseMetadata(value.startsWith("@") ? readTextArg(value.slice(1)) : value);
}

/**
 * One `--deps` entry, as bd reads it: a bare `id` (or `depends-on:id`, `blocked-by:id`)
 * means the new issue depends on id; `blocks:id` means the new issue blocks id; any
 * other `type:id` is an edge of that type from the new issue.
 */
export function parseDepSpec(spec: string): { type: string; id: string; reverse: boolean } {
  const s = spec.trim();
  const m = /^([a-z][a-z-]*):(.+)$/.exec(s);
  if (!m) return { type: "blocks", id: s, reverse: false };
  const [, kind, id] = m as unknown as [string, string, string];
  if (kind === "depends-on" || kind === "blocked-by")
    return { type: "blocks", id: id.trim(), reverse: false };
  if (kind === "blocks") return { type: "blocks", id: id.trim(), reverse: true };
  if (!(WELL_KNOWN_DEP_TYPES as readonly string[]).includes(kind)) {
    const valid = [...WELL_KNOWN_DEP_TYPES, "blocked-by", "depends-on"].sort().join(", ");
    throw new ValidationError(`unknown dependency type "${kind}"; valid types: ${valid}`);
  }
  return { type: kind, id: id.trim(), reverse: false };
}

const MOL_TYPES = ["swarm", "patrol", "work"];

function checkMolType(value: unknown): void {
  if (value !== undefined && !MOL_TYPES.includes(String(value))) {
    throw new ValidationError(`invalid mol-type "${value}" (must be swarm, patrol, or work)`);
  }
}

function textFlag(opts: Record<string, unknown>, name: string, fileName: string): string | undefined {
  const file = opts[fileName] as string | undefined;
  if (file) return readTextArg(file);
  return opts[name] as string | undefined;
}

async function create(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  const titleArg = args.join(" ").trim();
  const title = (o.title as string | undefined) ?? titleArg;
  if (!title) throw new ValidationError('title required (bd create "Title" or --title)');
  if (title.startsWith("--"))
    throw new ValidationError(`title "${title}" looks like a flag; put free text after --`);
  const store = ctx.ledger();
  checkMolType(o.molType);
  if (o.wispType && !(WISP_TYPES as readonly string[]).includes(o.wispType as string)) {
    throw new ValidationError(`invalid wisp type "${o.wispType}" (valid: ${WISP_TYPES.join(", ")})`);
  }
  const specs = ((o.deps as string[] | undefined) ?? []).map(parseDepSpec);
  // Every edge's other end must exist (or be an external: reference) before anything is stored.
  for (const d of specs) d.id = d.reverse ? d.id : await ctx.resolveRef(d.id);
  if (o.waitsFor) o.waitsFor = await ctx.resolveRef(o.waitsFor as string);
  const deps = specs.filter((d) => !d.reverse).map((d) => ({ type: d.type, depends_on_id: d.id }));
  const dependents = specs.filter((d) => d.reverse).map((d) => ({ type: d.type, issue_id: d.id }));
  if (o.waitsFor && o.waitsForGate !== "any-children") {
    deps.push({ type: "waits-for", depends_on_id: o.waitsFor as string });
  }
  const deferUntil = o.defer ? parseWhen(o.defer as string, new Date(), "--defer") : undefined;
  const input: CreateIssueInput = {
    title,
    id: o.id as string | undefined,
    description: textFlag(o, "description", "bodyFile"),
    design: o.design as string | undefined,
    acceptance_criteria: o.acceptance as string | undefined,
    notes: o.notes as string | undefined,
    spec_id: o.specId as string | undefined,
    priority: o.priority !== undefined ? parsePriority(o.priority as string) : undefined,
    issue_type: o.type as string | undefined,
    assignee: o.assignee as string | undefined,
    owner: (o.owner as string | undefined) ?? ctx.ownerEmail(),
    estimated_minutes: o.estimate !== undefined ? validateEstimate(o.estimate as number) : undefined,
    external_ref: o.externalRef as string | undefined,
    labels: [...((o.labels as string[]) ?? []), ...((o.label as string[]) ?? [])],
    deps,
    dependents,
    parent: o.parent as string | undefined,
    inheritLabels: !o.noInheritLabels,
    ephemeral: o.ephemeral as boolean | undefined,
    no_history: o.noHistory as boolean | undefined,
    wisp_type: o.wispType as string | undefined,
    mol_type: o.molType as string | undefined,
    due_at: o.due ? parseWhen(o.due as string, new Date(), "--due") : undefined,
    defer_until: deferUntil,
    metadata: o.metadata ? metadataArg(o.metadata as string) : undefined,
    event_kind: o.eventCategory as string | undefined,
    actor: o.eventActor as string | undefined,
    target: o.eventTarget as string | undefined,
    payload: o.eventPayload as string | undefined,
    // A defer date in the future files the issue as deferred, as bd does.
    status:
      (o.status as string | undefined) ??
      (deferUntil && Date.parse(deferUntil) > Date.now() ? "deferred" : undefined),
    force: o.force as boolean | undefined,
  };
  if (o.waitsFor && o.waitsForGate) {
    const gate = o.waitsForGate as string;
    if (gate !== "all-children" && gate !== "any-children") {
      throw new ValidationError(`invalid --waits-for-gate "${gate}" (all-children or any-children)`);
    }
  }
  if (o.validate) {
    const missing = missingSections({
      issue_type: input.issue_type ?? "task",
      description: input.description,
      acceptance_criteria: input.acceptance_criteria,
    });
    if (missing.length > 0)
      throw new ValidationError(`validation failed: description is missing ${missing.join(", ")}`);
  }
  if (o.dryRun) {
    if (ctx.json) return ctx.printJson({ dry_run: true, ...input, id: input.id ?? "" });
    ctx.out("⚠ [DRY RUN] Would create issue:");
    ctx.out(
      `  ID: ${input.id ?? (input.parent ? `(next child of ${input.parent})` : "(will be generated)")}`,
    );
    ctx.out(`  Title: ${one(input.title)}`);
    ctx.out(`  Type: ${input.issue_type ?? "task"}`);
    ctx.out(`  Priority: P${input.priority ?? 2}`);
    ctx.out(`  Status: ${input.status ?? "open"}`);
    if (input.assignee) ctx.out(`  Assignee: ${one(input.assignee)}`);
    if (input.description) ctx.out(`  Description: ${input.description}`);
    if (input.labels?.length) ctx.out(`  Labels: ${input.labels.map(one).join(", ")}`);
    const deps = [
      ...(input.deps ?? []).map((d) => `${d.type}:${d.depends_on_id}`),
      ...(input.dependents ?? []).map((d) => `blocks:${d.issue_id}`),
    ];
    if (deps.length > 0) ctx.out(`  Dependencies: ${deps.join(", ")}`);
    return;
  }
  const issue = await store.createIssue(input, ctx.actor());
  ctx.touch(issue.id);
  if (o.waitsFor && o.waitsForGate === "any-children") {
    await store.addDependency(
      {
        issue_id: issue.id,
        depends_on_id: o.waitsFor as string,
        type: "waits-for",
        metadata: JSON.stringify({ gate: "any-children" }),
      },
      ctx.actor(),
    );
  }
  if (ctx.json) ctx.printJson(issue);
  else if (o.silent) ctx.out(issue.id);
  else {
    ctx.out(`✓ Created issue: ${feedback(issue.id, issue.title)}`);
    ctx.out(`  Priority: P${issue.priority}`);
    ctx.out(`  Status: ${issue.status}`);
  }
}

async function show(ctx: BdContext, ids: string[], o: Record<string, unknown>) {
  const details = [];
  let failed = 0;
  for (const raw of ids) {
    try {
      const { store, id } = await ctx.resolve(raw);
      details.push(await store.getDetails(id));
      if (details.length === 1) ctx.touch(id);
    } catch (e) {
      if (ids.length === 1) throw e;
      failed++;
      ctx.warn(`Error fetching ${raw}: ${(e as Error).message}`);
    }
  }
  if (ctx.json) ctx.printJson(details);
  else if (o.short)
    for (const d of details)
      ctx.out(`${one(d.id)} [${pri(d.priority)}] [${one(d.issue_type)}] ${one(d.status)} - ${one(d.title)}`);
  else ctx.out(details.map(showIssue).join("\n\n"));
  return failed > 0 && details.length === 0 ? 1 : 0;
}

/** Flags that cannot be given together (bd refuses rather than guessing). */
const CONFLICTS: Array<[string, string, string]> = [
  ["ephemeral", "persistent", "--ephemeral and --persistent"],
  ["notes", "appendNotes", "--notes and --append-notes"],
  ["metadata", "setMetadata", "--metadata and --set-metadata"],
  ["metadata", "unsetMetadata", "--metadata and --unset-metadata"],
  ["setLabels", "addLabel", "--set-labels and --add-label"],
  ["setLabels", "removeLabel", "--set-labels and --remove-label"],
  ["assignee", "unassign", "--assignee and --unassign"],
];

function patchFrom(o: Record<string, unknown>): IssuePatch {
  for (const [a, b, what] of CONFLICTS) {
    if (o[a] !== undefined && o[b] !== undefined)
      throw new ValidationError(`${what} cannot be used together`);
  }
  checkMolType(o.molType);
  const p: IssuePatch = {};
  const str = (k: string) => (o[k] === undefined ? undefined : String(o[k]));
  if (o.title !== undefined) p.title = str("title");
  const desc = textFlag(o, "description", "bodyFile");
  if (desc !== undefined) p.description = desc;
  if (o.design !== undefined) p.design = str("design");
  if (o.acceptance !== undefined) p.acceptance_criteria = str("acceptance");
  if (o.notes !== undefined) p.notes = str("notes");
  if (o.appendNotes !== undefined) p.append_notes = str("appendNotes");
  if (o.specId !== undefined) p.spec_id = str("specId");
  if (o.status !== undefined) p.status = str("status");
  if (o.priority !== undefined) p.priority = parsePriority(o.priority as string);
  if (o.type !== undefined) p.issue_type = str("type");
  if (o.assignee !== undefined) p.assignee = str("assignee") ?? null;
  if (o.unassign) p.assignee = null;
  if (o.owner !== undefined) p.owner = str("owner");
  if (o.estimate !== undefined) p.estimated_minutes = validateEstimate(o.estimate as number);
  if (o.externalRef !== undefined) p.external_ref = str("externalRef");
  if (o.due !== undefined) p.due_at = o.due === "" ? null : parseWhen(o.due as string, new Date(), "--due");
  if (o.defer !== undefined)
    p.defer_until = o.defer === "" ? null : parseWhen(o.defer as string, new Date(), "--defer");
  if (o.parent !== undefined) p.parent = o.parent === "" ? null : str("parent");
  if (o.metadata !== undefined) p.metadata = metadataArg(o.metadata as string);
  if (o.setMetadata) {
    p.set_metadata = {};
    for (const kv of o.setMetadata as string[]) {
      const i = kv.indexOf("=");
      if (i <= 0) throw new ValidationError(`invalid --set-metadata "${kv}" (expected key=value)`);
      const raw = kv.slice(i + 1);
      let v: unknown = raw;
      try {
        v = JSON.parse(raw);
      } catch {
        // plain strings are fine
      }
      p.set_metadata[kv.slice(0, i)] = v;
    }
  }
  if (o.unsetMetadata) p.unset_metadata = o.unsetMetadata as string[];
  if (o.addLabel) p.add_labels = o.addLabel as string[];
  if (o.removeLabel) p.remove_labels = o.removeLabel as string[];
  if (o.setLabels) p.set_labels = o.setLabels as string[];
  if (o.pinned !== undefined) p.pinned = o.pinned as boolean;
  if (o.persistent) p.ephemeral = false;
  if (o.ephemeral) p.ephemeral = true;
  if (o.wispType !== undefined) p.wisp_type = str("wispType");
  if (o.molType !== undefined) p.mol_type = str("molType");
  return p;
}

async function update(ctx: BdContext, given: string[], o: Record<string, unknown>) {
  const ids = ctx.idsOrLastTouched(given);
  const patch = patchFrom(o);
  if (Object.keys(patch).length === 0 && !o.claim) {
    if (!ctx.json) ctx.out("No updates specified");
    return;
  }
  const actor = ctx.actor();
  const results = [];
  let lastError: unknown;
  for (const raw of ids) {
    try {
      const { store, id } = await ctx.resolve(raw);
      let issue = o.claim ? await store.claimIssue(id, actor) : await store.getIssue(id);
      if (Object.keys(patch).length > 0) issue = await store.updateIssue(id, patch, actor);
      results.push(issue!);
      if (results.length === 1) ctx.touch(id);
      if (!ctx.json) ctx.out(`✓ Updated issue: ${feedback(id, issue!.title)}`);
    } catch (e) {
      lastError = e;
      if (ids.length > 1) {
        const resolving = e instanceof NotFoundError || e instanceof AmbiguousIdError;
        const stage = resolving ? "resolving" : o.claim ? "claiming" : "updating";
        ctx.warn(`Error ${stage} ${raw}: ${(e as Error).message}`);
      }
    }
  }
  // Exit 1 only when nothing was updated, as bd does.
  if (results.length === 0 && lastError) throw lastError;
  if (ctx.json) ctx.printJson(results);
}

async function close(ctx: BdContext, given: string[], o: Record<string, unknown>) {
  const ids = ctx.idsOrLastTouched(given);
  const actor = ctx.actor();
  const reason =
    (o.reason as string | undefined) ??
    (o.reasonFile ? readTextArg(o.reasonFile as string).trim() : undefined);
  const closed = [];
  const unblocked = new Set<string>();
  let failures = 0;
  let lastError: unknown;
  // Every ID must resolve before anything closes.
  const targets = [];
  for (const raw of ids) targets.push(await ctx.resolve(raw));
  for (const { store, id } of targets) {
    try {
      if (!o.force) await refuseWaitingGate(store, id);
      const res = await store.closeIssue(
        id,
        { reason, force: o.force as boolean, session: (o.session as string) ?? ctx.env.CLAUDE_SESSION_ID },
        actor,
      );
      closed.push(res.issue);
      for (const u of res.unblocked) unblocked.add(u);
      if (!ctx.json)
        ctx.out(`✓ Closed ${feedback(id, res.issue.title)}: ${one(res.issue.close_reason ?? "Closed")}`);
      // Only a bead with a parent can be a molecule's step: the rest skip loading formulas.
      if ((await store.dependencyRecords(id)).some((d) => d.type === "parent-child")) {
        const { closeMoleculeIfComplete } = await import("../../formulas/molecule.ts");
        const root = await closeMoleculeIfComplete(store, id, actor);
        if (root && !ctx.json) ctx.out(`✓ Auto-closed completed molecule ${root}`);
      }
    } catch (e) {
      failures++;
      lastError = e;
      if (ids.length > 1) ctx.warn((e as Error).message);
    }
  }
  // A single failed close is an error; with several IDs, partial success still exits 0.
  if (closed.length === 0 && lastError) throw lastError;
  await landConvoys(
    ctx,
    closed.map((i) => i.id),
    actor,
  );
  if (o.continue) return continueAfterClose(ctx, closed);
  if (ctx.json) {
    ctx.printJson(o.suggestNext ? { closed, unblocked: [...unblocked] } : closed);
  } else if (o.suggestNext && unblocked.size > 0) {
    ctx.out("\nNewly unblocked:");
    for (const u of unblocked) {
      const { store, id } = await ctx.resolve(u);
      const issue = await store.getIssue(id);
      if (issue) ctx.out(`  • ${feedback(issue.id, issue.title)} (P${issue.priority})`);
    }
  }
  return failures > 0 && closed.length === 0 ? 1 : 0;
}

async function reopen(ctx: BdContext, ids: string[], o: Record<string, unknown>) {
  if (ids.length === 0) throw new ValidationError("at least one issue ID is required");
  const out = [];
  for (const raw of ids) {
    const { store, id } = await ctx.resolve(raw);
    const issue = await store.getIssue(id);
    if (issue?.status === "open") {
      if (!ctx.json) ctx.warn(`${id} is already open`);
      out.push(issue);
      continue;
    }
    const reopened = await store.reopenIssue(id, o.reason as string | undefined, ctx.actor());
    out.push(reopened);
    if (!ctx.json) ctx.out(`↻ Reopened ${id}${o.reason ? `: ${one(o.reason as string)}` : ""}`);
  }
  if (ctx.json) ctx.printJson(out);
}

async function del(ctx: BdContext, ids: string[], o: Record<string, unknown>) {
  if (ids.length === 0) throw new ValidationError("no issue IDs provided");
  const store = ctx.ledger();
  const resolved: string[] = [];
  const missing: string[] = [];
  for (const raw of ids) {
    try {
      resolved.push(await store.resolveId(raw));
    } catch {
      missing.push(raw);
    }
  }
  if (missing.length > 0) {
    throw new ValidationError(
      missing.length === 1 ? `issue ${missing[0]} not found` : `issues not found: ${missing.join(", ")}`,
    );
  }
  const plans = [];
  for (const id of resolved) plans.push(await store.planDelete(id));
  if (!o.force || o.dryRun) {
    if (ctx.json) {
      return ctx.printJson({
        dry_run: true,
        would_delete: plans.map((p) => p.issue.id),
        dependencies_removed: plans.reduce((n, p) => n + p.dependents.length + p.dependencies.length, 0),
      });
    }
    ctx.out("\n⚠️  DELETE PREVIEW\n");
    ctx.out(plans.length === 1 ? "Issue to delete:" : `Issues to delete (${plans.length}):`);
    for (const p of plans) ctx.out(`  ${one(p.issue.id)}: ${one(p.issue.title)}`);
    const links = plans.flatMap((p) => [
      ...p.dependencies.map((d) => `  ${p.issue.id} → ${d}`),
      ...p.dependents.map((d) => `  ${d} → ${p.issue.id} (inbound)`),
    ]);
    if (links.length > 0) {
      ctx.out(`\nDependency links to remove: ${links.length}`);
      for (const l of links) ctx.out(l);
    }
    if (o.dryRun) return ctx.out("\n(Dry-run mode - no changes made)\n");
    ctx.out("\nThis operation cannot be undone!");
    ctx.out(`To proceed, run: bd delete ${resolved.join(" ")} --force\n`);
    return;
  }
  let links = 0;
  for (const id of resolved) {
    const plan = await store.deleteIssue(id, ctx.actor());
    links += plan.dependents.length + plan.dependencies.length;
  }
  if (ctx.json) {
    return ctx.printJson(
      resolved.length === 1
        ? { deleted: resolved[0], dependencies_removed: links, references_updated: 0 }
        : {
            deleted: resolved,
            deleted_count: resolved.length,
            dependencies_removed: links,
            references_updated: 0,
          },
    );
  }
  ctx.out(resolved.length === 1 ? `✓ Deleted ${resolved[0]}` : `✓ Deleted ${resolved.length} issue(s)`);
  ctx.out(`  Removed ${links} dependency link(s)`);
}

function addEditFlags(cmd: Command): Command {
  return cmd
    .option("-d, --description <text>", "description")
    .option("--body-file <path>", "read the description from a file (- for stdin)")
    .option("--design <text>", "design notes")
    .option("--acceptance <text>", "acceptance criteria")
    .option("--notes <text>", "notes")
    .option("--spec-id <id>", "link to a specification document")
    .option("-p, --priority <p>", "priority 0-4 or P0-P4 (0 = critical)")
    .option("-t, --type <type>", "issue type")
    .option("-a, --assignee <who>", "assignee")
    .option("--owner <who>", "owner (a person's email, for attribution)")
    .option("-e, --estimate <minutes>", "time estimate in minutes", estimateArg)
    .option("--external-ref <ref>", "external reference (e.g. gh-9)")
    .option("--due <when>", "due date: +6h, +1d, +2w, tomorrow, 2026-01-15")
    .option("--defer <when>", "hide from bd ready until then (same formats as --due)")
    .option("--metadata <json>", "metadata JSON object (or @file.json)")
    .option("--parent <id>", "parent issue")
    .option("--wisp-type <type>", "wisp TTL class")
    .option("--mol-type <type>", "molecule type: swarm, patrol or work");
}

export const ISSUES: CommandGroup = {
  names: BD_BUNDLES["bd-issues"],
  register: registerIssues,
};

function registerIssues(program: Command): void {
  addEditFlags(
    program
      .command("create")
      .alias("new")
      .description("Create a new issue")
      .argument("[title...]", "issue title"),
  )
    .option("--title <title>", "issue title (instead of the positional argument)")
    .option("-l, --labels <labels>", "labels (comma-separated)", collect)
    .option("--label <labels>", "alias for --labels", collect)
    .option("--id <id>", "explicit issue ID")
    .option("--no-inherit-labels", "do not inherit the parent's labels")
    .option("--deps <deps>", "dependencies: 'type:id' or 'id' (comma-separated)", collect)
    .option("--waits-for <id>", "spawner issue whose children this one waits for")
    .option("--waits-for-gate <gate>", "all-children or any-children", "all-children")
    .option("--force", "accept an ID whose prefix differs from the ledger's")
    .option("--ephemeral", "create a wisp (never exported)")
    .option("--no-history", "keep with the wisps but never garbage-collect")
    .option("--status <status>", "initial status")
    .option("--silent", "print only the new ID")
    .option("--dry-run", "show what would be created, create nothing")
    .option("--validate", "refuse a description without the sections its type calls for")
    .option("--event-category <kind>", "event kind (with --type=event)")
    .option("--event-actor <uri>", "event actor (with --type=event)")
    .option("--event-target <uri>", "event target (with --type=event)")
    .option("--event-payload <json>", "event payload (with --type=event)")
    .option("--repo <path>", "accepted for compatibility")
    .action(
      act((ctx, args, o) => {
        // commander maps --no-inherit-labels to inheritLabels=false and --no-history to history=false.
        const opts = { ...o, noInheritLabels: o.inheritLabels === false, noHistory: o.history === false };
        return create(ctx, args, opts);
      }),
    );

  program
    .command("show")
    .alias("view")
    .description("Show issue details")
    .argument("[ids...]", "issue IDs")
    .option("--short", "one line per issue")
    .option("--id <id>", "an issue ID (repeatable; for IDs that look like flags)", collect)
    .option("--long", "accepted: every field is always shown")
    .option("--children", "accepted: children are always listed")
    .option("--refs", "accepted: dependents are always listed")
    .option("--include-dependents", "accepted: dependents are always included")
    .option("--include-comments", "accepted: comments are always included")
    .option("--current", "show the current issue (in progress or hooked by you, else the last touched)")
    .option("--thread", "show the whole message thread (replies-to edges)")
    .action(
      act(async (ctx, args, o) => {
        const ids = await showTargets(ctx, [...args, ...((o.id as string[] | undefined) ?? [])], o);
        return ids && show(ctx, ids, o);
      }),
    );

  addEditFlags(
    program.command("update").description("Update one or more issues").argument("[ids...]", "issue IDs"),
  )
    .option("--title <title>", "new title")
    .option("-s, --status <status>", "new status")
    .option("--claim", "atomically claim: assign to you and set in_progress (fails if someone else holds it)")
    .option("--unassign", "clear the assignee")
    .option("--append-notes <text>", "append to the notes")
    .option("--add-label <labels>", "add labels", collect)
    .option("--remove-label <labels>", "remove labels", collect)
    .option("--set-labels <labels>", "replace all labels", collect)
    .option("--set-metadata <k=v>", "set one metadata key (value may be JSON)", collect)
    .option("--unset-metadata <key>", "remove a metadata key", collect)
    .option("--pinned", "mark pinned")
    .option("--persistent", "promote a wisp to a persistent issue")
    .option("--ephemeral", "make the issue a wisp")
    .action(act(update));

  program
    .command("close")
    .alias("done")
    .description("Close one or more issues")
    .argument("[ids...]", "issue IDs")
    .option("-r, --reason <text>", "reason for closing")
    .option("--reason-file <path>", "read the reason from a file")
    .option("-f, --force", "close even with open blockers or open children")
    .option("--session <id>", "session that closed it (default: $CLAUDE_SESSION_ID)")
    .option("--suggest-next", "show issues unblocked by this close")
    .option("--continue", "then claim the next ready step of the molecule")
    .action(act(close));

  program
    .command("reopen")
    .description("Reopen closed issues")
    .argument("[ids...]", "issue IDs")
    .option("-r, --reason <text>", "reason for reopening")
    .action(act(reopen));

  program
    .command("delete")
    .description("Delete issues (shows a preview unless --force)")
    .argument("[ids...]", "issue IDs")
    .option("-f, --force", "really delete")
    .option("--dry-run", "show what would be deleted")
    .option("--hard", "accepted for compatibility (deletes are always hard)")
    .action(act(del));
}
