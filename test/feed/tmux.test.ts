// gt feed in a real terminal: bin/gt feed runs in a tmux pane (its own private socket, not
// the town's), the screen is captured and compared. An event written by a real command
// (gt mail send) appears in the stream with its glyph and detail; a convoy created with gt
// convoy create appears in the convoy panel with its bar (the snapshot is re-read after the
// event); p shows the problems view; Enter on the mayor (a session on the town's own tmux
// server) attaches to it, or opens it in a new window inside tmux; n types a nudge into it;
// h hands it off; q exits the feed with status 0.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { shellJoin } from "../../src/adapters/tmux.ts";
import { sessionNameOf } from "../../src/town/identity.ts";
import { BD, GT, run } from "../helpers/bd.ts";
import { newTown, type TestTown } from "../helpers/town.ts";

const SOCKET = `feed-pane-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function capture(target: string): string {
  return tmux("capture-pane", "-p", "-t", target);
}

/**
 * The town's env for a command typed into a pane, with CI set as CI machines set it: Ink
 * draws nothing but the last frame when it believes it runs in CI, unless gt tells it the
 * terminal is interactive.
 */
function paneEnv(town: TestTown): string[] {
  return [...Object.entries(town.env).map(([k, v]) => `${k}=${v ?? ""}`), "CI=true"];
}

async function screenWith(target: string, re: RegExp, ms = 20_000): Promise<string> {
  const started = Date.now();
  let last = "";
  for (;;) {
    try {
      last = capture(target);
    } catch {
      // the pane is being created
    }
    if (re.test(last)) return last;
    if (Date.now() - started > ms) assert.fail(`the pane never showed ${re}:\n${last}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("gt feed in a tmux pane", () => {
  let town: TestTown;
  let mayorSession: string;
  before(async () => {
    town = await newTown("tmux");
    // The mayor: a session on the town's own server, running cat (what is typed shows).
    mayorSession = sessionNameOf({ role: "mayor" });
    execFileSync("tmux", ["-L", town.env.GT_TMUX_SOCKET!, "new-session", "-d", "-s", mayorSession, "cat"]);
    const vars = paneEnv(town);
    tmux(
      "new-session",
      "-d",
      "-x",
      "140",
      "-y",
      "40",
      "-s",
      "feed",
      "-c",
      town.root,
      // tmux runs this through sh: the feed's exit status is printed after it ends.
      `${shellJoin(["env", "-u", "TMUX", ...vars, GT, "feed"])}; echo "feed exited $?"`,
    );
    tmux("set-option", "-t", "feed", "remain-on-exit", "on");
  });
  after(async () => {
    try {
      tmux("kill-server");
    } catch {
      // already gone
    }
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, SOCKET), {
      force: true,
    });
    await town.cleanup();
  });

  it("shows events, convoys and problems live; Enter attaches, n nudges, q quits", async () => {
    let screen = await screenWith("feed:0", /Gas Town feed · testtown/);
    assert.match(screen, /▶ 1 Agents/);
    // The first frame comes before the first read of the town; the agents fill in after it.
    screen = await screenWith("feed:0", /mayor\s+● mayor/);
    assert.match(screen, /2 Convoys \(0\)/);

    const sent = await town.gt(["mail", "send", "mayor", "-s", "pane hello", "-m", "body"]);
    assert.equal(sent.code, 0, sent.stderr);
    screen = await screenWith("feed:0", /✉ \S+ to mayor: pane hello/, 15_000);
    assert.match(screen, /\d\d:\d\d:\d\d ✉ \S+ to mayor: pane hello/);

    const bead = await run(BD, town.root, ["create", "feed task", "--json"], { env: town.env });
    assert.equal(bead.code, 0, bead.stderr);
    const id = (JSON.parse(bead.stdout) as { id: string }).id;
    const convoy = await town.gt(["convoy", "create", "pane convoy", id]);
    assert.equal(convoy.code, 0, convoy.stderr);
    screen = await screenWith("feed:0", /░{10} 0\/1 hq-cv-\S+ pane convoy/, 15_000);
    assert.match(screen, /\+ \S+ hq-cv-\S+/); // its convoy_created event in the stream

    tmux("send-keys", "-t", "feed:0", "p");
    screen = await screenWith("feed:0", /Problems \(0\), most urgent first/);
    assert.match(screen, /No polecats: nothing can be stuck/);
    tmux("send-keys", "-t", "feed:0", "p");
    await screenWith("feed:0", /activity view/);

    // Enter on the first agent (the mayor). This pane's TMUX is unset, as outside tmux: the
    // feed gives the terminal to the mayor's session and comes back when it detaches.
    tmux("send-keys", "-t", "feed:0", "Enter");
    screen = await screenWith("feed:0", /\[hq-mayor\]/);
    assert.match(screen, /New mail from \S+: pane hello/); // the mayor's own screen
    tmux("send-keys", "-t", "feed:0", "C-b", "d");
    // On a loaded machine the prefix key can reach the attached client before it reads its
    // terminal; while its status line still shows, the detach is asked for again (what a
    // person would do). A feed that does not redraw after a detach still fails below.
    for (let i = 0; i < 3 && /\[hq-mayor\]/.test(capture("feed:0")); i++) {
      await new Promise((r) => setTimeout(r, 3_000));
      if (/\[hq-mayor\]/.test(capture("feed:0"))) tmux("send-keys", "-t", "feed:0", "C-b", "d");
    }
    screen = await screenWith("feed:0", /Gas Town feed · testtown/);
    assert.match(screen, /pane convoy/);

    // Inside tmux (TMUX set, another server than the town's): Enter opens a window there.
    const vars = paneEnv(town);
    tmux("new-window", "-t", "feed", "-n", "feed2", "-c", town.root, shellJoin(["env", ...vars, GT, "feed"]));
    await screenWith("feed:feed2", /mayor\s+● mayor/);
    tmux("send-keys", "-t", "feed:feed2", "Enter");
    await screenWith("feed:feed2", new RegExp(`opened ${mayorSession} in a new tmux window`));
    const windows = tmux("list-windows", "-t", "feed", "-F", "#{window_name}").split("\n");
    assert.ok(windows.includes(mayorSession), windows.join(","));
    await screenWith(`feed:${mayorSession}`, /New mail from \S+: pane hello/);
    tmux("send-keys", "-t", "feed:feed2", "q");

    // n, a message, Enter: the text reaches the mayor's session (cat echoes it).
    tmux("send-keys", "-t", "feed:0", "n");
    await screenWith("feed:0", /nudge mayor:/);
    tmux("send-keys", "-t", "feed:0", "-l", "wake up from the feed");
    tmux("send-keys", "-t", "feed:0", "Enter");
    await screenWith("feed:0", /⚡ nudged mayor|⚠ mayor|⏳ queued for mayor/, 20_000);
    const mayorScreen = execFileSync(
      "tmux",
      ["-L", town.env.GT_TMUX_SOCKET!, "capture-pane", "-p", "-t", mayorSession],
      {
        encoding: "utf8",
      },
    );
    assert.match(mayorScreen, /wake up from the feed/);

    // h asks first, then hands the mayor off: its handoff event shows in the stream.
    tmux("send-keys", "-t", "feed:0", "h");
    await screenWith("feed:0", /hand mayor off to a fresh session\? y \/ n/);
    tmux("send-keys", "-t", "feed:0", "y");
    screen = await screenWith(
      "feed:0",
      new RegExp(`🤝 mayor: a fresh session replaces ${mayorSession}`),
      15_000,
    );
    await screenWith("feed:0", /\d\d:\d\d:\d\d 🤝 mayor/, 15_000);
    // The successor is started by a detached gt respawn: wait until it has done its part.
    const events = join(town.root, ".events.jsonl");
    const started = Date.now();
    while (
      !/"type":"(respawn_failed|session_start)"[^\n]*"actor":"mayor"|"actor":"mayor"[^\n]*"type":"(respawn_failed|session_start)"/.test(
        readFileSync(events, "utf8"),
      )
    ) {
      if (Date.now() - started > 15_000)
        assert.fail(`no respawn outcome in the log:\n${readFileSync(events, "utf8")}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    tmux("send-keys", "-t", "feed:0", "q");
    await screenWith("feed:0", /feed exited 0/, 15_000);
  });

  it("--window opens the feed in a tmux window named feed in the caller's session", async () => {
    const vars = paneEnv(town);
    tmux("new-session", "-d", "-x", "140", "-y", "40", "-s", "work", "-c", town.root, "sh");
    tmux(
      "send-keys",
      "-t",
      "work:0",
      "-l",
      `${shellJoin(["env", ...vars, GT, "feed", "--window"])}; echo "window rc $?"`,
    );
    tmux("send-keys", "-t", "work:0", "Enter");
    await screenWith("work:0", /window rc 0/);
    assert.match(capture("work:0"), /Opened the feed in tmux window "feed"/);
    const windows = tmux("list-windows", "-t", "work", "-F", "#{window_name}").split("\n");
    assert.ok(windows.includes("feed"), windows.join(","));
    await screenWith("work:feed", /Gas Town feed · testtown/);
    // A second --window goes to the open one instead of opening another.
    tmux(
      "send-keys",
      "-t",
      "work:0",
      "-l",
      `${shellJoin(["env", ...vars, GT, "feed", "--window"])}; echo "again rc $?"`,
    );
    tmux("send-keys", "-t", "work:0", "Enter");
    await screenWith("work:0", /again rc 0/);
    assert.equal(
      tmux("list-windows", "-t", "work", "-F", "#{window_name}")
        .split("\n")
        .filter((w) => w === "feed").length,
      1,
    );
    tmux("send-keys", "-t", "work:feed", "q");
  });
});
