// The PostgreSQL schema of one ledger: the same tables, columns and views as the SQLite
// ledger (sqlite/schema.ts), in a schema of its own so one database holds several rigs'
// ledgers. Text sorts by byte (COLLATE "C") as SQLite's does, whatever the database's
// locale; times stay text, exactly as written (nanoseconds included), so a migration
// between backends is lossless. The version is in `ledger_meta`.
import { ISSUE_FIELDS } from "../model.ts";
import { POSTGRES } from "./dialect.ts";

export const PG_SCHEMA_VERSION = 1;

const TEXT = 'TEXT COLLATE "C"';
const SQL_TYPE = {
  text: TEXT,
  int: "BIGINT",
  bool: "INTEGER NOT NULL DEFAULT 0",
  json: "TEXT",
  time: TEXT,
} as const;

/** A rig's schema name: lower-case letters, digits and `_`, not starting with `pg_`. */
export const SCHEMA_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

function issueColumns(): string {
  return ISSUE_FIELDS.map(([name, kind]) => {
    if (name === "id") return `id ${TEXT} PRIMARY KEY`;
    if (name === "title") return `title ${TEXT} NOT NULL`;
    if (name === "status") return `status ${TEXT} NOT NULL DEFAULT 'open'`;
    if (name === "priority") return "priority INTEGER NOT NULL DEFAULT 2";
    if (name === "issue_type") return `issue_type ${TEXT} NOT NULL DEFAULT 'task'`;
    if (name === "created_at" || name === "updated_at") return `${name} ${TEXT} NOT NULL`;
    return `${name} ${SQL_TYPE[kind]}`;
  }).join(",\n  ");
}

/** The statements creating schema `name` and everything in it (idempotent). */
export function pgSchemaSql(name: string): string {
  return String.raw`
CREATE SCHEMA IF NOT EXISTS ${name};
SET LOCAL search_path = ${name};
CREATE TABLE IF NOT EXISTS issues (
  ${issueColumns()},
  is_blocked INTEGER NOT NULL DEFAULT 0,
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS idx_issues_work ON issues(status, is_blocked, ephemeral, priority, created_at);
CREATE INDEX IF NOT EXISTS idx_issues_order ON issues(priority, created_at DESC, id);
CREATE INDEX IF NOT EXISTS idx_issues_blocked ON issues(priority, created_at DESC, id) WHERE is_blocked = 1;
CREATE INDEX IF NOT EXISTS idx_issues_deferred ON issues(defer_until) WHERE defer_until IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_issues_assignee ON issues(assignee);
CREATE INDEX IF NOT EXISTS idx_issues_updated ON issues(updated_at);
CREATE INDEX IF NOT EXISTS idx_issues_type ON issues(issue_type);
CREATE INDEX IF NOT EXISTS idx_issues_toplevel ON issues(ephemeral) WHERE ${POSTGRES.undotted("id")};

CREATE TABLE IF NOT EXISTS dependencies (
  issue_id ${TEXT} NOT NULL,
  depends_on_id ${TEXT} NOT NULL,
  type ${TEXT} NOT NULL DEFAULT 'blocks',
  created_at ${TEXT} NOT NULL,
  created_by ${TEXT},
  metadata TEXT,
  thread_id ${TEXT},
  PRIMARY KEY (issue_id, depends_on_id)
);
CREATE INDEX IF NOT EXISTS idx_deps_target ON dependencies(depends_on_id, type);
CREATE INDEX IF NOT EXISTS idx_deps_type ON dependencies(type, issue_id);

CREATE TABLE IF NOT EXISTS labels (
  issue_id ${TEXT} NOT NULL,
  label ${TEXT} NOT NULL,
  PRIMARY KEY (issue_id, label)
);
CREATE INDEX IF NOT EXISTS idx_labels_label ON labels(label);

CREATE TABLE IF NOT EXISTS comments (
  id ${TEXT} PRIMARY KEY,
  issue_id ${TEXT} NOT NULL,
  author ${TEXT} NOT NULL,
  text TEXT NOT NULL,
  created_at ${TEXT} NOT NULL,
  seq BIGSERIAL
);
CREATE INDEX IF NOT EXISTS idx_comments_issue ON comments(issue_id, created_at);

CREATE TABLE IF NOT EXISTS events (
  id BIGSERIAL PRIMARY KEY,
  issue_id ${TEXT} NOT NULL,
  event_type ${TEXT} NOT NULL,
  actor ${TEXT} NOT NULL,
  old_value TEXT,
  new_value TEXT,
  comment TEXT,
  created_at ${TEXT} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_events_issue ON events(issue_id, id);

CREATE TABLE IF NOT EXISTS config (key ${TEXT} PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS local_metadata (key ${TEXT} PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS child_counters (parent_id ${TEXT} PRIMARY KEY, last_child BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS issue_counter (prefix ${TEXT} PRIMARY KEY, last_id BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_meta (key ${TEXT} PRIMARY KEY, value TEXT NOT NULL);

-- A shell-style pattern (*, ?, […]) as an anchored regular expression (SqlDialect.glob).
CREATE OR REPLACE FUNCTION gt_glob(pattern text) RETURNS text LANGUAGE sql IMMUTABLE AS $glob$
  SELECT '^' || replace(replace(regexp_replace(pattern, '([.+^$(){}|\\])', '\\\1', 'g'), '*', '.*'), '?', '.') || '$'
$glob$;

CREATE OR REPLACE VIEW wisps AS SELECT * FROM issues WHERE ephemeral = 1;
CREATE OR REPLACE VIEW wisp_labels AS
  SELECT l.* FROM labels l JOIN issues i ON i.id = l.issue_id WHERE i.ephemeral = 1;
CREATE OR REPLACE VIEW wisp_dependencies AS
  SELECT d.* FROM dependencies d JOIN issues i ON i.id = d.issue_id WHERE i.ephemeral = 1;
CREATE OR REPLACE VIEW wisp_comments AS
  SELECT c.* FROM comments c JOIN issues i ON i.id = c.issue_id WHERE i.ephemeral = 1;
CREATE OR REPLACE VIEW wisp_events AS
  SELECT e.* FROM events e JOIN issues i ON i.id = e.issue_id WHERE i.ephemeral = 1;
CREATE OR REPLACE VIEW ready_issues AS
  SELECT * FROM issues WHERE status = 'open' AND is_blocked = 0 AND pinned = 0 AND ephemeral = 0;
CREATE OR REPLACE VIEW blocked_issues AS
  SELECT * FROM issues WHERE is_blocked = 1 AND status NOT IN ('closed', 'pinned');

INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '${PG_SCHEMA_VERSION}')
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
`;
}
