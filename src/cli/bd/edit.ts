// bd edit (one field of a bead in $EDITOR, saved only when it changed) and bd create-form
// (the create fields asked one by one on a terminal; refused without one).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { BdContext } from "./context.ts";
import { askCreateForm, type FormAnswers } from "./create-form.ts";
import { feedback } from "./format.ts";
import { act, type CommandGroup } from "./program.ts";

type EditField = "title" | "description" | "design" | "notes" | "acceptance_criteria";

/** The field flag given (beads checks them in this order); description by default. */
function fieldOf(o: Record<string, unknown>): EditField {
  if (o.title) return "title";
  if (o.design) return "design";
  if (o.notes) return "notes";
  if (o.acceptance) return "acceptance_criteria";
  return "description";
}

/** $EDITOR, else $VISUAL, else the first of vim/vi/nano/emacs on PATH. */
function findEditor(env: NodeJS.ProcessEnv): string {
  const set = env.EDITOR || env.VISUAL;
  if (set?.trim()) return set.trim();
  for (const name of ["vim", "vi", "nano", "emacs"]) {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return name;
  }
  throw new ValidationError("no editor found. Set $EDITOR or $VISUAL environment variable");
}

async function edit(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1)
    throw new ValidationError("usage: bd edit <id> [--title|--description|--design|--notes|--acceptance]");
  if (ctx.opts.readonly) throw new ValidationError("operation 'edit' is not allowed in read-only mode");
  const { store, id } = await ctx.resolve(args[0]!);
  const issue = (await store.getIssue(id))!;
  const field = fieldOf(o);
  const current = (issue[field] as string | undefined) ?? "";
  const editor = findEditor(ctx.env);
  const dir = mkdtempSync(join(tmpdir(), "bd-edit-"));
  const file = join(dir, `${field}.txt`);
  writeFileSync(file, current);
  // "vim -w" or "code --wait": the editor's own words, then the file. Through sh so that
  // an EDITOR with quotes or a path with spaces behaves as in the user's shell.
  const ran = spawnSync("sh", ["-c", `${editor} "$1"`, "bd-edit", file], { stdio: "inherit", env: ctx.env });
  if (ran.error || ran.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new ValidationError(
      `running editor: ${ran.error?.message ?? `${editor} exited with ${ran.status ?? ran.signal}`}`,
    );
  }
  const edited = readFileSync(file, "utf8").trim();
  if (edited === current || edited === current.trim()) {
    rmSync(dir, { recursive: true, force: true });
    if (ctx.json) return ctx.printJson({ id, field, changed: false });
    return ctx.out("No changes made");
  }
  if (field === "title" && edited === "") {
    rmSync(dir, { recursive: true, force: true });
    throw new ValidationError("title cannot be empty");
  }
  try {
    await store.updateIssue(id, { [field]: edited }, ctx.actor());
  } catch (e) {
    // The edit is not lost: say where it is and keep the file.
    ctx.warn(`Your edits are preserved in: ${file}`);
    throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  ctx.touch(id);
  const after = (await store.getIssue(id))!;
  if (ctx.json) return ctx.printJson(after);
  ctx.out(`✓ Updated ${field.replaceAll("_", " ")} for issue: ${feedback(id, after.title)}`);
}

async function createForm(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  // The form is drawn where a terminal is: stdout, or stderr when stdout is piped (--json).
  const screen = process.stdout.isTTY ? process.stdout : process.stderr.isTTY ? process.stderr : undefined;
  if (!process.stdin.isTTY || !screen)
    throw new ValidationError("bd create-form needs an interactive terminal (use bd create in scripts)");
  if (ctx.opts.readonly)
    throw new ValidationError("operation 'create-form' is not allowed in read-only mode");
  const store = ctx.ledger();
  const parent = o.parent ? (await ctx.resolve(o.parent as string)).id : undefined;
  const answers: FormAnswers | undefined = await askCreateForm(process.stdin, screen);
  if (!answers) {
    process.stderr.write("Issue creation canceled.\n");
    return 0;
  }
  const deps: Array<{ type: string; depends_on_id: string }> = [];
  for (const spec of answers.deps) {
    const [type, target] = spec.includes(":")
      ? [spec.slice(0, spec.indexOf(":")).trim(), spec.slice(spec.indexOf(":") + 1).trim()]
      : ["blocks", spec];
    deps.push({ type, depends_on_id: await ctx.resolveRef(target) });
  }
  const issue = await store.createIssue(
    {
      title: answers.title,
      description: answers.description || undefined,
      design: answers.design || undefined,
      acceptance_criteria: answers.acceptance || undefined,
      issue_type: answers.type,
      priority: answers.priority,
      assignee: answers.assignee || undefined,
      external_ref: answers.externalRef || undefined,
      labels: answers.labels,
      deps,
      parent,
      inheritLabels: parent !== undefined,
      owner: ctx.ownerEmail(),
    },
    ctx.actor(),
  );
  ctx.touch(issue.id);
  if (ctx.json) return ctx.printJson(issue);
  ctx.out(`\n✓ Created issue: ${feedback(issue.id, issue.title)}`);
  ctx.out(`  Type:     ${issue.issue_type}\n  Priority: P${issue.priority}\n  Status:   ${issue.status}`);
  if (issue.assignee) ctx.out(`  Assignee: ${issue.assignee}`);
  if (issue.description) {
    const d = issue.description;
    ctx.out(`  Description: ${d.length > 100 ? `${d.slice(0, 97)}...` : d}`);
  }
}

export const EDIT: CommandGroup = {
  names: ["edit", "create-form"],
  register(p: Command) {
    p.command("edit")
      .description("Edit an issue field in $EDITOR (description unless a field flag is given)")
      .argument("<id>")
      .option("--title", "edit the title")
      .option("--description", "edit the description (default)")
      .option("--design", "edit the design notes")
      .option("--notes", "edit the notes")
      .option("--acceptance", "edit the acceptance criteria")
      .action(act(edit));
    p.command("create-form")
      .description("Create a new issue using an interactive form")
      .option("--parent <id>", "parent issue ID for creating a hierarchical child")
      .action(act(createForm));
  },
};
