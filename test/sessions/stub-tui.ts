// A stand-in terminal agent for the startup-screen tests: shows the menus named on its
// command line (Claude Code's wording), moves its cursor on Up/Down and takes the selected
// option on Enter, then shows an input prompt with a rule and a footer under it, as Claude
// does. Picking an option that says "exit" ends it with status 1, as the real one does.
// Every choice is appended to the file in STUB_CHOICES.
//
//   node stub-tui.ts <screen,...> [agent args...]     screens: trust, bypass, plan
import { appendFileSync } from "node:fs";

interface Menu {
  lines: string[];
  options: string[];
}

const MENUS: Record<string, Menu> = {
  trust: {
    lines: [
      " Accessing workspace:",
      ` ${process.cwd()}`,
      " Quick safety check: Is this a project you created or one you trust?",
    ],
    options: ["Yes, I trust this folder", "No, exit"],
  },
  bypass: {
    lines: [
      "  WARNING: Claude Code running in Bypass Permissions mode",
      "  By proceeding, you accept all responsibility.",
    ],
    options: ["No, exit", "Yes, I accept"],
  },
  plan: { lines: [" Pick a plan for this workspace"], options: ["Later, exit", "Free plan", "Team plan"] },
};

const queue = (process.argv[2] ?? "").split(",").filter(Boolean);
let menu: Menu | undefined;
let cursor = 0;

function draw(): void {
  process.stdout.write("\x1b[2J\x1b[H");
  if (menu) {
    const rows = menu.options.map((o, i) => `${i === cursor ? " ❯" : "  "} ${i + 1}. ${o}`);
    process.stdout.write(
      `${[...menu.lines, "", ...rows, "", " Enter to confirm · Esc to cancel"].join("\n")}\n`,
    );
  } else process.stdout.write(`${"─".repeat(40)}\n❯ \n${"─".repeat(40)}\n  ⏵⏵ stub footer\n`);
}

function next(): void {
  const name = queue.shift();
  menu = name ? MENUS[name] : undefined;
  cursor = 0;
  draw();
}

function choose(): void {
  if (!menu) return;
  const picked = menu.options[cursor]!;
  if (process.env.STUB_CHOICES) appendFileSync(process.env.STUB_CHOICES, `${picked}\n`);
  if (/exit/.test(picked)) process.exit(1);
  next();
}

if (process.stdin.isTTY) process.stdin.setRawMode(true);
process.stdin.on("data", (d: Buffer) => {
  const key = d.toString();
  if (key === "\x1b[B") cursor = Math.min(cursor + 1, (menu?.options.length ?? 1) - 1);
  else if (key === "\x1b[A") cursor = Math.max(cursor - 1, 0);
  else if (key === "\r" || key === "\n") return choose();
  else if (key === "\x03") process.exit(130);
  draw();
});
next();
