import "../helpers/isolation.ts";
// gt theme (a rig's tmux status-line colours, stored in its settings and set on its running
// sessions) and gt cycle / gt town (the attached client moved round a group of sessions), on
// the town's private tmux server with plain detached sessions named as the town names them.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cycleTarget } from "../../src/town/session-cycle.ts";
import { eventually, failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

describe("cycleTarget", () => {
  it("steps through the sorted group and wraps; nothing when alone or not in it", () => {
    const g = ["b-witness", "b-refinery", "b-nux"];
    assert.equal(cycleTarget("b-nux", g, 1), "b-refinery");
    assert.equal(cycleTarget("b-witness", g, 1), "b-nux");
    assert.equal(cycleTarget("b-nux", g, -1), "b-witness");
    assert.equal(cycleTarget("b-nux", ["b-nux"], 1), undefined);
    assert.equal(cycleTarget("x", g, 1), undefined);
  });
});

describe("gt theme and gt cycle", () => {
  let town: TestTown;
  let al: string;
  let be: string;
  let socket: string;
  let client: ChildProcess | undefined;
  const fails = failsInOneLine(() => town);
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" }).trim();
  const style = (session: string) => tmux("show-options", "-v", "-t", `=${session}:`, "status-style");
  const settings = (rig: string) =>
    JSON.parse(readFileSync(join(town.root, rig, "settings", "config.json"), "utf8")) as { theme?: unknown };

  before(async () => {
    town = await newTown("tmux");
    socket = town.env.GT_TMUX_SOCKET!;
    await gtSteps(town, [
      ["rig", "add", "alpha", makeRepo(join(town.scratch, "a")), "--mirror"],
      ["rig", "add", "beta", makeRepo(join(town.scratch, "b")), "--mirror"],
    ]);
    const rigs = JSON.parse(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8")).rigs;
    al = rigs.alpha.beads.prefix;
    be = rigs.beta.beads.prefix;
    for (const s of [
      "hq-mayor",
      "hq-deacon",
      `${al}-witness`,
      `${al}-refinery`,
      `${al}-nux`,
      `${al}-furiosa`,
      `${al}-crew-max`,
      `${al}-crew-joe`,
      `${be}-witness`,
    ])
      tmux("new-session", "-d", "-s", s, "sleep 600");
  });
  after(async () => {
    client?.kill();
    await town?.cleanup();
  });

  it("shows the auto-assigned theme, saves a chosen one, refuses an unknown one", async () => {
    const auto = await town.gtJson<{ theme: string; source: string; style: string }>([
      "theme",
      "--rig",
      "alpha",
    ]);
    assert.equal(auto.source, "auto");
    assert.match(auto.style, /^bg=#[0-9a-f]{6},fg=#[0-9a-f]{6}$/);
    // The same rig name always gets the same colours.
    assert.deepEqual(await town.gtJson(["theme", "--rig", "alpha"]), auto);

    const set = await town.gtJson<{ theme: string; source: string }>(["theme", "forest", "--rig", "alpha"]);
    assert.deepEqual([set.theme, set.source], ["forest", "configured"]);
    assert.deepEqual(settings("alpha").theme, { name: "forest" });
    // GT_RIG (exported by the shell integration inside a rig) picks the rig.
    const viaEnv = await town.gtJson<{ rig: string; theme: string }>(["theme"], { env: { GT_RIG: "alpha" } });
    assert.deepEqual([viaEnv.rig, viaEnv.theme], ["alpha", "forest"]);

    await fails(["theme", "neon", "--rig", "alpha"], /unknown theme "neon"/);
    await fails(["theme", "forest", "--rig", "gamma"], /unknown rig "gamma"/);
    assert.deepEqual(settings("alpha").theme, { name: "forest" });
    const list = await town.gtJson<Array<{ name: string }>>(["theme", "--list"]);
    assert.ok(list.some((t) => t.name === "forest") && list.length >= 10);
  });

  it("apply colours the rig's running sessions only; none puts them back; --all does every rig and the town", async () => {
    const forest = (await town.gtJson<{ style: string }>(["theme", "--rig", "alpha"])).style;
    const r = await town.gtJson<{ applied: Array<{ session: string; style: string }> }>([
      "theme",
      "apply",
      "--rig",
      "alpha",
    ]);
    assert.deepEqual(
      r.applied.map((a) => a.session),
      [`${al}-crew-joe`, `${al}-crew-max`, `${al}-furiosa`, `${al}-nux`, `${al}-refinery`, `${al}-witness`],
    );
    assert.equal(style(`${al}-witness`), forest);
    assert.equal(style(`${al}-crew-max`), forest);
    assert.equal(style(`${be}-witness`), "");
    assert.equal(style("hq-mayor"), "");

    await gtSteps(town, [["theme", "none", "--rig", "alpha"]]);
    assert.deepEqual(settings("alpha").theme, { disabled: true });
    const off = await town.gtJson<{ applied: Array<{ style: string | null }> }>([
      "theme",
      "apply",
      "--rig",
      "alpha",
    ]);
    assert.ok(off.applied.length === 6 && off.applied.every((a) => a.style === null));
    assert.equal(style(`${al}-witness`), "");

    const beta = (await town.gtJson<{ style: string }>(["theme", "--rig", "beta"])).style;
    const all = await town.gtJson<{ applied: Array<{ session: string; theme: string | null }> }>([
      "theme",
      "apply",
      "--all",
    ]);
    assert.equal(all.applied.length, 9);
    assert.equal(style(`${be}-witness`), beta);
    assert.match(style("hq-deacon"), /^bg=#/);
    assert.equal(style("hq-mayor"), "bg=default,fg=default");
  });

  it("theme cli shows and sets the CLI colour scheme; GT_THEME overrides it", async () => {
    assert.deepEqual(await town.gtJson(["theme", "cli"]), {
      configured: "auto",
      override: null,
      effective: "auto",
    });
    await gtSteps(town, [["theme", "cli", "DARK"]]);
    assert.deepEqual(await town.gtJson(["theme", "cli"]), {
      configured: "dark",
      override: null,
      effective: "dark",
    });
    assert.deepEqual(await town.gtJson(["theme", "cli"], { env: { GT_THEME: "light" } }), {
      configured: "dark",
      override: "light",
      effective: "light",
    });
    await fails(["theme", "cli", "purple"], /invalid CLI theme "purple"/);
    assert.equal(
      JSON.parse(readFileSync(join(town.root, "settings", "config.json"), "utf8")).cli_theme,
      "dark",
    );
  });

  it("cycle picks the next/previous session of the group: a rig's workers, its crew, the town", async () => {
    type Plan = { from: string; to: string | null; group: string | null; members: string[] };
    const plan = (args: string[]) => town.gtJson<Plan>([...args, "--dry-run"]);
    const workers = await plan(["cycle", "next", "--session", `${al}-witness`]);
    assert.deepEqual(workers.members, [`${al}-furiosa`, `${al}-nux`, `${al}-refinery`, `${al}-witness`]);
    assert.equal(workers.to, `${al}-furiosa`);
    assert.equal(workers.group, "alpha workers");
    assert.equal((await plan(["cycle", "prev", "--session", `${al}-witness`])).to, `${al}-refinery`);
    const crew = await plan(["cycle", "next", "--session", `${al}-crew-joe`]);
    assert.deepEqual([crew.to, crew.group], [`${al}-crew-max`, "alpha crew"]);
    assert.equal((await plan(["cycle", "next", "--session", "hq-deacon"])).to, "hq-mayor");
    // Alone in its group: nowhere to go, and that is not an error.
    const alone = await plan(["cycle", "next", "--session", `${be}-witness`]);
    assert.deepEqual([alone.to, alone.members], [null, [`${be}-witness`]]);

    assert.equal((await plan(["town", "next", "--session", "hq-mayor"])).to, "hq-deacon");
    assert.equal((await plan(["town", "prev", "--session", "hq-deacon"])).to, "hq-mayor");
    const notTown = await plan(["town", "next", "--session", `${al}-witness`]);
    assert.equal(notTown.to, null);

    await fails(["cycle", "next"], /not inside tmux/, { env: { TMUX: "" } });
    await fails(["town", "next"], /not inside tmux/, { env: { TMUX: "" } });
    await fails(["cycle", "next", "--session", `${al}-ghost`], /no session .*-ghost is running/);
  });

  it("switches an attached client to the target", async () => {
    // A real client on a pseudo-terminal, attached to the witness.
    client = spawn("script", ["-qfc", `tmux -L ${socket} attach-session -t =${al}-witness`, "/dev/null"], {
      env: { ...process.env, ...town.env, TERM: "xterm", TMUX: "" },
      stdio: ["pipe", "ignore", "ignore"],
    });
    const clientOf = () => tmux("list-clients", "-F", "#{client_tty} #{client_session}").split("\n")[0] ?? "";
    const line = await eventually(
      async () => (clientOf().includes(`${al}-witness`) ? clientOf() : ""),
      10_000,
      "an attached client",
    );
    const tty = line.split(" ")[0]!;
    const r = await town.gt(["cycle", "next", "--session", `${al}-witness`, "--client", tty]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    await eventually(async () => clientOf().endsWith(`${al}-furiosa`), 5_000, "client on furiosa");
    // Without --client, tmux picks the one client there is.
    const back = await town.gt(["cycle", "prev", "--session", `${al}-furiosa`]);
    assert.equal(back.code, 0, back.stderr);
    await eventually(async () => clientOf().endsWith(`${al}-witness`), 5_000, "client back on the witness");
  });
});
