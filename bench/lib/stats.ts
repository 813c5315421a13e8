/** Summary statistics for repeated measurements: median and spread (min–max and IQR). */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** First and third quartiles (linear interpolation). */
  readonly q1: number;
  readonly q3: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median, min, max and quartiles of `xs`, rounded to `digits` decimals. */
export function summarise(xs: readonly number[], digits = 1): Summary {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    median: round(quantile(s, 0.5), digits),
    min: round(s[0] ?? Number.NaN, digits),
    max: round(s[s.length - 1] ?? Number.NaN, digits),
    q1: round(quantile(s, 0.25), digits),
    q3: round(quantile(s, 0.75), digits),
  };
}

/** `123 (min–max 110–140, n=7)` */
export function show(s: Summary, unit = ''): string {
  return `${s.median}${unit} (${s.min}–${s.max}, n=${s.n})`;
}
