import { describe, expect, it } from 'vitest';
import { RecordQueue } from '../../src/marketdata/record-queue.js';
import type { MarketRecord } from '../../src/marketdata/records.js';

const status = (n: number): MarketRecord => ({ type: 'feed_status', exchange: 'x', state: 'live', reason: 'connected', localTime: n });

describe('RecordQueue', () => {
  it('hands records over in order, whether the consumer waits or lags', async () => {
    const q = new RecordQueue();
    const first = q.next();
    q.push(status(1));
    q.push(status(2));
    q.push(status(3));
    q.end();
    const seen: number[] = [(await first).value.localTime];
    for await (const r of q) seen.push(r.localTime);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('tells the source when it is too far ahead, and when it may go on', async () => {
    const events: string[] = [];
    const q = new RecordQueue({ highWaterMark: 4, onHigh: () => events.push('high'), onLow: () => events.push('low') });
    for (let i = 0; i < 6; i++) q.push(status(i));
    expect(events).toEqual(['high']);
    await q.next();
    await q.next();
    await q.next();
    expect(events).toEqual(['high']);
    await q.next();
    expect(events).toEqual(['high', 'low']);
  });

  it('a consumer that stops early is reported and the queue ends', async () => {
    let returned = 0;
    const q = new RecordQueue({ onReturn: () => returned++ });
    q.push(status(1));
    q.push(status(2));
    for await (const _r of q) break;
    expect(returned).toBe(1);
    expect(await q.next()).toEqual({ value: undefined, done: true });
    q.push(status(3));
    expect(q.length).toBe(0);
  });

  it('ends a waiting consumer', async () => {
    const q = new RecordQueue();
    const waiting = q.next();
    q.end();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });

  it('has one consumer', async () => {
    const q = new RecordQueue();
    void q.next();
    await expect(q.next()).rejects.toThrow(/one consumer/);
  });
});
