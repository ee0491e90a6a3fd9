import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../src/engine/event-recorder.js';
import { fastBookFactoryWithCapacity, MatchingEngine } from '../../src/engine/matching-engine.js';
import { naiveBookFactory } from '../../src/engine/book-naive.js';
import { OrderType, Side, TimeInForce, type NewOrderCommand } from '../../src/engine/types.js';

// Fast-book specifics the rule tests do not reach: pool and index growth from a tiny start,
// levels inserted and removed in the middle of the sorted arrays, and restore into a small pool.
const instruments = [{ symbol: 'XYZ', tickSize: '0.01', lotSize: '1' }];
const order = (orderId: number, side: Side, price: number, qty: number, account = 1): NewOrderCommand => ({
  kind: 'new',
  time: orderId,
  symbol: 'XYZ',
  orderId,
  account,
  side,
  type: OrderType.Limit,
  tif: TimeInForce.GTC,
  price,
  qty,
});

function pair(capacity: number) {
  const fast = new MatchingEngine({ sink: new EventRecorder(), instruments, bookFactory: fastBookFactoryWithCapacity(capacity) });
  const naive = new MatchingEngine({ sink: new EventRecorder(), instruments, bookFactory: naiveBookFactory });
  return { fast, naive };
}

describe('fast book storage', () => {
  it('grows its order pool and index from 16 orders to 5,000 without losing queue order', () => {
    const { fast, naive } = pair(16);
    for (let id = 1; id <= 5_000; id++) {
      // Prices scattered over 400 levels on each side, so levels are inserted mid-array.
      const side = id % 2 === 0 ? Side.Buy : Side.Sell;
      const price = side === Side.Buy ? 10_000 - ((id * 37) % 400) - 1 : 10_000 + ((id * 53) % 400) + 1;
      fast.apply(order(id, side, price, 1 + (id % 7)));
      naive.apply(order(id, side, price, 1 + (id % 7)));
    }
    expect(fast.book('XYZ')!.orderCount()).toBe(5_000);
    expect(fast.stateHash()).toBe(naive.stateHash());
    // Cancel every third order: levels empty in the middle of the arrays.
    for (let id = 3; id <= 5_000; id += 3) {
      fast.apply({ kind: 'cancel', time: 9_000, symbol: 'XYZ', orderId: id, account: 1 });
      naive.apply({ kind: 'cancel', time: 9_000, symbol: 'XYZ', orderId: id, account: 1 });
    }
    expect(fast.stateHash()).toBe(naive.stateHash());
    expect(fast.book('XYZ')!.levels(Side.Buy, 3)).toEqual(naive.book('XYZ')!.levels(Side.Buy, 3));
  });

  it('sweeps through hundreds of levels and frees them for reuse', () => {
    const { fast, naive } = pair(16);
    let id = 1;
    for (let p = 1; p <= 300; p++) {
      for (const e of [fast, naive]) e.apply(order(id, Side.Sell, 10_000 + p, 2));
      id++;
    }
    const sweep = { ...order(id++, Side.Buy, 10_300, 600), account: 2 };
    fast.apply(sweep);
    naive.apply(sweep);
    expect(fast.book('XYZ')!.orderCount()).toBe(0);
    for (let p = 1; p <= 300; p++) {
      for (const e of [fast, naive]) e.apply(order(id, Side.Buy, 9_000 + p, 1));
      id++;
    }
    expect(fast.book('XYZ')!.bestPrice(Side.Buy)).toBe(9_300);
    expect(fast.stateHash()).toBe(naive.stateHash());
  });

  it('restores a snapshot larger than its initial pool', () => {
    const { fast } = pair(16);
    for (let id = 1; id <= 2_000; id++) fast.apply(order(id, id % 2 === 0 ? Side.Buy : Side.Sell, id % 2 === 0 ? 5_000 - (id % 50) : 5_100 + (id % 50), 3));
    const restored = MatchingEngine.restore(fast.snapshot(), { sink: new EventRecorder(), bookFactory: fastBookFactoryWithCapacity(16) });
    expect(restored.stateHash()).toBe(fast.stateHash());
    expect(restored.book('XYZ')!.orderCount()).toBe(2_000);
  });
});

describe('order id 0', () => {
  it('is never a live order: cancel and replace of id 0 are rejected as unknown', () => {
    const sink = new EventRecorder();
    const engine = new MatchingEngine({ sink, instruments });
    engine.apply(order(6, Side.Buy, 95, 1));
    sink.take();
    engine.apply({ kind: 'cancel', time: 7, symbol: 'XYZ', orderId: 0, account: 1 });
    engine.apply({ kind: 'replace', time: 8, symbol: 'XYZ', orderId: 0, account: 1, qty: 2, price: 95 });
    expect(sink.take().map((e) => [e.type, e.type === 'rejected' ? e.code : undefined])).toEqual([
      ['rejected', 3009],
      ['rejected', 3009],
    ]);
    expect(engine.book('XYZ')!.ownerOf(0)).toBe(-1);
    expect(engine.book('XYZ')!.order(0)).toBeUndefined();
    expect(engine.book('XYZ')!.orderCount()).toBe(1);
  });
});
