// The strategies the venue runs by default: on every listing with a reference price, one market
// maker and one liquidity taker, each on its own account ("mm-BTCUSDT", "taker-BTCUSDT"). They read
// a reference feed (live Binance, replay or synthetic) and the venue's own prints and top of book,
// and trade through the in-process order gateway. Operators reach them through the handles.
import type { MarketFeed } from '../marketdata/records.js';
import type { ClockScheduler } from '../shared/clock.js';
import type { OrderGateway } from '../shared/order-gateway.js';
import { createStrategy, instanceId, type StrategyKind } from './catalog.js';
import type { InstrumentSpec } from './instrument-grid.js';
import type { FeeSchedule } from './portfolio.js';
import { StrategyRuntime } from './runtime.js';
import type { StrategyHandle } from './strategy-host.js';
import type { VenueMarketSource } from './venue-market.js';

export interface PopulationOptions {
  readonly gateway: OrderGateway;
  readonly clock: ClockScheduler;
  /** Reference market data; read from `start` until `stop` or its end. */
  readonly referenceFeed: MarketFeed;
  /** The venue's prints and top of book. */
  readonly venueMarket: VenueMarketSource;
  /** The venue's listings; those without a reference price get no strategies. */
  readonly listings: readonly InstrumentSpec[];
  /** Parameters per kind, over the built-in defaults; `risk` inside sets the risk limits. */
  readonly params?: Partial<Record<StrategyKind, Record<string, unknown>>>;
  readonly fees?: FeeSchedule;
  readonly equityIntervalMs?: number;
  readonly log?: (line: string) => void;
}

export interface StrategyPopulation {
  readonly runtime: StrategyRuntime;
  readonly handles: readonly StrategyHandle[];
  handle(id: string): StrategyHandle | undefined;
  /** Starts every strategy and begins reading the reference feed. */
  start(): void;
  /** Stops every strategy (their orders cancelled) and stops reading the feed. */
  stop(): Promise<void>;
  /** Resolves when the reference feed ends or fails (with the error, if any). */
  readonly feedDone: Promise<Error | undefined>;
}

export function defaultPopulation(options: PopulationOptions): StrategyPopulation {
  const listings = options.listings.filter((l) => l.referencePrice !== undefined);
  const runtime = new StrategyRuntime({
    gateway: options.gateway,
    clock: options.clock,
    instruments: listings,
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(options.fees !== undefined ? { fees: options.fees } : {}),
    ...(options.equityIntervalMs !== undefined ? { equityIntervalMs: options.equityIntervalMs } : {}),
  });
  for (const listing of listings) {
    for (const kind of ['mm', 'taker'] as const) {
      const { risk, ...params } = options.params?.[kind] ?? {};
      const id = instanceId(kind, listing.symbol);
      runtime.add({ id, account: id, symbol: listing.symbol, strategy: createStrategy(kind, params, runtime.grid(listing.symbol)!), ...(risk !== undefined ? { risk } : {}) });
    }
  }
  let disconnect: (() => void) | undefined;
  let iterator: AsyncIterator<unknown> | undefined;
  let finish: (e: Error | undefined) => void = () => {};
  const feedDone = new Promise<Error | undefined>((resolve) => (finish = resolve));

  async function read(): Promise<void> {
    const it = options.referenceFeed[Symbol.asyncIterator]();
    iterator = it;
    try {
      while (true) {
        const next = await it.next();
        if (next.done === true) break;
        runtime.onReference(next.value);
      }
      finish(undefined);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      options.log?.(`reference feed failed: ${error.message}`);
      finish(error);
    }
  }

  return {
    runtime,
    handles: runtime.handles(),
    handle: (id) => runtime.handle(id),
    start() {
      if (disconnect !== undefined) return;
      disconnect = runtime.connectVenueMarket(options.venueMarket);
      runtime.startAll();
      void read();
    },
    async stop() {
      disconnect?.();
      disconnect = undefined;
      // Not awaited: a live feed's pending read ends when its source closes.
      void iterator?.return?.(undefined);
      await runtime.stopAll();
      runtime.dispose();
    },
    feedDone,
  };
}
