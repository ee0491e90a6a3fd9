// What the venue lists: the default instrument set, and instrument definitions read from a config
// file. A config writes sizes and limits as decimal strings, the way a trader reads them; they are
// converted to the engine's ticks and lots exactly, and a limit that is off the tick or lot grid
// fails at startup rather than rounding silently.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { validateInstrument, type Instrument } from '../engine/index.js';
import { parseStep, priceToTicks, qtyToLots } from '../shared/decimal.js';
import { rejectReason } from '../shared/reject-codes.js';

export type AssetClass = 'equity' | 'crypto' | 'other';

export interface ListedInstrument {
  readonly assetClass: AssetClass;
  readonly instrument: Instrument;
  /**
   * Where the symbol trades before anyone has traded it, a decimal on the tick grid: the order
   * generator and the synthetic market quote around it.
   */
  readonly referencePrice?: string;
}

// Ticks and lots follow the real venues closely enough for the simulator: US equities trade in
// cents and whole shares; the crypto pairs use Binance spot's price and quantity steps.
const equity = (symbol: string, referencePrice: string): ListedInstrument => ({ assetClass: 'equity', instrument: { symbol, tickSize: '0.01', lotSize: '1' }, referencePrice });
const crypto = (symbol: string, tickSize: string, lotSize: string, referencePrice: string): ListedInstrument => ({
  assetClass: 'crypto',
  instrument: { symbol, tickSize, lotSize },
  referencePrice,
});

export const DEFAULT_LISTINGS: readonly ListedInstrument[] = [
  equity('AAPL', '190.00'),
  equity('MSFT', '420.00'),
  equity('GOOGL', '170.00'),
  equity('AMZN', '185.00'),
  equity('TSLA', '250.00'),
  crypto('BTCUSDT', '0.01', '0.00001', '65000.00'),
  crypto('ETHUSDT', '0.01', '0.0001', '3500.00'),
  crypto('BNBUSDT', '0.01', '0.001', '600.00'),
  crypto('SOLUSDT', '0.01', '0.001', '150.00'),
];

export const DEFAULT_INSTRUMENTS: readonly Instrument[] = DEFAULT_LISTINGS.map((l) => l.instrument);

const decimalText = z.string().regex(/^\d+(\.\d+)?$/, 'a plain positive decimal such as "0.01"');

export const instrumentConfigSchema = z.strictObject({
  symbol: z.string().regex(/^[A-Za-z0-9._:/-]{1,32}$/, '1 to 32 letters, digits or . _ : / -'),
  assetClass: z.enum(['equity', 'crypto', 'other']).default('other'),
  /** Price step, e.g. "0.01". */
  tickSize: decimalText,
  /** Quantity step, e.g. "1" or "0.00001". */
  lotSize: decimalText,
  /** Smallest and largest order quantity, decimals on the lot grid. */
  minQty: decimalText.optional(),
  maxQty: decimalText.optional(),
  /** Static price band, decimals on the tick grid. */
  minPrice: decimalText.optional(),
  maxPrice: decimalText.optional(),
  /** Collar around the last trade price in basis points; 0 turns it off. */
  bandBps: z.number().int().min(0).max(1_000_000).optional(),
  /** Where quoting starts before the first trade, a decimal on the tick grid. */
  referencePrice: decimalText.optional(),
});

export type InstrumentConfig = z.input<typeof instrumentConfigSchema>;

export const instrumentsConfigSchema = z.array(instrumentConfigSchema).min(1, 'list at least one instrument');

/**
 * Turns instrument definitions (already shaped by `instrumentsConfigSchema`) into listings.
 * Throws one Error naming every problem found.
 */
export function toListings(configs: ReadonlyArray<z.output<typeof instrumentConfigSchema>>): ListedInstrument[] {
  const problems: string[] = [];
  const listings: ListedInstrument[] = [];
  const seen = new Set<string>();
  configs.forEach((c, i) => {
    const where = `instruments[${i}] (${c.symbol})`;
    const problemsBefore = problems.length;
    if (seen.has(c.symbol)) problems.push(`${where}: symbol listed twice`);
    seen.add(c.symbol);
    if (parseStep(c.tickSize) === undefined) problems.push(`${where}: tickSize must be above zero`);
    if (parseStep(c.lotSize) === undefined) problems.push(`${where}: lotSize must be above zero`);
    if (problems.length > problemsBefore) return;
    const units = (field: 'minQty' | 'maxQty' | 'minPrice' | 'maxPrice'): number | undefined => {
      const text = c[field];
      if (text === undefined) return undefined;
      const r = field.endsWith('Qty') ? qtyToLots(text, c.lotSize) : priceToTicks(text, c.tickSize);
      if (!r.ok) {
        problems.push(`${where}: ${field} ${text}: ${r.code} ${rejectReason(r.code)}`);
        return undefined;
      }
      if (r.units <= 0) problems.push(`${where}: ${field} must be above zero`);
      return r.units;
    };
    if (c.referencePrice !== undefined) {
      const r = priceToTicks(c.referencePrice, c.tickSize);
      if (!r.ok) problems.push(`${where}: referencePrice ${c.referencePrice}: ${r.code} ${rejectReason(r.code)}`);
      else if (r.units <= 0) problems.push(`${where}: referencePrice must be above zero`);
    }
    const instrument: Instrument = {
      symbol: c.symbol,
      tickSize: c.tickSize,
      lotSize: c.lotSize,
      ...optional('minQty', units('minQty')),
      ...optional('maxQty', units('maxQty')),
      ...optional('minPrice', units('minPrice')),
      ...optional('maxPrice', units('maxPrice')),
      ...optional('bandBps', c.bandBps),
    };
    const code = validateInstrument(instrument);
    if (code !== undefined) problems.push(`${where}: ${code} ${rejectReason(code)} (check that minimums do not exceed maximums)`);
    listings.push({ assetClass: c.assetClass, instrument, ...optional('referencePrice', c.referencePrice) });
  });
  if (problems.length > 0) throw new Error(`invalid instruments: ${problems.join('; ')}`);
  return listings;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Validates a parsed JSON value as a list of instrument definitions. */
export function parseInstruments(input: unknown): ListedInstrument[] {
  const r = instrumentsConfigSchema.safeParse(input);
  if (!r.success) throw new Error(`invalid instruments: ${formatIssues(r.error)}`);
  return toListings(r.data);
}

/** Reads a JSON file holding an array of instrument definitions. */
export function loadInstrumentsFile(path: string): ListedInstrument[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read instruments from ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseInstruments(json);
}

/** zod issues as "path: message; ..." for an error a user can act on. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? '(top level)' : i.path.join('.')}: ${i.message}`).join('; ');
}
