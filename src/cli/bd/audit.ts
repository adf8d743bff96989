// bd audit record / label: lines appended to .beads/interactions.jsonl (src/ledger/audit.ts).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { type AuditEntry, appendAuditEntry, parseAuditEntry, readAuditLog } from "../../ledger/audit.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

const FIELDS = ["kind", "model", "prompt", "response", "issueId", "toolName", "error"] as const;

async function record(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const exitCode = o.exitCode === undefined ? undefined : Number(o.exitCode);
  if (exitCode !== undefined && !Number.isInteger(exitCode))
    throw new ValidationError(`--exit-code is a whole number (got "${String(o.exitCode)}")`);
  const noFields = FIELDS.every((f) => o[f] === undefined) && exitCode === undefined;
  // Piped JSON with no field flags is read as the entry, as beads does; --stdin asks for it.
  let entry: AuditEntry;
  if (o.stdin === true || (noFields && !process.stdin.isTTY)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(0, "utf8"));
    } catch (e) {
      throw new ValidationError(`invalid JSON on stdin: ${(e as Error).message}`);
    }
    entry = parseAuditEntry(raw);
    if (o.actor) entry.actor = String(o.actor);
  } else {
    if (o.kind === undefined) throw new ValidationError("--kind is required (or pipe an entry as JSON)");
    entry = parseAuditEntry({
      kind: o.kind,
      actor: ctx.actor(),
      issue_id: o.issueId,
      model: o.model,
      prompt: o.prompt,
      response: o.response,
      tool_name: o.toolName,
      error: o.error,
      exit_code: exitCode,
    });
  }
  const written = appendAuditEntry(ctx.location().beadsDir, entry);
  if (ctx.json) return ctx.printJson({ id: written.id, kind: written.kind });
  ctx.out(String(written.id));
}

async function label(ctx: BdContext, [parent]: string[], o: Record<string, unknown>) {
  if (!o.label) throw new ValidationError("--label is required (e.g. good or bad)");
  const beadsDir = ctx.location().beadsDir;
  if (!readAuditLog(beadsDir).some((e) => e.id === parent))
    throw new ValidationError(`no audit entry "${parent}" in interactions.jsonl`);
  const written = appendAuditEntry(beadsDir, {
    kind: "label",
    actor: ctx.actor(),
    parent_id: parent,
    label: String(o.label),
    ...(o.reason ? { reason: String(o.reason) } : {}),
  });
  if (ctx.json) return ctx.printJson({ id: written.id, parent_id: parent, label: written.label });
  ctx.out(String(written.id));
}

export const AUDIT: CommandGroup = {
  names: ["audit"],
  register(program: Command) {
    const audit = program
      .command("audit")
      .description("The agent interaction log (.beads/interactions.jsonl): append-only entries and labels");
    audit
      .command("record")
      .description("Append an interaction entry (flags, or a JSON entry on stdin)")
      .option("--kind <kind>", "entry kind: llm_call, tool_call, …")
      .option("--issue-id <id>", "the issue it relates to")
      .option("--model <name>", "model name (llm_call)")
      .option("--prompt <text>", "prompt text (llm_call)")
      .option("--response <text>", "response text (llm_call)")
      .option("--error <text>", "error text")
      .option("--tool-name <name>", "tool name (tool_call)")
      .option("--exit-code <n>", "exit code (tool_call)")
      .option("--stdin", "read the entry as a JSON object from stdin")
      .action(act(record));
    audit
      .command("label <entry-id>")
      .description("Append a label judging an earlier entry")
      .option("--label <value>", "the label, e.g. good or bad")
      .option("--reason <text>", "why")
      .action(act(label));
  },
};
