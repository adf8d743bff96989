// The dashboard's Hono app: the page, its live stream and the command palette, behind a
// token. Built without a socket so tests drive it with app.request(); server.ts serves it.
// Security: every request needs the token (from the printed URL once, then a cookie); a
// POST also needs the page's CSRF token; bodies are size-limited; the palette runs only
// allow-listed gt commands, with no shell.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { GasTownError } from "../errors.ts";
import type { LiveTown, Snapshot } from "./live.ts";
import { ALLOWED_COMMANDS, CommandRefused, paletteArgv, type RunResult } from "./palette.ts";
import { readDashboard } from "./state.ts";
import { renderPage } from "./views.ts";

export const COOKIE = "gt_dashboard";
/** Largest POST body accepted. */
export const MAX_BODY = 8 * 1024;
/** An idle stream still sends a comment this often, so proxies and browsers keep it open. */
export const KEEPALIVE_MS = 15_000;

export interface DashboardOptions {
  live: LiveTown;
  token: string;
  csrf: string;
  /** Runs an allowed palette command (bin/gt with an argument array). */
  run: (argv: string[]) => Promise<RunResult>;
}

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

function same(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function update(s: Snapshot): string {
  return JSON.stringify({ version: s.version, panels: s.panels });
}

export function createDashboardApp(o: DashboardOptions): Hono {
  const app = new Hono();

  app.use("*", async (c, next) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
    c.header("Cache-Control", "no-store");
    const given = c.req.query("token");
    const cookie = getCookie(c, COOKIE);
    if (given === undefined && cookie === undefined) return c.json({ error: "token required" }, 401);
    if (!same(given ?? cookie, o.token)) return c.json({ error: "bad token" }, 403);
    if (given !== undefined) {
      setCookie(c, COOKIE, o.token, { httpOnly: true, sameSite: "Strict", path: "/" });
      // Take the token out of the address bar (and history) once the cookie holds it.
      if (c.req.method === "GET" && !c.req.path.startsWith("/api/")) return c.redirect(c.req.path, 303);
    }
    await next();
  });

  app.get("/", async (c) => {
    await o.live.refresh();
    const snap = await o.live.snapshot();
    const nonce = randomBytes(16).toString("base64");
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
    );
    return c.html(
      renderPage(snap.panels, {
        town: o.live.town.townJson().name,
        csrf: o.csrf,
        nonce,
        version: snap.version,
        commands: ALLOWED_COMMANDS,
      }),
    );
  });

  app.get("/api/state", async (c) => c.json(await readDashboard(o.live.town, o.live.provider)));

  app.get("/api/commands", (c) => c.json({ commands: ALLOWED_COMMANDS }));

  app.get("/api/events", (c) =>
    streamSSE(c, async (stream) => {
      const queue: Snapshot[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = o.live.subscribe((s) => {
        queue.push(s);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      const keepalive = setInterval(() => {
        queue.length === 0 && wake?.();
      }, KEEPALIVE_MS);
      try {
        await stream.writeSSE({ event: "connected", data: "{}" });
        // What changed between the page's render and this subscription.
        await o.live.refresh();
        const now = await o.live.snapshot();
        await stream.writeSSE({ event: "update", id: String(now.version), data: update(now) });
        let sent = now.version;
        while (!closed) {
          if (queue.length === 0) {
            await new Promise<void>((r) => {
              wake = r;
            });
            wake = undefined;
            if (queue.length === 0 && !closed) await stream.write(": keepalive\n\n");
            continue;
          }
          const s = queue.splice(0).pop()!;
          if (s.version <= sent) continue;
          sent = s.version;
          await stream.writeSSE({ event: "update", id: String(s.version), data: update(s) });
        }
      } finally {
        clearInterval(keepalive);
        unsubscribe();
      }
    }),
  );

  app.post(
    "/api/run",
    bodyLimit({
      maxSize: MAX_BODY,
      onError: (c) => c.json({ error: `body larger than ${MAX_BODY} bytes` }, 413),
    }),
    async (c) => {
      if (!same(c.req.header("x-csrf-token"), o.csrf))
        return c.json({ error: "bad or missing CSRF token" }, 403);
      let command: unknown;
      try {
        command = ((await c.req.json()) as { command?: unknown }).command;
      } catch {
        return c.json({ error: 'body must be JSON: {"command": "..."}' }, 400);
      }
      if (typeof command !== "string") return c.json({ error: 'body must be JSON: {"command": "..."}' }, 400);
      try {
        const argv = paletteArgv(command);
        return c.json(await o.run(argv));
      } catch (e) {
        if (e instanceof GasTownError)
          return c.json({ error: e.message }, e instanceof CommandRefused ? 403 : 400);
        throw e;
      }
    },
  );

  return app;
}
