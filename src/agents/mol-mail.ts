// `gt mol attach-from-mail <id>`: a message tells an agent which molecule to work on the bead
// on its hook — `attached_molecule: <id>` (an existing molecule, also `molecule:`/`mol:`) or
// `formula: <name>` (poured now, with `var: key=value` lines). The message is marked read
// only once the molecule is attached.

import { readMail } from "../comms/mail.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { MOLECULE_TYPE } from "../formulas/molecule.ts";
import { parseVarFlags } from "../formulas/vars.ts";
import { type AgentIdentity, addressOf } from "../town/identity.ts";
import { openLedgerOfBead } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";
import { attachMolecule, readAttachment, withAttachment } from "../work/attach.ts";
import { hookOf } from "../work/hook.ts";

export interface MailOrder {
  molecule: string | null;
  formula: string | null;
  vars: Record<string, string>;
}

/** What a message body asks to attach; one error when it names nothing or both. */
export function readMailOrder(body: string): MailOrder {
  const field = (...names: string[]) => {
    for (const n of names) {
      const m = new RegExp(`^\\s*${n}:\\s*(\\S+)\\s*$`, "im").exec(body);
      if (m) return m[1]!;
    }
    return null;
  };
  const molecule = field("attached_molecule", "molecule_id", "molecule", "mol");
  const formula = field("attached_formula", "formula");
  if (!molecule && !formula)
    throw new ValidationError(
      "the message names no molecule (attached_molecule: <id>) or formula (formula: <name>)",
    );
  if (molecule && formula && !/^\s*attached_formula:/im.test(body))
    throw new ValidationError("the message names both a molecule and a formula: which one?");
  const varLines = [...body.matchAll(/^\s*var:\s*(\S+=.*)$/gim)].map((m) => m[1]!.trim());
  let vars: Record<string, string>;
  try {
    vars = parseVarFlags(varLines);
  } catch (e) {
    throw new ValidationError((e as Error).message);
  }
  return { molecule, formula: molecule ? null : formula, vars };
}

export interface MailAttach {
  mail: string;
  bead: string;
  molecule: string;
  formula: string | null;
  /** poured: made from the formula now; attached: an existing molecule. */
  how: "poured" | "attached";
}

/** Attaches an existing molecule to `beadId` for `address` (it must be in the bead's ledger). */
async function attachExisting(town: Town, beadId: string, molId: string, address: string, from: string) {
  const { ledger } = openLedgerOfBead(town, beadId);
  try {
    const bead = await ledger.getIssue(beadId);
    if (!bead) throw new NotFoundError(beadId, `no bead ${beadId}`);
    const mol = await ledger.getIssue(molId);
    if (!mol || mol.issue_type !== MOLECULE_TYPE)
      throw new NotFoundError(molId, `no molecule ${molId} in ${beadId}'s ledger`);
    const old = readAttachment(bead.description);
    if (old)
      throw new ConflictError(
        "already_attached",
        `${beadId} already has molecule ${old.attached_molecule} attached; gt mol detach ${beadId} first`,
      );
    await ledger.addDependency({ issue_id: mol.id, depends_on_id: bead.id, type: "related" }, address);
    await ledger.updateIssue(
      bead.id,
      {
        description: withAttachment(bead.description, {
          attached_molecule: mol.id,
          attached_formula: mol.source_formula ?? "",
          attached_at: new Date().toISOString(),
          attached_vars: {},
          dispatched_by: from,
        }),
      },
      address,
    );
    await ledger.updateIssue(mol.id, { assignee: address }, address);
    return mol.source_formula ?? null;
  } finally {
    await ledger.close();
  }
}

export async function attachFromMail(
  town: Town,
  who: AgentIdentity | undefined,
  mailId: string,
): Promise<MailAttach> {
  if (!who) throw new ValidationError("not inside an agent's workspace: whose mail and hook?");
  const address = addressOf(who);
  const msg = await readMail(town, address, mailId, { peek: true });
  const bead = (await hookOf(town, who))[0];
  if (!bead)
    throw new ConflictError("empty_hook", `${address} has nothing on its hook to attach a molecule to`);
  const order = readMailOrder(msg.body);
  let out: MailAttach;
  if (order.molecule) {
    const formula = await attachExisting(town, bead.id, order.molecule, address, msg.from);
    out = { mail: msg.id, bead: bead.id, molecule: order.molecule, formula, how: "attached" };
  } else {
    const r = await attachMolecule(town, bead.id, {
      formula: order.formula!,
      vars: order.vars,
      actor: address,
      assignee: address,
    });
    out = { mail: msg.id, bead: bead.id, molecule: r.molecule, formula: r.formula, how: "poured" };
  }
  await readMail(town, address, mailId);
  return out;
}
