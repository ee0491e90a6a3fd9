// A 64-bit non-cryptographic hash (two independent 32-bit lanes, murmur3-style mixing) over
// integers and strings, for comparing states across processes and implementations. It is not
// for security: only for "are these two states the same".

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

export class StateHasher {
  private h1 = 0x9747b28c;
  private h2 = 0x3c6ef372;

  private word(w: number): void {
    let k = Math.imul(w | 0, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    this.h1 ^= k;
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19);
    this.h1 = (Math.imul(this.h1, 5) + 0xe6546b64) | 0;
    let j = Math.imul(w ^ 0x5bd1e995, 0x85ebca6b);
    j ^= j >>> 13;
    this.h2 = Math.imul(this.h2 ^ j, 0xc2b2ae35);
    this.h2 = ((this.h2 << 17) | (this.h2 >>> 15)) + 0x27d4eb2f | 0;
  }

  /** Adds a number; integers up to 2^53 are hashed exactly, other numbers through their text. */
  int(n: number): this {
    if (Number.isSafeInteger(n)) {
      const neg = n < 0 ? 1 : 0;
      const a = Math.abs(n);
      this.word(a >>> 0);
      this.word(Math.floor(a / 0x100000000) | (neg << 31));
    } else {
      this.str(String(n));
    }
    return this;
  }

  bool(b: boolean): this {
    this.word(b ? 1 : 0);
    return this;
  }

  str(s: string): this {
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this;
  }

  /** The hash as 16 hex digits. */
  digest(): string {
    let a = this.h1 ^ (this.h1 >>> 16);
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    let b = this.h2 ^ (this.h2 >>> 15);
    b = Math.imul(b, 0x2c1b3c6d);
    b ^= b >>> 12;
    b = Math.imul(b, 0x297a2d39);
    b ^= b >>> 15;
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }
}
