import "../helpers/isolation.ts";
// gt mol attach-from-mail: a message names a formula (poured now) or an existing molecule,
// and it is attached to the bead on the reader's hook; the message is then marked read.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { townWithFormulas } from "../helpers/formula-town.ts";
import { bdOk, failsInOneLine, type TestTown } from "../helpers/town.ts";

const STEPS = `formula = "abc"
[[steps]]
id = "a"
title = "A for {{feature}}"
[[steps]]
id = "b"
title = "B"
needs = ["a"]
`;

interface Attached {
  mail: string;
  bead: string;
  molecule: string;
  formula: string | null;
  how: string;
}

describe("gt mol attach-from-mail", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const max = () => join(town.root, "alpha", "crew", "max");
  const asMax = () => ({ cwd: max() });
  const bd = (args: string[]) => bdOk(town, join(town.root, "alpha"), args);
  const show = async (id: string) =>
    (JSON.parse(await bd(["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const mail = async (body: string) =>
    (
      await town.gtJson<{ id: string }>(["mail", "send", "alpha/crew/max", "-s", "work order", "-m", body], {
        env: { GT_ROLE: "mayor" },
      })
    ).id;
  const hookOnMax = async (title: string) => {
    const id = await bd(["create", title, "--silent"]);
    await bd(["update", id, "--status", "hooked", "--assignee", "alpha/crew/max"]);
    return id;
  };

  before(async () => {
    town = await townWithFormulas({ abc: STEPS });
    assert.equal((await town.gt(["crew", "add", "max", "--rig", "alpha"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("refuses a message that names nothing, and an empty hook", async () => {
    const id = await mail("just saying hello");
    await fails(["mol", "attach-from-mail", id], /nothing on its hook/, asMax());
    const bead = await hookOnMax("first");
    await fails(["mol", "attach-from-mail", id], /names no molecule .* or formula/, asMax());
    await fails(["mol", "attach-from-mail", "al-nope"], /al-nope/, asMax());
    await bd(["update", bead, "--status", "open", "--assignee", ""]);
  });

  it("a formula named in the message is poured and attached to the hooked bead; the message is read", async () => {
    const bead = await hookOnMax("the feature");
    const id = await mail("Please work this with\nformula: abc\nvar: extra=1\n");
    const r = await town.gtJson<Attached>(["mol", "attach-from-mail", id], asMax());
    assert.deepEqual([r.bead, r.formula, r.how, r.mail], [bead, "abc", "poured", id]);
    const status = await town.gtJson<{ bead: string; progress: { molecule_id: string; total: number } }>(
      ["mol", "status"],
      asMax(),
    );
    assert.deepEqual(
      [status.bead, status.progress.molecule_id, status.progress.total],
      [bead, r.molecule, 2],
    );
    assert.equal((await show(r.molecule)).assignee, "alpha/crew/max");
    const inbox = await town.gtJson<Array<{ id: string; read: boolean }>>(
      ["mail", "inbox", "--all"],
      asMax(),
    );
    assert.equal(inbox.find((m) => m.id === id)?.read, true);
    await bd(["update", bead, "--status", "open", "--assignee", ""]);
  });

  it("an existing molecule named in the message is attached as it is", async () => {
    const donor = await bd(["create", "donor", "--silent"]);
    const mol = (await town.gtJson<{ molecule: string }>(["mol", "attach", donor, "abc"])).molecule;
    assert.equal((await town.gt(["mol", "detach", donor, "--keep"])).code, 0);
    const bead = await hookOnMax("second");
    const id = await mail(`attached_molecule: ${mol}`);
    const r = await town.gtJson<Attached>(["mol", "attach-from-mail", id], asMax());
    assert.deepEqual([r.bead, r.molecule, r.how, r.formula], [bead, mol, "attached", "abc"]);
    const desc = String((await show(bead)).description);
    assert.match(desc, new RegExp(`^attached_molecule: ${mol}$`, "m"));
    assert.match(desc, /^dispatched_by: mayor$/m);
    assert.equal((await show(mol)).assignee, "alpha/crew/max");
    // A second order for the same bead is refused: detach first.
    const again = await mail(`molecule: ${mol}`);
    await fails(["mol", "attach-from-mail", again], /already has molecule .* attached/, asMax());
  });
});
