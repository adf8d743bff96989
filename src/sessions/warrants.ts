// Death warrants (gt warrant): a request, filed by the deacon, a witness or a person, that a
// stuck or unresponsive agent's session be ended. One JSON file per target in <town>/warrants/
// (<target with / as _>.warrant.json, Gas Town's layout); executing one stops the target's
// session through the runtime provider and marks the warrant executed. A warrant that could
// not be executed stays pending, to be tried again.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { addressOf, parseAddress, sessionNameOf } from "../town/identity.ts";
import { writeJsonFile } from "../town/json-file.ts";
import type { Town } from "../town/workspace.ts";

export interface Warrant {
  id: string;
  /** The agent's address, e.g. gastown/polecats/alpha or deacon/dogs/bravo. */
  target: string;
  reason: string;
  filed_by: string;
  filed_at: string;
  executed?: boolean;
  executed_at?: string;
}

export function warrantsDir(town: Town): string {
  return join(town.root, "warrants");
}

function fileOf(town: Town, target: string): string {
  return join(warrantsDir(town), `${target.replaceAll("/", "_")}.warrant.json`);
}

/** The target as an address (validated; <rig>/<name> becomes <rig>/polecats/<name>). */
function normalise(town: Town, target: string): string {
  const id = parseAddress(target);
  if (id.rig) town.rig(id.rig);
  return addressOf(id);
}

function read(file: string): Warrant | undefined {
  try {
    const w = JSON.parse(readFileSync(file, "utf8")) as Warrant;
    return typeof w?.target === "string" ? w : undefined;
  } catch {
    return undefined;
  }
}

/** Files a warrant; a pending one for the same target is returned as it is (`existing`). */
export function fileWarrant(
  town: Town,
  target: string,
  reason: string,
  filedBy: string,
): { warrant: Warrant; existing: boolean } {
  if (!reason.trim()) throw new ValidationError("a warrant needs a reason (use --reason/-r or --stdin)");
  const address = normalise(town, target);
  const file = fileOf(town, address);
  const pending = existsSync(file) ? read(file) : undefined;
  if (pending && !pending.executed) return { warrant: pending, existing: true };
  const now = new Date();
  const warrant: Warrant = {
    id: `warrant-${now.getTime()}`,
    target: address,
    reason: reason.trim(),
    filed_by: filedBy || "unknown",
    filed_at: now.toISOString(),
    executed: false,
  };
  mkdirSync(warrantsDir(town), { recursive: true });
  writeJsonFile(file, warrant);
  return { warrant, existing: false };
}

/** Pending warrants, oldest first (executed ones too with `all`). */
export function listWarrants(town: Town, opts: { all?: boolean } = {}): Warrant[] {
  const dir = warrantsDir(town);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".warrant.json"))
    .map((f) => read(join(dir, f)))
    .filter((w): w is Warrant => w !== undefined && (opts.all === true || !w.executed))
    .sort((a, b) => a.filed_at.localeCompare(b.filed_at));
}

export interface ExecutedWarrant {
  target: string;
  session: string;
  /** The session was running and has been stopped (false: it was already gone). */
  terminated: boolean;
  /** The warrant as it now stands (null: --force with no warrant filed). */
  warrant: Warrant | null;
  already_executed: boolean;
}

/** Stops the target's session and marks its warrant executed; `force` needs no warrant. */
export async function executeWarrant(
  town: Town,
  provider: RuntimeProvider,
  target: string,
  opts: { force?: boolean } = {},
): Promise<ExecutedWarrant> {
  const address = normalise(town, target);
  const id = parseAddress(address);
  const session = sessionNameOf(id, id.rig ? town.prefixOf(id.rig) : undefined);
  const file = fileOf(town, address);
  const warrant = existsSync(file) ? read(file) : undefined;
  if (!warrant && !opts.force)
    throw new NotFoundError(address, `no warrant found for ${address} (use --force to execute anyway)`);
  if (warrant?.executed)
    return { target: address, session, terminated: false, warrant, already_executed: true };
  const alive = await provider.isAlive(session);
  if (alive && !(await provider.stop(session)))
    throw new ConflictError("stop_failed", `could not stop session ${session}; the warrant stays pending`);
  if (!warrant)
    return { target: address, session, terminated: alive, warrant: null, already_executed: false };
  const done: Warrant = { ...warrant, executed: true, executed_at: new Date().toISOString() };
  writeJsonFile(file, done);
  return { target: address, session, terminated: alive, warrant: done, already_executed: false };
}
