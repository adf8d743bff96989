// beads' key-value store and agent memories: `bd kv` keeps values in the ledger's config
// under `kv.`; remember/recall/memories/forget are memories under `kv.memory.`.
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import type { BdContext } from "./context.ts";
import { one } from "./format.ts";
import { act, type CommandGroup } from "./program.ts";

const KV = "kv.";
const MEMORY = `${KV}memory.`;
const RESERVED = ["sync.", "conflict.", "federation.", "jira.", "linear.", "export.", "import."];

function checkKey(key: string | undefined): string {
  if (key === undefined || key === "") throw new ValidationError("invalid key: key cannot be empty");
  if (!key.trim()) throw new ValidationError("invalid key: key cannot be only whitespace");
  if (key.startsWith(KV))
    throw new ValidationError("invalid key: key cannot start with 'kv.' (would create nested prefix)");
  const reserved = RESERVED.find((p) => key.startsWith(p));
  if (reserved) throw new ValidationError(`invalid key: key cannot start with reserved prefix "${reserved}"`);
  return key;
}

/** Not found: --json prints `{key, value: "", found: false}`; exit 1 either way. */
function notFound(ctx: BdContext, key: string, human: string): number {
  if (ctx.json) ctx.printJson({ key, value: "", found: false });
  else ctx.warn(human);
  return 1;
}

async function kvSet(ctx: BdContext, args: string[]) {
  if (args.length !== 2) throw new ValidationError("usage: bd kv set <key> <value>");
  const key = checkKey(args[0]);
  await ctx.ledger().setConfig(KV + key, args[1]!);
  if (ctx.json) return ctx.printJson({ key, value: args[1] });
  ctx.out(`Set ${one(key)} = ${one(args[1])}`);
}

async function kvGet(ctx: BdContext, args: string[]) {
  if (args.length !== 1) throw new ValidationError("usage: bd kv get <key>");
  const key = args[0]!;
  const value = await ctx.ledger().getConfig(KV + key);
  if (!value) return notFound(ctx, key, `${key} (not set)`);
  if (ctx.json) return ctx.printJson({ key, value, found: true });
  ctx.out(value);
}

async function kvClear(ctx: BdContext, args: string[]) {
  if (args.length !== 1) throw new ValidationError("usage: bd kv clear <key>");
  const key = checkKey(args[0]);
  await ctx.ledger().unsetConfig(KV + key);
  if (ctx.json) return ctx.printJson({ key, deleted: "true" });
  ctx.out(`Cleared ${one(key)}`);
}

async function kvList(ctx: BdContext) {
  const all = await ctx.ledger().listConfig();
  const pairs: Record<string, string> = {};
  for (const k of Object.keys(all).sort()) if (k.startsWith(KV)) pairs[k.slice(KV.length)] = all[k]!;
  if (ctx.json) return ctx.printJson(pairs);
  if (Object.keys(pairs).length === 0) return ctx.out("No key-value pairs set");
  ctx.out("\nKey-Value Store:");
  for (const [k, v] of Object.entries(pairs)) ctx.out(`  ${one(k)} = ${one(v)}`);
}

/** A memory's key from its text: lower-case words joined by "-", at most 8 words and 60 characters. */
export function memoryKey(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .split("-")
    .filter(Boolean);
  return words.slice(0, 8).join("-").slice(0, 60).replace(/-+$/, "");
}

function short(text: string, max: number): string {
  const flat = text.replace(/\n/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max - 3)}...`;
}

async function remember(ctx: BdContext, args: string[], o: Record<string, unknown>) {
  if (args.length !== 1) throw new ValidationError('usage: bd remember "<insight>" [--key name]');
  const insight = args[0]!;
  if (!insight.trim()) throw new ValidationError("memory content cannot be empty");
  const key = (o.key as string | undefined) || memoryKey(insight);
  if (!key) throw new ValidationError("could not generate key from content; use --key to specify one");
  const store = ctx.ledger();
  const verb = (await store.getConfig(MEMORY + key)) ? "Updated" : "Remembered";
  await store.setConfig(MEMORY + key, insight);
  if (ctx.json) return ctx.printJson({ key, value: insight, action: verb.toLowerCase() });
  ctx.out(`${verb} [${one(key)}]: ${one(short(insight, 80))}`);
}

async function memories(ctx: BdContext, args: string[]) {
  if (args.length > 1) throw new ValidationError("usage: bd memories [search]");
  const all = await ctx.ledger().listConfig();
  const search = args[0]?.toLowerCase();
  const found: Record<string, string> = {};
  for (const k of Object.keys(all).sort()) {
    if (!k.startsWith(MEMORY)) continue;
    const key = k.slice(MEMORY.length);
    const value = all[k]!;
    if (search && !key.toLowerCase().includes(search) && !value.toLowerCase().includes(search)) continue;
    found[key] = value;
  }
  if (ctx.json) return ctx.printJson(found);
  const keys = Object.keys(found);
  if (keys.length === 0) {
    return ctx.out(
      search
        ? `No memories matching ${JSON.stringify(search)}`
        : "No memories stored. Use 'bd remember \"insight\"' to add one.",
    );
  }
  ctx.out(search ? `Memories matching ${JSON.stringify(search)}:\n` : `Memories (${keys.length}):\n`);
  for (const k of keys) ctx.out(`  ${one(k)}\n    ${one(short(found[k]!, 120))}\n`);
}

async function recall(ctx: BdContext, args: string[]) {
  if (args.length !== 1) throw new ValidationError("usage: bd recall <key>");
  const key = args[0]!;
  const value = await ctx.ledger().getConfig(MEMORY + key);
  if (!value) return notFound(ctx, key, `No memory with key ${JSON.stringify(key)}`);
  if (ctx.json) return ctx.printJson({ key, value, found: true });
  ctx.out(value);
}

async function forget(ctx: BdContext, args: string[]) {
  if (args.length !== 1) throw new ValidationError("usage: bd forget <key>");
  const key = args[0]!;
  const store = ctx.ledger();
  const value = await store.getConfig(MEMORY + key);
  if (!value) {
    if (ctx.json) ctx.printJson({ key, found: "false" });
    else ctx.warn(`No memory with key ${JSON.stringify(key)}`);
    return 1;
  }
  await store.unsetConfig(MEMORY + key);
  if (ctx.json) return ctx.printJson({ key, deleted: "true" });
  ctx.out(`Forgot [${one(key)}]: ${one(short(value, 80))}`);
}

/** The memories as bd prime adds them to the briefing ("" when there are none). */
export async function memoriesForPrime(store: {
  listConfig(): Promise<Record<string, string>>;
}): Promise<string> {
  const all = await store.listConfig();
  const keys = Object.keys(all)
    .filter((k) => k.startsWith(MEMORY))
    .sort();
  if (keys.length === 0) return "";
  const body = keys.map((k) => `### ${k.slice(MEMORY.length)}\n${all[k]}\n`).join("\n");
  return (
    `\n## Persistent Memories (${keys.length})\n\n` +
    'Stored via `bd remember`. Update in place with `bd remember --key <key> "new content"`. ' +
    "Search with `bd memories <keyword>`. Remove with `bd forget <key>`.\n\n" +
    body
  );
}

export const MEMORY_GROUP: CommandGroup = {
  names: ["kv", "remember", "recall", "memories", "forget"],
  register: registerMemory,
};

function registerMemory(program: Command): void {
  const kv = program.command("kv").description("Key-value store commands");
  kv.command("set")
    .description("Set a key-value pair")
    .argument("[args...]", "<key> <value>")
    .action(act(kvSet));
  kv.command("get").description("Get a value by key").argument("[args...]", "<key>").action(act(kvGet));
  kv.command("clear")
    .description("Delete a key-value pair")
    .argument("[args...]", "<key>")
    .action(act(kvClear));
  kv.command("list").description("List all key-value pairs").action(act(kvList));
  program
    .command("remember")
    .description("Store a persistent memory")
    .argument("[args...]", '"<insight>"')
    .option("--key <key>", "explicit key for the memory (an existing one is updated in place)")
    .action(act(remember));
  program
    .command("memories")
    .description("List or search persistent memories")
    .argument("[args...]", "[search]")
    .action(act(memories));
  program
    .command("recall")
    .description("Retrieve a specific memory")
    .argument("[args...]", "<key>")
    .action(act(recall));
  program
    .command("forget")
    .description("Remove a persistent memory")
    .argument("[args...]", "<key>")
    .action(act(forget));
}
