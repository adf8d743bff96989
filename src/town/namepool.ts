// Polecat names. Each rig draws from a themed pool of 50 names; a new rig gets a theme no
// other rig uses, so "toast" names one polecat in the whole town. Names are handed out in
// theme order; past the pool, plain numbers from 51 (never reused).
import { ValidationError } from "../errors.ts";
import { lazyCrypto } from "../lazy.ts";

const THEMES: Record<string, readonly string[]> = {
  "mad-max": words(
    "furiosa nux slit rictus toast capable dag cheedo angharad immortan max keeper valkyrie glory morsov ace " +
      "corpus scabrous warboy imperator buzzard farmer bullet citadel doof coma vuvalini rockrider giddy " +
      "splendid organic mechanic scrotus erectus hope jessie sprog goose fifi toecutter bubba nightrider " +
      "johnny gyro pappagallo feral savannah aunty ironbar gutgash",
  ),
  minerals: words(
    "obsidian quartz jasper agate onyx garnet topaz beryl opal jade basalt granite marble mica pyrite " +
      "galena gypsum calcite feldspar zircon spinel olivine azurite malachite hematite magnetite cinnabar " +
      "fluorite halite talc corundum tourmaline amethyst citrine peridot jet amber flint chert slate shale " +
      "pumice tuff gneiss schist dolomite barite apatite rutile cobalt",
  ),
  wasteland: words(
    "rust chrome nitro diesel scrap rivet piston gasket sprocket clutch throttle axle chassis muffler carb " +
      "turbo boost torque gear crank valve spark fuse wrench bolt weld ember cinder ash dust grit sand storm " +
      "dune mirage vulture jackal hyena scorpion rattler coyote buzzsaw harpoon lance flare signal beacon " +
      "static tinker junker",
  ),
};

function words(s: string): readonly string[] {
  return Object.freeze(s.split(/\s+/).filter(Boolean));
}

export const DEFAULT_THEME = "mad-max";
export const POOL_SIZE = 50;
/** Names that would be mistaken for roles or directories. */
export const RESERVED_NAMES = new Set(["witness", "mayor", "deacon", "refinery", "crew", "polecats"]);

/**
 * Longest rig, crew or polecat name. Names become directories, lock files, session names and
 * branch parts; file systems stop at 255 bytes per name, so a long name must fail here, with
 * words, not later as ENAMETOOLONG half-way through making something.
 */
export const MAX_NAME_LENGTH = 64;

export function checkNameLength(name: string, kind: string): void {
  if (name.length > MAX_NAME_LENGTH)
    throw new ValidationError(
      `${kind} name is ${name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`,
    );
}

export function themeNames(): string[] {
  return Object.keys(THEMES);
}

export function themeMembers(theme: string): readonly string[] | undefined {
  return THEMES[theme];
}

/** The first built-in theme no other rig uses; when all are used, one picked by a hash of the rig name. */
export function chooseTheme(rigName: string, usedThemes: Iterable<string>): string {
  const used = new Set(usedThemes);
  const names = themeNames();
  const free = names.find((t) => !used.has(t));
  if (free) return free;
  const h = lazyCrypto().createHash("sha256").update(rigName).digest();
  return names[h.readUInt32BE(0) % names.length]!;
}

/** The next name to allocate from `pool`, given names in use and the next overflow number. */
export function allocateName(
  pool: readonly string[],
  inUse: Set<string>,
  overflowNext = POOL_SIZE + 1,
): { name: string; overflowNext: number } {
  const free = pool.find((n) => !inUse.has(n) && !RESERVED_NAMES.has(n));
  if (free) return { name: free, overflowNext };
  let n = Math.max(overflowNext, POOL_SIZE + 1);
  while (inUse.has(String(n))) n++;
  return { name: String(n), overflowNext: n + 1 };
}
