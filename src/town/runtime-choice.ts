// Which runtime provider a town uses: GT_RUNTIME_PROVIDER, else town settings
// `runtime_provider`, else tmux. Where tmux is not installed the town falls back to the
// subprocess provider and says so once.
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ValidationError } from "../errors.ts";
import { createProvider } from "../runtime/index.ts";
import type { ProviderKind, RuntimeProvider } from "../runtime/provider.ts";
import { loadTownSettings } from "./settings.ts";
import type { Town } from "./workspace.ts";

function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

export function configuredProvider(town: Town, env: NodeJS.ProcessEnv): ProviderKind {
  const wanted = env.GT_RUNTIME_PROVIDER || loadTownSettings(town.root).runtime_provider || "tmux";
  if (wanted !== "tmux" && wanted !== "subprocess")
    throw new ValidationError(`unknown runtime provider "${wanted}" (use tmux or subprocess)`);
  return wanted;
}

export function townRuntime(
  town: Town,
  env: NodeJS.ProcessEnv = process.env,
): { provider: RuntimeProvider; notice?: string } {
  let kind = configuredProvider(town, env);
  let notice: string | undefined;
  if (kind === "tmux" && !onPath("tmux", env)) {
    kind = "subprocess";
    const marker = join(town.runtimeDir, "tmux-missing.notice");
    if (!existsSync(marker)) {
      notice =
        "tmux is not installed: agent sessions run as detached processes (gt session peek shows their output)";
      mkdirSync(town.runtimeDir, { recursive: true });
      writeFileSync(marker, `${new Date().toISOString()}\n`);
    }
  }
  return { provider: createProvider(kind, town.root), ...(notice ? { notice } : {}) };
}
