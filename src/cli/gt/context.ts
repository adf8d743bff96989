// What every gt command shares: the town (found from the working directory or
// GT_TOWN_ROOT), the runtime provider, output as text or --json, and errors as one line.
import { describeSystemError, GasTownError } from "../../errors.ts";
import type { RuntimeProvider } from "../../runtime/provider.ts";
import { safeText } from "../../terminal-text.ts";
import { townRuntime } from "../../town/runtime-choice.ts";
import { Town } from "../../town/workspace.ts";
import { writeErr, writeOut } from "../stdio.ts";

export class GtContext {
  readonly json: boolean;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  private townCache: Town | undefined;
  private providerCache: RuntimeProvider | undefined;

  constructor(opts: { json?: boolean }, env: NodeJS.ProcessEnv = process.env) {
    this.json = opts.json === true;
    this.cwd = process.cwd();
    this.env = env;
  }

  town(): Town {
    this.townCache ??= Town.find(this.cwd, this.env);
    return this.townCache;
  }

  /** The town's runtime provider; says once (per town) when tmux is missing. */
  provider(): RuntimeProvider {
    if (!this.providerCache) {
      const { provider, notice } = townRuntime(this.town(), this.env);
      if (notice) this.warn(notice);
      this.providerCache = provider;
    }
    return this.providerCache;
  }

  /**
   * Prints human output. Every line passes through safeText: text stored by users or agents
   * (titles, subjects, bodies, names) reaches terminals and agents' context through here, so
   * an ESC or OSC sequence in it is shown as control pictures, never sent. Newlines stay:
   * one-line fields are made safe where they are formatted (oneLine in format.ts).
   */
  out(text: string): void {
    const safe = safeText(text, { multiline: true });
    writeOut(safe.endsWith("\n") ? safe : `${safe}\n`);
  }

  /** JSON output is exact: JSON.stringify escapes every control character. */
  printJson(value: unknown): void {
    writeOut(`${JSON.stringify(value, null, 2)}\n`);
  }

  warn(text: string): void {
    writeErr(`${safeText(text, { multiline: true })}\n`);
  }
}

/** One line on stderr (and a JSON object on stdout with --json); returns the exit code. */
export function reportGtError(e: unknown, json: boolean): number {
  const known = e instanceof GasTownError;
  const message = (describeSystemError(e) ?? (e instanceof Error ? e.message : String(e))).split("\n")[0]!;
  if (json) writeOut(`${JSON.stringify({ error: message, code: known ? e.code : "error" })}\n`);
  writeErr(`Error: ${safeText(message)}\n`);
  if (!known && process.env.GT_DEBUG && e instanceof Error) writeErr(`${e.stack}\n`);
  return known ? e.exitCode : 1;
}
