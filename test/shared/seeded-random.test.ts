import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/seeded-random.js';

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed, always in [0, 1)', () => {
    const a = Array.from({ length: 1000 }, seededRandom(7));
    const b = Array.from({ length: 1000 }, seededRandom(7));
    const c = Array.from({ length: 1000 }, seededRandom(8));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
    // Roughly uniform: each tenth of [0, 1) gets its share.
    const tenths = new Array(10).fill(0);
    for (const x of Array.from({ length: 10_000 }, seededRandom(1))) tenths[Math.floor(x * 10)]++;
    for (const n of tenths) expect(n).toBeGreaterThan(900);
  });

  it('reads seeds modulo 2^32, so a seed of 2^32 + 5 repeats seed 5', () => {
    expect(seededRandom(2 ** 32 + 5)()).toBe(seededRandom(5)());
    expect(seededRandom(5.9)()).toBe(seededRandom(5)());
  });
});
