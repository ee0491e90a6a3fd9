import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { ReferenceQuote } from '../../src/strategy/reference-quote.js';
import { allRiskCodes, type Exposure, PreTradeRisk, RiskCode } from '../../src/strategy/risk.js';

const grid = new InstrumentGrid({ symbol: 'TEST', tickSize: '0.01', lotSize: '1' });
const flat: Exposure = { positionLots: 0, buyLeavesLots: 0, sellLeavesLots: 0 };

function reference(bid = '99.99', ask = '100.01'): ReferenceQuote {
  const r = new ReferenceQuote(grid);
  r.apply({ type: 'ticker', exchange: 't', symbol: 'TEST', bestBidPrice: bid, bestBidQuantity: '1', bestAskPrice: ask, bestAskQuantity: '1', localTime: 0 });
  return r;
}

function risk(limits: object, clock = new ManualClock(0)): PreTradeRisk {
  return new PreTradeRisk(limits, grid, clock);
}

describe('pre-trade risk blocks, each with its own code and a reason naming the figures', () => {
  const ref = reference(); // mid 100.00 = 10,000 ticks

  it('2101: order quantity above maxOrderQuantity', () => {
    const b = risk({ maxOrderQuantity: '10' }).check({ side: 'buy', priceTicks: 10_000, leavesLots: 11 }, flat, ref);
    expect(b).toMatchObject({ code: RiskCode.OrderQuantityLimit });
    expect(b!.reason).toBe('order quantity above the strategy limit: 11 > 10');
    expect(risk({ maxOrderQuantity: '10' }).check({ side: 'buy', priceTicks: 10_000, leavesLots: 10 }, flat, ref)).toBeUndefined();
  });

  it('2102: order notional above maxOrderNotional', () => {
    const b = risk({ maxOrderNotional: '1000' }).check({ side: 'sell', priceTicks: 10_001, leavesLots: 10 }, flat, ref);
    expect(b).toMatchObject({ code: RiskCode.OrderNotionalLimit });
    expect(b!.reason).toContain('1000.1 > 1000');
    expect(risk({ maxOrderNotional: '1000' }).check({ side: 'sell', priceTicks: 10_000, leavesLots: 10 }, flat, ref)).toBeUndefined();
  });

  it('2103: position with every working order on the side filled would pass maxPosition', () => {
    const r = risk({ maxPosition: '10' });
    const exposure: Exposure = { positionLots: 4, buyLeavesLots: 3, sellLeavesLots: 20 };
    expect(r.check({ side: 'buy', priceTicks: 10_000, leavesLots: 3 }, exposure, ref)).toBeUndefined(); // 4 + 3 + 3 = 10
    expect(r.check({ side: 'buy', priceTicks: 10_000, leavesLots: 4 }, exposure, ref)).toMatchObject({ code: RiskCode.PositionLimit });
    // Selling: 4 − 20 − 1 = −17 → 17 > 10.
    expect(r.check({ side: 'sell', priceTicks: 10_000, leavesLots: 1 }, exposure, ref)).toMatchObject({ code: RiskCode.PositionLimit });
    // A replace swaps its own leaves: 4 + 3 − 3 + 6 = 10 passes.
    expect(r.check({ side: 'buy', priceTicks: 10_000, leavesLots: 6, replacingLeavesLots: 3 }, exposure, ref)).toBeUndefined();
    expect(r.headroom('buy', exposure, ref)).toBe(3);
    expect(r.headroom('sell', exposure, ref)).toBe(0);
  });

  it('2103 also for maxPositionNotional, valued at the reference mid', () => {
    const r = risk({ maxPositionNotional: '1000' }); // 10 lots at 100
    expect(r.check({ side: 'buy', priceTicks: 9_000, leavesLots: 10 }, flat, ref)).toBeUndefined();
    expect(r.check({ side: 'buy', priceTicks: 9_000, leavesLots: 11 }, flat, ref)).toMatchObject({ code: RiskCode.PositionLimit });
    expect(r.headroom('sell', flat, ref)).toBe(10);
  });

  it('2104: limit price further from the reference mid than priceBandBps', () => {
    const r = risk({ priceBandBps: 100 }); // 1 % of 100.00 = 1.00
    expect(r.check({ side: 'buy', priceTicks: 9_900, leavesLots: 1 }, flat, ref)).toBeUndefined();
    const b = r.check({ side: 'buy', priceTicks: 9_899, leavesLots: 1 }, flat, ref);
    expect(b).toMatchObject({ code: RiskCode.PriceOutsideReferenceBand });
    expect(b!.reason).toContain('98.99 is more than 100 bps from the reference mid 100.00');
    expect(r.check({ side: 'sell', priceTicks: 10_101, leavesLots: 1 }, flat, ref)).toMatchObject({ code: RiskCode.PriceOutsideReferenceBand });
    // A mid between two ticks stays exact: 99.00 is exactly 1 % under 100.00, but more than 1 % under 100.005.
    expect(r.check({ side: 'buy', priceTicks: 9_900, leavesLots: 1 }, flat, reference('100.00', '100.01'))).toMatchObject({ code: RiskCode.PriceOutsideReferenceBand });
  });

  it('2105: no live reference price to band against', () => {
    const r = risk({ priceBandBps: 100 });
    expect(r.check({ side: 'buy', priceTicks: 10_000, leavesLots: 1 }, flat, new ReferenceQuote(grid))).toMatchObject({ code: RiskCode.NoReferencePrice });
    const stale = reference();
    stale.apply({ type: 'feed_status', exchange: 't', symbol: 'TEST', state: 'stale', reason: 'stale_data', localTime: 1 });
    const b = r.check({ side: 'buy', priceTicks: 10_000, leavesLots: 1 }, flat, stale);
    expect(b).toMatchObject({ code: RiskCode.NoReferencePrice });
    expect(b!.reason).toContain('reference is stale');
    // Without band or notional position limit, no reference is needed.
    expect(risk({}).check({ side: 'buy', priceTicks: 10_000, leavesLots: 1 }, flat, new ReferenceQuote(grid))).toBeUndefined();
  });

  it('2106: more than maxOrdersPerSecond in a rolling second', () => {
    const clock = new ManualClock(0);
    const r = risk({ maxOrdersPerSecond: 3 }, clock);
    const order = { side: 'buy', priceTicks: 10_000, leavesLots: 1 } as const;
    for (let i = 0; i < 3; i++) {
      expect(r.check(order, flat, ref)).toBeUndefined();
      r.noteOrder();
      clock.advance(100);
    }
    expect(r.check(order, flat, ref)).toMatchObject({ code: RiskCode.OrderRateLimit });
    clock.advance(700); // the first order is now 1 s old
    expect(r.check(order, flat, ref)).toBeUndefined();
  });

  it('2112: a price or quantity that is not a positive whole number of ticks or lots', () => {
    expect(risk({}).check({ side: 'buy', priceTicks: 0, leavesLots: 1 }, flat, ref)).toMatchObject({ code: RiskCode.InvalidOrder });
    expect(risk({}).check({ side: 'buy', priceTicks: 100, leavesLots: 1.5 }, flat, ref)).toMatchObject({ code: RiskCode.InvalidOrder });
  });

  it('counts blocks by code when told', () => {
    const r = risk({});
    r.count(RiskCode.OrderRateLimit);
    r.count(RiskCode.OrderRateLimit);
    r.count(RiskCode.PositionLimit);
    expect([...r.blocks]).toEqual([
      [RiskCode.OrderRateLimit, 2],
      [RiskCode.PositionLimit, 1],
    ]);
  });

  it('every code is in the 2xxx range with a reason', () => {
    for (const { code, reason } of allRiskCodes()) {
      expect(code).toBeGreaterThanOrEqual(2100);
      expect(code).toBeLessThan(3000);
      expect(reason.length).toBeGreaterThan(5);
    }
  });
});

describe('the P&L watch of the kill switch', () => {
  it('2108: loss beyond maxLoss; 2109: fall from the peak beyond maxDrawdown', () => {
    const loss = risk({ maxLoss: '100' });
    expect(loss.watchesPnl).toBe(true);
    expect(loss.pnlTrip(-99, 50)).toBeUndefined();
    expect(loss.pnlTrip(-101, 0)).toMatchObject({ code: RiskCode.LossLimit });
    const drawdown = risk({ maxDrawdown: '50' });
    expect(drawdown.pnlTrip(30, 79)).toBeUndefined();
    const trip = drawdown.pnlTrip(30, 81);
    expect(trip).toMatchObject({ code: RiskCode.DrawdownLimit });
    expect(trip!.reason).toContain('51.00 below its peak 81.00');
    // The loss limit is checked first when both apply.
    expect(risk({ maxLoss: '100', maxDrawdown: '50' }).pnlTrip(-150, 0)).toMatchObject({ code: RiskCode.LossLimit });
    expect(risk({}).watchesPnl).toBe(false);
  });
});

describe('limits', () => {
  it('are validated, naming the field', () => {
    expect(() => risk({ maxPosition: '-1' })).toThrow(/maxPosition/);
    expect(() => risk({ maxOrderQuantity: '0.5' })).toThrow(/less than one lot/);
    expect(() => risk({ priceBandBps: 0 })).toThrow(/priceBandBps/);
    expect(() => risk({ maxLoss: 100 })).toThrow(/maxLoss/);
    expect(() => risk({ unknownLimit: 1 })).toThrow(/unrecognized/i);
  });

  it('change by merging; null removes a limit; an invalid change changes nothing', () => {
    const r = risk({ maxOrderQuantity: '10', priceBandBps: 100 });
    expect(r.update({ maxOrderQuantity: '20' })).toMatchObject({ ok: true });
    expect(r.limits).toEqual({ maxOrderQuantity: '20', priceBandBps: 100 });
    expect(r.update({ priceBandBps: null })).toMatchObject({ ok: true });
    expect(r.limits).toEqual({ maxOrderQuantity: '20' });
    expect(r.update({ maxOrderQuantity: 'x' })).toMatchObject({ ok: false });
    expect(r.limits).toEqual({ maxOrderQuantity: '20' });
    expect(r.maxOrderLots(10_000)).toBe(20);
  });
});
