// The order generator's pure parts: seeded choices, the price walk, sizes and the messages built
// from them. Prices and quantities must land on the instrument's grid, exactly, every time.
import { seededRandom } from '../../src/shared/seeded-random.js';
import { describe, expect, it } from 'vitest';
import {
  type Intent,
  type LiveOrder,
  newOrderSingle,
  OrderFlow,
  orderCancelReplaceRequest,
  orderCancelRequest,
  OwnOrders,
  planSymbol,
  PriceWalk,
  rejectKey,
  sizeUnitLots,
  stepFormatter,
  type SymbolPlan,
} from '../../src/cli/order-generator.js';
import { MsgType, Tag } from '../../src/fix/tags.js';
import { priceToTicks, qtyToLots, unitsToDecimal } from '../../src/shared/decimal.js';
import { DEFAULT_LISTINGS, type ListedInstrument } from '../../src/venue/instruments.js';

const SIZES = [10, 25, 50, 100, 200];
const listing = (symbol: string): ListedInstrument => DEFAULT_LISTINGS.find((l) => l.instrument.symbol === symbol)!;
const plans = DEFAULT_LISTINGS.map((l) => planSymbol(l, SIZES));
const plan = (symbol: string): SymbolPlan => plans.find((p) => p.symbol === symbol)!;

function liveOrder(p: SymbolPlan, clOrdID: string, overrides: Partial<LiveOrder> = {}): LiveOrder {
  return { clOrdID, plan: p, side: 'buy', orderQtyLots: p.sizesLots[0], cumLots: 0, priceTicks: p.referenceTicks, acked: true, pending: undefined, index: -1, ...overrides };
}

describe('seeded choices', () => {
  it('gives the same numbers for the same seed and different ones for another', () => {
    const take = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 20 }, () => r());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    for (const x of take(123)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('makes the same orders for the same seed', () => {
    const run = (seed: number) => {
      const flow = new OrderFlow(plans, { sides: ['buy', 'sell'], cancelShare: 0.1, replaceShare: 0.05 }, seededRandom(seed));
      const orders = new OwnOrders();
      return Array.from({ length: 200 }, () => {
        const i = flow.next(orders);
        return i.kind === 'new' ? `${i.plan.symbol} ${i.side} ${i.qtyLots}@${i.priceTicks}` : i.kind;
      });
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(new Set(a.map((s) => s.split(' ')[0])).size).toBeGreaterThan(5);
    expect(a.some((s) => s.includes(' buy ')) && a.some((s) => s.includes(' sell '))).toBe(true);
  });
});

describe('sizes', () => {
  it('is one lot per size unit for equities', () => {
    expect(sizeUnitLots(listing('AAPL'))).toBe(1);
    expect(plan('AAPL').sizesLots.map((l) => plan('AAPL').formatQty(l))).toEqual(['10', '25', '50', '100', '200']);
  });

  it('scales crypto to about 10 USDT per unit, on the lot grid', () => {
    const shown = (symbol: string) => plan(symbol).sizesLots.map((l) => plan(symbol).formatQty(l));
    expect(shown('BTCUSDT')).toEqual(['0.00100', '0.00250', '0.00500', '0.01000', '0.02000']);
    expect(shown('ETHUSDT')).toEqual(['0.0100', '0.0250', '0.0500', '0.1000', '0.2000']);
    expect(shown('BNBUSDT')).toEqual(['0.100', '0.250', '0.500', '1.000', '2.000']);
    expect(shown('SOLUSDT')).toEqual(['0.100', '0.250', '0.500', '1.000', '2.000']);
  });

  it('rounds a unit below the lot up to whole lots', () => {
    const coarse: ListedInstrument = { assetClass: 'crypto', instrument: { symbol: 'XBT', tickSize: '0.5', lotSize: '0.003' }, referencePrice: '65000.0' };
    // 0.0001 of the base asset is less than one lot of 0.003: the unit becomes one lot.
    expect(sizeUnitLots(coarse)).toBe(1);
    const odd: ListedInstrument = { assetClass: 'crypto', instrument: { symbol: 'ODD', tickSize: '0.01', lotSize: '0.3' }, referencePrice: '0.50' };
    // 10 / 0.5 = 20 → 10 units of the base asset = 33.3 lots → 34 lots.
    expect(sizeUnitLots(odd)).toBe(34);
  });

  it('puts every size of every listing on its lot grid', () => {
    for (const p of plans) {
      for (const lots of p.sizesLots) {
        const text = p.formatQty(lots);
        expect(qtyToLots(text, p.lotSize), `${p.symbol} ${text}`).toEqual({ ok: true, units: lots });
      }
    }
  });
});

describe('step formatting', () => {
  it('writes the same exact decimals as unitsToDecimal', () => {
    const r = seededRandom(1);
    for (const step of ['0.01', '1', '0.00001', '0.5', '25', '0.0001', '0.125']) {
      const f = stepFormatter(step);
      for (const units of [0, 1, 9, 10, 99, 100, 123456, 6_500_000, Number.MAX_SAFE_INTEGER]) expect(f(units), `${units} × ${step}`).toBe(unitsToDecimal(units, step));
      for (let i = 0; i < 200; i++) {
        const units = Math.floor(r() * 1e9);
        expect(f(units)).toBe(unitsToDecimal(units, step));
      }
    }
  });
});

describe('the price walk', () => {
  it('stays on the tick grid, positive, and near the reference price', () => {
    for (const p of plans) {
      const walk = new PriceWalk(p, seededRandom(42));
      const wrong: string[] = [];
      let furthest = 0;
      for (let i = 0; i < 20_000; i++) {
        const mid = walk.step();
        if (!Number.isSafeInteger(mid)) wrong.push(`mid ${mid}`);
        furthest = Math.max(furthest, Math.abs(mid - p.referenceTicks));
        for (const side of ['buy', 'sell'] as const) {
          const price = walk.orderPrice(side);
          if (!Number.isSafeInteger(price) || price <= 0) wrong.push(`${side} ${price}`);
          if (i % 100 === 0) {
            const back = priceToTicks(p.formatPrice(price), p.tickSize);
            if (!back.ok || back.units !== price) wrong.push(`${p.formatPrice(price)} is not ${price} ticks of ${p.tickSize}`);
          }
        }
      }
      expect(wrong, p.symbol).toEqual([]);
      // A weak pull back keeps a long run within a few percent of the reference.
      expect(furthest, p.symbol).toBeLessThan(p.referenceTicks * 0.05);
      expect(furthest, p.symbol).toBeGreaterThan(0);
    }
  });

  it('places orders on both sides of the price, some through it', () => {
    const p = plan('AAPL');
    const walk = new PriceWalk(p, seededRandom(5));
    let passiveBuys = 0;
    let aggressiveBuys = 0;
    for (let i = 0; i < 1000; i++) {
      const price = walk.orderPrice('buy');
      if (price < walk.mid) passiveBuys++;
      if (price > walk.mid) aggressiveBuys++;
      expect(Math.abs(price - walk.mid)).toBeLessThanOrEqual(2 * p.spreadTicks);
    }
    expect(passiveBuys).toBeGreaterThan(aggressiveBuys);
    expect(aggressiveBuys).toBeGreaterThan(100);
  });

  it('never walks below the room orders need, even from a one-tick reference', () => {
    const walk = new PriceWalk({ referenceTicks: 1, spreadTicks: 1 }, seededRandom(3));
    for (let i = 0; i < 1000; i++) {
      expect(walk.step()).toBeGreaterThanOrEqual(3);
      expect(walk.orderPrice('buy')).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('cancels and replaces', () => {
  it('targets only acknowledged orders with nothing in flight', () => {
    const orders = new OwnOrders();
    const p = plan('MSFT');
    orders.add(liveOrder(p, 'a', { acked: false }));
    orders.add(liveOrder(p, 'b', { pending: 'x' }));
    const r = seededRandom(1);
    for (let i = 0; i < 50; i++) expect(orders.pick(r)).toBeUndefined();
    orders.add(liveOrder(p, 'c'));
    let found = 0;
    for (let i = 0; i < 50; i++) if (orders.pick(r)?.clOrdID === 'c') found++;
    expect(found).toBeGreaterThan(0);
  });

  it('keeps lookups right through renames and removals', () => {
    const orders = new OwnOrders();
    const p = plan('MSFT');
    const [a, b, c] = ['a', 'b', 'c'].map((id) => liveOrder(p, id));
    orders.add(a);
    orders.add(b);
    orders.add(c);
    orders.rename(a, 'a2');
    expect(orders.get('a')).toBeUndefined();
    expect(orders.get('a2')).toBe(a);
    orders.remove(a);
    expect(orders.size).toBe(2);
    expect([orders.get('b'), orders.get('c')]).toEqual([b, c]);
    orders.remove(a);
    expect(orders.size).toBe(2);
  });

  it('replaces with a new total above what is filled, and always changes something', () => {
    const p = plan('TSLA');
    const flow = new OrderFlow([p], { sides: ['buy'], cancelShare: 0, replaceShare: 1 }, seededRandom(9));
    const orders = new OwnOrders();
    const order = liveOrder(p, 'o', { cumLots: 30, orderQtyLots: 50 });
    orders.add(order);
    for (let i = 0; i < 300; i++) {
      const intent = flow.next(orders);
      expect(intent.kind).toBe('replace');
      if (intent.kind !== 'replace') continue;
      expect(intent.qtyLots).toBeGreaterThan(order.cumLots);
      expect(intent.qtyLots !== order.orderQtyLots || intent.priceTicks !== order.priceTicks).toBe(true);
    }
  });

  it('sends new orders when every live order is busy', () => {
    const p = plan('TSLA');
    const flow = new OrderFlow([p], { sides: ['sell'], cancelShare: 1, replaceShare: 0 }, seededRandom(9));
    const orders = new OwnOrders();
    orders.add(liveOrder(p, 'o', { pending: 'c' }));
    const intent = flow.next(orders);
    expect(intent.kind).toBe('new');
    expect(intent.kind === 'new' && intent.side).toBe('sell');
  });
});

describe('messages', () => {
  const ctx = { account: 'ACC1', now: Date.UTC(2026, 0, 2, 3, 4, 5, 6) };
  const fields = (m: { body: Array<[number, string]> }) => Object.fromEntries(m.body);

  it('writes a NewOrderSingle with exact decimals from ticks and lots', () => {
    const p = plan('BTCUSDT');
    const intent: Intent & { kind: 'new' } = { kind: 'new', plan: p, side: 'sell', qtyLots: 250, priceTicks: 6_500_123 };
    const m = newOrderSingle(intent, 'G-1', ctx);
    expect(m.msgType).toBe(MsgType.NewOrderSingle);
    expect(fields(m)).toEqual({
      [Tag.ClOrdID]: 'G-1',
      [Tag.Account]: 'ACC1',
      [Tag.HandlInst]: '1',
      [Tag.Symbol]: 'BTCUSDT',
      [Tag.Side]: '2',
      [Tag.TransactTime]: '20260102-03:04:05.006',
      [Tag.OrderQty]: '0.00250',
      [Tag.OrdType]: '2',
      [Tag.Price]: '65001.23',
      [Tag.TimeInForce]: '0',
    });
  });

  it('names the order by its current ClOrdID in cancels and replaces', () => {
    const p = plan('AAPL');
    const order = liveOrder(p, 'G-7', { orderQtyLots: 25, priceTicks: 19_001 });
    const cancel = fields(orderCancelRequest(order, 'G-9', { account: undefined, now: ctx.now }));
    expect(cancel).toEqual({
      [Tag.OrigClOrdID]: 'G-7',
      [Tag.ClOrdID]: 'G-9',
      [Tag.Symbol]: 'AAPL',
      [Tag.Side]: '1',
      [Tag.TransactTime]: '20260102-03:04:05.006',
      [Tag.OrderQty]: '25',
    });
    const replace = orderCancelReplaceRequest({ kind: 'replace', order, qtyLots: 40, priceTicks: 18_999 }, 'G-10', ctx);
    expect(replace.msgType).toBe(MsgType.OrderCancelReplaceRequest);
    expect(fields(replace)).toMatchObject({ [Tag.OrigClOrdID]: 'G-7', [Tag.ClOrdID]: 'G-10', [Tag.OrderQty]: '40', [Tag.Price]: '189.99', [Tag.OrdType]: '2', [Tag.TimeInForce]: '0' });
  });

  it('keys rejects by their stable code and reason', () => {
    expect(rejectKey('3009 unknown order (never entered, already done, or owned by another account): order 5 is already filled')).toBe(
      '3009 unknown order (never entered, already done, or owned by another account)',
    );
    expect(rejectKey(undefined)).toBe('(no reason given)');
  });
});
