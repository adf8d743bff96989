// .beads/config.yaml: the subset of YAML beads writes and viper reads, edited in place.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfigFile, updateConfigFile } from "../../src/ledger/config-file.ts";

const BEADS_STYLE = `# beads project settings
issue-prefix: "bd"
sync:
  branch: beads-sync   # where bd sync commits
types:
  custom: [widget, "gad get"]
status.custom: 'review:wip'
repos:
  additional:
    - ../other
    - ../third
export.auto: true
github.token: "secret"
`;

describe("config.yaml", () => {
  it("reads flat dotted keys, nested maps, flow and block lists, quoted and plain scalars", () => {
    const m = parseConfigFile(BEADS_STYLE);
    assert.equal(m.get("issue_prefix"), "bd", "issue-prefix is the table's issue_prefix");
    assert.equal(m.get("sync.branch"), "beads-sync");
    assert.equal(m.get("types.custom"), "widget,gad get");
    assert.equal(m.get("status.custom"), "review:wip");
    assert.equal(m.get("repos.additional"), "../other,../third");
    assert.equal(m.get("export.auto"), "true");
    assert.equal(m.has("github.token"), false, "secrets never travel");
  });

  it("writes changed values in place, appends new keys, comments out removed ones, keeps the rest", () => {
    const out = updateConfigFile(BEADS_STYLE, {
      issue_prefix: "bd",
      "sync.branch": "main",
      "types.custom": "widget",
      "repos.additional": "../other,../third",
      "export.auto": "true",
      allowed_prefixes: "hq,hq-cv",
    });
    assert.match(out, /^# beads project settings$/m);
    assert.match(out, /^ {2}branch: "main"$/m);
    assert.match(out, /^ {2}custom: "widget"$/m);
    assert.match(out, /^# status\.custom: 'review:wip'$/m);
    assert.match(out, /^allowed_prefixes: "hq,hq-cv"$/m);
    assert.match(out, /^github\.token: "secret"$/m, "lines bd does not own stay");
    assert.match(out, /^ {4}- \.\.\/third$/m);
    const back = parseConfigFile(out);
    assert.equal(back.get("sync.branch"), "main");
    assert.equal(back.get("types.custom"), "widget");
    assert.equal(back.has("status.custom"), false);
    assert.equal(back.get("allowed_prefixes"), "hq,hq-cv");
  });

  it("round-trips any value, and a new file gets a header", () => {
    const config = { "a.b": 'quote " and \\ back', n: "12", t: "TRUE", s: "  padded ", u: "ünï ✓" };
    const out = updateConfigFile("", config);
    assert.match(out, /^# beads ledger configuration/);
    assert.deepEqual(Object.fromEntries(parseConfigFile(out)), config);
    assert.equal(updateConfigFile(out, Object.fromEntries(parseConfigFile(out))), out, "no change, no edit");
  });

  it("of duplicate keys the first counts and the others are commented out", () => {
    const text = "x: 1\nx: 2\n";
    assert.equal(parseConfigFile(text).get("x"), "1");
    assert.equal(updateConfigFile(text, { x: "1" }), "x: 1\n# x: 2\n");
  });
});
