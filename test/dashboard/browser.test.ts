// gt dashboard in a real browser: Debian's headless chromium (driven by playwright-core)
// opens the URL a real `gt dashboard --port 0 --json` process printed, in a town with a
// running crew agent, beads, a convoy, mail and an escalation. The page shows them, a
// `bd close` reaches its DOM within a second, a request without the token sees nothing of
// the town, and a palette POST without the CSRF token runs nothing. Without chromium the
// test fails (it says how to install it): it is never skipped.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import { bdOk, type TestTown, townWithRunningCrew } from "../helpers/town.ts";
import {
  chromiumPath,
  type DashboardProcess,
  launchChromium,
  openDashboard,
  startDashboardProcess,
} from "./browser-helpers.ts";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");

describe("gt dashboard in headless chromium", { timeout: 180_000 }, () => {
  let town: TestTown | undefined;
  let server: DashboardProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const rigDir = () => join(town!.root, "alpha");
  /** What a selector's element reads (textContent: markup gone, whitespace kept). */
  const text = async (sel: string | Locator) =>
    ((await (typeof sel === "string" ? page.locator(sel) : sel).textContent()) ?? "").trim();
  const beads: Record<string, string> = {};
  let convoy: string;

  before(async () => {
    chromiumPath(); // fail first, and clearly, on a machine without chromium
    town = await townWithRunningCrew("tmux");
    for (const title of ["Wire the fuel gauge", "Paint the war rig", "Count the guzzoline"])
      beads[title] = await bdOk(town, rigDir(), ["create", title, "--silent"]);
    const c = await town.gtJson<{ id: string }>([
      "convoy",
      "create",
      "Fury Road run",
      beads["Wire the fuel gauge"]!,
      beads["Paint the war rig"]!,
    ]);
    convoy = c.id;
    for (const args of [
      ["mail", "send", "mayor/", "-s", "Water at the citadel", "-m", "Rationed until the rig is back."],
      ["escalate", "-s", "high", "Convoy ambushed at the canyon", "--reason", "three war boys down"],
    ]) {
      const r = await town.gt(args);
      assert.equal(r.code, 0, `gt ${args.join(" ")}: ${r.stderr}`);
    }
    server = await startDashboardProcess(town.root, { ...process.env, ...town.env });
    browser = await launchChromium();
    page = await openDashboard(browser, server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await town?.cleanup();
  });

  it("shows the town: rig, beads, convoy, the agent with its screen, mail, escalation", async () => {
    assert.equal(new URL(page.url()).search, "", "the token stays in the address bar");
    assert.match(await page.title(), /testtown/);
    const rig = page.locator('[data-rig="alpha"]');
    assert.match(await text(rig), /alpha/);
    for (const [title, id] of Object.entries(beads))
      assert.match(await text(`[data-bead="${id}"]`), new RegExp(title));
    const c = page.locator(`[data-convoy="${convoy}"]`);
    assert.match(await text(c), /Fury Road run\s+\S+\s+0\/2/);
    const max = page.locator('[data-agent="alpha/crew/max"]');
    assert.match(await text(max), /running|idle|working/);
    assert.match(await text('[data-peek="alpha/crew/max"] pre'), /\S/);
    assert.match(await text("#panel-mail"), /Water at the citadel/);
    assert.match(await text("#panel-escalations"), /Convoy ambushed at the canyon/);
    assert.match(await text("#panel-problems"), /Convoy ambushed at the canyon/);
    assert.match(await text('[data-stat="rigs"] dd'), /^1$/);
  });

  it("shows a bd close within a second of bd exiting", async () => {
    const id = beads["Wire the fuel gauge"]!;
    await bdOk(town!, rigDir(), ["close", id, "--reason", "gauge wired"]);
    const t0 = performance.now();
    await page.waitForSelector(`#panel-rigs [data-bead="${id}"][data-status="closed"]`, { timeout: 1000 });
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `${ms} ms`);
    // The convoy's progress comes with the same update.
    assert.match(await text(`[data-convoy="${convoy}"] .progress`), /^1\/2$/);
    process.stderr.write(`dashboard: bd close reached the DOM ${ms.toFixed(0)} ms after bd exited\n`);
  });

  it("keeps a convoy listed, live, once it has landed", async () => {
    await bdOk(town!, rigDir(), ["close", beads["Paint the war rig"]!]);
    const r = await town!.gt(["convoy", "check", convoy]);
    assert.equal(r.code, 0, r.stderr);
    await page.waitForSelector(`[data-convoy="${convoy}"][data-status="closed"] [data-landed]`, {
      timeout: 5000,
    });
    assert.match(await text(`[data-convoy="${convoy}"]`), /Fury Road run\s+\S+\s+2\/2\s*landed/);
    assert.match(await text('[data-stat="convoys open"] dd'), /^0$/);
  });

  it("runs an allowed palette command from the page", async () => {
    await page.fill("#palette input", "rig list");
    await page.click("#palette button");
    await page.waitForSelector("#out:has-text('alpha')", { timeout: 15_000 });
  });

  it("refuses a palette POST without the CSRF token, running nothing", async () => {
    // From the page itself (its cookie goes along): only the CSRF header is missing.
    const refused = await page.evaluate(async () => {
      const r = await fetch("/api/run", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ command: "mail send mayor/ -s forged -m forged" }),
      });
      return { status: r.status, body: await r.text() };
    });
    assert.equal(refused.status, 403);
    assert.match(refused.body, /CSRF/);
    const inbox = await town!.gt(["mail", "inbox", "mayor/", "--json"]);
    assert.equal(inbox.code, 0, inbox.stderr);
    assert.doesNotMatch(inbox.stdout, /forged/);
  });

  it("refuses a browser without the token and shows it nothing of the town", async () => {
    const stranger = await browser!.newContext(); // no cookie
    try {
      const p = await stranger.newPage();
      for (const path of ["/", "/api/state", "/?token=guessed"]) {
        const res = await p.goto(server!.origin + path);
        assert.ok(res && (res.status() === 401 || res.status() === 403), `${path}: ${res?.status()}`);
        const text = await p.content();
        for (const secret of ["alpha", "testtown", "Fury Road", "Wire the fuel gauge", town!.root])
          assert.ok(!text.includes(secret), `${path} showed ${secret}`);
      }
      const res = await p.request.post(`${server!.origin}/api/run`, {
        data: { command: "status" },
        headers: { "x-csrf-token": "guessed" },
      });
      assert.equal(res.status(), 401);
    } finally {
      await stranger.close();
    }
  });

  it("keeps a full-page screenshot as a test artifact", async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, "dashboard.png");
    const png = await page.screenshot({ path: file, fullPage: true });
    assert.ok(png.length > 10_000, `screenshot of ${png.length} bytes`);
  });
});
