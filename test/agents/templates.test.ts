import "../helpers/isolation.ts"; // first: src/adapters/git.ts keeps the env it is loaded with
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  builtinTemplatePath,
  loadRoleTemplate,
  renderTemplate,
  TEMPLATE_VARS,
  type TemplateVars,
} from "../../src/agents/templates.ts";
import { ValidationError } from "../../src/errors.ts";
import { ROLE_NAMES } from "../../src/town/roles.ts";
import { scratchDir } from "../helpers/temp.ts";

const VARS: TemplateVars = {
  town_name: "testtown",
  town_root: "/tmp/town",
  address: "gastown/polecats/toast",
  role: "polecat",
  rig: "gastown",
  name: "toast",
  work_dir: "/tmp/town/gastown/polecats/toast/gastown",
  session: "gt-toast",
  default_branch: "main",
  agent: "claude",
};

describe("role templates", () => {
  for (const role of ROLE_NAMES) {
    it(`${role}: exists, is 40–90 lines and renders with no leftover placeholders`, () => {
      assert.ok(existsSync(builtinTemplatePath(role)), builtinTemplatePath(role));
      const t = loadRoleTemplate(role);
      assert.equal(t.override, false);
      const lines = t.text.trimEnd().split("\n").length;
      assert.ok(lines >= 40 && lines <= 90, `${role}.md has ${lines} lines`);
      const out = renderTemplate(t.text, { ...VARS, role });
      assert.ok(!out.includes("{{"), out);
      assert.ok(!out.includes("}}"), out);
      assert.match(out, /gt prime/);
    });
  }

  it("every template only uses the supported variables", () => {
    for (const role of ROLE_NAMES) {
      const used = [...loadRoleTemplate(role).text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]);
      for (const v of used) assert.ok((TEMPLATE_VARS as readonly string[]).includes(v!), `${role}: ${v}`);
    }
  });

  it("an unknown placeholder is a ValidationError", () => {
    assert.throws(() => renderTemplate("hello {{nobody}}", VARS), ValidationError);
    assert.equal(renderTemplate("{{ rig }}/{{name}}", VARS), "gastown/toast");
  });

  it("an empty value renders as empty, not as an error", () => {
    assert.equal(renderTemplate("[{{rig}}]", { ...VARS, rig: "" }), "[]");
  });

  it("a town's own template wins over the built-in", () => {
    const town = scratchDir("gt-tpl-");
    mkdirSync(join(town, "roles"));
    writeFileSync(join(town, "roles", "mayor.md"), "# Custom mayor of {{town_name}}\n");
    const t = loadRoleTemplate("mayor", town);
    assert.equal(t.override, true);
    assert.equal(t.path, join(town, "roles", "mayor.md"));
    assert.equal(renderTemplate(t.text, VARS), "# Custom mayor of testtown\n");
    // Other roles still come from the package.
    assert.equal(loadRoleTemplate("deacon", town).override, false);
  });
});
