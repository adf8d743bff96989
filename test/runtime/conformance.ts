// The RuntimeProvider conformance suite: tmux and subprocess run exactly these tests.
// Usage: runtimeConformance("tmux", async () => ({ provider, cleanup })).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RuntimeProvider, SessionSpec } from "../../src/runtime/provider.ts";

export type ProviderFactory = () => Promise<{ provider: RuntimeProvider; cleanup: () => Promise<void> }>;

const ECHO_LOOP = ["sh", "-c", 'echo ready; while read line; do echo "got: $line"; done'];

interface Ctx {
  p: RuntimeProvider;
  /** A scratch working directory (real path). */
  dir: string;
  spec(name: string, command: string[], env?: Record<string, string>): SessionSpec;
}

/** Polls until `probe` holds, for at most `ms`; fails with the last value seen. */
async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(40);
  }
}

const outputHas = (c: Ctx, name: string, text: string | RegExp) =>
  until(
    `${name} to print ${text}`,
    () => c.p.capture(name),
    (out) => (typeof text === "string" ? out.includes(text) : text.test(out)),
  );

const becomesDead = (c: Ctx, name: string) =>
  until(
    `${name} to exit`,
    () => c.p.isAlive(name),
    (alive) => !alive,
  );

/** Gone, or a zombie waiting for its parent: either way no longer running. */
function processGone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

async function withProvider(factory: ProviderFactory, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { provider, cleanup } = await factory();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "gt-rt-cwd-")));
  const spec = (name: string, command: string[], env: Record<string, string> = {}) => ({
    name,
    cwd: dir,
    command,
    env,
  });
  try {
    await fn({ p: provider, dir, spec });
  } finally {
    for (const s of await provider.list().catch(() => [])) await provider.stop(s.name, { graceMs: 200 });
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}

export function runtimeConformance(name: string, factory: ProviderFactory): void {
  const t = (title: string, fn: (c: Ctx) => Promise<void>) => it(title, () => withProvider(factory, fn));

  describe(`RuntimeProvider conformance: ${name}`, () => {
    t("starts a live session that prints and takes typed input", async (c) => {
      await c.p.start(c.spec("gt-echo", ECHO_LOOP));
      assert.equal(await c.p.isAlive("gt-echo"), true);
      await outputHas(c, "gt-echo", "ready");
      await c.p.sendText("gt-echo", "hello");
      await outputHas(c, "gt-echo", "got: hello");
      // Quotes, $ and a trailing ';' (a tmux command separator) arrive as typed.
      await c.p.sendText("gt-echo", `it's "$HOME" a;`);
      await outputHas(c, "gt-echo", `got: it's "$HOME" a;`);
    });

    t("gives the process the spec's env on top of its own, and the cwd", async (c) => {
      await c.p.start(c.spec("gt-env", ["sh", "-c", 'echo "v=$MYVAR"; pwd; sleep 60'], { MYVAR: "a b'c" }));
      const out = await outputHas(c, "gt-env", "v=a b'c");
      assert.ok(out.split("\n").includes(c.dir), out);
    });

    t("keeps the spec's unsetEnv out of the process, even when the starter has them", async (c) => {
      process.env.GT_TEST_HEADLESS_SWITCH = "true";
      try {
        await c.p.start({
          ...c.spec(
            "gt-unset",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
            ["sh", "-c", 'echo "switch=${GT_TEST_HEADLESS_SWITCH-none} kept=$KEPT"; sleep 60'],
            {
              KEPT: "yes",
            },
          ),
          unsetEnv: ["GT_TEST_HEADLESS_SWITCH"],
        });
        await outputHas(c, "gt-unset", "switch=none kept=yes");
      } finally {
        delete process.env.GT_TEST_HEADLESS_SWITCH;
      }
    });

    t("lists live sessions with pid and creation time", async (c) => {
      const before = Date.now() - 2000;
      await c.p.start(c.spec("gt-one", ["sleep", "60"]));
      await c.p.start(c.spec("gt-two", ["sleep", "60"]));
      const list = await c.p.list();
      assert.deepEqual(list.map((s) => s.name).sort(), ["gt-one", "gt-two"]);
      for (const s of list) {
        assert.equal(s.alive, true);
        assert.ok(s.pid && s.pid > 1, `pid of ${s.name}`);
        assert.ok(s.createdAt && Date.parse(s.createdAt) >= before, `createdAt of ${s.name}`);
      }
    });

    t("refuses to start a running session twice", async (c) => {
      await c.p.start(c.spec("gt-dup", ["sleep", "60"]));
      await rejectsWith(c.p.start(c.spec("gt-dup", ["sleep", "60"])), "session_exists");
      assert.equal(await c.p.isAlive("gt-dup"), true);
    });

    t("rejects a bad name or a missing cwd", async (c) => {
      await rejectsWith(c.p.start(c.spec("a:b", ["sleep", "1"])), "invalid");
      await rejectsWith(
        c.p.start({ ...c.spec("gt-nocwd", ["sleep", "1"]), cwd: join(c.dir, "nope") }),
        "invalid",
      );
      assert.deepEqual(await c.p.list(), []);
    });

    t("stops a session: true, then not alive and not listed; unknown is false", async (c) => {
      await c.p.start(c.spec("gt-stop", ECHO_LOOP));
      await outputHas(c, "gt-stop", "ready");
      assert.equal(await c.p.stop("gt-stop"), true);
      assert.equal(await c.p.isAlive("gt-stop"), false);
      assert.ok(!(await c.p.list()).some((s) => s.name === "gt-stop"));
      assert.equal(await c.p.stop("gt-stop"), false);
      assert.equal(await c.p.stop("gt-unknown"), false);
    });

    t("keeps a session whose process exited as a readable zombie, cleared by the next start", async (c) => {
      await c.p.start(c.spec("gt-zombie", ["sh", "-c", "echo bye; exit 3"]));
      await becomesDead(c, "gt-zombie");
      assert.ok((await c.p.capture("gt-zombie")).includes("bye"));
      const entry = (await c.p.list()).find((s) => s.name === "gt-zombie");
      assert.equal(entry?.alive, false);
      await c.p.start(c.spec("gt-zombie", ["sh", "-c", "echo again; sleep 60"]));
      assert.equal(await c.p.isAlive("gt-zombie"), true);
      const out = await outputHas(c, "gt-zombie", "again");
      assert.ok(!out.includes("bye"), out);
    });

    t("a program that cannot be found leaves a zombie that says so", async (c) => {
      await c.p.start(c.spec("gt-missing", ["gt-no-such-program-xyz"]));
      await becomesDead(c, "gt-missing");
      assert.match(await c.p.capture("gt-missing"), /not found/);
      assert.equal(await c.p.stop("gt-missing"), true);
      assert.equal(await c.p.stop("gt-missing"), false);
    });

    t("stop also ends the processes the session started", async (c) => {
      await c.p.start(c.spec("gt-kids", ["sh", "-c", "sleep 300 & echo child=$!; wait"]));
      const out = await outputHas(c, "gt-kids", /child=\d+/);
      const child = Number(/child=(\d+)/.exec(out)?.[1]);
      assert.equal(processGone(child), false);
      assert.equal(await c.p.stop("gt-kids", { graceMs: 1000 }), true);
      await until(`child ${child} to go`, async () => processGone(child), Boolean, 2000);
    });

    t("stop kills what ignores SIGTERM after the grace period", async (c) => {
      await c.p.start(
        c.spec("gt-stubborn", ["sh", "-c", "trap '' TERM HUP; echo armed; while :; do sleep 0.1; done"]),
      );
      await outputHas(c, "gt-stubborn", "armed");
      const started = Date.now();
      assert.equal(await c.p.stop("gt-stubborn", { graceMs: 300 }), true);
      assert.ok(Date.now() - started >= 250, "waited for the grace period");
      assert.equal(await c.p.isAlive("gt-stubborn"), false);
    });

    t("sendText and capture reject unknown sessions; sendText rejects a dead one", async (c) => {
      await rejectsWith(c.p.sendText("gt-nobody", "hi"), "not_found");
      await rejectsWith(c.p.capture("gt-nobody"), "not_found");
      await c.p.start(c.spec("gt-dead", ["sh", "-c", "exit 0"]));
      await becomesDead(c, "gt-dead");
      await rejectsWith(c.p.sendText("gt-dead", "hi"), "not_found");
    });

    t("capture returns the last N lines, trailing blanks trimmed", async (c) => {
      await c.p.start(
        c.spec("gt-lines", ["sh", "-c", "for i in 1 2 3 4 5 6; do echo line$i; done; sleep 60"]),
      );
      await outputHas(c, "gt-lines", "line6");
      assert.equal(await c.p.capture("gt-lines", 3), "line4\nline5\nline6");
    });
  });
}
