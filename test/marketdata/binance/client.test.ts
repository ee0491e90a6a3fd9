// The live client against a local fake Binance serving the real captures: the book it ends with
// must equal the book rebuilt straight from the capture file, whatever went wrong on the way.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type ClockScheduler } from '../../../src/shared/clock.js';
import { BinanceFeed, type BinanceFeedOptions } from '../../../src/marketdata/binance/client.js';
import type { FeedStatusRecord, MarketRecord } from '../../../src/marketdata/records.js';
import { FakeBinance, loadCapture, mergeCaptures, rebuildFromCapture, requireCaptures, type CaptureLine, type FakeBinanceOptions } from '../../support/fake-binance.js';

const haveCaptures = requireCaptures('live client tests against the fake Binance');

/** Reads a feed in the background and lets a test wait, boundedly, for what it expects. */
class Consumer {
  readonly records: MarketRecord[] = [];
  ended = false;
  private wake: (() => void) | undefined;

  constructor(feed: AsyncIterable<MarketRecord>) {
    void (async () => {
      for await (const r of feed) {
        this.records.push(r);
        this.wake?.();
      }
      this.ended = true;
      this.wake?.();
    })();
  }

  statuses(symbol?: string): FeedStatusRecord[] {
    return this.records.filter((r): r is FeedStatusRecord => r.type === 'feed_status' && (symbol === undefined || r.symbol === symbol));
  }

  count(type: MarketRecord['type'], symbol?: string): number {
    return this.records.filter((r) => r.type === type && (symbol === undefined || ('symbol' in r && r.symbol === symbol))).length;
  }

  async until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, 20);
        this.wake = () => {
          clearTimeout(t);
          ok();
        };
      });
    }
  }
}

const SYMBOLS = ['btcusdt', 'ethusdt'];
const TICKS = { BTCUSDT: '0.01', ETHUSDT: '0.01' };

let fake: FakeBinance | undefined;
let feed: BinanceFeed | undefined;

afterEach(async () => {
  await feed?.close();
  await fake?.close();
  feed = undefined;
  fake = undefined;
});

/** The first `count` messages of day one, both symbols, in receive order (snapshots included). */
function dayOnePrefix(count: number): CaptureLine[] {
  const merged = mergeCaptures(SYMBOLS.map((s) => loadCapture(s, ['20240808'])));
  const out: CaptureLine[] = [];
  let stream = 0;
  for (const l of merged) {
    if (l.kind !== 'snapshot' && stream++ >= count) break;
    out.push(l);
  }
  return out;
}

async function start(lines: CaptureLine[], feedOptions: Partial<BinanceFeedOptions> = {}, fakeOptions: Partial<FakeBinanceOptions> = {}): Promise<{ fake: FakeBinance; feed: BinanceFeed; consumer: Consumer }> {
  fake = await FakeBinance.start({ lines, ...fakeOptions });
  feed = new BinanceFeed({
    symbols: SYMBOLS,
    wsUrl: fake.wsUrl,
    restUrl: fake.restUrl,
    snapshotLimit: 5000,
    tickSizes: TICKS,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, jitter: 0.5 },
    snapshotRetryDelayMs: 20,
    ...feedOptions,
  });
  const consumer = new Consumer(feed);
  return { fake, feed, consumer };
}

/** Waits until the fake has served everything and each book has caught up, then compares every level. */
async function expectBooksMatchCapture(f: FakeBinance, c: BinanceFeed, consumer: Consumer, lines: CaptureLine[], timeoutMs = 60_000): Promise<void> {
  await f.whenDone(timeoutMs);
  for (const symbol of SYMBOLS) {
    const ref = rebuildFromCapture(lines, symbol);
    const upper = symbol.toUpperCase();
    await consumer.until(`${upper} at update ${ref.lastUpdateId} (now ${c.book(upper)?.lastUpdateId})`, () => c.book(upper)?.lastUpdateId === ref.lastUpdateId && c.symbolState(upper) === 'live', timeoutMs);
    const book = c.book(upper);
    if (book === undefined) throw new Error(`no book for ${upper}`);
    const { bids, asks } = ref.levels();
    // Prices compare as numbers (the book writes them on the tick grid, the capture with 8 decimals);
    // quantities compare as the exchange's text.
    const asNumbers = (levels: readonly (readonly [string, string])[]): Array<[number, string]> => levels.map(([p, q]) => [Number(p), q]);
    expect(book.bidLevels).toBe(bids.length);
    expect(book.askLevels).toBe(asks.length);
    expect(asNumbers(book.bids())).toEqual(asNumbers(bids));
    expect(asNumbers(book.asks())).toEqual(asNumbers(asks));
  }
  // Let the consumer read everything queued so far, so its statuses and counts are complete.
  await consumer.until('the consumer to catch up', () => c.stats().queued === 0, timeoutMs);
}

describe.skipIf(!haveCaptures)('BinanceFeed against the fake Binance', () => {
  it('follows both symbols over both days and ends on the books rebuilt straight from the files', async () => {
    const lines = mergeCaptures(SYMBOLS.map((s) => loadCapture(s)));
    const { fake: f, feed: c, consumer } = await start(lines);
    await expectBooksMatchCapture(f, c, consumer, lines, 120_000);
    const captured = (kind: CaptureLine['kind'], symbol: string): number => lines.filter((l) => l.kind === kind && l.symbol === symbol).length;
    const expectedMarketRecords = SYMBOLS.reduce((n, s) => n + captured('trade', s) + captured('bookTicker', s), 0);
    await consumer.until('the last trades and tickers', () => consumer.count('trade') + consumer.count('ticker') >= expectedMarketRecords, 30_000);
    for (const symbol of SYMBOLS) {
      const upper = symbol.toUpperCase();
      // Every trade and every top-of-book update arrived, once.
      expect(consumer.count('trade', upper)).toBe(captured('trade', symbol));
      expect(consumer.count('ticker', upper)).toBe(captured('bookTicker', symbol));
      const q = c.quality(upper);
      expect(q?.issues.gap).toBe(0);
      expect(q?.issues.crossed).toBe(0);
      expect(q?.circuit).toBe('closed');
      expect(consumer.statuses(upper).map((s) => s.state)).toEqual(['resyncing', 'live']);
    }
    expect(f.counters.connections).toBe(1);
    expect(f.counters.restRequests).toBe(2);
    expect(c.stats().parseErrors).toBe(0);
  }, 180_000);

  it('the records let a consumer rebuild the same book: a snapshot, then changes', async () => {
    const lines = dayOnePrefix(20_000);
    const { fake: f, feed: c, consumer } = await start(lines, { symbols: ['btcusdt'] });
    await f.whenDone(30_000);
    const ref = rebuildFromCapture(lines, 'btcusdt');
    // The consumer, not just the client's book, must have seen the last change.
    const seen = (): boolean => consumer.records.some((r) => (r.type === 'book_change' || r.type === 'book_snapshot') && r.lastUpdateId === ref.lastUpdateId);
    await consumer.until('the last BTCUSDT change', seen);
    expect(c.book('BTCUSDT')?.lastUpdateId).toBe(ref.lastUpdateId);
    const book = new Map<number, string>();
    let last = 0;
    for (const r of consumer.records) {
      if (r.type === 'book_snapshot') {
        book.clear();
        for (const [p, q] of r.bids) book.set(Number(p), q);
        last = r.lastUpdateId;
      } else if (r.type === 'book_change') {
        expect(r.lastUpdateId).toBeGreaterThan(last);
        for (const [p, q] of r.bids) if (Number(q) === 0) book.delete(Number(p));
        else book.set(Number(p), q);
        last = r.lastUpdateId;
      }
    }
    const expected = ref.levels().bids.map(([p, q]) => [Number(p), q]);
    expect([...book].sort((a, b) => b[0] - a[0])).toEqual(expected);
  });

  it('reconnects after the connection drops and resyncs to the right book', async () => {
    const lines = dayOnePrefix(30_000);
    const { fake: f, feed: c, consumer } = await start(lines);
    f.at(8_000, () => f.dropConnections());
    f.at(20_000, () => f.dropConnections());
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.connections).toBe(3);
    expect(c.stats().connections).toBe(3);
    const downs = consumer.statuses().filter((s) => s.symbol === undefined && s.state === 'down');
    expect(downs).toHaveLength(2);
    expect(['connection_closed', 'connection_error']).toContain(downs[0].reason);
    // Each symbol went live again after each reconnect.
    for (const s of ['BTCUSDT', 'ETHUSDT']) expect(consumer.statuses(s).filter((r) => r.reason === 'snapshot_applied')).toHaveLength(3);
    expect(c.quality('BTCUSDT')?.issues.disconnect).toBe(2);
  });

  it('on a skipped diff sees the gap, resyncs from a new snapshot on the same connection', async () => {
    const lines = dayOnePrefix(20_000);
    const { fake: f, feed: c, consumer } = await start(lines);
    f.at(6_000, () => f.skipNextDiff('btcusdt'));
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.skippedDiffs).toBe(1);
    expect(f.counters.connections).toBe(1);
    expect(f.counters.restRequests).toBe(3);
    const gap = consumer.statuses('BTCUSDT').find((s) => s.reason === 'sequence_gap');
    expect(gap).toMatchObject({ state: 'resyncing' });
    expect(gap?.detail).toMatch(/expected U=\d+, got U=\d+/);
    expect(c.quality('BTCUSDT')?.issues.gap).toBe(1);
    expect(c.quality('ETHUSDT')?.issues.gap).toBe(0);
  });

  it('asks again when the snapshot is older than the buffered diffs', async () => {
    const lines = dayOnePrefix(20_000);
    const { fake: f, feed: c, consumer } = await start(lines);
    f.at(6_000, () => {
      f.serveStaleSnapshots(1);
      f.skipNextDiff('ethusdt');
    });
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.staleSnapshotsServed).toBe(1);
    expect(f.counters.restRequests).toBe(4);
    expect(c.quality('ETHUSDT')?.lastIssue).toBeDefined();
    expect(f.counters.connections).toBe(1);
  });

  it('retries failing snapshot requests', async () => {
    const lines = dayOnePrefix(10_000);
    const { fake: f, feed: c, consumer } = await start(lines, {}, {});
    f.failSnapshotRequests(3, 503);
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.failedSnapshots).toBe(3);
    expect(consumer.statuses().filter((s) => s.reason === 'snapshot_failed').length).toBe(3);
  });

  it('answers the server ping with a pong, and pings a quiet server itself', async () => {
    const lines = dayOnePrefix(2_000);
    const { fake: f, feed: c, consumer } = await start(lines, { idlePingMs: 150, deadAfterMs: 5_000 });
    await f.whenDone(10_000);
    await consumer.until('live', () => c.symbolState('BTCUSDT') === 'live');
    expect(await f.ping(2_000)).toBe(1);
    expect(f.counters.pongs).toBe(1);
    await consumer.until('a ping from the client', () => f.counters.clientPings >= 2, 5_000);
    expect(c.stats().pingsSent).toBeGreaterThanOrEqual(2);
    // The server answered, so the connection stays.
    expect(f.counters.connections).toBe(1);
    expect(c.connectionState).toBe('open');
  });

  it('drops a connection that goes silent (no data, no pong) and carries on over a new one', async () => {
    const lines = dayOnePrefix(20_000);
    const { fake: f, feed: c, consumer } = await start(lines, { idlePingMs: 200, deadAfterMs: 1_000 });
    f.at(7_000, () => f.silence());
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.connections).toBe(2);
    expect(consumer.statuses().find((s) => s.reason === 'ping_timeout')).toMatchObject({ state: 'down' });
  });

  it('rotates its connection before the server cuts it', async () => {
    const merged = dayOnePrefix(200_000);
    const t0 = merged[0].localMs;
    const lines = merged.filter((l) => l.localMs - t0 < 60_000);
    const { fake: f, feed: c, consumer } = await start(lines, { rotateAfterMs: 200 }, { pace: 60, connectionLifetimeMs: 600 });
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.lifetimeCuts).toBe(0);
    expect(f.counters.connections).toBeGreaterThanOrEqual(3);
    // Rotations go on while the test reads: compare only what has surely happened.
    const rotations = consumer.statuses().filter((s) => s.reason === 'rotation').length;
    expect(rotations).toBeGreaterThanOrEqual(2);
    expect(f.counters.connections).toBeGreaterThanOrEqual(rotations);
    // A rotation is not a failure.
    expect(c.quality('BTCUSDT')?.issues.disconnect).toBe(0);
  });

  it('reconnects when the server cuts the connection at its lifetime ("24 h")', async () => {
    const merged = dayOnePrefix(200_000);
    const t0 = merged[0].localMs;
    const lines = merged.filter((l) => l.localMs - t0 < 60_000);
    const { fake: f, feed: c, consumer } = await start(lines, {}, { pace: 60, connectionLifetimeMs: 300 });
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(f.counters.lifetimeCuts).toBeGreaterThanOrEqual(2);
    expect(f.counters.connections).toBeGreaterThanOrEqual(f.counters.lifetimeCuts);
    expect(consumer.statuses().filter((s) => s.state === 'down' && s.symbol === undefined).length).toBeGreaterThanOrEqual(2);
  });

  it('subscribes and unsubscribes live within 5 messages a second', async () => {
    const lines = dayOnePrefix(200_000);
    const { fake: f, feed: c, consumer } = await start(lines, { symbols: ['btcusdt'] }, { pace: 20 });
    await consumer.until('BTCUSDT live', () => c.symbolState('BTCUSDT') === 'live', 10_000);
    await c.subscribe(['ETHUSDT']);
    await consumer.until('ETHUSDT live', () => c.symbolState('ETHUSDT') === 'live', 10_000);
    await consumer.until('ETHUSDT trades and tickers', () => consumer.count('trade', 'ETHUSDT') > 0 && consumer.count('ticker', 'ETHUSDT') > 0, 10_000);
    // Six more requests at once: the client spaces them out rather than be cut off.
    await Promise.all(['aaausdt', 'bbbusdt', 'cccusdt', 'dddusdt', 'eeeusdt', 'fffusdt'].map((s) => c.subscribe([s])));
    await c.unsubscribe(['BTCUSDT']);
    await consumer.until('the queue to drain', () => c.stats().queued === 0, 5_000);
    const btcBefore = consumer.count('ticker', 'BTCUSDT');
    await new Promise((ok) => setTimeout(ok, 300));
    expect(consumer.count('ticker', 'BTCUSDT')).toBe(btcBefore);
    expect(c.book('BTCUSDT')).toBeUndefined();
    expect(consumer.statuses('BTCUSDT').at(-1)).toMatchObject({ state: 'down', reason: 'unsubscribed' });
    expect(f.counters.rateLimitCloses).toBe(0);
    expect(f.counters.connections).toBe(1);
    expect(f.requests.map((r) => r.method)).toEqual(['SUBSCRIBE', 'SUBSCRIBE', 'SUBSCRIBE', 'SUBSCRIBE', 'SUBSCRIBE', 'SUBSCRIBE', 'SUBSCRIBE', 'UNSUBSCRIBE']);
    expect(f.requests[0].params).toEqual(['ethusdt@depth@100ms', 'ethusdt@trade', 'ethusdt@bookTicker']);
    expect(f.requests.at(-1)?.params).toEqual(['btcusdt@depth@100ms', 'btcusdt@trade', 'btcusdt@bookTicker']);
  });

  it('the fake server does cut a client that sends more than 5 messages a second', async () => {
    const lines = dayOnePrefix(1_000);
    const { fake: f } = await start(lines, {}, {});
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${f.wsUrl}/stream?streams=btcusdt@trade`);
    await new Promise((ok) => ws.once('open', ok));
    const closed = new Promise<number>((ok) => ws.once('close', (code) => ok(code)));
    for (let i = 0; i < 7; i++) ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    expect(await closed).toBe(1008);
    expect(f.counters.rateLimitCloses).toBeGreaterThanOrEqual(1);
  });

  it('follows the top levels with a partial-depth stream', async () => {
    const lines = dayOnePrefix(3_000);
    const { fake: f, feed: c, consumer } = await start(lines, { streams: { depth: 5 } });
    await f.whenDone(20_000);
    for (const symbol of SYMBOLS) {
      const upper = symbol.toUpperCase();
      const server = f.serverBook(symbol);
      await consumer.until(`${upper} top 5`, () => c.book(upper)?.lastUpdateId === server?.lastUpdateId);
      const top = (server as NonNullable<typeof server>).levels(5);
      expect(c.book(upper)?.bids().map(([p, q]) => [Number(p), q])).toEqual(top.bids.map(([p, q]) => [Number(p), q]));
      expect(c.book(upper)?.asks().map(([p, q]) => [Number(p), q])).toEqual(top.asks.map(([p, q]) => [Number(p), q]));
    }
    expect(f.counters.restRequests).toBe(0);
    const snaps = consumer.records.filter((r) => r.type === 'book_snapshot');
    expect(snaps.length).toBeGreaterThan(100);
    expect(snaps.every((r) => r.type === 'book_snapshot' && r.depth === 5 && r.bids.length <= 5)).toBe(true);
    expect(consumer.count('book_change')).toBe(0);
  });

  it('counts a malformed message and carries on', async () => {
    const lines = dayOnePrefix(6_000);
    const { fake: f, feed: c, consumer } = await start(lines);
    f.at(2_000, () => {
      f.sendRaw('{"stream":"btcusdt@trade","data":{"e":"trade","p":"oops"}}');
      f.sendRaw('not json at all');
    });
    await expectBooksMatchCapture(f, c, consumer, lines);
    expect(c.stats().parseErrors).toBe(2);
    expect(c.stats().lastParseError?.code).toBe('invalid_json');
    expect(c.quality('BTCUSDT')?.issues.parse_error).toBe(2);
    expect(f.counters.connections).toBe(1);
  });

  it('reports a symbol stale when its data stops, and live when it comes back', async () => {
    const lines = dayOnePrefix(2_000);
    const { fake: f, feed: c, consumer } = await start(lines, { idlePingMs: 40, deadAfterMs: 10_000, quality: { staleAfterMs: 300 } });
    await f.whenDone(10_000);
    await consumer.until('BTCUSDT stale', () => c.symbolState('BTCUSDT') === 'stale', 5_000);
    expect(consumer.statuses('BTCUSDT').at(-1)).toMatchObject({ state: 'stale', reason: 'stale_data' });
    f.sendRaw('{"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":1,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}');
    await consumer.until('BTCUSDT live again', () => c.symbolState('BTCUSDT') === 'live', 5_000);
    expect(consumer.statuses('BTCUSDT').at(-1)).toMatchObject({ state: 'live', reason: 'data_resumed' });
    // The connection itself was fine all along.
    expect(f.counters.connections).toBe(1);
  });

  it('opens the circuit of a symbol after repeated errors, saying so in its status', async () => {
    const lines = dayOnePrefix(3_000);
    const { fake: f, feed: c, consumer } = await start(lines, { quality: { errorThreshold: 3 } });
    f.at(1_000, () => {
      for (let i = 0; i < 3; i++) f.sendRaw('{"stream":"ethusdt@trade","data":{"e":"trade"}}');
    });
    await f.whenDone(10_000);
    await consumer.until('ETHUSDT circuit open', () => c.quality('ETHUSDT')?.circuit === 'open', 5_000);
    expect(consumer.statuses('ETHUSDT').find((s) => s.reason === 'circuit_open')).toMatchObject({ state: 'down' });
    expect(c.quality('BTCUSDT')?.circuit).toBe('closed');
  });

  it('stops cleanly: the iteration ends with a "stopped" status', async () => {
    const lines = dayOnePrefix(2_000);
    const { feed: c, consumer } = await start(lines);
    await consumer.until('live', () => c.symbolState('ETHUSDT') === 'live');
    await c.close();
    await consumer.until('the end of the iteration', () => consumer.ended, 5_000);
    expect(consumer.records.at(-1)).toMatchObject({ type: 'feed_status', state: 'down', reason: 'stopped' });
  });
});

describe('BinanceFeed with no server', () => {
  it('keeps retrying with growing, jittered delays, and reports the feed down', async () => {
    const delays: number[] = [];
    // Records the delays asked for, but waits only a few ms so the test is quick.
    const clock: ClockScheduler = {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        delays.push(ms);
        return systemClock.setTimeout(fn, Math.min(ms, 5));
      },
      setInterval: (fn, ms) => systemClock.setInterval(fn, ms),
    };
    feed = new BinanceFeed({ symbols: ['BTCUSDT'], wsUrl: 'ws://127.0.0.1:9', restUrl: 'http://127.0.0.1:9', clock, random: () => 1, reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5 } });
    const consumer = new Consumer(feed);
    await consumer.until('six reconnections', () => delays.length >= 6, 10_000);
    // Doubling from 100 ms up to the 1 s cap, each drawn down by up to half (random pinned at 1).
    expect(delays.slice(0, 6)).toEqual([50, 100, 200, 400, 500, 500]);
    expect(consumer.statuses().find((s) => s.state === 'down')?.reason).toBe('connection_error');
    expect(feed.symbolState('BTCUSDT')).toBe('down');
  });

  it('refuses a symbol that is not one', () => {
    expect(() => new BinanceFeed({ symbols: ['btc/usdt'] })).toThrow(RangeError);
  });
});
