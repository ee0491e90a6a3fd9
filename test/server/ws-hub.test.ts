// The WebSocket market data end to end: a real venue on disk, the real server on a free port, `ws`
// clients that check every frame against the protocol schema and rebuild the books from the
// snapshot and the deltas. What they rebuild must be the engine's books, level for level.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecordQueue } from '../../src/marketdata/record-queue.js';
import type { TradeRecord } from '../../src/marketdata/records.js';
import { SyntheticMarket } from '../../src/marketdata/synthetic.js';
import type { MarketMessage, ServerMessage } from '../../src/protocol/index.js';
import { SLOW_CLIENT_CLOSE_CODE } from '../../src/server/ws-hub.js';
import { engineBooks, hashBooks, randomFlow, type Stack, startStack } from './server-stack.js';
import { WsTestClient } from './ws-test-client.js';

let stack: Stack;
const clients: WsTestClient[] = [];

beforeAll(async () => {
  stack = await startStack({ server: { wsIntervalMs: 20, statsIntervalMs: 100 } });
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await stack?.stop();
});

async function connect(): Promise<WsTestClient> {
  const c = await WsTestClient.connect(stack.wsUrl);
  clients.push(c);
  await c.next((m) => m.type === 'snapshot');
  return c;
}

const symbols = (): string[] => stack.venue.engine.instruments().map((i) => i.symbol);

describe('WebSocket market data', () => {
  it('snapshot plus book deltas rebuild exactly the books the engine holds after thousands of random orders', async () => {
    const full = await connect();
    const top = await connect();
    top.send({ type: 'subscribe', symbols: ['*'], depth: 5 });
    const from = top.messages.length;
    await top.next((m) => m.type === 'snapshot' && m.subscription.depth === 5, from);

    const first = await randomFlow(stack.venue, 1500, 7);
    // A client that joins while the books are busy starts from its snapshot and stays exact.
    const late = await connect();
    const second = await randomFlow(stack.venue, 1500, 8);
    expect(first.accepted + second.accepted).toBeGreaterThan(2500);

    for (const [c, id] of [
      [full, 'full'],
      [top, 'top'],
      [late, 'late'],
    ] as const) {
      await c.sync(id);
      expect(c.problems).toEqual([]);
      expect(c.gaps).toBe(0);
    }
    const engine = hashBooks(engineBooks(stack.venue), symbols());
    expect(hashBooks(full.books(), symbols())).toBe(engine);
    expect(hashBooks(late.books(), symbols())).toBe(engine);
    expect(hashBooks(top.books(), symbols())).toBe(hashBooks(engineBooks(stack.venue, 5), symbols()));
    // The books are not trivially empty, and deltas did the work (one snapshot each).
    expect([...engineBooks(stack.venue).values()].some((b) => b.buy.length > 5 && b.sell.length > 5)).toBe(true);
    expect(full.snapshots).toBe(1);
    expect(full.messages.filter((m) => m.type === 'book').length).toBeGreaterThan(10);
    expect(full.messages.some((m) => m.type === 'execution')).toBe(true);
    expect(full.messages.some((m) => m.type === 'trade')).toBe(true);
    expect(full.messages.some((m) => m.type === 'new_order')).toBe(true);
    expect(full.messages.some((m) => m.type === 'cancel_order')).toBe(true);
    expect(full.messages.some((m) => m.type === 'stats')).toBe(true);
  });

  it('conflates: at most one book message per symbol in each frame, levels once each', async () => {
    const c = await WsTestClient.connect(stack.wsUrl);
    clients.push(c);
    const frames: ServerMessage[][] = [];
    c.ws.on('message', (data) => frames.push(JSON.parse(String(data)) as ServerMessage[]));
    await c.next((m) => m.type === 'snapshot');
    await randomFlow(stack.venue, 600, 11);
    await c.sync('conflate');
    let books = 0;
    for (const frame of frames) {
      const perSymbol = new Map<string, number>();
      for (const m of frame) {
        if (m.type !== 'book') continue;
        books++;
        perSymbol.set(m.symbol, (perSymbol.get(m.symbol) ?? 0) + 1);
        expect(new Set(m.buy_orders.map((l) => l[0])).size).toBe(m.buy_orders.length);
        expect(new Set(m.sell_orders.map((l) => l[0])).size).toBe(m.sell_orders.length);
        expect(m.buy_orders.length + m.sell_orders.length).toBeGreaterThan(0);
      }
      for (const n of perSymbol.values()) expect(n).toBe(1);
    }
    expect(books).toBeGreaterThan(0);
    expect(hashBooks(c.books(), symbols())).toBe(hashBooks(engineBooks(stack.venue), symbols()));
  });

  it('a client that misses a message sees the gap in seq, resyncs, and is exact again from the fresh snapshot', async () => {
    const c = await connect();
    const from = c.messages.length;
    c.loseNext((m) => m.type === 'book');
    await randomFlow(stack.venue, 400, 21);
    await c.sync('gap');
    expect(c.gaps).toBe(1);
    await c.next((m) => m.type === 'snapshot', from);
    expect(c.snapshots).toBe(2);
    expect(c.problems).toEqual([]);
    await randomFlow(stack.venue, 200, 22);
    await c.sync('after-gap');
    expect(c.gaps).toBe(1);
    expect(hashBooks(c.books(), symbols())).toBe(hashBooks(engineBooks(stack.venue), symbols()));
  });

  it('rejects bad client messages with an error and a stable code, and stays connected', async () => {
    const c = await connect();
    const from = c.messages.length;
    c.send('{not json');
    c.send({ type: 'dance' });
    c.send({ type: 'subscribe', symbols: 'AAPL' });
    c.send({ type: 'subscribe', symbols: ['NOPE'] });
    c.send({ type: 'subscribe', depth: 0 });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.sync('still-here');
    const errors = c.messages.slice(from).filter((m) => m.type === 'error');
    expect(errors.map((e) => (e.type === 'error' ? e.code : ''))).toEqual(['invalid_json', 'invalid_message', 'invalid_message', 'unknown_symbol', 'invalid_message', 'invalid_message']);
    expect(errors[3].type === 'error' && errors[3].message).toMatch(/NOPE/);
    expect(c.closed).toBeUndefined();
  });

  it('a snapshot has no reference market when no feed is attached', async () => {
    const c = await connect();
    const snapshot = c.messages.find((m) => m.type === 'snapshot');
    expect(snapshot !== undefined && 'market' in snapshot).toBe(false);
    expect(snapshot?.type === 'snapshot' && snapshot.subscription.channels).toContain('market');
  });

  it('closes a connection whose message is over the size cap (1009)', async () => {
    const c = await connect();
    c.send({ type: 'ping', id: 'x'.repeat(70 * 1024) });
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1009);
  });

  it('delivers only the subscribed symbols and channels; unsubscribe narrows further', async () => {
    const c = await connect();
    let from = c.messages.length;
    c.send({ type: 'subscribe', symbols: ['AAPL'], channels: ['trades'] });
    // Still subscribed to "*" from the connect: narrow it first.
    c.send({ type: 'unsubscribe', symbols: ['*'] });
    c.send({ type: 'subscribe', symbols: ['AAPL'], channels: ['trades'] });
    const snapshot = await c.next((m) => m.type === 'snapshot' && m.subscription.symbols.join() === 'AAPL', from);
    expect(snapshot.type === 'snapshot' && snapshot.books.map((b) => b.symbol)).toEqual(['AAPL']);
    expect(snapshot.type === 'snapshot' && snapshot.subscription.channels).toEqual(['trades']);
    from = c.messages.length;
    await randomFlow(stack.venue, 300, 31, ['AAPL', 'MSFT']);
    await c.sync('narrow');
    const after = c.messages.slice(from);
    expect(after.some((m) => m.type === 'trade' && m.symbol === 'AAPL')).toBe(true);
    expect(after.filter((m) => m.type !== 'trade' && m.type !== 'pong' && m.type !== 'snapshot')).toEqual([]);
    expect(after.every((m) => m.type !== 'trade' || m.symbol === 'AAPL')).toBe(true);

    c.send({ type: 'unsubscribe', channels: ['trades'] });
    from = c.messages.length;
    await c.next((m) => m.type === 'snapshot', from);
    await randomFlow(stack.venue, 100, 32, ['AAPL']);
    await c.sync('none');
    expect(c.messages.slice(from).filter((m) => m.type !== 'snapshot' && m.type !== 'pong')).toEqual([]);
  });

  it('tells every client about a new listing and a halt', async () => {
    const c = await connect();
    const from = c.messages.length;
    expect(await stack.venue.list({ assetClass: 'crypto', instrument: { symbol: 'DOGEUSDT', tickSize: '0.00001', lotSize: '1' }, referencePrice: '0.15000' })).toEqual({ ok: true });
    const listed = await c.next((m) => m.type === 'instruments' && m.instruments.some((i) => i.symbol === 'DOGEUSDT'), from);
    expect(listed.type === 'instruments' && listed.instruments.find((i) => i.symbol === 'DOGEUSDT')).toEqual({
      symbol: 'DOGEUSDT',
      asset_class: 'crypto',
      tick_size: '0.00001',
      lot_size: '1',
      reference_price: '0.15000',
      halted: false,
    });
    await stack.venue.orders.submit({ account: 'd', symbol: 'DOGEUSDT', side: 'buy', type: 'limit', price: '0.14000', quantity: '1000' });
    const book = await c.next((m) => m.type === 'book' && m.symbol === 'DOGEUSDT', from);
    expect(book.type === 'book' && book.buy_orders).toEqual([['0.14000', '1000', 1]]);

    expect(await stack.venue.halt('DOGEUSDT')).toEqual({ ok: true });
    const halted = await c.next((m) => m.type === 'instruments' && m.instruments.some((i) => i.symbol === 'DOGEUSDT' && i.halted), from);
    expect(halted.type).toBe('instruments');
    // The halt cancelled the resting order: the level goes.
    const gone = await c.next((m) => m.type === 'book' && m.symbol === 'DOGEUSDT' && m.buy_orders.some((l) => l[1] === '0'), from);
    expect(gone.type === 'book' && gone.buy_orders).toEqual([['0.14000', '0', 0]]);
    const cancel = await c.next((m) => m.type === 'cancel_order' && m.symbol === 'DOGEUSDT', from);
    expect(cancel).toMatchObject({ cancelled_quantity: '1000', leaves_quantity: '0', reason: 'mass_cancel' });
    await stack.venue.resume('DOGEUSDT');
  });

  it('cuts a client that stops reading, while a healthy client keeps receiving everything', async () => {
    const tight = await startStack({ server: { wsIntervalMs: 10, maxBufferedBytes: 64 * 1024 } });
    const local: WsTestClient[] = [];
    try {
      const healthy = await WsTestClient.connect(tight.wsUrl);
      const stalled = await WsTestClient.connect(tight.wsUrl);
      local.push(healthy, stalled);
      await healthy.next((m) => m.type === 'snapshot');
      await stalled.next((m) => m.type === 'snapshot');
      // Deep books make every snapshot large; the stalled client asks for one on every tick and reads nothing.
      await randomFlow(tight.venue, 1500, 41);
      stalled.ws.pause();
      const deadline = Date.now() + 30_000;
      let rounds = 0;
      while (tight.server.hub.clientCount > 1 && Date.now() < deadline) {
        for (let i = 0; i < 5; i++) stalled.send({ type: 'resync' });
        if (rounds++ % 10 === 0) await randomFlow(tight.venue, 50, 100 + rounds);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(tight.server.hub.clientCount).toBe(1);
      const metrics = await (await fetch(`${tight.base}/metrics`)).text();
      expect(metrics).toMatch(/^crucible_ws_clients_dropped_total\{reason="slow"\} 1$/m);
      expect(metrics).toMatch(/^crucible_ws_clients 1$/m);

      await randomFlow(tight.venue, 300, 42);
      await healthy.sync('healthy');
      expect(healthy.problems).toEqual([]);
      expect(healthy.gaps).toBe(0);
      expect(healthy.closed).toBeUndefined();
      const all = tight.venue.engine.instruments().map((i) => i.symbol);
      expect(hashBooks(healthy.books(), all)).toBe(hashBooks(engineBooks(tight.venue), all));

      stalled.ws.resume();
      const closed = await stalled.waitClosed();
      // The close frame (1008) is queued behind what the client never read; the server destroys the socket after a grace period.
      expect([SLOW_CLIENT_CLOSE_CODE, 1006]).toContain(closed.code);
    } finally {
      for (const c of local) c.ws.terminate();
      await tight.stop();
    }
  });
});

describe('events do not wait for the book tick', () => {
  it('orders and executions go out at once while book deltas wait for the tick; a pong follows the book', async () => {
    // A book tick that never comes by itself during the test: the test runs it.
    const slow = await startStack({ server: { wsIntervalMs: 10_000, wsFlushMs: 5 } });
    try {
      const c = await WsTestClient.connect(slow.wsUrl);
      try {
        slow.server.hub.tick();
        await c.next((m) => m.type === 'snapshot');
        const from = c.messages.length;
        const sell = await slow.venue.orders.submit({ account: 'x1', symbol: 'AMZN', side: 'sell', type: 'limit', price: '185.00', quantity: '3' });
        const buy = await slow.venue.orders.submit({ account: 'x2', symbol: 'AMZN', side: 'buy', type: 'limit', price: '185.00', quantity: '1' });
        expect(sell.ok && buy.ok).toBe(true);
        await c.next((m) => m.type === 'execution' && m.symbol === 'AMZN', from);
        await c.next((m) => m.type === 'trade' && m.symbol === 'AMZN', from);
        expect(c.messages.slice(from).filter((m) => m.type === 'book')).toEqual([]);

        // The ping's answer waits for the tick, behind the book delta of every change made before it.
        c.send({ type: 'ping', id: 'barrier' });
        await new Promise((r) => setTimeout(r, 50));
        expect(c.messages.slice(from).some((m) => m.type === 'pong')).toBe(false);
        slow.server.hub.tick();
        const pong = await c.next((m) => m.type === 'pong', from);
        const book = c.messages.slice(from).findIndex((m) => m.type === 'book' && m.symbol === 'AMZN');
        expect(book).toBeGreaterThanOrEqual(0);
        expect(book).toBeLessThan(c.messages.slice(from).indexOf(pong));
        expect(c.problems).toEqual([]);
      } finally {
        c.close();
      }
    } finally {
      await slow.stop();
    }
  });
});

describe('the reference market on the WebSocket', () => {
  it('sends `market` messages to clients subscribed to the symbol and channel, one per symbol per tick, trades never twice', async () => {
    const feedStack = await startStack({ server: { wsIntervalMs: 20 } });
    const feed = new RecordQueue();
    const local: WsTestClient[] = [];
    try {
      feedStack.server.attachReferenceFeed(feed, { source: 'synthetic' });
      const market = new SyntheticMarket({
        listings: [
          { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', tradesPerSecond: 40 },
          { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.0001', referencePrice: '3500.00', tradesPerSecond: 10 },
        ],
        seed: 11,
        startTime: Date.now(),
      });
      const trades: TradeRecord[] = [];
      let pushed = 0;
      const step = async (steps: number): Promise<void> => {
        for (let i = 0; i < steps; i++) {
          for (const r of market.next()) {
            if (r.type === 'trade') trades.push(r);
            feed.push(r);
            pushed++;
          }
        }
        await expect.poll(() => feedStack.server.reference?.records).toBe(pushed);
      };
      await step(20);

      const join = async (subscribe?: object): Promise<WsTestClient> => {
        const c = await WsTestClient.connect(feedStack.wsUrl);
        local.push(c);
        await c.next((m) => m.type === 'snapshot');
        if (subscribe !== undefined) {
          const from = c.messages.length;
          c.send({ type: 'unsubscribe', symbols: ['*'] });
          c.send(subscribe);
          await c.next((m) => m.type === 'snapshot' && m.subscription.symbols[0] !== '*' && m.subscription.symbols.length > 0, from);
        }
        return c;
      };
      const all = await join();
      const noMarket = await join({ type: 'subscribe', symbols: ['BTCUSDT', 'ETHUSDT'], channels: ['book', 'trades'] });
      const ethOnly = await join({ type: 'subscribe', symbols: ['ETHUSDT'], channels: ['market'] });
      const frames: ServerMessage[][] = [];
      all.ws.on('message', (data) => frames.push(JSON.parse(String(data)) as ServerMessage[]));

      // The snapshot starts a client complete: the book and latest trades of every subscribed symbol.
      const snapshot = all.messages.find((m) => m.type === 'snapshot');
      if (snapshot?.type !== 'snapshot') throw new Error('no snapshot');
      expect(snapshot.market?.map((m) => m.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
      const btcAtSnapshot = snapshot.market![0];
      expect(btcAtSnapshot).toMatchObject({ source: 'synthetic', exchange: 'synthetic', state: 'live' });
      expect(btcAtSnapshot.bids).toHaveLength(10);
      expect(btcAtSnapshot.trades[0].trade_id).toBe(trades.filter((t) => t.symbol === 'BTCUSDT').pop()!.tradeId);
      const lastSnapshot = (c: WsTestClient) => c.messages.filter((m) => m.type === 'snapshot').pop();
      const noMarketSnapshot = lastSnapshot(noMarket);
      expect(noMarketSnapshot?.type === 'snapshot' && noMarketSnapshot.market).toBeUndefined();
      const ethSnapshot = lastSnapshot(ethOnly);
      expect(ethSnapshot?.type === 'snapshot' && ethSnapshot.market?.map((m) => m.symbol)).toEqual(['ETHUSDT']);

      const from = { all: all.messages.length, noMarket: noMarket.messages.length, ethOnly: ethOnly.messages.length };
      const seen = trades.length;
      for (let round = 0; round < 5; round++) {
        await step(10);
        await all.sync(`round-${round}`);
      }
      await noMarket.sync('no-market');
      await ethOnly.sync('eth-only');

      const marketOf = (c: WsTestClient, start: number): MarketMessage[] => c.messages.slice(start).filter((m): m is MarketMessage => m.type === 'market');
      const received = marketOf(all, from.all);
      expect(received.filter((m) => m.symbol === 'BTCUSDT').length).toBeGreaterThanOrEqual(5);
      expect(received.filter((m) => m.symbol === 'ETHUSDT').length).toBeGreaterThanOrEqual(1);
      // Every trade after the snapshot exactly once, in order, across the messages.
      const btcTrades = received.filter((m) => m.symbol === 'BTCUSDT').flatMap((m) => [...m.trades].reverse().map((t) => t.trade_id));
      expect(btcTrades).toEqual(trades.slice(seen).filter((t) => t.symbol === 'BTCUSDT').map((t) => t.tradeId));
      // The latest message holds the reference book as the server has it now.
      const latest = received.filter((m) => m.symbol === 'BTCUSDT').pop()!;
      const { time: _time, type: _type, seq: _seq, trades: _trades, ...shown } = latest;
      const { trades: _now, ...now } = feedStack.server.reference!.info('BTCUSDT')!;
      expect(shown).toEqual(now);
      // Conflated: never two messages for one symbol in a frame.
      for (const frame of frames) {
        const symbols = frame.filter((m) => m.type === 'market').map((m) => (m.type === 'market' ? m.symbol : ''));
        expect(new Set(symbols).size).toBe(symbols.length);
      }

      expect(marketOf(noMarket, from.noMarket)).toEqual([]);
      expect(noMarket.messages.slice(from.noMarket).some((m) => m.type === 'trade' || m.type === 'book' || m.type === 'pong')).toBe(true);
      const eth = marketOf(ethOnly, from.ethOnly);
      expect(eth.length).toBeGreaterThan(0);
      expect(eth.every((m) => m.symbol === 'ETHUSDT')).toBe(true);
      for (const c of [all, noMarket, ethOnly]) {
        expect(c.problems).toEqual([]);
        expect(c.gaps).toBe(0);
      }
    } finally {
      for (const c of local) c.ws.terminate();
      feed.end();
      await feedStack.stop();
    }
  });
});
