// What the browser test and bench/dashboard.ts share: Debian's chromium (found on PATH, never
// downloaded), `gt dashboard --port 0 --json` as a real process in its own process group,
// and the page's open event stream. No side effects on import (bench/ uses it too).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "../..");
export const GT_BIN = join(ROOT, "bin", "gt");

/** Debian's chromium, or an error saying how to get it (the browser tests fail without it). */
export function chromiumPath(): string {
  try {
    const path = execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
    if (path) return path;
  } catch {
    // not on PATH
  }
  throw new Error(
    "chromium is not installed: the dashboard's browser test drives Debian's chromium (apt-get install chromium; .ci/run installs it)",
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ["--no-sandbox", "--headless=new"] });
}

export interface DashboardProcess {
  url: string;
  /** The URL without the token: what a stranger on the machine could reach. */
  origin: string;
  pid: number;
  child: ChildProcess;
  /** SIGTERM to its process group, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Starts `gt dashboard --port 0 --json` in `cwd` (a town) and waits for its JSON. */
export async function startDashboardProcess(cwd: string, env: NodeJS.ProcessEnv): Promise<DashboardProcess> {
  const child = spawn(GT_BIN, ["dashboard", "--port", "0", "--json"], {
    cwd,
    env,
    detached: true, // its own process group: stop() ends it and nothing else
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const info = await new Promise<{ url: string }>((resolveInfo, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gt dashboard printed no JSON in 30 s: ${out}${err}`)),
      30_000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      try {
        const parsed = JSON.parse(out) as { url: string };
        clearTimeout(timer);
        resolveInfo(parsed);
      } catch {
        // the JSON is printed over several lines: wait for the rest
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gt dashboard exited (${code}) before printing its URL: ${err}`));
    });
  });
  const pid = child.pid!;
  return {
    url: info.url,
    origin: new URL(info.url).origin,
    pid,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Opens the dashboard's URL (token, then the cookie) and waits for its live stream. */
export async function openDashboard(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const res = await page.goto(url);
  if (res?.status() !== 200) throw new Error(`the dashboard answered ${res?.status()}`);
  await page.waitForSelector("#live:text('live')", { timeout: 10_000 });
  return page;
}
