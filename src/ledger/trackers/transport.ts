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

/**
 * A tracker's REST API over a JsonTransport: its base URL and its auth headers, one JSON
 * request a call, and listings read page by page. The trackers' clients differ only in their
 * paths, headers and how a listing says another page follows.
 */
export abstract class RestApi {
  protected readonly base: string;
  private readonly http: JsonTransport;

  constructor(base: string, http: JsonTransport) {
    this.base = base.replace(/\/+$/, "");
    this.http = http;
  }

  /** The headers of every request (authentication, API version). */
  protected abstract headers(): Record<string, string>;

  /** One request to `path` (under the base URL, with its query); the whole answer. */
  private send(method: JsonRequest["method"], path: string, body?: unknown): Promise<JsonResponse> {
    return this.http({
      method,
      url: `${this.base}${path}`,
      headers: this.headers(),
      ...(body === undefined ? {} : { body }),
    });
  }

  /** One request to `path`; the answer's body. */
  protected async call<T>(method: JsonRequest["method"], path: string, body?: unknown): Promise<T> {
    return (await this.send(method, path, body)).body as T;
  }

  /**
   * Every page of a listing at `path`: `query(page)` is one page's query string (without
   * `?`), `more(answer)` whether another page follows; at most MAX_PAGES pages.
   */
  protected async pages<T>(
    path: string,
    what: string,
    query: (page: number) => string,
    more: (res: JsonResponse) => boolean,
  ): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.send("GET", `${path}?${query(page)}`);
      out.push(...asArray<T>(res.body, what));
      if (!more(res)) return out;
    }
    throw new Error(`pagination limit exceeded: stopped after ${MAX_PAGES} pages`);
  }
}
