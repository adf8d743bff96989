// A second node:test reporter (package.json's test script): how long each test file's
// top-level tests took, slowest first, written to reports/test-durations.txt, so the suite's
// time can be spent where it counts. Its output never reaches the console.
import { relative } from "node:path";

interface TestEvent {
  type: string;
  data: { nesting?: number; file?: string; details?: { duration_ms?: number } };
}

export default async function* durations(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const byFile = new Map<string, number>();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { nesting, file, details } = event.data;
    if (nesting !== 0 || !file) continue;
    byFile.set(file, (byFile.get(file) ?? 0) + (details?.duration_ms ?? 0));
  }
  const rows = [...byFile].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, ms]) => s + ms, 0);
  yield `${rows.length} files, ${(total / 1000).toFixed(0)} s of test time in all\n`;
  for (const [file, ms] of rows)
    yield `${(ms / 1000).toFixed(1).padStart(8)} s  ${relative(process.cwd(), file)}\n`;
}
