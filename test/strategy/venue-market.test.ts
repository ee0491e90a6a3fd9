import { describe, expect, it } from 'vitest';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { VenueBookView } from '../../src/strategy/venue-market.js';

const grid = new InstrumentGrid({ symbol: 'TEST', tickSize: '0.01', lotSize: '1' });

describe("the venue's top of book as strategies see it", () => {
  it('in ticks and lots, with its imbalance', () => {
    const v = new VenueBookView(grid);
    expect(v.apply({ symbol: 'TEST', bidPrice: '99.99', bidQuantity: '30', askPrice: '100.01', askQuantity: '10', time: 5 })).toBe(true);
    expect(v).toMatchObject({ bidTicks: 9_999, bidLots: 30, askTicks: 10_001, askLots: 10, hasBid: true, hasAsk: true, time: 5 });
    expect(v.imbalance).toBeCloseTo(0.5, 12);
  });

  it('an empty side is zero, and the imbalance is zero without both sides', () => {
    const v = new VenueBookView(grid);
    v.apply({ symbol: 'TEST', askPrice: '100.01', askQuantity: '10', time: 1 });
    expect(v).toMatchObject({ bidTicks: 0, bidLots: 0, hasBid: false, hasAsk: true, imbalance: 0 });
  });

  it('leaves the view as it was when a price is off the grid', () => {
    const v = new VenueBookView(grid);
    v.apply({ symbol: 'TEST', bidPrice: '99.99', bidQuantity: '1', time: 1 });
    expect(v.apply({ symbol: 'TEST', bidPrice: '99.995', bidQuantity: '1', time: 2 })).toBe(false);
    expect(v).toMatchObject({ bidTicks: 9_999, time: 1 });
    expect(v.applyTrade({ symbol: 'TEST', tradeId: '1', price: '99.99', quantity: '1', takerSide: 'sell', time: 3 })).toBe(true);
    expect(v.lastTradeTicks).toBe(9_999);
  });
});
