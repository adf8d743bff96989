import "../helpers/isolation.ts";
// gt prime --state, --explain and --dry-run: reading what an agent's start would see changes
// nothing (the handoff marker stays, no session is recorded); a real prime then takes it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, crewTown, type TestTown } from "../helpers/town.ts";

describe("gt prime --state/--explain/--dry-run", () => {
  let town: TestTown;
  const max = { env: { GT_ROLE: "alpha/crew/max" } };
  const crewDir = () => join(town.root, "alpha", "crew", "max");
  const marker = () => join(crewDir(), ".runtime", "handoff_to_successor");

  before(async () => {
    town = await crewTown();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("--state and --explain describe a post-handoff start without taking the marker", async () => {
    const bead = await bdOk(town, crewDir(), ["create", "the parser", "--silent"]);
    assert.equal((await town.gt(["hook", bead, "alpha/crew/max"])).code, 0);
    await town.gtJson(["handoff", "--auto", "-m", "notes"], max);
    assert.ok(existsSync(marker()));

    const state = await town.gtJson<{ state: string; hooked: { id: string } | null; unread_mail: number }>(
      ["prime", "--state"],
      max,
    );
    assert.equal(state.state, "post-handoff");
    assert.equal(state.hooked?.id, bead);
    assert.equal(state.unread_mail, 1, "the handoff note");
    assert.ok(existsSync(marker()), "--state leaves the marker");

    const explained = await town.gtJson<{ explain: string[]; dry_run: boolean }>(["prime", "--explain"], max);
    assert.equal(explained.dry_run, true);
    const why = explained.explain.join("\n");
    assert.match(why, /identity alpha\/crew\/max: from GT_ROLE/);
    assert.match(why, /handoff marker found/);
    assert.match(why, new RegExp(`hooked ${bead}`));
    assert.ok(existsSync(marker()), "--explain leaves the marker");
    const text = await town.gt(["prime", "--explain"], max);
    assert.match(text.stdout, /^Why this context:\n {2}- identity/);
  });

  it("--hook --dry-run records no session; a real prime takes the marker", async () => {
    const env = { ...max.env, GT_SESSION_ID: "sess-123" };
    const dry = await town.gtJson<{ session_id: string }>(
      ["prime", "--hook", "--dry-run", "--source", "startup"],
      {
        env,
        cwd: crewDir(),
      },
    );
    assert.equal(dry.session_id, "sess-123");
    assert.ok(!existsSync(join(crewDir(), ".runtime", "session_id")), "no session id written");
    assert.ok(existsSync(marker()));
    const state = await town.gtJson<{ state: string }>(["prime", "--state"], max);
    assert.equal(state.state, "post-handoff");
    assert.equal((await town.gt(["prime"], max)).code, 0);
    assert.ok(!existsSync(marker()), "a real prime takes the marker");
    assert.equal((await town.gtJson<{ state: string }>(["prime", "--state"], max)).state, "normal");
  });
});
