// Keeps the developer's machine out of the tests. Imported (for its side effect) by every
// helper, so a test file that uses any of them runs with a private HOME: its own
// XDG_CONFIG_HOME / XDG_CACHE_HOME / XDG_DATA_HOME / XDG_STATE_HOME, a git global config
// holding only an explicit test identity (GIT_CONFIG_GLOBAL, no system config), its own
// GT_HOME (where ~/.gt hook overrides are read), and no git, Gas Town or beads variables
// from the shell that ran the tests. Everything the test process starts inherits it: gt
// and bd (and the launcher's compile cache), git, tmux servers and the agents in them.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where the gt and bd started by tests keep their compiled code (see isolatedHome). */
const LAUNCHER_COMPILE_CACHE = join(import.meta.dirname, "..", "..", ".cache", "test-launcher-cache");
mkdirSync(LAUNCHER_COMPILE_CACHE, { recursive: true });

export const TEST_GIT_NAME = "Gas Town Test";
export const TEST_GIT_EMAIL = "test@gastown.invalid";

/** Variables from the developer's shell that would steer git, gt or bd: removed. */
const LEAKY = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_CEILING_DIRECTORIES",
  "GIT_CONFIG",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
  "GIT_CONFIG_SYSTEM",
  "GIT_TEMPLATE_DIR",
  "GIT_AUTHOR_NAME",
  "GIT_AUTHOR_EMAIL",
  "GIT_AUTHOR_DATE",
  "GIT_COMMITTER_NAME",
  "GIT_COMMITTER_EMAIL",
  "GIT_COMMITTER_DATE",
  "EMAIL",
  // npm test sets it so test processes compile the TypeScript they load once per run; what
  // they start (gt and bd: their launcher sets its own, git, agents) must not inherit it.
  "NODE_COMPILE_CACHE",
  "TMUX",
  "TMUX_PANE",
];
const LEAKY_PREFIX = /^(GT|BD|BEADS)_/;

/**
 * Makes `home` a complete, private home directory and returns the variables that point
 * everything at it: its .gitconfig carries the test identity (GIT_CONFIG_GLOBAL names it,
 * and it is also where HOME-based readers such as gt's own git-config reader look).
 */
export function isolatedHome(home: string): Record<string, string> {
  const dirs = {
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_STATE_HOME: join(home, ".local", "state"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // The launcher keeps Node's compile cache in XDG_CACHE_HOME: every private home sharing one
  // spares each test town compiling gt's and bd's bundles again (as all of a user's agents
  // share theirs). Entries are keyed by content, so a rebuilt dist/ does not read stale code.
  const cacheLink = join(dirs.XDG_CACHE_HOME, "gastown-ts");
  if (!existsSync(cacheLink)) symlinkSync(LAUNCHER_COMPILE_CACHE, cacheLink);
  const gitconfig = join(home, ".gitconfig");
  // No background gc or maintenance after fetches and commits: a test's repositories are small
  // and short-lived, and those processes only take CPU from the tests running beside them.
  writeFileSync(
    gitconfig,
    `[user]\n\tname = ${TEST_GIT_NAME}\n\temail = ${TEST_GIT_EMAIL}\n[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n`,
  );
  return {
    HOME: home,
    ...dirs,
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: "1",
    GT_HOME: home,
  };
}

/** The real HOME this process was started with (before isolation), for tests that check. */
export const ORIGINAL_HOME = process.env.HOME;

/** This test process's private home (all test towns get their own, see newTown). */
export const PROCESS_HOME = (() => {
  for (const key of Object.keys(process.env)) {
    if (LEAKY.includes(key) || LEAKY_PREFIX.test(key)) delete process.env[key];
  }
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "gt-test-home-")));
  Object.assign(process.env, isolatedHome(dir));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
})();
