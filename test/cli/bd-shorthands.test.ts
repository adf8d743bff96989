import "../helpers/isolation.ts";
// beads' one-bead shorthands: q, note, assign, priority, tag, link, promote, rename,
// state/set-state and todo, each checked through the ledger it changed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IssueDetails } from "../../src/ledger/model.ts";
import { bd, bdJson, createIssue, freshLedger } from "../helpers/bd.ts";

async function details(dir: string, id: string): Promise<IssueDetails> {
  return (await bdJson<IssueDetails[]>(dir, ["show", id]))[0]!;
}

describe("bd shorthands", { concurrency: true }, () => {
  it("q prints only the ID; note, assign, priority and tag change the bead", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const q = await bd(l.dir, ["q", "Fix", "login", "-p", "1", "-t", "bug", "-l", "a,b"]);
    assert.equal(q.code, 0, q.stderr);
    const id = q.stdout.trim();
    assert.match(q.stdout, /^t-[0-9a-z]+\n$/);
    let d = await details(l.dir, id);
    assert.deepEqual([d.title, d.priority, d.issue_type, d.labels], ["Fix login", 1, "bug", ["a", "b"]]);
    assert.match((await bd(l.dir, ["note", id, "first"])).stdout, /✓ Note added to/);
    await bd(l.dir, ["note", id, "--stdin"], { input: "second\n" });
    const assigned = await bdJson<{ assignee: string }>(l.dir, ["assign", id, "alice"]);
    assert.equal(assigned.assignee, "alice");
    assert.match((await bd(l.dir, ["priority", id, "P0"])).stdout, /to P0/);
    await bd(l.dir, ["tag", id, "ui"]);
    d = await details(l.dir, id);
    assert.equal(d.notes, "first\nsecond");
    assert.equal(d.priority, 0);
    assert.deepEqual(d.labels, ["a", "b", "ui"]);
    await bd(l.dir, ["assign", id, ""]);
    assert.equal((await details(l.dir, id)).assignee, undefined);
    for (const args of [
      ["priority", id, "high"],
      ["note", "t-nope", "x"],
      ["note", id],
      ["tag", id],
    ]) {
      const r = await bd(l.dir, args);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
  });

  it("link adds a blocks edge (or --type); promote makes a wisp persistent", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A");
    const b = await createIssue(l.dir, "B");
    const linked = await bdJson<{ issue_id: string; depends_on_id: string; type: string }>(l.dir, [
      "link",
      a,
      b,
    ]);
    assert.deepEqual([linked.issue_id, linked.depends_on_id, linked.type], [a, b, "blocks"]);
    const blocked = await bdJson<Array<{ id: string }>>(l.dir, ["blocked"]);
    assert.deepEqual(
      blocked.map((i) => i.id),
      [a],
    );
    await bdJson(l.dir, ["link", b, a, "--type", "related"]);
    const missing = await bd(l.dir, ["link", a, "t-nothere"]);
    assert.match(missing.stderr, /no issue found/);
    const wisp = await createIssue(l.dir, "W", ["--ephemeral"]);
    const p = await bdJson<{ ephemeral?: boolean }>(l.dir, ["promote", wisp, "-r", "keep it"]);
    assert.ok(!p.ephemeral);
    const again = await bd(l.dir, ["promote", wisp]);
    assert.match(again.stderr, /is not a wisp/);
    const d = await details(l.dir, wisp);
    assert.match(d.comments![0]!.text, /Promoted from wisp to permanent bead: keep it/);
  });

  it("rename moves the bead with its edges, labels and mentions", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const a = await createIssue(l.dir, "A", ["-l", "keep"]);
    const b = await createIssue(l.dir, `After ${a} lands`, ["--deps", a]);
    const r = await bdJson<{ old_id: string; new_id: string }>(l.dir, ["rename", a, "t-auth"]);
    assert.deepEqual([r.old_id, r.new_id], [a, "t-auth"]);
    assert.match((await bd(l.dir, ["show", a])).stderr, /no issue found/);
    const moved = await details(l.dir, "t-auth");
    assert.deepEqual(moved.labels, ["keep"]);
    const other = await details(l.dir, b);
    assert.equal(other.title, "After t-auth lands");
    assert.deepEqual(
      other.dependencies?.map((x) => x.id),
      ["t-auth"],
    );
    assert.match((await bd(l.dir, ["rename", b, "t-auth"])).stderr, /already exists/);
    assert.match((await bd(l.dir, ["rename", b, "NoPrefix"])).stderr, /invalid new ID format/);
    assert.ok((await bd(l.dir, ["export"])).stdout.includes('"id":"t-auth"'));
  });

  it("set-state records an event child and swaps the dimension's label; state reads it", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const id = await createIssue(l.dir, "Witness");
    const first = await bdJson<{ old_value: null; event_id: string; changed: boolean }>(l.dir, [
      "set-state",
      id,
      "patrol=active",
    ]);
    assert.equal(first.old_value, null);
    assert.equal(first.changed, true);
    const second = await bdJson<{ old_value: string; new_value: string; event_id: string }>(l.dir, [
      "set-state",
      id,
      "patrol=muted",
      "--reason",
      "stuck",
    ]);
    assert.deepEqual([second.old_value, second.new_value], ["active", "muted"]);
    const event = await details(l.dir, second.event_id);
    assert.equal(event.issue_type, "event");
    assert.equal(event.status, "closed");
    assert.match(event.description ?? "", /Changed patrol from active to muted\n\nReason: stuck/);
    assert.equal((await bd(l.dir, ["state", id, "patrol"])).stdout.trim(), "muted");
    assert.equal((await bd(l.dir, ["state", id, "mode"])).stdout.trim(), "(no mode state set)");
    const list = await bdJson<{ states: Record<string, string> }>(l.dir, ["state", "list", id]);
    assert.deepEqual(list.states, { patrol: "muted" });
    const same = await bdJson<{ changed: boolean }>(l.dir, ["set-state", id, "patrol=muted"]);
    assert.equal(same.changed, false);
    assert.match((await bd(l.dir, ["set-state", id, "patrol"])).stderr, /expected <dimension>=<value>/);
  });

  it("todo add/list/done are task issues", async (t) => {
    const l = await freshLedger();
    t.after(l.cleanup);
    const made = await bdJson<{ id: string; assignee: string; issue_type: string }>(l.dir, [
      "todo",
      "add",
      "Buy milk",
    ]);
    assert.equal(made.assignee, "tester");
    await createIssue(l.dir, "A bug", ["-t", "bug"]);
    const open = await bdJson<Array<{ id: string }>>(l.dir, ["todo"]);
    assert.deepEqual(
      open.map((i) => i.id),
      [made.id],
    );
    const done = await bdJson<{ closed: string[]; reason: string }>(l.dir, ["todo", "done", made.id]);
    assert.deepEqual(done, { closed: [made.id], reason: "Completed", schema_version: 1 });
    assert.equal((await bdJson<unknown[]>(l.dir, ["todo", "list"])).length, 0);
    assert.equal((await bdJson<unknown[]>(l.dir, ["todo", "list", "--all"])).length, 1);
  });
});
