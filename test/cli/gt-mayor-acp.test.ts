import "../helpers/isolation.ts";
// gt mayor acp: an IDE's ACP lines on stdin/stdout relayed to the mayor's agent (a small fake
// ACP server here, declared in settings/agents.json with an "acp" entry). The handshake passes
// through; the startup prompt (beacon + gt prime) goes in once session/new has its sessionId and
// its answer stays with gt; a nudge queued for the mayor reaches the agent as a prompt when it
// is idle; one ACP mayor at a time; closing stdin ends it and removes the pid file.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT } from "../helpers/bd.ts";
import { eventually, failsInOneLine, newTown, type TestTown } from "../helpers/town.ts";

const FAKE_AGENT = `
import { createInterface } from "node:readline";
const send = (m) => process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...m }) + "\\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  const m = JSON.parse(line);
  if (m.method === "initialize") return send({ id: m.id, result: { protocolVersion: 1, agentCapabilities: {} } });
  if (m.method === "session/new") return send({ id: m.id, result: { sessionId: "sess-1" } });
  if (m.method === "session/load") return send({ id: m.id, result: null });
  if (m.method === "session/prompt") {
    const text = m.params.prompt.map((p) => p.text).join("");
    send({ method: "session/update", params: { sessionId: m.params.sessionId,
      update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "heard[" + m.id + "]: " + text } } } });
    return send({ id: m.id, result: { stopReason: "end_turn" } });
  }
  if (m.id !== undefined) send({ id: m.id, error: { code: -32601, message: "no such method" } });
});
`;

interface Line {
  id?: string | number;
  method?: string;
  result?: Record<string, unknown>;
  params?: { sessionId?: string; update?: { content?: { text?: string } } };
}

describe("gt mayor acp", () => {
  let town: TestTown;
  let acp: ChildProcessWithoutNullStreams | undefined;
  const fails = failsInOneLine(() => town);
  const lines: Line[] = [];
  const heard = () => lines.map((l) => l.params?.update?.content?.text ?? "").filter(Boolean);
  const send = (m: object) => acp!.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...m })}\n`);
  const pidFile = () => join(town.root, ".runtime", "mayor-acp.pid");

  before(async () => {
    town = await newTown("subprocess");
    const script = join(town.scratch, "fake-acp.mjs");
    writeFileSync(script, FAKE_AGENT);
    writeFileSync(
      join(town.root, "settings", "agents.json"),
      JSON.stringify({
        version: 1,
        agents: {
          fakeacp: { command: process.execPath, args: [script], acp: { mode: "native", args: [script] } },
        },
      }),
    );
  });
  after(async () => {
    acp?.kill();
    await town?.cleanup();
  });

  it("relays the handshake, primes the agent, hands it queued nudges, and ends with stdin", async () => {
    await fails(["mayor", "acp"], /agent 'claude' does not speak ACP/);
    acp = spawn(GT, ["mayor", "acp", "--agent", "fakeacp"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
    }) as ChildProcessWithoutNullStreams;
    let out = "";
    let err = "";
    acp.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    acp.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      for (let nl = out.indexOf("\n"); nl >= 0; nl = out.indexOf("\n")) {
        lines.push(JSON.parse(out.slice(0, nl)) as Line);
        out = out.slice(nl + 1);
      }
    });
    const exited = new Promise<number | null>((r) => acp!.once("close", r));

    send({ id: 1, method: "initialize", params: { protocolVersion: 1 } });
    send({ id: 2, method: "session/new", params: { cwd: town.root, mcpServers: [] } });
    await eventually(
      async () => lines.some((l) => l.id === 2),
      15_000,
      `session/new answered (stderr: ${err})`,
    );
    assert.deepEqual(lines.find((l) => l.id === 1)?.result, { protocolVersion: 1, agentCapabilities: {} });
    assert.equal(lines.find((l) => l.id === 2)?.result?.sessionId, "sess-1");
    await eventually(
      async () =>
        heard().some((t) => t.startsWith("heard[gastown-startup-prompt]: [GAS TOWN] mayor <- human")),
      15_000,
      "the startup prompt reached the agent",
    );
    assert.ok(
      !lines.some((l) => l.id === "gastown-startup-prompt"),
      "the answer to gt's own prompt is not passed on",
    );
    assert.ok(existsSync(pidFile()));
    await fails(["mayor", "acp", "--agent", "fakeacp"], /an ACP mayor is already running/);

    send({
      id: 3,
      method: "session/prompt",
      params: { sessionId: "sess-1", prompt: [{ type: "text", text: "status?" }] },
    });
    await eventually(async () => lines.some((l) => l.id === 3), 10_000, "the IDE's prompt answered");
    assert.ok(heard().includes("heard[3]: status?"));

    // The IDE loads another session: gt's prompts go there from now on.
    send({ id: 4, method: "session/load", params: { sessionId: "sess-2", cwd: town.root, mcpServers: [] } });
    await eventually(async () => lines.some((l) => l.id === 4), 10_000, "session/load answered");
    const nudged = await town.gt(["nudge", "mayor", "convoy landed", "--mode", "queue"]);
    assert.equal(nudged.code, 0, nudged.stderr);
    await eventually(
      async () => heard().some((t) => /^heard\[gastown-prompt-\d+\]: [\s\S]*convoy landed/.test(t)),
      15_000,
      "the queued nudge was handed over as a prompt",
    );
    const update = lines.find((l) => /convoy landed/.test(l.params?.update?.content?.text ?? ""));
    assert.equal(update?.params?.sessionId, "sess-2");

    acp.stdin.end();
    assert.equal(await exited, 0);
    assert.ok(!existsSync(pidFile()), "the pid file goes with it");
  });
  it("status shows a running ACP mayor; attach ends it before it goes to tmux", async () => {
    const second = spawn(GT, ["mayor", "acp", "--agent", "fakeacp"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
    }) as ChildProcessWithoutNullStreams;
    acp = second;
    const exited = new Promise<number | null>((r) => second.once("close", r));
    second.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} })}\n`);
    await eventually(async () => existsSync(pidFile()) || undefined, 15_000, "the ACP mayor's pid file");
    const status = await town.gtJson<{ acp_pid: number | null }>(["mayor", "status", "--json"]);
    assert.equal(status.acp_pid, second.pid);
    assert.match((await town.gt(["mayor", "status"])).stdout, /ACP mayor running \(pid \d+\)/);

    const attach = await town.gt(["mayor", "attach"]);
    assert.match(attach.stderr, new RegExp(`ACP mayor \\(pid ${second.pid}\\) ended`));
    await exited; // the relay exits (the test would time out otherwise)
    assert.ok(!existsSync(pidFile()));
    assert.equal(
      (await town.gtJson<{ acp_pid: number | null }>(["mayor", "status", "--json"])).acp_pid,
      null,
    );
    await town.gt(["mayor", "stop"]);
  });
});
