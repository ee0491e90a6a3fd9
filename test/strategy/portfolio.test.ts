import { describe, expect, it } from 'vitest';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { formatMoney } from '../../src/strategy/money.js';
import { NO_FEES, Portfolio, Position, type PortfolioFill } from '../../src/strategy/portfolio.js';

// Tick 1 and lot 1: ticks are currency units, so the P&L is easy to check by hand.
const unitGrid = new InstrumentGrid({ symbol: 'U', tickSize: '1', lotSize: '1' });
const btc = new InstrumentGrid({ symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' });

const fill = (side: 'buy' | 'sell', priceTicks: number, lots: number, liquidity: 'maker' | 'taker' = 'maker'): PortfolioFill => ({ symbol: 'U', side, priceTicks, lots, liquidity });
const money = (m: bigint): string => formatMoney(m);

describe('positions and P&L (first in, first out)', () => {
  it('long: a reducing fill realizes against the oldest lots; the rest is marked to the mid', () => {
    const p = new Position(unitGrid);
    p.apply(fill('buy', 100, 2), NO_FEES);
    p.apply(fill('buy', 103, 1), NO_FEES);
    expect(p.lots).toBe(3);
    expect(p.averagePrice()).toBe('101.0000'); // (200 + 103) / 3
    const out = p.apply(fill('sell', 105, 2), NO_FEES);
    // The two lots bought at 100 go first: (105 − 100) × 2.
    expect(money(out.realized)).toBe('10');
    expect(out.closed).toBe(true);
    expect(p.lots).toBe(1);
    expect(p.averagePrice()).toBe('103.0000');
    // Mid 104 (bid 103, ask 105 → mid2 208): (104 − 103) × 1.
    expect(money(p.unrealized(208))).toBe('1');
    expect(money(p.pnl(208))).toBe('11');
    expect(money(p.turnover)).toBe(String(200 + 103 + 210));
  });

  it('short: selling first, buying back below realizes the difference', () => {
    const p = new Position(unitGrid);
    p.apply(fill('sell', 100, 3), NO_FEES);
    expect(p.lots).toBe(-3);
    expect(p.averagePrice()).toBe('100.0000');
    expect(money(p.apply(fill('buy', 90, 1), NO_FEES).realized)).toBe('10');
    // Two left short at 100, marked at 95: (100 − 95) × 2.
    expect(money(p.unrealized(190))).toBe('10');
    expect(p.unrealizedFloat(190)).toBeCloseTo(10, 12);
    // Marked above the entry it is a loss.
    expect(money(p.unrealized(220))).toBe('-20');
  });

  it('a fill through zero closes the position and opens the other way at the fill price', () => {
    const p = new Position(unitGrid);
    p.apply(fill('buy', 100, 1), NO_FEES);
    const out = p.apply(fill('sell', 110, 3), NO_FEES);
    expect(money(out.realized)).toBe('10');
    expect(p.lots).toBe(-2);
    expect(p.averagePrice()).toBe('110.0000');
    expect(p.openLots).toEqual([{ priceTicks: 110, lots: 2 }]);
  });

  it('an opening fill realizes nothing and is not a closed trade', () => {
    const p = new Position(unitGrid);
    const out = p.apply(fill('buy', 100, 1), NO_FEES);
    expect(out).toMatchObject({ closed: false, realized: 0n, positionLots: 1 });
    expect(p.averagePrice()).toBeDefined();
    p.apply(fill('sell', 100, 1), NO_FEES);
    expect(p.averagePrice()).toBeUndefined();
  });

  it('fees by liquidity in basis points of notional, rebates negative', () => {
    const portfolio = new Portfolio([unitGrid], { makerBps: -1, takerBps: 5 });
    const taker = portfolio.applyFill(fill('buy', 1000, 10, 'taker')); // notional 10,000
    expect(money(taker.fee)).toBe('5');
    const maker = portfolio.applyFill(fill('sell', 1000, 10, 'maker'));
    expect(money(maker.fee)).toBe('-1');
    const p = portfolio.position('U');
    expect(money(p.fees)).toBe('4');
    expect(money(p.pnl(2000))).toBe('-4');
    expect(p.pnlFloat(2000)).toBeCloseTo(-4, 12);
  });

  it('money stays exact on a fine grid: BTC at a cent and a hundred-thousandth', () => {
    const p = new Position(btc);
    // 0.00003 BTC at 65000.01: 1.9500003 USDT.
    const out = p.apply({ symbol: 'BTCUSDT', side: 'buy', priceTicks: 6_500_001, lots: 3, liquidity: 'maker' }, { makerBps: 0.5, takerBps: 0 });
    expect(money(out.notional)).toBe('1.9500003');
    expect(money(out.fee)).toBe('0.000097500015');
    // Mid half a tick above: bid 65000.01, ask 65000.02 → unrealized 3 lots × half a tick = 0.00000015.
    expect(money(p.unrealized(6_500_001 + 6_500_002))).toBe('0.00000015');
    expect(p.averagePrice()).toBe('65000.010000');
  });

  it('positions are kept per symbol; an unknown symbol is an error', () => {
    const portfolio = new Portfolio([unitGrid, btc]);
    expect(portfolio.symbols()).toEqual(['U', 'BTCUSDT']);
    expect(() => portfolio.position('ETH')).toThrow(/no position kept/);
  });
});
