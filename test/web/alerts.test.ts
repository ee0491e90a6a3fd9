import { describe, expect, it } from 'vitest';
import { type AlertThresholds, AlertWatch, DEFAULT_ALERT_THRESHOLDS, MAX_SAMPLES, MAX_SYMBOLS, readAlertThresholds, thresholdProblem } from '../../web/src/alerts.js';

/** A watch on a hand-driven clock; prices at 2 decimals, quantities whole. */
function setup(over: Partial<AlertThresholds> = {}) {
  let now = 1_000_000;
  const watch = new AlertWatch({ ...DEFAULT_ALERT_THRESHOLDS, ...over }, () => now);
  return {
    watch,
    at: (ms: number) => (now = ms),
    advance: (ms: number) => (now += ms),
    trade: (symbol: string, price: number, qty = 1) => watch.trade({ symbol, price, qty, priceScale: 2, qtyScale: 0 }),
  };
}

describe('price-move alerts', () => {
  it('fires at exactly the threshold within the window, naming the symbol and the move', () => {
    const m = setup();
    expect(m.trade('AAPL', 10_000)).toEqual([]);
    m.advance(30_000);
    expect(m.trade('AAPL', 10_099)).toEqual([]); // 0.99 %: below
    m.advance(1000);
    const alerts = m.trade('AAPL', 10_100); // 1.00 %: at
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'price_move', symbol: 'AAPL', title: 'AAPL +1.00 %' });
    expect(alerts[0].text).toBe('AAPL moved +1.00 % in 60 s: 100.00 → 101.00');
  });

  it('sees falls too, and forgets prices older than the window', () => {
    const m = setup();
    m.trade('MSFT', 10_000);
    m.advance(61_000);
    expect(m.trade('MSFT', 9_800)).toEqual([]); // 2 % below a price now outside the window
    m.advance(1000);
    expect(m.trade('MSFT', 9_702)[0]).toMatchObject({ kind: 'price_move', title: 'MSFT −1.00 %' });
  });

  it('waits out the cool-down per symbol, other symbols unaffected', () => {
    const m = setup({ cooldownS: 30 });
    m.trade('AAPL', 10_000);
    m.trade('MSFT', 10_000);
    expect(m.trade('AAPL', 10_200)).toHaveLength(1);
    m.advance(1000);
    expect(m.trade('AAPL', 10_500)).toEqual([]); // 2.9 % more, but cooling down
    expect(m.trade('MSFT', 10_200)).toHaveLength(1);
    m.advance(29_000);
    expect(m.trade('AAPL', 10_800)).toHaveLength(1); // 30 s after the first: due again
  });
});

describe('volume-spike alerts', () => {
  /** A steady minute: one lot every second for 70 s. */
  function steady(m: ReturnType<typeof setup>, symbol: string): void {
    for (let i = 0; i < 70; i++) {
      m.trade(symbol, 10_000, 1);
      m.advance(1000);
    }
  }

  it('fires when the last 10 s reach K times the average 10 s, and not below', () => {
    const m = setup({ volumeFactor: 5, volumeMinTrades: 5 });
    steady(m, 'AAPL');
    // Baseline: 10 lots a 10 s. The last 10 s already hold 9; 40 more make 49 < 50.
    for (let i = 0; i < 40; i++) expect(m.trade('AAPL', 10_000, 1)).toEqual([]);
    const alerts = m.trade('AAPL', 10_000, 1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'volume_spike', symbol: 'AAPL' });
    expect(alerts[0].text).toContain('AAPL traded 50 in 10 s');
    // Cool-down: more volume does not repeat it.
    expect(m.trade('AAPL', 10_000, 100)).toEqual([]);
  });

  it('needs the minimum number of trades: one big print in a quiet market is not a spike', () => {
    const m = setup({ volumeFactor: 5, volumeMinTrades: 20 });
    steady(m, 'AAPL');
    m.advance(9000); // the last 10 s hold a single trade
    expect(m.trade('AAPL', 10_000, 1_000)).toEqual([]);
  });

  it('says nothing before it has watched a full minute', () => {
    const m = setup({ volumeMinTrades: 1 });
    m.trade('AAPL', 10_000, 1);
    expect(m.trade('AAPL', 10_000, 1_000)).toEqual([]);
  });
});

describe('risk-limit alerts', () => {
  const strategy = (state: string) => ({ id: 'mm-AAPL', symbol: 'AAPL', kind: 'mm', state, kill: state === 'killed' ? { code: 2101, reason: 'max loss 500 reached' } : undefined });

  it('fires when a strategy turns killed, naming it and the kill reason', () => {
    const m = setup();
    expect(m.watch.strategies([strategy('running')])).toEqual([]);
    const alerts = m.watch.strategies([strategy('killed')]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toBe('mm-AAPL (AAPL mm) killed: max loss 500 reached (2101)');
    expect(m.watch.strategies([strategy('killed')])).toEqual([]); // still killed: not news
  });

  it('is not news for a strategy already killed when first seen, and cools down on flapping', () => {
    const m = setup({ cooldownS: 30 });
    expect(m.watch.strategies([strategy('killed')])).toEqual([]);
    m.watch.strategies([strategy('running')]);
    expect(m.watch.strategies([strategy('killed')])).toHaveLength(1);
    m.watch.strategies([strategy('running')]);
    expect(m.watch.strategies([strategy('killed')])).toEqual([]);
    m.advance(30_000);
    m.watch.strategies([strategy('running')]);
    expect(m.watch.strategies([strategy('killed')])).toHaveLength(1);
  });
});

describe('bounded memory', () => {
  it('forgets the least recently traded symbol beyond MAX_SYMBOLS', () => {
    const m = setup();
    for (let i = 0; i < MAX_SYMBOLS + 50; i++) m.trade(`S${i}`, 10_000);
    expect(m.watch.followed).toBe(MAX_SYMBOLS);
    expect(m.watch.samples('S0')).toBe(0);
    expect(m.watch.samples(`S${MAX_SYMBOLS + 49}`)).toBeGreaterThan(0);
  });

  it('keeps at most MAX_SAMPLES prices a side of the window, even in a steady one-way run', () => {
    const m = setup({ priceMovePct: 100, priceWindowS: 600 });
    for (let i = 0; i < MAX_SAMPLES + 1000; i++) {
      m.trade('AAPL', 1_000_000 - i);
      m.advance(1);
    }
    expect(m.watch.samples('AAPL')).toBeLessThanOrEqual(MAX_SAMPLES + 1);
  });
});

describe('threshold settings', () => {
  it('refuses values out of range or of the wrong kind, and keeps the valid ones when read back', () => {
    expect(thresholdProblem('priceMovePct', 0)).toBe('must be between 0.01 and 100');
    expect(thresholdProblem('volumeMinTrades', 2.5)).toBe('must be a whole number');
    expect(thresholdProblem('cooldownS', Number.NaN)).toBe('must be a number');
    expect(thresholdProblem('volumeFactor', 3)).toBeUndefined();
    expect(readAlertThresholds({ priceMovePct: 2, priceWindowS: -5, volumeFactor: 'x' })).toEqual({ ...DEFAULT_ALERT_THRESHOLDS, priceMovePct: 2 });
    expect(readAlertThresholds(null)).toEqual(DEFAULT_ALERT_THRESHOLDS);
  });
});
