// bd prime, quickstart, human: the texts that teach agents and people to use the ledger.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { findLedger } from "../../ledger/discovery.ts";
import { safeText } from "../../terminal-text.ts";
import { BD_BUNDLES } from "./bundles.ts";
import type { BdContext } from "./context.ts";
import { memoriesForPrime } from "./memory.ts";
import { act, type CommandGroup } from "./program.ts";

const PRIME_SHORT = `# Beads workflow context

> Run \`bd prime\` again after a context reset or compaction: it rebuilds this briefing.

## Before you say "done"
\`\`\`
[ ] bd close <id> --reason "what was done"   (every issue you finished)
[ ] run the project's checks (tests, lint)
[ ] git add .beads/issues.jsonl with your code, commit
[ ] file what is left: bd create "..." --deps discovered-from:<id>
\`\`\`

## Rules
- Track all work in beads (bd create, bd ready, bd close); no markdown TODO lists.
- Claim before you start (\`bd update <id> --claim\`); it fails if someone else holds it.
- Priorities are 0-4 or P0-P4 (0 = critical), never words like "high".

## Essentials
- \`bd ready\`                          what can be worked on now
- \`bd show <id>\`                      one issue in full (partial IDs work)
- \`bd create "Title" -t bug -p 1 -d "why"\`   file new work
- \`bd update <id> --claim\`            take it (assignee + in_progress)
- \`bd dep add <issue> <depends-on>\`   <issue> waits for <depends-on>
- \`bd close <id> --reason "..."\`      finish; what waited on it becomes ready
Add --json to any command for machine-readable output.
`;

const PRIME_FULL_EXTRA = `
## Finding work
- \`bd ready\` / \`bd ready --json\`      open, nothing open blocking it, not deferred
- \`bd list --status=open\`, \`bd list --status=in_progress\`, filters: --type --label --assignee --priority --parent
- \`bd blocked\`                        what waits, and on what
- \`bd search <text>\`                  titles and IDs
- \`bd show <id>\`, \`bd dep tree <id>\`, \`bd children <id>\`

## Creating and updating
- \`bd create --title="Summary" --description="Why and what" --type=task|bug|feature --priority=2\`
- \`bd create "Step" --parent <epic>\`  children get <epic>.1, <epic>.2, ...
- \`bd update <id> --assignee=<name>\`, \`--title\`, \`--description\`, \`--notes\`, \`--append-notes\`, \`--design\`
- \`bd update <id> --add-label=<l>\` / \`--remove-label=<l>\`
- \`bd comments add <id> "note"\`       leave a trail for the next agent
- \`bd close <id1> <id2> ...\`          close several at once

## Dependencies and blocking
- \`bd dep add <issue> <depends-on>\`   default type blocks; also related, discovered-from, parent-child, waits-for
- \`bd dep <blocker> --blocks <issue>\` the same, read the other way
- \`bd dep cycles\`                     blocking cycles are refused when added; this audits

## Project health
- \`bd stats\`, \`bd count --by-status\`, \`bd preflight\`

## Quality tools
- \`bd create --validate\`              refuse a description without its type's sections
- \`--acceptance\`, \`--design\`, \`--notes\` on create and update
- \`bd lint\`                           open issues missing their sections

## Lifecycle and hygiene
- \`bd defer <id> --until=+2d\` / \`bd undefer <id>\`
- \`bd supersede <id> --with=<new>\`, \`bd duplicate <id> --of=<canonical>\`
- \`bd close <id> --suggest-next\`      shows what the close unblocked
- \`bd stale\`, \`bd orphans\`            forgotten work; done-but-open work
- \`bd human\`                          the short list for people

## Sharing
- \`.beads/issues.jsonl\` is refreshed on every write; commit it with the code.
- \`bd export\` / \`bd import <file>\`   move issues between ledgers (import never deletes)
`;

async function prime(ctx: BdContext, _args: string[], o: Record<string, unknown>) {
  const loc = findLedger(ctx.cwd, ctx.env);
  // Outside a beads workspace there is nothing to brief about: print nothing, as bd does.
  if (!loc) return;
  const custom = loc ? join(loc.beadsDir, "PRIME.md") : undefined;
  let text =
    custom && existsSync(custom)
      ? readFileSync(custom, "utf8")
      : PRIME_SHORT + (o.full ? PRIME_FULL_EXTRA : "");
  if (loc && !o.full && !(custom && existsSync(custom))) {
    try {
      const store = ctx.ledger();
      const ready = await store.ready({ limit: 5 });
      const actor = ctx.actor();
      const mine = await store.listIssues({ assignee: actor, statuses: ["in_progress", "hooked"], limit: 5 });
      if (mine.length > 0)
        text += `\n## In progress for ${safeText(actor)}\n${mine.map((i) => `- ${safeText(i.id)}: ${safeText(i.title)}`).join("\n")}\n`;
      text +=
        ready.length > 0
          ? `\n## Ready now\n${ready.map((i) => `- [P${i.priority}] ${safeText(i.id)}: ${safeText(i.title)}`).join("\n")}\n`
          : "\n## Ready now\n- nothing ready\n";
    } catch {
      // the briefing still helps without a readable ledger
    }
  }
  // Memories (bd remember) travel in every briefing, as beads injects them.
  let memories = "";
  try {
    memories = await memoriesForPrime(ctx.ledger());
  } catch {
    // no readable ledger: no memories
  }
  if (o.memoriesOnly)
    text =
      memories ||
      '# Beads Persistent Memories\n\nNo memories stored. Use `bd remember "insight"` to add one.\n';
  else text += memories;
  if (ctx.json) return ctx.printJson({ content: text });
  // The briefing lands in an agent's context and on terminals: no control characters.
  process.stdout.write(safeText(text, { multiline: true }));
}

const QUICKSTART = `bd — beads: an issue ledger that lives in your git repository

GETTING STARTED
  bd init --prefix app          create .beads/ here (IDs look like app-a3f)
  bd create "Fix login" -p 1    new issue, priority 1 (0 = critical ... 4 = backlog)
  bd list                       open issues
  bd show app-a3f               one issue in full (partial IDs work: bd show a3f)

DEPENDENCIES
  bd dep add app-b app-a        app-b depends on app-a (app-a blocks app-b)
  bd ready                      issues with nothing open blocking them
  bd blocked                    issues waiting on something
  bd dep tree app-b             the chain behind an issue

WORKING
  bd update app-a --claim       take an issue (assign to you, in_progress)
  bd comments add app-a "..."   leave notes
  bd close app-a --reason done  finish it; whatever it blocked becomes ready

SHARING
  .beads/issues.jsonl is refreshed on every change; commit it with your code.
  bd import brings in issues from a JSONL file (adds and updates, never deletes).

Every command takes --json for scripts and agents.
`;

const HUMAN = `bd for humans: the commands you need

  bd ready                 what can be done next
  bd list                  everything open (--all includes closed)
  bd show <id>             details, dependencies and comments
  bd create "Title"        file an issue (-p priority, -t type, -d description)
  bd update <id> ...       change fields (--status, --priority, --assignee, --add-label)
  bd close <id>            finish an issue (--reason "why")
  bd dep add <a> <b>       a waits for b
  bd search "words"        find issues by text
  bd stats                 how the project is doing

Agents use the same commands with --json. Run bd help <command> for every flag.
`;

/** What bd onboard asks a project to put in AGENTS.md: a pointer to bd prime, not a manual. */
export const AGENTS_SNIPPET = `## Issue Tracking

This project tracks its work with **bd (beads)**; the ledger is .beads/issues.jsonl, committed with the code.
Run \`bd prime\` at the start of a session for the workflow and what is ready.

**Quick reference:**
- \`bd ready\` - work with nothing blocking it
- \`bd create "Title" --type task --priority 2\` - file an issue
- \`bd update <id> --claim\` - take it
- \`bd close <id>\` - finish it
- commit .beads/issues.jsonl with your change`;

async function onboard(ctx: BdContext) {
  if (ctx.json) return ctx.printJson({ file: "AGENTS.md", content: AGENTS_SNIPPET });
  ctx.out("\nbd Onboarding\n");
  ctx.out("Add this minimal snippet to AGENTS.md (or create it):\n");
  ctx.out("--- BEGIN AGENTS.MD CONTENT ---");
  ctx.out(AGENTS_SNIPPET);
  ctx.out("--- END AGENTS.MD CONTENT ---\n");
  ctx.out("For GitHub Copilot users: add the same content to .github/copilot-instructions.md\n");
  ctx.out("How it works:");
  ctx.out("   • bd prime gives the workflow and the ready work, up to date, in every session");
  ctx.out("   • AGENTS.md only needs this pointer, not the full instructions\n");
}

export const GUIDE: CommandGroup = {
  names: BD_BUNDLES["bd-guide"],
  register: registerGuide,
};

function registerGuide(program: Command): void {
  program
    .command("onboard")
    .description("Display minimal snippet for agent instructions file")
    .action(act(onboard));
  program
    .command("prime")
    .description("Print the agent briefing for this ledger")
    .option("--full", "the complete command reference")
    .option("--mcp", "accepted for compatibility")
    .option("--memories-only", "output only persistent memories (for compact hook contexts)")
    .action(act(prime));
  program
    .command("quickstart")
    .description("A quick tour of bd")
    .action(act(async (ctx) => ctx.out(QUICKSTART)));
  program
    .command("human")
    .description("The essential commands, for people")
    .action(act(async (ctx) => ctx.out(HUMAN)));
}
