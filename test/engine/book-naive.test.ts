import { describe, expect, it } from 'vitest';
import { naiveBookFactory } from '../../src/engine/book-naive.js';
import { EventRecorder } from '../../src/engine/event-recorder.js';
import { MatchingEngine } from '../../src/engine/matching-engine.js';
import {
  CancelReason,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  type Instrument,
  type NewOrderCommand,
} from '../../src/engine/types.js';

const SYM = 'XYZ';
const instrument: Instrument = { symbol: SYM, tickSize: '0.01', lotSize: '1' };

function setup() {
  const rec = new EventRecorder();
  const engine = new MatchingEngine({ sink: rec, instruments: [instrument], bookFactory: naiveBookFactory });
  let time = 1000;
  const place = (o: Partial<NewOrderCommand> & Pick<NewOrderCommand, 'orderId' | 'side' | 'qty'>) => {
    engine.apply({ kind: 'new', time: ++time, symbol: SYM, account: 1, type: OrderType.Limit, tif: TimeInForce.GTC, price: 100, ...o });
    return rec.take();
  };
  return { rec, engine, place, now: () => time, tick: () => ++time };
}

const accepted = (orderId: number, side: Side, price: number, qty: number, account = 1, orderType: OrderType = OrderType.Limit) => ({
  type: 'accepted',
  symbol: SYM,
  orderId,
  account,
  side,
  orderType,
  price,
  qty,
});
const level = (side: Side, price: number, qty: number, orderCount: number) => ({ type: 'bookLevel', symbol: SYM, side, price, qty, orderCount });
const top = (bidPrice: number, bidQty: number, askPrice: number, askQty: number) => ({ type: 'topOfBook', symbol: SYM, bidPrice, bidQty, askPrice, askQty });

describe('NaiveBook through the matching engine', () => {
  it('rests a limit order that does not cross', () => {
    const { engine, place, now } = setup();
    expect(place({ orderId: 1, side: Side.Buy, price: 99, qty: 10 })).toEqual([accepted(1, Side.Buy, 99, 10), level(Side.Buy, 99, 10, 1), top(99, 10, 0, 0)]);
    const book = engine.book(SYM)!;
    expect(book.bestPrice(Side.Buy)).toBe(99);
    expect(book.ownerOf(1)).toBe(1);
    expect(book.order(1)).toEqual({
      orderId: 1,
      account: 1,
      side: Side.Buy,
      type: OrderType.Limit,
      tif: TimeInForce.GTC,
      stp: StpMode.None,
      postOnly: false,
      price: 99,
      stopPrice: 0,
      leavesQty: 10,
      visibleQty: 10,
      displayQty: 0,
      cumQty: 0,
      time: now(),
    });
    expect(book.levels(Side.Buy, 5)).toEqual([{ price: 99, qty: 10, orderCount: 1 }]);
  });

  it('fills a crossing order in full and empties the level', () => {
    const { engine, place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 10, account: 2 });
    expect(place({ orderId: 2, side: Side.Buy, price: 100, qty: 10 })).toEqual([
      accepted(2, Side.Buy, 100, 10),
      {
        type: 'fill',
        symbol: SYM,
        tradeId: 1,
        price: 100,
        qty: 10,
        takerSide: Side.Buy,
        takerOrderId: 2,
        takerAccount: 1,
        takerLeaves: 0,
        takerCum: 10,
        makerOrderId: 1,
        makerAccount: 2,
        makerLeaves: 0,
        makerCum: 10,
      },
      level(Side.Sell, 100, 0, 0),
      top(0, 0, 0, 0),
    ]);
    expect(engine.book(SYM)!.lastPrice()).toBe(100);
    expect(engine.book(SYM)!.orderCount()).toBe(0);
    expect(engine.nextTradeId()).toBe(2);
  });

  it('walks several levels at maker prices and rests the remainder', () => {
    const { place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 5, account: 2 });
    place({ orderId: 2, side: Side.Sell, price: 101, qty: 5, account: 2 });
    place({ orderId: 3, side: Side.Sell, price: 102, qty: 5, account: 2 });
    const events = place({ orderId: 4, side: Side.Buy, price: 101, qty: 12 });
    expect(events.map((e) => e.type)).toEqual(['accepted', 'fill', 'bookLevel', 'fill', 'bookLevel', 'bookLevel', 'topOfBook']);
    expect(events[1]).toMatchObject({ price: 100, qty: 5, takerLeaves: 7, takerCum: 5, makerOrderId: 1 });
    expect(events[2]).toEqual(level(Side.Sell, 100, 0, 0));
    expect(events[3]).toMatchObject({ tradeId: 2, price: 101, qty: 5, takerLeaves: 2, takerCum: 10, makerOrderId: 2 });
    expect(events[4]).toEqual(level(Side.Sell, 101, 0, 0));
    expect(events[5]).toEqual(level(Side.Buy, 101, 2, 1));
    expect(events[6]).toEqual(top(101, 2, 102, 5));
  });

  it('refreshes an iceberg to the back of its level with a new time', () => {
    const { engine, place, now } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 10, displayQty: 3, account: 2 });
    place({ orderId: 2, side: Side.Sell, price: 100, qty: 4, account: 3 });
    const events = place({ orderId: 3, side: Side.Buy, price: 100, qty: 5, tif: TimeInForce.IOC });
    expect(events).toEqual([
      accepted(3, Side.Buy, 100, 5),
      expect.objectContaining({ type: 'fill', qty: 3, makerOrderId: 1, makerLeaves: 7, takerLeaves: 2 }),
      expect.objectContaining({ type: 'fill', qty: 2, makerOrderId: 2, makerLeaves: 2, takerLeaves: 0 }),
      level(Side.Sell, 100, 5, 2),
      top(0, 0, 100, 5),
    ]);
    const asks = engine.snapshot().books[0].asks;
    expect(asks.map((o) => [o.orderId, o.visibleQty, o.leavesQty])).toEqual([
      [2, 2, 2],
      [1, 3, 7],
    ]);
    expect(asks[1].time).toBe(now());
  });

  it('counts hidden iceberg quantity for FOK, and kills what cannot fill in full', () => {
    const { place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 10, displayQty: 2, account: 2 });
    expect(place({ orderId: 2, side: Side.Buy, price: 100, qty: 11, tif: TimeInForce.FOK })).toEqual([
      accepted(2, Side.Buy, 100, 11),
      { type: 'cancelled', symbol: SYM, orderId: 2, account: 1, cancelledQty: 11, leavesQty: 0, reason: CancelReason.FillOrKill },
    ]);
    const events = place({ orderId: 3, side: Side.Buy, price: 100, qty: 10, tif: TimeInForce.FOK });
    expect(events.filter((e) => e.type === 'fill')).toHaveLength(5);
    expect(events.slice(-2)).toEqual([level(Side.Sell, 100, 0, 0), top(0, 0, 0, 0)]);
  });

  it('ends the FOK walk at a self order, where only the shown iceberg peak ahead counts', () => {
    const { place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 10, displayQty: 2, account: 2 });
    place({ orderId: 2, side: Side.Sell, price: 100, qty: 5 });
    place({ orderId: 3, side: Side.Sell, price: 101, qty: 50, account: 2 });
    const fok = { side: Side.Buy, price: 101, tif: TimeInForce.FOK } as const;
    expect(place({ ...fok, orderId: 4, qty: 3, stp: StpMode.CancelNewest }).map((e) => e.type)).toEqual(['accepted', 'cancelled']);
    // The peak trades, refreshes behind the self order; the level shows 7 before and after, so no topOfBook.
    expect(place({ ...fok, orderId: 5, qty: 2, stp: StpMode.CancelNewest })).toEqual([
      accepted(5, Side.Buy, 101, 2),
      expect.objectContaining({ type: 'fill', qty: 2, makerOrderId: 1, makerLeaves: 8 }),
      level(Side.Sell, 100, 7, 2),
    ]);
    // CancelOldest skips the self order in the walk: 8 hidden + 50 behind are enough.
    const events = place({ ...fok, orderId: 6, qty: 58, stp: StpMode.CancelOldest });
    expect(events.map((e) => (e.type === 'fill' ? `fill ${e.makerOrderId} ${e.qty}` : e.type === 'cancelled' ? `cancelled ${e.orderId}` : e.type))).toEqual([
      'accepted',
      'cancelled 2',
      'fill 1 2',
      'fill 1 2',
      'fill 1 2',
      'fill 1 2',
      'bookLevel',
      'fill 3 50',
      'bookLevel',
      'topOfBook',
    ]);
  });

  it('applies the taker STP mode against its own resting orders', () => {
    const { place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 5 });
    place({ orderId: 2, side: Side.Sell, price: 100, qty: 5, account: 2 });
    expect(place({ orderId: 3, side: Side.Buy, price: 100, qty: 8, stp: StpMode.DecrementAndCancel })).toEqual([
      accepted(3, Side.Buy, 100, 8),
      { type: 'cancelled', symbol: SYM, orderId: 1, account: 1, cancelledQty: 5, leavesQty: 0, reason: CancelReason.SelfTrade },
      { type: 'cancelled', symbol: SYM, orderId: 3, account: 1, cancelledQty: 5, leavesQty: 3, reason: CancelReason.SelfTrade },
      expect.objectContaining({ type: 'fill', qty: 3, makerOrderId: 2, makerLeaves: 2, takerLeaves: 0 }),
      level(Side.Sell, 100, 2, 1),
      top(0, 0, 100, 2),
    ]);
  });

  it('triggers a stop on the last price and trades it as a market order', () => {
    const { engine, place } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 1, account: 2 });
    place({ orderId: 2, side: Side.Buy, price: 100, qty: 1 }); // last = 100
    place({ orderId: 3, side: Side.Sell, price: 101, qty: 1, account: 2 });
    place({ orderId: 4, side: Side.Sell, price: 102, qty: 5, account: 2 });
    expect(place({ orderId: 5, side: Side.Buy, type: OrderType.Stop, price: 0, stopPrice: 101, qty: 3 })).toEqual([
      accepted(5, Side.Buy, 0, 3, 1, OrderType.Stop),
    ]);
    expect(engine.book(SYM)!.order(5)).toMatchObject({ stopPrice: 101, price: 0 });
    const events = place({ orderId: 6, side: Side.Buy, price: 101, qty: 1, account: 3 });
    expect(events).toEqual([
      accepted(6, Side.Buy, 101, 1, 3),
      expect.objectContaining({ type: 'fill', price: 101, takerOrderId: 6, makerOrderId: 3 }),
      level(Side.Sell, 101, 0, 0),
      { type: 'triggered', symbol: SYM, orderId: 5, account: 1, stopPrice: 101, lastPrice: 101 },
      expect.objectContaining({ type: 'fill', price: 102, qty: 3, takerOrderId: 5, makerOrderId: 4, takerLeaves: 0 }),
      level(Side.Sell, 102, 2, 1),
      top(0, 0, 102, 2),
    ]);
    expect(engine.book(SYM)!.order(5)).toBeUndefined();
    expect(engine.book(SYM)!.lastPrice()).toBe(102);
  });

  it('keeps priority on a size-down replace and loses it on a size-up or a price change', () => {
    const { engine, place, rec, tick } = setup();
    place({ orderId: 1, side: Side.Buy, price: 99, qty: 10 });
    place({ orderId: 2, side: Side.Buy, price: 99, qty: 10 });
    const queue = () => engine.snapshot().books[0].bids.map((o) => [o.orderId, o.leavesQty, o.time]);

    engine.apply({ kind: 'replace', time: tick(), symbol: SYM, orderId: 1, account: 1, qty: 4, price: 99 });
    expect(rec.take()).toEqual([
      { type: 'replaced', symbol: SYM, orderId: 1, account: 1, price: 99, stopPrice: 0, leavesQty: 4, cumQty: 0, keptPriority: true },
      level(Side.Buy, 99, 14, 2),
      top(99, 14, 0, 0),
    ]);
    expect(queue()).toEqual([
      [1, 4, 1001],
      [2, 10, 1002],
    ]);

    const t = tick();
    engine.apply({ kind: 'replace', time: t, symbol: SYM, orderId: 1, account: 1, qty: 5, price: 99 });
    expect(rec.take()).toEqual([
      { type: 'replaced', symbol: SYM, orderId: 1, account: 1, price: 99, stopPrice: 0, leavesQty: 5, cumQty: 0, keptPriority: false },
      level(Side.Buy, 99, 10, 1),
      level(Side.Buy, 99, 15, 2),
      top(99, 15, 0, 0),
    ]);
    expect(queue()).toEqual([
      [2, 10, 1002],
      [1, 5, t],
    ]);

    engine.apply({ kind: 'replace', time: tick(), symbol: SYM, orderId: 2, account: 1, qty: 10, price: 98 });
    engine.apply({ kind: 'replace', time: tick(), symbol: SYM, orderId: 2, account: 1, qty: 10, price: 99 });
    expect(queue().map(([id]) => id)).toEqual([1, 2]);
  });

  it('round-trips a snapshot with queue order, iceberg state and stops intact', () => {
    const { engine, place, rec } = setup();
    place({ orderId: 1, side: Side.Sell, price: 101, qty: 10, displayQty: 3, account: 2 });
    place({ orderId: 2, side: Side.Sell, price: 101, qty: 4, account: 3 });
    place({ orderId: 3, side: Side.Buy, price: 101, qty: 4, account: 4, tif: TimeInForce.IOC }); // iceberg refreshes behind 2
    place({ orderId: 4, side: Side.Buy, price: 99, qty: 6, tif: TimeInForce.DAY });
    place({ orderId: 5, side: Side.Buy, price: 99, qty: 2 });
    place({ orderId: 6, side: Side.Sell, type: OrderType.StopLimit, price: 97, stopPrice: 98, qty: 2 });
    place({ orderId: 7, side: Side.Buy, type: OrderType.Stop, price: 0, stopPrice: 103, qty: 2, tif: TimeInForce.FOK });
    const snap = engine.snapshot();
    expect(snap.books[0].asks.map((o) => o.orderId)).toEqual([2, 1]);

    const rec2 = new EventRecorder();
    const restored = MatchingEngine.restore(structuredClone(snap), { sink: rec2, bookFactory: naiveBookFactory });
    expect(restored.snapshot()).toEqual(snap);
    expect(restored.stateHash()).toBe(engine.stateHash());
    expect(restored.nextTradeId()).toBe(engine.nextTradeId());

    // Both continue identically, and the restored book publishes no stale topOfBook.
    rec.take();
    const next = { kind: 'new', time: 5000, symbol: SYM, orderId: 8, account: 5, side: Side.Buy, type: OrderType.Limit, tif: TimeInForce.GTC, price: 101, qty: 5 } as const;
    engine.apply(next);
    restored.apply(next);
    expect(rec2.events).toEqual(rec.events);
    expect(rec2.events.filter((e) => e.type === 'fill').map((e) => (e.type === 'fill' ? e.makerOrderId : 0))).toEqual([2, 1]);
    expect(restored.stateHash()).toBe(engine.stateHash());

    const cancelAll = { kind: 'massCancel', time: 5001 } as const;
    rec.take();
    rec2.take();
    engine.apply(cancelAll);
    restored.apply(cancelAll);
    expect(rec2.events).toEqual(rec.events);
  });

  it('mass-cancels in canonical order: bids, asks, buy stops, sell stops', () => {
    const { engine, place, rec } = setup();
    place({ orderId: 1, side: Side.Sell, price: 100, qty: 1, account: 2 });
    place({ orderId: 2, side: Side.Buy, price: 100, qty: 1 }); // last = 100
    place({ orderId: 10, side: Side.Sell, type: OrderType.Stop, stopPrice: 95, qty: 1 });
    place({ orderId: 11, side: Side.Sell, type: OrderType.Stop, stopPrice: 97, qty: 1 });
    place({ orderId: 12, side: Side.Buy, type: OrderType.Stop, stopPrice: 104, qty: 1 });
    place({ orderId: 13, side: Side.Buy, type: OrderType.Stop, stopPrice: 102, qty: 1 });
    place({ orderId: 20, side: Side.Sell, price: 103, qty: 1 });
    place({ orderId: 21, side: Side.Sell, price: 102, qty: 1 });
    place({ orderId: 22, side: Side.Buy, price: 98, qty: 1 });
    place({ orderId: 23, side: Side.Buy, price: 99, qty: 1 });
    place({ orderId: 24, side: Side.Buy, price: 99, qty: 1, account: 2 });
    engine.apply({ kind: 'massCancel', time: 9999, symbol: SYM, account: 1 });
    const events = rec.take();
    const order = events.map((e) => (e.type === 'cancelled' ? e.orderId : e.type === 'bookLevel' ? `L${e.price}` : e.type));
    expect(order).toEqual([23, 'L99', 22, 'L98', 21, 'L102', 20, 'L103', 13, 12, 11, 10, 'topOfBook']);
    expect(events.at(-1)).toEqual(top(99, 1, 0, 0));
  });
});
