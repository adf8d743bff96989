// SQLite schema for the ledger. Wisps (ephemeral beads) live in the same tables, flagged
// `ephemeral`, and are reachable as beads names them (`wisps`, `wisp_labels`,
// `wisp_dependencies`, `wisp_comments`, `wisp_events` views); they are never exported.
import { ISSUE_FIELDS } from "../model.ts";
import { SQLITE } from "./dialect.ts";

export const SCHEMA_VERSION = 6;

const SQL_TYPE = {
  text: "TEXT",
  int: "INTEGER",
  bool: "INTEGER NOT NULL DEFAULT 0",
  json: "TEXT",
  time: "TEXT",
} as const;

function issueColumns(): string {
  return ISSUE_FIELDS.map(([name, kind]) => {
    if (name === "id") return "id TEXT PRIMARY KEY";
    if (name === "title") return "title TEXT NOT NULL";
    if (name === "status") return "status TEXT NOT NULL DEFAULT 'open'";
    if (name === "priority") return "priority INTEGER NOT NULL DEFAULT 2";
    if (name === "issue_type") return "issue_type TEXT NOT NULL DEFAULT 'task'";
    if (name === "created_at" || name === "updated_at") return `${name} TEXT NOT NULL`;
    return `${name} ${SQL_TYPE[kind]}`;
  }).join(",\n  ");
}

export function schemaSql(): string {
  return `
CREATE TABLE IF NOT EXISTS issues (
  ${issueColumns()},
  is_blocked INTEGER NOT NULL DEFAULT 0,
  CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- Earlier layouts of the work index (schema 1-2).
DROP INDEX IF EXISTS idx_issues_ready;
DROP INDEX IF EXISTS idx_issues_counts;
-- Ready work reads this index in priority order; counting by status (stats) reads only it.
CREATE INDEX IF NOT EXISTS idx_issues_work ON issues(status, is_blocked, ephemeral, priority, created_at);
-- Lists in bd's default order stop after the first page instead of sorting every row.
CREATE INDEX IF NOT EXISTS idx_issues_order ON issues(priority, created_at DESC, id);
-- Blocked issues in bd's order, without visiting the rest.
CREATE INDEX IF NOT EXISTS idx_issues_blocked ON issues(priority, created_at DESC, id) WHERE is_blocked = 1;
-- Deferred issues are few; ready work looks up their children through this.
CREATE INDEX IF NOT EXISTS idx_issues_deferred ON issues(defer_until) WHERE defer_until IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_issues_assignee ON issues(assignee);
CREATE INDEX IF NOT EXISTS idx_issues_updated ON issues(updated_at);
CREATE INDEX IF NOT EXISTS idx_issues_type ON issues(issue_type);
-- Top-level IDs per partition size the next hash ID; dotted children are left out.
CREATE INDEX IF NOT EXISTS idx_issues_toplevel ON issues(ephemeral) WHERE ${SQLITE.undotted("id")};

CREATE TABLE IF NOT EXISTS dependencies (
  issue_id TEXT NOT NULL,
  depends_on_id TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'blocks',
  created_at TEXT NOT NULL,
  created_by TEXT,
  metadata TEXT,
  thread_id TEXT,
  PRIMARY KEY (issue_id, depends_on_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_deps_target ON dependencies(depends_on_id, type);
CREATE INDEX IF NOT EXISTS idx_deps_type ON dependencies(type, issue_id);

CREATE TABLE IF NOT EXISTS labels (
  issue_id TEXT NOT NULL,
  label TEXT NOT NULL,
  PRIMARY KEY (issue_id, label)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_labels_label ON labels(label);

CREATE TABLE IF NOT EXISTS comments (
  id TEXT PRIMARY KEY,
  issue_id TEXT NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_comments_issue ON comments(issue_id, created_at);

CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  actor TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  comment TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_events_issue ON events(issue_id, id);

CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Machine-local bookkeeping that is not configuration (e.g. the JSONL export fingerprint).
CREATE TABLE IF NOT EXISTS local_metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Issues that committed writes touched and whose lines issues.jsonl does not have yet: the
-- export runs after the commit (never ahead of it), and whoever exports next takes these.
CREATE TABLE IF NOT EXISTS export_pending (id TEXT PRIMARY KEY) WITHOUT ROWID;
-- Lines of issues.jsonl this ledger does not read (unreadable, or not issues), carried
-- through every export byte for byte, each after the issue line it followed (anchor).
CREATE TABLE IF NOT EXISTS jsonl_kept (
  seq INTEGER PRIMARY KEY,
  anchor TEXT NOT NULL,
  line BLOB NOT NULL,
  line_no INTEGER NOT NULL,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS child_counters (parent_id TEXT PRIMARY KEY, last_child INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS issue_counter (prefix TEXT PRIMARY KEY, last_id INTEGER NOT NULL);

CREATE VIEW IF NOT EXISTS wisps AS SELECT * FROM issues WHERE ephemeral = 1;
CREATE VIEW IF NOT EXISTS wisp_labels AS
  SELECT l.* FROM labels l JOIN issues i ON i.id = l.issue_id WHERE i.ephemeral = 1;
CREATE VIEW IF NOT EXISTS wisp_dependencies AS
  SELECT d.* FROM dependencies d JOIN issues i ON i.id = d.issue_id WHERE i.ephemeral = 1;
CREATE VIEW IF NOT EXISTS wisp_comments AS
  SELECT c.* FROM comments c JOIN issues i ON i.id = c.issue_id WHERE i.ephemeral = 1;
CREATE VIEW IF NOT EXISTS wisp_events AS
  SELECT e.* FROM events e JOIN issues i ON i.id = e.issue_id WHERE i.ephemeral = 1;
CREATE VIEW IF NOT EXISTS ready_issues AS
  SELECT * FROM issues WHERE status = 'open' AND is_blocked = 0 AND pinned = 0 AND ephemeral = 0;
CREATE VIEW IF NOT EXISTS blocked_issues AS
  SELECT * FROM issues WHERE is_blocked = 1 AND status NOT IN ('closed', 'pinned');

PRAGMA user_version = ${SCHEMA_VERSION};
`;
}
