import { describe, expect, it } from 'vitest';
import { SequenceGuard } from '../../web/src/sequence-guard.js';

describe('message sequence checks', () => {
  it('holds everything back until the snapshot, then applies in order', () => {
    const g = new SequenceGuard();
    expect(g.check({ seq: 1, type: 'snapshot' })).toEqual({ apply: true, resync: false });
    expect(g.check({ seq: 2, type: 'book' }).apply).toBe(true);
    expect(g.synced).toBe(true);
  });

  it('asks for a resync once on a gap and applies nothing until the new snapshot', () => {
    const g = new SequenceGuard();
    g.check({ seq: 1, type: 'snapshot' });
    expect(g.check({ seq: 3, type: 'book' })).toEqual({ apply: false, resync: true, gapFrom: 2 });
    expect(g.check({ seq: 4, type: 'trade' })).toEqual({ apply: false, resync: false });
    expect(g.check({ seq: 6, type: 'trade' })).toEqual({ apply: false, resync: false });
    expect(g.check({ seq: 7, type: 'snapshot' }).apply).toBe(true);
    expect(g.check({ seq: 8, type: 'book' }).apply).toBe(true);
  });

  it('starts over on a new connection', () => {
    const g = new SequenceGuard();
    g.check({ seq: 1, type: 'snapshot' });
    g.check({ seq: 2, type: 'book' });
    g.reset();
    expect(g.check({ seq: 1, type: 'book' }).apply).toBe(false);
    expect(g.check({ seq: 2, type: 'snapshot' }).apply).toBe(true);
  });

  it('holds back after an own resync request until the snapshot comes', () => {
    const g = new SequenceGuard();
    g.check({ seq: 1, type: 'snapshot' });
    g.awaitSnapshot();
    expect(g.check({ seq: 2, type: 'execution' }).apply).toBe(false);
    expect(g.check({ seq: 3, type: 'snapshot' }).apply).toBe(true);
  });
});
