// JSON over HTTP with node's fetch, for the issue trackers bd syncs with (GitHub, GitLab).
// It knows no tracker: callers give the method, URL, headers and body. Rate limits (429, and
// 403 with an exhausted quota) and server errors are retried a few times with backoff; any
// other non-2xx answer comes back as an HttpError carrying the status and the server's words,
// never the request headers (they hold the token).

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: unknown;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

export interface HttpOptions {
  retries?: number;
  /** First backoff in ms, doubled per attempt (a Retry-After header wins, capped at 60 s). */
  baseDelayMs?: number;
  timeoutMs?: number;
}

const RETRIABLE = new Set([429, 500, 502, 503, 504]);

export async function httpJson(req: HttpRequest, opts: HttpOptions = {}): Promise<HttpResponse> {
  const retries = opts.retries ?? 3;
  const base = opts.baseDelayMs ?? 1000;
  let lastError = "";
  for (let attempt = 0; attempt <= retries; attempt++) {
    let res: Response;
    try {
      res = await fetch(req.url, {
        method: req.method,
        headers: {
          ...(req.body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...req.headers,
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      lastError = `request failed (attempt ${attempt + 1}/${retries + 1}): ${(e as Error).message}`;
      continue;
    }
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    if (res.ok) return { status: res.status, headers, body: text === "" ? null : parseJson(text, req.url) };
    const quotaGone = res.status === 403 && headers["x-ratelimit-remaining"] === "0";
    if ((RETRIABLE.has(res.status) || quotaGone) && attempt < retries) {
      lastError = `transient error ${res.status} (attempt ${attempt + 1}/${retries + 1})`;
      await sleep(retryDelay(headers, base * 2 ** attempt));
      continue;
    }
    throw new HttpError(res.status, `API error: ${serverMessage(text)} (status ${res.status})`);
  }
  throw new HttpError(0, `max retries (${retries + 1}) exceeded: ${lastError}`);
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(0, `invalid JSON from ${new URL(url).origin}`);
  }
}

/** The server's own message when its body is JSON with one, else the body (cut short). */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const m = body.message ?? body.error;
    if (typeof m === "string") return m;
    if (m !== undefined) return JSON.stringify(m);
  } catch {
    // not JSON: the text itself
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function retryDelay(headers: Record<string, string>, fallback: number): number {
  const after = Number(headers["retry-after"]);
  if (Number.isFinite(after) && after >= 0) return Math.min(after * 1000, 60_000);
  return Math.min(fallback, 60_000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
