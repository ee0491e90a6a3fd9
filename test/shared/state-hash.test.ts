import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateHasher } from '../../src/shared/state-hash.js';

type Item = { kind: 'int'; v: number } | { kind: 'str'; v: string } | { kind: 'bool'; v: boolean };

const hashOf = (items: readonly Item[]): string => {
  const h = new StateHasher();
  for (const it of items) {
    if (it.kind === 'int') h.int(it.v);
    else if (it.kind === 'str') h.str(it.v);
    else h.bool(it.v);
  }
  return h.digest();
};

const int = (v: number): Item => ({ kind: 'int', v });
const str = (v: string): Item => ({ kind: 'str', v });
const bool = (v: boolean): Item => ({ kind: 'bool', v });

const item = fc.oneof(
  fc.maxSafeInteger().map((v) => int(v)),
  fc.integer().map((v) => int(v)),
  fc.string({ maxLength: 12 }).map((v) => str(v)),
  fc.boolean().map((v) => bool(v)),
);

describe('StateHasher', () => {
  it('gives 16 lower-case hex digits', () => {
    expect(new StateHasher().digest()).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf([int(1), str('XYZ'), bool(true)])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives equal hashes for equal inputs, in separate hashers', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), (items) => {
        expect(hashOf(items)).toBe(hashOf(items.map((i) => ({ ...i }) as Item)));
      }),
    );
  });

  it('changes when any one field changes', () => {
    const base = [int(7), int(100), str('XYZ'), bool(false), int(2 ** 40)];
    const h = hashOf(base);
    const variants: Item[][] = [
      [int(8), int(100), str('XYZ'), bool(false), int(2 ** 40)],
      [int(7), int(101), str('XYZ'), bool(false), int(2 ** 40)],
      [int(7), int(100), str('XYz'), bool(false), int(2 ** 40)],
      [int(7), int(100), str('XYZ'), bool(true), int(2 ** 40)],
      [int(7), int(100), str('XYZ'), bool(false), int(2 ** 40 + 1)],
      [int(7), int(100), str('XYZ'), bool(false)],
      [int(7), int(100), str('XYZ'), bool(false), int(2 ** 40), int(0)],
    ];
    for (const v of variants) expect(hashOf(v), JSON.stringify(v)).not.toBe(h);
  });

  // The hasher has no type tags: the caller's canonical field order fixes what each word is, so
  // only values of the same shape are compared.
  it('tells apart values that share low bits, signs or boundaries', () => {
    const distinct = [
      [int(0)],
      [int(1)],
      [int(-1)],
      [int(2 ** 32)],
      [int(2 ** 32 + 1)],
      [int(-(2 ** 32))],
      [int(Number.MAX_SAFE_INTEGER)],
      [int(Number.MAX_SAFE_INTEGER - 1)],
      [int(-Number.MAX_SAFE_INTEGER)],
      [int(1), int(2)],
      [int(2), int(1)],
      [str('ab'), str('c')],
      [str('a'), str('bc')],
      [str('abc')],
      [str('')],
    ].map(hashOf);
    expect(new Set(distinct).size).toBe(distinct.length);
    expect(hashOf([bool(true)])).not.toBe(hashOf([bool(false)]));
  });

  it('hashes numbers that are not safe integers through their text', () => {
    expect(hashOf([int(1.5)])).toBe(hashOf([str('1.5')]));
    expect(hashOf([int(1.5)])).not.toBe(hashOf([int(2.5)]));
    expect(hashOf([int(2 ** 53)])).toBe(hashOf([str(String(2 ** 53))]));
  });

  it('differs when one field of a random sequence changes', () => {
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 12 }), fc.nat(), fc.integer({ min: 1, max: 1000 }), (items, at, delta) => {
        const i = at % items.length;
        const old = items[i];
        const changed: Item =
          old.kind === 'int'
            ? int(old.v + (old.v > 0 ? -delta : delta))
            : old.kind === 'str'
              ? str(old.v + String.fromCharCode(32 + (delta % 90)))
              : bool(!old.v);
        const other = items.map((x, j) => (j === i ? changed : x));
        expect(hashOf(other)).not.toBe(hashOf(items));
      }),
    );
  });

  // Hashes are compared across processes and versions (journals, replays): a change to the
  // function must be a deliberate decision, so its output is pinned.
  it('keeps known digests', () => {
    expect(new StateHasher().digest()).toBe('ebb6c2289ef030f6');
    expect(hashOf([int(1), str('XYZ'), bool(true), int(-5), int(2 ** 40)])).toBe('33f474bd72925edd');
    expect(hashOf([int(Number.MAX_SAFE_INTEGER), str('0.00001'), bool(false)])).toBe('7cf42de088832ec6');
  });
});
