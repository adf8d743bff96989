// What the trackers need from HTTP: one JSON request, answered or thrown. The CLI hands in
// src/adapters/http-json.ts; the trackers here only build requests and read answers.

export interface JsonRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface JsonResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: unknown;
}

export type JsonTransport = (req: JsonRequest) => Promise<JsonResponse>;

/** Pages fetched before a listing gives up (beads' limit). */
export const MAX_PAGES = 1000;
export const PER_PAGE = 100;

export function asArray<T>(body: unknown, what: string): T[] {
  if (!Array.isArray(body)) throw new Error(`failed to parse ${what} response: expected a list`);
  return body as T[];
}

/** A time as the trackers' filters take it: UTC, whole seconds (RFC 3339). */
export function isoSeconds(when: string): string {
  return new Date(when).toISOString().replace(/\.\d+Z$/, "Z");
}

/** A lookup that answered 404 is "no such issue", not a failure. */
export async function orNotFound<T>(lookup: Promise<T>): Promise<T | undefined> {
  try {
    return await lookup;
  } catch (e) {
    if ((e as { status?: number }).status === 404) return undefined;
    throw e;
  }
}
