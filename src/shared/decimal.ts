// Exact decimal <-> integer unit conversion for the edges (FIX, JSON, config, UI). Inside, prices
// are integer ticks and quantities integer lots; a decimal that is not on the grid is rejected,
// never rounded. BigInt keeps every step exact; results must fit in a safe integer.
import { RejectCode } from './reject-codes.js';

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$|^([+-]?)\.(\d+)$/;

export interface ParsedDecimal {
  /** value = coefficient / 10^scale */
  readonly coefficient: bigint;
  readonly scale: number;
}

export type UnitsResult = { readonly ok: true; readonly units: number } | { readonly ok: false; readonly code: RejectCode };

/** Parses a plain decimal ("101.25", "-0.5", "7", ".5"); no exponents, no separators. */
export function parseDecimal(text: string): ParsedDecimal | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64) return undefined;
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const sign = m[1] ?? m[4] ?? '';
  const int = m[2] ?? '0';
  const frac = m[3] ?? m[5] ?? '';
  const coefficient = BigInt(int + frac) * (sign === '-' ? -1n : 1n);
  return { coefficient, scale: frac.length };
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** A positive step size such as "0.01"; undefined when not a positive decimal. */
export function parseStep(step: string): ParsedDecimal | undefined {
  const d = parseDecimal(step);
  return d !== undefined && d.coefficient > 0n ? d : undefined;
}

// Prices and quantities arrive on every order and leave on every report, always against one of a
// handful of step sizes. With at most 15 significant digits, the exact arithmetic fits a double
// (every intermediate stays an integer below 2^53), so the common case needs neither a regex nor
// BigInt; anything larger takes the BigInt path, which is the reference the fast path must equal.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_FAST_DIGITS = 15;
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

interface Step {
  readonly parsed: ParsedDecimal;
  /** The coefficient as a number when it has at most 15 digits. */
  readonly small: number | undefined;
}

const steps = new Map<string, Step | null>();

function stepOf(step: string): Step | undefined {
  let s = steps.get(step);
  if (s === undefined) {
    const parsed = parseStep(step);
    s = parsed === undefined ? null : { parsed, small: parsed.coefficient <= BigInt(10 ** MAX_FAST_DIGITS) ? Number(parsed.coefficient) : undefined };
    if (steps.size < 1024) steps.set(step, s);
  }
  return s ?? undefined;
}

/** Scale of the last decimal `smallCoefficient` read. */
let smallScale = 0;

/**
 * The signed coefficient of a plain decimal of at most 15 digits (its scale left in smallScale);
 * NaN when the text is longer or not a plain decimal (parseDecimal then has the last word).
 */
function smallCoefficient(text: string): number {
  const n = text.length;
  if (n === 0 || n > MAX_FAST_DIGITS + 2) return Number.NaN;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    negative = first === 0x2d;
    i = 1;
  }
  let coefficient = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      coefficient = coefficient * 10 + (c - 0x30);
      digits++;
      if (dot) scale++;
    } else if (c === 0x2e && !dot) {
      dot = true;
    } else {
      return Number.NaN;
    }
  }
  // "5." is not a decimal here, as in parseDecimal.
  if (digits === 0 || digits > MAX_FAST_DIGITS || (dot && scale === 0)) return Number.NaN;
  smallScale = scale;
  return negative && coefficient !== 0 ? -coefficient : coefficient;
}

/**
 * value / step as an exact integer. `offGridCode` is the reject for a value between grid points
 * (PriceNotOnTick or QtyNotOnLot).
 */
export function decimalToUnits(value: string, step: string, offGridCode: RejectCode): UnitsResult {
  const s = typeof step === 'string' ? stepOf(step) : undefined;
  const cv = typeof value === 'string' ? smallCoefficient(value) : Number.NaN;
  if (s !== undefined && s.small !== undefined && !Number.isNaN(cv)) {
    // value/step = (cv / 10^sv) / (cs / 10^ss) = cv * 10^ss / (cs * 10^sv)
    const numerator = cv * POW10[s.parsed.scale];
    const denominator = s.small * POW10[smallScale];
    if (Math.abs(numerator) <= MAX_SAFE && denominator <= MAX_SAFE) {
      if (numerator % denominator !== 0) return { ok: false, code: offGridCode };
      return { ok: true, units: numerator / denominator + 0 };
    }
  }
  return decimalToUnitsExact(value, step, offGridCode);
}

/** decimalToUnits in BigInt throughout: the reference, and the path for values of any size. */
export function decimalToUnitsExact(value: string, step: string, offGridCode: RejectCode): UnitsResult {
  const v = parseDecimal(value);
  const s = parseStep(step);
  if (v === undefined || s === undefined) return { ok: false, code: RejectCode.InvalidDecimal };
  const numerator = v.coefficient * pow10(s.scale);
  const denominator = s.coefficient * pow10(v.scale);
  if (numerator % denominator !== 0n) return { ok: false, code: offGridCode };
  const units = numerator / denominator;
  if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, code: RejectCode.DecimalOutOfRange };
  return { ok: true, units: Number(units) };
}

export const priceToTicks = (price: string, tickSize: string): UnitsResult => decimalToUnits(price, tickSize, RejectCode.PriceNotOnTick);
export const qtyToLots = (qty: string, lotSize: string): UnitsResult => decimalToUnits(qty, lotSize, RejectCode.QtyNotOnLot);

/** units × step as a decimal string with the step's number of decimal places ("101.25" for 10125 × "0.01"). */
export function unitsToDecimal(units: number, step: string): string {
  const s = stepOf(step);
  if (s === undefined) throw new RangeError(`not a positive decimal step: ${step}`);
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  if (s.small !== undefined) {
    const product = units * s.small;
    if (Math.abs(product) <= MAX_SAFE) return withScale(product < 0, String(Math.abs(product)), s.parsed.scale);
  }
  return unitsToDecimalExact(units, step);
}

/** unitsToDecimal in BigInt throughout: the reference, and the path for values of any size. */
export function unitsToDecimalExact(units: number, step: string): string {
  const s = parseStep(step);
  if (s === undefined) throw new RangeError(`not a positive decimal step: ${step}`);
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const product = BigInt(units) * s.coefficient;
  return withScale(product < 0n, (product < 0n ? -product : product).toString(), s.scale);
}

function withScale(negative: boolean, digits: string, scale: number): string {
  if (scale === 0) return (negative ? '-' : '') + digits;
  digits = digits.padStart(scale + 1, '0');
  return (negative ? '-' : '') + digits.slice(0, -scale) + '.' + digits.slice(-scale);
}
