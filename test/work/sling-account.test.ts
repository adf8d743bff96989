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

  it("starts the polecat's agent on the named account, not the default", async () => {
    const id = await bd([
      "create",
      "which account",
      "--silent",
      "-d",
      '```sh\nprintf "%s" "$CLAUDE_CONFIG_DIR" > account.txt\n```',
    ]);
    const r = await town.gtJson<{ outcomes: Array<{ polecat: string; session_action: string }> }>([
      "sling",
      id,
      "alpha",
      "--agent",
      "script",
      "--account",
      "work",
      "--no-convoy",
    ]);
    assert.equal(r.outcomes[0]!.session_action, "started");
    const mrId = await eventually(
      async () => (await show(id)).metadata?.merge_request as string | undefined,
      30_000,
      "the polecat's merge request",
    );
    const sha = (await show(mrId!)).metadata?.commit_sha as string;
    assert.ok(sha, "the MR names its commit");
    assert.equal(git(origin, "show", `${sha}:account.txt`), join(town.scratch, "claude-work"));
    const [rig] = await town.gtJson<Array<{ prefix: string }>>(["rig", "list"]);
    const agentBead = await show(`${rig!.prefix}-alpha-polecat-${r.outcomes[0]!.polecat}`);
    assert.equal(agentBead.metadata?.account, "work");
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
  });
});
