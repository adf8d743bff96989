// What an interactive agent reads from its terminal, as messages: a line ends at Enter
// (CR or LF); a bracketed paste (ESC[200~ … ESC[201~) is taken whole, newlines and all, into
// the current line; Ctrl-U clears the line. This is how a nudge of several lines reaches an
// agent as one message, as it does in a real TUI.
const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
const CLEAR_LINE = "\x15";

/** Length of the longest tail of `s` that could be the start of one of `markers`. */
function partialMarkerTail(s: string, markers: string[]): number {
  for (let n = Math.min(s.length, 5); n > 0; n--) {
    const tail = s.slice(-n);
    if (markers.some((m) => m.startsWith(tail))) return n;
  }
  return 0;
}

/** Splits raw terminal input into submitted messages. */
export async function* terminalMessages(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let buf = "";
  let line = "";
  let pasting = false;
  let skipLf = false;
  for await (const chunk of chunks) {
    buf += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    for (;;) {
      if (pasting) {
        const end = buf.indexOf(PASTE_END);
        if (end < 0) {
          const keep = partialMarkerTail(buf, [PASTE_END]);
          line += buf.slice(0, buf.length - keep);
          buf = buf.slice(buf.length - keep);
          break;
        }
        line += buf.slice(0, end);
        buf = buf.slice(end + PASTE_END.length);
        pasting = false;
        continue;
      }
      if (skipLf && buf.startsWith("\n")) buf = buf.slice(1);
      skipLf = false;
      const stops = [
        buf.indexOf(PASTE_START),
        buf.indexOf("\r"),
        buf.indexOf("\n"),
        buf.indexOf(CLEAR_LINE),
      ].filter((i) => i >= 0);
      if (stops.length === 0) {
        const keep = partialMarkerTail(buf, [PASTE_START]);
        line += buf.slice(0, buf.length - keep);
        buf = buf.slice(buf.length - keep);
        break;
      }
      const at = Math.min(...stops);
      line += buf.slice(0, at);
      if (buf.startsWith(PASTE_START, at)) {
        buf = buf.slice(at + PASTE_START.length);
        pasting = true;
      } else if (buf[at] === CLEAR_LINE) {
        buf = buf.slice(at + 1);
        line = "";
      } else {
        skipLf = buf[at] === "\r";
        buf = buf.slice(at + 1);
        const done = line;
        line = "";
        yield done;
      }
    }
  }
  if (line) yield line;
}
