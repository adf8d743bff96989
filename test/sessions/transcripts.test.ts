// Agents' transcripts: where a hook said one is, recorded once per agent session, and the
// token usage in a Claude Code session JSONL (one entry per content block, so a reply with
// text and two tool calls is three lines with the same message id: counted once).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  claudeTranscriptUsage,
  codexTranscriptUsage,
  geminiTranscriptUsage,
  listTranscripts,
  recordTranscript,
} from "../../src/sessions/transcripts.ts";

const usage = (input: number, output: number) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: 500,
  cache_creation_input_tokens: 100,
  service_tier: "standard",
});
const line = (v: unknown) => JSON.stringify(v);

describe("Claude transcript usage", () => {
  it("counts each reply once, whatever number of lines it was written as", () => {
    const text = [
      line({ type: "user", message: { role: "user", content: "do it" } }),
      line({ type: "assistant", message: { id: "msg_a", usage: usage(1000, 20) } }),
      line({ type: "assistant", message: { id: "msg_a", usage: usage(1000, 20) } }),
      line({ type: "assistant", message: { id: "msg_a", usage: usage(1000, 20) } }),
      line({ type: "user", message: { role: "user", content: [{ type: "tool_result" }] } }),
      line({ type: "assistant", requestId: "req_2", message: { id: "msg_b", usage: usage(1001, 21) } }),
      '{"type":"assistant","message":{"id":"msg_c","usa', // still being written
      "",
    ].join("\n");
    assert.deepEqual(claudeTranscriptUsage(text), {
      input_tokens: 2001,
      output_tokens: 41,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 200,
      replies: 2,
    });
  });
});

describe("Codex rollout usage", () => {
  it("takes the last running total, counts a reply per total that moved, and input without the cached part", () => {
    const count = (input: number, cached: number, output: number) =>
      line({
        type: "event_msg",
        payload: {
          type: "token_count",
          info: {
            total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output },
            last_token_usage: {},
          },
        },
      });
    const text = [
      line({ type: "session_meta", payload: { id: "t1" } }),
      line({ type: "event_msg", payload: { type: "token_count", info: null } }), // rate limits only
      count(1500, 500, 20),
      count(1500, 500, 20), // the same total again
      line({ type: "response_item", payload: { type: "message" } }),
      count(3001, 1000, 41),
      '{"type":"event_msg","payload":{"type":"token_co', // still being written
    ].join("\n");
    assert.deepEqual(codexTranscriptUsage(text), {
      input_tokens: 2001,
      output_tokens: 41,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 0,
      replies: 2,
    });
  });
});

describe("Gemini chat usage", () => {
  it("counts each message id once (its last line), input without the cached part, thoughts as output", () => {
    const tokens = (input: number, cached: number, output: number, thoughts = 0) => ({
      input,
      output,
      cached,
      thoughts,
      tool: 0,
      total: input + output + thoughts,
    });
    const text = [
      line({ type: "user", id: "u1", content: "go" }),
      line({ type: "gemini", id: "g1", content: "", tokens: tokens(1500, 500, 20) }),
      line({ type: "gemini", id: "g1", content: "", toolCalls: [{}], tokens: tokens(1500, 500, 20) }),
      line({ type: "gemini", id: "g2", content: "done", tokens: tokens(1501, 500, 21, 4) }),
      line({ type: "info", id: "i1", content: "note" }),
    ].join("\n");
    assert.deepEqual(geminiTranscriptUsage(text), {
      input_tokens: 2001,
      output_tokens: 45,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 0,
      replies: 2,
    });
  });
});

describe("recorded transcripts", () => {
  const dir = mkdtempSync(join(tmpdir(), "gt-transcripts-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const who = { actor: "alpha/crew/max", session: "al-crew-max", agent: "claude" };

  it("records a hook's transcript path once per agent session and ignores input without one", () => {
    const input = (id: string, path: string) => JSON.stringify({ session_id: id, transcript_path: path });
    assert.ok(recordTranscript(dir, input("s-1", "/x/projects/p/s-1.jsonl"), who));
    assert.equal(recordTranscript(dir, input("s-1", "/elsewhere.jsonl"), who), undefined, "already known");
    assert.ok(recordTranscript(dir, input("s-2", "/x/projects/p/s-2.jsonl"), who));
    for (const bad of [undefined, "", "not json", "{}", input("../escape", "/y.jsonl"), input("s-3", "")])
      assert.equal(recordTranscript(dir, bad, who), undefined, String(bad));
    assert.deepEqual(
      listTranscripts(dir).map((r) => [r.session_id, r.transcript, r.actor]),
      [
        ["s-1", "/x/projects/p/s-1.jsonl", "alpha/crew/max"],
        ["s-2", "/x/projects/p/s-2.jsonl", "alpha/crew/max"],
      ],
    );
  });
});
