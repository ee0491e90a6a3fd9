import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { priceToTicks, qtyToLots } from '../../src/shared/decimal.js';
import type { MarketRecord, PriceLevel } from '../../src/marketdata/records.js';
import { SyntheticMarket, syntheticFeed, type SyntheticListing } from '../../src/marketdata/synthetic.js';
import { DEFAULT_LISTINGS } from '../../src/venue/instruments.js';

const START = Date.UTC(2024, 0, 2, 14, 30);

/** Lets every promise and stream callback that can run, run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every default listing, equities included, as the generator takes them. */
const LISTINGS: SyntheticListing[] = DEFAULT_LISTINGS.map((l) => ({
  symbol: l.instrument.symbol,
  tickSize: l.instrument.tickSize,
  lotSize: l.instrument.lotSize,
  referencePrice: l.referencePrice!,
  volatility: l.assetClass === 'equity' ? 0.3 : 0.6,
  tradesPerSecond: 3,
}));

const grid = new Map(LISTINGS.map((l) => [l.symbol, l]));

function steps(market: SyntheticMarket, n: number): MarketRecord[] {
  const out: MarketRecord[] = [];
  for (let i = 0; i < n; i++) out.push(...market.next());
  return out;
}

const market = (overrides: Partial<ConstructorParameters<typeof SyntheticMarket>[0]> = {}): SyntheticMarket =>
  new SyntheticMarket({ listings: LISTINGS, seed: 42, startTime: START, ...overrides });

/** A book in ticks and lots, kept from snapshots and changes as any consumer keeps one. */
class TestBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  constructor(private readonly listing: SyntheticListing) {}

  private ticks(price: string): number {
    const r = priceToTicks(price, this.listing.tickSize);
    if (!r.ok) throw new Error(`${this.listing.symbol}: price ${price} is off the ${this.listing.tickSize} grid`);
    return r.units;
  }

  private lots(qty: string): number {
    const r = qtyToLots(qty, this.listing.lotSize);
    if (!r.ok) throw new Error(`${this.listing.symbol}: quantity ${qty} is off the ${this.listing.lotSize} grid`);
    return r.units;
  }

  apply(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    for (const [side, levels] of [[this.bids, bids] as const, [this.asks, asks] as const]) {
      for (const [price, qty] of levels) {
        const lots = this.lots(qty);
        if (lots === 0) side.delete(this.ticks(price));
        else side.set(this.ticks(price), lots);
      }
    }
  }

  get bestBid(): number {
    return Math.max(...this.bids.keys());
  }
  get bestAsk(): number {
    return Math.min(...this.asks.keys());
  }
  depth(side: 'bid' | 'ask'): number {
    let total = 0;
    for (const lots of (side === 'bid' ? this.bids : this.asks).values()) total += lots;
    return total;
  }
}

describe('SyntheticMarket', () => {
  it('gives the same records for the same seed and start time, and different ones for another seed', () => {
    const a = steps(market(), 300);
    const b = steps(market(), 300);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = steps(market({ seed: 43 }), 300);
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('keeps a symbol the same when other symbols are added', () => {
    const btc = LISTINGS.filter((l) => l.symbol === 'BTCUSDT');
    const alone = steps(new SyntheticMarket({ listings: btc, seed: 7, startTime: START }), 200).filter((r) => r.symbol === 'BTCUSDT');
    const together = steps(new SyntheticMarket({ listings: LISTINGS, seed: 7, startTime: START }), 200).filter((r) => r.symbol === 'BTCUSDT');
    expect(together).toEqual(alone);
  });

  it('opens with a feed status and one snapshot per symbol, then trades, book changes and tickers for every symbol', () => {
    const records = steps(market(), 600);
    expect(records[0]).toMatchObject({ type: 'feed_status', exchange: 'synthetic', state: 'live' });
    expect(records.slice(1, 1 + LISTINGS.length).map((r) => [r.type, r.symbol])).toEqual(LISTINGS.map((l) => ['book_snapshot', l.symbol]));
    for (const l of LISTINGS) {
      const kinds = new Set(records.filter((r) => r.symbol === l.symbol).map((r) => r.type));
      expect([...kinds].sort(), l.symbol).toEqual(['book_change', 'book_snapshot', 'ticker', 'trade']);
    }
    for (let i = 1; i < records.length; i++) expect(records[i].localTime).toBeGreaterThanOrEqual(records[i - 1].localTime);
  });

  it('puts every price on the tick grid and every quantity on the lot grid, equities and crypto alike', () => {
    const offGrid: string[] = [];
    const checked = new Set<string>();
    for (const r of steps(market(), 600)) {
      if (r.type === 'feed_status') continue;
      const { tickSize, lotSize } = grid.get(r.symbol)!;
      const prices: string[] = [];
      const quantities: string[] = [];
      if (r.type === 'trade') {
        prices.push(r.price);
        quantities.push(r.quantity);
      } else if (r.type === 'ticker') {
        prices.push(r.bestBidPrice, r.bestAskPrice, ...(r.lastPrice !== undefined ? [r.lastPrice] : []));
        quantities.push(r.bestBidQuantity, r.bestAskQuantity, ...(r.lastQuantity !== undefined ? [r.lastQuantity] : []));
      } else {
        for (const [p, q] of [...r.bids, ...r.asks]) {
          prices.push(p);
          quantities.push(q);
        }
      }
      for (const p of prices) {
        const t = priceToTicks(p, tickSize);
        if (!t.ok || t.units <= 0) offGrid.push(`${r.symbol} ${r.type} price ${p}`);
      }
      for (const q of quantities) {
        const lots = qtyToLots(q, lotSize);
        // Only a book change may carry "0" (the level went away).
        if (!lots.ok || lots.units < 0 || (lots.units === 0 && r.type !== 'book_change')) offGrid.push(`${r.symbol} ${r.type} quantity ${q}`);
      }
      checked.add(r.symbol);
    }
    expect(offGrid).toEqual([]);
    expect([...checked].sort()).toEqual(LISTINGS.map((l) => l.symbol).sort());
  });

  it('never crosses or locks the book, and trades happen at prices the book showed', () => {
    const books = new Map(LISTINGS.map((l) => [l.symbol, new TestBook(l)]));
    let trades = 0;
    for (const r of steps(market(), 1500)) {
      if (r.type === 'feed_status') continue;
      const book = books.get(r.symbol)!;
      const listing = grid.get(r.symbol)!;
      if (r.type === 'book_snapshot' || r.type === 'book_change') {
        book.apply(r.bids, r.asks);
        expect(book.bestBid, `${r.symbol} at ${r.localTime}`).toBeLessThan(book.bestAsk);
      } else if (r.type === 'ticker') {
        expect(priceToTicks(r.bestBidPrice, listing.tickSize)).toEqual({ ok: true, units: book.bestBid });
        expect(priceToTicks(r.bestAskPrice, listing.tickSize)).toEqual({ ok: true, units: book.bestAsk });
      } else if (r.type === 'trade') {
        trades++;
        const t = priceToTicks(r.price, listing.tickSize);
        const level = t.ok ? (r.side === 'buy' ? book.asks : book.bids).get(t.units) : undefined;
        expect(level, `${r.symbol} ${r.side} trade at ${r.price} hits a level of the book`).toBeDefined();
      }
    }
    expect(trades).toBeGreaterThan(100);
  });

  it('chains book update ids from the snapshot on, with no gap', () => {
    const last = new Map<string, number>();
    for (const r of steps(market(), 300)) {
      if (r.type === 'book_snapshot') last.set(r.symbol, r.lastUpdateId);
      if (r.type === 'book_change') {
        expect(r.firstUpdateId).toBe(last.get(r.symbol)! + 1);
        expect(r.lastUpdateId).toBeGreaterThanOrEqual(r.firstUpdateId);
        last.set(r.symbol, r.lastUpdateId);
      }
    }
  });

  it('refills depth that trades took: every side is back to its full number of levels after each change', () => {
    const depthLevels = 12;
    const btc = LISTINGS.filter((l) => l.symbol === 'BTCUSDT' || l.symbol === 'AAPL').map((l) => ({ ...l, tradesPerSecond: 20 }));
    const book = new Map(btc.map((l) => [l.symbol, new TestBook(l)]));
    const initial = new Map<string, number>();
    let sweptLevels = 0;
    for (const r of steps(new SyntheticMarket({ listings: btc, seed: 3, startTime: START, depthLevels, tradeNotional: 30_000 }), 2000)) {
      if (r.type === 'feed_status' || r.type === 'ticker') continue;
      const b = book.get(r.symbol)!;
      if (r.type === 'trade') {
        const lots = qtyToLots(r.quantity, grid.get(r.symbol)!.lotSize);
        const price = priceToTicks(r.price, grid.get(r.symbol)!.tickSize);
        const side = r.side === 'buy' ? b.asks : b.bids;
        if (lots.ok && price.ok && side.get(price.units) === lots.units) sweptLevels++;
        continue;
      }
      b.apply(r.bids, r.asks);
      expect(b.bids.size).toBe(depthLevels);
      expect(b.asks.size).toBe(depthLevels);
      if (r.type === 'book_snapshot') initial.set(r.symbol, b.depth('bid') + b.depth('ask'));
      // Depth wobbles but does not drain away under steady trading.
      expect(b.depth('bid') + b.depth('ask')).toBeGreaterThan(initial.get(r.symbol)! / 4);
    }
    // Trades did take whole levels, so the full book after each change is the refill at work.
    expect(sweptLevels).toBeGreaterThan(50);
  });

  it('sends trades in bursts: counts per second vary more than arrivals at a steady rate would', () => {
    const one = LISTINGS.filter((l) => l.symbol === 'ETHUSDT').map((l) => ({ ...l, tradesPerSecond: 5 }));
    const perSecond = new Map<number, number>();
    const m = new SyntheticMarket({ listings: one, seed: 11, startTime: START });
    const seconds = 600;
    let lastSweep = '';
    for (const r of steps(m, seconds * 10)) {
      if (r.type !== 'trade') continue;
      // One aggressive order that sweeps several levels prints several trades at one instant: count it once.
      const key = `${r.localTime}/${r.side}`;
      if (key === lastSweep) continue;
      lastSweep = key;
      const s = Math.floor((r.localTime - START) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    const counts = Array.from({ length: seconds }, (_, s) => perSecond.get(s) ?? 0);
    const mean = counts.reduce((a, b) => a + b, 0) / seconds;
    const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / seconds;
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(7);
    // A Poisson count has variance equal to its mean; bursts make it larger.
    expect(variance / mean).toBeGreaterThan(1.5);
  });

  it('moves each price by its own volatility', () => {
    const calm = { ...LISTINGS.find((l) => l.symbol === 'AAPL')!, volatility: 0.05 };
    const wild = { ...LISTINGS.find((l) => l.symbol === 'MSFT')!, referencePrice: '190.00', volatility: 2 };
    const ranges = new Map<string, { lo: number; hi: number }>();
    for (const r of steps(new SyntheticMarket({ listings: [calm, wild], seed: 5, startTime: START }), 3000)) {
      if (r.type !== 'ticker') continue;
      const mid = (Number(r.bestBidPrice) + Number(r.bestAskPrice)) / 2;
      const range = ranges.get(r.symbol) ?? { lo: mid, hi: mid };
      ranges.set(r.symbol, { lo: Math.min(range.lo, mid), hi: Math.max(range.hi, mid) });
    }
    const width = (s: string): number => ranges.get(s)!.hi - ranges.get(s)!.lo;
    expect(width('MSFT')).toBeGreaterThan(3 * width('AAPL'));
  });

  it('refuses a reference price off the tick grid, a bad seed and a listing given twice', () => {
    const aapl = LISTINGS.find((l) => l.symbol === 'AAPL')!;
    expect(() => new SyntheticMarket({ listings: [{ ...aapl, referencePrice: '190.005' }], seed: 1, startTime: START })).toThrow(/AAPL: reference price 190.005/);
    expect(() => new SyntheticMarket({ listings: [aapl], seed: -1, startTime: START })).toThrow(/seed/);
    expect(() => new SyntheticMarket({ listings: [aapl, aapl], seed: 1, startTime: START })).toThrow(/AAPL is listed twice/);
  });
});

describe('syntheticFeed', () => {
  const btc = LISTINGS.filter((l) => l.symbol === 'BTCUSDT');

  it("as fast as read ('max'), gives the market's records and ends after its duration", async () => {
    const clock = new ManualClock(START);
    const records: MarketRecord[] = [];
    for await (const r of syntheticFeed({ listings: btc, seed: 9, clock, speed: 'max', durationMs: 5000 })) records.push(r);
    const expected = steps(new SyntheticMarket({ listings: btc, seed: 9, startTime: START }), 51);
    expect(records.slice(0, -1)).toEqual(expected);
    expect(records.at(-1)).toMatchObject({ type: 'feed_status', state: 'down', reason: 'source_ended', localTime: START + 5000 });
    expect(clock.now()).toBe(START);
  });

  it('at real time, releases each record only when the clock reaches its time', async () => {
    const expected = steps(new SyntheticMarket({ listings: btc, seed: 9, startTime: START }), 2);
    const clock = new ManualClock(START);
    const feed = syntheticFeed({ listings: btc, seed: 9, clock })[Symbol.asyncIterator]();
    expect((await feed.next()).value).toEqual(expected[0]);
    expect((await feed.next()).value).toEqual(expected[1]);
    for (const record of expected.slice(2, 6)) {
      let released = false;
      const next = feed.next().then((r) => {
        released = true;
        return r.value;
      });
      clock.set(record.localTime - 1);
      clock.advance(0);
      await settle();
      expect(released).toBe(false);
      clock.advance(1);
      expect(await next).toEqual(record);
    }
    await feed.return?.();
  });

  it('stops when its signal fires, even while waiting for the clock', async () => {
    const clock = new ManualClock(START);
    const stop = new AbortController();
    const feed = syntheticFeed({ listings: btc, seed: 9, clock, signal: stop.signal })[Symbol.asyncIterator]();
    await feed.next();
    await feed.next();
    const waiting = feed.next();
    stop.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });
});
