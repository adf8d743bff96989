// Built-in modules loaded on first use. Every bd run pays for what it imports at start-up,
// so modules only some commands need (crypto: new IDs and comments) load lazily.
import type * as Crypto from "node:crypto";

let crypto: typeof Crypto | undefined;

export function lazyCrypto(): typeof Crypto {
  crypto ??= process.getBuiltinModule("node:crypto") as typeof Crypto;
  return crypto;
}
