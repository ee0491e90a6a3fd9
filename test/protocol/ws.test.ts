// WebSocket message schemas: what a client may send, what a frame from the server looks like.
import { describe, expect, it } from 'vitest';
import { clientMessage, serverFrame, serverMessage } from '../../src/protocol/index.js';

describe('client messages', () => {
  it('takes subscribe, unsubscribe, resync and ping', () => {
    for (const ok of [
      { type: 'subscribe' },
      { type: 'subscribe', symbols: ['*'], channels: [], depth: 'full' },
      { type: 'subscribe', symbols: ['AAPL', 'MSFT'], channels: ['book', 'stats'], depth: 10 },
      { type: 'unsubscribe', channels: ['trades'] },
      { type: 'resync' },
      { type: 'ping', id: 7 },
      { type: 'ping', id: 'abc' },
    ]) {
      expect(clientMessage.safeParse(ok).success, JSON.stringify(ok)).toBe(true);
    }
  });

  it('refuses anything else', () => {
    for (const bad of [
      {},
      { type: 'hello' },
      { type: 'subscribe', symbols: 'AAPL' },
      { type: 'subscribe', symbols: [] },
      { type: 'subscribe', channels: ['quotes'] },
      { type: 'subscribe', depth: 0 },
      { type: 'subscribe', depth: 2.5 },
      { type: 'subscribe', depth: 'all' },
      { type: 'resync', now: true },
      { type: 'ping', id: { x: 1 } },
      ['subscribe'],
      null,
    ]) {
      expect(clientMessage.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('server frames', () => {
  const trade = { seq: 1, type: 'trade', trade_id: '1', symbol: 'AAPL', price: '1.00', quantity: '1', taker_side: 'buy', time: 1 };

  it('is a non-empty array of numbered messages', () => {
    expect(serverFrame.safeParse([trade]).success).toBe(true);
    expect(serverFrame.safeParse([]).success).toBe(false);
    expect(serverFrame.safeParse(trade).success).toBe(false);
    expect(serverMessage.safeParse({ ...trade, seq: 0 }).success).toBe(false);
    expect(serverMessage.safeParse({ ...trade, seq: undefined }).success).toBe(false);
    expect(serverMessage.safeParse({ ...trade, price: 1 }).success).toBe(false);
    expect(serverMessage.safeParse({ ...trade, extra: 1 }).success).toBe(false);
  });

  it('takes a book delta with removed levels', () => {
    expect(serverMessage.safeParse({ seq: 2, type: 'book', time: 5, symbol: 'AAPL', buy_orders: [['1.00', '0', 0]], sell_orders: [] }).success).toBe(true);
    expect(serverMessage.safeParse({ seq: 2, type: 'book', time: 5, symbol: 'AAPL', buy_orders: [['1.00', '0']], sell_orders: [] }).success).toBe(false);
    expect(serverMessage.safeParse({ seq: 2, type: 'book', symbol: 'AAPL', buy_orders: [['1.00', '0', 0]], sell_orders: [] }).success).toBe(false);
  });
});
