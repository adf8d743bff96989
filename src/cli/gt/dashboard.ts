// gt dashboard: the town in a web page, live. Hono and the page code load only here (a
// dynamic import), so other gt commands do not pay for them.
import { spawn } from "node:child_process";
import type { Command } from "commander";
import { ValidationError } from "../../errors.ts";
import { act, type GtGroup } from "./program.ts";

function parsePort(raw: unknown): number {
  const port = Number(raw);
  if (!/^\d+$/.test(String(raw)) || port > 65535)
    throw new ValidationError(`invalid port "${raw}" (0-65535)`);
  return port;
}

/** Opens the URL in the desktop's browser; best-effort (a headless machine has none). */
function openBrowser(url: string): void {
  try {
    const child = spawn(process.platform === "darwin" ? "open" : "xdg-open", [url], {
      stdio: "ignore",
      detached: true,
    });
    child.on("error", () => {});
    child.unref();
  } catch {
    // no opener: the printed URL is enough
  }
}

export const dashboardGroup: GtGroup = {
  names: ["dashboard"],
  register(p: Command) {
    p.command("dashboard")
      .description(
        "Serve the town's live web dashboard (127.0.0.1 by default; the printed URL holds the token)",
      )
      .option("--port <n>", "port to listen on (0: any free one)", "8080")
      .option("--bind <addr>", "address to bind", "127.0.0.1")
      .option("--open", "open the page in the default browser")
      .option("--json", "print {url, port, bind, token} as JSON, then keep serving")
      .action(
        act(async (ctx, _args, opts) => {
          const port = parsePort(opts.port);
          const town = ctx.town();
          const provider = ctx.provider();
          const { startDashboard } = await import("../../dashboard/server.ts");
          const server = await startDashboard({
            town,
            provider,
            port,
            bind: String(opts.bind),
            env: ctx.env,
          });
          if (ctx.json)
            ctx.printJson({
              url: server.url,
              port: server.port,
              bind: server.bind,
              token: server.token,
              town: town.root,
            });
          else {
            ctx.out(`Dashboard for ${town.townJson().name}: ${server.url}`);
            ctx.out("(the token in the URL is required; Ctrl-C stops the server)");
          }
          if (opts.open === true) openBrowser(server.url);
          await new Promise<void>((resolve) => {
            process.once("SIGINT", resolve);
            process.once("SIGTERM", resolve);
          });
          await server.close();
        }),
      );
  },
};
