// gt dashboard's app, driven with app.request() (no socket) over a real town: the token on
// every request (then a cookie), CSRF on POSTs, the body limit, the palette's allow-list,
// escaping of what agents and users wrote, and the live stream pushing a bd close.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createDashboardApp } from "../../src/dashboard/app.ts";
import { LiveTown } from "../../src/dashboard/live.ts";
import { paletteArgv, type RunResult, runPaletteCommand, splitWords } from "../../src/dashboard/palette.ts";
import type { RuntimeProvider } from "../../src/runtime/provider.ts";
import { townRuntime } from "../../src/town/runtime-choice.ts";
import { Town } from "../../src/town/workspace.ts";
import { addBareRig, bdOk, eventually, newTown, slingNew, type TestTown } from "../helpers/town.ts";

const TOKEN = "t0ken-for-tests";
const CSRF = "csrf-for-tests";
const CLOCK = 150;
const EVIL = `<script>alert("x")</script> & 'fix'`;

describe("gt dashboard app", () => {
  let town: TestTown;
  let live: LiveTown;
  let app: ReturnType<typeof createDashboardApp>;
  let bead: string;
  const ran: string[][] = [];

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "app");
    bead = await bdOk(town, join(town.root, "app"), ["create", EVIL, "--silent"]);
    const t = new Town(town.root);
    // A fast clock: the idle test below proves a town with no hooked work is still not read.
    live = new LiveTown(t, townRuntime(t, town.env).provider, { clockMs: CLOCK });
    app = createDashboardApp({
      live,
      token: TOKEN,
      csrf: CSRF,
      run: async (argv): Promise<RunResult> => {
        ran.push(argv);
        return { argv, code: 0, stdout: "ok\n", stderr: "" };
      },
    });
  });
  after(async () => {
    live.stop();
    await town.cleanup();
  });

  const withCookie = { headers: { cookie: `gt_dashboard=${TOKEN}` } };
  const post = (body: string, headers: Record<string, string> = {}) =>
    app.request("/api/run", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", cookie: `gt_dashboard=${TOKEN}`, ...headers },
    });

  it("refuses a request without the token (401) or with a wrong one (403)", async () => {
    assert.equal((await app.request("/")).status, 401);
    assert.equal((await app.request("/api/state")).status, 401);
    assert.equal((await app.request("/api/events")).status, 401);
    assert.equal((await app.request("/?token=nope")).status, 403);
    assert.equal((await app.request("/", { headers: { cookie: "gt_dashboard=nope" } })).status, 403);
  });

  it("takes the token from the URL once, sets it as a cookie and drops it from the address", async () => {
    const r = await app.request(`/?token=${TOKEN}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/");
    const cookie = r.headers.get("set-cookie") ?? "";
    assert.match(cookie, new RegExp(`^gt_dashboard=${TOKEN};`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.equal((await app.request("/", withCookie)).status, 200);
  });

  it("shows the town's rigs and beads with every field escaped", async () => {
    const r = await app.request("/", withCookie);
    const html = await r.text();
    assert.match(r.headers.get("content-security-policy") ?? "", /script-src 'nonce-/);
    for (const panel of ["summary", "problems", "agents", "rigs", "convoys", "mq", "mail", "escalations"])
      assert.ok(html.includes(`id="panel-${panel}"`), panel);
    assert.ok(html.includes(`data-rig="app"`));
    assert.ok(html.includes(`data-bead="${bead}"`));
    assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;fix&#39;"));
    assert.ok(!html.includes(`<script>alert`), "raw title reached the page");
    assert.ok(html.includes(`name="csrf-token" content="${CSRF}"`));
  });

  it("serves the state as JSON", async () => {
    const s = (await (await app.request("/api/state", withCookie)).json()) as {
      summary: { rigs: number };
      rigs: Array<{ name: string; open: Array<{ id: string; title: string }> }>;
    };
    assert.equal(s.summary.rigs, 1);
    assert.deepEqual(
      s.rigs[0]!.open.map((b) => [b.id, b.title]),
      [[bead, EVIL]],
    );
  });

  it("runs a palette command only with the CSRF token", async () => {
    ran.length = 0;
    const body = JSON.stringify({ command: "mq list app" });
    assert.equal((await post(body)).status, 403);
    assert.equal((await post(body, { "x-csrf-token": "wrong" })).status, 403);
    assert.deepEqual(ran, []);
    const ok = await post(body, { "x-csrf-token": CSRF });
    assert.equal(ok.status, 200);
    assert.deepEqual(ran, [["mq", "list", "app"]]);
  });

  it("refuses commands off the allow-list, bad bodies and big bodies, running nothing", async () => {
    ran.length = 0;
    const h = { "x-csrf-token": CSRF };
    for (const command of [
      "install /tmp/x",
      "rig remove app",
      "status; rm -rf /",
      "estop",
      "mq retry x",
      "",
    ]) {
      const r = await post(JSON.stringify({ command }), h);
      assert.ok(r.status === 403 || r.status === 400, `${command}: ${r.status}`);
      assert.match(((await r.json()) as { error: string }).error, /.+/);
    }
    assert.equal((await post("not json", h)).status, 400);
    assert.equal((await post(JSON.stringify({ command: 42 }), h)).status, 400);
    const big = await post(JSON.stringify({ command: `status ${"x".repeat(9000)}` }), h);
    assert.equal(big.status, 413);
    assert.deepEqual(ran, []);
  });

  it("splits palette lines into words without a shell", () => {
    assert.deepEqual(splitWords(`mail send mayor/ -s "hi there" -m 'a $(b) c'`), [
      "mail",
      "send",
      "mayor/",
      "-s",
      "hi there",
      "-m",
      "a $(b) c",
    ]);
    assert.deepEqual(paletteArgv("gt convoy status"), ["convoy", "status"]);
    assert.throws(() => paletteArgv(`mail send "x`), /unclosed/);
    assert.throws(() => paletteArgv("convoy create x"), /not allowed/);
  });

  it("runs an allowed command as bin/gt in the town", async () => {
    const r = await runPaletteCommand(["rig", "list", "--json"], town.root, town.env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"app"/);
  });

  it("streams a bd close to a connected page, and reads nothing while the town is idle", {
    timeout: 20_000,
  }, async () => {
    const res = await app.request("/api/events", withCookie);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    const nextUpdate = async (pred: (data: string) => boolean): Promise<string> => {
      for (;;) {
        const m = /event: update\ndata: (.*)\n(?:id: .*\n)?\n/.exec(buf);
        if (m) {
          buf = buf.slice(m.index + m[0].length);
          if (pred(m[1]!)) return m[1]!;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buf += decoder.decode(value, { stream: true });
      }
    };
    try {
      const first = await nextUpdate(() => true);
      assert.ok(buf === "" || !buf.includes("event: update"));
      assert.ok(first.includes(`data-status=\\"open\\"`));
      const reads = live.reads;
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(live.reads, reads, "the town was read with nothing written");
      const t0 = Date.now();
      await bdOk(town, join(town.root, "app"), ["close", bead]);
      const closed = await nextUpdate((d) => d.includes(`data-bead=\\"${bead}\\" data-status=\\"closed\\"`));
      assert.ok(closed.includes("nothing open"));
      const ms = Date.now() - t0;
      assert.ok(ms < 3000, `update took ${ms} ms`);
    } finally {
      await reader.cancel();
    }
  });
  it("sends a ledger change before the sessions are read again", { timeout: 30_000 }, async () => {
    // The town's real runtime, made slow to list its sessions (as a loaded tmux is): a read
    // lists them once for the agents' states (ledger part) and once for the patrol's verdicts.
    const SLOW = 700;
    const t = new Town(town.root);
    const real = townRuntime(t, town.env).provider;
    const listed: number[] = [];
    const slow = new Proxy(real, {
      get(target, prop) {
        if (prop === "list")
          return async () => {
            await new Promise((r) => setTimeout(r, SLOW));
            const out = await target.list();
            listed.push(Date.now());
            return out;
          };
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as RuntimeProvider;
    const l = new LiveTown(t, slow);
    let id = "";
    let seenAt = 0;
    const off = l.subscribe((snap) => {
      if (id && !seenAt && snap.panels.rigs.includes(`data-bead="${id}" data-status="closed"`))
        seenAt = Date.now();
    });
    try {
      const created = await bdOk(town, join(town.root, "app"), ["create", "two phases", "--silent"]);
      await l.refresh();
      await new Promise((r) => setTimeout(r, SLOW * 4)); // the create's own read is over
      listed.length = 0;
      id = created;
      await bdOk(town, join(town.root, "app"), ["close", id]);
      await eventually(async () => seenAt > 0 && listed.length >= 2, 20_000, "the close's read");
      assert.ok(seenAt < listed[1]!, `the change came ${seenAt - listed[1]!} ms after the sessions' list`);
    } finally {
      off();
      l.stop();
    }
  });

  it("lists a polecat whose work has no live session as a problem, with its work state", async () => {
    const slung = await slingNew(town, "app", "work nobody runs");
    const address = `app/polecats/${slung.polecat}`;
    const html = await (await app.request("/", withCookie)).text();
    const problems = html.slice(html.indexOf('id="panel-problems"'), html.indexOf('id="panel-agents"'));
    assert.match(problems, /data-count="zombie">💀 1 zombie/);
    assert.ok(problems.includes(`data-problem="zombie"><b>${address}</b>`), problems);
    assert.ok(problems.includes(slung.bead));
    const agents = html.slice(html.indexOf('id="panel-agents"'), html.indexOf('id="panel-rigs"'));
    assert.match(agents, new RegExp(`data-agent="${address}"[^]*?data-work="zombie"`));
    // Hooked work ages with no write at all: while a page listens, the clock reads the town.
    const off = live.subscribe(() => {});
    try {
      await live.refresh();
      const reads = live.reads;
      await new Promise((r) => setTimeout(r, CLOCK * 8));
      assert.ok(live.reads >= reads + 2, `${live.reads - reads} clock reads`);
    } finally {
      off();
    }
    const reads = live.reads;
    await new Promise((r) => setTimeout(r, CLOCK * 4));
    assert.equal(live.reads, reads, "read with no page open");
  });
});
