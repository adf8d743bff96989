// The deacon's rounds after its patrol (spec §4.3), as deterministic code the script
// deacon runs every cycle (an LLM deacon runs the same through gt deacon …): beads the
// patrol recovered (ORPHAN_RECOVERED / RECOVERED_BEAD mail) are re-dispatched, stranded
// convoys fed, and every so often each rig's witness and refinery get a health check —
// force-killed after enough misses in a row, for the daemon to restart. Each round looks
// only when its inputs changed (the ledgers' files) or its interval is up, so an idle
// town's deacon costs a few stats a cycle.
import { statSync } from "node:fs";
import { markMail } from "../comms/mail.ts";
import { unreadMail } from "../comms/mailbox.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { activeEstop } from "../town/estop.ts";
import { addressOf, sessionNameOf } from "../town/identity.ts";
import { locate, openTownLedger, rigBeadsDir } from "../town/ledgers.ts";
import { rigHold } from "../town/rig.ts";
import type { Town } from "../town/workspace.ts";
import { type DeaconThresholds, loadDeaconThresholds } from "./deacon-config.ts";
import { forceKill, healthCheck } from "./deacon-health.ts";
import { redispatch } from "./deacon-redispatch.ts";
import { feedStranded } from "./deacon-stranded.ts";

/** Subjects of the mail that asks the deacon to re-dispatch a bead: "<SUBJECT> <bead>". */
const RECOVERED = /^(ORPHAN_RECOVERED|RECOVERED_BEAD)\s+(\S+)/;

function stamps(town: Town): string {
  const files = [locate(town.beadsDir).dbPath];
  for (const rig of town.rigNames()) {
    try {
      files.push(locate(rigBeadsDir(town, rig)).dbPath);
    } catch {
      // a rig whose ledger is gone
    }
  }
  return files
    .flatMap((f) => [f, `${f}-wal`])
    .map((f) => {
      try {
        const s = statSync(f);
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return "-";
      }
    })
    .join("|");
}

export class DeaconRounds {
  private readonly town: Town;
  private readonly provider: RuntimeProvider;
  private readonly actor: string;
  private mailSeen: string | undefined;
  private fedSeen: string | undefined;
  private lastFeed = 0;
  private lastHealth = Date.now();

  constructor(town: Town, provider: RuntimeProvider, actor = "deacon") {
    this.town = town;
    this.provider = provider;
    this.actor = actor;
  }

  /** One pass of the rounds; what was done, one line each. */
  async run(env: NodeJS.ProcessEnv): Promise<string[]> {
    const t = loadDeaconThresholds(this.town);
    const out: string[] = [];
    const now = stamps(this.town);
    if (now !== this.mailSeen) {
      this.mailSeen = now;
      out.push(...(await this.recovered(t, env)));
    }
    if (now !== this.fedSeen || Date.now() - this.lastFeed >= t.feedCooldownMs) {
      this.fedSeen = stamps(this.town);
      this.lastFeed = Date.now();
      out.push(...(await this.feed(t, env)));
    }
    if (Date.now() - this.lastHealth >= t.healthCheckIntervalMs) {
      this.lastHealth = Date.now();
      out.push(...(await this.health(t)));
    }
    return out;
  }

  /** Re-dispatches what the patrol recovered; the mail is marked read once handled. */
  private async recovered(t: DeaconThresholds, env: NodeJS.ProcessEnv): Promise<string[]> {
    const ledger = openTownLedger(this.town);
    let mail: Awaited<ReturnType<typeof unreadMail>>;
    try {
      mail = (await unreadMail([ledger], this.actor)).filter((m) => RECOVERED.test(m.title));
    } finally {
      await ledger.close();
    }
    const out: string[] = [];
    for (const m of mail.reverse()) {
      const bead = RECOVERED.exec(m.title)![2]!;
      try {
        const r = await redispatch(this.town, bead, {
          maxAttempts: t.redispatchMax,
          cooldownMs: t.redispatchCooldownMs,
          actor: this.actor,
          env,
        });
        out.push(`redispatch ${bead}: ${r.action}: ${r.message}`);
        // A bead in its cooldown is tried again when the mail is seen next (still unread).
        if (r.action !== "cooldown") await markMail(this.town, this.actor, m.id, true);
      } catch (e) {
        out.push(`redispatch ${bead}: ${(e as Error).message}`);
        await markMail(this.town, this.actor, m.id, true).catch(() => undefined);
      }
    }
    return out;
  }

  private async feed(t: DeaconThresholds, env: NodeJS.ProcessEnv): Promise<string[]> {
    const r = await feedStranded(this.town, {
      maxFeeds: t.feedMax,
      cooldownMs: t.feedCooldownMs,
      actor: this.actor,
      env,
    });
    return r.details
      .filter((d) => d.action === "fed" || d.action === "closed" || d.action === "failed")
      .map((d) => `stranded convoy ${d.convoy} ${d.action}: ${d.message}`);
  }

  /** Health checks of every running witness and refinery (not under an e-stop, not of a held rig). */
  private async health(t: DeaconThresholds): Promise<string[]> {
    if (activeEstop(this.town.root)) return [];
    const live = new Set((await this.provider.list()).filter((s) => s.alive).map((s) => s.name));
    const out: string[] = [];
    for (const rig of this.town.rigNames()) {
      if (activeEstop(this.town.root, rig) || (await rigHold(this.town, rig))) continue;
      for (const role of ["witness", "refinery"] as const) {
        const id = { role, rig };
        if (!live.has(sessionNameOf(id, this.town.prefixOf(rig)))) continue;
        const address = addressOf(id);
        const h = await healthCheck(this.town, this.provider, address, {
          timeoutMs: t.healthCheckTimeoutMs,
          failures: t.healthCheckFailures,
          cooldownMs: t.forceKillCooldownMs,
          actor: this.actor,
        });
        if (h.outcome === "no-response")
          out.push(`health check ${address}: no response (${h.consecutive_failures}/${h.failures_to_kill})`);
        if (!h.should_force_kill) continue;
        const k = await forceKill(this.town, this.provider, address, {
          cooldownMs: t.forceKillCooldownMs,
          actor: this.actor,
        });
        out.push(`force-killed ${address}: ${k.reason}`);
      }
    }
    return out;
  }
}
