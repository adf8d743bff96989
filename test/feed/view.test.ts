// gt feed's Ink app under ink-testing-library, on data shaped like the demo town's (rig
// greeter, its witness and refinery, polecats working beads, a convoy): the three panels
// render, keys switch panel, toggle the problems view and the help, an event appended to the
// store appears without any other input, and Enter / n / h reach the selected agent.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cleanup, render } from "ink-testing-library";
import type { AgentStatus } from "../../src/agents/inventory.ts";
import type { TownEvent } from "../../src/events/log.ts";
import type { AgentProblem } from "../../src/events/problems.ts";
import { loadInk } from "../../src/feed/run.ts";
import { FeedStore } from "../../src/feed/store.ts";
import { type AgentTarget, DEFAULT_NUDGE, makeFeedApp } from "../../src/feed/view.ts";
import type { ConvoyView } from "../../src/work/convoys.ts";

const now = Date.now();
const at = (s: number) => new Date(now - 120_000 + s * 1000).toISOString();
const ev = (type: string, actor: string, payload: Record<string, unknown>, s: number): TownEvent => ({
  ts: at(s),
  source: "gt",
  type,
  actor,
  payload,
  visibility: "feed",
});

function agent(address: string, role: string, extra: Partial<AgentStatus> = {}): AgentStatus {
  return {
    address,
    role,
    rig: address.includes("/") ? address.split("/")[0]! : null,
    name: null,
    session: `gr-${address.split("/").pop()}`,
    state: "running",
    running: true,
    pid: 1,
    agent: "script",
    hook: null,
    hook_title: null,
    work_dir: "/w",
    ...extra,
  };
}

const convoy: ConvoyView = {
  id: "hq-cv-demo1",
  title: "greeter: five small tasks",
  status: "open",
  owner: "mayor",
  notify: "mayor",
  created_at: at(0),
  closed_at: null,
  close_reason: null,
  tracked: [],
  total: 5,
  closed: 2,
  workers: ["greeter/polecats/toast"],
};

const problem = (agentName: string, state: AgentProblem["state"], glyph: string): AgentProblem => ({
  agent: `greeter/polecats/${agentName}`,
  rig: "greeter",
  role: "polecat",
  session: `gr-${agentName}`,
  session_alive: state !== "zombie",
  bead: "gr-3",
  state,
  glyph,
  detail: state === "gupp" ? "hooked 40m without progress" : "working",
  quiet_ms: 40 * 60_000,
});

function demoStore(): FeedStore {
  const store = new FeedStore();
  store.setSnapshot({
    agents: [
      agent("mayor", "mayor", { state: "stopped", running: false, session: "hq-mayor" }),
      agent("greeter/witness", "witness"),
      agent("greeter/refinery", "refinery"),
      agent("greeter/polecats/toast", "polecat", { hook: "gr-3" }),
      agent("greeter/polecats/ace", "polecat", { hook: "gr-4" }),
    ],
    convoys: [convoy],
    problems: [problem("ace", "gupp", "🔥"), problem("toast", "working", "●")],
    at: at(0),
    errors: [],
  });
  store.push(ev("sling", "mayor", { bead: "gr-3", target: "greeter/polecats/toast" }, 1));
  store.push(ev("done", "greeter/polecats/toast", { bead: "gr-1", branch: "polecat/toast" }, 30));
  store.push(ev("merged", "greeter/refinery", { mr: "gr-9", branch: "polecat/toast" }, 40));
  return store;
}

const tick = (ms = 60) => new Promise((r) => setTimeout(r, ms));

/** Waits until the last frame holds `text` (Ink draws asynchronously). */
async function frameWith(
  lastFrame: () => string | undefined,
  text: string | RegExp,
  ms = 2000,
): Promise<string> {
  const started = Date.now();
  for (;;) {
    const f = lastFrame() ?? "";
    if (typeof text === "string" ? f.includes(text) : text.test(f)) return f;
    if (Date.now() - started > ms) assert.fail(`frame never showed ${text}:\n${f}`);
    await tick(20);
  }
}

describe("gt feed view", async () => {
  const { React, ink } = await loadInk();
  const FeedApp = makeFeedApp(React, ink);
  after(() => cleanup());

  function start(store: FeedStore, extra: { problems?: boolean } = {}) {
    const calls: string[] = [];
    const actions = {
      async attach(a: AgentTarget) {
        calls.push(`attach ${a.address} ${a.session}`);
        return `attached ${a.address}`;
      },
      async nudge(a: AgentTarget, message: string) {
        calls.push(`nudge ${a.address} ${message}`);
        return `⚡ nudged ${a.address}`;
      },
      async handoff(a: AgentTarget) {
        calls.push(`handoff ${a.address}`);
        return `🤝 ${a.address}`;
      },
    };
    const r = render(React.createElement(FeedApp, { store, actions, town: "demo", rows: 30, ...extra }));
    return { ...r, calls };
  }

  it("renders the three panels: agents by role with activity, the convoy's bar, the stream with glyphs", async () => {
    const { lastFrame, unmount } = start(demoStore());
    const f = await frameWith(lastFrame, "3 Events");
    assert.match(f, /Gas Town feed · demo · 4\/5 agents running/);
    assert.match(f, /1 Agents \(5\)/);
    assert.match(
      f,
      /polecat\s+● greeter\/polecats\/ace \[gr-4\]\s*│\n│\s+● greeter\/polecats\/toast \[gr-3\]\s+\d\d:\d\d:\d\d ✓ gr-1 done on polecat\/toast/,
    );
    assert.match(f, /mayor\s+○ mayor\s+\d\d:\d\d:\d\d 🎯 gr-3 → greeter\/polecats\/toast/);
    assert.match(f, /→ ████░░░░░░ 2\/5 hq-cv-demo1 greeter: five small tasks/);
    assert.match(f, /\d\d:\d\d:\d\d ✓ greeter\/refinery gr-9 polecat\/toast/);
    // The role order: town roles first, then witness, refinery, polecats.
    assert.ok(f.indexOf("○ mayor") < f.indexOf("witness ") && f.indexOf("refinery ") < f.indexOf("polecat "));
    unmount();
  });

  it("a new event in the store shows in the stream without any key", async () => {
    const store = demoStore();
    const { lastFrame, unmount } = start(store);
    await frameWith(lastFrame, "3 Events (3)");
    store.push(ev("mail", "mayor", { to: "greeter/witness", subject: "fresh news" }, 60));
    const f = await frameWith(lastFrame, "fresh news");
    assert.match(f, /✉ mayor to greeter\/witness: fresh news/);
    assert.match(f, /3 Events \(4\)/);
    unmount();
  });

  it("keys: 2 and Tab move the focus, p toggles the problems view, ? the help", async () => {
    const { lastFrame, stdin, unmount } = start(demoStore());
    await frameWith(lastFrame, "3 Events");
    assert.match(lastFrame() ?? "", /▶ 1 Agents/);
    stdin.write("2");
    let f = await frameWith(lastFrame, "▶ 2 Convoys");
    assert.ok(!f.includes("▶ 1 Agents"));
    stdin.write("\t");
    f = await frameWith(lastFrame, "▶ 3 Events");
    stdin.write("1");
    await frameWith(lastFrame, "▶ 1 Agents");
    stdin.write("p");
    f = await frameWith(lastFrame, "problems view");
    assert.match(f, /Problems \(2\), most urgent first/);
    assert.match(f, /🔥 gupp\s+greeter\/polecats\/ace\s+gr-3\s+hooked 40m without progress\s+40m quiet/);
    assert.ok(f.indexOf("🔥") < f.indexOf("● working"), "most urgent first");
    assert.ok(!f.includes("2 Convoys"));
    stdin.write("p");
    f = await frameWith(lastFrame, "activity view");
    assert.match(f, /2 Convoys/);
    stdin.write("?");
    f = await frameWith(lastFrame, "Press ? again to close.");
    assert.match(f, /Enter\s+attach to the selected agent's session/);
    stdin.write("?");
    await frameWith(lastFrame, "1 Agents");
    unmount();
  });

  it("Enter, n and h act on the selected agent (Enter does nothing in the convoy panel)", async () => {
    const { lastFrame, stdin, unmount, calls } = start(demoStore());
    await frameWith(lastFrame, "3 Events");
    // Order: mayor, greeter/witness, greeter/refinery, then the polecats (ace, toast).
    stdin.write("j");
    await tick();
    stdin.write("\r");
    await frameWith(lastFrame, "attached greeter/witness");
    stdin.write("j");
    await tick();
    stdin.write("n");
    await frameWith(lastFrame, "nudge greeter/refinery:");
    stdin.write("hi");
    await tick();
    stdin.write("\r");
    await frameWith(lastFrame, "⚡ nudged greeter/refinery");
    stdin.write("n");
    await frameWith(lastFrame, "Enter sends the default");
    stdin.write("\r");
    await tick();
    stdin.write("h");
    await frameWith(lastFrame, "hand greeter/refinery off to a fresh session? y / n");
    stdin.write("n");
    await frameWith(lastFrame, "handoff cancelled");
    stdin.write("h");
    await tick();
    stdin.write("y");
    await frameWith(lastFrame, "🤝 greeter/refinery");
    stdin.write("2");
    await tick();
    stdin.write("\r");
    await tick(150);
    // In the problems view the rows select: the first is the most urgent.
    stdin.write("p");
    await tick();
    stdin.write("\r");
    await frameWith(lastFrame, "attached greeter/polecats/ace");
    assert.deepEqual(calls, [
      "attach greeter/witness gr-witness",
      "nudge greeter/refinery hi",
      `nudge greeter/refinery ${DEFAULT_NUDGE}`,
      "handoff greeter/refinery",
      "attach greeter/polecats/ace gr-ace",
    ]);
    unmount();
  });

  it("q quits the app", async () => {
    let quit = 0;
    const store = demoStore();
    const r = render(
      React.createElement(FeedApp, {
        store,
        actions: {
          attach: async () => undefined,
          nudge: async () => "",
          handoff: async () => "",
        },
        town: "demo",
        rows: 30,
        onQuit: () => quit++,
      }),
    );
    await frameWith(r.lastFrame, "3 Events");
    r.stdin.write("q");
    await tick(100);
    assert.equal(quit, 1);
    // After exit, events no longer redraw.
    const frames = r.frames.length;
    store.push(ev("mail", "mayor", { to: "x", subject: "after quit" }, 90));
    await tick(100);
    assert.ok(!(r.lastFrame() ?? "").includes("after quit"));
    assert.ok(r.frames.length >= frames);
    r.unmount();
  });
});
