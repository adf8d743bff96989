// A Stryker reporter that writes each surviving mutant as soon as it is known (one JSON line
// per mutant to $MUTATE_STREAM_FILE), so a long run shows what to test next before it ends.
import { appendFileSync } from "node:fs";
import { relative } from "node:path";
import type { MutantResult } from "@stryker-mutator/api/core";
import { declareFactoryPlugin, PluginKind } from "@stryker-mutator/api/plugin";

function streamReporter() {
  const file = process.env.MUTATE_STREAM_FILE;
  return {
    onMutantTested(r: Readonly<MutantResult>): void {
      if (!file || (r.status !== "Survived" && r.status !== "NoCoverage")) return;
      const line = {
        file: relative(process.cwd(), r.fileName),
        line: r.location.start.line,
        column: r.location.start.column,
        mutator: r.mutatorName,
        replacement: r.replacement ?? "",
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
    },
  };
}
streamReporter.inject = [] as const;

export const strykerPlugins = [declareFactoryPlugin(PluginKind.Reporter, "stream-survivors", streamReporter)];
