import "../helpers/isolation.ts";
// beads' views (statuses, types, history, where, info) and its key-value store and
// memories (kv, remember, recall, memories, forget), kept in the ledger's config.
import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bd, bdJson, createIssue, freshLedger, run } from "../helpers/bd.ts";

describe("bd views", { concurrency: true }, () => {
  it("statuses and types list the built-in and configured vocabulary", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const plain = await bdJson<{ built_in_statuses: Array<{ name: string; category: string }> }>(l.dir, [
      "statuses",
    ]);
    assert.ok(plain.built_in_statuses.some((s) => s.name === "in_progress" && s.category === "wip"));
    assert.equal((plain as Record<string, unknown>).custom_statuses, undefined);
    await bd(l.dir, ["config", "set", "status.custom", "review:wip"]);
    await bd(l.dir, ["config", "set", "types.custom", "widget"]);
    const s = await bdJson<{ custom_statuses: Array<{ name: string; category: string }> }>(l.dir, [
      "statuses",
    ]);
    assert.deepEqual(s.custom_statuses, [{ name: "review", category: "wip" }]);
    const ty = await bdJson<{ core_types: Array<{ name: string }>; custom_types: string[] }>(l.dir, [
      "types",
    ]);
    assert.ok(ty.core_types.some((x) => x.name === "bug"));
    assert.deepEqual(ty.custom_types, ["widget"]);
    assert.match((await bd(l.dir, ["types"])).stdout, /Configured custom types:\n {2}widget/);
  });

  it("history lists a bead's events, newest first; where and info name the ledger", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "Thing");
    await bd(l.dir, ["update", id, "-s", "in_progress"]);
    const events = await bdJson<Array<{ event_type: string; new_value?: string }>>(l.dir, ["history", id]);
    assert.deepEqual(
      events.map((e) => e.event_type),
      ["status_changed", "created"],
    );
    assert.equal((await bdJson<unknown[]>(l.dir, ["history", id, "--limit", "1"])).length, 1);
    assert.match((await bd(l.dir, ["history", "t-none"])).stderr, /no issue found/);
    const beads = join(realpathSync(l.dir), ".beads");
    const w = await bdJson<{ path: string; prefix: string; database_path: string }>(l.dir, ["where"]);
    assert.equal(realpathSync(w.path), beads);
    assert.equal(w.prefix, "t");
    const info = await bdJson<{ database_path: string; issue_count: number; mode: string }>(l.dir, ["info"]);
    assert.equal(info.issue_count, 1);
    assert.equal(realpathSync(info.database_path), join(beads, "beads.db"));
    await run("git", l.dir, ["init", "-q"]);
    const c = await bdJson<{ beads_dir: string; repo_root: string; backend: string; is_redirected: boolean }>(
      l.dir,
      ["context"],
    );
    assert.equal(realpathSync(c.beads_dir), beads);
    assert.equal(realpathSync(c.repo_root), realpathSync(l.dir));
    assert.deepEqual([c.backend, c.is_redirected], ["sqlite", false]);
    const p = await bdJson<{ status: string; total_ms: number }>(l.dir, ["ping"]);
    assert.equal(p.status, "ok");
    assert.ok(p.total_ms >= 0);
    const nowhere = await bd(join(l.dir, ".beads"), ["ping", "--json"], {
      env: { BEADS_DIR: join(l.dir, "nope") },
    });
    assert.equal(nowhere.code, 1);
    assert.equal((JSON.parse(nowhere.stdout) as { status: string }).status, "error");
  });
});

describe("bd show --current and --thread", { concurrency: true }, () => {
  it("--current is the bead in progress for you, else the last touched", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const none = await bd(l.dir, ["show", "--current"]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no current issue found/);
    const work = await createIssue(l.dir, "Work");
    const other = await createIssue(l.dir, "Other");
    assert.equal((await bdJson<Array<{ id: string }>>(l.dir, ["show", "--current"]))[0]!.id, other);
    await bd(l.dir, ["update", work, "--claim"]);
    await bd(l.dir, ["show", other]);
    assert.equal((await bdJson<Array<{ id: string }>>(l.dir, ["show", "--current"]))[0]!.id, work);
    assert.match((await bd(l.dir, ["show", "--current", other])).stderr, /cannot be combined/);
  });

  it("--thread shows a message with its replies, from any message in it", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const first = await createIssue(l.dir, "Hello", ["-t", "message", "-d", "hi there"]);
    const reply = await createIssue(l.dir, "Re: Hello", ["-t", "message", "--deps", `replies-to:${first}`]);
    await createIssue(l.dir, "Unrelated", ["-t", "message"]);
    const thread = await bdJson<Array<{ id: string }>>(l.dir, ["show", reply, "--thread"]);
    assert.deepEqual(
      thread.map((m) => m.id),
      [first, reply],
    );
    const text = (await bd(l.dir, ["show", first, "--thread"])).stdout;
    assert.match(text, /📬 Thread: Hello/);
    assert.match(text, new RegExp(`Re: ${first}`));
    assert.match(text, /Total: 2 messages in thread/);
  });
});

describe("bd kv and memories", { concurrency: true }, () => {
  it("kv set/get/list/clear; a missing key exits 1", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    assert.match((await bd(l.dir, ["kv", "set", "flag", "on"])).stdout, /Set flag = on/);
    assert.equal((await bd(l.dir, ["kv", "get", "flag"])).stdout, "on\n");
    const list = await bdJson<Record<string, string>>(l.dir, ["kv", "list"]);
    assert.equal(list.flag, "on");
    const missing = await bd(l.dir, ["kv", "get", "nope", "--json"]);
    assert.equal(missing.code, 1);
    assert.equal((JSON.parse(missing.stdout) as { found: boolean }).found, false);
    assert.match((await bd(l.dir, ["kv", "set", "export.x", "1"])).stderr, /reserved prefix "export\."/);
    await bd(l.dir, ["kv", "clear", "flag"]);
    assert.equal((await bd(l.dir, ["kv", "get", "flag"])).code, 1);
  });

  it("remember derives a key, recall and memories find it, forget removes it", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const r = await bdJson<{ key: string; action: string }>(l.dir, [
      "remember",
      "Always run tests with -race flag",
    ]);
    assert.deepEqual([r.key, r.action], ["always-run-tests-with-race-flag", "remembered"]);
    const again = await bdJson<{ action: string }>(l.dir, [
      "remember",
      "Use -race always",
      "--key",
      "always-run-tests-with-race-flag",
    ]);
    assert.equal(again.action, "updated");
    await bd(l.dir, ["remember", "auth uses JWT", "--key", "auth-jwt"]);
    assert.equal((await bd(l.dir, ["recall", "auth-jwt"])).stdout, "auth uses JWT\n");
    const found = await bdJson<Record<string, string>>(l.dir, ["memories", "jwt"]);
    assert.deepEqual(
      Object.keys(found).filter((k) => k !== "schema_version"),
      ["auth-jwt"],
    );
    assert.match((await bd(l.dir, ["forget", "auth-jwt"])).stdout, /Forgot \[auth-jwt\]/);
    const gone = await bd(l.dir, ["recall", "auth-jwt"]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No memory with key "auth-jwt"/);
    assert.equal((await bd(l.dir, ["forget", "auth-jwt"])).code, 1);
    // bd prime carries the memories into every session.
    await bd(l.dir, ["remember", "deploys need a tag", "--key", "deploy-tag"]);
    const prime = (await bd(l.dir, ["prime"])).stdout;
    assert.match(prime, /## Persistent Memories \(2\)/);
    assert.match(prime, /### deploy-tag\ndeploys need a tag/);
    const only = (await bd(l.dir, ["prime", "--memories-only"])).stdout;
    assert.match(only, /^\n## Persistent Memories/);
    assert.ok(!only.includes("Ready now"));
    const onboard = await bd(l.dir, ["onboard"]);
    assert.match(
      onboard.stdout,
      /--- BEGIN AGENTS.MD CONTENT ---\n## Issue Tracking[\s\S]*bd prime[\s\S]*--- END AGENTS.MD CONTENT ---/,
    );
    assert.equal((await bdJson<{ file: string }>(l.dir, ["onboard"])).file, "AGENTS.md");
  });
});
