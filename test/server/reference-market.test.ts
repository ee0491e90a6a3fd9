// The reference market: the outside market rebuilt from feed records, as the REST routes and the
// WebSocket show it. Checked against the synthetic generator's own top of book, against an
// independent rebuild of a real Binance capture, and through every state a feed goes through.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { MarketFeed, MarketRecord, TickerRecord, TradeRecord } from '../../src/marketdata/records.js';
import { replayFeed } from '../../src/marketdata/replay.js';
import { SyntheticMarket, syntheticFeed, type SyntheticListing } from '../../src/marketdata/synthetic.js';
import { marketInfo, marketResponse, marketSymbolResponse } from '../../src/protocol/index.js';
import { ReferenceMarket, TRADES_KEPT } from '../../src/server/reference-market.js';
import { ManualClock } from '../../src/shared/clock.js';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'binance');
const CAPTURE = join(CAPTURES, 'btcusdt_20240808.gz');
const haveCapture = existsSync(CAPTURE);
if (!haveCapture && process.env.CI !== 'true') {
  console.warn(`\n*** reference-market.test.ts: the Binance capture is not at ${CAPTURE}: the test on a real capture is SKIPPED ***\n`);
}

const LISTINGS: SyntheticListing[] = [
  { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', tradesPerSecond: 20 },
  { symbol: 'AAPL', tickSize: '0.01', lotSize: '1', referencePrice: '190.00', tradesPerSecond: 5 },
];

/** A market on a manual clock, fed `steps` steps of the seeded synthetic market; returns every record. */
function syntheticRun(market: ReferenceMarket, clock: ManualClock, steps: number, seed = 42): MarketRecord[] {
  const generator = new SyntheticMarket({ listings: LISTINGS, seed, startTime: clock.now() });
  const all: MarketRecord[] = [];
  for (let i = 0; i < steps; i++) {
    for (const r of generator.next()) {
      market.apply(r);
      all.push(r);
    }
    clock.advance(100);
  }
  return all;
}

const base = { exchange: 'binance', symbol: 'BTCUSDT' } as const;
const trade = (id: number, price: string, localTime: number, exchangeTime = localTime): TradeRecord => ({
  type: 'trade',
  ...base,
  tradeId: String(id),
  price,
  quantity: '0.01000000',
  side: id % 2 === 0 ? 'buy' : 'sell',
  exchangeTime,
  localTime,
});
const snapshot = (localTime: number): MarketRecord => ({
  type: 'book_snapshot',
  ...base,
  bids: [
    ['61000.00000000', '1.00000000'],
    ['60999.00000000', '2.00000000'],
  ],
  asks: [
    ['61001.00000000', '0.50000000'],
    ['61002.00000000', '3.00000000'],
  ],
  lastUpdateId: 100,
  localTime,
});
const status = (state: 'connecting' | 'live' | 'resyncing' | 'stale' | 'down', reason: string, localTime: number, symbol?: string, detail?: string): MarketRecord =>
  ({ type: 'feed_status', exchange: 'binance', ...(symbol !== undefined ? { symbol } : {}), state, reason, ...(detail !== undefined ? { detail } : {}), localTime }) as MarketRecord;

/** A feed of the records given, then (optionally) an error. */
function listFeed(records: readonly MarketRecord[], error?: Error): MarketFeed {
  return {
    async *[Symbol.asyncIterator]() {
      for (const r of records) yield r;
      if (error !== undefined) throw error;
    },
  };
}

describe('ReferenceMarket on the synthetic market', () => {
  it('holds each symbol at the top of book the generator quoted, with its trades and ticker', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'synthetic', clock });
    const records = syntheticRun(market, clock, 300);
    expect(market.symbols().sort()).toEqual(['AAPL', 'BTCUSDT']);
    for (const symbol of ['BTCUSDT', 'AAPL']) {
      const tickers = records.filter((r): r is TickerRecord => r.type === 'ticker' && r.symbol === symbol);
      const trades = records.filter((r): r is TradeRecord => r.type === 'trade' && r.symbol === symbol);
      expect(trades.length).toBeGreaterThan(TRADES_KEPT);
      const top = tickers[tickers.length - 1];
      const info = marketInfo.parse(market.info(symbol));
      expect(info).toMatchObject({ symbol, exchange: 'synthetic', source: 'synthetic', state: 'live', last_price: trades[trades.length - 1].price });
      expect(info.bids[0]).toEqual([top.bestBidPrice, top.bestBidQuantity]);
      expect(info.asks[0]).toEqual([top.bestAskPrice, top.bestAskQuantity]);
      expect(info.bids).toHaveLength(10);
      expect(info.asks).toHaveLength(10);
      expect(info.ticker).toMatchObject({ best_bid: top.bestBidPrice, best_ask: top.bestAskPrice, last_price: top.lastPrice });
      // The synthetic exchange stamps its own receive time: no latency.
      expect(info.latency).toMatchObject({ last_ms: 0, p50_ms: 0, p99_ms: 0 });
      expect(info.trades.map((t) => t.trade_id)).toEqual(trades.slice(-TRADES_KEPT).reverse().map((t) => t.tradeId));

      const detail = marketSymbolResponse.parse(market.detail(symbol, 100));
      expect(detail.bids.length).toBe(detail.bid_levels);
      expect(detail.records.trade).toBe(trades.length);
      expect(detail.records.ticker).toBe(tickers.length);
      expect(detail.quality).toMatchObject({ circuit: 'closed', gaps: 0, crossed: 0, outliers: 0 });
      // Best first, and every bid below every ask.
      const bids = detail.bids.map(([p]) => Number(p));
      const asks = detail.asks.map(([p]) => Number(p));
      expect([...bids].sort((a, b) => b - a)).toEqual(bids);
      expect([...asks].sort((a, b) => a - b)).toEqual(asks);
      expect(bids[0]).toBeLessThan(asks[0]);
    }
    const summary = marketResponse.parse(market.summary());
    expect(summary).toMatchObject({ source: 'synthetic', state: 'live', records: records.length });
    expect(summary.records_per_second).toBeGreaterThan(0);
  });

  it('gives only the trades after a mark, newest first', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'synthetic', clock });
    syntheticRun(market, clock, 100);
    const mark = market.tradeCount('BTCUSDT');
    const before = market.info('BTCUSDT', mark)!;
    expect(before.trades).toEqual([]);
    market.apply(trade(1, '65000.00', clock.now()));
    market.apply(trade(2, '65000.01', clock.now()));
    expect(market.info('BTCUSDT', mark)!.trades.map((t) => t.trade_id)).toEqual(['2', '1']);
    expect(market.info('BTCUSDT', mark)!).toMatchObject({ last_price: '65000.01', last_side: 'buy' });
  });

  it('is the same for the same seed, and reads the feed to its end with consume()', async () => {
    const clock = new ManualClock();
    const first = new ReferenceMarket({ source: 'synthetic', clock });
    const second = new ReferenceMarket({ source: 'synthetic', clock });
    const feed = () => syntheticFeed({ listings: LISTINGS, seed: 7, clock, speed: 'max', durationMs: 20_000, startTime: clock.now() });
    await first.consume(feed());
    await second.consume(feed());
    expect(second.info('BTCUSDT')).toEqual(first.info('BTCUSDT'));
    // The synthetic feed ends with its own status: down, source_ended.
    expect(first.state).toBe('down');
    expect(first.info('AAPL')).toMatchObject({ state: 'down', reason: 'source_ended' });
    first.stop();
    second.stop();
  });

  it('tells listeners which symbol changed', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'synthetic', clock });
    const seen: string[] = [];
    const off = market.onUpdate((s) => seen.push(s));
    market.apply(trade(1, '61000.00', clock.now()));
    off();
    market.apply(trade(2, '61000.00', clock.now()));
    expect(seen).toEqual(['BTCUSDT']);
  });
});

describe('ReferenceMarket states', () => {
  it('follows the feed through connecting, live, a gap, a disconnect and back', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'binance', clock, symbols: ['BTCUSDT', 'ETHUSDT'] });
    const t = clock.now();
    expect(market.state).toBe('connecting');
    expect(market.info('ETHUSDT')).toMatchObject({ state: 'connecting', bids: [], asks: [], trades: [] });
    market.apply(status('connecting', 'connect', t));
    market.apply(status('resyncing', 'connected', t, 'BTCUSDT'));
    market.apply(status('live', 'snapshot_applied', t, 'BTCUSDT', 'lastUpdateId 100'));
    market.apply(snapshot(t));
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'live', reason: 'snapshot_applied', detail: 'lastUpdateId 100', bids: [['61000.00000000', '1.00000000'], ['60999.00000000', '2.00000000']] });
    // ETHUSDT has had nothing yet: the feed as a whole is not live.
    expect(market.state).toBe('connecting');
    market.apply(status('live', 'snapshot_applied', t, 'ETHUSDT'));
    expect(market.state).toBe('live');

    market.apply({ type: 'book_change', ...base, bids: [['61000.00000000', '0']], asks: [['61000.50000000', '0.1']], firstUpdateId: 101, lastUpdateId: 102, exchangeTime: t, localTime: t });
    expect(market.info('BTCUSDT')!.bids[0]).toEqual(['60999.00000000', '2.00000000']);
    expect(market.info('BTCUSDT')!.asks[0]).toEqual(['61000.50000000', '0.1']);
    expect(market.detail('BTCUSDT', 10)!.update_id).toBe(102);

    market.apply(status('resyncing', 'sequence_gap', t, 'BTCUSDT', 'expected U=103, got 110'));
    expect(market.state).toBe('resyncing');
    expect(market.detail('BTCUSDT', 10)!.quality).toMatchObject({ gaps: 1, resyncs: 1 });

    market.apply(status('down', 'connection_closed', t, undefined, 'code 1006'));
    expect(market.state).toBe('down');
    expect(market.info('ETHUSDT')).toMatchObject({ state: 'down', reason: 'connection_closed', detail: 'code 1006' });
    market.apply(status('connecting', 'connect', t));
    market.apply(status('live', 'snapshot_applied', t, 'BTCUSDT'));
    market.apply(status('live', 'snapshot_applied', t, 'ETHUSDT'));
    expect(market.state).toBe('live');
    expect(marketResponse.parse(market.summary()).symbols.map((s) => [s.symbol, s.state])).toEqual([
      ['BTCUSDT', 'live'],
      ['ETHUSDT', 'live'],
    ]);
    market.stop();
  });

  it('turns a quiet symbol stale on the server clock, and live again when data comes', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'replay', clock, staleAfterMs: 5000 });
    // The records carry a capture's times (2024); staleness is the server's clock.
    const recordTime = Date.UTC(2024, 7, 8);
    market.apply(snapshot(recordTime));
    market.apply(trade(1, '61000.00', recordTime));
    expect(market.state).toBe('live');
    clock.advance(4000);
    expect(market.state).toBe('live');
    clock.advance(2000);
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'stale', reason: 'stale_data' });
    expect(market.state).toBe('stale');
    expect(market.detail('BTCUSDT', 5)!.quality.stale).toBe(1);
    market.apply(trade(2, '61000.00', recordTime + 6000));
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'live', reason: 'data_resumed' });
    expect(market.state).toBe('live');
    market.stop();
  });

  it('measures latency as receive time minus exchange time: last, p50 and p99', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'binance', clock });
    for (let i = 1; i <= 100; i++) market.apply(trade(i, '61000.00', 1000 + i + i, 1000 + i));
    market.apply(trade(101, '61000.00', 5000, 5003));
    const latency = market.info('BTCUSDT')!.latency!;
    // 101 samples, sorted -3, 1, 2, ..., 100: the median is the 51st, the 99th percentile the 100th.
    expect(latency).toEqual({ last_ms: -3, p50_ms: 50, p99_ms: 99, samples: 101 });
    market.stop();
  });

  it('a feed that throws leaves the market down with the reason; consume() resolves', async () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'replay', clock });
    await expect(market.consume(listFeed([snapshot(1), trade(1, '61000.00', 2)], new Error('btcusdt.gz:12: not JSON')))).resolves.toBeUndefined();
    expect(marketResponse.parse(market.summary())).toMatchObject({ state: 'down', reason: 'feed_error', detail: 'btcusdt.gz:12: not JSON', records: 2 });
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'down', reason: 'feed_error', last_price: '61000.00' });
  });

  it('a feed that ends without a word is down, source_ended', async () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'replay', clock });
    await market.consume(listFeed([snapshot(1)]));
    expect(market.summary()).toMatchObject({ state: 'down', reason: 'source_ended' });
  });

  it('stop() ends reading a paced feed', async () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'synthetic', clock });
    const done = market.consume(syntheticFeed({ listings: LISTINGS, seed: 1, clock }));
    await new Promise((r) => setImmediate(r));
    const records = market.records;
    expect(records).toBeGreaterThan(0);
    market.stop();
    clock.advance(1000);
    await done;
    expect(market.records).toBe(records);
  });

  it('a book change that does not fit the book puts the symbol to resyncing until the next snapshot', () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'binance', clock, tickSizes: { BTCUSDT: '0.01' } });
    market.apply(snapshot(1));
    expect(market.info('BTCUSDT')!.bids[0]).toEqual(['61000.00', '1.00000000']);
    market.apply({ type: 'book_change', ...base, bids: [['61000.005', '1']], asks: [], firstUpdateId: 101, lastUpdateId: 101, exchangeTime: 2, localTime: 2 });
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'resyncing', reason: 'invalid_book' });
    expect(market.detail('BTCUSDT', 5)!.quality.invalid_book).toBe(1);
    market.apply(snapshot(3));
    expect(market.info('BTCUSDT')).toMatchObject({ state: 'live', reason: 'snapshot_applied' });
    market.stop();
  });

  it('rejects a source name that is not a plain word', () => {
    expect(() => new ReferenceMarket({ source: 'Binance Live', clock: new ManualClock() })).toThrow(/source/);
  });
});

describe('ReferenceMarket metrics', () => {
  it('shows records by type, state, latency and quality issues per symbol', async () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'binance', clock });
    const registry = new Registry();
    market.registerMetrics(registry);
    market.apply(snapshot(1));
    market.apply(trade(1, '61000.00', 12, 10));
    market.apply(status('resyncing', 'sequence_gap', 20, 'BTCUSDT'));
    const text = await registry.metrics();
    expect(text).toMatch(/^crucible_feed_records_total\{symbol="BTCUSDT",type="trade"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_records_total\{symbol="BTCUSDT",type="book_snapshot"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_records_total\{symbol="BTCUSDT",type="feed_status"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_state\{symbol="BTCUSDT",state="resyncing"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_state\{symbol="BTCUSDT",state="live"\} 0$/m);
    expect(text).toMatch(/^crucible_feed_state\{symbol="\*",state="resyncing"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_latency_seconds\{symbol="BTCUSDT",stat="last"\} 0\.002$/m);
    expect(text).toMatch(/^crucible_feed_issues_total\{symbol="BTCUSDT",issue="gap"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_issues_total\{symbol="BTCUSDT",issue="resync"\} 1$/m);
    expect(text).toMatch(/^# TYPE crucible_feed_records_per_second gauge$/m);
    market.stop();
  });
});

describe('ReferenceMarket on a real Binance capture', () => {
  if (!haveCapture) {
    it.runIf(process.env.CI === 'true')('has the capture (required under CI)', () => {
      expect(existsSync(CAPTURE), `the Binance capture is missing at ${CAPTURE}`).toBe(true);
    });
    it.skip(`the capture is not at ${CAPTURE}`, () => {});
    return;
  }

  it('keeps the book an independent rebuild of the same records has, all the way through', async () => {
    const clock = new ManualClock();
    const market = new ReferenceMarket({ source: 'replay', clock });
    const independent = new PlainBook();
    let checks = 0;
    let n = 0;
    let lastTrade: TradeRecord | undefined;
    for await (const r of replayFeed({ files: [CAPTURE], speed: 'max' })) {
      market.apply(r);
      if (r.type === 'book_snapshot') independent.load(r.bids, r.asks);
      else if (r.type === 'book_change') independent.change(r.bids, r.asks);
      else if (r.type === 'trade') lastTrade = r;
      if (++n % 5000 === 0 && independent.loaded) {
        const detail = market.detail('BTCUSDT', 100)!;
        expect(detail.bids).toEqual(independent.top('bid', 100));
        expect(detail.asks).toEqual(independent.top('ask', 100));
        checks++;
      }
    }
    expect(checks).toBeGreaterThan(5);
    const detail = marketSymbolResponse.parse(market.detail('BTCUSDT', 100));
    expect(detail.bids).toEqual(independent.top('bid', 100));
    expect(detail.asks).toEqual(independent.top('ask', 100));
    expect(detail.bid_levels).toBe(independent.size('bid'));
    expect(detail).toMatchObject({ exchange: 'binance', source: 'replay', state: 'live', last_price: lastTrade!.price });
    expect(Number(detail.bids[0][0])).toBeLessThan(Number(detail.asks[0][0]));
    expect(detail.trades[0].trade_id).toBe(lastTrade!.tradeId);
    expect(detail.quality).toMatchObject({ crossed: 0, invalid_book: 0, gaps: 0 });
    // A capture's receive time minus Binance's event time: a real, small delay.
    expect(detail.latency!.samples).toBeGreaterThan(100);
    expect(Math.abs(detail.latency!.p50_ms)).toBeLessThan(5000);
    expect(detail.ticker).toBeDefined();
    market.stop();
  }, 60_000);
});

/**
 * A book by plain means, independent of the project's LocalBook: a map from price text (trailing
 * zeros cut) to the level as last sent, sorted when read.
 */
class PlainBook {
  loaded = false;
  private readonly sides = { bid: new Map<string, [string, string]>(), ask: new Map<string, [string, string]>() };

  load(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]): void {
    this.sides.bid.clear();
    this.sides.ask.clear();
    this.change(bids, asks);
    this.loaded = true;
  }

  change(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]): void {
    for (const [side, levels] of [
      ['bid', bids],
      ['ask', asks],
    ] as const) {
      for (const [price, qty] of levels) {
        const key = price.includes('.') ? price.replace(/0+$/, '').replace(/\.$/, '') : price;
        if (Number(qty) === 0) this.sides[side].delete(key);
        else this.sides[side].set(key, [price, qty]);
      }
    }
  }

  top(side: 'bid' | 'ask', n: number): Array<[string, string]> {
    const levels = [...this.sides[side].values()].sort((a, b) => (side === 'bid' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
    return levels.slice(0, n);
  }

  size(side: 'bid' | 'ask'): number {
    return this.sides[side].size;
  }
}
