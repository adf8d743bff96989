// An agent that dies while its session starts: the command that waited says what the agent
// said last and where its whole output is, instead of only that it exited.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { newTown, type TestTown } from "../helpers/town.ts";

describe("an agent that exits while starting", () => {
  let town: TestTown;
  before(async () => {
    town = await newTown("subprocess");
  });
  after(async () => {
    await town.cleanup();
  });

  it("fails the start with its last line and the path of its full log", async () => {
    const set = await town.gt([
      "config",
      "agent",
      "set",
      "dies",
      "sh",
      "-c",
      'echo "boom: no API key" >&2; exit 3',
    ]);
    assert.equal(set.code, 0, set.stderr);
    const r = await town.gt(["mayor", "start", "--agent", "dies"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /dies exited while starting session hq-mayor: boom: no API key/);
    const log = /\(full log: ([^)]+)\)/.exec(r.stderr)?.[1];
    assert.ok(log, r.stderr);
    assert.ok(existsSync(log) && readFileSync(log, "utf8").includes("boom: no API key"), log);
  });
});
