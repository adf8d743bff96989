// Built-in modules loaded on first use. Every bd run pays for what it imports at start-up,
// so modules only some commands need (crypto: new IDs and comments; child_process: git)
// load lazily.
import type * as ChildProcess from "node:child_process";
import type * as Crypto from "node:crypto";

let crypto: typeof Crypto | undefined;

export function lazyCrypto(): typeof Crypto {
  crypto ??= process.getBuiltinModule("node:crypto") as typeof Crypto;
  return crypto;
}

let childProcess: typeof ChildProcess | undefined;

export function lazyChildProcess(): typeof ChildProcess {
  childProcess ??= process.getBuiltinModule("node:child_process") as typeof ChildProcess;
  return childProcess;
}
