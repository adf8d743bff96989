import "../helpers/isolation.ts";
// gt shell install|remove|status: the rc block and hook script in the town's own HOME, and
// the hook itself run by a real bash: GT_TOWN_ROOT and GT_RIG in a rig, gone outside.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { crewTown, failsInOneLine, type TestTown } from "../helpers/town.ts";

describe("gt shell", () => {
  let town: TestTown;
  const fails = failsInOneLine(() => town);
  const bashrc = () => join(town.env.HOME!, ".bashrc");
  /** What an interactive bash sourcing ~/.bashrc sees after cd-ing to each dir and drawing a prompt. */
  const seen = (dirs: string[]) => {
    const steps = dirs.map(
      (d) => `cd '${d}'; eval "$PROMPT_COMMAND"; echo "\${GT_TOWN_ROOT:-none}|\${GT_RIG:-none}"`,
    );
    return execFileSync("bash", ["-c", `. ~/.bashrc; ${steps.join("; ")}`], {
      env: { ...process.env, ...town.env, GT_TOWN_ROOT: "", GT_RIG: "", PROMPT_COMMAND: "" },
      encoding: "utf8",
    })
      .trim()
      .split("\n");
  };

  before(async () => {
    town = await crewTown(["max"]);
    writeFileSync(bashrc(), "alias ll='ls -l'\n");
  });
  after(async () => {
    await town?.cleanup();
  });

  it("install adds the block once (backing up the rc file); the hook exports GT_TOWN_ROOT and GT_RIG", async () => {
    assert.deepEqual(await town.gtJson(["shell", "status"]), {
      enabled: true,
      installed: [],
      hook_script: join(town.env.XDG_CONFIG_HOME!, "gastown", "shell-hook.sh"),
    });
    const r = await town.gtJson<{ rc_file: string; changed: boolean }>([
      "shell",
      "install",
      "--shell",
      "bash",
    ]);
    assert.deepEqual([r.rc_file, r.changed], [bashrc(), true]);
    assert.equal(readFileSync(`${bashrc()}.gastown-backup`, "utf8"), "alias ll='ls -l'\n");
    const again = await town.gtJson<{ changed: boolean }>(["shell", "install"], {
      env: { SHELL: "/bin/bash" },
    });
    assert.equal(again.changed, false);
    const rc = readFileSync(bashrc(), "utf8");
    assert.ok(rc.startsWith("alias ll='ls -l'\n"));
    assert.equal(rc.split("Gas Town Integration").length, 2, "one block");

    assert.deepEqual(seen([join(town.root, "alpha", "crew", "max"), town.root, town.scratch]), [
      `${town.root}|alpha`,
      `${town.root}|none`,
      "none|none",
    ]);
    const status = await town.gtJson<{ installed: string[] }>(["shell", "status"]);
    assert.deepEqual(status.installed, ["bash"]);
  });

  it("remove takes the block out and leaves the rest; bad shells fail in one line", async () => {
    const r = await town.gtJson<{ changed: boolean; hook_script: string }>([
      "shell",
      "remove",
      "--shell",
      "bash",
    ]);
    assert.equal(r.changed, true);
    assert.equal(readFileSync(bashrc(), "utf8"), "alias ll='ls -l'\n");
    assert.ok(!existsSync(r.hook_script));
    assert.match((await town.gt(["shell", "remove", "--shell", "bash"])).stdout, /had no Gas Town hook/);
    await fails(["shell", "install", "--shell", "fish"], /unsupported shell "fish"/);
    await fails(["shell", "install"], /pass --shell bash\|zsh/, { env: { SHELL: "/usr/bin/fish" } });
  });
});
