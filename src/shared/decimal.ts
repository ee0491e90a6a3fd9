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

/**
 * value / step as an exact integer. `offGridCode` is the reject for a value between grid points
 * (PriceNotOnTick or QtyNotOnLot).
 */
export function decimalToUnits(value: string, step: string, offGridCode: RejectCode): UnitsResult {
  const v = parseDecimal(value);
  const s = parseStep(step);
  if (v === undefined || s === undefined) return { ok: false, code: RejectCode.InvalidDecimal };
  // value/step = (cv / 10^sv) / (cs / 10^ss) = cv * 10^ss / (cs * 10^sv)
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
  const s = parseStep(step);
  if (s === undefined) throw new RangeError(`not a positive decimal step: ${step}`);
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const product = BigInt(units) * s.coefficient;
  const negative = product < 0n;
  let digits = (negative ? -product : product).toString();
  if (s.scale === 0) return (negative ? '-' : '') + digits;
  digits = digits.padStart(s.scale + 1, '0');
  return (negative ? '-' : '') + digits.slice(0, -s.scale) + '.' + digits.slice(-s.scale);
}
