// What the real-agent tests that drive an agent through gt share (Codex, Gemini CLI): a town
// whose agent entry points at the cached CLI, an `it` that tells what went on when it fails,
// the teardown, and the town's view of its sessions and idle markers.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import type { ModelServer, ScriptedModel } from "../helpers/model-server/script.ts";
import { eventually, type TestTown } from "../helpers/town.ts";

/** A fake model server with its script, for one API. */
export interface AgentServer extends ModelServer {
  script: ScriptedModel;
}

/**
 * Sets a town agent the way a user would in settings/config.json: the binary to run and the
 * environment its sessions get, plus any other preset field.
 */
export function configureAgent(town: TestTown, name: string, entry: Record<string, unknown>): void {
  const file = join(town.root, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8"));
  settings.agents = { ...settings.agents, [name]: entry };
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** What went on, printed when a test fails: the model's requests, the events, every screen. */
export async function explain(
  town: TestTown | undefined,
  server: AgentServer | undefined,
  lastUserText: (body: unknown) => string,
): Promise<void> {
  if (!town || !server) return;
  for (const r of server.log.entries)
    console.log(
      `# ${r.method} ${r.url} -> ${r.reply?.source ?? "-"}: ${JSON.stringify(r.body ? lastUserText(r.body).slice(-300) : "")}`,
    );
  const events = join(town.root, ".events.jsonl");
  if (existsSync(events)) console.log(readFileSync(events, "utf8"));
  const list = await town.gt(["session", "list", "--json"]);
  let sessions: Array<{ name: string }> = [];
  try {
    sessions = JSON.parse(list.stdout || "[]");
  } catch {
    console.log(`# gt session list failed: ${list.stderr}`);
  }
  for (const s of sessions) {
    const peek = await town.gt(["session", "peek", s.name, "60"]);
    console.log(`# ---- ${s.name}\n${peek.stdout}`);
  }
}

/**
 * `it`, but a failing test prints what went on before it fails; EXPLAIN_REAL_AGENTS=1 prints
 * it after passing tests too.
 */
export function itExplained(
  name: string,
  ctx: () => { town: TestTown; server: AgentServer },
  lastUserText: (body: unknown) => string,
  body: () => Promise<void>,
): void {
  it(name, async () => {
    const t0 = Date.now();
    try {
      await body();
    } catch (e) {
      const { town, server } = ctx();
      await explain(town, server, lastUserText).catch(() => undefined);
      throw e;
    }
    if (process.env.EXPLAIN_REAL_AGENTS) {
      const { town, server } = ctx();
      await explain(town, server, lastUserText).catch(() => undefined);
    }
    console.log(`# ${name}: ${Date.now() - t0} ms`);
  });
}

/** Ends a town and its servers. */
export async function tearDown(town: TestTown | undefined, ...servers: Array<ModelServer | undefined>) {
  await town?.cleanup();
  await Promise.all(servers.map((s) => s?.close()));
}

/** `gt crew start <name> --rig alpha --agent <agent>`, with extra environment for that gt. */
export const startCrew = (town: TestTown, name: string, agent: string, env: NodeJS.ProcessEnv = {}) =>
  town.gt(["crew", "start", name, "--rig", "alpha", "--agent", agent], { env });

/** Whether `session` runs, as gt sees it. */
export async function sessionAlive(town: TestTown, session: string): Promise<boolean> {
  const r = await town.gt(["session", "list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ name: string; alive: boolean }>).some(
    (s) => s.name === session && s.alive,
  );
}

/** The idle marker an agent's turn-end hook leaves in the town. */
export const idleMarker = (town: TestTown, session: string) =>
  join(town.root, ".runtime", "agent-state", `${session}.idle`);

/** Waits until the agent in `session` has ended its turn (its turn-end hook ran). */
export async function turnEnded(town: TestTown, session: string, timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => existsSync(idleMarker(town, session)),
    timeoutMs,
    `${session} to end its turn`,
  );
}

/** The `startup_screen` events of one agent, in order: the screens gt answered. */
export function answeredScreens(town: TestTown, agent: string): string[] {
  const file = join(town.root, ".events.jsonl");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.includes('"startup_screen"') && l.includes(`"agent":"${agent}"`))
    .map((l) => JSON.parse(l).payload.screen as string);
}

export interface Bead {
  id: string;
  status: string;
}

export type Costs = { sessions: Array<Record<string, unknown>>; total: Record<string, number> };
