import "../helpers/isolation.ts";
// gt and bd write their output with fs.writeSync (src/cli/stdio.ts), not process.stdout: a
// reader that stops early (`bd list --json | head`) still ends them quietly with exit 0, and a
// slow reader of a big output still gets every byte.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BD, bd, freshLedger, GT } from "../helpers/bd.ts";

const BEADS = 600;

describe("gt and bd output through pipes", () => {
  let ledger: { dir: string; cleanup: () => void };
  before(async () => {
    ledger = await freshLedger("io");
    const now = new Date().toISOString();
    const lines = Array.from({ length: BEADS }, (_, i) =>
      JSON.stringify({
        id: `io-${i + 1}`,
        title: `bead number ${i + 1} with a title long enough to fill the pipe`,
        description: "x".repeat(200),
        status: "open",
        priority: 2,
        issue_type: "task",
        created_at: now,
        updated_at: now,
      }),
    );
    writeFileSync(join(ledger.dir, "many.jsonl"), `${lines.join("\n")}\n`);
    const r = await bd(ledger.dir, ["import", "many.jsonl"]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => ledger.cleanup());

  for (const [name, bin, args] of [
    ["bd list --json", BD, "list --json --limit 0"],
    ["gt --help", GT, "--help"],
  ] as const) {
    it(`${name} | head: exit 0 and nothing on stderr when the reader stops early`, () => {
      // bash reports the writer's own exit status; its stderr goes to a file to be read.
      const out = execFileSync(
        "bash",
        ["-c", `"${bin}" ${args} 2>err.txt | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"; cat err.txt`],
        { cwd: ledger.dir, encoding: "utf8" },
      );
      const [status, ...err] = out.split("\n");
      assert.equal(status, "0", out);
      assert.equal(err.join("\n").trim(), "", out);
    });
  }

  it("a slow reader gets the whole of a big output, in order", async () => {
    const child = spawn(BD, ["list", "--json", "--limit", "0"], { cwd: ledger.dir });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    // Read a little at a time, so the writer meets a full pipe again and again.
    const reading = (async () => {
      for await (const c of child.stdout) {
        chunks.push(c as Buffer);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const code = await new Promise<number | null>((r) => child.on("close", r));
    await reading;
    assert.equal(code, 0);
    const text = Buffer.concat(chunks).toString("utf8");
    assert.ok(text.length > 128 * 1024, `only ${text.length} bytes: the pipe was never full`);
    const list = JSON.parse(text) as Array<{ id: string }>;
    assert.equal(list.length, BEADS);
  });
});
