// Checks an instrument definition before a book is opened for it.
import { parseStep } from '../shared/decimal.js';
import { RejectCode } from '../shared/reject-codes.js';
import type { Instrument } from './types.js';

const SYMBOL = /^[A-Za-z0-9._:/-]{1,32}$/;
const optionalPositiveInt = (n: unknown): boolean => n === undefined || (typeof n === 'number' && Number.isSafeInteger(n) && n > 0);

/** undefined when the definition is usable, else InvalidInstrument. */
export function validateInstrument(instrument: Instrument): RejectCode | undefined {
  if (instrument === null || typeof instrument !== 'object') return RejectCode.InvalidInstrument;
  const { symbol, tickSize, lotSize, minQty, maxQty, minPrice, maxPrice, bandBps } = instrument;
  if (typeof symbol !== 'string' || !SYMBOL.test(symbol)) return RejectCode.InvalidInstrument;
  if (parseStep(tickSize) === undefined || parseStep(lotSize) === undefined) return RejectCode.InvalidInstrument;
  if (![minQty, maxQty, minPrice, maxPrice].every(optionalPositiveInt)) return RejectCode.InvalidInstrument;
  if (minQty !== undefined && maxQty !== undefined && minQty > maxQty) return RejectCode.InvalidInstrument;
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) return RejectCode.InvalidInstrument;
  if (bandBps !== undefined && !(typeof bandBps === 'number' && Number.isSafeInteger(bandBps) && bandBps >= 0)) return RejectCode.InvalidInstrument;
  return undefined;
}
