// Money in the quote currency, exact: a bigint count of 10^-18 units. A fill's notional is price
// ticks × lots × (tick size × lot size), an exact decimal of at most 18 places for every listing the
// venue carries, so P&L, fees and turnover add up without a rounding step; only a fee rate finer
// than that rounds (half away from zero), and ratios (Sharpe, drawdown %) are plain floats.
import { parseDecimal } from '../shared/decimal.js';

export type Money = bigint;

export const MONEY_SCALE = 18;
const ONE = 10n ** BigInt(MONEY_SCALE);

export const ZERO_MONEY: Money = 0n;

/** A plain decimal ("-12.5") as Money; undefined when not a decimal or finer than 10^-18. */
export function parseMoney(text: string): Money | undefined {
  const d = parseDecimal(text);
  if (d === undefined || d.scale > MONEY_SCALE) return undefined;
  return d.coefficient * 10n ** BigInt(MONEY_SCALE - d.scale);
}

/** Exact decimal text, trailing zeros dropped ("12.5", "-0.0001", "0"). */
export function formatMoney(m: Money): string {
  const negative = m < 0n;
  const abs = negative ? -m : m;
  const int = abs / ONE;
  let frac = (abs % ONE).toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  if (frac.length > 0) frac = '.' + frac;
  return (negative && abs !== 0n ? '-' : '') + int.toString() + frac;
}

/** For ratios and charts only. */
export function moneyToNumber(m: Money): number {
  const int = m / ONE;
  return Number(int) + Number(m - int * ONE) / 1e18;
}

/** a × b / c, rounded half away from zero. */
export function mulDiv(a: bigint, b: bigint, c: bigint): bigint {
  const n = a * b;
  const q = n / c;
  const r = n - q * c;
  const twice = (r < 0n ? -r : r) * 2n;
  const cAbs = c < 0n ? -c : c;
  if (twice >= cAbs) return (n < 0n) !== (c < 0n) ? q - 1n : q + 1n;
  return q;
}
