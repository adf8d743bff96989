// bd batch: write operations read from stdin (or -f file), one per line, run in a single
// transaction: all of them, or on the first failure none (the failing line is named).
// The grammar is beads': close, update key=value..., create, dep add, dep remove.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { WELL_KNOWN_DEP_TYPES } from "../../ledger/model.ts";
import type { IssuePatch } from "../../ledger/store.ts";
import { parsePriority } from "../../ledger/validate.ts";
import type { BdContext } from "./context.ts";
import { readTextArg } from "./options.ts";
import { act, type CommandGroup } from "./program.ts";

interface Op {
  line: number;
  raw: string;
  cmd: "close" | "update" | "create" | "dep.add" | "dep.remove";
  args: string[];
}

/** Whitespace-separated tokens; "double quotes" group, with \" and \\ inside. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let inToken = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === "\\" && (line[i + 1] === '"' || line[i + 1] === "\\")) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) out.push(cur);
      cur = "";
      inToken = false;
    } else {
      cur += c;
      inToken = true;
    }
  }
  if (quoted) throw new ValidationError("unterminated quoted string");
  if (inToken) out.push(cur);
  return out;
}

export function parseBatch(text: string): Op[] {
  const ops: Op[] = [];
  for (const [i, rawLine] of text.split("\n").entries()) {
    const raw = rawLine.trim();
    if (!raw || raw.startsWith("#")) continue;
    const line = i + 1;
    let tokens: string[];
    try {
      tokens = tokenize(raw);
    } catch (e) {
      throw new ValidationError(`line ${line}: ${(e as Error).message}`);
    }
    const [head, ...rest] = tokens;
    if (head === "close" || head === "update" || head === "create")
      ops.push({ line, raw, cmd: head, args: rest });
    else if (head === "dep") {
      if (rest[0] !== "add" && rest[0] !== "remove")
        throw new ValidationError(
          rest[0] === undefined
            ? `line ${line}: 'dep' requires a subcommand (add|remove)`
            : `line ${line}: unknown dep subcommand "${rest[0]}" (want add|remove)`,
        );
      ops.push({ line, raw, cmd: rest[0] === "add" ? "dep.add" : "dep.remove", args: rest.slice(1) });
    } else
      throw new ValidationError(
        `line ${line}: unsupported batch command "${head}" (supported: close, update, create, dep add, dep remove)`,
      );
  }
  return ops;
}

const UPDATE_KEYS = ["status", "priority", "title", "assignee"];

async function runOp(ctx: BdContext, op: Op): Promise<{ line: number; op: string; target?: string }> {
  const store = ctx.ledger();
  const actor = ctx.actor();
  const a = op.args;
  const result = (target: string) => ({ line: op.line, op: op.cmd, target });
  switch (op.cmd) {
    case "close": {
      if (!a[0]) throw new ValidationError("close requires <id>");
      const id = await store.resolveId(a[0]);
      await store.closeIssue(id, { reason: a.slice(1).join(" ") || undefined }, actor);
      return result(id);
    }
    case "update": {
      if (!a[0] || a.length < 2) throw new ValidationError("update requires <id> and at least one key=value");
      const id = await store.resolveId(a[0]);
      const patch: IssuePatch = {};
      for (const kv of a.slice(1)) {
        const eq = kv.indexOf("=");
        if (eq <= 0) throw new ValidationError(`update: expected key=value, got "${kv}"`);
        const key = kv.slice(0, eq);
        const value = kv.slice(eq + 1);
        if (!UPDATE_KEYS.includes(key))
          throw new ValidationError(
            `update: unsupported key "${key}" (supported: ${UPDATE_KEYS.join(", ")})`,
          );
        if (key === "priority") patch.priority = parsePriority(value);
        else if (key === "assignee") patch.assignee = value || null;
        else if (key === "status") patch.status = value;
        else patch.title = value;
      }
      await store.updateIssue(id, patch, actor);
      return result(id);
    }
    case "create": {
      if (a.length < 3) throw new ValidationError("create requires <type> <priority> <title>");
      const title = a.slice(2).join(" ").trim();
      if (!title) throw new ValidationError("create: title cannot be empty");
      const issue = await store.createIssue(
        { title, issue_type: a[0], priority: parsePriority(a[1]!), owner: ctx.ownerEmail() },
        actor,
      );
      return result(issue.id);
    }
    case "dep.add": {
      if (a.length < 2) throw new ValidationError("dep add requires <from-id> <to-id>");
      const type = a[2] ?? "blocks";
      if (!(WELL_KNOWN_DEP_TYPES as readonly string[]).includes(type))
        throw new ValidationError(`dep add: invalid dependency type "${type}"`);
      const from = await store.resolveId(a[0]!);
      const to = await ctx.resolveRef(a[1]!);
      await store.addDependency({ issue_id: from, depends_on_id: to, type }, actor);
      return result(`${from} -> ${to}`);
    }
    case "dep.remove": {
      if (a.length < 2) throw new ValidationError("dep remove requires <from-id> <to-id>");
      const from = await store.resolveId(a[0]!);
      const to = await ctx.resolveRef(a[1]!);
      await store.removeDependency(from, to, actor);
      return result(`${from} -> ${to}`);
    }
  }
}

async function batch(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const ops = parseBatch(readTextArg((o.file as string | undefined) ?? "-"));
  if (o.dryRun) {
    for (const op of ops) ctx.out(`line ${op.line}: ${op.raw}`);
    if (ctx.json) return ctx.printJson({ dry_run: true, operations: ops.length });
    return ctx.out(`${ops.length} operations parsed (dry-run, nothing executed)`);
  }
  if (ops.length === 0) {
    if (ctx.json) return ctx.printJson({ operations: 0, status: "ok" });
    return ctx.out("batch: 0 operations (no-op)");
  }
  const results = await ctx.ledger().batch(async () => {
    const done = [];
    for (const op of ops) {
      try {
        done.push(await runOp(ctx, op));
      } catch (e) {
        const err = e as Error;
        err.message = `line ${op.line} (${op.raw}): ${err.message}`;
        throw err;
      }
    }
    return done;
  });
  if (ctx.json) return ctx.printJson({ operations: results.length, status: "ok", results });
  ctx.out(`batch: ${results.length} operations committed`);
  for (const r of results) ctx.out(`  line ${r.line}: ${r.op} ${r.target ?? ""}`);
}

export const BATCH: CommandGroup = { names: ["batch"], register: registerBatch };

function registerBatch(program: Command): void {
  program
    .command("batch")
    .description("Run multiple write operations in a single database transaction")
    .option("-f, --file <path>", "read commands from file instead of stdin")
    .option("--dry-run", "parse input and echo commands without executing")
    .option("-m, --message <text>", "accepted for compatibility (no Dolt commit here)")
    .action(act(batch));
}
