import { describe, expect, it } from 'vitest';
import { failoverFeed } from '../../src/marketdata/failover.js';
import { RecordQueue } from '../../src/marketdata/record-queue.js';
import type { BookSnapshotRecord, MarketRecord, TradeRecord } from '../../src/marketdata/records.js';
import { ManualClock } from '../../src/shared/clock.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function trade(exchange: string, id: number, clock: ManualClock): TradeRecord {
  return { type: 'trade', exchange, symbol: 'BTCUSDT', tradeId: String(id), price: '65000.00', quantity: '0.001', side: 'buy', exchangeTime: clock.now(), localTime: clock.now() };
}

describe('failoverFeed', () => {
  it('passes the primary while live, hands over to the fallback when it goes down, and takes back over with a fresh snapshot', async () => {
    const clock = new ManualClock(1_000_000);
    const primary = new RecordQueue();
    let fallbackRuns = 0;
    let fallbackStopped = 0;
    const fallback = (signal: AbortSignal) => {
      fallbackRuns++;
      const q = new RecordQueue();
      let id = 0;
      const timer = clock.setInterval(() => q.push(trade('synthetic', ++id, clock)), 100);
      signal.addEventListener('abort', () => {
        fallbackStopped++;
        timer.cancel();
        q.end();
      });
      return q;
    };
    const snapshot: BookSnapshotRecord = { type: 'book_snapshot', exchange: 'binance', symbol: 'BTCUSDT', bids: [['64999.00', '1']], asks: [['65001.00', '2']], lastUpdateId: 77, localTime: 0 };
    const switches: string[] = [];
    const feed = failoverFeed({ primary, fallback, clock, failAfterMs: 1_000, recoverAfterMs: 500, snapshotOf: () => snapshot, onSwitch: (to) => switches.push(to) });
    const got: MarketRecord[] = [];
    void (async () => {
      for await (const r of feed) got.push(r);
    })();

    primary.push({ type: 'feed_status', exchange: 'binance', state: 'live', reason: 'connected', localTime: clock.now() });
    primary.push(trade('binance', 1, clock));
    await settle();
    clock.advance(600);
    await settle();
    expect(feed.active).toBe('primary');

    primary.push({ type: 'feed_status', exchange: 'binance', state: 'down', reason: 'connection_closed', detail: 'socket closed', localTime: clock.now() });
    await settle();
    clock.advance(900);
    await settle();
    expect(feed.active).toBe('primary');
    clock.advance(300);
    await settle();
    expect(feed.active).toBe('fallback');
    clock.advance(350);
    await settle();
    // Primary data while on the fallback is not passed on.
    primary.push(trade('binance', 2, clock));
    await settle();

    primary.push({ type: 'feed_status', exchange: 'binance', state: 'live', reason: 'snapshot_applied', localTime: clock.now() });
    await settle();
    clock.advance(600);
    await settle();
    expect(feed.active).toBe('primary');
    primary.push(trade('binance', 3, clock));
    await settle();
    feed.close();
    await settle();

    const seen = got.map((r) => (r.type === 'trade' ? `${r.exchange}#${r.tradeId}` : r.type === 'feed_status' ? `${r.exchange}:${r.state}:${r.reason}` : `${r.type}:${r.exchange}`));
    expect(seen[0]).toBe('binance:live:connected');
    expect(seen[1]).toBe('binance#1');
    expect(seen[2]).toBe('binance:down:connection_closed');
    expect(seen[3]).toBe('failover:live:failover');
    expect(seen).not.toContain('binance#2');
    const back = seen.indexOf('failover:live:failback');
    expect(seen.slice(4, back).every((s) => s.startsWith('synthetic#'))).toBe(true);
    expect(seen.slice(4, back).length).toBeGreaterThanOrEqual(3);
    expect(seen.slice(back + 1)).toEqual(['book_snapshot:binance', 'binance#3']);
    expect(switches).toEqual(['fallback', 'primary']);
    expect([fallbackRuns, fallbackStopped]).toEqual([1, 1]);
    const failover = got.find((r) => r.type === 'feed_status' && r.reason === 'failover');
    expect(failover?.type === 'feed_status' && failover.detail).toMatch(/not live: down \(connection_closed: socket closed\)/);
  });

  it('hands over when the primary falls silent, even without saying so', async () => {
    const clock = new ManualClock(0);
    const primary = new RecordQueue();
    const feed = failoverFeed({ primary, fallback: () => new RecordQueue(), clock, failAfterMs: 1_000 });
    const got: MarketRecord[] = [];
    void (async () => {
      for await (const r of feed) got.push(r);
    })();
    primary.push({ type: 'feed_status', exchange: 'binance', state: 'live', reason: 'connected', localTime: 0 });
    await settle();
    clock.advance(1_000);
    await settle();
    clock.advance(1_100);
    await settle();
    expect(feed.active).toBe('fallback');
    const failover = got.find((r) => r.type === 'feed_status' && r.reason === 'failover');
    expect(failover?.type === 'feed_status' && failover.detail).toMatch(/silent for/);
    feed.close();
  });
});
