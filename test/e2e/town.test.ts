// A whole town from scratch, on both runtime providers: install, two rigs (one from a local
// path, one from a file:// URL whose project tracks its own beads), a crew member, the
// mayor running the script agent, peek, status, stop — and bad input that must leave
// nothing half-made behind.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BD, run } from "../helpers/bd.ts";
import { eventually, makeRepo, newTown, type ProviderKind, type TestTown } from "../helpers/town.ts";

interface AgentRow {
  address: string;
  role: string;
  rig: string | null;
  session: string;
  state: string;
  running: boolean;
  agent: string | null;
  hook: string | null;
}
interface Status {
  town: { name: string; root: string };
  provider: string;
  summary: { rigs: number; agents_running: number };
  agents: AgentRow[];
  rigs: Array<{ name: string; prefix: string; default_branch: string; agents: AgentRow[] }>;
}

for (const provider of ["tmux", "subprocess"] as ProviderKind[]) {
  describe(`a town on the ${provider} provider`, () => {
    let town: TestTown;
    before(async () => {
      town = await newTown(provider);
    });
    after(async () => {
      await town?.cleanup();
    });

    it("adds two rigs and a crew member", async () => {
      const alphaSrc = makeRepo(join(town.scratch, "alpha-src"));
      const betaSrc = makeRepo(join(town.scratch, "beta-src"), {
        "README.md": "# beta\n",
        ".beads/issues.jsonl": `${JSON.stringify({ id: "bx-1", title: "tracked", status: "open", priority: 2, issue_type: "task", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" })}\n`,
      });
      const alpha = await town.gtJson<{ prefix: string; default_branch: string }>([
        "rig",
        "add",
        "alpha",
        alphaSrc,
        "--mirror",
      ]);
      assert.equal(alpha.prefix, "al");
      assert.equal(alpha.default_branch, "main");
      const beta = await town.gtJson<{ prefix: string }>([
        "rig",
        "add",
        "beta",
        `file://${betaSrc}`,
        "--mirror",
      ]);
      assert.equal(beta.prefix, "bx", "a project that tracks beads keeps its prefix");

      for (const p of [".repo.git", "mayor/rig/README.md", "refinery/rig/README.md", "witness", "polecats"]) {
        assert.ok(existsSync(join(town.root, "alpha", p)), `alpha/${p}`);
      }
      const routes = readFileSync(join(town.root, ".beads", "routes.jsonl"), "utf8");
      assert.match(routes, /"prefix":"al-","path":"alpha"/);
      assert.match(routes, /"prefix":"bx-","path":"beta\/mayor\/rig"/);
      const themes = ["alpha", "beta"].map(
        (r) => JSON.parse(readFileSync(join(town.root, r, "settings", "config.json"), "utf8")).namepool.style,
      );
      assert.notEqual(themes[0], themes[1], "each rig gets its own name theme");

      // bd from the refinery worktree reaches the rig ledger through the redirect, and routes across rigs.
      const shown = await run(BD, join(town.root, "alpha", "refinery", "rig"), [
        "show",
        "al-alpha-witness",
        "--json",
      ]);
      assert.equal(shown.code, 0, shown.stderr);
      const tracked = await run(BD, join(town.root, "alpha", "refinery", "rig"), ["show", "bx-1", "--json"]);
      assert.equal(tracked.code, 0, tracked.stderr);

      const crew = await town.gtJson<Array<{ name: string; path: string; branch: string }>>([
        "crew",
        "add",
        "max",
        "--rig",
        "alpha",
      ]);
      assert.equal(crew[0]!.branch, "main");
      assert.ok(existsSync(join(crew[0]!.path, "README.md")));
      assert.equal(readFileSync(join(crew[0]!.path, ".beads", "redirect"), "utf8").trim(), "../../.beads");
      const gitStatus = await run("git", crew[0]!.path, ["status", "--porcelain"]);
      assert.equal(gitStatus.stdout.trim(), "", "Gas Town files never show up in the project's git status");

      const rigs = await town.gtJson<Array<{ name: string }>>(["rig", "list"]);
      assert.deepEqual(
        rigs.map((r) => r.name),
        ["alpha", "beta"],
      );
    });

    it("starts the mayor with the script agent, peeks it, shows it in status, stops it", async () => {
      const started = await town.gtJson<{ session: string; agent: string }>([
        "mayor",
        "start",
        "--agent",
        "script",
      ]);
      assert.equal(started.session, "hq-mayor");
      assert.equal(started.agent, "script");

      const peek = await eventually(
        async () => {
          const r = await town.gt(["session", "peek", "mayor", "60"]);
          // Ready for work: its prompt shows after start-up (prime, hook) is done.
          return r.stdout.includes("ready: waiting for work") ? r.stdout : "";
        },
        15_000,
        "the script agent to finish starting up",
      );
      assert.match(peek, /starting as mayor/);
      assert.match(peek, /gt prime gave \d+ lines of context/);

      const status = await town.gtJson<Status>(["status"]);
      assert.equal(status.provider, provider);
      assert.equal(status.summary.rigs, 2);
      const mayor = status.agents.find((a) => a.address === "mayor")!;
      assert.equal(mayor.state, "running");
      assert.equal(mayor.agent, "script");
      const alpha = status.rigs.find((r) => r.name === "alpha")!;
      assert.ok(alpha.agents.some((a) => a.address === "alpha/crew/max" && a.state === "stopped"));
      assert.ok(alpha.agents.some((a) => a.address === "alpha/witness"));

      const again = await town.gt(["mayor", "start", "--agent", "script"]);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /already running/);

      const stop = await town.gtJson<{ stopped: boolean }>(["mayor", "stop"]);
      assert.equal(stop.stopped, true);
      const after = await town.gtJson<Status>(["status"]);
      assert.equal(after.agents.find((a) => a.address === "mayor")!.state, "stopped");
    });

    it("the script agent runs the bead on its hook and waits for nudges", async () => {
      const bead = await town.gtJson<{ id: string }>(["crew", "list"]).then(async () => {
        const r = await run(
          BD,
          town.root,
          [
            "create",
            "Write a greeting",
            "--description",
            "Do it:\n\n```sh\necho hello-from-hook > greeting.txt\n```\n",
            "--json",
          ],
          { env: town.env },
        );
        assert.equal(r.code, 0, r.stderr);
        return JSON.parse(r.stdout) as { id: string };
      });
      const hook = await run(
        BD,
        town.root,
        ["update", bead.id, "--status", "hooked", "--assignee", "alpha/crew/max"],
        {
          env: town.env,
        },
      );
      assert.equal(hook.code, 0, hook.stderr);

      await town.gtJson(["crew", "start", "max", "--rig", "alpha", "--agent", "script"]);
      const crewDir = join(town.root, "alpha", "crew", "max");
      await eventually(
        async () => existsSync(join(crewDir, "greeting.txt")),
        15_000,
        "the hooked script to run",
      );
      const closed = await eventually(
        async () => {
          const r = await run(BD, town.root, ["show", bead.id, "--json"], { env: town.env });
          const issue = JSON.parse(r.stdout) as { status: string } | Array<{ status: string }>;
          const s = Array.isArray(issue) ? issue[0]!.status : issue.status;
          return s === "closed" ? s : "";
        },
        15_000,
        "the bead to be closed",
      );
      assert.equal(closed, "closed");
      const log = await run("git", crewDir, ["log", "--oneline", "-1"]);
      assert.match(log.stdout, new RegExp(`Write a greeting \\(${bead.id}\\)`));

      const nudge = await town.gt(["session", "peek", "alpha/crew/max"]);
      assert.match(nudge.stdout, /committed [0-9a-f]+/);
      await town.gt(["crew", "stop", "max", "--rig", "alpha"]);
    });

    it("refuses bad input with one line and leaves nothing half-made", async () => {
      const rigsBefore = readFileSync(join(town.root, "mayor", "rigs.json"), "utf8");
      const routesBefore = readFileSync(join(town.root, ".beads", "routes.jsonl"), "utf8");
      const src = makeRepo(join(town.scratch, "gamma-src"));
      const cases: Array<{ args: string[]; pattern: RegExp; dir?: string }> = [
        { args: ["rig", "add", "bad-name", src], pattern: /invalid rig name "bad-name"/, dir: "bad-name" },
        { args: ["rig", "add", "bad.name", src], pattern: /invalid rig name/, dir: "bad.name" },
        { args: ["rig", "add", "hq", src], pattern: /reserved/, dir: "hq" },
        {
          args: ["rig", "add", "gamma", join(town.scratch, "nope")],
          pattern: /repository not found/,
          dir: "gamma",
        },
        {
          args: ["rig", "add", "gamma", "file:///nonexistent/repo.git"],
          pattern: /cannot clone/,
          dir: "gamma",
        },
        {
          args: ["rig", "add", "gamma", src, "--mirror", "--branch", "nosuch"],
          pattern: /branch "nosuch" not found/,
          dir: "gamma",
        },
        { args: ["rig", "add", "alpha", src], pattern: /already exists/ },
        { args: ["mayor", "start", "--agent", "nosuchagent"], pattern: /unknown agent "nosuchagent"/ },
        { args: ["crew", "add", "bad-name", "--rig", "alpha"], pattern: /invalid crew name/ },
        { args: ["crew", "add", "x", "--rig", "nosuchrig"], pattern: /unknown rig "nosuchrig"/ },
      ];
      for (const c of cases) {
        const r = await town.gt(c.args);
        assert.notEqual(r.code, 0, `gt ${c.args.join(" ")} should fail`);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `one line for gt ${c.args.join(" ")}: ${r.stderr}`);
        assert.match(lines[0]!, c.pattern);
        if (c.dir) assert.ok(!existsSync(join(town.root, c.dir)), `no ${c.dir} left behind`);
      }
      assert.equal(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8"), rigsBefore);
      assert.equal(readFileSync(join(town.root, ".beads", "routes.jsonl"), "utf8"), routesBefore);
      const status = await town.gtJson<Status>(["status"]);
      assert.equal(status.agents.find((a) => a.address === "mayor")!.state, "stopped");
    });
  });
}
