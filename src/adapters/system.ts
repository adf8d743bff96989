// The machine's load, for the daemon's pressure gate: the 1-minute load average, the number
// of cores, and the memory available to new processes (MemAvailable from /proc/meminfo, or
// the free memory where there is no /proc).
import { readFileSync } from "node:fs";
import { availableParallelism, freemem, loadavg } from "node:os";

export interface SystemLoad {
  load1: number;
  cores: number;
  availableMemMb: number;
}

function availableMemBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // no /proc
  }
  return freemem();
}

export function systemLoad(): SystemLoad {
  return {
    load1: loadavg()[0] ?? 0,
    cores: Math.max(1, availableParallelism()),
    availableMemMb: Math.round(availableMemBytes() / (1024 * 1024)),
  };
}
