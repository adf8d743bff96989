// The main job for now: a short, real walkthrough of bd in a throwaway git repository.
// Every step runs the actual bin/bd by absolute path and shows what it printed.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bdBin = join(root, "bin", "bd");
const dir = mkdtempSync(join(tmpdir(), "bd-walkthrough-"));
const env = { ...process.env, BEADS_ACTOR: "walkthrough" };

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd: dir, env, encoding: "utf8" });
}

function step(title: string, args: string[]): string {
  const shown = args.map((a) => (/[\s#]/.test(a) ? `"${a}"` : a)).join(" ");
  process.stdout.write(`\n\x1b[1m## ${title}\x1b[0m\n$ bd ${shown}\n`);
  const out = sh(bdBin, args);
  process.stdout.write(out);
  return out.trim();
}

sh("git", ["init", "-q", "-b", "main"]);
step("Create a ledger in a fresh repository", ["init", "--prefix", "shop"]);
const epic = step("File an epic and two children", [
  "create",
  "Checkout flow",
  "-t",
  "epic",
  "-p",
  "1",
  "--silent",
]);
const cart = step("…first child", ["create", "Cart page", "--parent", epic, "-p", "1", "--silent"]);
const pay = step("…second child, blocked by the first", [
  "create",
  "Payment form",
  "--parent",
  epic,
  "--deps",
  cart,
  "--silent",
]);
step("A bug found along the way", [
  "create",
  "Totals round wrongly",
  "-t",
  "bug",
  "-p",
  "0",
  "--deps",
  `discovered-from:${cart}`,
  "-l",
  "money",
]);
step("What can be worked on now?", ["ready"]);
step("Claim the cart page (atomic: a second agent would be refused)", ["update", cart, "--claim"]);
step("Leave a note", ["comments", "add", cart, "Layout done, wiring the API next"]);
step("What is blocked, and by what?", ["blocked"]);
step("Finish the cart page", ["close", cart, "--reason", "Shipped in PR #12", "--suggest-next"]);
step("The payment form is ready now", ["ready", "--plain"]);
step("The epic's tree", ["dep", "tree", pay]);
step("Everything, as agents read it (--json)", ["list", "--json", "--limit", "2"]);
step("Numbers", ["stats"]);
process.stdout.write("\n## The ledger travels with git: .beads/issues.jsonl is refreshed on every write\n");
sh("git", ["add", ".beads"]);
process.stdout.write(sh("git", ["status", "--short"]));
process.stdout.write(`\nDone. The walkthrough ledger is in ${dir}\n  cd ${dir} && ${bdBin} list --all\n`);
