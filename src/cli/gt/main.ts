// gt entry point. The town commands arrive with later issues; for now: version.
import { Command } from "commander";

const GT_VERSION = "0.1.0";

const program = new Command("gt").description(
  "gt - Gas Town: run many coding agents on many projects without losing work",
);
program
  .command("version")
  .description("Print the version")
  .option("--json", "JSON output")
  .action((opts: { json?: boolean }) => {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ version: GT_VERSION, runtime: `node ${process.versions.node}` })}\n`,
      );
    else process.stdout.write(`gt version ${GT_VERSION}\n`);
  });
program.configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, "Error: ")) });
delete process.env.NODE_COMPILE_CACHE;
void program.parseAsync(process.argv);
