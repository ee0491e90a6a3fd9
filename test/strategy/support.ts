// A fresh in-memory venue on a manual clock, with the strategy runtime wired to it the way
// `crucible backtest` and `crucible start` wire it, and small builders for reference records.
import { venueMarketSource } from '../../src/cli/venue-market-adapter.js';
import type { FeedStatusRecord, TickerRecord, TradeRecord } from '../../src/marketdata/records.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { OrderEntryResult } from '../../src/shared/order-gateway.js';
import { StrategyRuntime, type RuntimeOptions } from '../../src/strategy/runtime.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';

export const T0 = Date.UTC(2024, 7, 9, 0, 0, 0);

/** A tick of 0.01 and a lot of 1 keep the arithmetic in tests easy to follow. */
export const TEST_LISTING = { symbol: 'TEST', tickSize: '0.01', lotSize: '1', referencePrice: '100.00' } as const;

export interface Rig {
  readonly venue: Venue;
  readonly clock: ManualClock;
  readonly runtime: StrategyRuntime;
  readonly log: string[];
  /** Moves the clock and lets every answer arrive. */
  advance(ms: number): Promise<void>;
  /** A reference record through the runtime at its time (the clock moves there first), then every answer. */
  feed(record: TickerRecord | TradeRecord | FeedStatusRecord): Promise<void>;
  /** An order of another account, straight to the venue (a counterparty). */
  counterparty(side: 'buy' | 'sell', price: string, quantity: string, timeInForce?: 'gtc' | 'ioc'): Promise<OrderEntryResult>;
  stop(): Promise<void>;
}

export function rig(options: Partial<Omit<RuntimeOptions, 'gateway' | 'clock'>> = {}): Rig {
  const clock = new ManualClock(T0);
  const config = resolveVenueConfig(
    {
      instruments: [
        { ...TEST_LISTING, assetClass: 'other' },
        { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', assetClass: 'crypto' },
      ],
    },
    { fixPort: 0 },
  );
  const venue = new Venue({ config, clock });
  const log: string[] = [];
  const runtime = new StrategyRuntime({
    gateway: venue.orders,
    clock,
    instruments: [TEST_LISTING, { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00' }],
    log: (l) => log.push(l),
    retention: Number.POSITIVE_INFINITY,
    ...options,
  });
  runtime.connectVenueMarket(venueMarketSource(venue));
  const settle = async (): Promise<void> => {
    await runtime.settled();
    // Answers resolve through a few promise hops; let them all land.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    await runtime.settled();
  };
  return {
    venue,
    clock,
    runtime,
    log,
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    async feed(record) {
      if (record.localTime > clock.now()) clock.advance(record.localTime - clock.now());
      runtime.onReference(record);
      await settle();
    },
    async counterparty(side, price, quantity, timeInForce = 'gtc') {
      const r = await venue.orders.submit({ account: 'other', symbol: 'TEST', side, type: 'limit', price, quantity, timeInForce });
      await settle();
      return r;
    },
    async stop() {
      await runtime.stopAll();
      runtime.dispose();
      await venue.stop();
    },
  };
}

export function ticker(bid: string, ask: string, time: number, symbol = 'TEST', sizes: readonly [string, string] = ['5', '5']): TickerRecord {
  return { type: 'ticker', exchange: 'test', symbol, bestBidPrice: bid, bestBidQuantity: sizes[0], bestAskPrice: ask, bestAskQuantity: sizes[1], localTime: time };
}

export function status(state: FeedStatusRecord['state'], time: number, symbol?: string): FeedStatusRecord {
  return { type: 'feed_status', exchange: 'test', state, reason: state === 'live' ? 'connected' : 'stale_data', localTime: time, ...(symbol !== undefined ? { symbol } : {}) };
}
