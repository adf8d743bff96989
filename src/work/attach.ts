// Attaching a work molecule to a bead (beads spec §3.4): a formula is cooked in runtime mode
// (feature = the bead's title, issue = its id, plus the caller's vars), poured as a molecule
// in the bead's ledger, linked to the bead, and recorded as `attached_*` lines in the bead's
// description, which is where agents (gt prime, the script agent, gt mol) read it back.
import { homedir } from "node:os";
import { join } from "node:path";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { cookFormula } from "../formulas/cook.ts";
import { FormulaLibrary, formulaSearchPath } from "../formulas/library.ts";
import { burnMolecule, requireMolecule } from "../formulas/molecule.ts";
import { pourCooked } from "../formulas/pour.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { builtinFormulasDir } from "../package-paths.ts";
import { locate, openLedgerOfBead, rigBeadsDir } from "../town/ledgers.ts";
import { loadRigSettings } from "../town/settings.ts";
import type { Town } from "../town/workspace.ts";

/** The `key: value` lines an attachment writes into the base bead's description. */
export interface Attachment {
  attached_molecule: string;
  attached_formula: string;
  attached_at: string;
  attached_vars: Record<string, string>;
  dispatched_by: string;
}

const KEYS = [
  "attached_molecule",
  "attached_formula",
  "attached_at",
  "attached_vars",
  "dispatched_by",
] as const;
const LINE = new RegExp(`^(${KEYS.join("|")}): ?(.*)$`);

/** The attachment recorded in a description, or undefined when there is none. */
export function readAttachment(description: string | undefined): Attachment | undefined {
  const found: Partial<Record<(typeof KEYS)[number], string>> = {};
  for (const line of (description ?? "").split("\n")) {
    const m = LINE.exec(line.trimEnd());
    if (m) found[m[1] as (typeof KEYS)[number]] = m[2]!.trim();
  }
  if (!found.attached_molecule) return undefined;
  let vars: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(found.attached_vars || "{}");
    if (parsed && typeof parsed === "object") vars = parsed as Record<string, string>;
  } catch {
    // a hand-edited line that is not JSON: the molecule is still attached, its vars unknown
  }
  return {
    attached_molecule: found.attached_molecule,
    attached_formula: found.attached_formula ?? "",
    attached_at: found.attached_at ?? "",
    attached_vars: vars,
    dispatched_by: found.dispatched_by ?? "",
  };
}

/** The description without any attachment lines (and without the blank line left before them). */
export function withoutAttachment(description: string | undefined): string {
  const kept = (description ?? "").split("\n").filter((l) => !LINE.test(l.trimEnd()));
  return kept.join("\n").trimEnd();
}

/** The description with `a` recorded at its end (replacing any earlier attachment). */
export function withAttachment(description: string | undefined, a: Attachment): string {
  const body = withoutAttachment(description);
  const lines = [
    `attached_molecule: ${a.attached_molecule}`,
    `attached_formula: ${a.attached_formula}`,
    `attached_at: ${a.attached_at}`,
    `attached_vars: ${JSON.stringify(a.attached_vars)}`,
    `dispatched_by: ${a.dispatched_by}`,
  ];
  return body ? `${body}\n\n${lines.join("\n")}` : lines.join("\n");
}

/** The formula search path as seen from a rig (rig, town, ~/.beads, built-ins). */
export function formulaLibraryOf(town: Town, rig: string | undefined): FormulaLibrary {
  return new FormulaLibrary(
    formulaSearchPath({
      rigBeadsDir: rig ? locate(rigBeadsDir(town, rig)).beadsDir : undefined,
      townRoot: town.root,
      home: process.env.HOME || homedir(),
      builtin: builtinFormulasDir(),
    }),
  );
}

/** The rig setting `workflow.default_formula`: the formula every bead slung there follows. */
export function defaultWorkFormula(town: Town, rig: string): string | undefined {
  const wf = (loadRigSettings(town.rigDir(rig)) as { workflow?: { default_formula?: unknown } }).workflow;
  const name = wf?.default_formula;
  if (name === undefined || name === null || name === "") return undefined;
  if (typeof name !== "string")
    throw new ValidationError(
      `${join(town.rigDir(rig), "settings", "config.json")}: workflow.default_formula is a formula name`,
    );
  return name;
}

export interface AttachOptions {
  formula: string;
  /** --var values; feature and issue come from the bead unless given here. */
  vars?: Record<string, string>;
  actor: string;
  /** Who works the molecule (the root's assignee): the polecat it is slung to. */
  assignee?: string | undefined;
  /** Replace an attachment already on the bead (the old molecule is burned). */
  replace?: boolean;
}

export interface AttachResult {
  bead: string;
  molecule: string;
  formula: string;
  steps: number;
  vars: Record<string, string>;
  /** The molecule this one replaced (burned), if any. */
  replaced: string | null;
}

/** Reads the bead in its ledger; the attachment work then runs on that ledger. */
async function onBead<T>(
  town: Town,
  beadId: string,
  fn: (store: LedgerStore, bead: Issue, rig: string | undefined) => Promise<T>,
): Promise<T> {
  const { ledger, rig } = openLedgerOfBead(town, beadId);
  try {
    const id = await ledger.resolveId(beadId).catch(() => beadId);
    const bead = await ledger.getIssue(id);
    if (!bead) throw new NotFoundError(beadId, `no bead ${beadId} in this town`);
    return await fn(ledger, bead, rig);
  } finally {
    await ledger.close();
  }
}

/** Deletes a molecule and everything under it; a molecule already gone is fine. */
async function burnIfThere(store: LedgerStore, molecule: string, actor: string): Promise<void> {
  if (await store.getIssue(molecule)) await burnMolecule(store, molecule, actor);
}

function alreadyAttached(bead: string, a: Attachment): ConflictError {
  return new ConflictError(
    "already_attached",
    `${bead} already has molecule ${a.attached_molecule} (${a.attached_formula}) attached; gt mol detach ${bead} first`,
  );
}

/** The formula cooked (runtime mode) for a bead: its vars checked, a workflow required. */
function cookForBead(
  town: Town,
  rig: string | undefined,
  bead: Issue,
  formula: string,
  given: Record<string, string> | undefined,
) {
  const vars = { feature: bead.title, issue: bead.id, ...(given ?? {}) };
  const cooked = cookFormula(formulaLibraryOf(town, rig), formula, town.root, { mode: "runtime", vars });
  if (cooked.type !== "workflow")
    throw new ValidationError(
      `${cooked.formula} is a ${cooked.type} formula; only a workflow can be attached to a bead`,
    );
  return { vars, cooked };
}

/**
 * Cooks `opts.formula` for the bead, pours it as a molecule in the bead's ledger, links it
 * and records the attachment. A pour that cannot be recorded is burned again: nothing
 * half-made stays.
 */
export async function attachMolecule(town: Town, beadId: string, opts: AttachOptions): Promise<AttachResult> {
  return onBead(town, beadId, async (store, bead, rig) => {
    if (bead.issue_type === "molecule") throw new ValidationError(`${bead.id} is a molecule itself`);
    const old = readAttachment(bead.description);
    if (old && !opts.replace) throw alreadyAttached(bead.id, old);
    const { vars, cooked } = cookForBead(town, rig, bead, opts.formula, opts.vars);
    const poured = await pourCooked(store, cooked, {
      ephemeral: false,
      assignee: opts.assignee,
      actor: opts.actor,
    });
    const attachment: Attachment = {
      attached_molecule: poured.root_id,
      attached_formula: cooked.formula,
      attached_at: new Date().toISOString(),
      attached_vars: vars,
      dispatched_by: opts.actor,
    };
    try {
      // The molecule points at the bead it works on; neither blocks the other.
      await store.addDependency(
        { issue_id: poured.root_id, depends_on_id: bead.id, type: "related" },
        opts.actor,
      );
      await store.updateIssue(
        bead.id,
        { description: withAttachment(bead.description, attachment) },
        opts.actor,
        (cur) => {
          const now = readAttachment(cur.description);
          if (now && now.attached_molecule !== old?.attached_molecule)
            throw new ConflictError(
              "already_attached",
              `${bead.id} got molecule ${now.attached_molecule} meanwhile`,
            );
        },
      );
    } catch (e) {
      await burnIfThere(store, poured.root_id, opts.actor).catch(() => undefined);
      throw e;
    }
    if (old) await burnIfThere(store, old.attached_molecule, opts.actor).catch(() => undefined);
    return {
      bead: bead.id,
      molecule: poured.root_id,
      formula: cooked.formula,
      steps: cooked.step_count,
      vars,
      replaced: old?.attached_molecule ?? null,
    };
  });
}

export interface DetachResult {
  bead: string;
  molecule: string;
  /** The molecule's beads were deleted (detach burns what it no longer needs). */
  burned: boolean;
}

/** Takes the attachment off the bead; with `burn` the molecule's beads go as well. */
export async function detachMolecule(
  town: Town,
  beadId: string,
  opts: { actor: string; burn?: boolean },
): Promise<DetachResult> {
  return onBead(town, beadId, async (store, bead) => {
    const a = readAttachment(bead.description);
    if (!a) throw new ValidationError(`${bead.id} has no molecule attached`);
    await store.updateIssue(bead.id, { description: withoutAttachment(bead.description) }, opts.actor);
    let burned = false;
    if (opts.burn && (await store.getIssue(a.attached_molecule))) {
      await burnMolecule(store, a.attached_molecule, opts.actor);
      burned = true;
    }
    return { bead: bead.id, molecule: a.attached_molecule, burned };
  });
}

/** The attachment on a bead (read from its ledger), or undefined. */
export async function attachmentOf(town: Town, beadId: string): Promise<Attachment | undefined> {
  return onBead(town, beadId, async (_store, bead) => readAttachment(bead.description));
}

/** Gives the attached molecule to the agent working the bead (a re-sling moves it along). */
export async function assignMolecule(town: Town, beadId: string, assignee: string, actor: string) {
  await onBead(town, beadId, async (store, bead) => {
    const a = readAttachment(bead.description);
    if (!a) return;
    const root = await requireMolecule(store, a.attached_molecule).catch(() => undefined);
    if (root && root.assignee !== assignee) await store.updateIssue(root.id, { assignee }, actor);
  });
}

/** Undoes an attachment made by a sling that then failed: the molecule burned, the lines gone. */
export async function rollBackAttachment(town: Town, beadId: string, molecule: string, actor: string) {
  await onBead(town, beadId, async (store, bead) => {
    const a = readAttachment(bead.description);
    if (a?.attached_molecule === molecule)
      await store.updateIssue(bead.id, { description: withoutAttachment(bead.description) }, actor);
    await burnIfThere(store, molecule, actor);
  });
}

export interface SlingAttachRequest {
  bead: string;
  /** The bead's description as the sling read it (spares opening its ledger again). */
  description?: string | undefined;
  /** The rig of the polecat taking the bead (its default formula applies), if a polecat. */
  polecatRig?: string | undefined;
  assignee: string;
  /** `gt sling <formula> --on <bead>`: this formula instead of the rig's default. */
  formula?: string | undefined;
  vars?: Record<string, string> | undefined;
  actor: string;
}

/**
 * What a sling attaches: the formula named (--on), else the rig's default work formula for a
 * polecat; a molecule already attached (gt mol attach before the sling) is kept and moves to
 * the new holder. `poured` says whether this call made it (a failed sling burns it again).
 */
export interface SlingAttachment {
  molecule: string | null;
  /** The formula the molecule was (or, in a dry run, would be) poured from. */
  formula: string | null;
  poured: boolean;
}

/** Which formula a sling would pour for the bead; undefined when it keeps or attaches none. */
function slingFormula(town: Town, req: SlingAttachRequest, existing: Attachment | undefined) {
  if (existing && !req.formula) return undefined;
  const formula = req.formula ?? (req.polecatRig ? defaultWorkFormula(town, req.polecatRig) : undefined);
  if (!formula && req.vars && Object.keys(req.vars).length > 0)
    throw new ValidationError(
      "--var needs a formula: gt sling <formula> --on <bead>, or set the rig's workflow.default_formula",
    );
  return formula;
}

export async function attachForSling(town: Town, req: SlingAttachRequest): Promise<SlingAttachment> {
  const existing =
    "description" in req ? readAttachment(req.description) : await attachmentOf(town, req.bead);
  const formula = slingFormula(town, req, existing);
  if (existing && !formula) {
    await assignMolecule(town, req.bead, req.assignee, req.actor);
    return {
      molecule: existing.attached_molecule,
      formula: existing.attached_formula || null,
      poured: false,
    };
  }
  if (!formula) return { molecule: null, formula: null, poured: false };
  const r = await attachMolecule(town, req.bead, {
    formula,
    vars: req.vars,
    actor: req.actor,
    assignee: req.assignee,
  });
  return { molecule: r.molecule, formula: r.formula, poured: true };
}

/**
 * The dry run of attachForSling: the formula is cooked for the bead (so a missing var or a
 * broken file is reported now), nothing is poured or written.
 */
export async function checkAttachForSling(town: Town, req: SlingAttachRequest): Promise<SlingAttachment> {
  return onBead(town, req.bead, async (_store, bead, rig) => {
    const existing = readAttachment(bead.description);
    const formula = slingFormula(town, req, existing);
    if (existing && !formula)
      return {
        molecule: existing.attached_molecule,
        formula: existing.attached_formula || null,
        poured: false,
      };
    if (!formula) return { molecule: null, formula: null, poured: false };
    if (existing) throw alreadyAttached(bead.id, existing);
    return {
      molecule: null,
      formula: cookForBead(town, rig, bead, formula, req.vars).cooked.formula,
      poured: false,
    };
  });
}

/**
 * For a sling that may leave beads in the scheduler's queue: the queue keeps beads, not
 * flags, so the molecule (the formula named, else the rig's default) is attached now, and
 * the sling that later takes the bead keeps it. One bead failing undoes the others.
 * Returns bead → molecule for the beads it attached (rolled back if their sling fails).
 */
export async function attachAhead(
  town: Town,
  beads: string[],
  rig: string,
  opts: { formula?: string | undefined; vars?: Record<string, string> | undefined; actor: string },
): Promise<Map<string, string>> {
  const made = new Map<string, string>();
  const formula = opts.formula ?? defaultWorkFormula(town, rig);
  if (!formula) {
    if (opts.vars && Object.keys(opts.vars).length > 0)
      throw new ValidationError(
        "--var needs a formula: gt sling <formula> --on <bead>, or set the rig's workflow.default_formula",
      );
    return made;
  }
  try {
    for (const bead of beads) {
      if (!opts.formula && (await attachmentOf(town, bead))) continue;
      const r = await attachMolecule(town, bead, { formula, vars: opts.vars, actor: opts.actor });
      made.set(bead, r.molecule);
    }
  } catch (e) {
    for (const [bead, mol] of made)
      await rollBackAttachment(town, bead, mol, opts.actor).catch(() => undefined);
    throw e;
  }
  return made;
}
