import { ValidationError } from "./errors.ts";

// Text that came from users or agents (titles, subjects, bodies, names) is shown on
// terminals and injected into agents' context. A stray ESC or OSC sequence in it could
// move the cursor, retitle a window, or act as keys; so every human or hook output passes
// stored text through here. Control characters are shown as their Unicode control
// pictures (visible, inert), never sent.

/** Newlines (and tabs, as a space) survive in multi-line text; every other control is shown. */
export interface SafeTextOptions {
  /** Keep "\n" (descriptions, bodies). Off: a newline is shown as ␊ (titles, one-line fields). */
  multiline?: boolean;
}

/** True when `text` holds a character that safeText would change. */
export function hasControlChars(text: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text);
}

/**
 * Makes stored text safe to print: ESC, BEL, ^C, DEL and the other C0 controls become
 * control pictures (U+2400 + code, U+2421 for DEL), C1 controls (U+0080..U+009F, which some
 * terminals read as CSI/OSC) become U+FFFD, a carriage return is dropped, a tab is a space.
 */
export function safeText(text: string, opts: SafeTextOptions = {}): string {
  if (!/[\u0000-\u001f\u007f-\u009f]/.test(text)) return text;
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === "\n") out += opts.multiline ? ch : "\u240a";
    else if (ch === "\t") out += " ";
    else if (ch === "\r") continue;
    else if (c < 0x20) out += String.fromCodePoint(0x2400 + c);
    else if (c === 0x7f) out += "\u2421";
    else if (c >= 0x80 && c <= 0x9f) out += "\ufffd";
    else out += ch;
  }
  return out;
}

/**
 * Reads bytes as UTF-8, refusing invalid sequences instead of turning them into U+FFFD
 * silently: `what` names the input in the one-line error (e.g. "--title", "stdin").
 */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidUtf8Error(what);
  }
}

export class InvalidUtf8Error extends ValidationError {
  constructor(what: string) {
    super(`${what} is not valid UTF-8; re-encode it as UTF-8`);
  }
}
