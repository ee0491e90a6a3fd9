import { describe, expect, it } from 'vitest';
import { canonicalDecimal, compareDecimal, hashLevels, LocalBook } from '../../src/marketdata/local-book.js';
import type { PriceLevel } from '../../src/marketdata/records.js';

const norm = (levels: readonly PriceLevel[]): string[][] => levels.map(([p, q]) => [canonicalDecimal(p) as string, canonicalDecimal(q) as string]);

describe.each([
  ['integer ticks', { tickSize: '0.01' }],
  ['decimal-text keys', {}],
])('LocalBook with %s', (_name, options) => {
  const book = (): LocalBook => {
    const b = new LocalBook('BTCUSDT', options);
    b.loadSnapshot(
      [['100.00', '1.5'], ['99.50', '2'], ['101.25', '0.1']],
      [['102.00', '3'], ['110.10', '4'], ['101.50', '5']],
      10,
      1000,
    );
    return b;
  };

  it('lists bids highest first and asks lowest first, whatever order they came in', () => {
    const b = book();
    expect(norm(b.bids())).toEqual([['101.25', '0.1'], ['100', '1.5'], ['99.5', '2']]);
    expect(norm(b.asks())).toEqual([['101.5', '5'], ['102', '3'], ['110.1', '4']]);
    expect(norm([b.bestBid() as PriceLevel])).toEqual([['101.25', '0.1']]);
    expect(norm([b.bestAsk() as PriceLevel])).toEqual([['101.5', '5']]);
    expect(norm(b.bids(2))).toHaveLength(2);
    expect(b.lastUpdateId).toBe(10);
    expect(b.localTime).toBe(1000);
  });

  it('takes a change as the new absolute size, and a zero quantity (any spelling) as a delete', () => {
    const b = book();
    expect(b.applyChange([['100.00000000', '7.25'], ['101.25', '0.00000000'], ['98', '1']], [['102.0', '0'], ['200', '0']], 11)).toBeUndefined();
    expect(norm(b.bids())).toEqual([['100', '7.25'], ['99.5', '2'], ['98', '1']]);
    // Deleting a level that is not there changes nothing.
    expect(norm(b.asks())).toEqual([['101.5', '5'], ['110.1', '4']]);
    expect(b.lastUpdateId).toBe(11);
  });

  it('treats "100.00000000" and "100" as one price level', () => {
    const b = book();
    b.applyChange([['100', '9']], [], 11);
    expect(b.bidLevels).toBe(3);
    expect(norm(b.bids())[1]).toEqual(['100', '9']);
  });

  it('tells crossed and locked books', () => {
    const b = book();
    expect(b.crossing()).toBe('normal');
    b.applyChange([['101.50', '1']], [], 11);
    expect(b.crossing()).toBe('locked');
    b.applyChange([['101.60', '1']], [], 12);
    expect(b.crossing()).toBe('crossed');
    b.loadSnapshot([['1', '1']], [], 13);
    expect(b.crossing()).toBe('one_sided');
  });

  it('refuses a bad quantity or price and says which level', () => {
    const b = book();
    expect(b.applyChange([['100', '-1']], [], 11)).toMatchObject({ code: 'invalid_quantity', side: 'bid', price: '100' });
    expect(b.applyChange([], [['0.000', '1']], 11)).toMatchObject({ code: 'invalid_price', side: 'ask' });
    expect(b.applyChange([], [['abc', '1']], 11)).toMatchObject({ code: 'invalid_price', side: 'ask' });
    expect(b.lastUpdateId).toBe(10);
  });

  it('a bad snapshot leaves the book empty', () => {
    const b = book();
    expect(b.loadSnapshot([['100', '1']], [['x', '1']], 20)).toBeDefined();
    expect(b.bidLevels + b.askLevels).toBe(0);
    expect(b.lastUpdateId).toBe(0);
  });
});

describe('LocalBook with a tick size', () => {
  it('refuses a price between ticks', () => {
    const b = new LocalBook('BTCUSDT', { tickSize: '0.01' });
    expect(b.applyChange([['100.005', '1']], [], 1)).toMatchObject({ code: 'price_off_tick', price: '100.005' });
  });

  it('writes prices on the tick grid', () => {
    const b = new LocalBook('BTCUSDT', { tickSize: '0.01' });
    b.loadSnapshot([['61737.63000000', '3.78826000']], [['61737.64000000', '1.5']], 1);
    expect(b.bids()).toEqual([['61737.63', '3.78826000']]);
    expect(b.asks()).toEqual([['61737.64', '1.5']]);
  });

  it('takes prices of more than 15 digits through the exact converter', () => {
    const b = new LocalBook('X', { tickSize: '0.00000001' });
    expect(b.loadSnapshot([['12345678.123456789000', '1']], [], 1)).toMatchObject({ code: 'price_off_tick' });
    expect(b.loadSnapshot([['12345678.12345678000', '1']], [], 3)).toBeUndefined();
    expect(b.bids()).toEqual([['12345678.12345678', '1']]);
  });

  it('refuses a tick size that is not a positive decimal', () => {
    expect(() => new LocalBook('X', { tickSize: '0' })).toThrow(RangeError);
  });

  it('grows past its initial capacity and keeps order (differential against a plain map)', () => {
    let seed = 42;
    const rand = (n: number): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const ticks = new LocalBook('X', { tickSize: '0.01' });
    const text = new LocalBook('X');
    const ref = { bid: new Map<string, string>(), ask: new Map<string, string>() };
    for (let step = 0; step < 20_000; step++) {
      const side = rand(2) === 0 ? 'bid' : 'ask';
      const cents = side === 'bid' ? 100_000 - rand(3000) : 100_001 + rand(3000);
      const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}${'0'.repeat(rand(3))}`;
      const qty = rand(4) === 0 ? '0.000' : `${1 + rand(50)}.5`;
      const level: PriceLevel[] = [[price, qty]];
      const [bids, asks] = side === 'bid' ? [level, []] : [[], level];
      ticks.applyChange(bids, asks, step);
      text.applyChange(bids, asks, step);
      const key = canonicalDecimal(price) as string;
      if (qty === '0.000') ref[side].delete(key);
      else ref[side].set(key, qty);
    }
    const sorted = (m: Map<string, string>, dir: number): PriceLevel[] => [...m].sort((a, b) => dir * compareDecimal(a[0], b[0]));
    const expected = hashLevels(sorted(ref.bid, -1), sorted(ref.ask, 1));
    expect(ticks.bidLevels).toBeGreaterThan(1024);
    expect(ticks.levelsHash()).toBe(expected);
    expect(text.levelsHash()).toBe(expected);
  });
});

describe('decimal helpers', () => {
  it('canonicalDecimal strips zeros that do not change the value', () => {
    expect(canonicalDecimal('061737.6300')).toBe('61737.63');
    expect(canonicalDecimal('0.000')).toBe('0');
    expect(canonicalDecimal('100')).toBe('100');
    expect(canonicalDecimal('0.5')).toBe('0.5');
    expect(canonicalDecimal('1e5')).toBeUndefined();
  });

  it('compareDecimal orders by value', () => {
    const sorted = ['10', '9.99', '100.5', '0.001', '9.5', '9'].sort(compareDecimal);
    expect(sorted).toEqual(['0.001', '9', '9.5', '9.99', '10', '100.5']);
  });

  it('hashLevels ignores how a number is written but not its value', () => {
    expect(hashLevels([['1.50', '2.0']], [])).toBe(hashLevels([['1.5', '2']], []));
    expect(hashLevels([['1.5', '2']], [])).not.toBe(hashLevels([['1.5', '2.1']], []));
    expect(hashLevels([['1.5', '2']], [])).not.toBe(hashLevels([], [['1.5', '2']]));
  });
});
