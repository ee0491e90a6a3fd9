// The market view on its own: a real matching engine reports straight into it, as the venue's
// released events would.
import { beforeEach, describe, expect, it } from 'vitest';
import { type EngineSink, type Instrument, MatchingEngine, NullSink, OrderType, Side, TimeInForce } from '../../src/engine/index.js';
import { type MarketMessage, MarketView } from '../../src/server/market-view.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { ListingState } from '../../src/venue/listings.js';

const AAPL: Instrument = { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' };
const BTC: Instrument = { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' };

let clock: ManualClock;
let engine: MatchingEngine;
let listings: ListingState[];
let target: EngineSink;
let nextId: number;

/** The engine's sink, switchable: events before the view exists go nowhere, as before an observer joins. */
const sink = new Proxy({} as EngineSink, { get: (_t, key) => (...args: unknown[]) => (target as unknown as Record<string, (...a: unknown[]) => void>)[key as string](...args) });

beforeEach(() => {
  clock = new ManualClock();
  target = new NullSink();
  engine = new MatchingEngine({ sink, instruments: [AAPL, BTC] });
  listings = [
    { instrument: AAPL, assetClass: 'equity', referencePrice: '190.00', halted: false },
    { instrument: BTC, assetClass: 'crypto', halted: false },
  ];
  nextId = 1;
});

function view(options: { trades?: number; executions?: number } = {}): MarketView {
  const v = new MarketView({
    source: { instrument: (s) => engine.instrument(s), book: (s) => engine.book(s), listings: () => listings },
    clock,
    ...(options.trades !== undefined ? { tradesPerSymbol: options.trades } : {}),
    ...(options.executions !== undefined ? { recentExecutions: options.executions } : {}),
  });
  target = v;
  return v;
}

function order(symbol: string, side: Side, price: number, qty: number, type: OrderType = OrderType.Limit, tif: TimeInForce = TimeInForce.GTC, account = 1): number {
  const orderId = nextId++;
  engine.apply({ kind: 'new', time: clock.now(), symbol, orderId, account, side, type, tif, price, qty });
  return orderId;
}

describe('MarketView', () => {
  it('starts from the engine books as they are and follows the events after', () => {
    order('AAPL', Side.Buy, 19000, 10);
    order('AAPL', Side.Buy, 19000, 5);
    order('AAPL', Side.Buy, 18999, 7);
    order('AAPL', Side.Sell, 19005, 3);
    const v = view();
    expect(v.book('AAPL')).toEqual({
      buy: [
        ['190.00', '15', 2],
        ['189.99', '7', 1],
      ],
      sell: [['190.05', '3', 1]],
    });
    order('AAPL', Side.Sell, 18999, 16, OrderType.Limit, TimeInForce.IOC);
    expect(v.book('AAPL')).toEqual({ buy: [['189.99', '6', 1]], sell: [['190.05', '3', 1]] });
    expect(v.book('AAPL', 0)).toEqual({ buy: [], sell: [] });
    expect(v.book('NOPE')).toBeUndefined();
    expect(v.instrument('AAPL')).toEqual({ symbol: 'AAPL', asset_class: 'equity', tick_size: '0.01', lot_size: '1', reference_price: '190.00', last_price: '189.99', halted: false });
  });

  it('conflates book changes: each changed level once, with its value at the drain; a removed level is [price, "0", 0]', () => {
    const v = view();
    const start = clock.now();
    const a = order('AAPL', Side.Buy, 19000, 10);
    clock.advance(7);
    order('AAPL', Side.Buy, 19000, 5);
    order('AAPL', Side.Sell, 19010, 1);
    engine.apply({ kind: 'cancel', time: 0, symbol: 'AAPL', orderId: a, account: 1 });
    order('BTCUSDT', Side.Sell, 6500000, 150);
    order('BTCUSDT', Side.Sell, 6500100, 1);
    engine.apply({ kind: 'cancel', time: 0, symbol: 'BTCUSDT', orderId: nextId - 1, account: 1 });
    expect(v.drainBookChanges()).toEqual([
      { symbol: 'AAPL', since: start, buy: [['190.00', '5', 1]], sell: [['190.10', '1', 1]] },
      {
        symbol: 'BTCUSDT',
        since: start + 7,
        buy: [],
        sell: [
          ['65000.00', '0.00150', 1],
          ['65001.00', '0', 0],
        ],
      },
    ]);
    expect(v.conflated).toBe(3);
    expect(v.drainBookChanges()).toEqual([]);
  });

  it('keeps the newest trades per symbol and executions over all symbols, newest first', () => {
    const v = view({ trades: 3, executions: 4 });
    const makers: number[] = [];
    for (let i = 0; i < 5; i++) makers.push(order('AAPL', Side.Sell, 19000 + i, 1));
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      order('AAPL', Side.Buy, 19010, 1, OrderType.Limit, TimeInForce.IOC);
    }
    const sell = order('BTCUSDT', Side.Sell, 6500000, 100);
    const buy = order('BTCUSDT', Side.Buy, 6500000, 100);
    const trades = v.trades('AAPL')!;
    expect(trades.map((t) => t.price)).toEqual(['190.04', '190.03', '190.02']);
    expect(trades[0]).toEqual({ trade_id: '5', symbol: 'AAPL', price: '190.04', quantity: '1', taker_side: 'buy', time: clock.now() });
    expect(v.trades('AAPL', 1)!.length).toBe(1);
    const executions = v.recentExecutions();
    expect(executions.map((e) => e.trade_id)).toEqual(['6', '5', '4', '3']);
    expect(executions[0]).toEqual({
      trade_id: '6',
      symbol: 'BTCUSDT',
      price: '65000.00',
      quantity: '0.00100',
      taker_side: 'buy',
      buy_order_id: String(buy),
      sell_order_id: String(sell),
      time: clock.now(),
    });
    expect(executions[1].sell_order_id).toBe(String(makers[4]));
    expect(v.recentExecutions(10, (s) => s === 'AAPL').map((e) => e.trade_id)).toEqual(['5', '4', '3']);
  });

  it('counts activity per symbol and in total: volume, notional, VWAP, sides, orders, cancels, expiries, rejects, match rate', () => {
    const v = view();
    order('AAPL', Side.Sell, 19000, 10);
    order('AAPL', Side.Sell, 19100, 10);
    order('AAPL', Side.Buy, 19100, 15); // takes 10 @ 190.00 and 5 @ 191.00
    order('AAPL', Side.Buy, 18000, 4, OrderType.Limit, TimeInForce.DAY); // rests, expires
    order('AAPL', Side.Sell, 18500, 4, OrderType.Limit, TimeInForce.IOC, 2); // the best bid is 180.00: nothing trades, all cancelled
    order('AAPL', Side.Sell, 0, 1, OrderType.Limit); // rejected: price
    engine.apply({ kind: 'endOfDay', time: 0, symbol: 'AAPL' });
    order('BTCUSDT', Side.Sell, 6500000, 3);
    order('BTCUSDT', Side.Buy, 0, 3, OrderType.Market, TimeInForce.IOC);
    clock.advance(2500);

    const stats = v.stats();
    expect(stats.uptime_seconds).toBe(2.5);
    const aapl = stats.symbols.find((s) => s.symbol === 'AAPL')!;
    expect(aapl).toEqual({
      symbol: 'AAPL',
      trades: 2,
      volume: '15',
      notional: '2855.00',
      vwap: '190.3333',
      buy_trades: 2,
      sell_trades: 0,
      orders: 5,
      buy_orders: 2,
      sell_orders: 3,
      cancels: 1,
      expired: 1,
      rejects: 1,
      traded_orders: 3,
      match_rate: 0.6,
      last_price: '191.00',
      high: '191.00',
      low: '190.00',
      halted: false,
    });
    const btc = stats.symbols.find((s) => s.symbol === 'BTCUSDT')!;
    expect([btc.volume, btc.notional, btc.vwap, btc.buy_trades, btc.traded_orders, btc.match_rate]).toEqual(['0.00003', '1.9500000', '65000.0000', 1, 2, 1]);
    expect(stats.total).toEqual({
      trades: 3,
      volume: '15.00003',
      notional: '2856.95',
      buy_trades: 3,
      sell_trades: 0,
      orders: 7,
      buy_orders: 3,
      sell_orders: 4,
      cancels: 1,
      expired: 1,
      rejects: 1,
      traded_orders: 5,
      match_rate: 5 / 7,
    });
    expect(v.stats((s) => s === 'BTCUSDT').symbols.map((s) => s.symbol)).toEqual(['BTCUSDT']);
  });

  it('tells listeners of new orders and cancels in the wire shape', () => {
    const v = view();
    const seen: MarketMessage[] = [];
    v.onMessage((m) => seen.push(m));
    order('AAPL', Side.Buy, 19000, 10);
    order('AAPL', Side.Sell, 0, 5, OrderType.Market, TimeInForce.IOC); // 5 fill, nothing left
    order('AAPL', Side.Sell, 18000, 20, OrderType.Limit, TimeInForce.IOC); // 5 fill, 15 cancelled
    const kinds = seen.map((m) => `${m.channel}:${m.message.type}`);
    expect(kinds).toEqual([
      'orders:new_order',
      'orders:new_order',
      'executions:execution',
      'trades:trade',
      'orders:new_order',
      'executions:execution',
      'trades:trade',
      'orders:cancel_order',
    ]);
    expect(seen[1].message).toEqual({ type: 'new_order', time: clock.now(), symbol: 'AAPL', order_id: '2', side: 'sell', order_type: 'market', quantity: '5' });
    expect(seen[7].message).toEqual({
      type: 'cancel_order',
      time: clock.now(),
      symbol: 'AAPL',
      order_id: '3',
      cancelled_quantity: '15',
      leaves_quantity: '0',
      reason: 'immediate_or_cancel',
    });
  });

  it('takes in new listings (empty books) and halts, and tells its listeners', () => {
    const v = view();
    let told = 0;
    v.onInstrumentsChanged(() => told++);
    const SOL: Instrument = { symbol: 'SOLUSDT', tickSize: '0.01', lotSize: '0.001', minQty: 10, bandBps: 500 };
    engine.addInstrument(SOL);
    listings = [...listings.map((l) => (l.instrument.symbol === 'AAPL' ? { ...l, halted: true } : l)), { instrument: SOL, assetClass: 'crypto', referencePrice: '150.00', halted: false }];
    v.refreshListings();
    expect(told).toBe(1);
    expect(v.symbols()).toEqual(['AAPL', 'BTCUSDT', 'SOLUSDT']);
    expect(v.instrument('AAPL')!.halted).toBe(true);
    expect(v.instrument('SOLUSDT')).toEqual({
      symbol: 'SOLUSDT',
      asset_class: 'crypto',
      tick_size: '0.01',
      lot_size: '0.001',
      min_quantity: '0.010',
      band_bps: 500,
      reference_price: '150.00',
      halted: false,
    });
    order('SOLUSDT', Side.Buy, 15000, 20);
    expect(v.book('SOLUSDT')).toEqual({ buy: [['150.00', '0.020', 1]], sell: [] });
  });
});
