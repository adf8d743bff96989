// The cross-process file lock that guards the refinery, the polecat pool and the town's
// registry files: a holder killed at any moment must never leave a lock nobody can take.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { withFileLock } from "../../src/town/lock.ts";
import { tempDir } from "../helpers/bd.ts";

describe("file lock", () => {
  const tmp = tempDir("gt-lock-");
  after(() => tmp.cleanup());

  it("a lock left empty by a writer killed before it wrote its PID is taken over", async () => {
    const file = join(tmp.dir, "empty", "refinery.lock");
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "");
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(file, old, old);
    const got = await withFileLock(file, async () => "held", 2_000);
    assert.equal(got, "held");
    assert.equal(existsSync(file), false, "released afterwards");
  });

  it("a lock whose holder was killed -9 is taken over; a live holder's is waited for", async () => {
    const file = join(tmp.dir, "killed", "pool.lock");
    const script = `
      import { withFileLock } from ${JSON.stringify(join(process.cwd(), "src/town/lock.ts"))};
      await withFileLock(${JSON.stringify(file)}, () => new Promise(() => { console.log("holding"); setInterval(() => {}, 1000); }));
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((r) => child.stdout.once("data", () => r()));
    assert.equal(readFileSync(file, "utf8"), String(child.pid), "the lock names its holder from the start");
    await assert.rejects(
      withFileLock(file, async () => 1, 300),
      /timed out waiting for lock/,
    );
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(await withFileLock(file, async () => 2, 2_000), 2);
  });
});
