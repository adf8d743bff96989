// gt crew status / rename / pristine / restart / refresh on a real town (subprocess runtime,
// script agent): status reads git, hook and mail; rename moves the workspace and what was
// addressed to it; pristine fast-forwards clean workspaces and leaves dirty ones alone;
// restart replaces a session; refresh mails the member its handoff and a new session follows.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, commitIn, crewTown, eventually, failsInOneLine, git, type TestTown } from "../helpers/town.ts";

interface Status {
  address: string;
  name: string;
  path: string;
  branch: string;
  dirty: boolean;
  running: boolean;
  session: string | null;
  hooked: string[];
  mail: { total: number; unread: number };
}
interface Pristine {
  name: string;
  pulled: boolean;
  after: string;
  error: string | null;
}

describe("gt crew upkeep", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const status = async (...names: string[]) => town.gtJson<Status[]>(["crew", "status", ...names]);

  before(async () => {
    town = await crewTown(["max", "joe"]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("status shows each member's git state, hook and mail; rename moves all of it", async () => {
    const rig = join(town.root, "alpha");
    const bead = await bdOk(town, rig, ["create", "joe's work", "--silent"]);
    await bdOk(town, rig, ["update", bead, "--assignee", "alpha/crew/joe", "--status", "hooked"]);
    await town.gtJson(["mail", "send", "alpha/crew/joe", "-s", "hello", "-m", "welcome", "--no-notify"]);
    writeFileSync(join(rig, "crew", "joe", "scratch.txt"), "wip\n");

    const [joe] = await status("alpha/joe");
    assert.equal(joe?.address, "alpha/crew/joe");
    assert.equal(joe?.dirty, true);
    assert.equal(joe?.running, false);
    assert.deepEqual(joe?.hooked, [bead]);
    assert.deepEqual(joe?.mail, { total: 1, unread: 1 });
    assert.deepEqual((await status()).map((s) => s.name).sort(), ["joe", "max"]);

    await fails(["crew", "rename", "joe", "max"], /already exists/);
    await fails(["crew", "rename", "joe", "bad-name!"], /invalid crew name/);
    const r = await town.gtJson<{ path: string; moved: string[] }>(["crew", "rename", "joe", "jim"]);
    assert.equal(r.path, join(rig, "crew", "jim"));
    assert.ok(!existsSync(join(rig, "crew", "joe")), "the old directory is gone");
    assert.ok(existsSync(join(rig, "crew", "jim", "scratch.txt")), "uncommitted work moved with it");
    const [jim] = await status("jim");
    assert.deepEqual(jim?.hooked, [bead]);
    assert.deepEqual(jim?.mail, { total: 1, unread: 1 });
    assert.ok(r.moved.includes(bead));
    await fails(["crew", "status", "joe"], /no crew member "joe"/);
    const agentBead = JSON.parse(await bdOk(town, rig, ["show", "al-alpha-crew-jim", "--json"]))[0];
    assert.equal(agentBead.title, "alpha/crew/jim");
    assert.equal(agentBead.metadata.name, "jim");
    await assert.rejects(
      bdOk(town, rig, ["show", "al-alpha-crew-joe", "--json"]),
      "the old agent bead is gone",
    );
  });

  it("pristine fast-forwards clean workspaces and reports dirty ones without touching them", async () => {
    const source = join(town.scratch, "src");
    const head = commitIn(source, "news.txt", "fresh\n");
    // The rig is mirrored: its crew clone the rig's bare mirror, which is where new work lands.
    git(source, "push", "--quiet", join(town.root, "alpha", ".mirror.git"), "HEAD:main");
    const rows = await town.gt(["crew", "pristine", "--json"]);
    assert.equal(rows.code, 1, "a dirty workspace makes it exit non-zero");
    const byName = new Map((JSON.parse(rows.stdout) as Pristine[]).map((p) => [p.name, p]));
    assert.equal(byName.get("max")?.pulled, true);
    assert.equal(byName.get("max")?.after, head);
    assert.equal(git(join(town.root, "alpha", "crew", "max"), "rev-parse", "HEAD"), head);
    assert.match(byName.get("jim")?.error ?? "", /uncommitted changes/);
    assert.notEqual(git(join(town.root, "alpha", "crew", "jim"), "rev-parse", "HEAD"), head);
    const again = await town.gtJson<Pristine[]>(["crew", "pristine", "max"]);
    assert.deepEqual(
      again.map((p) => [p.pulled, p.error]),
      [[false, null]],
    );
  });

  it("restart replaces a running session; refresh mails the handoff and a fresh session follows", async () => {
    await fails(["crew", "restart"], /name the crew members/);
    await fails(["crew", "refresh", "max"], /no running session/);
    const started = await town.gt(["crew", "start", "max", "--agent", "script"]);
    assert.equal(started.code, 0, started.stderr);
    const dry = await town.gtJson<Array<{ address: string; restarted: boolean }>>([
      "crew",
      "restart",
      "--all",
      "--dry-run",
    ]);
    assert.deepEqual(dry, [{ address: "alpha/crew/max", restarted: false, session: null }]);
    const out = await town.gtJson<Array<{ restarted: boolean }>>([
      "crew",
      "restart",
      "max",
      "--agent",
      "script",
    ]);
    assert.equal(out[0]?.restarted, true);
    assert.equal((await status("max"))[0]?.running, true);

    const r = await town.gtJson<{ kind: string; mail: string }>([
      "crew",
      "refresh",
      "max",
      "-m",
      "parser next",
    ]);
    assert.equal(r.kind, "handoff");
    const mail = await town.gtJson<Array<{ id: string; subject: string }>>([
      "mail",
      "inbox",
      "alpha/crew/max",
    ]);
    assert.ok(mail.some((m) => m.id === r.mail && /HANDOFF/.test(m.subject)));
    await eventually(async () => (await status("max"))[0]?.running, 15_000, "a fresh session for max");
  });
});
