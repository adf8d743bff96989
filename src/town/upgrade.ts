// gt upgrade: gt is an npm package, so upgrading is npm's job. This says which version is
// installed, asks the npm registry (GT_UPGRADE_REGISTRY, else npm_config_registry, else
// registry.npmjs.org) for the latest, and gives the command that installs it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HttpError, httpJson } from "../adapters/http-json.ts";
import { GasTownError } from "../errors.ts";
import { packageRoot } from "../package-paths.ts";

export const DEFAULT_REGISTRY = "https://registry.npmjs.org";

export class RegistryError extends GasTownError {
  constructor(message: string) {
    super("registry_unreachable", message);
  }
}

export interface UpgradeCheck {
  name: string;
  installed: string;
  latest: string;
  update_available: boolean;
  registry: string;
  update_command: string;
}

export function installedPackage(root = packageRoot()): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  return { name: pkg.name, version: pkg.version };
}

export function registryUrl(env: NodeJS.ProcessEnv): string {
  return (env.GT_UPGRADE_REGISTRY || env.npm_config_registry || DEFAULT_REGISTRY).replace(/\/+$/, "");
}

/** Compares two semver versions by their numbers; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, pre] = v.replace(/^v/, "").split("-", 2);
    return { nums: (core ?? "").split(".").map((n) => Number.parseInt(n, 10) || 0), pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** Asks the registry for the package's latest version. */
export async function checkForUpgrade(env: NodeJS.ProcessEnv, root?: string): Promise<UpgradeCheck> {
  const { name, version } = installedPackage(root);
  const registry = registryUrl(env);
  const url = `${registry}/${name.startsWith("@") ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;
  let body: unknown;
  try {
    body = (await httpJson({ method: "GET", url }, { retries: 1, baseDelayMs: 200, timeoutMs: 10_000 })).body;
  } catch (e) {
    const why =
      e instanceof HttpError && e.status === 404 ? `${name} is not published there` : (e as Error).message;
    throw new RegistryError(`cannot read ${url}: ${why.split("\n")[0]}`);
  }
  const latest = (body as { "dist-tags"?: { latest?: unknown } })?.["dist-tags"]?.latest;
  if (typeof latest !== "string") throw new RegistryError(`${url} names no latest version of ${name}`);
  return {
    name,
    installed: version,
    latest,
    update_available: compareVersions(latest, version) > 0,
    registry,
    update_command: `npm install -g ${name}@${latest}${registry === DEFAULT_REGISTRY ? "" : ` --registry ${registry}`}`,
  };
}
