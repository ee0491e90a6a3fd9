import { describe, expect, it } from 'vitest';
import type { MarketRecord } from '../../src/marketdata/records.js';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { ReferenceQuote } from '../../src/strategy/reference-quote.js';

const grid = new InstrumentGrid({ symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' });
const base = { exchange: 'binance', symbol: 'BTCUSDT', localTime: 1 };

describe('the reference quote', () => {
  it('takes its top of book from tickers and says when the bid or ask moved', () => {
    const q = new ReferenceQuote(grid);
    expect(q.valid).toBe(false);
    const t: MarketRecord = { ...base, type: 'ticker', bestBidPrice: '61737.63000000', bestBidQuantity: '1.5', bestAskPrice: '61737.64000000', bestAskQuantity: '0.25' };
    expect(q.apply(t)).toBe(true);
    expect(q).toMatchObject({ bidTicks: 6_173_763, askTicks: 6_173_764, bidSize: 1.5, askSize: 0.25, valid: true, live: true });
    expect(q.mid2).toBe(12_347_527);
    expect(q.mid).toBe(6_173_763.5);
    // The same top again (sizes only) is not a move.
    expect(q.apply({ ...t, bestBidQuantity: '2' })).toBe(false);
    expect(q.bidSize).toBe(2);
  });

  it('from book snapshots (best levels first) too; trades set the last price only', () => {
    const q = new ReferenceQuote(grid);
    expect(q.apply({ ...base, type: 'book_snapshot', bids: [['100.00', '1'], ['99.99', '1']], asks: [['100.02', '1']], lastUpdateId: 1 })).toBe(true);
    expect(q.mid2).toBe(20_002);
    expect(q.apply({ ...base, type: 'trade', tradeId: '1', price: '100.01', quantity: '0.1', side: 'buy', exchangeTime: 1 })).toBe(false);
    expect(q.lastTradeTicks).toBe(10_001);
    expect(q.apply({ ...base, type: 'book_change', bids: [['100.01', '1']], asks: [], firstUpdateId: 2, lastUpdateId: 2, exchangeTime: 1 })).toBe(false);
    expect(q.mid2).toBe(20_002);
  });

  it('a feed status that is not live makes it unusable for quoting until live again', () => {
    const q = new ReferenceQuote(grid);
    q.apply({ ...base, type: 'ticker', bestBidPrice: '100.00', bestBidQuantity: '1', bestAskPrice: '100.02', bestAskQuantity: '1' });
    q.apply({ ...base, type: 'feed_status', state: 'resyncing', reason: 'sequence_gap' });
    expect(q).toMatchObject({ valid: true, live: false });
    q.apply({ ...base, type: 'feed_status', state: 'live', reason: 'snapshot_applied' });
    expect(q.live).toBe(true);
  });

  it('ignores prices off the grid, counting them; a crossed top is not valid', () => {
    const q = new ReferenceQuote(grid);
    expect(q.apply({ ...base, type: 'ticker', bestBidPrice: '100.001', bestBidQuantity: '1', bestAskPrice: '100.02', bestAskQuantity: '1' })).toBe(false);
    expect(q.rejected).toBe(1);
    q.apply({ ...base, type: 'ticker', bestBidPrice: '100.03', bestBidQuantity: '1', bestAskPrice: '100.02', bestAskQuantity: '1' });
    expect(q.valid).toBe(false);
  });
});
