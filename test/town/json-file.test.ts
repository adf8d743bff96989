// Town JSON files: readJsonFile validates, names file and key on failure, and remembers what
// a file held so the many reads of one command parse it once; a change to the file by any
// writer (writeJsonFile's rename, an editor writing in place, even to the same size) is read
// again, and what a caller changes in a value it got never leaks into the next read.
import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as z from "../../src/schema.ts";
import { ConfigFileError, readJsonFile, writeJsonFile } from "../../src/town/json-file.ts";
import { scratchDir } from "../helpers/temp.ts";

const schema = z.looseObject({
  name: z.string().check(z.minLength(1)),
  tags: z._default(z.array(z.string()), []),
});
const fallback = () => ({ name: "fallback", tags: [] });

describe("readJsonFile", () => {
  it("gives the fallback for a missing file and names file and key for a bad one", () => {
    const file = join(scratchDir("gt-json-"), "x.json");
    assert.deepEqual(readJsonFile(file, schema, fallback), { name: "fallback", tags: [] });
    writeFileSync(file, '{"name": ""}');
    assert.throws(
      () => readJsonFile(file, schema, fallback),
      (e: unknown) => e instanceof ConfigFileError && e.message.startsWith(`${file}: name: Too small`),
    );
  });

  it("sees every change: a rename into place, a rewrite in place of the same size, a removal", () => {
    const file = join(scratchDir("gt-json-"), "x.json");
    writeJsonFile(file, { name: "one" });
    assert.equal(readJsonFile(file, schema, fallback).name, "one");
    writeJsonFile(file, { name: "two" });
    assert.equal(readJsonFile(file, schema, fallback).name, "two");
    // Same size, same inode: only the modification time tells.
    writeFileSync(file, '{"name":"six"}');
    assert.equal(readJsonFile(file, schema, fallback).name, "six");
    writeFileSync(file, '{"name":"ten"}');
    utimesSync(file, new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    assert.equal(readJsonFile(file, schema, fallback).name, "ten");
    rmSync(file);
    assert.equal(readJsonFile(file, schema, fallback).name, "fallback");
  });

  it("hands out copies: changing a value read does not change the next read", () => {
    const file = join(scratchDir("gt-json-"), "x.json");
    writeJsonFile(file, { name: "kept", tags: ["a"] });
    const first = readJsonFile(file, schema, fallback);
    first.name = "changed";
    first.tags.push("b");
    const again = readJsonFile(file, schema, fallback);
    assert.deepEqual(again, { name: "kept", tags: ["a"] });
    again.tags.push("c");
    assert.deepEqual(readJsonFile(file, schema, fallback).tags, ["a"]);
  });

  it("validates against the schema asked for, not the one a file was last read with", () => {
    const file = join(scratchDir("gt-json-"), "x.json");
    writeJsonFile(file, { name: "x" });
    readJsonFile(file, schema, fallback);
    const strict = z.looseObject({ name: z.string(), size: z.number() });
    assert.throws(() => readJsonFile(file, strict, () => ({ name: "", size: 0 })), /size: /);
  });
});
