// The tests never touch the developer's home: the helpers give the test process, and each
// town, its own HOME, XDG dirs, git identity (GIT_CONFIG_GLOBAL, no system config) and
// GT_HOME; gt commands and the agents they start (tmux and subprocess) see the town's; and
// everything works, and nothing is written, when the real HOME is an empty directory.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { ROOT } from "../helpers/bd.ts";
import { ORIGINAL_HOME, PROCESS_HOME, TEST_GIT_EMAIL, TEST_GIT_NAME } from "../helpers/isolation.ts";
import { eventually, newTown, type ProviderKind } from "../helpers/town.ts";

const inside = (path: string | undefined, dir: string) =>
  !!path && (path === dir || path.startsWith(`${dir}/`));

describe("test isolation", () => {
  it("gives the test process a private home with an explicit git identity", () => {
    const tmp = realpathSync(tmpdir());
    assert.ok(inside(PROCESS_HOME, tmp), PROCESS_HOME);
    assert.notEqual(process.env.HOME, ORIGINAL_HOME);
    assert.equal(process.env.HOME, PROCESS_HOME);
    for (const key of ["XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "GIT_CONFIG_GLOBAL", "GT_HOME"])
      assert.ok(inside(process.env[key], PROCESS_HOME), `${key}=${process.env[key]}`);
    assert.equal(process.env.GIT_CONFIG_NOSYSTEM, "1");
    assert.equal(process.env.GT_ROLE, undefined);
    const origin = execFileSync("git", ["config", "--show-origin", "--global", "user.email"], {
      cwd: PROCESS_HOME,
      encoding: "utf8",
    });
    assert.equal(origin.trim(), `file:${process.env.GIT_CONFIG_GLOBAL}\t${TEST_GIT_EMAIL}`);
  });

  for (const provider of ["tmux", "subprocess"] as ProviderKind[]) {
    it(`a town's gt commands and its agents (${provider}) see the town's own home`, async () => {
      const town = await newTown(provider);
      try {
        const home = town.env.HOME!;
        assert.ok(inside(home, join(town.root, "..")), home);
        assert.notEqual(home, PROCESS_HOME);
        // gt install read the owner from git's global config: the test identity, not the developer's.
        const townJson = JSON.parse(readFileSync(join(town.root, "mayor", "town.json"), "utf8"));
        assert.equal(townJson.owner, TEST_GIT_EMAIL);

        // An agent that writes down what it sees, then says it is ready and waits.
        const seen = join(town.scratch, "seen.txt");
        const keys = [
          "HOME",
          "XDG_CONFIG_HOME",
          "XDG_CACHE_HOME",
          "XDG_DATA_HOME",
          "GIT_CONFIG_GLOBAL",
          "GIT_CONFIG_NOSYSTEM",
          "GT_HOME",
        ];
        const script = `{ ${keys.map((k) => `echo "${k}=$${k}";`).join(" ")} echo "email=$(git config --global user.email)"; } > ${seen}.tmp && mv ${seen}.tmp ${seen}; echo READY; exec sleep 60`;
        const set = await town.gt(["config", "agent", "set", "envdump", "sh", "-c", script]);
        assert.equal(set.code, 0, set.stderr);
        const file = join(town.root, "settings", "config.json");
        const settings = JSON.parse(readFileSync(file, "utf8"));
        settings.agents.envdump.ready_prompt_prefix = "READY";
        writeFileSync(file, JSON.stringify(settings, null, 2));
        const r = await town.gt(["mayor", "start", "--agent", "envdump"]);
        assert.equal(r.code, 0, r.stderr);
        const text = await eventually(
          async () => {
            try {
              return readFileSync(seen, "utf8");
            } catch {
              return "";
            }
          },
          15_000,
          "the agent's report",
        );
        const got = Object.fromEntries(
          text
            .trim()
            .split("\n")
            .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        for (const k of keys) assert.equal(got[k], town.env[k], `${k} in the agent`);
        assert.ok(inside(got.HOME, home) && inside(got.GIT_CONFIG_GLOBAL, home), text);
        assert.equal(got.email, TEST_GIT_EMAIL);
      } finally {
        await town.cleanup();
      }
    });
  }

  it("is in place in every test file that uses the helpers before any of the code under test loads", () => {
    // src/adapters/git.ts keeps the environment it was loaded with: a test file importing
    // src/ (or scripts/) before the helpers would run git with the real HOME. Its first
    // relative import must be a helper that isolates.
    const isolating = /\/helpers\/(isolation|bd|town|temp)\.ts$/;
    const late: string[] = [];
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith(".test.ts") ? [join(dir, e.name)] : [],
      );
    for (const file of walk(join(ROOT, "test"))) {
      // Each import statement's module, in order (an import's first quoted string).
      const relative = [...readFileSync(file, "utf8").matchAll(/^import\b[^;"']*["']([^"']+)["']/gm)]
        .map((m) => m[1]!)
        .filter((spec) => spec.startsWith("."));
      if (!relative.some((spec) => spec.includes("/helpers/"))) continue;
      if (!isolating.test(relative[0]!)) late.push(`${file.slice(ROOT.length + 1)} (first: ${relative[0]})`);
    }
    assert.deepEqual(late, []);
  });

  describe("with an empty real HOME", () => {
    const empty = mkdtempSync(join(tmpdir(), "gt-empty-home-"));
    after(() => rmSync(empty, { recursive: true, force: true }));

    it("git commits and gt runs through the helpers, and nothing is written to that HOME", () => {
      // A process started like `HOME=$(mktemp -d) npm test`, with no git identity anywhere.
      const script = `
        import { execFileSync } from "node:child_process";
        import { mkdtempSync, rmSync } from "node:fs";
        import { tmpdir } from "node:os";
        import { join } from "node:path";
        const { GT, run } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "test/helpers/bd.ts")).href)});
        const { makeRepo } = await import(${JSON.stringify(pathToFileURL(join(ROOT, "test/helpers/town.ts")).href)});
        const dir = mkdtempSync(join(tmpdir(), "gt-iso-"));
        process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
        const repo = makeRepo(join(dir, "repo"));
        const git = (...a) => execFileSync("git", a, { cwd: repo, encoding: "utf8", stdio: "pipe" }).trim();
        execFileSync("sh", ["-c", "echo more > more.txt"], { cwd: repo });
        git("add", "-A");
        git("commit", "-q", "-m", "no identity flags");
        const installed = await run(GT, dir, ["install", join(dir, "town"), "--name", "iso"]);
        console.log(JSON.stringify({
          home: process.env.HOME,
          author: git("log", "-1", "--format=%an <%ae>"),
          install: installed.code,
          stderr: installed.stderr,
        }));
      `;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: empty };
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: empty,
        env,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as Record<string, string | number>;
      assert.notEqual(out.home, empty);
      assert.equal(out.author, `${TEST_GIT_NAME} <${TEST_GIT_EMAIL}>`);
      assert.equal(out.install, 0, String(out.stderr));
      assert.deepEqual(readdirSync(empty), [], "the real HOME stays empty (no ~/.cache, no ~/.gt)");
    });
  });
});
