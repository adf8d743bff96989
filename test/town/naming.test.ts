import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allocateName, chooseTheme, POOL_SIZE, themeMembers, themeNames } from "../../src/town/namepool.ts";
import { derivePrefix, uniquePrefix, validatePrefix } from "../../src/town/prefix.ts";
import { validateRigName } from "../../src/town/rig.ts";

describe("rig names and prefixes", () => {
  it("derives prefixes the way Gas Town users expect", () => {
    const cases: Record<string, string> = {
      gastown: "gt",
      beads: "be",
      my_app: "ma",
      MyApp: "ma",
      foo: "foo",
      webapp: "wa",
      tool_py: "to",
      a: "a",
    };
    for (const [name, prefix] of Object.entries(cases)) assert.equal(derivePrefix(name), prefix, name);
  });

  it("keeps prefixes unique in the town", () => {
    assert.equal(uniquePrefix("gastown", new Set(["hq"])), "gt");
    assert.equal(uniquePrefix("gastown", new Set(["hq", "gt"])), "gt2");
    assert.equal(uniquePrefix("gastown", new Set(["hq", "gt", "gt2"])), "gt3");
  });

  it("validates prefixes and rig names", () => {
    assert.equal(validatePrefix("ab-"), "ab");
    for (const bad of ["1a", "", "a b", "hq", "x".repeat(21)]) assert.throws(() => validatePrefix(bad), bad);
    for (const ok of ["gastown", "my_app", "App2"]) validateRigName(ok);
    for (const bad of ["my-app", "my.app", "a/b", "a b", "hq", "mayor", ""]) {
      assert.throws(() => validateRigName(bad), bad);
    }
  });
});

describe("polecat name pools", () => {
  it("has three themes of fifty distinct names", () => {
    assert.deepEqual(themeNames().sort(), ["mad-max", "minerals", "wasteland"]);
    for (const t of themeNames()) {
      const names = themeMembers(t)!;
      assert.equal(names.length, POOL_SIZE, t);
      assert.equal(new Set(names).size, POOL_SIZE, t);
      for (const n of names) assert.match(n, /^[a-z][a-z0-9]*$/);
    }
  });

  it("gives a new rig a theme no other rig uses", () => {
    assert.equal(chooseTheme("a", []), "mad-max");
    assert.equal(chooseTheme("b", ["mad-max"]), "minerals");
    assert.equal(chooseTheme("c", ["mad-max", "minerals"]), "wasteland");
    const all = ["mad-max", "minerals", "wasteland"];
    // All taken: a hash of the rig name picks one, the same for that name whatever order the
    // used themes come in, and different names spread over the themes.
    assert.equal(chooseTheme("d", all), "minerals");
    assert.equal(chooseTheme("d", [...all].reverse()), "minerals", "stable when all are taken");
    assert.equal(chooseTheme("e", all), "wasteland");
    assert.equal(chooseTheme("f", all), "mad-max");
  });

  it("allocates in theme order, then numbers from 51 that are never reused", () => {
    const pool = themeMembers("mad-max")!;
    assert.equal(allocateName(pool, new Set()).name, "furiosa");
    assert.equal(allocateName(pool, new Set(["furiosa"])).name, "nux");
    const full = new Set(pool);
    const first = allocateName(pool, full);
    assert.equal(first.name, "51");
    const second = allocateName(pool, new Set([...full, "51"]), first.overflowNext);
    assert.equal(second.name, "52");
    assert.equal(allocateName(pool, full, second.overflowNext).name, "53", "a released number is not reused");
    // Numbers held by polecats already are skipped; a counter below the pool's end starts at 51.
    assert.deepEqual(allocateName(pool, new Set([...full, "51", "52"])), { name: "53", overflowNext: 54 });
    assert.deepEqual(allocateName(pool, full, 7), { name: "51", overflowNext: 52 });
  });
});
