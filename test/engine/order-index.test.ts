import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderIndex } from '../../src/engine/order-index.js';

// The index must behave exactly like a Map<id, slot>; deletion by backward shift is the part that
// goes wrong in subtle ways (an entry becomes unreachable), so the model check leans on deletes.
describe('OrderIndex', () => {
  it('finds what was stored and forgets what was deleted', () => {
    const index = new OrderIndex(4);
    index.set(7, 70);
    index.set(2 ** 40 + 7, 71);
    expect(index.get(7)).toBe(70);
    expect(index.get(2 ** 40 + 7)).toBe(71);
    expect(index.get(8)).toBe(-1);
    expect(index.delete(7)).toBe(true);
    expect(index.delete(7)).toBe(false);
    expect(index.get(7)).toBe(-1);
    expect(index.get(2 ** 40 + 7)).toBe(71);
    expect(index.size).toBe(1);
  });

  it('overwrites the slot of an id stored twice without counting it twice', () => {
    const index = new OrderIndex();
    index.set(5, 1);
    index.set(5, 2);
    expect(index.get(5)).toBe(2);
    expect(index.size).toBe(1);
  });

  it('keeps a million sequential ids reachable through growth', () => {
    const index = new OrderIndex(16);
    for (let id = 1; id <= 1_000_000; id++) index.set(id, id & 0xffff);
    for (let id = 1; id <= 1_000_000; id += 997) expect(index.get(id)).toBe(id & 0xffff);
    for (let id = 1; id <= 1_000_000; id += 2) index.delete(id);
    expect(index.size).toBe(500_000);
    for (let id = 1; id <= 2_000; id++) expect(index.get(id)).toBe(id % 2 === 0 ? id & 0xffff : -1);
  });

  it('agrees with a Map on random operations, including clustered and huge ids', () => {
    const id = fc.oneof(
      fc.integer({ min: 1, max: 64 }),
      fc.integer({ min: 1, max: 64 }).map((n) => n * 1024),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id, slot: fc.integer({ min: 0, max: 1_000_000 }) }),
      fc.record({ kind: fc.constant('delete' as const), id }),
      fc.record({ kind: fc.constant('get' as const), id }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = new OrderIndex(4);
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            index.set(o.id, o.slot);
            model.set(o.id, o.slot);
          } else if (o.kind === 'delete') {
            expect(index.delete(o.id)).toBe(model.delete(o.id));
          } else {
            expect(index.get(o.id)).toBe(model.get(o.id) ?? -1);
          }
          expect(index.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(index.get(k)).toBe(v);
        const seen = new Map<number, number>();
        index.forEach((k, v) => seen.set(k, v));
        expect(seen).toEqual(model);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('OrderIndex edge keys', () => {
  it('never finds id 0 or -0, which would alias an empty cell', () => {
    const index = new OrderIndex(4);
    expect(index.get(0)).toBe(-1);
    index.set(1, 5);
    index.delete(1);
    expect(index.get(0)).toBe(-1);
    expect(index.get(-0)).toBe(-1);
  });
});
