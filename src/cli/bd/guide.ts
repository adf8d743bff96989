// bd prime, quickstart, human: the texts that teach agents and people to use the ledger.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { findLedger } from "../../ledger/discovery.ts";
import type { BdContext } from "./context.ts";
import { act, type CommandGroup } from "./program.ts";

const PRIME_SHORT = `# Beads issue tracking (bd)

This project tracks its work in beads. Use bd, not markdown TODO lists.

## Start of session
- \`bd ready\`                  what can be worked on now (open, nothing blocking it)
- \`bd show <id>\`              the full story of one issue
- \`bd update <id> --claim\`    take it (assigns you, sets in_progress; fails if taken)

## While working
- \`bd create "Title" -t bug -p 1 -d "what and why"\`   file what you discover
- \`bd dep add <new> <id> --type discovered-from\`   link it to where you found it
- \`bd comments add <id> "note"\`                    leave a trail for the next agent

## Finishing
- \`bd close <id> --reason "what was done"\`
- Commit \`.beads/issues.jsonl\` with your code so the ledger travels with the branch.

Add --json to any command for machine-readable output.
`;

const PRIME_FULL_EXTRA = `
## Reading the ledger
- \`bd list --status open --json\`   filters: --type, --label, --assignee, --priority, --parent
- \`bd blocked\`                     what is waiting and on what
- \`bd dep tree <id>\`               the shape of an epic or chain
- \`bd search "text"\`               title/description/notes search
- \`bd stats\`                       counts by state

## Shaping work
- Priorities: 0 critical, 1 high, 2 normal (default), 3 low, 4 backlog
- Types: bug, feature, task, epic, chore, decision, spike, story, milestone
- \`bd create "Child" --parent <epic>\`   hierarchical IDs (<epic>.1, .2, ...)
- \`bd dep add A B\`                      A cannot start until B is closed
- \`bd defer <id> --until +2d\`           hide from ready until then

## Rules
- Claim before you start, close when done, never leave work silently half-finished.
- Closing an issue with open blockers is refused; fix the blockers or pass --force deliberately.
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
        text += `\n## In progress for ${actor}\n${mine.map((i) => `- ${i.id}: ${i.title}`).join("\n")}\n`;
      text +=
        ready.length > 0
          ? `\n## Ready now\n${ready.map((i) => `- [P${i.priority}] ${i.id}: ${i.title}`).join("\n")}\n`
          : "\n## Ready now\n- nothing ready\n";
    } catch {
      // the briefing still helps without a readable ledger
    }
  }
  if (ctx.json) return ctx.printJson({ content: text });
  process.stdout.write(text);
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

export const GUIDE: CommandGroup = {
  names: ["prime", "quickstart", "human"],
  register: registerGuide,
};

function registerGuide(program: Command): void {
  program
    .command("prime")
    .description("Print the agent briefing for this ledger")
    .option("--full", "the complete command reference")
    .option("--mcp", "accepted for compatibility")
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
