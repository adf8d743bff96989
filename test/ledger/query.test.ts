import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../../src/errors.ts";
import type { Issue } from "../../src/ledger/model.ts";
import { formatQuery, mentionsField, parseQuery, queryPredicate } from "../../src/ledger/query.ts";

const NOW = new Date("2026-06-15T12:00:00Z");
const issue = (over: Partial<Issue> & { id: string; parent?: string }): Issue & { parent?: string } => ({
  title: "a task",
  status: "open",
  priority: 2,
  issue_type: "task",
  created_at: "2026-06-01T00:00:00Z",
  updated_at: "2026-06-14T00:00:00Z",
  ...over,
});
const ISSUES = [
  issue({
    id: "gt-1",
    title: "Fix the login bug",
    issue_type: "bug",
    priority: 0,
    labels: ["urgent", "area:auth"],
  }),
  issue({
    id: "gt-2",
    status: "closed",
    closed_at: "2026-06-10T00:00:00Z",
    assignee: "gastown/polecats/toast",
  }),
  issue({ id: "gt-3", priority: 3, created_at: "2026-01-05T00:00:00Z", description: "long text" }),
  issue({ id: "gt-wisp-a", ephemeral: true, labels: ["patrol"], status: "in_progress", parent: "gt-1" }),
  issue({ id: "hq-9", pinned: true, issue_type: "epic", owner: "mayor" }),
];
const ids = (q: string) =>
  ISSUES.filter(queryPredicate(parseQuery(q), NOW))
    .map((i) => i.id)
    .sort();

describe("the query language", () => {
  it("binds AND tighter than OR, and parentheses and NOT group as written", () => {
    assert.equal(
      formatQuery(parseQuery("status=open OR priority=0 AND type=bug")),
      "(status=open OR (priority=0 AND type=bug))",
    );
    assert.equal(
      formatQuery(parseQuery("(status=open or priority=0) and not type=bug")),
      "((status=open OR priority=0) AND NOT type=bug)",
    );
    assert.equal(formatQuery(parseQuery('title="two words"')), 'title="two words"');
    assert.deepEqual(ids("status=open OR priority=0 AND type=bug"), ["gt-1", "gt-3", "hq-9"]);
    assert.deepEqual(ids("(status=open OR status=closed) AND NOT type=bug"), ["gt-2", "gt-3", "hq-9"]);
  });

  it("compares priority and dates in order, text by containing, ids and labels by wildcard", () => {
    assert.deepEqual(ids("priority<2"), ["gt-1"]);
    assert.deepEqual(ids("priority>=2 AND priority!=3"), ["gt-2", "gt-wisp-a", "hq-9"]);
    assert.deepEqual(ids("created<30d"), ["gt-3"]);
    assert.deepEqual(ids("created>2026-05-01"), ["gt-1", "gt-2", "gt-wisp-a", "hq-9"]);
    assert.deepEqual(ids("closed>7d"), ["gt-2"]);
    assert.deepEqual(ids("title=LOGIN"), ["gt-1"]);
    assert.deepEqual(ids("id=gt-wisp-*"), ["gt-wisp-a"]);
    assert.deepEqual(ids("label=area:*"), ["gt-1"]);
    assert.deepEqual(ids("parent=gt-1"), ["gt-wisp-a"]);
  });

  it("reads none, booleans and the assignee and owner", () => {
    assert.deepEqual(ids("label=none"), ["gt-2", "gt-3", "hq-9"]);
    assert.deepEqual(ids("assignee=none AND NOT label=none"), ["gt-1", "gt-wisp-a"]);
    assert.deepEqual(ids("assignee=gastown/polecats/toast"), ["gt-2"]);
    assert.deepEqual(ids("description=none AND owner=MAYOR"), ["hq-9"]);
    assert.deepEqual(ids("ephemeral=true AND label=patrol AND status=in_progress"), ["gt-wisp-a"]);
    assert.deepEqual(ids("pinned=true"), ["hq-9"]);
    assert.deepEqual(ids("pinned=false AND ephemeral=false AND status!=closed"), ["gt-1", "gt-3"]);
  });

  it("says which fields a query names (closed issues, infra and templates follow them)", () => {
    assert.equal(mentionsField(parseQuery("NOT (priority=1 OR status=closed)"), "status"), true);
    assert.equal(mentionsField(parseQuery("priority=1 AND label=x"), "status"), false);
  });

  it("refuses a bad query with one line saying what is wrong", () => {
    const bad: Array<[string, RegExp]> = [
      ["", /empty/],
      ["colour=red", /unknown field "colour"/],
      ["status", /expected an operator after status/],
      ["status=", /expected a value after status=/],
      ["(status=open", /expected "\)"/],
      ["status=open priority=1", /join conditions with AND or OR/],
      ["title>x", /title can only be compared with = or !=/],
      ["priority=9", /priority is 0-4/],
      ["pinned=maybe", /pinned is true or false/],
      ['title="open', /unterminated quote/],
      ["status!open", /did you mean != or NOT/],
    ];
    for (const [q, why] of bad) {
      assert.throws(
        () => parseQuery(q),
        (e: unknown) => e instanceof ValidationError && why.test(e.message) && !e.message.includes("\n"),
        q,
      );
    }
    assert.throws(
      () => queryPredicate(parseQuery("created>someday"), NOW),
      /invalid date format "someday"|not a date/,
    );
  });
});
