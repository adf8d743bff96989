// Typed errors shared by every layer. Domain code throws these; only the CLI layer
// turns them into wording and exit codes.

/** Set on every Gas Town error, whichever copy of this module made it (see hasInstance). */
const GAS_TOWN_ERROR = Symbol.for("gastown.error");

export class GasTownError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly [GAS_TOWN_ERROR] = true;
  constructor(code: string, message: string, exitCode = 1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }

  /**
   * `e instanceof NotFoundError` also holds for an error made by another copy of these classes:
   * the PostgreSQL ledger is a bundle of its own (dist/pg.cjs, loaded only for PostgreSQL
   * ledgers), with its own copy of this module. Such an error matches a class of the same name
   * along its prototype chain (the bundles keep class names).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class on the right of instanceof (a subclass inherits this method), not
    // GasTownError: the lint's fix (the class name) would make every subclass match.
    // biome-ignore lint/complexity/noThisInStatic: see above
    // biome-ignore lint/complexity/noUselessThisAlias: names the class for the two uses below
    const cls = this;
    if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
    if (typeof value !== "object" || value === null || !(GAS_TOWN_ERROR in value)) return false;
    for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
      if ((p as { constructor?: { name?: string } }).constructor?.name === cls.name) return true;
    }
    return false;
  }
}

/** Input that can never be accepted (bad flag value, bad field). */
export class ValidationError extends GasTownError {
  constructor(message: string) {
    super("invalid", message);
  }
}

export class NotFoundError extends GasTownError {
  readonly id: string;
  constructor(id: string, message = `no issue found matching "${id}"`) {
    super("not_found", message);
    this.id = id;
  }
}

export class AmbiguousIdError extends GasTownError {
  readonly candidates: string[];
  constructor(partial: string, candidates: string[]) {
    super(
      "ambiguous",
      `ambiguous ID "${partial}" matches ${candidates.length} issues: [${candidates.slice(0, 10).join(" ")}${candidates.length > 10 ? " ..." : ""}]; use more characters to disambiguate`,
    );
    this.candidates = candidates;
  }
}

/** A state conflict: already claimed, cycle, blocked close, and the like. */
export class ConflictError extends GasTownError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * An e-stop stands where an agent was to be started (src/town/estop.ts). Not a
 * ConflictError: callers that take a conflict for "started meanwhile" must not take this so.
 */
export class EstopError extends GasTownError {
  constructor(message: string) {
    super("estop", message);
  }
}

/** No ledger where one was expected. */
export class NoLedgerError extends GasTownError {
  constructor(message = "no beads database found") {
    super("no_ledger", message);
  }
}

export function isGasTownError(e: unknown): e is GasTownError {
  return e instanceof GasTownError;
}

/**
 * One line for an error the operating system raised (a path too long, no permission, a
 * full disk), naming what failed in words a person acts on instead of a raw errno dump.
 */
export function describeSystemError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  if (!err || typeof err.code !== "string" || !err.syscall) return undefined;
  const path = err.path ? ` ${err.path.length > 80 ? `${err.path.slice(0, 77)}...` : err.path}` : "";
  switch (err.code) {
    case "ENAMETOOLONG":
      return `a name is too long for the file system:${path}`;
    case "EACCES":
    case "EPERM":
      return `permission denied:${path}`;
    case "ENOSPC":
      return `no space left on the device while writing${path}`;
    case "EROFS":
      return `read-only file system:${path}`;
    default:
      return undefined;
  }
}
