/**
 * resource.Quantity: parsing, comparison and the canonical String() the API server prints.
 * Source: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (v1.32) ParseQuantity,
 * parseQuantityString, CanonicalizeBytes, RoundUp; suffix.go (interpret); amount.go
 * (AsCanonicalBytes). Values are held exactly as nano-units (ParseQuantity rounds anything finer
 * up to 1n, away from zero).
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value times 10^9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The text String() returns unchanged (ParseQuantity keeps canonical input). */
  readonly s?: string;
  /** The int64Amount scale of the fast path, when it was taken (RoundUp keeps `s` at >= scale). */
  readonly scale?: number;
}

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
/** quantity.go ErrFormatWrong, ErrNumeric, ErrSuffix. */
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ERR_SUFFIX = "unable to parse quantity's suffix";

const NANO = 1_000_000_000n;
const DEC_SUFFIX: Record<string, number> = {
  '': 0,
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BIN_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Split {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

// quantity.go parseQuantityString.
function split(str: string): Split | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && /[0-9]/.test(str[i] ?? '')) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, num, denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    let j = pos;
    while (j < end && /[0-9]/.test(str[j] ?? '')) j++;
    denom = str.slice(pos, j);
    if (j >= end) return { positive, num, denom, suffix: '' };
    pos = j;
  }
  const suffixStart = pos;
  let k = pos;
  while (k < end && 'eEinumkKMGTP'.includes(str[k] ?? '')) k++;
  if (k >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  if (str[k] === '-' || str[k] === '+') k++;
  while (k < end && /[0-9]/.test(str[k] ?? '')) k++;
  if (k >= end) return { positive, num, denom, suffix: str.slice(suffixStart) };
  return undefined;
}

// suffix.go suffixHandler.interpret.
function interpret(
  suffix: string,
): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const d = DEC_SUFFIX[suffix];
  if (d !== undefined) return { base: 10, exponent: d, format: 'DecimalSI' };
  const b = BIN_SUFFIX[suffix];
  if (b !== undefined) return { base: 2, exponent: b, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const rest = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    return { base: 10, exponent: Number(rest), format: 'DecimalExponent' };
  }
  return undefined;
}

// Division rounding away from zero (inf.RoundUp).
function divUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d === n ? q : n < 0n ? q - 1n : q + 1n;
}

/** quantity.go ParseQuantity; throws the Go error text. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new Error(ERR_FORMAT_WRONG);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI', s: str, scale: 0 };
  const parts = split(str);
  if (!parts) throw new Error(ERR_FORMAT_WRONG);
  const how = interpret(parts.suffix);
  if (!how) throw new Error(ERR_SUFFIX);
  const { num, denom } = parts;
  const digits = BigInt(num + denom);
  const sign = parts.positive ? 1n : -1n;
  let nanos: bigint;
  if (how.base === 10) {
    const e = how.exponent - denom.length + 9;
    nanos = e >= 0 ? digits * 10n ** BigInt(e) : divUp(digits, 10n ** BigInt(-e));
  } else {
    nanos = divUp(digits * 2n ** BigInt(how.exponent) * NANO, 10n ** BigInt(denom.length));
  }
  nanos *= sign;
  let format = how.format;
  // Fast path (int64Amount) and whether the input text is kept as the canonical form.
  let s: string | undefined;
  let scale: number | undefined;
  if (how.format === 'BinarySI') {
    const precision =
      how.exponent >= 0 && denom.length === 0
        ? 15 - num.length - Math.trunc((how.exponent * 3) / 10) - 1
        : -1;
    const fits = digits * 2n ** BigInt(how.exponent) <= 9223372036854775807n;
    if (precision >= 0 && fits) {
      scale = 0;
      if (how.exponent % 10 === 0 && (digits & 7n) !== 0n) s = str;
    }
  } else if (18 - (num.length + denom.length) >= 0) {
    const sc = how.exponent - denom.length;
    if (sc >= -9) {
      scale = sc;
      const shifted = num + denom;
      if (sc % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0') s = str;
    }
  }
  const abs = nanos < 0n ? -nanos : nanos;
  if (format === 'BinarySI' && scale === undefined && abs > 0n && abs < NANO) format = 'DecimalSI';
  return {
    nanos,
    format,
    ...(s !== undefined ? { s } : {}),
    ...(scale !== undefined ? { scale } : {}),
  };
}

/** Quantity.RoundUp(scale) for milli (-3), as SetDefaults_ResourceList does (core/v1/defaults.go). */
export function roundUpMilli(q: Quantity): Quantity {
  if (q.scale !== undefined && q.scale >= -3) return q;
  const unit = 1_000_000n;
  const nanos = divUp(q.nanos, unit) * unit;
  return { nanos, format: q.format };
}

export function cmpQuantity(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

const DEC_BY_EXP: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};
const BIN_BY_EXP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Quantity.String(): the kept input, else CanonicalizeBytes. */
export function quantityString(q: Quantity): string {
  if (q.s !== undefined) return q.s;
  if (q.nanos === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const limit = 1024n * NANO;
    if ((q.nanos > -limit && q.nanos < limit) || q.nanos % NANO !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let m = q.nanos / NANO;
    let e = 0;
    while (m % 1024n === 0n && e < BIN_BY_EXP.length - 1) {
      m /= 1024n;
      e++;
    }
    return `${m}${BIN_BY_EXP[e]}`;
  }
  let m = q.nanos;
  let e = -9;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  if (format === 'DecimalExponent') return e === 0 ? `${m}` : `${m}e${e}`;
  return `${m}${DEC_BY_EXP[e] ?? ''}`;
}
