import { describe, expect, it } from 'vitest';
import { CandleSeries, MAX_CANDLES, SymbolCandles } from '../../web/src/candles.js';

const trade = (id: number, seconds: number, price: number, qty = 1) => ({ id, time: seconds * 1000, price, qty });

describe('candles from trades', () => {
  it('builds open, high, low, close and volume per bucket', () => {
    const s = new CandleSeries(60);
    s.add(trade(1, 120, 100));
    s.add(trade(2, 130, 105, 2));
    s.add(trade(3, 170, 98));
    s.add(trade(4, 185, 101, 5));
    expect(s.candles.map(({ time, open, high, low, close, volume }) => ({ time, open, high, low, close, volume }))).toEqual([
      { time: 120, open: 100, high: 105, low: 98, close: 98, volume: 4 },
      { time: 180, open: 101, high: 101, low: 101, close: 101, volume: 5 },
    ]);
  });

  it('keeps open and close right when trades arrive out of order', () => {
    const s = new CandleSeries(1);
    s.add(trade(5, 10, 50));
    s.add(trade(3, 10, 40));
    s.add(trade(9, 12, 70));
    s.add(trade(7, 11, 60)); // a late trade into a new bucket between two others
    expect(s.candles.map((c) => [c.time, c.open, c.close])).toEqual([
      [10, 40, 50],
      [11, 60, 60],
      [12, 70, 70],
    ]);
    expect(s.takeChanges()).toEqual({ reset: true, from: 0 });
    expect(s.takeChanges()).toBeUndefined();
  });

  it('reports only the changed tail for a chart to update cheaply', () => {
    const s = new CandleSeries(1);
    s.add(trade(1, 1, 10));
    s.takeChanges();
    s.add(trade(2, 1, 11));
    s.add(trade(3, 2, 12));
    expect(s.takeChanges()).toEqual({ reset: false, from: 0 });
    s.add(trade(4, 3, 12));
    expect(s.takeChanges()).toEqual({ reset: false, from: 2 });
  });

  it('stays bounded', () => {
    const s = new CandleSeries(1);
    for (let i = 0; i < MAX_CANDLES * 2; i++) s.add(trade(i + 1, i, 100));
    expect(s.candles.length).toBeLessThanOrEqual(MAX_CANDLES);
    expect(s.candles[s.candles.length - 1].time).toBe(MAX_CANDLES * 2 - 1);
  });

  it('drops a trade it has already counted (stream and REST history overlap)', () => {
    const c = new SymbolCandles();
    expect(c.add(trade(1, 5, 100, 3))).toBe(true);
    expect(c.add(trade(1, 5, 100, 3))).toBe(false);
    expect(c.add(trade(2, 5, 101, 1))).toBe(true);
    expect(c.series[1].candles[0].volume).toBe(4);
    expect(c.series[300].candles[0].volume).toBe(4);
  });
});
