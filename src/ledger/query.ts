// beads' query language (`bd query "status=open AND priority<2"`): comparisons of a field with
// a value joined by AND, OR, NOT and parentheses, evaluated on issues read from the ledger.
// Gas Town lists wisps with it (list does not show them). AND binds tighter than OR.
import { ValidationError } from "../errors.ts";
import type { Issue } from "./model.ts";
import { parseWhen } from "./validate.ts";

export type QueryOp = "=" | "!=" | ">" | ">=" | "<" | "<=";

export type QueryNode =
  | { kind: "cmp"; field: QueryField; op: QueryOp; value: string }
  | { kind: "and" | "or"; left: QueryNode; right: QueryNode }
  | { kind: "not"; operand: QueryNode };

export const QUERY_FIELDS = [
  "status",
  "priority",
  "type",
  "assignee",
  "owner",
  "label",
  "title",
  "description",
  "notes",
  "created",
  "updated",
  "started",
  "closed",
  "id",
  "spec",
  "pinned",
  "ephemeral",
  "template",
  "parent",
  "mol_type",
] as const;
export type QueryField = (typeof QUERY_FIELDS)[number];

const DATE_FIELDS = new Set<QueryField>(["created", "updated", "started", "closed"]);
const BOOL_FIELDS = new Set<QueryField>(["pinned", "ephemeral", "template"]);
const TEXT_FIELDS = new Set<QueryField>(["title", "description", "notes"]);

type Token = { t: "word"; v: string } | { t: "op"; v: QueryOp } | { t: "(" | ")" };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c });
      i++;
    } else if (c === "!" || c === "<" || c === ">" || c === "=") {
      const two = text.slice(i, i + 2);
      const op = (["!=", ">=", "<="] as const).find((o) => o === two) ?? (c === "!" ? undefined : c);
      if (!op) throw new ValidationError(`query: unexpected "!" at ${i + 1} (did you mean != or NOT?)`);
      out.push({ t: "op", v: op as QueryOp });
      i += op.length;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ValidationError(`query: unterminated quote at ${i + 1}`);
      out.push({ t: "word", v: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s()!<>="']/.test(text[j]!)) j++;
      out.push({ t: "word", v: text.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/** Parses a query; a bad one is a ValidationError saying where. */
export function parseQuery(text: string): QueryNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ValidationError("query: the expression is empty");
  let pos = 0;
  const peekWord = (w: string) => {
    const t = tokens[pos];
    return t?.t === "word" && t.v.toUpperCase() === w;
  };
  const describe = (t: Token | undefined) =>
    t === undefined ? "the end" : t.t === "word" || t.t === "op" ? `"${t.v}"` : `"${t.t}"`;
  const or = (): QueryNode => {
    let left = and();
    while (peekWord("OR")) {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  };
  const and = (): QueryNode => {
    let left = unary();
    while (peekWord("AND")) {
      pos++;
      left = { kind: "and", left, right: unary() };
    }
    return left;
  };
  const unary = (): QueryNode => {
    if (peekWord("NOT")) {
      pos++;
      return { kind: "not", operand: unary() };
    }
    const t = tokens[pos];
    if (t?.t === "(") {
      pos++;
      const inner = or();
      if (tokens[pos]?.t !== ")")
        throw new ValidationError(`query: expected ")" but found ${describe(tokens[pos])}`);
      pos++;
      return inner;
    }
    return comparison();
  };
  const comparison = (): QueryNode => {
    const f = tokens[pos];
    if (f?.t !== "word") throw new ValidationError(`query: expected a field but found ${describe(f)}`);
    const field = f.v.toLowerCase();
    if (!(QUERY_FIELDS as readonly string[]).includes(field))
      throw new ValidationError(`query: unknown field "${f.v}" (fields: ${QUERY_FIELDS.join(", ")})`);
    const op = tokens[pos + 1];
    if (op?.t !== "op")
      throw new ValidationError(`query: expected an operator after ${field} but found ${describe(op)}`);
    const v = tokens[pos + 2];
    if (v?.t !== "word")
      throw new ValidationError(`query: expected a value after ${field}${op.v} but found ${describe(v)}`);
    pos += 3;
    return checkComparison(field as QueryField, op.v, v.v);
  };
  const node = or();
  if (pos < tokens.length)
    throw new ValidationError(`query: unexpected ${describe(tokens[pos])} (join conditions with AND or OR)`);
  return node;
}

function checkComparison(field: QueryField, op: QueryOp, value: string): QueryNode {
  const ordered = op !== "=" && op !== "!=";
  if (ordered && !DATE_FIELDS.has(field) && field !== "priority")
    throw new ValidationError(`query: ${field} can only be compared with = or !=`);
  if (field === "priority" && !/^[0-4]$/.test(value.replace(/^p/i, "")))
    throw new ValidationError(`query: priority is 0-4 (got "${value}")`);
  if (BOOL_FIELDS.has(field) && !/^(true|false)$/i.test(value))
    throw new ValidationError(`query: ${field} is true or false (got "${value}")`);
  return { kind: "cmp", field, op, value };
}

/** The query written back in a canonical form (`bd query --parse-only`). */
export function formatQuery(n: QueryNode): string {
  if (n.kind === "cmp")
    return `${n.field}${n.op}${/[\s()!<>="']/.test(n.value) || n.value === "" ? JSON.stringify(n.value) : n.value}`;
  if (n.kind === "not") return `NOT ${formatQuery(n.operand)}`;
  return `(${formatQuery(n.left)} ${n.kind.toUpperCase()} ${formatQuery(n.right)})`;
}

/** Whether the query compares `field` anywhere (bd query widens what it reads for some). */
export function mentionsField(n: QueryNode, field: QueryField): boolean {
  if (n.kind === "cmp") return n.field === field;
  if (n.kind === "not") return mentionsField(n.operand, field);
  return mentionsField(n.left, field) || mentionsField(n.right, field);
}

/**
 * A date value as a time: `7d`, `24h`, `2w`, `3m`, `1y` are that long ago; anything else is
 * read as bd reads --due (dates, timestamps, `tomorrow`, `next monday`, `in 3 days`).
 */
export function queryTime(value: string, now: Date): number {
  const ago = /^(\d+)([hdwmy])$/i.exec(value.trim());
  return Date.parse(parseWhen(ago ? `-${ago[1]}${ago[2]!.toLowerCase()}` : value, now, "date"));
}

const globRe = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );

/** The issue's value of a field, for the fields compared as text. */
function textOf(issue: Issue & { parent?: string }, field: QueryField): string | undefined {
  switch (field) {
    case "status":
      return issue.status;
    case "type":
      return issue.issue_type;
    case "assignee":
      return issue.assignee;
    case "owner":
      return issue.owner;
    case "title":
      return issue.title;
    case "description":
      return issue.description;
    case "notes":
      return issue.notes;
    case "id":
      return issue.id;
    case "spec":
      return issue.spec_id;
    case "parent":
      return issue.parent;
    case "mol_type":
      return issue.mol_type;
    default:
      return undefined;
  }
}

/** A predicate for issues (with labels and parent filled in, as listIssues gives them). */
export function queryPredicate(
  node: QueryNode,
  now: Date = new Date(),
): (issue: Issue & { parent?: string }) => boolean {
  // Dates are resolved once, not per issue.
  const times = new Map<QueryNode, number>();
  const prepare = (n: QueryNode): void => {
    if (n.kind === "cmp") {
      if (DATE_FIELDS.has(n.field)) {
        const t = queryTime(n.value, now);
        if (Number.isNaN(t)) throw new ValidationError(`query: "${n.value}" is not a date for ${n.field}`);
        times.set(n, t);
      }
    } else if (n.kind === "not") prepare(n.operand);
    else {
      prepare(n.left);
      prepare(n.right);
    }
  };
  prepare(node);
  const test = (n: QueryNode, issue: Issue & { parent?: string }): boolean => {
    switch (n.kind) {
      case "and":
        return test(n.left, issue) && test(n.right, issue);
      case "or":
        return test(n.left, issue) || test(n.right, issue);
      case "not":
        return !test(n.operand, issue);
      case "cmp": {
        const matched = compare(n, issue, times.get(n));
        return n.op === "!=" ? !matched : matched;
      }
    }
  };
  return (issue) => test(node, issue);
}

/** Whether the comparison holds (for != : whether the = form holds, negated by the caller). */
function compare(
  n: Extract<QueryNode, { kind: "cmp" }>,
  issue: Issue & { parent?: string },
  time: number | undefined,
): boolean {
  const value = n.value;
  if (n.field === "priority") {
    const want = Number(value.replace(/^p/i, ""));
    return cmpNumbers(issue.priority, n.op, want);
  }
  if (time !== undefined) {
    const stamp = {
      created: issue.created_at,
      updated: issue.updated_at,
      started: issue.started_at,
      closed: issue.closed_at,
    }[n.field as "created" | "updated" | "started" | "closed"];
    if (!stamp) return false;
    return cmpNumbers(Date.parse(stamp), n.op, time);
  }
  if (BOOL_FIELDS.has(n.field)) {
    const have =
      n.field === "pinned" ? issue.pinned : n.field === "ephemeral" ? issue.ephemeral : issue.is_template;
    return (have === true) === (value.toLowerCase() === "true");
  }
  if (n.field === "label") {
    const labels = issue.labels ?? [];
    if (value.toLowerCase() === "none") return labels.length === 0;
    const re = globRe(value);
    return labels.some((l) => re.test(l));
  }
  const have = textOf(issue, n.field) ?? "";
  if (
    (n.field === "assignee" || n.field === "description" || n.field === "owner") &&
    value.toLowerCase() === "none"
  )
    return have === "";
  if (TEXT_FIELDS.has(n.field)) return have.toLowerCase().includes(value.toLowerCase());
  if (n.field === "id" || n.field === "spec" || n.field === "parent") return globRe(value).test(have);
  return have.toLowerCase() === value.toLowerCase();
}

function cmpNumbers(have: number, op: QueryOp, want: number): boolean {
  switch (op) {
    case "=":
    case "!=":
      return have === want;
    case ">":
      return have > want;
    case ">=":
      return have >= want;
    case "<":
      return have < want;
    case "<=":
      return have <= want;
  }
}
