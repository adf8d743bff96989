// Nudges into real tmux sessions running the script agent: hostile text arrives as exactly
// that text (control characters shown, never acted on), long text arrives whole, and
// nudges to a busy agent queue and are handed over in order at its next turn.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { drainNudges, enqueueNudge, sanitizeNudge } from "../../src/comms/nudge.ts";
import { terminalMessages } from "../../src/sessions/terminal-input.ts";
import { Town } from "../../src/town/workspace.ts";
import { GT } from "../helpers/bd.ts";
import { agentTranscript, bdOk, eventually, type TestTown, townWithRunningCrew } from "../helpers/town.ts";

describe("nudge text and queue (units)", () => {
  it("shows control characters instead of sending them; keeps newlines; tab is a space", () => {
    assert.equal(sanitizeNudge("a\tb\r\nc\x1b[31m\x03\x7f\x9b2J"), "a b\nc\u241b[31m\u2403\u2421\ufffd2J");
  });

  it("reads pasted text whole, lines by Enter, and Ctrl-U clears", async () => {
    async function* chunks() {
      yield "plain line\r";
      yield "\x1b[200~multi\nline";
      yield " paste\x1b[20";
      yield "1~\rjunk\x15kept\n";
    }
    const got: string[] = [];
    for await (const m of terminalMessages(chunks())) got.push(m);
    assert.deepEqual(got, ["plain line", "multi\nline paste", "kept"]);
  });
});

describe("gt nudge on tmux", () => {
  let town: TestTown;
  const transcript = (session: string) => agentTranscript(town, session);

  before(async () => {
    town = await townWithRunningCrew();
  });
  after(async () => {
    await town?.cleanup();
  });

  it("delivers hostile text as exactly that text, and nothing in it runs", async () => {
    const marker = join(town.scratch, "pwned");
    const shell = `He said "hi" & 'bye'; $(touch ${marker}) \`touch ${marker}\` ; echo done`;
    const hostile = [
      shell,
      "second line with tmux key names: Enter C-c Escape M-x {Up} ^C",
      "escape bytes: \x1b[31mred\x1b[0m and \x03 and \x1b]0;title\x07 end",
      // What could end the bracketed paste early and type the rest as keys: the paste-end
      // marker, a carriage return (Enter), ^C, and C1 CSI (0x9b) standing in for ESC [.
      "paste breakout: \x1b[201~ then\r typed after CR; \x1b[201~\r\x03; CSI \x9b2J and \x9b201~ and tab\there\r",
      "last line",
    ].join("\n");
    // Written out by hand, not computed by the sanitiser under test: every control character
    // shown as its picture (ESC \u241b, ^C \u2403, BEL \u2407, a C1 code \ufffd), CR gone,
    // tab a space, newlines kept.
    const expected = [
      shell,
      "second line with tmux key names: Enter C-c Escape M-x {Up} ^C",
      "escape bytes: \u241b[31mred\u241b[0m and \u2403 and \u241b]0;title\u2407 end",
      "paste breakout: \u241b[201~ then typed after CR; \u241b[201~\u2403; CSI \ufffd2J and \ufffd201~ and tab here",
      "last line",
    ].join("\n");
    const sent = spawnSync(GT, ["nudge", "alpha/crew/max", "--stdin", "--json"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
      input: hostile,
      encoding: "utf8",
    });
    assert.equal(sent.status, 0, sent.stderr);
    assert.equal(JSON.parse(sent.stdout).outcome, "delivered");
    const got = await eventually(
      async () =>
        transcript("al-crew-max")
          .filter((x) => x.kind === "nudge" && x.text.startsWith("He said"))
          .pop(),
      10_000,
      "the nudge in max's transcript",
    );
    assert.equal(got?.text, expected);
    // Nothing the agent read at any point held a raw control byte: no ESC, ^C, CR or C1 code
    // got through, not even as a fragment of the message submitted on its own.
    for (const line of transcript("al-crew-max"))
      assert.doesNotMatch(line.text, /[\x1b\x03\r\x80-\x9f]/, `raw control byte in ${JSON.stringify(line)}`);
    assert.ok(!existsSync(marker), "nothing in the message was run");
  });

  it("delivers long text whole", async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(" "); // ~3.5 KB
    const longer = `${long} ${long} ${long}`; // ~10 KB, past a terminal's line limit
    const r = await town.gtJson<{ outcome: string }>(["nudge", "alpha/crew/max", longer]);
    assert.equal(r.outcome, "delivered");
    const got = await eventually(
      async () =>
        transcript("al-crew-max")
          .filter((x) => x.kind === "nudge" && x.text.startsWith("word0 "))
          .pop(),
      10_000,
      "the long nudge",
    );
    assert.equal(got?.text, longer);
  });

  it("queues nudges to a busy agent and hands them over in order at its next turn", async () => {
    const crewDir = join(town.root, "alpha", "crew", "max");
    const id = await bdOk(town, crewDir, ["create", "slow job", "-d", "```sh\nsleep 6\n```", "--silent"]);
    const slung = await town.gt(["sling", id, "alpha/crew/max"]);
    assert.equal(slung.code, 0, slung.stderr);
    await eventually(
      async () => transcript("al-crew-max").some((x) => x.text.includes(`working on ${id}`)),
      10_000,
      "max to start the slow job",
    );
    for (const word of ["one", "two", "three"]) {
      const r = await town.gtJson<{ outcome: string }>([
        "nudge",
        "alpha/crew/max",
        `queued ${word}`,
        "--timeout",
        "0.3",
      ]);
      assert.equal(r.outcome, "queued", word);
    }
    const handed = await eventually(
      async () => {
        const lines = transcript("al-crew-max")
          .map((x) => x.text)
          .filter((t) => /\[from [^\]]+\] queued /.test(t));
        return lines.length >= 3 ? lines : undefined;
      },
      20_000,
      "the queued nudges handed over",
    );
    assert.deepEqual(
      handed?.map((t) => t.replace(/^.*\] /, "")),
      ["queued one", "queued two", "queued three"],
    );
    assert.equal((await bdOk(town, crewDir, ["show", id, "--json"])).includes('"status": "closed"'), true);
  });

  it("respects do-not-disturb unless forced", async () => {
    const max = { env: { GT_ROLE: "alpha/crew/max" } };
    assert.equal((await town.gtJson<{ dnd: boolean }>(["dnd", "on"], max)).dnd, true);
    const held = await town.gtJson<{ outcome: string; detail: string }>([
      "nudge",
      "alpha/crew/max",
      "not now",
    ]);
    assert.equal(held.outcome, "queued");
    assert.match(held.detail, /do not disturb/);
    const forced = await town.gtJson<{ outcome: string }>([
      "nudge",
      "alpha/crew/max",
      "urgent thing",
      "--force",
    ]);
    assert.equal(forced.outcome, "delivered");
    assert.equal((await town.gtJson<{ dnd: boolean }>(["dnd", "off"], max)).dnd, false);
  });

  it("a poller hands queued nudges to an agent that has no prompt hook", async () => {
    const agent = ["sh", "-c", 'while IFS= read -r l; do echo "got: $l"; done'];
    assert.equal((await town.gt(["config", "agent", "set", "echoer", ...agent])).code, 0);
    assert.equal((await town.gt(["crew", "add", "ann", "--rig", "alpha"])).code, 0);
    const started = await town.gt(["crew", "start", "ann", "--rig", "alpha", "--agent", "echoer"], {
      env: { GT_NUDGE_POLL_MS: "300" },
    });
    assert.equal(started.code, 0, started.stderr);
    const q = await town.gtJson<{ outcome: string }>([
      "nudge",
      "alpha/crew/ann",
      "please rebase",
      "--mode",
      "queue",
    ]);
    assert.equal(q.outcome, "queued");
    await eventually(
      async () =>
        (await town.gt(["session", "peek", "alpha/crew/ann", "40"])).stdout.includes("got: - [from"),
      15_000,
      "the poller to hand the nudge over",
    );
    const screen = (await town.gt(["session", "peek", "alpha/crew/ann", "40"])).stdout;
    assert.match(screen, /got: - \[from [^\]]+\] please rebase/);
  });

  it("drains a queue once, in order, even with two drainers", () => {
    const t = new Town(town.root);
    for (const m of ["a", "b", "c", "d"])
      enqueueNudge(t, "hq-test", { sender: "x", message: m, priority: "normal" });
    const first = drainNudges(t, "hq-test");
    const second = drainNudges(t, "hq-test");
    assert.deepEqual(
      first.map((n) => n.message),
      ["a", "b", "c", "d"],
    );
    assert.deepEqual(second, []);
  });
});
