// The one interface every agent runtime sits behind. Domain code (mayor, crew, polecats,
// watchdogs) starts, probes and talks to sessions only through a RuntimeProvider, so tmux,
// a plain detached process, or later a pod per session are interchangeable.

export type ProviderKind = "tmux" | "subprocess";

/** Keys a session can be sent one at a time (tmux key names): submit, clear, and menu moves. */
export const SESSION_KEYS = [
  "Enter",
  "C-u",
  "Up",
  "Down",
  "Left",
  "Right",
  "Escape",
  "Tab",
  "Space",
] as const;
export type SessionKey = (typeof SESSION_KEYS)[number];

/** What to run: a named session with its own working directory and environment. */
export interface SessionSpec {
  /** Session name, unique per town: `hq-mayor`, `gt-witness`, `gt-crew-max`, `gt-toast`. */
  name: string;
  /** Working directory of the first process. */
  cwd: string;
  /** argv of the first process (program first). Never passed through a shell by the caller. */
  command: string[];
  /**
   * Environment the first process (and all its children) start with, on top of the
   * environment of the process that starts the session (never a long-lived server's own).
   */
  env: Record<string, string>;
  /** Variables of the starting process's environment the first process must not get. */
  unsetEnv?: readonly string[];
}

export interface SessionInfo {
  name: string;
  /** The agent process is running (a session whose process died is a zombie: alive=false). */
  alive: boolean;
  /** PID of the session's first process, when known. */
  pid?: number;
  /** ISO time the session was created, when known. */
  createdAt?: string;
}

export interface RuntimeProvider {
  readonly kind: ProviderKind;
  /**
   * Starts a detached session. A dead session of the same name (zombie) is cleared first;
   * a live one is a ConflictError ("session X already running").
   */
  start(spec: SessionSpec): Promise<void>;
  /**
   * Stops a session and every process it started (graceful signal, then kill after `graceMs`).
   * Returns false when there was no such session.
   */
  stop(name: string, opts?: { graceMs?: number }): Promise<boolean>;
  /** True when the session exists and its first process is still running. */
  isAlive(name: string): Promise<boolean>;
  /** Types text into the session as if at the keyboard, then presses Enter. */
  sendText(name: string, text: string): Promise<void>;
  /**
   * Puts `text` into the session's input as one bracketed paste, without submitting it:
   * newlines stay inside the message and nothing in it is read as a key or a command.
   */
  paste(name: string, text: string): Promise<void>;
  /** Presses one key in the session: Enter submits the input line, C-u clears it, arrows move in menus. */
  pressKey(name: string, key: SessionKey): Promise<void>;
  /** The last `lines` lines of what the session printed (its pane or its log), trailing blanks trimmed. */
  capture(name: string, lines?: number): Promise<string>;
  /**
   * What the session's terminal shows now, without the scrollback above it: a screen that
   * was replaced (a dialog answered, a cleared menu) is not read again. A provider with no
   * terminal gives its latest output.
   */
  screen(name: string): Promise<string>;
  /** Connects the caller's terminal to the session until it detaches or ends; returns an exit code. */
  attach(name: string): Promise<number>;
  /** Every session this provider knows of in this town, alive or zombie. */
  list(): Promise<SessionInfo[]>;
  /**
   * Ends the town's own server, with whatever still runs on it (tmux: kill-server on the
   * town's private socket, and its socket file removed). Providers without a server have none.
   */
  endServer?(): Promise<ServerEnd>;
}

export interface ServerEnd {
  /** What was ended, for people: "tmux server (socket town-1a2b3c)". */
  name: string;
  /** False when no server was running. */
  ended: boolean;
}
