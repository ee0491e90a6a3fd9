import { describe, expect, it } from 'vitest';
import { venueMarketSource } from '../../src/cli/venue-market-adapter.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { VenueTopOfBook, VenueTrade } from '../../src/strategy/venue-market.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';

describe("the venue's market for strategies", () => {
  it('tells every subscriber each print and each top of book change, in exact decimals, at the command time', async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 2, 9, 30));
    const venue = new Venue({ config: resolveVenueConfig({}, { fixPort: 0 }), clock });
    const source = venueMarketSource(venue);
    const books: VenueTopOfBook[] = [];
    const trades: VenueTrade[] = [];
    const unsubscribe = source.subscribe({ onVenueBook: (b) => books.push(b), onVenueTrade: (t) => trades.push(t) });
    clock.advance(1000);
    await venue.orders.submit({ account: 'a', symbol: 'BTCUSDT', side: 'sell', type: 'limit', price: '65000.01', quantity: '0.00300' });
    await venue.orders.submit({ account: 'a', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: '64999.99', quantity: '0.001' });
    clock.advance(1000);
    await venue.orders.submit({ account: 'b', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: '65000.01', quantity: '0.00100', timeInForce: 'ioc' });
    const t1 = Date.UTC(2024, 0, 2, 9, 30, 1);
    expect(books).toEqual([
      { symbol: 'BTCUSDT', askPrice: '65000.01', askQuantity: '0.00300', time: t1 },
      { symbol: 'BTCUSDT', bidPrice: '64999.99', bidQuantity: '0.00100', askPrice: '65000.01', askQuantity: '0.00300', time: t1 },
      { symbol: 'BTCUSDT', bidPrice: '64999.99', bidQuantity: '0.00100', askPrice: '65000.01', askQuantity: '0.00200', time: t1 + 1000 },
    ]);
    expect(trades).toEqual([{ symbol: 'BTCUSDT', tradeId: expect.any(String), price: '65000.01', quantity: '0.00100', takerSide: 'buy', time: t1 + 1000 }]);
    unsubscribe();
    await venue.orders.submit({ account: 'b', symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: '65000.01', quantity: '0.001', timeInForce: 'ioc' });
    expect(trades).toHaveLength(1);
    await venue.stop();
  });
});
