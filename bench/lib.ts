// Small helpers for the benchmark: statistics, timing, a deterministic PRNG and aligned tables.

/** Milliseconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return {
    n: s.length,
    median,
    p90: percentile(s, 90),
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

/** mulberry32: small, fast and good enough to make fixtures reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Formats milliseconds with precision that suits their size. */
export function ms(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "-";
  if (v < 1) return v.toFixed(3);
  if (v < 10) return v.toFixed(2);
  if (v < 1000) return v.toFixed(1);
  return v.toFixed(0);
}

export function ratio(v: number | undefined, base: number | undefined): string {
  if (v === undefined || base === undefined || Number.isNaN(v) || Number.isNaN(base) || base === 0)
    return "-";
  return `${(v / base).toFixed(2)}x`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Renders rows as an aligned table; columns listed in `left` are left-aligned, the rest right-aligned. */
export function table(headers: string[], rows: string[][], left: number[] = [0]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (text: string, i: number) =>
    left.includes(i) ? text.padEnd(widths[i]!) : text.padStart(widths[i]!);
  const line = (cells: string[]) =>
    `  ${cells
      .map((c, i) => cell(c, i))
      .join("  ")
      .trimEnd()}`;
  const rule = `  ${widths.map((w) => "-".repeat(w)).join("  ")}`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

export function heading(text: string): string {
  return `\n${text}\n${"=".repeat(text.length)}`;
}
