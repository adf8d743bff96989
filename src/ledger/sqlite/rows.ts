// The row mapping moved to ../sql/rows.ts (shared by the SQL dialects); kept for old imports.
export * from "../sql/rows.ts";
