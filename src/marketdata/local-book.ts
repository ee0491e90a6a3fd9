// A local L2 order book built from an exchange's snapshots and changes. Levels are keyed by exact
// price: integer ticks when the tick size is known (shared/decimal.ts), otherwise the price's
// canonical decimal text; never a float, so "61737.63000000" and "61737.63" are one level and two
// prices a hair apart are never merged. Quantities are kept exactly as the exchange last sent them;
// prices leave the book as the tick grid writes them ("61737.63" for "61737.63000000"), or as sent
// when there is no tick size.
import { parseStep, priceToTicks, unitsToDecimal } from '../shared/decimal.js';
import { RejectCode } from '../shared/reject-codes.js';
import { StateHasher } from '../shared/state-hash.js';
import type { PriceLevel } from './records.js';

export type BookSideName = 'bid' | 'ask';

export type BookApplyErrorCode = 'invalid_price' | 'price_off_tick' | 'invalid_quantity';

export interface BookApplyError {
  readonly code: BookApplyErrorCode;
  readonly side: BookSideName;
  readonly price: string;
  readonly reason: string;
}

/** How the best bid and ask stand: crossed (bid above ask) and locked (equal) are broken states. */
export type BookCrossing = 'normal' | 'locked' | 'crossed' | 'one_sided';

export interface LocalBookOptions {
  /** Price step ("0.01"); with it, levels are keyed by integer ticks and off-tick prices are rejected. */
  readonly tickSize?: string;
}

/**
 * One side of the book: level keys in ascending order with the best at the end, the levels in a
 * parallel array. Most changes land within a hundred levels of the top, so keeping the top at the end
 * makes an insert or delete move a few entries, not the whole side; lookups are a binary search.
 */
interface BookSide {
  readonly size: number;
  clear(): void;
  best(): PriceLevel | undefined;
  /** The `limit` best levels, best first. */
  top(limit: number): PriceLevel[];
}

/**
 * Keys are signed ticks: the price's ticks for bids, minus them for asks, so the best is the largest.
 * Quantities sit in a map by key, so changing a level's size (a third of all changes) is one map
 * write; only adding and removing levels touch the sorted keys, a typed array moved with copyWithin.
 * Only the quantity text is kept: a price's text comes back from its ticks, and keeping the
 * exchange's would keep each message it came in alive (V8 cuts longer substrings out of their parent).
 */
class TickSide implements BookSide {
  private keys = new Float64Array(1024);
  private count = 0;
  private readonly quantities = new Map<number, string>();

  constructor(
    private readonly tickSize: string,
    /** 1 for bids, -1 for asks. */
    private readonly sign: 1 | -1,
  ) {}

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.count = 0;
    this.quantities.clear();
  }

  bestKey(): number | undefined {
    return this.count > 0 ? this.keys[this.count - 1] : undefined;
  }

  best(): PriceLevel | undefined {
    return this.count > 0 ? this.level(this.count - 1) : undefined;
  }

  top(limit: number): PriceLevel[] {
    const n = Math.min(limit, this.count);
    const out = new Array<PriceLevel>(n);
    for (let i = 0, j = this.count - 1; i < n; i++, j--) out[i] = this.level(j);
    return out;
  }

  set(key: number, quantity: string): void {
    const known = this.quantities.size;
    this.quantities.set(key, quantity);
    if (this.quantities.size === known) return;
    const i = this.search(key);
    if (this.count === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    if (i < this.count) this.keys.copyWithin(i + 1, i, this.count);
    this.keys[i] = key;
    this.count++;
  }

  delete(key: number): void {
    if (!this.quantities.delete(key)) return;
    const i = this.search(key);
    if (i < this.count - 1) this.keys.copyWithin(i, i + 1, this.count);
    this.count--;
  }

  private level(i: number): PriceLevel {
    const key = this.keys[i];
    return [unitsToDecimal(this.sign * key, this.tickSize), this.quantities.get(key) as string];
  }

  /** First index whose key is >= `key`. */
  private search(key: number): number {
    const keys = this.keys;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Keys are canonical decimal texts, ordered by `better` (best last). */
class TextSide implements BookSide {
  private readonly keys: string[] = [];
  private readonly levels: PriceLevel[] = [];

  /** `order(a, b)` < 0 when a sorts before b, i.e. a is the worse price. */
  constructor(private readonly order: (a: string, b: string) => number) {}

  get size(): number {
    return this.keys.length;
  }

  clear(): void {
    this.keys.length = 0;
    this.levels.length = 0;
  }

  bestKey(): string | undefined {
    const n = this.keys.length;
    return n > 0 ? this.keys[n - 1] : undefined;
  }

  best(): PriceLevel | undefined {
    const n = this.levels.length;
    return n > 0 ? this.levels[n - 1] : undefined;
  }

  top(limit: number): PriceLevel[] {
    const n = Math.min(limit, this.levels.length);
    const out = new Array<PriceLevel>(n);
    for (let i = 0, j = this.levels.length - 1; i < n; i++, j--) out[i] = this.levels[j];
    return out;
  }

  set(key: string, level: PriceLevel): void {
    const i = this.search(key);
    if (i < this.keys.length && this.keys[i] === key) this.levels[i] = level;
    else {
      this.keys.splice(i, 0, key);
      this.levels.splice(i, 0, level);
    }
  }

  delete(key: string): void {
    const i = this.search(key);
    if (i === this.keys.length || this.keys[i] !== key) return;
    this.keys.splice(i, 1);
    this.levels.splice(i, 1);
  }

  private search(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order(this.keys[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class LocalBook {
  readonly symbol: string;
  readonly tickSize: string | undefined;
  /** Exchange update id the book reflects; 0 before the first snapshot. */
  lastUpdateId = 0;
  /** Local time of the last snapshot or change applied. */
  localTime = 0;
  private readonly bidTicks: TickSide | undefined;
  private readonly askTicks: TickSide | undefined;
  private readonly bidText: TextSide | undefined;
  private readonly askText: TextSide | undefined;
  private readonly bidSide: BookSide;
  private readonly askSide: BookSide;
  /** The tick as coefficient / 10^scale; coefficient 0 when ticksOf must use the shared converter. */
  private readonly tickCoefficient: number = 0;
  private readonly tickScale: number = 0;

  constructor(symbol: string, options: LocalBookOptions = {}) {
    this.symbol = symbol;
    this.tickSize = options.tickSize;
    if (this.tickSize !== undefined) {
      const step = parseStep(this.tickSize);
      if (step === undefined) throw new RangeError(`not a positive tick size: ${this.tickSize}`);
      // Small steps take the fast path in ticksOf; others (never in practice) the shared converter.
      if (step.coefficient <= 1_000_000_000n && step.scale <= 15) {
        this.tickCoefficient = Number(step.coefficient);
        this.tickScale = step.scale;
      }
      this.bidSide = this.bidTicks = new TickSide(this.tickSize, 1);
      this.askSide = this.askTicks = new TickSide(this.tickSize, -1);
    } else {
      // Best last: bids ascending, asks descending.
      this.bidSide = this.bidText = new TextSide(compareDecimal);
      this.askSide = this.askText = new TextSide((a, b) => compareDecimal(b, a));
    }
  }

  get bidLevels(): number {
    return this.bidSide.size;
  }

  get askLevels(): number {
    return this.askSide.size;
  }

  clear(): void {
    this.bidSide.clear();
    this.askSide.clear();
    this.lastUpdateId = 0;
  }

  /** Replaces the book. Stops at the first bad level, leaving the book cleared. */
  loadSnapshot(bids: readonly PriceLevel[], asks: readonly PriceLevel[], lastUpdateId: number, localTime = 0): BookApplyError | undefined {
    this.clear();
    const err = this.applyLevels(bids, asks);
    if (err !== undefined) {
      this.clear();
      return err;
    }
    this.lastUpdateId = lastUpdateId;
    this.localTime = localTime;
    return undefined;
  }

  /**
   * Applies changed levels: each quantity is the new size, zero removes the level. On a bad level the
   * levels before it stay applied; the caller treats the book as broken and resyncs.
   */
  applyChange(bids: readonly PriceLevel[], asks: readonly PriceLevel[], lastUpdateId: number, localTime = 0): BookApplyError | undefined {
    const err = this.applyLevels(bids, asks);
    if (err !== undefined) return err;
    this.lastUpdateId = lastUpdateId;
    this.localTime = localTime;
    return undefined;
  }

  bestBid(): PriceLevel | undefined {
    return this.bidSide.best();
  }

  bestAsk(): PriceLevel | undefined {
    return this.askSide.best();
  }

  /** Top `limit` bids, best (highest) first. */
  bids(limit = Infinity): PriceLevel[] {
    return this.bidSide.top(limit);
  }

  /** Top `limit` asks, best (lowest) first. */
  asks(limit = Infinity): PriceLevel[] {
    return this.askSide.top(limit);
  }

  crossing(): BookCrossing {
    let c: number;
    if (this.bidTicks !== undefined) {
      const b = this.bidTicks.bestKey();
      const a = (this.askTicks as TickSide).bestKey();
      if (b === undefined || a === undefined) return 'one_sided';
      c = b + a; // bid ticks minus ask ticks: ask keys are negated
    } else {
      const b = (this.bidText as TextSide).bestKey();
      const a = (this.askText as TextSide).bestKey();
      if (b === undefined || a === undefined) return 'one_sided';
      c = compareDecimal(b, a);
    }
    return c > 0 ? 'crossed' : c === 0 ? 'locked' : 'normal';
  }

  /**
   * A hash of every level (normalized prices and quantities, best first, both sides) and nothing
   * else, so two books built any way from the same market compare equal.
   */
  levelsHash(): string {
    return hashLevels(this.bids(), this.asks());
  }

  private applyLevels(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): BookApplyError | undefined {
    if (this.bidTicks !== undefined) {
      return this.applyTickLevels('bid', this.bidTicks, bids, 1) ?? this.applyTickLevels('ask', this.askTicks as TickSide, asks, -1);
    }
    return this.applyTextLevels('bid', this.bidText as TextSide, bids) ?? this.applyTextLevels('ask', this.askText as TextSide, asks);
  }

  private applyTickLevels(side: BookSideName, book: TickSide, levels: readonly PriceLevel[], sign: 1 | -1): BookApplyError | undefined {
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      const qty = level[1];
      const zero = isZeroDecimal(qty);
      if (zero === undefined) return { code: 'invalid_quantity', side, price: level[0], reason: `quantity ${qty} is not a decimal` };
      const ticks = this.ticksOf(level[0]);
      if (ticks < 0) return this.priceError(side, level[0]);
      if (zero) book.delete(sign * ticks);
      else book.set(sign * ticks, qty);
    }
    return undefined;
  }

  private applyTextLevels(side: BookSideName, book: TextSide, levels: readonly PriceLevel[]): BookApplyError | undefined {
    for (let i = 0; i < levels.length; i++) {
      const [price, qty] = levels[i];
      const zero = isZeroDecimal(qty);
      if (zero === undefined) return { code: 'invalid_quantity', side, price, reason: `quantity ${qty} is not a decimal` };
      const key = canonicalDecimal(price);
      if (key === undefined || key === '0') return { code: 'invalid_price', side, price, reason: `price ${price} is not a positive decimal` };
      if (zero) book.delete(key);
      else book.set(key, levels[i]);
    }
    return undefined;
  }

  /**
   * price / tick as a positive integer, or -1 when it is not one (then priceError says why). Plain
   * decimals of up to 15 digits are done here in exact double arithmetic, without the allocation of
   * the shared converter; anything else goes to the shared converter, which has the last word.
   */
  private ticksOf(price: string): number {
    const n = price.length;
    let coefficient = 0;
    let digits = 0;
    let scale = 0;
    let dot = false;
    for (let i = 0; i < n; i++) {
      const c = price.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) {
        coefficient = coefficient * 10 + (c - 0x30);
        digits++;
        if (dot) scale++;
      } else if (c === 0x2e && !dot && i > 0 && i < n - 1) {
        dot = true;
      } else {
        digits = 99;
        break;
      }
    }
    if (digits <= 15 && this.tickCoefficient > 0) {
      // price / tick = (coefficient / 10^scale) / (tickCoefficient / 10^tickScale)
      const numerator = coefficient * POW10[this.tickScale];
      const denominator = this.tickCoefficient * POW10[scale];
      if (numerator <= Number.MAX_SAFE_INTEGER && denominator <= Number.MAX_SAFE_INTEGER) {
        if (numerator % denominator !== 0) return -1;
        const units = numerator / denominator;
        return units > 0 ? units : -1;
      }
    }
    const r = priceToTicks(price, this.tickSize as string);
    return r.ok && r.units > 0 ? r.units : -1;
  }

  private priceError(side: BookSideName, price: string): BookApplyError {
    const r = priceToTicks(price, this.tickSize as string);
    return !r.ok && r.code === RejectCode.PriceNotOnTick
      ? { code: 'price_off_tick', side, price, reason: `price ${price} is not a multiple of the tick ${this.tickSize}` }
      : { code: 'invalid_price', side, price, reason: `price ${price} is not a positive decimal within range` };
  }
}

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Hash of levels as a book would list them; prices and quantities are normalized first. */
export function hashLevels(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): string {
  const h = new StateHasher();
  h.int(bids.length);
  for (const [p, q] of bids) h.str(canonicalDecimal(p) ?? p).str(canonicalDecimal(q) ?? q);
  h.int(asks.length);
  for (const [p, q] of asks) h.str(canonicalDecimal(p) ?? p).str(canonicalDecimal(q) ?? q);
  return h.digest();
}

/** true for "0", "0.000"; false for other unsigned decimals; undefined when not an unsigned decimal. */
function isZeroDecimal(s: string): boolean | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let zero = true;
  let dot = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x30) continue;
    if (c > 0x30 && c <= 0x39) zero = false;
    else if (c === 0x2e && !dot && i > 0 && i < n - 1) dot = true;
    else return undefined;
  }
  return zero;
}

/** "061737.6300" → "61737.63", "0.000" → "0"; undefined when not an unsigned plain decimal. */
export function canonicalDecimal(s: string): string | undefined {
  if (isZeroDecimal(s) === undefined) return undefined;
  let start = 0;
  let end = s.length;
  const dot = s.indexOf('.');
  if (dot !== -1) {
    while (end > dot + 1 && s.charCodeAt(end - 1) === 0x30) end--;
    if (end === dot + 1) end = dot;
  }
  const intEnd = dot === -1 ? end : Math.min(dot, end);
  while (start < intEnd - 1 && s.charCodeAt(start) === 0x30) start++;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Compares two canonical unsigned decimals by value. */
export function compareDecimal(a: string, b: string): number {
  const da = a.indexOf('.');
  const db = b.indexOf('.');
  const ia = da === -1 ? a.length : da;
  const ib = db === -1 ? b.length : db;
  if (ia !== ib) return ia - ib;
  // Same number of integer digits: the text order is the numeric order.
  return a < b ? -1 : a > b ? 1 : 0;
}
