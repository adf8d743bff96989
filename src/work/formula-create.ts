// `gt formula create`: a starter formula file where the search path finds it first — the
// rig's .beads/formulas, or the town's — written in our own words, ready to edit. An
// existing file is never overwritten.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConflictError, ValidationError } from "../errors.ts";
import { TOML_SUFFIX } from "../formulas/parse.ts";
import { locate, rigBeadsDir } from "../town/ledgers.ts";
import type { Town } from "../town/workspace.ts";

export type StarterType = "workflow" | "convoy";

function workflowStarter(name: string): string {
  return `# ${name}: a workflow. Each step is a bead; a step starts when the steps it needs are closed.
formula = "${name}"
description = "What this workflow is for, in one line."
version = 1

[vars.feature]
description = "What the work is about (gt sling fills it with the bead's title)"
default = "the change"

[[steps]]
id = "plan"
title = "Plan {{feature}}"
description = """
Decide what done looks like before changing anything.

\`\`\`sh
echo "planning {{feature}}"
\`\`\`
"""

[[steps]]
id = "do"
title = "Do {{feature}}"
needs = ["plan"]
description = "Make the change, then close this step (bd close <step> --continue)."

[[steps]]
id = "check"
title = "Check {{feature}}"
needs = ["do"]
description = "Run the checks the rig's refinery runs before it merges."
`;
}

function convoyStarter(name: string): string {
  return `# ${name}: a convoy. Each leg is a bead slung to its own polecat, all at once; the
# synthesis bead waits for every leg and is slung when they have all closed.
formula = "${name}"
type = "convoy"
description = "What this convoy looks at, in one line."
version = 1

[prompts]
base = """
You are one of several workers, each with one concern. Yours: {{.leg.title}} ({{.leg.focus}}).

{{.leg.description}}

Write what you find to {{.output_path}}.
"""

[output]
directory = ".formula-runs/{{.run_id}}"
leg_pattern = "{{.leg.id}}.md"
synthesis = "summary.md"

[[legs]]
id = "first"
title = "First concern"
focus = "what to look for"
description = "What this leg looks at and how."

[[legs]]
id = "second"
title = "Second concern"
focus = "what to look for"
description = "What this leg looks at and how."

[synthesis]
title = "Summary"
description = "Read every leg's findings in {{.output.directory}} and write one summary."
`;
}

/** The directory `gt formula create` writes to: the rig's formulas, else the town's. */
export function formulaDirOf(town: Town, rig: string | undefined): string {
  if (rig) {
    town.rig(rig);
    return join(locate(rigBeadsDir(town, rig)).beadsDir, "formulas");
  }
  return join(town.beadsDir, "formulas");
}

/** Writes `<dir>/<name>.formula.toml`; returns its path. */
export function createFormulaFile(dir: string, name: string, type: StarterType = "workflow"): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.endsWith("."))
    throw new ValidationError(
      `"${name}" cannot be a formula name: letters, digits, dot, dash and underscore, starting with a letter or digit`,
    );
  if (type !== "workflow" && type !== "convoy")
    throw new ValidationError(`--type is workflow or convoy, not "${type}"`);
  const file = join(dir, `${name}${TOML_SUFFIX}`);
  for (const there of [file, join(dir, `${name}.formula.json`)])
    if (existsSync(there)) throw new ConflictError("exists", `${there} already exists; not overwriting it`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, type === "convoy" ? convoyStarter(name) : workflowStarter(name), { flag: "wx" });
  return file;
}
