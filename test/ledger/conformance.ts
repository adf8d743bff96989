// The LedgerStore conformance suite: every backend runs exactly these tests.
// Usage: runConformance("sqlite", async () => ({ store, cleanup })).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Issue } from "../../src/ledger/model.ts";
import type { LedgerStore } from "../../src/ledger/store.ts";

export type StoreFactory = () => Promise<{ store: LedgerStore; cleanup: () => Promise<void> }>;

const ME = "tester";
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function withStore(factory: StoreFactory, fn: (s: LedgerStore) => Promise<void>) {
  const { store, cleanup } = await factory();
  try {
    await store.setConfig("issue_prefix", "cf");
    await fn(store);
  } finally {
    await cleanup();
  }
}

async function readyIds(s: LedgerStore, extra: Parameters<LedgerStore["ready"]>[0] = {}): Promise<string[]> {
  return (await s.ready({ limit: 0, ...extra })).map((i) => i.id);
}

async function rejects(p: Promise<unknown>, code: string | RegExp) {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    if (typeof code === "string") assert.equal(e.code, code, e.message);
    else assert.match(e.message, code);
    return true;
  });
}

export function runConformance(name: string, factory: StoreFactory): void {
  const t = (title: string, fn: (s: LedgerStore) => Promise<void>) => it(title, () => withStore(factory, fn));

  describe(`LedgerStore conformance: ${name}`, () => {
    describe("creating and reading", () => {
      t("applies beads' defaults and keeps closed_at iff closed", async (s) => {
        const a = await s.createIssue({ title: "A" }, ME);
        assert.match(a.id, /^cf-[0-9a-z]{3}$/);
        assert.equal(a.status, "open");
        assert.equal(a.priority, 2);
        assert.equal(a.issue_type, "task");
        assert.equal(a.created_by, ME);
        assert.equal(a.closed_at, undefined);
        const closed = await s.closeIssue(a.id, { reason: "done" }, ME);
        assert.ok(closed.issue.closed_at);
        assert.equal(closed.issue.close_reason, "done");
        const reopened = await s.reopenIssue(a.id, undefined, ME);
        assert.equal(reopened.status, "open");
        assert.equal(reopened.closed_at, undefined);
        const viaUpdate = await s.updateIssue(a.id, { status: "closed" }, ME);
        assert.ok(viaUpdate.closed_at);
      });

      t("stores every field and returns it", async (s) => {
        const a = await s.createIssue(
          {
            title: "Full",
            description: "d",
            design: "g",
            acceptance_criteria: "ac",
            notes: "n",
            priority: 0,
            issue_type: "bug",
            assignee: "bob",
            owner: "o@x",
            estimated_minutes: 0,
            external_ref: "gh-9",
            metadata: { k: [1, 2] },
            labels: ["z", "a"],
            pinned: true,
          },
          ME,
        );
        const got = (await s.getIssue(a.id))!;
        assert.equal(got.priority, 0);
        assert.equal(got.estimated_minutes, 0);
        assert.deepEqual(got.metadata, { k: [1, 2] });
        assert.deepEqual(got.labels, ["a", "z"]);
        assert.equal(got.pinned, true);
        assert.equal(got.acceptance_criteria, "ac");
      });

      t("refuses bad values and stores nothing", async (s) => {
        await rejects(s.createIssue({ title: "" }, ME), "invalid");
        await rejects(s.createIssue({ title: "x".repeat(501) }, ME), "invalid");
        await rejects(s.createIssue({ title: "t", priority: 5 }, ME), "invalid");
        await rejects(s.createIssue({ title: "t", issue_type: "nonsense" }, ME), "invalid");
        await rejects(s.createIssue({ title: "t", status: "weird" }, ME), "invalid");
        assert.equal(await s.countIssues({ all: true }), 0);
      });

      t("custom statuses and types come from config", async (s) => {
        await s.setConfig("types.custom", "agent,convoy,merge-request");
        await s.setConfig("status.custom", "staged_ready:active,archived:done");
        const c = await s.createIssue({ title: "c", issue_type: "convoy", status: "staged_ready" }, ME);
        assert.equal(c.issue_type, "convoy");
        const blocker = await s.createIssue({ title: "b" }, ME);
        const dep = await s.createIssue(
          { title: "d", deps: [{ type: "blocks", depends_on_id: blocker.id }] },
          ME,
        );
        assert.equal(await s.isBlocked(dep.id), true);
        await s.updateIssue(blocker.id, { status: "archived" }, ME);
        assert.equal(await s.isBlocked(dep.id), true, "as in beads, only closed and pinned stop blocking");
        assert.ok(
          !(await s.listIssues({})).some((i) => i.id === blocker.id),
          "list hides done-category statuses",
        );
        await s.closeIssue(blocker.id, {}, ME);
        assert.equal(await s.isBlocked(dep.id), false);
      });

      t("type aliases resolve", async (s) => {
        const f = await s.createIssue({ title: "f", issue_type: "feat" }, ME);
        assert.equal(f.issue_type, "feature");
      });
    });

    describe("IDs", () => {
      t("children get parent.N up to three levels", async (s) => {
        const p = await s.createIssue({ title: "p", labels: ["area"] }, ME);
        const c1 = await s.createIssue({ title: "c1", parent: p.id }, ME);
        const c2 = await s.createIssue({ title: "c2", parent: p.id }, ME);
        assert.equal(c1.id, `${p.id}.1`);
        assert.equal(c2.id, `${p.id}.2`);
        assert.deepEqual(c1.labels, ["area"], "children inherit labels");
        const g = await s.createIssue({ title: "g", parent: c1.id }, ME);
        const gg = await s.createIssue({ title: "gg", parent: g.id }, ME);
        assert.equal(gg.id, `${p.id}.1.1.1`);
        await rejects(s.createIssue({ title: "too deep", parent: gg.id }, ME), /depth/);
        await s.deleteIssue(c2.id, ME);
        const c3 = await s.createIssue({ title: "c3", parent: p.id }, ME);
        assert.equal(c3.id, `${p.id}.3`, "child numbers are never reused");
      });

      t("wisps get a -wisp- infix and stay out of lists and exports", async (s) => {
        const w = await s.createIssue({ title: "w", ephemeral: true }, ME);
        assert.match(w.id, /^cf-wisp-[0-9a-z]{3}$/);
        assert.equal(w.ephemeral, true);
        const p = await s.createIssue({ title: "p" }, ME);
        assert.deepEqual(
          (await s.listIssues({})).map((i) => i.id),
          [p.id],
        );
        assert.deepEqual(
          (await s.listIssues({ ephemeral: "only" })).map((i) => i.id),
          [w.id],
        );
        assert.deepEqual(
          (await s.exportIssues()).map((i) => i.id),
          [p.id],
        );
        assert.deepEqual(await readyIds(s), [p.id]);
        const rows = await s.query("SELECT id FROM wisps");
        assert.deepEqual(
          rows.map((r) => r.id),
          [w.id],
        );
      });

      t("partial IDs resolve when unique and list candidates when ambiguous", async (s) => {
        await s.createIssue({ id: "cf-abc1", title: "one" }, ME);
        await s.createIssue({ id: "cf-abc2", title: "two" }, ME);
        await s.createIssue({ id: "cf-xyz", title: "three" }, ME);
        assert.equal(await s.resolveId("xyz"), "cf-xyz");
        assert.equal(await s.resolveId("cf-xy"), "cf-xyz");
        assert.equal(await s.resolveId("abc2"), "cf-abc2");
        await assert.rejects(s.resolveId("abc"), (e: Error & { candidates?: string[] }) => {
          assert.deepEqual(e.candidates, ["cf-abc1", "cf-abc2"]);
          return true;
        });
        await rejects(s.resolveId("nope"), "not_found");
      });

      t("explicit IDs must carry the prefix unless forced", async (s) => {
        await rejects(s.createIssue({ id: "other-1", title: "x" }, ME), "invalid");
        const forced = await s.createIssue({ id: "other-1", title: "x", force: true }, ME);
        assert.equal(forced.id, "other-1");
        await rejects(s.createIssue({ id: "other-1", title: "again", force: true }, ME), "exists");
      });

      t("hash length grows with the ledger", async (s) => {
        const ids = new Set<string>();
        for (let i = 0; i < 170; i++) ids.add((await s.createIssue({ title: `n${i}` }, ME)).id);
        assert.equal(ids.size, 170);
        const last = (await s.createIssue({ title: "after 170" }, ME)).id;
        assert.equal(last.length - "cf-".length, 4, "more than 163 top-level IDs use four characters");
      });
    });

    describe("ready rules", () => {
      t("blocks: open blockers block, closed and pinned ones do not", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b", deps: [{ type: "blocks", depends_on_id: a.id }] }, ME);
        const c = await s.createIssue(
          { title: "c", deps: [{ type: "conditional-blocks", depends_on_id: a.id }] },
          ME,
        );
        assert.deepEqual(await readyIds(s), [a.id]);
        await s.updateIssue(a.id, { status: "pinned" }, ME);
        assert.deepEqual((await readyIds(s)).sort(), [b.id, c.id].sort());
        await s.updateIssue(a.id, { status: "in_progress" }, ME);
        assert.deepEqual(await readyIds(s), []);
        const closed = await s.closeIssue(a.id, {}, ME);
        assert.deepEqual(closed.unblocked.sort(), [b.id, c.id].sort());
        assert.deepEqual((await readyIds(s)).sort(), [b.id, c.id].sort());
      });

      t("non-blocking edges never gate readiness", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue(
          {
            title: "b",
            deps: [
              { type: "related", depends_on_id: a.id },
              { type: "tracks", depends_on_id: "other-zzz" },
            ],
          },
          ME,
        );
        assert.deepEqual((await readyIds(s)).sort(), [a.id, b.id].sort());
      });

      t("blocking flows from parent to child, transitively", async (s) => {
        const gate = await s.createIssue({ title: "gate" }, ME);
        const epic = await s.createIssue(
          {
            title: "epic",
            issue_type: "epic",
            deps: [
              {
                type: "blocks",
                depends_on_id: (await s.createIssue({ title: "ep-gate", issue_type: "epic" }, ME)).id,
              },
            ],
          },
          ME,
        );
        const child = await s.createIssue({ title: "child", parent: epic.id }, ME);
        const grandchild = await s.createIssue({ title: "grandchild", parent: child.id }, ME);
        assert.equal(await s.isBlocked(child.id), true);
        assert.equal(await s.isBlocked(grandchild.id), true);
        const ready = await readyIds(s);
        assert.ok(!ready.includes(child.id) && !ready.includes(grandchild.id));
        assert.ok(ready.includes(gate.id));
        const blockedRows = new Map((await s.blocked({})).map((b) => [b.id, b.blocked_by]));
        assert.deepEqual(
          blockedRows.get(child.id),
          [epic.id],
          "a child blocked only through its parent names the parent",
        );
        assert.deepEqual(blockedRows.get(grandchild.id), [child.id]);
        const blocker = (await s.dependencies(epic.id, "down")).find((d) => d.dependency_type === "blocks")!;
        await s.closeIssue(blocker.id, {}, ME);
        assert.equal(await s.isBlocked(grandchild.id), false);
        assert.ok((await readyIds(s)).includes(grandchild.id));
      });

      t("deferred issues and children of deferred parents are hidden", async (s) => {
        const later = await s.createIssue({ title: "later", defer_until: future(2) }, ME);
        const parent = await s.createIssue({ title: "parent", defer_until: future(1) }, ME);
        const kid = await s.createIssue({ title: "kid", parent: parent.id }, ME);
        const past = await s.createIssue(
          { title: "past", defer_until: new Date(Date.now() - 60_000).toISOString() },
          ME,
        );
        assert.deepEqual(await readyIds(s), [past.id]);
        assert.equal(await s.countReady({}), 1, "counting ready work applies the same deferral rules");
        assert.equal((await s.stats()).ready_issues, 1);
        assert.deepEqual(
          (await readyIds(s, { includeDeferred: true })).sort(),
          [later.id, parent.id, kid.id, past.id].sort(),
        );
        await s.updateIssue(parent.id, { defer_until: null }, ME);
        assert.ok((await readyIds(s)).includes(kid.id));
      });

      t("infrastructure types and pinned issues are never ready", async (s) => {
        await s.setConfig("types.custom", "agent,role,rig,convoy,merge-request");
        for (const type of ["message", "molecule", "gate", "agent", "merge-request"]) {
          await s.createIssue({ title: type, issue_type: type }, ME);
        }
        await s.createIssue({ title: "pinned", pinned: true }, ME);
        const task = await s.createIssue({ title: "task" }, ME);
        assert.deepEqual(await readyIds(s), [task.id]);
        assert.equal(
          (await readyIds(s, { types: ["gate"] })).length,
          1,
          "asking for a type by name lists it",
        );
      });

      t("waits-for: all-children and any-children gates", async (s) => {
        const spawner = await s.createIssue({ title: "spawner" }, ME);
        const k1 = await s.createIssue({ title: "k1", parent: spawner.id }, ME);
        const k2 = await s.createIssue({ title: "k2", parent: spawner.id }, ME);
        const all = await s.createIssue(
          { title: "all", deps: [{ type: "waits-for", depends_on_id: spawner.id }] },
          ME,
        );
        const any = await s.createIssue({ title: "any" }, ME);
        await s.addDependency(
          {
            issue_id: any.id,
            depends_on_id: spawner.id,
            type: "waits-for",
            metadata: JSON.stringify({ gate: "any-children" }),
          },
          ME,
        );
        assert.equal(await s.isBlocked(all.id), true);
        assert.equal(await s.isBlocked(any.id), true);
        await s.closeIssue(k1.id, {}, ME);
        assert.equal(await s.isBlocked(any.id), false, "any-children opens at the first closed child");
        assert.equal(await s.isBlocked(all.id), true);
        await s.closeIssue(k2.id, {}, ME);
        assert.equal(await s.isBlocked(all.id), false);
        await s.createIssue({ title: "k3", parent: spawner.id }, ME);
        assert.equal(await s.isBlocked(all.id), true, "a new child closes the gate again");
      });

      t("ready sorts by priority, then newest, and honours limit and filters", async (s) => {
        const low = await s.createIssue({ title: "low", priority: 3, assignee: "amy", labels: ["x"] }, ME);
        const high = await s.createIssue({ title: "high", priority: 0 }, ME);
        const mid = await s.createIssue({ title: "mid", priority: 2, labels: ["x"] }, ME);
        assert.deepEqual(await readyIds(s), [high.id, mid.id, low.id]);
        assert.deepEqual(await readyIds(s, { limit: 1 }), [high.id]);
        assert.deepEqual(await readyIds(s, { labels: ["x"] }), [mid.id, low.id]);
        assert.deepEqual(await readyIds(s, { assignee: "amy" }), [low.id]);
        assert.deepEqual(await readyIds(s, { unassigned: true }), [high.id, mid.id]);
        await s.updateIssue(high.id, { status: "in_progress" }, ME);
        assert.deepEqual(await readyIds(s), [mid.id, low.id], "only open issues are ready");
      });

      t("blocked lists what blocks each issue", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b" }, ME);
        const c = await s.createIssue(
          {
            title: "c",
            deps: [
              { type: "blocks", depends_on_id: a.id },
              { type: "blocks", depends_on_id: b.id },
            ],
          },
          ME,
        );
        const rows = await s.blocked({});
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.id, c.id);
        assert.equal(rows[0]!.blocked_by_count, 2);
        assert.deepEqual(rows[0]!.blocked_by.sort(), [a.id, b.id].sort());
      });
    });

    describe("dependencies", () => {
      t("a blocking edge that closes a cycle is refused, others are not checked", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b", deps: [{ type: "blocks", depends_on_id: a.id }] }, ME);
        const c = await s.createIssue({ title: "c", deps: [{ type: "blocks", depends_on_id: b.id }] }, ME);
        await rejects(s.addDependency({ issue_id: a.id, depends_on_id: c.id }, ME), "cycle");
        await rejects(s.addDependency({ issue_id: a.id, depends_on_id: a.id }, ME), "invalid");
        await s.addDependency({ issue_id: a.id, depends_on_id: c.id, type: "related" }, ME);
        assert.deepEqual(await s.findCycles(), []);
        await s.removeDependency(a.id, c.id, ME);
        await s.addDependency({ issue_id: a.id, depends_on_id: c.id, noCycleCheck: true }, ME);
        const cycles = await s.findCycles();
        assert.equal(cycles.length, 1);
        assert.deepEqual([...cycles[0]!].sort(), [a.id, b.id, c.id].sort());
      });

      t("one edge per pair: same type updates, other type is an error", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b" }, ME);
        await s.addDependency({ issue_id: b.id, depends_on_id: a.id, type: "related" }, ME);
        await s.addDependency(
          { issue_id: b.id, depends_on_id: a.id, type: "related", metadata: '{"w":1}' },
          ME,
        );
        await rejects(
          s.addDependency({ issue_id: b.id, depends_on_id: a.id, type: "blocks" }, ME),
          "dependency_exists",
        );
        const recs = await s.dependencyRecords(b.id);
        assert.equal(recs.length, 1);
        assert.equal(recs[0]!.metadata, '{"w":1}');
      });

      t("epics can only block epics; cross-rig targets are allowed and never block", async (s) => {
        const epic = await s.createIssue({ title: "e", issue_type: "epic" }, ME);
        const task = await s.createIssue({ title: "t" }, ME);
        await rejects(s.addDependency({ issue_id: task.id, depends_on_id: epic.id }, ME), "invalid");
        await s.addDependency({ issue_id: task.id, depends_on_id: "other-123" }, ME);
        await s.addDependency({ issue_id: task.id, depends_on_id: "external:gh:42" }, ME);
        assert.equal(await s.isBlocked(task.id), false);
        await rejects(s.addDependency({ issue_id: task.id, depends_on_id: "cf-missing" }, ME), "not_found");
      });

      t("details show dependencies, dependents, parent and epic progress", async (s) => {
        const epic = await s.createIssue({ title: "e", issue_type: "epic" }, ME);
        const k = await s.createIssue({ title: "k", parent: epic.id }, ME);
        const d = await s.getDetails(epic.id);
        assert.equal(d.dependents?.[0]?.id, k.id);
        assert.equal(d.dependents?.[0]?.dependency_type, "parent-child");
        assert.equal(d.epic_total_children, 1);
        assert.equal(d.epic_closeable, false);
        await rejects(s.closeIssue(epic.id, {}, ME), "open_children");
        await s.closeIssue(k.id, {}, ME);
        assert.equal((await s.getDetails(epic.id)).epic_closeable, true);
        assert.equal((await s.getDetails(k.id)).parent, epic.id);
        const tree = await s.dependencyTree(k.id, { maxDepth: 5, direction: "down" });
        assert.deepEqual(
          tree.map((n) => [n.id, n.depth]),
          [
            [k.id, 0],
            [epic.id, 1],
          ],
        );
      });

      t("close refuses open blockers unless forced", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b", deps: [{ type: "blocks", depends_on_id: a.id }] }, ME);
        await rejects(s.closeIssue(b.id, {}, ME), "blocked");
        assert.equal((await s.getIssue(b.id))!.status, "open");
        const forced = await s.closeIssue(b.id, { force: true }, ME);
        assert.equal(forced.issue.status, "closed");
      });
    });

    describe("updates, claims, labels, comments and events", () => {
      t("claim is a compare-and-swap", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const claimed = await s.claimIssue(a.id, "amy");
        assert.equal(claimed.status, "in_progress");
        assert.equal(claimed.assignee, "amy");
        assert.ok(claimed.started_at);
        assert.equal((await s.claimIssue(a.id, "amy")).assignee, "amy", "re-claiming is idempotent");
        await rejects(s.claimIssue(a.id, "bob"), "already_claimed");
        const after = await s.getIssue(a.id);
        assert.equal(after?.assignee, "amy", "a refused claim changes nothing");
        assert.equal(after?.status, "in_progress");
      });

      t("claim refuses what is not open, and work assigned to someone else", async (s) => {
        const closed = await s.createIssue({ title: "done" }, ME);
        await s.closeIssue(closed.id, {}, ME);
        await rejects(s.claimIssue(closed.id, "amy"), "not_open");
        assert.equal((await s.getIssue(closed.id))?.assignee ?? null, null);
        const blocked = await s.createIssue({ title: "blocked" }, ME);
        await s.updateIssue(blocked.id, { status: "blocked" }, ME);
        await rejects(s.claimIssue(blocked.id, "amy"), /status blocked/);
        // Assigned but not started: still someone else's.
        const bobs = await s.createIssue({ title: "bob's", assignee: "bob" }, ME);
        await rejects(s.claimIssue(bobs.id, "amy"), /already claimed by bob/);
        assert.equal((await s.getIssue(bobs.id))?.status, "open");
        // Assigned to me and open: claiming starts it.
        const mine = await s.createIssue({ title: "mine", assignee: "amy" }, ME);
        const started = await s.claimIssue(mine.id, "amy");
        assert.equal(started.status, "in_progress");
        assert.equal(started.assignee, "amy");
        // In progress with nobody on it: not open, not claimable.
        const orphan = await s.createIssue({ title: "orphan" }, ME);
        await s.updateIssue(orphan.id, { status: "in_progress" }, ME);
        await rejects(s.claimIssue(orphan.id, "amy"), "not_open");
        await assert.rejects(s.claimIssue("zz-nope", "amy"));
      });

      t("re-claiming one's own started work writes nothing", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const first = await s.claimIssue(a.id, "amy");
        const eventsBefore = (await s.events(a.id)).length;
        const again = await s.claimIssue(a.id, "amy");
        assert.equal(again.updated_at, first.updated_at);
        assert.equal((await s.events(a.id)).length, eventsBefore);
      });

      t("dependent records list edges pointing at an ID, even one stored elsewhere", async (s) => {
        const c = await s.createIssue({ title: "convoy" }, ME);
        await s.addDependency({ issue_id: c.id, depends_on_id: "zz-elsewhere", type: "tracks" }, ME);
        const edges = await s.dependentRecords("zz-elsewhere", "tracks");
        assert.deepEqual(
          edges.map((e) => [e.issue_id, e.type]),
          [[c.id, "tracks"]],
        );
        assert.deepEqual(await s.dependentRecords("zz-elsewhere", "blocks"), []);
        assert.deepEqual(await s.dependentRecords("zz-nothing"), []);
      });

      t("a guarded update sees the stored issue and can refuse, changing nothing", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const mustBeFree = (cur: Issue) => {
          if (cur.assignee) throw new Error(`taken by ${cur.assignee}`);
        };
        const won = await s.updateIssue(a.id, { status: "hooked", assignee: "amy" }, ME, mustBeFree);
        assert.equal(won.assignee, "amy");
        await assert.rejects(s.updateIssue(a.id, { assignee: "bob" }, ME, mustBeFree), /taken by amy/);
        const after = await s.getIssue(a.id);
        assert.equal(after?.assignee, "amy");
        assert.equal(after?.status, "hooked");
      });

      t("patches set, clear and append; labels and metadata merge", async (s) => {
        const a = await s.createIssue(
          { title: "a", assignee: "amy", labels: ["one"], metadata: { x: 1 } },
          ME,
        );
        const u = await s.updateIssue(
          a.id,
          {
            title: "A2",
            assignee: null,
            append_notes: "first",
            add_labels: ["two"],
            remove_labels: ["one"],
            set_metadata: { y: 2 },
            unset_metadata: ["x"],
          },
          ME,
        );
        assert.equal(u.title, "A2");
        assert.equal(u.assignee, undefined);
        assert.deepEqual(u.labels, ["two"]);
        assert.deepEqual(u.metadata, { y: 2 });
        const u2 = await s.updateIssue(a.id, { append_notes: "second", set_labels: ["z"] }, ME);
        assert.equal(u2.notes, "first\nsecond");
        assert.deepEqual(u2.labels, ["z"]);
        const events = (await s.events(a.id)).map((e) => e.event_type);
        assert.ok(events.includes("created") && events.includes("updated"));
        assert.ok(events.includes("label_added") && events.includes("label_removed"));
      });

      t("comments and label counts", async (s) => {
        const a = await s.createIssue({ title: "a", labels: ["l"] }, ME);
        await s.createIssue({ title: "b", labels: ["l", "m"] }, ME);
        const c = await s.addComment(a.id, "amy", "hello");
        assert.equal((await s.comments(a.id))[0]!.id, c.id);
        assert.deepEqual(await s.allLabels(), [
          { label: "l", count: 2 },
          { label: "m", count: 1 },
        ]);
        const row = (await s.listIssues({ ids: [a.id] }))[0]!;
        assert.equal(row.comment_count, 1);
      });

      t("status events and deletion", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const b = await s.createIssue({ title: "b", deps: [{ type: "blocks", depends_on_id: a.id }] }, ME);
        await s.updateIssue(a.id, { status: "in_progress" }, ME);
        const ev = (await s.events(a.id)).find((e) => e.event_type === "status_changed")!;
        assert.equal(ev.old_value, "open");
        assert.equal(ev.new_value, "in_progress");
        const plan = await s.deleteIssue(a.id, ME);
        assert.deepEqual(plan.dependents, [b.id]);
        assert.equal(await s.getIssue(a.id), undefined);
        assert.equal(await s.isBlocked(b.id), false, "deleting a blocker unblocks its dependents");
      });

      t("list filters", async (s) => {
        const a = await s.createIssue(
          { title: "alpha fix", issue_type: "bug", priority: 1, labels: ["ui"] },
          ME,
        );
        const b = await s.createIssue({ title: "beta", description: "mentions alpha", assignee: "amy" }, ME);
        const c = await s.createIssue({ title: "gamma" }, ME);
        await s.closeIssue(c.id, {}, ME);
        const ids = async (f: Parameters<LedgerStore["listIssues"]>[0]) =>
          (await s.listIssues(f)).map((i) => i.id).sort();
        assert.deepEqual(await ids({}), [a.id, b.id].sort());
        assert.deepEqual(await ids({ all: true }), [a.id, b.id, c.id].sort());
        assert.deepEqual(await ids({ statuses: ["closed"] }), [c.id]);
        assert.deepEqual(await ids({ types: ["bug"] }), [a.id]);
        assert.deepEqual(await ids({ labels: ["ui"] }), [a.id]);
        assert.deepEqual(await ids({ assignee: "amy" }), [b.id]);
        assert.deepEqual(await ids({ priorities: [1] }), [a.id]);
        assert.deepEqual(
          await ids({ text: "alpha" }),
          [a.id],
          "text search covers title and ID, as bd search",
        );
        assert.deepEqual(await ids({ descContains: "alpha" }), [b.id]);
        assert.deepEqual(await ids({ titleContains: "alpha" }), [a.id]);
        assert.equal(await s.countIssues({ all: true }), 3);
        assert.deepEqual(await s.countIssues({ all: true }, "status"), { open: 2, closed: 1 });
        const st = await s.stats();
        assert.equal(st.total_issues, 3);
        assert.equal(st.closed_issues, 1);
        assert.equal(st.ready_issues, 2);
      });

      t("filters that each dialect says its own way: globs, metadata, groups, ranges", async (s) => {
        const a = await s.createIssue(
          { title: "a", labels: ["area:ui", "p1"], metadata: { team: "red", "odd key": 1 }, priority: 1 },
          ME,
        );
        const b = await s.createIssue({ title: "b", labels: ["area:db"], metadata: { team: "blue" } }, ME);
        const c = await s.createIssue({ title: "c", labels: ["zone"], due_at: "2000-01-01T00:00:00Z" }, ME);
        const ids = async (f: Parameters<LedgerStore["listIssues"]>[0]) =>
          (await s.listIssues(f)).map((i) => i.id).sort();
        assert.deepEqual(await ids({ labelPattern: "area:*" }), [a.id, b.id].sort());
        assert.deepEqual(await ids({ labelPattern: "p?" }), [a.id]);
        assert.deepEqual(await ids({ labelPattern: "[z]one" }), [c.id]);
        assert.deepEqual(await ids({ labelPattern: "area.ui" }), [], "a dot is a dot, not any character");
        assert.deepEqual(await ids({ metadataField: { team: "red" } }), [a.id]);
        assert.deepEqual(await ids({ hasMetadataKey: "odd key" }), [a.id]);
        assert.deepEqual(await ids({ hasMetadataKey: "team" }), [a.id, b.id].sort());
        assert.deepEqual(await ids({ overdue: true }), [c.id]);
        assert.deepEqual(await ids({ idPrefix: a.id.slice(0, -1) }).then((l) => l.includes(a.id)), true);
        assert.deepEqual(await s.countIssues({}, "priority"), { "1": 1, "2": 2 });
        assert.deepEqual(await s.countIssues({}, "label"), { "area:db": 1, "area:ui": 1, p1: 1, zone: 1 });
        assert.deepEqual(await s.countIssues({}, "assignee"), { "(none)": 3 });
        await s.closeIssue(b.id, {}, ME);
        const st = await s.stats();
        assert.ok(st.average_lead_time_hours >= 0 && st.average_lead_time_hours < 1);
        assert.deepEqual(
          (await s.stale({ days: 0 })).map((i) => i.id).sort(),
          [a.id, c.id].sort(),
          "stale: not updated since the cutoff, open statuses only",
        );
      });
    });

    describe("import and export", () => {
      t("round trip reproduces every issue with relations, and re-import changes nothing", async (s) => {
        const a = await s.createIssue({ title: "a", labels: ["x"], metadata: { m: true } }, ME);
        const b = await s.createIssue({ title: "b", deps: [{ type: "blocks", depends_on_id: a.id }] }, ME);
        await s.addComment(b.id, "amy", "note");
        await s.closeIssue(a.id, { reason: "r" }, ME);
        const exported = await s.exportIssues();
        assert.deepEqual(
          exported.map((i) => i.id),
          [a.id, b.id].sort(),
        );
        const { store: other, cleanup } = await factory();
        try {
          await other.setConfig("issue_prefix", "cf");
          const first = await other.importIssues(exported, ME);
          assert.equal(first.created, 2);
          const again = await other.importIssues(exported, ME);
          assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2]);
          assert.deepEqual(await other.exportIssues(), exported);
          assert.equal(await other.isBlocked(b.id), false);
          const changed: Issue[] = exported.map((i) => (i.id === b.id ? { ...i, title: "b2" } : i));
          const upd = await other.importIssues(
            changed.filter((i) => i.id === b.id),
            ME,
          );
          assert.equal(upd.updated, 1);
          assert.equal(
            (await other.getIssue(a.id))?.title,
            "a",
            "import never deletes what the file leaves out",
          );
          assert.equal((await other.getIssue(b.id))?.title, "b2");
        } finally {
          await cleanup();
        }
      });

      t("import marks a deep parent-child chain blocked all the way down", async (s) => {
        const now = new Date().toISOString();
        const base = { status: "open", priority: 2, issue_type: "task", created_at: now, updated_at: now };
        const dep = (from: string, to: string, type: string) => ({
          issue_id: from,
          depends_on_id: to,
          type,
          created_at: now,
        });
        const chain: Issue[] = [
          { ...base, id: "cf-blk", title: "blocker" },
          { ...base, id: "cf-c0", title: "c0", dependencies: [dep("cf-c0", "cf-blk", "blocks")] },
        ];
        for (let i = 1; i <= 150; i++) {
          chain.push({
            ...base,
            id: `cf-c${i}`,
            title: `c${i}`,
            dependencies: [dep(`cf-c${i}`, `cf-c${i - 1}`, "parent-child")],
          });
        }
        await s.importIssues(chain.reverse(), ME);
        assert.deepEqual(await readyIds(s), ["cf-blk"]);
        assert.equal((await s.blocked({})).length, 151);
      });

      t("import skips lines that cannot be beads and keeps the rest", async (s) => {
        const now = new Date().toISOString();
        const base = { status: "open", priority: 2, issue_type: "task", created_at: now, updated_at: now };
        const res = await s.importIssues(
          [
            { ...base, id: "cf-ok", title: "fine" },
            { ...base, id: 'cf-"quoted', title: "bad id" },
            { ...base, id: "cf-p9", title: "bad priority", priority: 9 },
          ],
          ME,
        );
        assert.deepEqual([res.created, res.skipped], [1, 2]);
        assert.deepEqual(
          (await s.exportIssues()).map((i) => i.id),
          ["cf-ok"],
        );
      });

      t("import restores blocked flags and the closed_at invariant", async (s) => {
        const now = new Date().toISOString();
        const res = await s.importIssues(
          [
            {
              id: "cf-a",
              title: "a",
              status: "open",
              priority: 2,
              issue_type: "task",
              created_at: now,
              updated_at: now,
            },
            {
              id: "cf-b",
              title: "b",
              status: "open",
              priority: 2,
              issue_type: "task",
              created_at: now,
              updated_at: now,
              dependencies: [{ issue_id: "cf-b", depends_on_id: "cf-a", type: "blocks", created_at: now }],
            },
            {
              id: "cf-c",
              title: "c",
              status: "closed",
              priority: 2,
              issue_type: "task",
              created_at: now,
              updated_at: now,
            },
          ],
          ME,
        );
        assert.equal(res.created, 3);
        assert.equal(await s.isBlocked("cf-b"), true);
        assert.ok((await s.getIssue("cf-c"))?.closed_at);
      });
    });

    describe("bulk create", () => {
      const now = new Date().toISOString();
      const bead = (id: string, deps: Array<[string, string]> = [], extra: Partial<Issue> = {}): Issue => ({
        id,
        title: id,
        status: "open",
        priority: 2,
        issue_type: "task",
        created_at: now,
        updated_at: now,
        ...extra,
        dependencies: deps.map(([on, type]) => ({ issue_id: id, depends_on_id: on, type, created_at: now })),
      });

      t("createIssues writes a batch with labels and edges, blocked flags settled", async (s) => {
        const outside = await s.createIssue({ title: "outside" }, ME);
        const made = await s.createIssues(
          [
            bead("cf-m", [], { issue_type: "epic" }),
            // Edges may point forward in the batch, or at a stored bead.
            bead("cf-m.b", [
              ["cf-m", "parent-child"],
              ["cf-m.a", "blocks"],
            ]),
            bead("cf-m.a", [["cf-m", "parent-child"]], { labels: ["step"] }),
            bead("cf-m.c", [
              ["cf-m", "parent-child"],
              [outside.id, "blocks"],
            ]),
          ],
          ME,
        );
        assert.deepEqual(
          made.map((i) => i.id),
          ["cf-m", "cf-m.b", "cf-m.a", "cf-m.c"],
        );
        assert.deepEqual(await s.labels("cf-m.a"), ["step"]);
        assert.deepEqual(await readyIds(s, { parent: "cf-m" }), ["cf-m.a"]);
        assert.equal(await s.isBlocked("cf-m.b"), true);
        assert.equal(await s.isBlocked("cf-m.c"), true);
        await s.closeIssue("cf-m.a", {}, ME);
        await s.closeIssue(outside.id, {}, ME);
        assert.deepEqual((await readyIds(s, { parent: "cf-m" })).sort(), ["cf-m.b", "cf-m.c"]);
        assert.equal((await s.events("cf-m.b"))[0]?.event_type, "created");
      });

      t(
        "createIssues refuses an existing or repeated id and a missing target, and writes nothing",
        async (s) => {
          const stored = await s.createIssue({ title: "stored" }, ME);
          await rejects(s.createIssues([bead("cf-new1"), bead(stored.id)], ME), "exists");
          await rejects(s.createIssues([bead("cf-new2"), bead("cf-new2")], ME), "exists");
          await rejects(s.createIssues([bead("cf-new3", [["cf-nowhere", "blocks"]])], ME), "not_found");
          await rejects(s.createIssues([bead("cf-new4", [], { priority: 9 })], ME), /cf-new4: /);
          assert.deepEqual(
            (await s.listIssues({ all: true })).map((i) => i.id),
            [stored.id],
          );
        },
      );
    });

    describe("renaming", () => {
      t("renameIssue moves labels, comments, events, edges and mentions; refuses a taken ID", async (s) => {
        const a = await s.createIssue({ title: "a", labels: ["keep"] }, ME);
        const b = await s.createIssue(
          { title: `after ${a.id}`, deps: [{ type: "blocks", depends_on_id: a.id }] },
          ME,
        );
        await s.addComment(a.id, ME, "note");
        const res = await s.renameIssue(a.id, "cf-auth", ME);
        assert.equal(res.issue.id, "cf-auth");
        assert.deepEqual(res.updated, [b.id]);
        assert.equal(await s.getIssue(a.id), undefined);
        assert.deepEqual(await s.labels("cf-auth"), ["keep"]);
        assert.equal((await s.comments("cf-auth"))[0]!.text, "note");
        assert.ok((await s.events("cf-auth")).some((e) => e.event_type === "created"));
        assert.deepEqual(
          (await s.dependencyRecords(b.id)).map((d) => d.depends_on_id),
          ["cf-auth"],
        );
        assert.equal((await s.getIssue(b.id))!.title, "after cf-auth");
        assert.equal(await s.isBlocked(b.id), true);
        await rejects(s.renameIssue(b.id, "cf-auth", ME), "id_exists");
        await rejects(s.renameIssue(b.id, "NoDash", ME), /invalid new ID format/);
      });

      t("renamePrefix moves every issue and the prefix", async (s) => {
        const a = await s.createIssue({ title: "a" }, ME);
        const pairs = await s.renamePrefix("zz", ME);
        assert.deepEqual(pairs, [[a.id, a.id.replace(/^cf-/, "zz-")]]);
        assert.equal(await s.prefix(), "zz");
        assert.match((await s.createIssue({ title: "b" }, ME)).id, /^zz-/);
      });
    });

    describe("read-only queries", () => {
      t("query reads tables by beads' names and refuses writes", async (s) => {
        await s.createIssue({ title: "a" }, ME);
        const rows = await s.query("SELECT COUNT(*) AS n FROM issues");
        assert.equal(Number(rows[0]!.n), 1);
        await assert.rejects(s.query("DELETE FROM issues"));
        await assert.rejects(s.query("WITH x AS (SELECT 1) DELETE FROM issues"));
        assert.equal(await s.countIssues({ all: true }), 1);
      });
    });
  });
}
