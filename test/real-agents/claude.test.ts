// Real Claude Code (the pinned CLI from .cache/agents) driven end to end by gt in real tmux,
// offline: each town points it at a scripted Anthropic Messages server on loopback. What the
// model was shown is read from the server's request log. Claude's config dir is fresh per
// town with only its first-run setup done (as on the machine of someone who ran `claude`
// once), so every start meets the trust and bypass-permissions dialogs gt must answer.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type AnthropicServer,
  claudeEnv,
  neutralOf,
  startAnthropicServer,
} from "../helpers/model-server/anthropic.ts";
import type { LoggedRequest } from "../helpers/model-server/script.ts";
import { addBareRig, bdOk, eventually, git, newTown, type TestTown } from "../helpers/town.ts";
import { installAgent } from "./install.ts";

let claudeBin = "";

interface Bead {
  id: string;
  status: string;
}

/** A Claude config dir as after a first run: onboarding done, nothing trusted yet. */
function claudeConfigDir(town: TestTown, name = "claude-config"): string {
  const dir = join(town.scratch, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".claude.json"), JSON.stringify({ hasCompletedOnboarding: true }));
  return dir;
}

/**
 * Sets the town's `claude` agent the way a user would in settings/config.json: the binary
 * to run and the environment its sessions get (a model endpoint, a token, a config dir).
 */
function configureClaude(town: TestTown, env: Record<string, string>): void {
  const file = join(town.root, "settings", "config.json");
  const settings = JSON.parse(readFileSync(file, "utf8"));
  settings.agents = { ...settings.agents, claude: { command: claudeBin, env } };
  writeFileSync(file, JSON.stringify(settings, null, 2));
}

const lastUserText = (r: LoggedRequest) => neutralOf(r.body as never).lastUserText;
const isModelTurn = (r: LoggedRequest) => r.reply !== undefined && r.reply.source !== "side";

/** What went on, printed when a test fails: the model's requests and every session's screen. */
async function explain(town: TestTown, server: AnthropicServer): Promise<void> {
  if (!town || !server) return;
  for (const r of server.log.entries)
    console.log(
      `# ${r.method} ${r.url} -> ${r.reply?.source ?? "-"}: ${JSON.stringify(r.body ? lastUserText(r).slice(-300) : "")}`,
    );
  const events = join(town.root, ".events.jsonl");
  if (existsSync(events)) console.log(readFileSync(events, "utf8"));
  const list = await town.gt(["session", "list", "--json"]);
  for (const s of JSON.parse(list.stdout || "[]") as Array<{ name: string }>) {
    const peek = await town.gt(["session", "peek", s.name, "60"]);
    console.log(`# ---- ${s.name}\n${peek.stdout}`);
  }
}

async function tmuxHas(town: TestTown, session: string): Promise<boolean> {
  const r = await town.gt(["session", "list", "--json"]);
  return (JSON.parse(r.stdout) as Array<{ name: string; alive: boolean }>).some(
    (s) => s.name === session && s.alive,
  );
}

describe("Claude Code in real tmux, offline", () => {
  before(() => {
    claudeBin = installAgent("claude");
  });

  describe("gt sling --agent claude: the whole loop", () => {
    let town: TestTown;
    let server: AnthropicServer;
    let origin: string;
    before(async () => {
      town = await newTown("tmux");
      origin = await addBareRig(town, "alpha", {
        mergeQueue: { test_command: "test -f greeting.txt", poll_interval_seconds: 1 },
      });
      server = await startAnthropicServer();
      configureClaude(town, claudeEnv(server, claudeConfigDir(town)));
      const r = await town.gt(["refinery", "start", "alpha"]);
      assert.equal(r.code, 0, r.stderr);
    });
    after(async () => {
      if (process.env.EXPLAIN_REAL_AGENTS) await explain(town, server);
      await town?.cleanup();
      await server?.close();
    });

    it("primes the model with the bead, which edits, commits and runs gt done; the refinery merges it", async () => {
      const rig = join(town.root, "alpha");
      const id = await bdOk(town, rig, [
        "create",
        "Add a greeting",
        "-d",
        "Write greeting.txt saying hello from claude",
        "--silent",
      ]);
      server.script.push(
        {
          when: id,
          shell: [
            "echo 'hello from claude' > greeting.txt && git add greeting.txt && git commit -qm 'Add a greeting' && git log --oneline -1",
          ],
        },
        { when: "Add a greeting", shell: ["gt done"] },
        { text: "Done: the greeting is merged once the refinery lands it." },
      );
      const t0 = Date.now();
      const sling = await town.gt(["sling", id, "alpha", "--agent", "claude", "--json"]);
      assert.equal(sling.code, 0, sling.stderr);
      const started = Date.now() - t0;

      // The first request the model gets carries the prime: the hooked bead's id, title and description.
      const first = await server.log.waitFor(isModelTurn, 30_000);
      for (const text of [id, "Add a greeting", "Write greeting.txt saying hello from claude"])
        assert.ok(first.raw.includes(text), `the first model request shows ${text}`);
      console.log(`# sling took ${started} ms; first model request ${first.at - t0} ms after sling began`);

      await eventually(
        async () =>
          (JSON.parse(await bdOk(town, rig, ["show", id, "--json"])) as Bead[])[0]?.status === "closed",
        60_000,
        "the bead merged and closed",
      );
      assert.equal(git(origin, "show", "main:greeting.txt"), "hello from claude");
      // gt done ran inside Claude's Bash tool: its output came back to the model.
      const afterDone = await server.log.waitFor(
        (r) => isModelTurn(r) && lastUserText(r).includes(id),
        5_000,
      );
      assert.ok(afterDone);
      // Both dialogs a fresh config shows were met and answered by gt, not pre-seeded.
      const events = readFileSync(join(town.root, ".events.jsonl"), "utf8");
      assert.match(events, /"screen":"trust folder"/);
      assert.match(events, /"screen":"bypass-permissions warning"/);
    });
  });
});
