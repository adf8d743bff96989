// Keeping the daemon's surroundings in order: `gt daemon rotate-logs` (the town's logs that
// nothing rotates as it writes: logs/town.log, the agents' logs, and the daemon's own when
// asked) and `gt daemon enable-supervisor` (a systemd user unit or launchd agent that starts
// the daemon at login and again if it dies). Rotation copies then truncates, so a process
// still appending to the file keeps writing into the live one.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { ValidationError } from "../errors.ts";
import { TOWN_LOG } from "../events/log.ts";
import { gtExecutable } from "../package-paths.ts";
import type { Town } from "../town/workspace.ts";
import { loadDaemonTimings } from "./daemon-config.ts";
import { daemonPaths } from "./daemon-files.ts";

export const ROTATE_THRESHOLD_BYTES = 100 * 1024 * 1024;

export interface RotateResult {
  rotated: string[];
  /** Files under the threshold. */
  skipped: string[];
  errors: string[];
}

/** The logs rotate-logs looks after. */
export function rotatableLogs(town: Town): string[] {
  const agentLogs = join(town.runtimeDir, "agent-logs");
  return [
    join(town.root, TOWN_LOG),
    daemonPaths(town).log,
    ...(existsSync(agentLogs)
      ? readdirSync(agentLogs)
          .filter((f) => f.endsWith(".jsonl") || f.endsWith(".log"))
          .sort()
          .map((f) => join(agentLogs, f))
      : []),
  ].filter((f) => existsSync(f));
}

/** `file` → `file.1` (older ones shifted up to `keep`), by copy and truncate. */
function copyTruncate(file: string, keep: number): void {
  rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--)
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
}

/** Rotates each log over `thresholdBytes` (every non-empty one with `force`). */
export function rotateLogs(
  town: Town,
  opts: { force?: boolean; thresholdBytes?: number } = {},
): RotateResult {
  const threshold = opts.thresholdBytes ?? ROTATE_THRESHOLD_BYTES;
  const keep = Math.max(1, loadDaemonTimings(town).logKeep);
  const out: RotateResult = { rotated: [], skipped: [], errors: [] };
  for (const file of rotatableLogs(town)) {
    const size = statSync(file).size;
    if (size === 0 || (!opts.force && size < threshold)) {
      out.skipped.push(file);
      continue;
    }
    try {
      copyTruncate(file, keep);
      out.rotated.push(file);
    } catch (e) {
      out.errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  return out;
}

export type SupervisorKind = "systemd" | "launchd";

export interface SupervisorResult {
  kind: SupervisorKind;
  file: string;
  /** The unit or label name. */
  name: string;
  content: string;
  /** What to run to load it (enable-supervisor writes the file; the user or --activate runs this). */
  activate: string[];
  written: boolean;
}

/** A name safe for a unit file and a launchd label, unique per town. */
function serviceName(town: Town): string {
  const base = town.townJson().name.replace(/[^A-Za-z0-9_-]+/g, "-") || "town";
  let h = 0;
  for (const c of town.root) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `gastown-daemon-${base}-${h.toString(16).padStart(8, "0").slice(0, 8)}`;
}

function systemdUnit(town: Town, gt: string, path: string): string {
  const q = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  return [
    "[Unit]",
    `Description=Gas Town daemon for ${town.townJson().name} (${town.root})`,
    "",
    "[Service]",
    "Type=simple",
    `WorkingDirectory=${town.root}`,
    `Environment=${q(`GT_TOWN_ROOT=${town.root}`)}`,
    `Environment=${q(`PATH=${path}`)}`,
    `ExecStart=${q(gt)} daemon run`,
    "Restart=on-failure",
    "RestartSec=5",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function launchdPlist(town: Town, label: string, gt: string, path: string): string {
  const x = (s: string) =>
    s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
  const log = daemonPaths(town).log;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>${x(label)}</string>
  <key>ProgramArguments</key>
  <array><string>${x(gt)}</string><string>daemon</string><string>run</string></array>
  <key>WorkingDirectory</key><string>${x(town.root)}</string>
  <key>EnvironmentVariables</key>
  <dict>
    <key>GT_TOWN_ROOT</key><string>${x(town.root)}</string>
    <key>PATH</key><string>${x(path)}</string>
  </dict>
  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>StandardOutPath</key><string>${x(`${log}.stdout`)}</string>
  <key>StandardErrorPath</key><string>${x(`${log}.stdout`)}</string>
</dict>
</plist>
`;
}

/**
 * The supervisor file for this platform (`kind` overrides): a systemd user unit under
 * $XDG_CONFIG_HOME/systemd/user, or a launchd agent under ~/Library/LaunchAgents.
 */
export function supervisorFor(
  town: Town,
  env: NodeJS.ProcessEnv,
  opts: { kind?: string; platform?: NodeJS.Platform } = {},
): Omit<SupervisorResult, "written"> {
  const kind = opts.kind ?? ((opts.platform ?? process.platform) === "darwin" ? "launchd" : "systemd");
  if (kind !== "systemd" && kind !== "launchd")
    throw new ValidationError(`unknown supervisor "${kind}" (systemd or launchd)`);
  const name = serviceName(town);
  const home = env.HOME || homedir();
  const path = env.PATH || "/usr/local/bin:/usr/bin:/bin";
  const gt = gtExecutable();
  if (kind === "systemd") {
    const file = join(env.XDG_CONFIG_HOME || join(home, ".config"), "systemd", "user", `${name}.service`);
    return {
      kind,
      file,
      name,
      content: systemdUnit(town, gt, path),
      activate: ["systemctl", "--user", "enable", "--now", `${name}.service`],
    };
  }
  const label = `com.gastown.${name}`;
  const file = join(home, "Library", "LaunchAgents", `${label}.plist`);
  return {
    kind,
    file,
    name: label,
    content: launchdPlist(town, label, gt, path),
    activate: ["launchctl", "load", "-w", file],
  };
}

/** Writes the supervisor file (unless dryRun); loading it is the caller's next step. */
export function writeSupervisor(
  town: Town,
  env: NodeJS.ProcessEnv,
  opts: { kind?: string; dryRun?: boolean } = {},
): SupervisorResult {
  const s = supervisorFor(town, env, opts.kind ? { kind: opts.kind } : {});
  if (opts.dryRun) return { ...s, written: false };
  mkdirSync(dirname(s.file), { recursive: true });
  const tmp = `${s.file}.${process.pid}.tmp`;
  writeFileSync(tmp, s.content);
  renameSync(tmp, s.file);
  return { ...s, written: true };
}
