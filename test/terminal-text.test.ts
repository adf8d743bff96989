// The one place stored text is made safe for terminals and agents' input: every control
// character class, checked against literal expected output.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeUtf8Strict, hasControlChars, InvalidUtf8Error, safeText } from "../src/terminal-text.ts";

describe("safeText", () => {
  it("returns plain text (printable ASCII, Unicode, emoji, U+00A0) unchanged", () => {
    for (const s of ["", "hello world", "naïve café ✓", "🚀 ship it", "a\u00a0b", "~!@#$%^&*()_+{}|:<>?"])
      assert.equal(safeText(s), s);
  });

  it("shows each C0 control as its control picture", () => {
    assert.equal(safeText("\x00"), "\u2400");
    assert.equal(safeText("\x01"), "\u2401");
    assert.equal(safeText("\x03"), "\u2403");
    assert.equal(safeText("\x07"), "\u2407");
    assert.equal(safeText("\x08"), "\u2408");
    assert.equal(safeText("\x0b"), "\u240b");
    assert.equal(safeText("\x0c"), "\u240c");
    assert.equal(safeText("\x1b"), "\u241b");
    assert.equal(safeText("\x1f"), "\u241f");
  });

  it("shows DEL as ␡ and every C1 control (U+0080..U+009F) as U+FFFD, leaving U+00A0 alone", () => {
    assert.equal(safeText("\x7f"), "\u2421");
    assert.equal(safeText("\x80"), "\ufffd");
    assert.equal(safeText("\x9b"), "\ufffd");
    assert.equal(safeText("\x9f"), "\ufffd");
    assert.equal(safeText("\x9f\xa0"), "\ufffd\u00a0");
    assert.equal(safeText("\x7e\x7f"), "~\u2421");
  });

  it("drops CR, makes a tab a space, and shows a newline as ␊ unless multiline", () => {
    assert.equal(safeText("a\r\nb"), "a\u240ab");
    assert.equal(safeText("a\r\nb", { multiline: true }), "a\nb");
    assert.equal(safeText("a\nb", { multiline: false }), "a\u240ab");
    assert.equal(safeText("a\tb"), "a b");
    assert.equal(safeText("a\tb", { multiline: true }), "a b");
    assert.equal(safeText("\r"), "");
  });

  it("neutralises whole escape sequences in the middle of text, keeping the rest", () => {
    // An OSC retitle, a CSI clear, a bracketed-paste end and ^C: none may survive as bytes.
    const hostile = "x\x1b]0;pwned\x07y\x1b[2J\x1b[201~\x03z";
    assert.equal(safeText(hostile), "x\u241b]0;pwned\u2407y\u241b[2J\u241b[201~\u2403z");
    assert.equal(hasControlChars(safeText(hostile)), false);
  });

  it("keeps spaces and printable text around a control as they are", () => {
    assert.equal(safeText("a b ~\x1b c"), "a b ~\u241b c");
  });

  it("keeps astral characters next to controls whole", () => {
    assert.equal(safeText("🚀\x1b🚀"), "🚀\u241b🚀");
  });
});

describe("hasControlChars", () => {
  it("is true for the controls safeText changes and false for newline and tab", () => {
    for (const c of ["\x00", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x9f"])
      assert.equal(hasControlChars(`a${c}b`), true, JSON.stringify(c));
    for (const s of ["", "plain", "a\nb", "a\tb", "\u00a0", "~", " ", "é🚀"])
      assert.equal(hasControlChars(s), false, JSON.stringify(s));
  });
});

describe("decodeUtf8Strict", () => {
  it("decodes valid UTF-8", () => {
    assert.equal(decodeUtf8Strict(new TextEncoder().encode("héllo 🚀"), "--title"), "héllo 🚀");
  });

  it("refuses invalid bytes with a one-line error naming the input", () => {
    const bad = new Uint8Array([0x61, 0xff, 0x62]);
    assert.throws(
      () => decodeUtf8Strict(bad, "--title"),
      (e: unknown) =>
        e instanceof InvalidUtf8Error && e.message === "--title is not valid UTF-8; re-encode it as UTF-8",
    );
    assert.throws(
      () => decodeUtf8Strict(new Uint8Array([0xc3]), "stdin"),
      /^InvalidUtf8Error|stdin is not valid/,
    );
  });
});
