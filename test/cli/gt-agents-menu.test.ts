import "../helpers/isolation.ts";
// gt agents menu on the town's private tmux server: the display-menu built from the running
// sessions (town agents first, each rig under a header, polecats only with --all, other
// sessions left out), refused outside tmux, and shown on a real client (a pty from script(1))
// where pressing an item's key switches the client to that session.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually, failsInOneLine, gtSteps, makeRepo, newTown, type TestTown } from "../helpers/town.ts";

interface Menu {
  socket: string;
  items: Array<{
    session: string;
    kind: string;
    rig: string | null;
    key: string;
    action: string;
    label: string;
  }>;
  args: string[];
}

describe("gt agents menu", () => {
  let town: TestTown;
  let al: string;
  let socket: string;
  let client: ChildProcess | undefined;
  const fails = failsInOneLine(() => town);
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" }).trim();

  before(async () => {
    town = await newTown("tmux");
    socket = town.env.GT_TMUX_SOCKET!;
    await gtSteps(town, [["rig", "add", "alpha", makeRepo(join(town.scratch, "a")), "--mirror"]]);
    al = JSON.parse(readFileSync(join(town.root, "mayor", "rigs.json"), "utf8")).rigs.alpha.beads.prefix;
    for (const s of [
      `${al}-crew-max`,
      "hq-deacon",
      `${al}-nux`,
      `${al}-witness`,
      "hq-mayor",
      `${al}-refinery`,
      "hq-dog-alpha",
      "someone-else",
    ])
      tmux("new-session", "-d", "-s", s, "sleep 600");
  });
  after(async () => {
    client?.kill();
    await town?.cleanup();
  });

  it("builds the menu from the running sessions, in order, with a header per rig", async () => {
    const menu = await town.gtJson<Menu>(["agents", "menu", "--dry-run"]);
    assert.equal(menu.socket, socket);
    assert.deepEqual(
      menu.items.map((i) => [i.key, i.session, i.kind]),
      [
        ["1", "hq-mayor", "mayor"],
        ["2", "hq-deacon", "deacon"],
        ["3", `${al}-witness`, "witness"],
        ["4", `${al}-refinery`, "refinery"],
        ["5", `${al}-crew-max`, "crew"],
      ],
    );
    assert.equal(menu.items[0]!.action, "switch-client -t '=hq-mayor'");
    assert.match(menu.items[4]!.label, /alpha\/crew\/max/);
    const sep = menu.args.indexOf("--");
    assert.deepEqual(menu.args.slice(0, sep + 1), [
      "display-menu",
      "-T",
      "#[align=centre,fg=cyan,bold]⚙️  Gas Town",
      "-x",
      "C",
      "-y",
      "C",
      "--",
    ]);
    // Triples after "--": mayor, deacon, the alpha header (disabled, no key), then alpha's agents.
    assert.deepEqual(menu.args.slice(sep + 7, sep + 10), ["-#[fg=white,dim]   alpha", "", ""]);
    assert.equal(menu.args.length, sep + 1 + 3 * 6);

    const all = await town.gtJson<Menu>(["agents", "menu", "--all", "--dry-run"]);
    assert.deepEqual(all.items.at(-1), {
      ...all.items.at(-1)!,
      session: `${al}-nux`,
      kind: "polecat",
      key: "6",
    });
    const text = await town.gt(["agents", "menu", "--dry-run"]);
    assert.match(text.stdout, /^ 1 {2}hq-mayor\n 2 {2}hq-deacon\n/);
    await fails(["agents", "menu"], /not inside tmux/, { env: { TMUX: "" } });
  });

  it("shows the menu on a client; pressing an item's key switches the client to it", async () => {
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
    const r = await town.gt(["agents", "menu", "--client", tty]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "", "run from a key binding, it prints nothing over the pane");
    client.stdin!.write("1");
    await eventually(async () => clientOf().endsWith(" hq-mayor"), 5_000, "client switched to the mayor");
  });
});
