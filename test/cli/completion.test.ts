import "../helpers/isolation.ts";
// gt completion and bd completion: the bash script, sourced in a real bash, fills COMPREPLY
// from the whole command tree (gt loads only the command word's group at start) and from the
// town and ledger around the current directory; zsh and fish get scripts of their own.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BD, GT, ROOT, run, tempDir } from "../helpers/bd.ts";
import { addBareRig, newTown, type TestTown } from "../helpers/town.ts";

/** What bash offers for `line` (the cursor at its end), with the script of `bin` sourced. */
function bashComplete(
  script: string,
  bin: string,
  line: string,
  cwd: string,
  env?: NodeJS.ProcessEnv,
): string[] {
  const words = line.split(" ");
  const program = [
    `source ${JSON.stringify(script)}`,
    `COMP_WORDS=(${[bin, ...words.slice(1)].map((w) => JSON.stringify(w)).join(" ")})`,
    `COMP_CWORD=${words.length - 1}`,
    `COMP_LINE=${JSON.stringify(line)}`,
    `COMP_POINT=${line.length}`,
    `_${words[0]}_completion`,
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join("\n");
  const out = execFileSync("bash", ["--norc", "--noprofile", "-c", program], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return out.split("\n").filter((l) => l !== "");
}

function has(shell: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${shell}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("gt and bd completion", () => {
  const { dir, cleanup } = tempDir("completion-");
  const scripts: Record<string, string> = {};
  let town: TestTown;

  before(async () => {
    for (const [name, bin] of [
      ["gt", GT],
      ["bd", BD],
    ] as const) {
      const r = await run(bin, dir, ["completion", "bash"]);
      assert.equal(r.code, 0, r.stderr);
      scripts[name] = join(dir, `${name}.bash`);
      writeFileSync(scripts[name], r.stdout);
    }
    town = await newTown("subprocess");
    await addBareRig(town, "greeter");
  });
  after(async () => {
    await town?.cleanup();
    cleanup();
  });

  it("completes commands, subcommands and flags from the whole tree in bash", () => {
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt sl", dir), ["sling"]);
    const mail = bashComplete(scripts.gt!, GT, "gt mail ", dir);
    assert.ok(mail.includes("send") && mail.includes("inbox"), mail.join(" "));
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt mail send --subj", dir), ["--subject"]);
    // Every group, though gt loads only one at start: the dispatcher's own bundles too.
    const all = bashComplete(scripts.gt!, GT, "gt ", dir);
    for (const w of ["install", "mail", "sling", "status", "version", "completion", "help"])
      assert.ok(all.includes(w), `gt <TAB> lacks ${w}`);
    assert.ok(!all.includes("__complete"), "the hidden command stays hidden");
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt help ma", dir), ["mail", "mayor"]);
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt completion ", dir), ["bash", "fish", "zsh"]);
    assert.deepEqual(bashComplete(scripts.bd!, BD, "bd cr", dir), ["create", "create-form"]);
    // bd's global flags after a command, and a flag's value skipped while walking.
    const show = bashComplete(scripts.bd!, BD, "bd show --db x --j", dir);
    assert.deepEqual(show, ["--json"]);
    assert.deepEqual(bashComplete(scripts.bd!, BD, "bd nosuch", dir), []);
  });

  it("offers the town's rigs and agent addresses, and the ledger's open bead IDs", async () => {
    const env = town.env;
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt rig status gr", town.root, env), ["greeter"]);
    const to = bashComplete(scripts.gt!, GT, "gt mail send ", town.root, env);
    assert.ok(to.includes("mayor") && to.includes("greeter/witness"), to.join(" "));
    // Outside any town: nothing, and no error.
    assert.deepEqual(bashComplete(scripts.gt!, GT, "gt rig status ", dir, env), []);

    const ledger = join(dir, "ledger");
    execFileSync("mkdir", ["-p", ledger]);
    const init = await run(BD, ledger, ["init", "--prefix", "cmp", "--quiet"]);
    assert.equal(init.code, 0, init.stderr);
    const ids: string[] = [];
    for (const title of ["one", "two"]) {
      const r = await run(BD, ledger, ["create", title, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      ids.push((JSON.parse(r.stdout) as { id: string }).id);
    }
    const closed = await run(BD, ledger, ["close", ids[1]!]);
    assert.equal(closed.code, 0, closed.stderr);
    assert.deepEqual(bashComplete(scripts.bd!, BD, "bd show cmp-", ledger), [ids[0]]);
    assert.deepEqual(bashComplete(scripts.bd!, BD, "bd update --parent ", ledger), [ids[0]]);
  });

  it("prints zsh and fish scripts, and refuses an unknown shell with one line", async () => {
    const zsh = await run(GT, dir, ["completion", "zsh"]);
    assert.equal(zsh.code, 0, zsh.stderr);
    assert.match(zsh.stdout, /^#compdef gt\n/);
    assert.match(zsh.stdout, /compdef _gt_completion gt/);
    const fish = await run(BD, dir, ["completion", "fish"]);
    assert.equal(fish.code, 0, fish.stderr);
    assert.match(fish.stdout, /complete -c bd -f -a '\(__bd_complete\)'/);
    // Where zsh or fish is installed (CI has neither), the script also works in it.
    const zshFile = join(dir, "gt.zsh");
    writeFileSync(zshFile, zsh.stdout);
    if (has("zsh")) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a zsh expansion, not a template
      const fakeCompadd = "compadd() { local -a c; c=(${(P)2}); print -l -- $c }";
      const program = `autoload -Uz compinit; compinit -u -d ${dir}/zcompdump; source ${zshFile}; ${fakeCompadd}; words=(${GT} sl); CURRENT=2; _gt_completion`;
      assert.equal(execFileSync("zsh", ["-f", "-c", program], { cwd: dir, encoding: "utf8" }), "sling\n");
    }
    const fishFile = join(dir, "bd.fish");
    writeFileSync(fishFile, fish.stdout);
    if (has("fish")) {
      const env = { ...process.env, PATH: `${join(ROOT, "bin")}${delimiter}${process.env.PATH}` };
      const out = execFileSync("fish", ["--no-config", "-c", `source ${fishFile}; complete -C "bd cr"`], {
        cwd: dir,
        env,
        encoding: "utf8",
      });
      assert.equal(out, "create\n");
    }
    const bad = await run(GT, dir, ["completion", "tcsh"]);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /tcsh/);
  });
});
