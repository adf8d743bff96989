// gt sling --account: the polecat's session runs on the named account (its config dir as
// CLAUDE_CONFIG_DIR, whatever the agent), which the script agent shows by running the bead's
// sh block in it; an unknown handle is refused before anything is hooked.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  addBareRig,
  bdOk,
  eventually,
  failsInOneLine,
  git,
  newTown,
  type TestTown,
} from "../helpers/town.ts";

describe("gt sling --account", () => {
  let town: TestTown;
  let origin: string;
  const fails = failsInOneLine(() => town);
  const bd = (args: string[]) => bdOk(town, join(town.root, "alpha"), args);
  const show = async (id: string) =>
    (
      JSON.parse(await bd(["show", id, "--json"])) as Array<{
        status: string;
        assignee?: string | null;
        metadata?: Record<string, unknown>;
      }>
    )[0]!;

  before(async () => {
    town = await newTown("subprocess");
    origin = await addBareRig(town, "alpha");
    for (const handle of ["home", "work"]) {
      const r = await town.gt([
        "account",
        "add",
        handle,
        "--config-dir",
        join(town.scratch, `claude-${handle}`),
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await town?.cleanup();
  });

  /**
   * Slings a bead whose sh block writes $CLAUDE_CONFIG_DIR into `file` (with `flags`, and
   * `env` over the town's); returns sling's JSON and what the polecat's commit holds.
   */
  async function slingShowingAccount<T>(
    file: string,
    flags: string[],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ sling: T; configDir: string }> {
    // An idle polecat is reused, and so is its live session (on the account it started on):
    // stop them, so this sling starts a session of its own.
    for (const p of await town.gtJson<Array<{ name: string }>>(["polecat", "list", "alpha"]))
      await town.gt(["session", "stop", `alpha/polecats/${p.name}`]);
    const id = await bd([
      "create",
      `which account: ${file}`,
      "--silent",
      "-d",
      `\`\`\`sh\nprintf "%s" "$CLAUDE_CONFIG_DIR" > ${file}\n\`\`\``,
    ]);
    const sling = await town.gtJson<T>(["sling", id, "alpha", "--agent", "script", "--no-convoy", ...flags], {
      env,
    });
    const mrId = await eventually(
      async () => (await show(id)).metadata?.merge_request as string | undefined,
      30_000,
      `the merge request of ${file}`,
    );
    const sha = (await show(mrId!)).metadata?.commit_sha as string;
    assert.ok(sha, "the MR names its commit");
    return { sling, configDir: git(origin, "show", `${sha}:${file}`) };
  }

  it("starts the polecat's agent on the named account, not the default", async () => {
    const r = await slingShowingAccount<{ outcomes: Array<{ polecat: string; session_action: string }> }>(
      "account.txt",
      ["--account", "work"],
    );
    assert.equal(r.sling.outcomes[0]!.session_action, "started");
    assert.equal(r.configDir, join(town.scratch, "claude-work"));
    const [rig] = await town.gtJson<Array<{ prefix: string }>>(["rig", "list"]);
    const agentBead = await show(`${rig!.prefix}-alpha-polecat-${r.sling.outcomes[0]!.polecat}`);
    assert.equal(agentBead.metadata?.account, "work");
  });

  it("a sling that goes through the scheduler's queue (--max-concurrent) keeps its account", async () => {
    const r = await slingShowingAccount<{ scheduler: { max_concurrent: number } | null }>(
      "queued-account.txt",
      ["--account", "home", "--max-concurrent", "3"],
    );
    assert.equal(r.sling.scheduler?.max_concurrent, 3, "it went through the scheduler's queue");
    assert.equal(r.configDir, join(town.scratch, "claude-home"));
  });

  it("GT_ACCOUNT names the account when --account does not", async () => {
    const r = await slingShowingAccount("env-account.txt", [], { GT_ACCOUNT: "work" });
    assert.equal(r.configDir, join(town.scratch, "claude-work"));
    const other = await bd(["create", "unknown account in the environment", "--silent"]);
    const bad = await town.gt(["sling", other, "alpha", "--agent", "script"], {
      env: { GT_ACCOUNT: "nobody" },
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no account "nobody"/);
    assert.equal((await show(other)).status, "open");
  });

  it("refuses an unknown account in one line, nothing slung", async () => {
    const id = await bd(["create", "nowhere", "--silent"]);
    const before = await town.gtJson<unknown[]>(["polecat", "list", "alpha"]);
    await fails(
      ["sling", id, "alpha", "--account", "nobody"],
      /no account "nobody" \(accounts: home, work\)/,
    );
    const bead = await show(id);
    assert.equal(bead.status, "open");
    assert.equal(bead.assignee ?? null, null);
    assert.deepEqual(await town.gtJson<unknown[]>(["polecat", "list", "alpha"]), before);
    // Nor queued, when the sling would go through the scheduler.
    await fails(
      ["sling", id, "alpha", "--account", "nobody", "--max-concurrent", "2"],
      /no account "nobody" \(accounts: home, work\)/,
    );
    const after = await bd(["show", id, "--json"]);
    assert.doesNotMatch(after, /gt:queued/);
    assert.equal((await show(id)).status, "open");
  });
});
