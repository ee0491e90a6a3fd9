import { afterEach, describe, expect, it } from 'vitest';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { computeQuotes, MarketMaker, marketMakerParamsSchema, type MarketMakerParams } from '../../src/strategy/market-maker.js';
import { ParamsError } from '../../src/strategy/params.js';
import type { StrategyHandle } from '../../src/strategy/strategy-host.js';
import { rig, type Rig, status, T0, ticker } from './support.js';

const grid = new InstrumentGrid({ symbol: 'TEST', tickSize: '0.01', lotSize: '1' });
const params = (p: object = {}): MarketMakerParams => marketMakerParamsSchema.parse({ size: '2', ...p });
const unlimited = { buyRoom: Infinity, sellRoom: Infinity, maxOrderLots: () => Infinity };
// Mid 100.00 = 10,000 ticks, so one basis point is one tick.
const MID2 = 20_000;

describe('where the quotes go', () => {
  it('fixed mode: spreadBps around the mid, levels levelSpacingBps apart, whole ticks away from the centre', () => {
    const q = computeQuotes(params({ levels: 3, spreadBps: 10, levelSpacingBps: 5 }), grid, { mid2: MID2, positionLots: 0, ...unlimited });
    expect(q).toEqual([
      { tag: 'b0', side: 'buy', priceTicks: 9_995, lots: 2 },
      { tag: 'a0', side: 'sell', priceTicks: 10_005, lots: 2 },
      { tag: 'b1', side: 'buy', priceTicks: 9_990, lots: 2 },
      { tag: 'a1', side: 'sell', priceTicks: 10_010, lots: 2 },
      { tag: 'b2', side: 'buy', priceTicks: 9_985, lots: 2 },
      { tag: 'a2', side: 'sell', priceTicks: 10_015, lots: 2 },
    ]);
  });

  it('inventory skew: long two level sizes moves the centre down 2 × inventorySkewBps', () => {
    const q = computeQuotes(params({ levels: 1, spreadBps: 10, inventorySkewBps: 2 }), grid, { mid2: MID2, positionLots: 4, ...unlimited });
    expect(q.map((x) => x.priceTicks)).toEqual([9_991, 10_001]);
    // Towards a target of 4, the same position is neutral.
    const atTarget = computeQuotes(params({ levels: 1, spreadBps: 10, inventorySkewBps: 2, targetPosition: '4' }), grid, { mid2: MID2, positionLots: 4, ...unlimited });
    expect(atTarget.map((x) => x.priceTicks)).toEqual([9_995, 10_005]);
  });

  it('a narrow spread still leaves a tick between bid and ask, and levels a tick apart', () => {
    const q = computeQuotes(params({ levels: 2, spreadBps: 0.1, levelSpacingBps: 0 }), grid, { mid2: MID2, positionLots: 0, ...unlimited });
    expect(q.map((x) => `${x.tag}@${x.priceTicks}`)).toEqual(['b0@9999', 'a0@10001', 'b1@9998', 'a1@10002']);
  });

  it('sizes stay within the position room and the order limit', () => {
    const q = computeQuotes(params({ levels: 3 }), grid, { mid2: MID2, positionLots: 0, buyRoom: 3, sellRoom: 0, maxOrderLots: () => 2 });
    expect(q.map((x) => `${x.tag}:${x.lots}`)).toEqual(['b0:2', 'b1:1']);
  });

  it('without a fixed size a level is `notional` at the mid, in whole lots', () => {
    const q = computeQuotes(marketMakerParamsSchema.parse({ levels: 1, notional: '1050' }), grid, { mid2: MID2, positionLots: 0, ...unlimited });
    expect(q[0].lots).toBe(10);
  });

  it('Avellaneda–Stoikov: reservation price mid − q·γ·σ²·T, spread γ·σ²·T + (2/γ)·ln(1 + γ/κ), in bps of the mid', () => {
    const p = params({ mode: 'avellaneda-stoikov', levels: 1, gamma: 0.1, kappa: 1.5, volatility: 0.5, horizonSeconds: 60 });
    const sigma2 = 5_000 ** 2 / (365 * 86_400); // (50 % in bps)² per second
    const risk = 0.1 * sigma2 * 60; // γσ²T ≈ 4.756 bps
    const spread = risk + (2 / 0.1) * Math.log(1 + 0.1 / 1.5); // ≈ 6.047 bps
    expect(risk).toBeCloseTo(4.7565, 3);
    expect(spread).toBeCloseTo(6.0472, 3);
    const flat = computeQuotes(p, grid, { mid2: MID2, positionLots: 0, ...unlimited });
    expect(flat.map((x) => x.priceTicks)).toEqual([Math.floor(10_000 - spread / 2), Math.ceil(10_000 + spread / 2)]); // 9996, 10004
    // Long one level size: the reservation price drops by γσ²T.
    const long = computeQuotes(p, grid, { mid2: MID2, positionLots: 2, ...unlimited });
    expect(long.map((x) => x.priceTicks)).toEqual([Math.floor(10_000 - risk - spread / 2), Math.ceil(10_000 - risk + spread / 2)]); // 9992, 9999
  });
});

describe('parameters', () => {
  it('are validated with their names', () => {
    expect(() => new MarketMaker({ levels: 0 }, grid)).toThrow(ParamsError);
    expect(() => new MarketMaker({ size: '0.5' }, grid)).toThrow(/size: 0.5 is not a whole number of lots/);
    expect(() => new MarketMaker({ spreadBps: '10' }, grid)).toThrow(/spreadBps/);
    expect(() => new MarketMaker({ colour: 'red' }, grid)).toThrow(/unrecognized/i);
    const mm = new MarketMaker({}, grid);
    expect(mm.updateParams({ mode: 'magic' })).toMatchObject({ ok: false, reason: expect.stringContaining('mode') });
    expect(mm.params()).toMatchObject({ mode: 'fixed', levels: 3 });
  });
});

describe('the market maker on the venue', () => {
  let r: Rig;
  afterEach(async () => {
    await r?.stop();
  });

  function startMm(p: object, risk: object = {}): { mm: MarketMaker; h: StrategyHandle } {
    r = rig();
    const mm = new MarketMaker({ size: '2', refreshMs: 0, ...p }, r.runtime.grid('TEST')!);
    const h = r.runtime.add({ id: 'mm', account: 'mm', symbol: 'TEST', strategy: mm, risk });
    h.start();
    return { mm, h };
  }

  const book = (): string[] =>
    r.venue.orders
      .openOrders('mm')
      .map((o) => `${o.side} ${o.quantity}@${o.price}`)
      .sort();

  it('quotes every level on the first reference, and requotes only once the mid moves refreshBps', async () => {
    startMm({ levels: 2, spreadBps: 10, levelSpacingBps: 5, refreshBps: 3 });
    await r.feed(ticker('99.99', '100.01', T0));
    expect(book()).toEqual(['buy 2@99.90', 'buy 2@99.95', 'sell 2@100.05', 'sell 2@100.10']);
    await r.feed(ticker('100.01', '100.03', T0 + 100)); // +2 bps
    expect(book()).toEqual(['buy 2@99.90', 'buy 2@99.95', 'sell 2@100.05', 'sell 2@100.10']);
    await r.feed(ticker('100.02', '100.04', T0 + 200)); // +3 bps
    // Half the spread is 5.0015 ticks at 100.03: bids round down, asks up.
    expect(book()).toEqual(['buy 2@99.92', 'buy 2@99.97', 'sell 2@100.09', 'sell 2@100.14']);
    // The same orders moved: replaced, not cancelled and re-entered.
    expect(r.runtime.handle('mm')!.metrics().orders).toMatchObject({ placed: 4, replaced: 4, cancelled: 0 });
  });

  it('a parameter change takes effect on the next quote', async () => {
    const { mm, h } = startMm({ levels: 1, spreadBps: 10, refreshBps: 50 });
    await r.feed(ticker('99.99', '100.01', T0));
    expect(book()).toEqual(['buy 2@99.95', 'sell 2@100.05']);
    const quotesBefore = mm.quotes;
    expect(h.updateParams({ spreadBps: 20, size: '3' })).toMatchObject({ ok: true });
    // Nothing moves until the strategy quotes again.
    await r.advance(10);
    expect(book()).toEqual(['buy 2@99.95', 'sell 2@100.05']);
    // The next reference update quotes, though the mid has not moved refreshBps.
    await r.feed(ticker('99.99', '100.01', T0 + 100));
    expect(mm.quotes).toBe(quotesBefore + 1);
    expect(book()).toEqual(['buy 3@99.90', 'sell 3@100.10']);
    expect(h.params()).toMatchObject({ spreadBps: 20, size: '3' });
  });

  it('fewer levels cancel the outer orders', async () => {
    const { h } = startMm({ levels: 2, spreadBps: 10, levelSpacingBps: 5 });
    await r.feed(ticker('99.99', '100.01', T0));
    h.updateParams({ levels: 1 });
    await r.feed(ticker('99.99', '100.01', T0 + 100));
    expect(book()).toEqual(['buy 2@99.95', 'sell 2@100.05']);
  });

  it('requotes on its timer', async () => {
    const { mm } = startMm({ levels: 1, refreshMs: 1000, refreshBps: 100 });
    await r.feed(ticker('99.99', '100.01', T0));
    const q = mm.quotes;
    await r.advance(3000);
    expect(mm.quotes).toBe(q + 3);
  });

  it('after a fill the next quote leans against the new inventory', async () => {
    startMm({ levels: 1, spreadBps: 10, inventorySkewBps: 2, refreshBps: 50 });
    await r.feed(ticker('99.99', '100.01', T0));
    await r.counterparty('sell', '99.95', '2', 'ioc'); // hits our bid: long 2 (one level size)
    expect(r.runtime.handle('mm')!.position.lots).toBe(2);
    await r.feed(ticker('99.99', '100.01', T0 + 100));
    expect(book()).toEqual(['buy 2@99.93', 'sell 2@100.03']);
  });

  it('pulls its quotes while the reference is not live, and quotes again once it is', async () => {
    startMm({ levels: 1 });
    await r.feed(ticker('99.99', '100.01', T0));
    expect(book()).toHaveLength(2);
    await r.feed(status('stale', T0 + 100, 'TEST'));
    expect(book()).toEqual([]);
    await r.feed(ticker('99.99', '100.01', T0 + 200));
    expect(book()).toEqual([]);
    await r.feed(status('live', T0 + 300));
    await r.feed(ticker('99.99', '100.01', T0 + 400));
    expect(book()).toHaveLength(2);
  });

  it('stays inside the position limit rather than being blocked by it', async () => {
    const { h } = startMm({ levels: 3 }, { maxPosition: '3' });
    await r.feed(ticker('99.99', '100.01', T0));
    expect(book()).toEqual(['buy 1@99.90', 'buy 2@99.95', 'sell 1@100.10', 'sell 2@100.05']);
    expect(h.metrics().riskBlocks).toEqual({});
  });
});
