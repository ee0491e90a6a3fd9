import { describe, expect, it } from 'vitest';
import type { MarketFeed, MarketRecord } from '../../src/marketdata/records.js';
import { ManualClock } from '../../src/shared/clock.js';
import { buildFeed, fanOut, parseFeedFlags, syntheticListings } from '../../src/cli/reference-feed.js';
import { DEFAULT_LISTINGS } from '../../src/venue/instruments.js';

describe('parseFeedFlags', () => {
  it('defaults to the synthetic market and reads each form', () => {
    expect(parseFeedFlags({})).toEqual({ kind: 'synthetic', seed: 1 });
    expect(parseFeedFlags({ feed: 'synthetic:42' })).toEqual({ kind: 'synthetic', seed: 42 });
    expect(parseFeedFlags({ feed: 'replay:a.gz,b.gz', replaySpeed: '10' })).toEqual({ kind: 'replay', files: ['a.gz', 'b.gz'], speed: 10 });
    expect(parseFeedFlags({ feed: 'none' })).toEqual({ kind: 'none' });
    expect(parseFeedFlags({ feed: 'binance', binanceWsUrl: 'ws://127.0.0.1:9001/', binanceRestUrl: 'http://127.0.0.1:9002' })).toEqual({
      kind: 'binance',
      wsUrl: 'ws://127.0.0.1:9001',
      restUrl: 'http://127.0.0.1:9002',
      fallback: { kind: 'synthetic', seed: 1 },
    });
    expect(parseFeedFlags({ feed: 'binance', feedFallback: 'replay:x.gz' })).toMatchObject({ fallback: { kind: 'replay', files: ['x.gz'] } });
  });

  it('says what is wrong with a bad flag', () => {
    expect(() => parseFeedFlags({ feed: 'bloomberg' })).toThrow(/--feed "bloomberg": use synthetic\[:seed\], binance, replay:<files> or none/);
    expect(() => parseFeedFlags({ feed: 'synthetic:-1' })).toThrow(/seed is a whole number/);
    expect(() => parseFeedFlags({ feed: 'replay:' })).toThrow(/name the files/);
    expect(() => parseFeedFlags({ feed: 'replay:a.gz', replaySpeed: '0' })).toThrow(/--replay-speed/);
    expect(() => parseFeedFlags({ feed: 'binance', binanceWsUrl: 'http://x' })).toThrow(/--binance-ws-url "http:\/\/x": use ws:\/\/ or wss:\/\//);
    expect(() => parseFeedFlags({ feed: 'binance', binanceRestUrl: 'nonsense' })).toThrow(/is not a URL/);
    expect(() => parseFeedFlags({ feed: 'binance', feedFallback: 'pigeons' })).toThrow(/--feed-fallback/);
  });
});

async function take(feed: MarketFeed, n: number): Promise<MarketRecord[]> {
  const out: MarketRecord[] = [];
  for await (const r of feed) {
    out.push(r);
    if (out.length === n) break;
  }
  return out;
}

describe('buildFeed and fanOut', () => {
  it('builds the synthetic market over every listing with a reference price, and hands the same records to each consumer', async () => {
    expect(syntheticListings(DEFAULT_LISTINGS).map((l) => l.symbol)).toEqual(DEFAULT_LISTINGS.map((l) => l.instrument.symbol));
    const clock = new ManualClock(1_700_000_000_000);
    const built = buildFeed({ kind: 'synthetic', seed: 9 }, DEFAULT_LISTINGS, clock)!;
    expect(built.source).toBe('synthetic');
    const [a, b] = fanOut(built.feed, 2);
    const pace = setInterval(() => clock.advance(100), 1);
    try {
      const [ra, rb] = await Promise.all([take(a!, 200), take(b!, 200)]);
      expect(ra).toEqual(rb);
      expect(new Set(ra.filter((r) => r.type === 'book_snapshot').map((r) => r.type === 'book_snapshot' && r.symbol)).size).toBe(DEFAULT_LISTINGS.length);
    } finally {
      clearInterval(pace);
      built.close();
    }
    expect(buildFeed({ kind: 'none' }, DEFAULT_LISTINGS, clock)).toBeUndefined();
  });

  it('a feed that fails reaches every consumer as a feed going down with the reason, then ends', async () => {
    const failing: MarketFeed = {
      async *[Symbol.asyncIterator]() {
        yield { type: 'feed_status', exchange: 'x', state: 'live', reason: 'connected', localTime: 1 } as MarketRecord;
        throw new Error('file.gz:12: truncated');
      },
    };
    const [only] = fanOut(failing, 1);
    const all: MarketRecord[] = [];
    for await (const r of only!) all.push(r);
    expect(all.map((r) => r.type === 'feed_status' && `${r.state} ${r.detail ?? ''}`)).toEqual(['live ', 'down file.gz:12: truncated']);
  });
});
