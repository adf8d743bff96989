// The questions of bd create-form, asked one at a time on the terminal (beads draws a form;
// a line per field does the same job and works in any terminal or tmux pane). Ctrl+C or
// Ctrl+D cancels; nothing is written before the last answer.
import { createInterface } from "node:readline";
import { MAX_TITLE_LENGTH } from "../../ledger/model.ts";

export interface FormAnswers {
  title: string;
  description: string;
  type: string;
  priority: number;
  assignee: string;
  labels: string[];
  externalRef: string;
  design: string;
  acceptance: string;
  deps: string[];
}

const TYPES = ["task", "bug", "feature", "epic", "chore"];

const commaList = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Asks every field; undefined when the user cancels. */
export function askCreateForm(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<FormAnswers | undefined> {
  const rl = createInterface({ input, output, terminal: true });
  let cancelled = false;
  const ended = new Promise<undefined>((resolve) => {
    rl.on("SIGINT", () => {
      cancelled = true;
      rl.close();
    });
    rl.on("close", () => {
      cancelled = true;
      resolve(undefined);
    });
  });
  const ask = (prompt: string) =>
    Promise.race([new Promise<string>((resolve) => rl.question(prompt, (a) => resolve(a.trim()))), ended]);

  const run = async (): Promise<FormAnswers | undefined> => {
    output.write("Create a new issue (Enter keeps the [default]; Ctrl+C cancels)\n\n");
    let title = "";
    for (;;) {
      const a = await ask("Title (required): ");
      if (a === undefined) return undefined;
      if (!a) output.write("  title is required\n");
      else if (a.length > MAX_TITLE_LENGTH)
        output.write(`  title must be ${MAX_TITLE_LENGTH} characters or less\n`);
      else {
        title = a;
        break;
      }
    }
    const description = await ask("Description: ");
    if (description === undefined) return undefined;
    let type = "task";
    for (;;) {
      const a = await ask(`Type [task] (${TYPES.join(", ")}): `);
      if (a === undefined) return undefined;
      if (!a || TYPES.includes(a.toLowerCase())) {
        type = a ? a.toLowerCase() : "task";
        break;
      }
      output.write(`  choose one of: ${TYPES.join(", ")}\n`);
    }
    let priority = 2;
    for (;;) {
      const a = await ask("Priority [2] (0 critical … 4 backlog): ");
      if (a === undefined) return undefined;
      const m = /^[pP]?([0-4])$/.exec(a);
      if (!a || m) {
        priority = m ? Number(m[1]) : 2;
        break;
      }
      output.write("  priority is 0, 1, 2, 3 or 4\n");
    }
    const rest: string[] = [];
    for (const prompt of [
      "Assignee: ",
      "Labels (comma-separated): ",
      "External reference: ",
      "Design notes: ",
      "Acceptance criteria: ",
      "Dependencies (type:id or id, comma-separated): ",
    ]) {
      const a = await ask(prompt);
      if (a === undefined) return undefined;
      rest.push(a);
    }
    const confirm = await ask("Create this issue? [Y/n] ");
    if (confirm === undefined || /^n/i.test(confirm)) return undefined;
    const [assignee, labels, externalRef, design, acceptance, deps] = rest as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return {
      title,
      description,
      type,
      priority,
      assignee,
      labels: commaList(labels),
      externalRef,
      design,
      acceptance,
      deps: commaList(deps),
    };
  };

  return run().then((answers) => {
    const result = cancelled ? undefined : answers;
    rl.close();
    return result;
  });
}
