import { describe, expect, it } from 'vitest';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { formatMoney } from '../../src/strategy/money.js';

const btc = new InstrumentGrid({ symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' });

describe('an instrument grid', () => {
  it('converts exact decimals to ticks and lots and back; off the grid is undefined, never rounded', () => {
    expect(btc.ticks('65000.01')).toBe(6_500_001);
    expect(btc.ticks('61737.63000000')).toBe(6_173_763);
    expect(btc.ticks('65000.015')).toBeUndefined();
    expect(btc.lots('0.00500000')).toBe(500);
    expect(btc.lots('0.000001')).toBeUndefined();
    expect(btc.price(6_500_001)).toBe('65000.01');
    expect(btc.quantity(500)).toBe('0.00500');
  });

  it('counts whole lots within a quantity, rounding down (for limits)', () => {
    expect(btc.lotsWithin('0.123456')).toBe(12_345);
    expect(btc.lotsWithin('0')).toBe(0);
    expect(btc.lotsWithin('-1')).toBeUndefined();
    expect(btc.lotsWithin('x')).toBeUndefined();
  });

  it('gives the exact notional of ticks × lots', () => {
    expect(formatMoney(btc.notional(6_500_000, 100_000))).toBe('65000');
    expect(formatMoney(btc.notional(6_500_001, 1))).toBe('0.6500001');
    expect(btc.quotePerUnit).toBeCloseTo(1e-7, 20);
  });

  it('refuses a grid it cannot keep money exact on', () => {
    expect(() => new InstrumentGrid({ symbol: 'X', tickSize: '0', lotSize: '1' })).toThrow(/positive decimals/);
    expect(() => new InstrumentGrid({ symbol: 'X', tickSize: '0.000000001', lotSize: '0.000000001' })).toThrow(/decimal places/);
  });
});
