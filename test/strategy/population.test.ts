import { describe, expect, it } from 'vitest';
import { venueMarketSource } from '../../src/cli/venue-market-adapter.js';
import { syntheticFeed } from '../../src/marketdata/synthetic.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createStrategy, instanceId, isStrategyKind } from '../../src/strategy/catalog.js';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { defaultPopulation } from '../../src/strategy/population.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';
import { T0 } from './support.js';

describe('the default strategy population', () => {
  it('one market maker and one taker per listing with a reference price, trading on the venue until stopped', async () => {
    const clock = new ManualClock(T0);
    const config = resolveVenueConfig(
      {
        instruments: [
          { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', assetClass: 'crypto' },
          { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.0001', referencePrice: '3500.00', assetClass: 'crypto' },
          { symbol: 'NOREF', tickSize: '0.01', lotSize: '1' },
        ],
      },
      { fixPort: 0 },
    );
    const venue = new Venue({ config, clock });
    const listings = config.listings.map((l) => ({ ...l.instrument, ...(l.referencePrice !== undefined ? { referencePrice: l.referencePrice } : {}) }));
    const feed = syntheticFeed({ listings: listings.filter((l) => l.referencePrice !== undefined) as never, seed: 3, clock, speed: 'max', startTime: T0, durationMs: 5_000 });
    const population = defaultPopulation({
      gateway: venue.orders,
      clock,
      referenceFeed: feed,
      venueMarket: venueMarketSource(venue),
      listings,
      params: { mm: { levels: 2, risk: { maxPosition: '1' } }, taker: { cooldownMs: 100 } },
    });
    expect(population.handles.map((h) => `${h.id}/${h.account}/${h.kind}`)).toEqual([
      'mm-BTCUSDT/mm-BTCUSDT/mm',
      'taker-BTCUSDT/taker-BTCUSDT/taker',
      'mm-ETHUSDT/mm-ETHUSDT/mm',
      'taker-ETHUSDT/taker-ETHUSDT/taker',
    ]);
    const mm = population.handle('mm-BTCUSDT')!;
    expect(mm.params()).toMatchObject({ levels: 2, risk: { maxPosition: '1' } });
    expect(population.handle('taker-ETHUSDT')!.params()).toMatchObject({ cooldownMs: 100 });
    population.start();
    expect(await population.feedDone).toBeUndefined();
    await population.runtime.settled();
    expect(mm.state().state).toBe('running');
    // It quoted two levels a side; the feed's end (a status "down") made it pull its quotes.
    expect(mm.metrics()).toMatchObject({ symbol: 'BTCUSDT', account: 'mm-BTCUSDT', state: 'running', orders: { placed: 4 } });
    expect(venue.orders.openOrders('mm-BTCUSDT')).toHaveLength(0);
    await population.stop();
    expect(venue.orders.openOrders()).toHaveLength(0);
    expect(population.handles.every((h) => h.state().state === 'stopped')).toBe(true);
    await venue.stop();
  });
});

describe('the built-in strategies by kind', () => {
  const grid = new InstrumentGrid({ symbol: 'TEST', tickSize: '0.01', lotSize: '1' });
  it('mm and taker, named per symbol', () => {
    expect(createStrategy('mm', {}, grid).kind).toBe('mm');
    expect(createStrategy('taker', { signal: 'both' }, grid).params()).toMatchObject({ signal: 'both' });
    expect(isStrategyKind('taker')).toBe(true);
    expect(isStrategyKind('arb')).toBe(false);
    expect(instanceId('mm', 'TEST')).toBe('mm-TEST');
  });
});
