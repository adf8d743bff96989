// Runs gt feed: the follower of .events.jsonl feeds the store (and so the view) as events are
// appended; the town snapshot (agents, convoys, problems) is read again shortly after events
// arrive (debounced: a burst of events is one read) and, as a backstop for changes that write
// no event, every 10 s. The plain mode prints one line per event for pipes.
import { basename } from "node:path";
import { runChecked } from "../adapters/process.ts";
import { shellJoin, townSocketName } from "../adapters/tmux.ts";
import { handoff } from "../agents/handoff.ts";
import { nudge } from "../comms/nudge.ts";
import { type Follower, followEvents } from "../events/follow.ts";
import type { TownEvent } from "../events/log.ts";
import type { RuntimeProvider } from "../runtime/provider.ts";
import { callerActor, parseAddress } from "../town/identity.ts";
import type { Town } from "../town/workspace.ts";
import { eventInRig, plainLine } from "./model.ts";
import { readFeedSnapshot } from "./snapshot.ts";
import { FeedStore } from "./store.ts";
import type { AgentTarget, FeedActions, InkLib, ReactLib } from "./view.ts";
import { makeFeedApp } from "./view.ts";

export interface FeedOptions {
  rig?: string;
  /** Replay events from this time (ms since the epoch); the default is the last hour. */
  since?: number;
  problems?: boolean;
}

/** How long after an event the snapshot is read again (events come in bursts). */
export const SNAPSHOT_DEBOUNCE_MS = 400;
/** The slow backstop for changes that log no event. */
export const SNAPSHOT_BACKSTOP_MS = 10_000;
export const DEFAULT_REPLAY_MS = 3_600_000;

/**
 * React and Ink from node_modules. The specifier is a parameter on purpose: the bundler then
 * leaves a real import() in gt's CommonJS bundle instead of inlining Ink (which it cannot:
 * Ink's layout engine uses a top-level await), and Ink and this code share one React.
 */
export async function loadInk(): Promise<{ React: ReactLib; ink: InkLib }> {
  const load = (specifier: string): Promise<unknown> => import(specifier);
  const [react, ink] = await Promise.all([load("react"), load("ink")]);
  const r = react as ReactLib & { default?: ReactLib };
  return { React: r.default ?? r, ink: ink as InkLib };
}

/** Reads the snapshot after events, one read at a time, never more often than the debounce. */
export function snapshotRefresher(read: () => Promise<void>, debounceMs = SNAPSHOT_DEBOUNCE_MS) {
  let timer: NodeJS.Timeout | undefined;
  let reading = false;
  let again = false;
  let stopped = false;
  const go = async () => {
    timer = undefined;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      await read();
    } catch {
      // a failed read keeps the last snapshot; the next event reads again
    } finally {
      reading = false;
    }
    if (again && !stopped) {
      again = false;
      schedule();
    }
  };
  const schedule = () => {
    if (stopped || timer) return;
    timer = setTimeout(go, debounceMs);
  };
  return {
    schedule,
    now: go,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Where tmux's client of this process runs: the socket path in $TMUX, if any. */
function callerTmuxSocket(env: NodeJS.ProcessEnv): string | undefined {
  const v = env.TMUX;
  return v ? v.split(",")[0] : undefined;
}

export interface ActionContext {
  town: Town;
  provider: RuntimeProvider;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Leaves the TUI, attaches the terminal to `session`, comes back (outside tmux). */
  attachOutside(session: string): Promise<void>;
}

/** Enter, n and h on the selected agent: the same code paths as gt session attach, gt nudge and gt handoff. */
export function feedActions(c: ActionContext): FeedActions {
  return {
    async attach(agent: AgentTarget) {
      const session = agent.session;
      if (!session) return `${agent.address} has no session`;
      if (!(await c.provider.isAlive(session))) return `${agent.address} is not running (session ${session})`;
      const inTmux = callerTmuxSocket(c.env);
      if (c.provider.kind === "tmux" && inTmux) {
        const socket = townSocketName(c.town.root, c.env);
        if (basename(inTmux) === socket) {
          // Our client is on the town's own server: switch it to the agent's session.
          await runChecked("tmux", ["-L", socket, "switch-client", "-t", `=${session}`]);
          return `switched to ${session}`;
        }
        // Another tmux server (the person's own): a window there attaches to the town's.
        const cmd = shellJoin([
          "env",
          "-u",
          "TMUX",
          "tmux",
          "-L",
          socket,
          "attach-session",
          "-t",
          `=${session}`,
        ]);
        await runChecked("tmux", ["new-window", "-n", session.slice(0, 30), cmd]);
        return `opened ${session} in a new tmux window`;
      }
      await c.attachOutside(session);
      return `back from ${session}`;
    },
    async nudge(agent: AgentTarget, message: string) {
      const r = await nudge(c.town, c.provider, parseAddress(agent.address), message, {
        sender: callerActor(c.town.root, c.env, c.cwd),
        idleTimeoutMs: 5000,
      });
      if (r.outcome === "delivered") return `⚡ nudged ${r.target}`;
      if (r.outcome === "queued") return `⏳ queued for ${r.target}: ${r.detail ?? ""}`;
      return `⚠ ${r.target}: ${r.detail ?? "no reaction"}`;
    },
    async handoff(agent: AgentTarget) {
      const r = await handoff(c.town, c.provider, parseAddress(agent.address), {
        cycle: true,
        subject: "handed off from gt feed",
        env: c.env,
      });
      return r.kind === "handoff"
        ? `🤝 ${r.address}: a fresh session replaces ${r.session}`
        : `🤝 ${r.address}: work deferred`;
    },
  };
}

/** The terminal UI until q (or a signal). */
export async function runFeedTui(
  town: Town,
  provider: RuntimeProvider,
  opts: FeedOptions & { env: NodeJS.ProcessEnv; cwd: string },
): Promise<void> {
  const { React, ink } = await loadInk();
  const store = new FeedStore(opts.rig);
  const refresher = snapshotRefresher(async () => {
    store.setSnapshot(await readFeedSnapshot(town, provider, { rig: opts.rig }));
  });
  const follower = followEvents(town.root, { since: opts.since ?? Date.now() - DEFAULT_REPLAY_MS }, (e) => {
    store.push(e);
    refresher.schedule();
  });
  // The first frame draws at once (the stream is already replayed); the panels fill in when
  // the first read of the town ends.
  void refresher.now();
  const backstop = setInterval(refresher.schedule, SNAPSHOT_BACKSTOP_MS);
  const FeedApp = makeFeedApp(React, ink);
  let instance: ReturnType<InkLib["render"]> | undefined;
  let attachTo: string | undefined;
  const actions = feedActions({
    town,
    provider,
    env: opts.env,
    cwd: opts.cwd,
    async attachOutside(session) {
      attachTo = session;
      instance?.unmount();
    },
  });
  const stop = () => instance?.unmount();
  process.once("SIGTERM", stop);
  try {
    for (;;) {
      instance = ink.render(
        React.createElement(FeedApp, {
          store,
          actions,
          town: town.townJson().name,
          problems: opts.problems === true,
        }),
        // Only a terminal gets here (pipes get the plain stream). Ink would otherwise draw
        // nothing until exit when CI is set in the environment, as it is on CI machines.
        { interactive: true },
      );
      await instance.waitUntilExit();
      if (!attachTo) break;
      const session = attachTo;
      attachTo = undefined;
      await provider.attach(session);
    }
  } finally {
    process.off("SIGTERM", stop);
    clearInterval(backstop);
    refresher.stop();
    follower.close();
  }
}

/** `--plain` / `--json`: one line per feed-visible event until SIGINT or SIGTERM. */
export async function runFeedPlain(
  town: Town,
  opts: FeedOptions & { json: boolean; write: (line: string) => void },
): Promise<void> {
  const print = (e: TownEvent) => {
    if (e.visibility === "audit") return;
    if (opts.rig && !eventInRig(e, opts.rig)) return;
    opts.write(opts.json ? JSON.stringify(e) : plainLine(e));
  };
  let follower: Follower | undefined;
  let done: () => void = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      done = resolve;
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
      follower = followEvents(
        town.root,
        { since: opts.since ?? Date.now() - DEFAULT_REPLAY_MS, onError: reject },
        print,
      );
    });
  } finally {
    process.off("SIGINT", done);
    process.off("SIGTERM", done);
    follower?.close();
  }
}
