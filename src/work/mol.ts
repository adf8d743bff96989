// `gt mol`: an agent's view of the molecule on its hook. A molecule is named by its root id,
// by the bead it is attached to, or — with nothing named — found through the caller's hook.
// Where it stands is always moleculeProgress; burn and squash are the ledger-level ones in
// formulas/molecule.ts, with the bead's attachment lines kept in step.
import { ConflictError, ValidationError } from "../errors.ts";
import {
  type BurnResult,
  burnMolecule,
  continueMolecule,
  MOLECULE_TYPE,
  moleculeRootOf,
  type SquashResult,
  squashMolecule,
} from "../formulas/molecule.ts";
import { type MoleculeProgress, moleculeProgress } from "../formulas/progress.ts";
import type { Issue } from "../ledger/model.ts";
import type { LedgerStore } from "../ledger/store.ts";
import { type AgentIdentity, addressOf } from "../town/identity.ts";
import { openLedgerOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { readAttachment, withoutAttachment } from "./attach.ts";
import { hookOf } from "./hook.ts";

interface Found {
  store: LedgerStore;
  /** The molecule's root id. */
  molecule: string;
  /** The bead it is attached to, when known. */
  bead: Issue | undefined;
}

/** The bead a molecule is attached to: the one its root points at (related) naming it. */
async function beadOfMolecule(store: LedgerStore, root: string): Promise<Issue | undefined> {
  for (const d of await store.dependencyRecords(root)) {
    if (d.type !== "related") continue;
    const b = await store.getIssue(d.depends_on_id);
    if (b && readAttachment(b.description)?.attached_molecule === root) return b;
  }
  return undefined;
}

/** The first hooked bead of `caller` that has a molecule attached. */
async function hookedWithMolecule(town: Town, caller: AgentIdentity | undefined): Promise<string> {
  if (!caller) throw new ValidationError("not inside an agent's workspace: name a bead or molecule");
  const hooked = await hookOf(town, caller);
  const bead = hooked.find((b) => readAttachment(b.description));
  if (!bead)
    throw new ValidationError(
      hooked.length === 0
        ? `${addressOf(caller)} has nothing on its hook`
        : `${hooked[0]!.id} on ${addressOf(caller)}'s hook has no molecule attached`,
    );
  return bead.id;
}

/** Opens the ledger of `arg` (or of the caller's hooked bead) and finds its molecule. */
export async function withMolecule<T>(
  town: Town,
  arg: string | undefined,
  caller: AgentIdentity | undefined,
  fn: (f: Found) => Promise<T>,
): Promise<T> {
  const named = arg ?? (await hookedWithMolecule(town, caller));
  const { ledger } = openLedgerOfBead(town, named);
  try {
    const id = await ledger.resolveId(named).catch(() => named);
    const issue = await ledger.getIssue(id);
    if (!issue) throw new ValidationError(`no bead or molecule ${named}`);
    if (issue.issue_type === MOLECULE_TYPE)
      return await fn({ store: ledger, molecule: issue.id, bead: await beadOfMolecule(ledger, issue.id) });
    const attached = readAttachment(issue.description)?.attached_molecule;
    if (attached) return await fn({ store: ledger, molecule: attached, bead: issue });
    // A step: its molecule.
    const root = await moleculeRootOf(ledger, issue.id);
    if (root)
      return await fn({ store: ledger, molecule: root.id, bead: await beadOfMolecule(ledger, root.id) });
    throw new ValidationError(`${issue.id} has no molecule attached (gt mol attach ${issue.id} <formula>)`);
  } finally {
    await ledger.close();
  }
}

export interface MolStatus {
  bead: string | null;
  formula: string | null;
  progress: MoleculeProgress;
}

export async function molStatus(
  town: Town,
  arg: string | undefined,
  caller: AgentIdentity | undefined,
): Promise<MolStatus> {
  return withMolecule(town, arg, caller, async ({ store, molecule, bead }) => ({
    bead: bead?.id ?? null,
    formula: readAttachment(bead?.description)?.attached_formula ?? null,
    progress: await moleculeProgress(store, molecule),
  }));
}

export interface StepDone {
  molecule: string;
  closed: string;
  /** The step claimed next, or null. */
  next: { id: string; title: string } | null;
  /** Every step is closed: time for gt done. */
  complete: boolean;
}

/** Closes `step` (default: the current step of the molecule) and claims the next ready one. */
export async function molStepDone(
  town: Town,
  step: string | undefined,
  caller: AgentIdentity | undefined,
  actor: string,
): Promise<StepDone> {
  return withMolecule(town, step, caller, async ({ store, molecule }) => {
    const p = await moleculeProgress(store, molecule);
    // A step named is that step; a bead or molecule named (or nothing) means the current one.
    const now =
      p.steps.find((s) => s.issue.id === step) ??
      p.steps.find((s) => s.is_current) ??
      p.steps.find((s) => s.status === "ready");
    if (!now)
      throw new ConflictError(
        "no_step",
        p.completed === p.total
          ? `every step of ${molecule} is done: finish with gt done`
          : `no step of ${molecule} is in progress or ready`,
      );
    const target = now.issue.id;
    if (now.status === "done") throw new ConflictError("closed", `${target} is already done`);
    await store.closeIssue(target, { reason: "step done" }, actor);
    const res = await continueMolecule(store, target, actor);
    return {
      molecule,
      closed: target,
      next: res.next ? { id: res.next.id, title: res.next.title } : null,
      complete: res.complete,
    };
  });
}

/** Burns the molecule and takes its attachment off the bead. */
export async function molBurn(
  town: Town,
  arg: string | undefined,
  caller: AgentIdentity | undefined,
  actor: string,
): Promise<BurnResult & { bead: string | null }> {
  return withMolecule(town, arg, caller, async ({ store, molecule, bead }) => {
    const r = await burnMolecule(store, molecule, actor);
    if (bead && readAttachment(bead.description)?.attached_molecule === molecule)
      await store.updateIssue(bead.id, { description: withoutAttachment(bead.description) }, actor);
    return { ...r, bead: bead?.id ?? null };
  });
}

/** Squashes the molecule into a digest; the bead keeps its attachment (the closed root). */
export async function molSquash(
  town: Town,
  arg: string | undefined,
  caller: AgentIdentity | undefined,
  opts: { summary?: string; actor: string },
): Promise<SquashResult & { bead: string | null }> {
  return withMolecule(town, arg, caller, async ({ store, molecule, bead }) => ({
    ...(await squashMolecule(store, molecule, { summary: opts.summary, actor: opts.actor })),
    bead: bead?.id ?? null,
  }));
}
