import "../helpers/isolation.ts";
// gt config set/get (dot-notation keys in settings/config.json), agent-email-domain and
// cost-tier, in a real town: values are checked before anything is written.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { newTown, type TestTown } from "../helpers/town.ts";

describe("gt config set/get, agent-email-domain, cost-tier", () => {
  let town: TestTown;
  interface Settings {
    scheduler: { max_polecats: number };
    convoy: { notify_on_complete: boolean };
    agent_email_domain: string;
    agents: Record<string, { args: string[] }>;
    role_agents: Record<string, string>;
  }
  const settings = () =>
    JSON.parse(readFileSync(join(town.root, "settings", "config.json"), "utf8")) as Settings;
  const fails = async (args: string[], pattern: RegExp) => {
    const before_ = readFileSync(join(town.root, "settings", "config.json"), "utf8");
    const r = await town.gt(args);
    assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(
      readFileSync(join(town.root, "settings", "config.json"), "utf8"),
      before_,
      "nothing written",
    );
  };

  before(async () => {
    town = await newTown("subprocess");
    await town.gt(["config", "default-agent", "claude"]); // settings/config.json exists
  });
  after(async () => {
    await town?.cleanup();
  });

  it("set writes a checked value at its dotted place; get reads it, or the default", async () => {
    assert.deepEqual(await town.gtJson(["config", "get", "scheduler.max_polecats"]), {
      key: "scheduler.max_polecats",
      value: "-1",
      set: false,
    });
    await town.gtJson(["config", "set", "scheduler.max_polecats", "5"]);
    await town.gtJson(["config", "set", "convoy.notify_on_complete", "true"]);
    assert.equal(settings().scheduler.max_polecats, 5);
    assert.equal(settings().convoy.notify_on_complete, true);
    const got = await town.gt(["config", "get", "scheduler.max_polecats"]);
    assert.equal(got.stdout.trim(), "5");
    // The scheduler reads what was set.
    const sched = await town.gtJson<Record<string, unknown>>(["scheduler", "status"]);
    assert.match(JSON.stringify(sched), /5/);
    const list = await town.gtJson<Array<{ key: string; set: boolean }>>(["config", "get", "--list"]);
    assert.ok(list.some((r) => r.key === "scheduler.max_polecats" && r.set));

    await fails(["config", "set", "scheduler.max_polecats", "lots"], /wants a whole number/);
    await fails(["config", "set", "scheduler.batch_size", "0"], /1 or more/);
    await fails(["config", "set", "no.such.key", "1"], /unknown key "no.such.key"/);
    await fails(["config", "set", "default_agent", "nosuch"], /nosuch/);
    await fails(["config", "set", "runtime_provider", "docker"], /tmux, subprocess/);
  });

  it("agent-email-domain shows the default and sets a valid domain", async () => {
    assert.equal((await town.gt(["config", "agent-email-domain"])).stdout.trim(), "gastown.local");
    const set = await town.gtJson<{ agent_email_domain: string }>([
      "config",
      "agent-email-domain",
      "Example.COM",
    ]);
    assert.equal(set.agent_email_domain, "example.com");
    assert.equal(settings().agent_email_domain, "example.com");
    await fails(["config", "agent-email-domain", "not a domain"], /invalid domain/);
  });

  it("cost-tier applies a role table with model agents, and recognises it", async () => {
    assert.equal((await town.gtJson<{ tier: string }>(["config", "cost-tier"])).tier, "standard");
    const eco = await town.gtJson<{ tier: string; role_agents: Record<string, string> }>([
      "config",
      "cost-tier",
      "economy",
    ]);
    assert.equal(eco.tier, "economy");
    assert.equal(eco.role_agents.witness, "claude-sonnet");
    assert.equal(eco.role_agents.polecat, "claude-opus");
    assert.deepEqual(settings().agents["claude-haiku"]?.args, ["--model", "haiku"]);
    // The agents exist for gt: their definitions resolve.
    const agent = await town.gtJson<{ command: string; args: string[] }>([
      "config",
      "agent",
      "get",
      "claude-sonnet",
    ]);
    assert.deepEqual([agent.command, agent.args], ["claude", ["--model", "sonnet"]]);
    const s = settings();
    s.role_agents.mayor = "claude-haiku";
    writeFileSync(join(town.root, "settings", "config.json"), JSON.stringify(s));
    assert.equal((await town.gtJson<{ tier: string }>(["config", "cost-tier"])).tier, "custom");
    const budget = await town.gtJson<{ tier: string; replaced_custom: boolean }>([
      "config",
      "cost-tier",
      "budget",
    ]);
    assert.deepEqual([budget.tier, budget.replaced_custom], ["budget", true]);
    await fails(["config", "cost-tier", "cheap"], /invalid cost tier "cheap"/);
  });
});
