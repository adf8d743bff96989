// Finding the command word in bd's argv. No imports: dist/bd.cjs (scripts/bd-dispatch.ts)
// runs this before it knows which bundle to load, on every bd start.

/** Global options that take a value: the word after one is that value, not a command. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set([
  "--actor",
  "--db",
  "-C",
  "--directory",
  "--dolt-auto-commit",
  "--format",
]);

/** The command word in argv (skipping global options and their values). */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}
