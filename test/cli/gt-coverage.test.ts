// Issue 16: gt against Gas Town's visible commands. The list (test/cli/gastown-commands.ts)
// marks each present, not yet built or deliberately omitted; this test keeps it honest by
// reading the help bin/gt prints: every present command (and present subcommand of a present
// command) must be listed, every not-yet-built one must not be.
import "../helpers/isolation.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GT, run, tempDir } from "../helpers/bd.ts";
import { type Coverage, GASTOWN_COMMANDS, N, P } from "./gastown-commands.ts";

/** The command names (and aliases) a commander help page lists under "Commands:". */
export function helpCommands(help: string): Set<string> {
  const names = new Set<string>();
  const at = help.indexOf("\nCommands:\n");
  if (at < 0) return names;
  for (const line of help.slice(at + 11).split("\n")) {
    const m = /^ {2}(\S+)/.exec(line);
    if (!m) {
      if (line.trim() === "" || /^ {3,}/.test(line)) continue; // a wrapped description
      break; // the next section
    }
    for (const n of m[1]!.split("|")) names.add(n);
  }
  names.delete("help");
  return names;
}

const kind = (c: Coverage) => (c === P ? "present" : c === N ? "not yet built" : "omitted");

describe("gt against Gas Town's visible commands (issue 16)", () => {
  it("the list is well formed: unique names, a reason for each omission", () => {
    const names = GASTOWN_COMMANDS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, "a command is listed twice");
    assert.deepEqual(names, [...names].sort(), "the list is kept in alphabetical order");
    for (const c of GASTOWN_COMMANDS)
      for (const s of [c.status, ...Object.values(c.subs ?? {})])
        if (typeof s === "object")
          assert.ok(s.omitted.length > 10, `${c.name}: an omission needs its reason`);
    assert.equal(GASTOWN_COMMANDS.length, 107);
  });

  it("gt --help and gt <cmd> --help list exactly what the list says is present", async () => {
    const { dir, cleanup } = tempDir("gt-coverage-");
    try {
      const root = await run(GT, dir, ["--help"]);
      assert.equal(root.code, 0, root.stderr);
      const top = helpCommands(root.stdout);
      assert.ok(top.has("sling") && top.has("mail"), "the root help was parsed");
      const problems: string[] = [];
      const counts = { present: 0, "not yet built": 0, omitted: 0 };
      const subCounts = { present: 0, "not yet built": 0, omitted: 0 };
      const withSubs = GASTOWN_COMMANDS.filter((c) => c.status === P && c.subs);
      const helps = new Map<string, Set<string>>();
      // A few at a time: the machine is shared.
      for (let i = 0; i < withSubs.length; i += 4) {
        const batch = withSubs.slice(i, i + 4);
        const results = await Promise.all(batch.map((c) => run(GT, dir, [c.name, "--help"])));
        for (const [j, r] of results.entries()) {
          assert.equal(r.code, 0, `gt ${batch[j]!.name} --help: ${r.stderr}`);
          helps.set(batch[j]!.name, helpCommands(r.stdout));
        }
      }
      for (const c of GASTOWN_COMMANDS) {
        counts[kind(c.status)]++;
        if (c.status === P && !top.has(c.name))
          problems.push(`${c.name} is marked present but gt --help lacks it`);
        if (c.status === N && top.has(c.name))
          problems.push(`${c.name} is marked not yet built but gt --help lists it: flip it to present`);
        const subs = helps.get(c.name);
        for (const [s, status] of Object.entries(c.subs ?? {})) {
          // The subcommands of a command that is not here are not here either.
          const effective = c.status === P ? status : typeof c.status === "object" ? c.status : N;
          subCounts[kind(effective)]++;
          if (!subs) continue;
          if (status === P && !subs.has(s))
            problems.push(`${c.name} ${s} is marked present but gt ${c.name} --help lacks it`);
          if (status === N && subs.has(s))
            problems.push(
              `${c.name} ${s} is marked not yet built but gt ${c.name} --help lists it: flip it to present`,
            );
        }
      }
      console.log(
        `gt against Gas Town's ${GASTOWN_COMMANDS.length} visible commands: ${counts.present} present, ` +
          `${counts["not yet built"]} not yet built, ${counts.omitted} omitted; subcommands: ` +
          `${subCounts.present} present, ${subCounts["not yet built"]} not yet built, ${subCounts.omitted} omitted`,
      );
      assert.deepEqual(problems, []);
    } finally {
      cleanup();
    }
  });
});
