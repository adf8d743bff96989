import "../helpers/isolation.ts";
// gt changelog (closed work across the town and rig ledgers), gt metrics (the command-usage
// log) and gt upgrade (the registry's latest version, asked of a local HTTP server).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT } from "../helpers/bd.ts";
import { bdOk, crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

interface Entry {
  id: string;
  title: string;
  type: string;
  rig: string;
  closed_at: string;
  close_reason?: string;
}

describe("gt changelog, metrics, upgrade", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const rigDir = () => join(town.root, "alpha");

  before(async () => {
    town = await crewTown([]);
  });
  after(async () => {
    await town?.cleanup();
  });

  it("changelog lists closed real work from hq and rigs, newest first, without wisps or bookkeeping", async () => {
    const bug = await bdOk(town, rigDir(), ["create", "Fix the flaky parser", "-t", "bug", "--silent"]);
    const feat = await bdOk(town, town.root, ["create", "Town-wide search", "-t", "feature", "--silent"]);
    const open = await bdOk(town, rigDir(), ["create", "Still open", "--silent"]);
    const wisp = await bdOk(town, rigDir(), ["create", "A patrol wisp", "--ephemeral", "--silent"]);
    const mol = await bdOk(town, rigDir(), ["create", "mol-polecat-work step", "--silent"]);
    await bdOk(town, rigDir(), ["close", bug, "--reason", "fixed in parser.ts"]);
    await bdOk(town, rigDir(), ["close", wisp, mol]);
    await new Promise((r) => setTimeout(r, 1100)); // closed_at has whole seconds
    await bdOk(town, town.root, ["close", feat]);

    const all = await town.gtJson<Entry[]>(["changelog"]);
    assert.deepEqual(
      all.map((e) => [e.id, e.rig, e.type]),
      [
        [feat, "hq", "feature"],
        [bug, "alpha", "bug"],
      ],
    );
    assert.equal(all[1]!.close_reason, "fixed in parser.ts");
    assert.ok(!all.some((e) => e.id === open || e.id === wisp || e.id === mol));

    const alpha = await town.gtJson<Entry[]>(["changelog", "--rig", "alpha", "--today"]);
    assert.deepEqual(
      alpha.map((e) => e.id),
      [bug],
    );
    const text = await town.gt(["changelog"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Changelog — Week of /);
    assert.match(text.stdout, /ALPHA {2}\(1\)\n {2}🐛 {2}\S+ {2}\w{3} \d\d Fix the flaky parser/);
    assert.match(text.stdout, /Total: 2 issues closed across 2 rig\(s\)/);

    const future = await town.gt(["changelog", "--since", "2999-01-01"]);
    assert.match(future.stdout, /Since Jan 01, 2999[\s\S]*No completed work found/);
    await fails(["changelog", "--since", "2026-13-40"], /invalid date "2026-13-40": use YYYY-MM-DD/);
    await fails(["changelog", "--rig", "nope"], /nope/);
  });

  it("metrics counts the usage log by command and actor, and lists dead commands", async () => {
    const env = { GT_HOME: join(town.scratch, "gt-home") };
    await fails(["metrics"], /no usage data yet/, { env });
    mkdirSync(join(env.GT_HOME, ".gt"), { recursive: true });
    const now = Date.now();
    const line = (cmd: string, actor: string, daysAgo: number) =>
      JSON.stringify({ ts: new Date(now - daysAgo * 86_400_000).toISOString(), cmd, actor, argc: 1 });
    writeFileSync(
      join(env.GT_HOME, ".gt", "cmd-usage.jsonl"),
      `${[
        line("gt mail send", "mayor", 0),
        line("gt mail send", "alpha/witness", 1),
        "{torn",
        line("gt sling", "mayor", 0),
        line("gt status", "mayor", 30),
      ].join("\n")}\n`,
    );
    // Each gt run logs itself before it runs (the metrics runs here too, as actor "unknown").
    const freq = await town.gtJson<Array<{ cmd: string; count: number }>>(["metrics"], { env });
    assert.deepEqual(
      freq.filter((r) => r.cmd !== "gt metrics").map((r) => [r.cmd, r.count]),
      [
        ["gt mail send", 2],
        ["gt sling", 1],
        ["gt status", 1],
      ],
    );
    const recent = await town.gtJson<Array<{ cmd: string }>>(["metrics", "--since", "7"], { env });
    assert.ok(!recent.some((r) => r.cmd === "gt status"), "a 30-day-old line is outside --since 7");
    const byActor = await town.gtJson<Array<{ actor: string; total: number }>>(["metrics", "--by-actor"], {
      env,
    });
    assert.deepEqual(
      byActor.filter((a) => a.actor !== "unknown").map((a) => [a.actor, a.total]),
      [
        ["alpha/witness", 1],
        ["mayor", 3],
      ],
    );
    const dead = await town.gtJson<{ registered: number; dead: string[] }>(["metrics", "--dead"], { env });
    assert.ok(dead.registered > 100, `the whole tree is walked (${dead.registered})`);
    assert.ok(dead.dead.includes("gt changelog"));
    assert.ok(!dead.dead.includes("gt mail send") && !dead.dead.includes("gt sling"));
    const text = await town.gt(["metrics"], { env });
    assert.match(text.stdout, /^COMMAND\s+COUNT {2}LAST USED\n/);
    // The four lines written above plus this test's five metrics runs (each logs itself first).
    assert.match(text.stdout, /gt metrics +5 /);
    assert.match(text.stdout, /Total: 9 invocations across 4 commands/);
    await fails(["metrics", "--since", "soon"], /--since takes a whole number of days/, { env });

    // What gt itself wrote: one line per run, tool-call hooks (tap, signal) left out.
    const usage = join(env.GT_HOME, ".gt", "cmd-usage.jsonl");
    const before = readFileSync(usage, "utf8").split("\n").length;
    assert.equal((await town.gt(["mail", "inbox", "--json"], { env: { ...env, GT_ROLE: "mayor" } })).code, 0);
    await town.gt(["tap", "list"], { env });
    const added = readFileSync(usage, "utf8")
      .trimEnd()
      .split("\n")
      .slice(before - 1);
    assert.deepEqual(
      added.map((l) => {
        const e = JSON.parse(l) as { cmd: string; actor: string; argc: number };
        return [e.cmd, e.actor, e.argc];
      }),
      [["gt mail inbox", "mayor", 0]],
    );
    // A home without ~/.gt gets none made just to log a command.
    const bare = join(town.scratch, "bare-home");
    mkdirSync(bare);
    assert.equal((await town.gt(["mail", "inbox", "--json"], { env: { GT_HOME: bare } })).code, 0);
    assert.ok(!existsSync(join(bare, ".gt")));
  });

  describe("upgrade against a local registry", () => {
    let server: Server;
    let registry: string;
    let latest = "0.0.1";
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };

    before(async () => {
      server = createServer((req, res) => {
        if (req.url === `/${pkg.name}`) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ name: pkg.name, "dist-tags": { latest } }));
        } else {
          res.writeHead(404, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "Not found" }));
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server?.close());

    it("says up to date, then that a newer version exists and how to install it; --check exits 1 then", async () => {
      const env = { GT_UPGRADE_REGISTRY: registry };
      latest = pkg.version;
      const same = await town.gtJson<Record<string, unknown>>(["upgrade", "--check"], { env });
      assert.deepEqual(same, {
        name: pkg.name,
        installed: pkg.version,
        latest: pkg.version,
        update_available: false,
        registry,
        update_command: `npm install -g ${pkg.name}@${pkg.version} --registry ${registry}`,
      });
      latest = "99.0.0";
      const check = await town.gt(["upgrade", "--check"], { env });
      assert.equal(check.code, 1, "an update is available");
      assert.match(check.stdout, new RegExp(`${pkg.name} ${pkg.version} installed`));
      assert.match(check.stdout, new RegExp(`npm install -g ${pkg.name}@99\\.0\\.0 --registry `));
      const plain = await town.gt(["upgrade", "--dry-run"], { env });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /99\.0\.0 is available/);
      assert.match(plain.stdout, /Post-install check of .*: \d+ error\(s\)/);
      const migrated = await town.gtJson<{ latest: string; migration: { town: string; dry_run: boolean } }>(
        ["upgrade"],
        { env },
      );
      assert.equal(migrated.latest, "99.0.0");
      assert.deepEqual([migrated.migration.town, migrated.migration.dry_run], [town.root, false]);
      const outside = await town.gtJson<Record<string, unknown>>(["upgrade"], { env, cwd: town.scratch });
      assert.equal(outside.migration, undefined, "outside a town there is nothing to migrate");
      // Offline: --check fails in one line; a plain upgrade warns and still does the town's part.
      await fails(["upgrade", "--check"], /cannot read .*not published there/, {
        env: { GT_UPGRADE_REGISTRY: `${registry}/x` },
      });
      await fails(["upgrade", "--check"], /cannot read http:\/\/127\.0\.0\.1:1\//, {
        env: { GT_UPGRADE_REGISTRY: "http://127.0.0.1:1" },
      });
      const offline = await town.gt(["upgrade", "--dry-run"], {
        env: { GT_UPGRADE_REGISTRY: "http://127.0.0.1:1" },
      });
      assert.equal(offline.code, 0, offline.stderr);
      assert.match(offline.stderr, /^warning: cannot read http:\/\/127\.0\.0\.1:1\//);
      assert.match(offline.stdout, /Post-install check of /);
    });
  });
});
