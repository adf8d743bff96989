// What every bd command shares: global flags, finding and opening the ledger, the actor,
// output in human or --json form, and turning typed errors into one line and an exit code.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gitConfigValue } from "../../adapters/git-config.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { type LedgerLocation, openLedger, requireLedger, routeFor } from "../../ledger/discovery.ts";
import type { Ledger } from "../../ledger/store.ts";
import { safeText } from "../../terminal-text.ts";
import { writeErr, writeOut } from "../stdio.ts";
import { jsonText } from "./output.ts";

// Kept here for their importers; they live in output.ts so that a command that opens no
// ledger (bd version) can print without loading the ledger's code.
export { jsonText, reportError } from "./output.ts";

export interface GlobalOptions {
  json?: boolean;
  actor?: string;
  db?: string;
  directory?: string;
  readonly?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  allowStale?: boolean;
  sandbox?: boolean;
}

export class BdContext {
  readonly opts: GlobalOptions;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  private store: Ledger | undefined;
  private loc: LedgerLocation | undefined;
  private readonly routed = new Map<string, Ledger>();

  constructor(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env) {
    this.opts = opts;
    this.env = env;
    this.cwd = opts.directory ? opts.directory : process.cwd();
  }

  get json(): boolean {
    return this.opts.json === true;
  }

  location(): LedgerLocation {
    if (!this.loc) {
      const env = this.opts.db
        ? { ...this.env, BEADS_DIR: this.opts.db.replace(/\/beads\.db$/, "") }
        : this.env;
      this.loc = requireLedger(this.cwd, env);
    }
    return this.loc;
  }

  ledger(): Ledger {
    if (!this.store) this.store = openLedger(this.location(), { readOnly: this.opts.readonly });
    return this.store;
  }

  /**
   * Resolves an ID here, or through routes.jsonl in another ledger of the town.
   * Returns the store that holds it with the full ID.
   */
  async resolve(id: string): Promise<{ store: Ledger; id: string }> {
    const here = this.ledger();
    try {
      return { store: here, id: await here.resolveId(id) };
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
      const route = routeFor(id, this.location());
      if (!route) throw e;
      let other = this.routed.get(route.beadsDir);
      if (!other) {
        other = openLedger(route);
        this.routed.set(route.beadsDir, other);
      }
      return { store: other, id: await other.resolveId(id) };
    }
  }

  /**
   * The other end of an edge (dep add, --deps, link, relate): an `external:<project>:<capability>`
   * reference is kept as written; anything else must name a bead here or, through routes.jsonl,
   * in another ledger of the town ("no issue found" otherwise, as beads says).
   */
  async resolveRef(raw: string): Promise<string> {
    const ref = raw.trim();
    if (ref.startsWith("external:")) {
      const parts = ref.split(":");
      if (parts.length < 3 || !parts[1] || !parts.slice(2).join(":"))
        throw new ValidationError(`invalid external reference "${ref}" (external:<project>:<capability>)`);
      return ref;
    }
    return (await this.resolve(ref)).id;
  }

  /** --actor, BEADS_ACTOR, BD_ACTOR, git user.name, $USER, "unknown". */
  actor(): string {
    if (this.opts.actor) return this.opts.actor;
    const env = this.env.BEADS_ACTOR || this.env.BD_ACTOR;
    if (env) return env;
    const name = gitConfigValue(this.cwd, "user.name", this.env);
    if (name) return name;
    return this.env.USER || "unknown";
  }

  /** Remembers the issue a command worked on, so `bd update`/`bd close` without an ID can use it. */
  touch(id: string): void {
    try {
      writeFileSync(join(this.location().beadsDir, "last-touched"), `${id}\n`);
    } catch {
      // a read-only checkout: nothing to remember
    }
  }

  /** IDs as given, or the last touched issue when none were. */
  idsOrLastTouched(ids: string[]): string[] {
    if (ids.length > 0) return ids;
    try {
      const last = readFileSync(join(this.location().beadsDir, "last-touched"), "utf8").trim();
      if (last) return [last];
    } catch {
      // nothing touched yet
    }
    throw new ValidationError("no issue ID provided and no last touched issue");
  }

  /** The human owner of new issues: $GIT_AUTHOR_EMAIL, else git user.email. */
  ownerEmail(): string | undefined {
    return this.env.GIT_AUTHOR_EMAIL || gitConfigValue(this.cwd, "user.email", this.env);
  }

  /**
   * Human output. Whatever it holds (stored titles, descriptions, names), control
   * characters are shown as control pictures, never sent: a bead cannot drive the terminal.
   */
  out(text: string): void {
    writeOut(`${safeText(text, { multiline: true })}\n`);
  }

  /**
   * bd's JSON rules: arrays keep the field order of the records; a single object comes
   * out with every key sorted and `schema_version: 1` added (as beads prints it).
   */
  printJson(value: unknown): void {
    writeOut(`${jsonText(value)}\n`);
  }

  warn(text: string): void {
    writeErr(`${safeText(text, { multiline: true })}\n`);
  }

  async close(): Promise<void> {
    await this.store?.close();
    for (const s of this.routed.values()) await s.close();
  }
}
