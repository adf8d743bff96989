// Naming a PostgreSQL server in messages without its password. Kept apart from db.ts so that
// commands quoting a DSN (bd admin) do not pull the PostgreSQL ledger into their bundle.

/** host:port/database of a DSN, for messages (never the user's password). */
export function describeDsn(dsn: string): string {
  try {
    const u = new URL(dsn);
    const host = u.searchParams.get("host") ?? (u.hostname || "localhost");
    return `${host}:${u.port || "5432"}${u.pathname && u.pathname !== "/" ? u.pathname : ""}`;
  } catch {
    return "an unparsable DSN";
  }
}
