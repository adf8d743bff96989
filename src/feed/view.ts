// gt feed's terminal view, built with Ink (React.createElement: node runs the sources by
// type stripping, which has no JSX). React and Ink are passed in rather than imported: the gt
// bundle must not contain them (Ink's layout engine loads with a top-level await, which a
// CommonJS bundle cannot hold, and Ink must share one React with this code), so the runner
// loads both from node_modules at the moment `gt feed` starts and hands them over here.
import type * as InkModule from "ink";
import type * as ReactModule from "react";
import {
  agentOrder,
  agentTree,
  convoyLines,
  HELP_LINES,
  INITIAL_UI,
  type KeyInput,
  type ListSizes,
  type Panel,
  problemLines,
  reduceKey,
  streamLine,
  type UiState,
} from "./model.ts";
import type { FeedStore } from "./store.ts";

export type InkLib = typeof InkModule;
export type ReactLib = typeof ReactModule;

/** The agent an action applies to. */
export interface AgentTarget {
  address: string;
  session: string | null;
}

/** What Enter, n and h do; each resolves with the line to show in the status bar. */
export interface FeedActions {
  attach(agent: AgentTarget): Promise<string | undefined>;
  nudge(agent: AgentTarget, message: string): Promise<string>;
  handoff(agent: AgentTarget): Promise<string>;
}

export interface FeedAppProps {
  store: FeedStore;
  actions: FeedActions;
  town: string;
  problems?: boolean;
  /** Terminal size; the stdout's when not given. */
  rows?: number;
  columns?: number;
  /** Called on q (the runner stops the follower); the app exits itself too. */
  onQuit?: () => void;
}

type Mode = { kind: "keys" } | { kind: "nudge"; text: string } | { kind: "handoff" };

export const DEFAULT_NUDGE = "Check your hook and carry on (nudged from gt feed)";

/** Which lines of a list of `size` show in `height` rows so that `cursor` is visible. */
function windowOf(size: number, height: number, cursor: number): [number, number] {
  if (size <= height) return [0, size];
  const start = Math.max(0, Math.min(cursor - Math.floor(height / 2), size - height));
  return [start, start + height];
}

export function makeFeedApp(React: ReactLib, ink: InkLib) {
  const h = React.createElement;
  const { Box, Text, useApp, useInput, useStdout } = ink;

  function line(
    text: string,
    opts: { key: string | number; selected?: boolean; dim?: boolean; color?: string },
  ) {
    return h(
      Text,
      {
        key: opts.key,
        wrap: "truncate-end",
        ...(opts.selected ? { inverse: true } : {}),
        ...(opts.dim ? { dimColor: true } : {}),
        ...(opts.color ? { color: opts.color } : {}),
      },
      text || " ",
    );
  }

  function panelBox(title: string, focused: boolean, height: number, body: ReactModule.ReactNode[]) {
    return h(
      Box,
      {
        key: title,
        flexDirection: "column",
        height,
        borderStyle: "round",
        borderColor: focused ? "cyan" : "gray",
        paddingX: 1,
        overflow: "hidden",
      },
      // The ▶ marks the focused panel where colours do not show (a pipe, a monochrome terminal).
      h(
        Text,
        { bold: true, color: focused ? "cyan" : undefined, wrap: "truncate-end" },
        `${focused ? "▶ " : ""}${title}`,
      ),
      ...body,
    );
  }

  return function FeedApp(props: FeedAppProps) {
    const { store, actions } = props;
    const app = useApp();
    const { stdout } = useStdout();
    const tty = stdout as NodeJS.WriteStream;
    React.useSyncExternalStore(
      (fn) => store.subscribe(fn),
      () => store.version,
    );
    const [ui, setUi] = React.useState<UiState>({ ...INITIAL_UI, problems: props.problems === true });
    const [mode, setMode] = React.useState<Mode>({ kind: "keys" });
    const [status, setStatus] = React.useState("");

    const rows = Math.max(12, props.rows ?? tty.rows ?? 30);
    const snap = store.snapshot;
    const tree = agentTree(snap.agents, store.activity, store.rig);
    const agents = agentOrder(tree);
    const convoys = convoyLines(snap.convoys, Date.now(), store.rig);
    const items = store.items();
    const problems = problemLines(snap.problems, store.rig);
    const sizes: ListSizes = {
      agents: agents.length,
      convoys: convoys.length,
      events: items.length,
      problems: problems.length,
    };

    const selected = (): AgentTarget | undefined => {
      if (ui.problems) {
        const p = problems[Math.min(ui.cursor.problems, problems.length - 1)];
        return p ? { address: p.agent, session: p.session } : undefined;
      }
      const a = agents[Math.min(ui.cursor.agents, agents.length - 1)];
      return a ? { address: a.address, session: a.session } : undefined;
    };

    const run = (what: string, p: Promise<string | undefined>) => {
      setStatus(`${what}…`);
      p.then(
        (msg) => setStatus(msg ?? ""),
        (e: Error) => setStatus(`✗ ${what}: ${e.message.split("\n")[0]}`),
      );
    };

    useInput((input, key) => {
      if (mode.kind === "nudge") {
        const target = selected();
        if (key.escape) setMode({ kind: "keys" });
        else if (key.return) {
          setMode({ kind: "keys" });
          if (target)
            run(`nudging ${target.address}`, actions.nudge(target, mode.text.trim() || DEFAULT_NUDGE));
        } else if (key.backspace || key.delete) setMode({ kind: "nudge", text: mode.text.slice(0, -1) });
        else if (input && !key.ctrl && !key.meta) setMode({ kind: "nudge", text: mode.text + input });
        return;
      }
      if (mode.kind === "handoff") {
        const target = selected();
        setMode({ kind: "keys" });
        if (input === "y" && target) run(`handing off ${target.address}`, actions.handoff(target));
        else setStatus("handoff cancelled");
        return;
      }
      const k: KeyInput = {
        input,
        tab: key.tab && !key.shift,
        shiftTab: key.tab && key.shift,
        return: key.return,
        escape: key.escape,
        upArrow: key.upArrow,
        downArrow: key.downArrow,
      };
      const { state, action } = reduceKey(ui, k, sizes);
      if (state !== ui) setUi(state);
      if (action === "quit") {
        props.onQuit?.();
        app.exit();
        return;
      }
      if (!action) return;
      const target = selected();
      if (!target) return setStatus("no agent selected");
      if (action === "attach") run(`attaching ${target.address}`, actions.attach(target));
      else if (action === "nudge") setMode({ kind: "nudge", text: "" });
      else if (action === "handoff") setMode({ kind: "handoff" });
    });

    const running = snap.agents.filter((a) => a.running).length;
    const header = `⛽ Gas Town feed · ${props.town}${store.rig ? ` · rig ${store.rig}` : ""} · ${running}/${snap.agents.length} agents running · ${ui.problems ? "problems" : "activity"} view`;
    let footer: string;
    if (mode.kind === "nudge")
      footer = `nudge ${selected()?.address ?? "?"}: ${mode.text}▏ (Enter sends${mode.text ? "" : " the default"}, Esc cancels)`;
    else if (mode.kind === "handoff")
      footer = `hand ${selected()?.address ?? "?"} off to a fresh session? y / n`;
    else if (status) footer = status;
    else if (!snap.at) footer = "reading the town…";
    else if (snap.errors.length) footer = `⚠ ${snap.errors.join("; ")}`;
    else
      footer =
        "j/k move · Tab 1 2 3 panel · p problems · Enter attach · n nudge · h hand off · ? help · q quit";

    const bodyRows = rows - 2;
    let body: ReactModule.ReactNode;
    if (ui.help) {
      body = panelBox("Help", true, bodyRows, [
        ...HELP_LINES.map((l, i) => line(l, { key: i })),
        line("", { key: "gap" }),
        line("Press ? again to close.", { key: "close", dim: true }),
      ]);
    } else if (ui.problems) {
      const inner = bodyRows - 3;
      const [from, to] = windowOf(problems.length, inner, ui.cursor.problems);
      const lines = problems.length
        ? problems.slice(from, to).map((p, i) =>
            line(`${p.glyph} ${p.state.padEnd(8)} ${p.agent}  ${p.text}`, {
              key: p.agent,
              selected: from + i === ui.cursor.problems,
              ...(p.state === "gupp" || p.state === "zombie" ? { color: "red" } : {}),
              ...(p.state === "stalled" ? { color: "yellow" } : {}),
            }),
          )
        : [line("No polecats: nothing can be stuck.", { key: "none", dim: true })];
      body = panelBox(`Problems (${problems.length}), most urgent first`, true, bodyRows, lines);
    } else {
      // Each panel is as tall as its lines (a border, a title) up to its share: the agent tree
      // up to 45 % of the screen, the convoys up to 25 %; the stream gets the rest.
      const fit = (lines: number, min: number, share: number) =>
        Math.max(min, Math.min(Math.max(lines, 1) + 3, Math.round(bodyRows * share)));
      const agentRows = fit(agents.length, 5, 0.45);
      const convoyRows = fit(convoys.length, 4, 0.25);
      const eventRows = Math.max(5, bodyRows - agentRows - convoyRows);
      const focus = (p: Panel) => ui.panel === p;

      // Agent tree: the role in a left column on its group's first line (the panel is short,
      // so headings get no line of their own); the cursor walks agents.
      const roleWidth = Math.max(5, ...tree.map((g) => g.role.length)) + 1;
      const treeLines: { text: string; agentIndex: number }[] = [];
      let n = 0;
      for (const g of tree)
        g.agents.forEach((a, i) => {
          const role = (i === 0 ? g.role : "").padEnd(roleWidth);
          treeLines.push({
            text: `${role}${a.mark} ${a.address}${a.hook ? ` [${a.hook}]` : ""}${a.activity ? `  ${a.activity}` : ""}`,
            agentIndex: n++,
          });
        });
      const selLine = treeLines.findIndex((l) => l.agentIndex === ui.cursor.agents);
      const [af, at] = windowOf(treeLines.length, agentRows - 3, Math.max(0, selLine));
      const agentBody = treeLines.length
        ? treeLines.slice(af, at).map((l, i) =>
            line(l.text, {
              key: `a${af + i}`,
              selected: focus("agents") && l.agentIndex === ui.cursor.agents,
            }),
          )
        : [line("No agents yet (gt rig add, gt sling).", { key: "none", dim: true })];

      const [cf, ct] = windowOf(convoys.length, convoyRows - 3, ui.cursor.convoys);
      const convoyBody = convoys.length
        ? convoys
            .slice(cf, ct)
            .map((c, i) =>
              line(
                `${c.landed ? "✓" : "→"} ${c.bar} ${c.closed}/${c.total} ${c.id} ${c.title}${c.landed ? " (landed)" : ""}`,
                { key: c.id, selected: focus("convoys") && cf + i === ui.cursor.convoys },
              ),
            )
        : [line("No convoys in progress.", { key: "none", dim: true })];

      const eventCursor = ui.follow ? items.length - 1 : ui.cursor.events;
      const eh = eventRows - 3;
      const ef = ui.follow ? Math.max(0, items.length - eh) : windowOf(items.length, eh, eventCursor)[0];
      const eventBody = items.length
        ? items.slice(ef, ef + eh).map((it, i) =>
            line(streamLine(it), {
              key: `e${ef + i}`,
              selected: focus("events") && !ui.follow && ef + i === ui.cursor.events,
            }),
          )
        : [line("Waiting for events…", { key: "none", dim: true })];

      body = h(
        Box,
        { flexDirection: "column" },
        panelBox(`1 Agents (${agents.length})`, focus("agents"), agentRows, agentBody),
        panelBox(`2 Convoys (${convoys.length})`, focus("convoys"), convoyRows, convoyBody),
        panelBox(
          `3 Events (${items.length})${ui.follow ? "" : " · scrolled, j to the end follows"}`,
          focus("events"),
          eventRows,
          eventBody,
        ),
      );
    }

    return h(
      Box,
      { flexDirection: "column", width: props.columns ?? tty.columns ?? 100 },
      line(header, { key: "header", color: "green" }),
      body,
      line(footer, { key: "footer", dim: mode.kind === "keys" && !status }),
    );
  };
}
