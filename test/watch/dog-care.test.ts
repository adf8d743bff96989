import "../helpers/isolation.ts";
// gt dog call / clear / health-check / dispatch: waking idle dogs, freeing a dog whose job
// has no session (zombie), and a plugin's instructions handed to a dog, which does them.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { bdOk, changeSettings, eventually, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

interface Health {
  dogs: Array<{
    dog: string;
    state: string;
    session_alive: boolean;
    hook: string | null;
    problem: string | null;
    cleared: boolean;
  }>;
  attention: number;
}

describe("gt dog call / clear / health-check / dispatch", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const show = async (id: string) =>
    (JSON.parse(await bdOk(town, town.root, ["show", id, "--json"])) as Array<Record<string, unknown>>)[0]!;
  const health = async (args: string[] = []) => {
    const r = await town.gt(["dog", "health-check", ...args, "--json"]);
    return { code: r.code, ...(JSON.parse(r.stdout) as Health) };
  };
  const job = (title: string, sh: string) =>
    bdOk(town, town.root, ["create", title, "-d", `A job.\n\n\`\`\`sh\n${sh}\n\`\`\`\n`, "--silent"]);

  before(async () => {
    town = await newTown("subprocess");
    changeSettings(town, (s) => {
      s.default_agent = "script";
    });
    assert.equal((await town.gt(["dog", "add", "rex"])).code, 0);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("a job hooked with no session is a zombie: call refuses it, --auto-clear puts the job back", async () => {
    assert.deepEqual(
      (await health()).dogs.map((d) => [d.dog, d.problem]),
      [["deacon/dogs/rex", null]],
    );
    const id = await job("Stuck job", "true");
    assert.equal((await town.gt(["sling", id, "deacon/dogs/rex", "--no-start"])).code, 0);
    const h = await health();
    assert.equal(h.code, 2);
    assert.deepEqual(
      h.dogs.map((d) => [d.problem, d.hook]),
      [["zombie", id]],
    );
    await fails(["dog", "call", "rex"], /deacon\/dogs\/rex is working on/);
    const fixed = await health(["--auto-clear"]);
    assert.equal(fixed.code, 0);
    assert.equal(fixed.dogs[0]!.cleared, true);
    const b = await show(id);
    assert.deepEqual([b.status, b.assignee ?? null], ["open", null]);

    // gt dog clear does the same by hand.
    assert.equal((await town.gt(["sling", id, "deacon/dogs/rex", "--no-start"])).code, 0);
    const c = await town.gtJson<{ bead: string; stopped: boolean }>(["dog", "clear", "rex"]);
    assert.deepEqual([c.bead, c.stopped], [id, false]);
    assert.equal((await show(id)).status, "open");
    await fails(["dog", "clear", "nobody"], /no dog nobody in the kennel/);
    await bdOk(town, town.root, ["close", id]);
  });

  it("call starts an idle dog's session; clear refuses a live one without --force", async () => {
    const r = await town.gtJson<Array<{ dog: string; action: string; session: string }>>(["dog", "call"]);
    assert.deepEqual(
      r.map((c) => [c.dog, c.action, c.session]),
      [["deacon/dogs/rex", "started", "hq-dog-rex"]],
    );
    const again = await town.gtJson<Array<{ action: string }>>(["dog", "call", "rex"]);
    assert.equal(again[0]!.action, "running");
    await fails(["dog", "clear", "rex"], /session hq-dog-rex is alive/);
    const forced = await town.gtJson<{ stopped: boolean }>(["dog", "clear", "rex", "--force"]);
    assert.equal(forced.stopped, true);
    await fails(["dog", "call", "rex", "--all"], /not both/);
  });

  it("dispatch files a plugin's instructions as a job for a dog, which does it", async () => {
    mkdirSync(join(town.root, "plugins", "hello"), { recursive: true });
    writeFileSync(
      join(town.root, "plugins", "hello", "plugin.md"),
      "# Hello plugin\n\nLeave a mark.\n\n```sh\necho plugged > plugin-proof.txt\n```\n",
    );
    const dry = await town.gtJson<{ bead: null; file: string }>([
      "dog",
      "dispatch",
      "--plugin",
      "hello",
      "--dry-run",
    ]);
    assert.equal(dry.bead, null);
    assert.match(dry.file, /plugins\/hello\/plugin\.md$/);
    await fails(["dog", "dispatch", "--plugin", "nope"], /no plugin nope/);

    const r = await town.gtJson<{ bead: string; report: { outcomes: Array<{ target: string }> } }>([
      "dog",
      "dispatch",
      "--plugin",
      "hello",
    ]);
    assert.equal(r.report.outcomes[0]!.target, "deacon/dogs/rex");
    const bead = await show(r.bead);
    assert.equal(bead.title, "Plugin: hello");
    assert.deepEqual(bead.labels, ["gt:plugin"]);
    await eventually(
      async () => (await show(r.bead)).status === "closed",
      30_000,
      "the dog to finish the plugin",
    );
    assert.ok(existsSync(join(town.root, "deacon", "dogs", "rex", "plugin-proof.txt")));
  });
});
