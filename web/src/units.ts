// Exact decimals for the screen. Prices and sizes arrive as decimal strings; the dashboard turns
// them into integers at the instrument's scale (190.05 at a 0.01 tick is 19005) so that grouping,
// cumulative sizes and spreads are integer sums, and turns them back into text without ever
// showing a float. Pure: no DOM, so the unit tests run it under Node.

/** Digits after the point in a decimal string ("0.010" → 3, "5" → 0). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * A non-negative decimal string as an integer count of 10^-scale units ("190.05", 2 → 19005).
 * Digits beyond the scale are cut (an on-grid value has none); NaN for text that is not a decimal.
 */
export function toUnits(text: string, scale: number): number {
  if (!/^\d+(\.\d+)?$/.test(text)) return Number.NaN;
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const fraction = dot < 0 ? '' : text.slice(dot + 1);
  const digits = whole + fraction.slice(0, scale).padEnd(scale, '0');
  return Number(digits);
}

/** Integer units back to a plain decimal string with exactly `scale` decimals (19005, 2 → "190.05"). */
export function unitsToText(units: number, scale: number): string {
  const negative = units < 0;
  const digits = String(Math.abs(Math.trunc(units))).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Thousands separators in the whole part of a plain decimal string ("1234567.5" → "1,234,567.5"). */
export function groupThousands(text: string): string {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const rest = dot < 0 ? '' : body.slice(dot);
  return `${negative ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${rest}`;
}

/** Units as screen text: fixed decimals, thousands separators. */
export function formatUnits(units: number, scale: number): string {
  return groupThousands(unitsToText(units, scale));
}

/**
 * A decimal string rounded half-up to `decimals` places, with thousands separators
 * ("190.12345", 2 → "190.12"). Exact: the rounding is done on the digits, not on a float.
 */
export function formatDecimal(text: string, decimals: number): string {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  if (!/^\d+(\.\d+)?$/.test(body)) return text;
  const dot = body.indexOf('.');
  const whole = dot < 0 ? body : body.slice(0, dot);
  const fraction = dot < 0 ? '' : body.slice(dot + 1);
  let kept = BigInt(whole + fraction.slice(0, decimals).padEnd(decimals, '0'));
  const next = fraction.charCodeAt(decimals);
  if (!Number.isNaN(next) && next >= 53 /* '5' */) kept += 1n;
  const digits = kept.toString().padStart(decimals + 1, '0');
  const plain = decimals > 0 ? `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}` : digits;
  const isZero = /^[0.]*$/.test(plain);
  return groupThousands(`${negative && !isZero ? '-' : ''}${plain}`);
}

/** A count with thousands separators ("12345" → "12,345"). */
export function formatCount(n: number): string {
  return groupThousands(String(Math.round(n)));
}

/** A ratio 0..1 as a percentage with one decimal ("0.4567" → "45.7%"). */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${(Math.round(ratio * 1000) / 10).toFixed(1)}%`;
}

/** Seconds as "3d 04:05:06" / "04:05:06". */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86_400);
  const hh = String(Math.floor((s % 86_400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${days > 0 ? `${days}d ` : ''}${hh}:${mm}:${ss}`;
}

/** Local wall-clock time with milliseconds, "14:03:07.123". */
export function formatClock(epochMillis: number, withMillis = true): string {
  const d = new Date(epochMillis);
  const hh = String(d.getHours()).padStart(2, '0');
  const mm = String(d.getMinutes()).padStart(2, '0');
  const ss = String(d.getSeconds()).padStart(2, '0');
  return withMillis ? `${hh}:${mm}:${ss}.${String(d.getMilliseconds()).padStart(3, '0')}` : `${hh}:${mm}:${ss}`;
}
