// Serves the dashboard app on a local port (127.0.0.1 unless told otherwise) and says where:
// the URL carries the random token every request needs.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { RuntimeProvider } from "../runtime/provider.ts";
import type { Town } from "../town/workspace.ts";
import { createDashboardApp, newToken } from "./app.ts";
import { LiveTown } from "./live.ts";
import { runPaletteCommand } from "./palette.ts";

export const DEFAULT_PORT = 8080;
export const DEFAULT_BIND = "127.0.0.1";

export interface DashboardServer {
  url: string;
  port: number;
  bind: string;
  token: string;
  live: LiveTown;
  close(): Promise<void>;
}

export interface StartOptions {
  town: Town;
  provider: RuntimeProvider;
  /** 0 picks a free port. */
  port?: number;
  bind?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startDashboard(o: StartOptions): Promise<DashboardServer> {
  const bind = o.bind ?? DEFAULT_BIND;
  const token = newToken();
  const live = new LiveTown(o.town, o.provider);
  const env = o.env ?? process.env;
  const app = createDashboardApp({
    live,
    token,
    csrf: randomBytes(24).toString("base64url"),
    run: (argv) => runPaletteCommand(argv, o.town.root, env),
  });
  const server = serve({ fetch: app.fetch, port: o.port ?? DEFAULT_PORT, hostname: bind });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = bind.includes(":") ? `[${bind}]` : bind === "0.0.0.0" ? "127.0.0.1" : bind;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    bind,
    token,
    live,
    close: () =>
      new Promise<void>((resolve) => {
        live.stop();
        // Open event streams would hold close() forever.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
