// Free space where the town lives. A full disk is how towns lose work in confusing ways
// (a commit, an export, a session log half-written), so doctor warns early. Nothing to fix:
// only a person knows what may go.
import { statfsSync } from "node:fs";
import type { DoctorCheck, Finding } from "./types.ts";

/** Below this much free space doctor warns. */
export const LOW_DISK_BYTES = 1024 ** 3;
/** At or above this share used doctor warns whatever the free bytes. */
export const FULL_PERCENT = 95;

/** A byte count for people: `512 B`, `3.4 MiB`, `120 GiB`. */
export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v >= 10 || u === 0 ? 0 : 1)} ${units[u]}`;
}

/** The finding for a file system with `free` of `total` bytes available. */
export function diskFinding(free: number, total: number): Finding {
  const used = total > 0 ? (100 * (total - free)) / total : 0;
  const summary = `${humanBytes(free)} free of ${humanBytes(total)} (${used.toFixed(1)}% used)`;
  if (free < LOW_DISK_BYTES || used >= FULL_PERCENT)
    return {
      status: "warning",
      message: `disk space low: ${summary}`,
      hint: "free some space (old polecat sandboxes moved aside, agent logs under .runtime/agent-logs) before work fails half-written",
    };
  return { status: "ok", message: summary };
}

export const diskSpaceCheck: DoctorCheck = {
  name: "disk-space",
  category: "Infrastructure",
  description: "the town's file system has room to work",
  async run(ctx) {
    const s = statfsSync(ctx.town.root);
    return diskFinding(s.bavail * s.bsize, s.blocks * s.bsize);
  },
};
