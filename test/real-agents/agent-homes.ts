// Test homes for the real agent CLIs, pointed at a fake model server on loopback: a CODEX_HOME
// with a custom provider in config.toml, a GEMINI_CLI_HOME with .gemini/settings.json, and the
// environment each agent needs. With these, the agents contact only 127.0.0.1 (no update
// checks, analytics, plugins or telemetry).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CodexHomeOptions {
  /** The fake server's origin, http://127.0.0.1:PORT (the provider's base_url adds /v1). */
  serverUrl: string;
  /** Directories pre-trusted (no "Trust and continue" screen for them or below). */
  trusted?: string[];
  /** `notify` program (argv) run at each turn end with a JSON argument. */
  notify?: string[];
  /** Contents of $CODEX_HOME/hooks.json (Claude-style hooks). */
  hooks?: unknown;
  model?: string;
}

/** TOML basic string. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

/** Writes $CODEX_HOME/config.toml (and hooks.json when given); returns the env for codex. */
export function writeCodexHome(home: string, opts: CodexHomeOptions): Record<string, string> {
  mkdirSync(home, { recursive: true });
  const lines = [
    `model = ${tomlString(opts.model ?? "gpt-fake")}`,
    `model_provider = "fake"`,
    "check_for_update_on_startup = false",
  ];
  if (opts.notify) lines.push(`notify = [${opts.notify.map(tomlString).join(", ")}]`);
  lines.push(
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[features]",
    "plugins = false",
    "",
    "[model_providers.fake]",
    `name = "Fake"`,
    `base_url = ${tomlString(`${opts.serverUrl}/v1`)}`,
    `wire_api = "responses"`,
    "request_max_retries = 0",
    "stream_max_retries = 0",
  );
  for (const dir of opts.trusted ?? []) {
    lines.push("", `[projects.${tomlString(dir)}]`, `trust_level = "trusted"`);
  }
  writeFileSync(join(home, "config.toml"), `${lines.join("\n")}\n`);
  if (opts.hooks !== undefined) {
    writeFileSync(join(home, "hooks.json"), `${JSON.stringify(opts.hooks, null, 2)}\n`);
  }
  return { CODEX_HOME: home };
}

export interface GeminiHomeOptions {
  /** The fake server's origin, http://127.0.0.1:PORT. */
  serverUrl: string;
  /** Extra settings merged at the top level (e.g. hooks). */
  settings?: Record<string, unknown>;
  /**
   * As on a machine where gemini never ran: no auth type chosen and no trust variable, so the
   * folder trust, auth picker and API key screens appear. Updates and usage statistics stay
   * off, so even then only loopback is contacted.
   */
  fresh?: boolean;
}

/**
 * Writes $GEMINI_CLI_HOME/.gemini/settings.json (API-key auth, no auto-update, no usage
 * statistics); returns the env for gemini.
 */
export function writeGeminiHome(home: string, opts: GeminiHomeOptions): Record<string, string> {
  const dotGemini = join(home, ".gemini");
  mkdirSync(dotGemini, { recursive: true });
  const settings = {
    ...(opts.fresh ? {} : { security: { auth: { selectedType: "gemini-api-key" } } }),
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    ...opts.settings,
  };
  writeFileSync(join(dotGemini, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`);
  return {
    GEMINI_CLI_HOME: home,
    GOOGLE_GEMINI_BASE_URL: opts.serverUrl,
    GEMINI_API_KEY: "fake-gemini-key",
    ...(opts.fresh ? {} : { GEMINI_CLI_TRUST_WORKSPACE: "true" }),
  };
}
