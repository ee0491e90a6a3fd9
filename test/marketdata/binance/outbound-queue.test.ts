import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/shared/clock.js';
import { OutboundQueue } from '../../../src/marketdata/binance/outbound-queue.js';

describe('OutboundQueue', () => {
  it('sends at most 5 in any second, the rest in order as the window allows', () => {
    const clock = new ManualClock(0);
    const q = new OutboundQueue(clock, 5, 1000);
    const sent: Array<[number, number]> = [];
    for (let i = 0; i < 12; i++) q.enqueue(() => sent.push([i, clock.now()]));
    expect(sent.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    expect(q.waiting).toBe(7);
    clock.advance(999);
    expect(sent).toHaveLength(5);
    clock.advance(1);
    expect(sent.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    clock.advance(1000);
    expect(sent.map(([, t]) => t)).toEqual([0, 0, 0, 0, 0, 1000, 1000, 1000, 1000, 1000, 2000, 2000]);
  });

  it('spaces sends made over time by the sliding window, not by whole seconds', () => {
    const clock = new ManualClock(0);
    const q = new OutboundQueue(clock, 2, 1000);
    const sent: number[] = [];
    q.enqueue(() => sent.push(clock.now()));
    clock.advance(600);
    q.enqueue(() => sent.push(clock.now()));
    q.enqueue(() => sent.push(clock.now()));
    clock.advance(2000);
    expect(sent).toEqual([0, 600, 1000]);
  });

  it('keeps a margin over the second by default', () => {
    const clock = new ManualClock(0);
    const q = new OutboundQueue(clock, 1);
    const sent: number[] = [];
    q.enqueue(() => sent.push(clock.now()));
    q.enqueue(() => sent.push(clock.now()));
    clock.advance(5000);
    expect(sent).toEqual([0, 1100]);
  });

  it('clear drops what waits', () => {
    const clock = new ManualClock(0);
    const q = new OutboundQueue(clock, 1, 1000);
    let n = 0;
    q.enqueue(() => n++);
    q.enqueue(() => n++);
    q.clear();
    clock.advance(5000);
    expect(n).toBe(1);
    expect(() => new OutboundQueue(clock, 0)).toThrow(RangeError);
  });
});
