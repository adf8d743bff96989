// gt log, gt activity, gt audit and gt trail read the event log, the rigs' commits and the
// ledgers back with filters; lifecycle events also land in logs/town.log; --follow shows an
// event appended after it started.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GT } from "../helpers/bd.ts";
import { addBareRig, bdOk, newTown, type TestTown } from "../helpers/town.ts";

interface Ev {
  ts: string;
  type: string;
  actor: string;
  payload: Record<string, unknown>;
}

const line = (type: string, actor: string, payload: Record<string, unknown>, ts = new Date().toISOString()) =>
  `${JSON.stringify({ ts, source: "gt", type, actor, payload, visibility: "feed" })}\n`;

describe("gt log / activity / audit / trail", () => {
  let town: TestTown;
  const events = () => join(town.root, ".events.jsonl");

  before(async () => {
    town = await newTown("subprocess");
    await addBareRig(town, "alpha");
    const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
    appendFileSync(
      events(),
      line("spawn", "alpha/witness", { rig: "alpha", polecat: "toast" }, old) +
        line("nudge", "mayor", { rig: "alpha", target: "alpha/polecats/toast", reason: "wake up" }) +
        line("sling", "mayor", { bead: "al-1", target: "alpha/polecats/toast" }) +
        line("done", "alpha/polecats/toast", { bead: "al-1", branch: "polecat/toast" }) +
        line("spawn", "beta/witness", { rig: "beta", polecat: "nux" }),
    );
  });
  after(async () => {
    await town?.cleanup();
  });

  it("gt log shows lifecycle events, filtered by type, agent, rig and since", async () => {
    const all = await town.gtJson<Ev[]>(["log"]);
    assert.deepEqual(
      all.map((e) => e.type),
      ["spawn", "nudge", "done", "spawn"],
      "sling is not a lifecycle event",
    );
    const text = await town.gt(["log", "-n", "1"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[spawn\] beta\/witness polecat nux in beta\n$/,
    );
    assert.deepEqual(
      (await town.gtJson<Ev[]>(["log", "--type", "nudge,done"])).map((e) => e.type),
      ["nudge", "done"],
    );
    assert.deepEqual(
      (await town.gtJson<Ev[]>(["log", "--agent", "alpha/polecats/"])).map((e) => e.type),
      ["spawn", "nudge", "done"],
      "events naming a polecat of alpha, as actor, target or spawned polecat",
    );
    assert.deepEqual(
      (await town.gtJson<Ev[]>(["log", "--rig", "beta"])).map((e) => e.actor),
      ["beta/witness"],
    );
    assert.deepEqual(
      (await town.gtJson<Ev[]>(["log", "--since", "1h"])).map((e) => e.type),
      ["nudge", "done", "spawn"],
    );
    assert.equal((await town.gtJson<Ev[]>(["log", "--all"])).length, 5);
    const bad = await town.gt(["log", "--since", "yesterday"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Error: invalid --since "yesterday"/);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
  });

  it("lifecycle events logged by gt also go to logs/town.log as lines", async () => {
    const r = await town.gt(["log", "crash", "--agent", "alpha/polecats/toast", "--exit-code", "137"]);
    assert.equal(r.code, 0, r.stderr);
    const emitted = await town.gt([
      "activity",
      "emit",
      "polecat_checked",
      "--rig",
      "alpha",
      "--status",
      "idle",
    ]);
    assert.equal(emitted.code, 0, emitted.stderr);
    const log = readFileSync(join(town.root, "logs", "town.log"), "utf8");
    assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[crash\] alpha\/polecats\/toast .*exit_code=137/m);
    assert.doesNotMatch(log, /polecat_checked/, "only lifecycle events");
    const activity = await town.gtJson<Ev[]>(["activity", "--type", "polecat_checked"]);
    assert.equal(activity.length, 1);
    assert.deepEqual(activity[0]!.payload, { rig: "alpha", status: "idle" });
    const bad = await town.gt(["activity", "emit", "Not A Type"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid event type/);
  });

  it("--follow prints an event appended after it started", async () => {
    const child = spawn(GT, ["log", "--follow", "--type", "handoff", "--json"], {
      cwd: town.root,
      env: { ...process.env, ...town.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    try {
      await new Promise((r) => setTimeout(r, 1500)); // started and watching
      assert.equal(out, "", "no handoff yet");
      appendFileSync(events(), line("handoff", "alpha/polecats/toast", { subject: "context full" }));
      const started = Date.now();
      while (!out.includes("\n") && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
      const got = JSON.parse(out.trim().split("\n")[0]!) as Ev;
      assert.equal(got.type, "handoff");
      assert.equal(got.payload.subject, "context full");
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((r) => child.on("exit", (c) => r(c)));
    assert.equal(code, 0, "a signal ends the follow cleanly");
  });

  it("gt trail shows agents' commits, beads and hook activity; gt audit one actor's work", async () => {
    // A branch a polecat pushed into the rig's shared repository, and one by a person.
    const repo = join(town.root, "alpha", ".repo.git");
    const tree = execFileSync("git", ["-C", repo, "rev-parse", "HEAD^{tree}"], { encoding: "utf8" }).trim();
    const commitAs = (author: string, subject: string, branch: string) => {
      const sha = execFileSync("git", ["-C", repo, "commit-tree", tree, "-m", subject], {
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: author,
          GIT_AUTHOR_EMAIL: "a@x.invalid",
          GIT_COMMITTER_NAME: author,
          GIT_COMMITTER_EMAIL: "a@x.invalid",
        },
      }).trim();
      execFileSync("git", ["-C", repo, "update-ref", `refs/heads/${branch}`, sha]);
      return sha;
    };
    const agentSha = commitAs("alpha/polecats/toast", "feat: the answer (al-1)", "polecat/toast");
    commitAs("Pat Person", "docs: by hand", "pat");

    const commits = await town.gtJson<Array<{ sha: string; author: string; rig: string }>>(["trail"]);
    assert.deepEqual(
      commits.map((c) => [c.sha, c.author, c.rig]),
      [[agentSha, "alpha/polecats/toast", "alpha"]],
      "agents' commits only",
    );
    const everyone = await town.gtJson<Array<{ author: string }>>(["trail", "commits", "--all"]);
    assert.ok(everyone.some((c) => c.author === "Pat Person"));

    const rig = join(town.root, "alpha");
    const mine = await bdOk(town, rig, ["create", "made by toast", "--silent"]);
    await bdOk(town, rig, ["update", mine, "--assignee", "alpha/polecats/toast"]);
    await bdOk(town, rig, ["close", mine]);
    const other = await bdOk(town, rig, ["create", "a person's bead", "--silent"]);
    const beads = await town.gtJson<Array<{ id: string }>>(["trail", "beads", "--limit", "0"]);
    const ids = beads.map((b) => b.id);
    assert.ok(ids.includes(mine), JSON.stringify(beads));
    assert.ok(!ids.includes(other), "a bead no agent touched is left out");

    const hooks = await town.gtJson<Ev[]>(["trail", "hooks"]);
    assert.deepEqual(
      hooks.map((e) => e.type),
      ["handoff", "done", "sling"],
      "newest first",
    );

    const audit = await town.gtJson<Array<{ kind: string; ref: string }>>(["audit", "--actor", "toast"]);
    const kinds = audit.map((a) => `${a.kind}:${a.ref}`);
    assert.ok(kinds.includes(`commit:${agentSha}`), kinds.join(" "));
    assert.ok(kinds.includes(`bead_closed:${mine}`), kinds.join(" "));
    assert.ok(kinds.includes("event:done"), kinds.join(" "));
    assert.ok(kinds.includes("event:crash"), kinds.join(" "));
    assert.ok(!kinds.some((k) => k.includes(other)), "nothing of another actor");
    const text = await town.gt(["audit", "--actor", "toast", "-n", "2"]);
    assert.equal(text.stdout.trim().split("\n").length, 2);
  });
});
