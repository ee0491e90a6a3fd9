// The instruments `crucible start` lists when no other set is given. Ticks and lots follow the
// real venues closely enough for the simulator: US equities trade in cents and whole shares;
// the crypto pairs use Binance spot's price and quantity steps.
import type { Instrument } from '../engine/index.js';

export type AssetClass = 'equity' | 'crypto';

export interface ListedInstrument {
  readonly assetClass: AssetClass;
  readonly instrument: Instrument;
}

const equity = (symbol: string): ListedInstrument => ({ assetClass: 'equity', instrument: { symbol, tickSize: '0.01', lotSize: '1' } });
const crypto = (symbol: string, tickSize: string, lotSize: string): ListedInstrument => ({ assetClass: 'crypto', instrument: { symbol, tickSize, lotSize } });

export const DEFAULT_LISTINGS: readonly ListedInstrument[] = [
  equity('AAPL'),
  equity('MSFT'),
  equity('GOOGL'),
  equity('AMZN'),
  equity('TSLA'),
  crypto('BTCUSDT', '0.01', '0.00001'),
  crypto('ETHUSDT', '0.01', '0.0001'),
  crypto('BNBUSDT', '0.01', '0.001'),
  crypto('SOLUSDT', '0.01', '0.001'),
];

export const DEFAULT_INSTRUMENTS: readonly Instrument[] = DEFAULT_LISTINGS.map((l) => l.instrument);
