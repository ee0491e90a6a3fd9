// Seeded randomness for everything that must replay the same way on every machine: the synthetic
// market, the order generator, tests. mulberry32: small, fast, and well enough distributed for
// simulated order flow (not for cryptography).

/** A number in [0, 1). */
export type Random = () => number;

/** The same seed gives the same sequence everywhere; seeds are taken modulo 2^32. */
export function seededRandom(seed: number): Random {
  let state = Math.floor(seed) % 2 ** 32 >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
