import { describe, expect, it } from 'vitest';
import type { InstrumentInfo, MarketStats, ServerMessage, SnapshotMessage } from '../../src/protocol/index.js';
import { FEED_ROWS, MarketState } from '../../web/src/market-state.js';

const aapl: InstrumentInfo = { symbol: 'AAPL', asset_class: 'equity', tick_size: '0.01', lot_size: '1', halted: false };
const btc: InstrumentInfo = { symbol: 'BTCUSDT', asset_class: 'crypto', tick_size: '0.01', lot_size: '0.00001', halted: false };

const counters = { trades: 0, volume: '0', notional: '0', buy_trades: 0, sell_trades: 0, orders: 0, buy_orders: 0, sell_orders: 0, cancels: 0, expired: 0, rejects: 0, traded_orders: 0, match_rate: 0 };
const stats = (): MarketStats => ({
  time: 1,
  uptime_seconds: 1,
  total: counters,
  symbols: [{ symbol: 'AAPL', ...counters, halted: false }],
});

const snapshot = (seq = 1, instruments = [aapl, btc]): SnapshotMessage => ({
  type: 'snapshot',
  seq,
  time: 1000,
  subscription: { symbols: ['*'], channels: ['book', 'trades', 'executions', 'orders', 'stats', 'sessions'], depth: 'full' },
  books: [{ symbol: 'AAPL', buy_orders: [['190.00', '100', 1]], sell_orders: [['190.05', '50', 1]] }],
  recent_executions: [],
  stats: stats(),
  instruments,
});

const execution = (id: number, buy: string, sell: string, qty: string, taker: 'buy' | 'sell' = 'buy'): ServerMessage => ({
  type: 'execution',
  seq: 10 + id,
  trade_id: String(id),
  symbol: 'AAPL',
  price: '190.05',
  quantity: qty,
  taker_side: taker,
  buy_order_id: buy,
  sell_order_id: sell,
  time: 2000 + id,
});

describe('the market state fed by the WebSocket', () => {
  it('starts from the snapshot: instruments, books, stats, every panel to draw', () => {
    const s = new MarketState();
    s.apply(snapshot());
    expect([...s.instruments.keys()]).toEqual(['AAPL', 'BTCUSDT']);
    expect(s.instrument('BTCUSDT')?.qtyScale).toBe(5);
    expect(s.books.get('AAPL')!.ladder(5, 1).bids).toEqual([{ price: 19000, qty: 100, orders: 1, cumulative: 100 }]);
    expect(s.takeDirty()).toEqual(new Set(['instruments', 'book', 'feed', 'stats', 'log', 'chart', 'last']));
    expect(s.historyDue).toEqual(new Set(['AAPL', 'BTCUSDT']));
  });

  it('applies book deltas and replaces everything on the next snapshot (no stale level survives)', () => {
    const s = new MarketState();
    s.apply(snapshot());
    s.apply({ type: 'book', seq: 2, time: 1, symbol: 'AAPL', buy_orders: [['189.99', '10', 1]], sell_orders: [['190.05', '0', 0]] });
    expect(s.books.get('AAPL')!.ladder(5, 1).asks).toEqual([]);
    expect(s.books.get('AAPL')!.bids.size).toBe(2);
    s.apply(snapshot(3));
    expect([...s.books.get('AAPL')!.bids.keys()]).toEqual([19000]);
    expect([...s.books.get('AAPL')!.asks.keys()]).toEqual([19005]);
  });

  it('keeps the newest executions first, at most 50, and tells a full fill from a partial one', () => {
    const s = new MarketState();
    s.apply(snapshot());
    s.apply({ type: 'new_order', seq: 2, time: 1, symbol: 'AAPL', order_id: '7', side: 'buy', order_type: 'limit', price: '190.05', quantity: '30' });
    s.apply(execution(1, '7', '3', '10'));
    s.apply(execution(2, '7', '4', '20'));
    expect(s.feed.map((r) => [r.execution.trade_id, r.status])).toEqual([
      ['2', 'filled'],
      ['1', 'partial'],
    ]);
    expect(s.feed[0].execution).not.toHaveProperty('type');
    for (let i = 3; i < 100; i++) s.apply(execution(i, '1', '2', '1'));
    expect(s.feed).toHaveLength(FEED_ROWS);
    expect(s.feed[0].execution.trade_id).toBe('99');
  });

  it('builds candles from trades once each, and tracks the last price tick', () => {
    const s = new MarketState();
    s.apply(snapshot());
    s.apply({ type: 'trade', seq: 2, trade_id: '1', symbol: 'AAPL', price: '190.00', quantity: '5', taker_side: 'sell', time: 5000 });
    s.apply({ type: 'trade', seq: 3, trade_id: '2', symbol: 'AAPL', price: '190.02', quantity: '5', taker_side: 'buy', time: 5100 });
    s.addHistoricTrade('AAPL', '1', '190.00', '5', 'sell', 5000);
    const [candle] = s.candles.get('AAPL')!.series[1].candles;
    expect(candle.volume).toBe(10);
    expect(s.lastTrades.get('AAPL')).toEqual({ price: 19002, side: 'buy', tick: 1 });
  });

  it('logs listings, halts and delistings, engine rejects and FIX logons', () => {
    const s = new MarketState();
    s.apply(snapshot());
    s.apply({ type: 'instruments', seq: 2, instruments: [{ ...aapl, halted: true }, btc, { ...aapl, symbol: 'NVDA' }] });
    s.apply({ type: 'instruments', seq: 3, instruments: [{ ...aapl, halted: true }, { ...aapl, symbol: 'NVDA' }] });
    s.apply({ type: 'order_rejected', seq: 4, time: 5, symbol: 'AAPL', order_id: '12', reject_code: 3010, reason: 'post-only order would take liquidity' });
    s.apply({ type: 'session', seq: 5, time: 6, session: 'FIX.4.4:CRUCIBLE->C1', begin_string: 'FIX.4.4', target_comp_id: 'C1', event: 'logon' });
    expect(s.log.map((e) => [e.kind, e.text])).toEqual([
      ['listing', 'AAPL halted'],
      ['listing', 'NVDA listed (equity, tick 0.01, lot 1)'],
      ['listing', 'BTCUSDT delisted'],
      ['reject', 'AAPL #12 rejected: post-only order would take liquidity (3010)'],
      ['session', 'C1 logged on (FIX.4.4)'],
    ]);
    expect(s.books.has('BTCUSDT')).toBe(false);
    expect([...s.instruments.keys()]).toEqual(['AAPL', 'NVDA']);
  });
});

describe('reconnecting', () => {
  it('merges the snapshot executions with the rows on screen: no duplicate, none lost, newest first', () => {
    const s = new MarketState();
    s.apply(snapshot());
    s.apply(execution(1, '1', '2', '5'));
    s.apply(execution(2, '1', '2', '5'));
    const again = snapshot(1);
    again.recent_executions = [
      { trade_id: '3', symbol: 'AAPL', price: '190.05', quantity: '1', taker_side: 'sell', buy_order_id: '5', sell_order_id: '6', time: 2003 },
      { trade_id: '2', symbol: 'AAPL', price: '190.05', quantity: '5', taker_side: 'buy', buy_order_id: '1', sell_order_id: '2', time: 2002 },
    ];
    s.apply(again);
    expect(s.feed.map((r) => r.execution.trade_id)).toEqual(['3', '2', '1']);
    // A restarted venue sends none: what was on screen stays.
    s.apply(snapshot(1));
    expect(s.feed.map((r) => r.execution.trade_id)).toEqual(['3', '2', '1']);
  });
});

describe('the reference market', () => {
  const info = (last: string, tradeIds: string[]) => ({
    symbol: 'BTCUSDT',
    exchange: 'binance',
    source: 'binance',
    state: 'live' as const,
    reason: 'snapshot_applied',
    bids: [['61000.00', '1.5'] as [string, string]],
    asks: [['61000.01', '0.2'] as [string, string]],
    last_price: last,
    trades: tradeIds.map((id) => ({ trade_id: id, price: last, quantity: '0.01', taker_side: 'buy' as const, time: Number(id) })),
  });

  it('starts from the snapshot, gathers trades from `market` messages newest first, and forgets it all when the feed goes', () => {
    const s = new MarketState();
    s.apply(snapshot());
    expect(s.referenceAttached).toBe(false);
    s.apply({ ...snapshot(2), market: [info('61000.00', ['2', '1'])] });
    expect(s.referenceAttached).toBe(true);
    expect(s.takeDirty().has('market')).toBe(true);
    s.apply({ type: 'market', seq: 3, time: 5, ...info('61000.50', ['4', '3']) });
    const ref = s.reference.get('BTCUSDT')!;
    expect(ref.trades.map((t) => t.trade_id)).toEqual(['4', '3', '2', '1']);
    expect(ref.info.last_price).toBe('61000.50');
    expect(ref.tick).toBe(1);
    expect('trades' in ref.info).toBe(false);
    s.apply({ type: 'market', seq: 4, time: 6, ...info('60999.00', Array.from({ length: 60 }, (_, i) => String(100 - i))) });
    expect(s.reference.get('BTCUSDT')!.trades).toHaveLength(50);
    expect(s.reference.get('BTCUSDT')!.tick).toBe(-1);
    // A venue restarted without a feed: its snapshot has no `market`.
    s.apply(snapshot(5));
    expect(s.referenceAttached).toBe(false);
    expect(s.reference.size).toBe(0);
  });
});
