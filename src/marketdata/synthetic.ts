// A market with no network: for each symbol a fair price on a random walk, a book quoted a few ticks
// around it that trades eat into and quoters refill, and trades that come in bursts. Everything is
// integer ticks and lots inside, so every price is on the tick grid and every size on the lot grid
// by construction, and the bid stays below the ask because the book is rebuilt from a spread of at
// least one tick each step. Seeded: the same seed and start time give the same records, byte for byte.
//
// SyntheticMarket is the pure generator (one call, one step of time); syntheticFeed releases its
// records on a clock, at real time, faster, or at once.
import type { ClockScheduler } from '../shared/clock.js';
import { priceToTicks, qtyToLots, unitsToDecimal } from '../shared/decimal.js';
import { type Random, seededRandom } from '../shared/seeded-random.js';
import type { BookChangeRecord, BookSnapshotRecord, FeedStatusRecord, MarketFeed, MarketRecord, PriceLevel, TickerRecord, TradeRecord } from './records.js';
import { paced, type ReplaySpeed } from './replay.js';

export const SYNTHETIC_EXCHANGE = 'synthetic';

/** What the generator needs of a listing: its grid and where it trades. */
export interface SyntheticListing {
  readonly symbol: string;
  /** Price step, a decimal ("0.01"). */
  readonly tickSize: string;
  /** Quantity step, a decimal ("0.00001"). */
  readonly lotSize: string;
  /** Where the fair price starts, a decimal on the tick grid. */
  readonly referencePrice: string;
  /** Annualised volatility of the fair price as a fraction (0.3 is 30 %); default 0.4. */
  readonly volatility?: number;
  /** Aggressive orders per second on average; they come in bursts. Default 2. */
  readonly tradesPerSecond?: number;
}

export interface SyntheticMarketOptions {
  readonly listings: readonly SyntheticListing[];
  /** 0..2^32-1; the same seed and start time give the same records. */
  readonly seed: number;
  /** Time of the first records, ms since the epoch. */
  readonly startTime: number;
  /** Time between book updates, ms (Binance's depth stream is 100 ms). Default 100. */
  readonly stepMs?: number;
  /** Price levels held on each side. Default 20. */
  readonly depthLevels?: number;
  /** Widest spread quoted, in ticks. Default 3. */
  readonly maxSpreadTicks?: number;
  /** Typical quote-currency value resting at one level. Default 20,000. */
  readonly levelNotional?: number;
  /** Typical quote-currency value of one aggressive order. Default 3,000. */
  readonly tradeNotional?: number;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

/** FNV-1a of the symbol: each symbol draws from its own stream, so adding a symbol leaves the others unchanged. */
function symbolSeed(seed: number, symbol: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Standard normal (Box–Muller). */
function gaussian(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const intBetween = (random: Random, lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

// ---------------------------------------------------------------------------------------------
// One symbol

const MS_PER_YEAR = 365.25 * 86_400_000;
/** Trades are drawn in slots this long; a burst's intensity decays slot by slot. */
const TRADE_SLOT_MS = 10;
// Arrivals are self-exciting (a Hawkes process): each aggressive order raises the arrival rate, and
// the raise decays by half every BURST_HALF_LIFE_MS. On average each order sets off BURST_BRANCHING
// more, so orders cluster into bursts, and the long-run rate is the calm rate / (1 - BURST_BRANCHING).
const BURST_HALF_LIFE_MS = 400;
const BURST_BRANCHING = 0.6;
const BURST_JUMP_PER_MS = (BURST_BRANCHING * Math.LN2) / BURST_HALF_LIFE_MS;

type Side = 'bid' | 'ask';

class SyntheticSymbol {
  private readonly random: Random;
  private readonly sigmaPerStep: number;
  private readonly calmRatePerMs: number;
  /** Fair price in ticks, fractional: the book is quoted around it. */
  private fair: number;
  private spreadTicks = 1;
  private readonly levelLots: number;
  private readonly tradeLots: number;
  private readonly maxGapTicks: number;
  /** Resting lots by price in ticks. */
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  /** The book as last published, to publish only what changed. */
  private publishedBids = new Map<number, number>();
  private publishedAsks = new Map<number, number>();
  private intensity: number;
  private updateId = 1_000;
  private tradeId = 0;
  private lastTrade: { price: number; lots: number } | undefined;
  private lastTop = '';

  constructor(
    private readonly listing: SyntheticListing,
    seed: number,
    stepMs: number,
    private readonly depthLevels: number,
    private readonly maxSpreadTicks: number,
    levelNotional: number,
    tradeNotional: number,
  ) {
    const { symbol, tickSize, lotSize, referencePrice } = listing;
    const ref = priceToTicks(referencePrice, tickSize);
    if (!ref.ok || ref.units <= 0) throw new RangeError(`${symbol}: reference price ${referencePrice} is not a positive price on the tick grid ${tickSize}`);
    if (!qtyToLots(lotSize, lotSize).ok) throw new RangeError(`${symbol}: lot size ${lotSize} is not a positive decimal`);
    this.random = seededRandom(symbolSeed(seed, symbol));
    this.fair = ref.units;
    const volatility = listing.volatility ?? 0.4;
    if (!(volatility >= 0)) throw new RangeError(`${symbol}: volatility must be zero or more, got ${volatility}`);
    this.sigmaPerStep = volatility * Math.sqrt(stepMs / MS_PER_YEAR);
    const rate = listing.tradesPerSecond ?? 2;
    if (!(rate >= 0)) throw new RangeError(`${symbol}: tradesPerSecond must be zero or more, got ${rate}`);
    this.calmRatePerMs = (rate / 1000) * (1 - BURST_BRANCHING);
    this.intensity = this.calmRatePerMs;
    const refPrice = Number(referencePrice);
    const lotValue = refPrice * Number(lotSize);
    this.levelLots = Math.max(1, Math.round(levelNotional / lotValue));
    this.tradeLots = Math.max(1, Math.round(tradeNotional / lotValue));
    // Dense near a cheap tick, sparser where a tick is a small fraction of the price (BTC at 0.01).
    this.maxGapTicks = Math.max(3, Math.round((refPrice * 1e-5) / Number(tickSize)));
    this.requote();
  }

  get symbol(): string {
    return this.listing.symbol;
  }

  /** The whole book now, as the first record a consumer sees. */
  snapshot(time: number): BookSnapshotRecord {
    this.publishedBids = new Map(this.bids);
    this.publishedAsks = new Map(this.asks);
    return {
      type: 'book_snapshot',
      exchange: SYNTHETIC_EXCHANGE,
      symbol: this.symbol,
      bids: this.levels('bid', this.bids),
      asks: this.levels('ask', this.asks),
      lastUpdateId: this.updateId,
      exchangeTime: time,
      localTime: time,
    };
  }

  /** Trades arriving in (from, to], then the fair price moves and the book is requoted at `to`. */
  step(from: number, to: number, out: MarketRecord[]): void {
    for (let slot = from; slot < to; slot += TRADE_SLOT_MS) {
      const slotMs = Math.min(TRADE_SLOT_MS, to - slot);
      if (this.random() < this.intensity * slotMs) {
        this.aggress(slot + intBetween(this.random, 1, slotMs), out);
        this.intensity += BURST_JUMP_PER_MS;
      }
      this.intensity = this.calmRatePerMs + (this.intensity - this.calmRatePerMs) * Math.pow(0.5, slotMs / BURST_HALF_LIFE_MS);
    }
    this.fair = Math.max(this.fair * Math.exp(this.sigmaPerStep * gaussian(this.random)), this.maxSpreadTicks + this.depthLevels * this.maxGapTicks + 1);
    this.requote();
    this.publish(to, out);
  }

  /** One aggressive order: it takes the touch, and the next levels if it is larger, one trade per level. */
  private aggress(time: number, out: MarketRecord[]): void {
    const bestBid = this.best('bid');
    const bestAsk = this.best('ask');
    const mid = (bestBid + bestAsk) / 2;
    // Takers lean the way the fair price has gone: buyers lift offers below it, sellers hit bids above it.
    const lean = Math.tanh((this.fair - mid) / Math.max(1, this.spreadTicks));
    const takerSide = this.random() < 0.5 + 0.4 * lean ? 'buy' : 'sell';
    const book = takerSide === 'buy' ? this.asks : this.bids;
    let remaining = Math.max(1, Math.round(this.tradeLots * Math.exp(0.9 * gaussian(this.random) - 0.4)));
    // Never empty a side: the quoters refill at the next step, and a one-sided book is not a market.
    const prices = [...book.keys()].sort(takerSide === 'buy' ? (a, b) => a - b : (a, b) => b - a);
    for (let i = 0; i < prices.length - 1 && remaining > 0; i++) {
      const price = prices[i];
      const resting = book.get(price)!;
      const lots = Math.min(resting, remaining);
      remaining -= lots;
      if (lots === resting) book.delete(price);
      else book.set(price, resting - lots);
      this.tradeId++;
      this.lastTrade = { price, lots };
      const trade: TradeRecord = {
        type: 'trade',
        exchange: SYNTHETIC_EXCHANGE,
        symbol: this.symbol,
        tradeId: String(this.tradeId),
        price: unitsToDecimal(price, this.listing.tickSize),
        quantity: unitsToDecimal(lots, this.listing.lotSize),
        side: takerSide,
        exchangeTime: time,
        localTime: time,
      };
      out.push(trade);
    }
  }

  /**
   * The quoters' turn: levels the fair price moved through are pulled, the touch is quoted a spread
   * apart around the fair price, eaten levels grow back, sizes wobble, and each side is brought back
   * to `depthLevels` levels.
   */
  private requote(): void {
    if (this.random() < 0.1 || this.bids.size === 0) this.spreadTicks = this.random() < 0.5 ? 1 : intBetween(this.random, 1, this.maxSpreadTicks);
    const bidTop = Math.floor(this.fair - this.spreadTicks / 2);
    const askTop = bidTop + this.spreadTicks;
    for (const price of this.bids.keys()) if (price > bidTop) this.bids.delete(price);
    for (const price of this.asks.keys()) if (price < askTop) this.asks.delete(price);
    this.refill('bid', bidTop);
    this.refill('ask', askTop);
  }

  /**
   * Quotes the touch, lets eaten and small levels grow back, and rebuilds the side from the touch
   * outward: a hole wider than the usual gap (the fair price jumped, or a sweep took several levels)
   * is filled before anything further out counts, and levels beyond `depthLevels` are pulled.
   */
  private refill(side: Side, top: number): void {
    const book = side === 'bid' ? this.bids : this.asks;
    const away = side === 'bid' ? -1 : 1;
    if (!book.has(top)) book.set(top, this.freshLots());
    for (const [price, lots] of book) {
      const r = this.random();
      if (lots < this.levelLots / 4 && r < 0.5) book.set(price, lots + this.freshLots());
      else if (r < 0.08) book.set(price, Math.max(1, Math.round(lots * (0.5 + this.random()))));
    }
    const prices = [...book.keys()].sort((a, b) => (a - b) * away);
    let kept = 1;
    let previous = top;
    let i = 1;
    while (kept < this.depthLevels) {
      const next = prices[i];
      const candidate = previous + away * intBetween(this.random, 1, this.maxGapTicks);
      if (next !== undefined && (candidate - next) * away >= 0) {
        previous = next;
        i++;
      } else {
        book.set(candidate, this.freshLots());
        previous = candidate;
      }
      kept++;
    }
    for (; i < prices.length; i++) book.delete(prices[i]);
  }

  private freshLots(): number {
    return Math.max(1, Math.round(this.levelLots * Math.exp(0.6 * gaussian(this.random) - 0.18)));
  }

  private best(side: Side): number {
    let best = side === 'bid' ? -Infinity : Infinity;
    for (const price of (side === 'bid' ? this.bids : this.asks).keys()) best = side === 'bid' ? Math.max(best, price) : Math.min(best, price);
    return best;
  }

  private levels(side: Side, book: ReadonlyMap<number, number>): PriceLevel[] {
    const prices = [...book.keys()].sort(side === 'bid' ? (a, b) => b - a : (a, b) => a - b);
    return prices.map((p) => [unitsToDecimal(p, this.listing.tickSize), unitsToDecimal(book.get(p)!, this.listing.lotSize)] as const);
  }

  /** What changed since the last publication: a book_change, then a ticker when the top of book moved or traded. */
  private publish(time: number, out: MarketRecord[]): void {
    const bids = this.changes('bid', this.publishedBids, this.bids);
    const asks = this.changes('ask', this.publishedAsks, this.asks);
    const changed = bids.length + asks.length;
    if (changed > 0) {
      const change: BookChangeRecord = {
        type: 'book_change',
        exchange: SYNTHETIC_EXCHANGE,
        symbol: this.symbol,
        bids,
        asks,
        firstUpdateId: this.updateId + 1,
        lastUpdateId: this.updateId + changed,
        exchangeTime: time,
        localTime: time,
      };
      this.updateId += changed;
      this.publishedBids = new Map(this.bids);
      this.publishedAsks = new Map(this.asks);
      out.push(change);
    }
    const bidPrice = this.best('bid');
    const askPrice = this.best('ask');
    const top = `${bidPrice} ${this.bids.get(bidPrice)} ${askPrice} ${this.asks.get(askPrice)} ${this.tradeId}`;
    if (top === this.lastTop) return;
    this.lastTop = top;
    const { tickSize, lotSize } = this.listing;
    const ticker: TickerRecord = {
      type: 'ticker',
      exchange: SYNTHETIC_EXCHANGE,
      symbol: this.symbol,
      bestBidPrice: unitsToDecimal(bidPrice, tickSize),
      bestBidQuantity: unitsToDecimal(this.bids.get(bidPrice)!, lotSize),
      bestAskPrice: unitsToDecimal(askPrice, tickSize),
      bestAskQuantity: unitsToDecimal(this.asks.get(askPrice)!, lotSize),
      ...(this.lastTrade !== undefined
        ? { lastPrice: unitsToDecimal(this.lastTrade.price, tickSize), lastQuantity: unitsToDecimal(this.lastTrade.lots, lotSize) }
        : {}),
      updateId: this.updateId,
      exchangeTime: time,
      localTime: time,
    };
    out.push(ticker);
  }

  /** Levels whose size differs from what was published, best first; "0" for a level that went away. */
  private changes(side: Side, before: ReadonlyMap<number, number>, now: ReadonlyMap<number, number>): PriceLevel[] {
    const prices = new Set<number>();
    for (const [price, lots] of now) if (before.get(price) !== lots) prices.add(price);
    for (const price of before.keys()) if (!now.has(price)) prices.add(price);
    const sorted = [...prices].sort(side === 'bid' ? (a, b) => b - a : (a, b) => a - b);
    const zero = unitsToDecimal(0, this.listing.lotSize);
    return sorted.map((p) => {
      const lots = now.get(p);
      return [unitsToDecimal(p, this.listing.tickSize), lots === undefined ? zero : unitsToDecimal(lots, this.listing.lotSize)] as const;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The market

/**
 * Every listed symbol, stepped together. The first `next()` returns a feed status and a book
 * snapshot per symbol at the start time; each later call moves time on by one step and returns that
 * step's trades, book changes and tickers in time order.
 */
export class SyntheticMarket {
  private readonly symbols: SyntheticSymbol[];
  private readonly stepMs: number;
  private time: number;
  private started = false;

  constructor(options: SyntheticMarketOptions) {
    const { listings, seed, startTime } = options;
    if (listings.length === 0) throw new RangeError('a synthetic market needs at least one listing');
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be a whole number from 0 to 4294967295, got ${seed}`);
    const stepMs = options.stepMs ?? 100;
    if (!Number.isInteger(stepMs) || stepMs < 1) throw new RangeError(`stepMs must be a whole number of milliseconds, at least 1, got ${stepMs}`);
    const depthLevels = options.depthLevels ?? 20;
    if (!Number.isInteger(depthLevels) || depthLevels < 1) throw new RangeError(`depthLevels must be a whole number, at least 1, got ${depthLevels}`);
    const maxSpreadTicks = options.maxSpreadTicks ?? 3;
    if (!Number.isInteger(maxSpreadTicks) || maxSpreadTicks < 1) throw new RangeError(`maxSpreadTicks must be a whole number, at least 1, got ${maxSpreadTicks}`);
    const seen = new Set<string>();
    for (const l of listings) {
      if (seen.has(l.symbol)) throw new RangeError(`${l.symbol} is listed twice`);
      seen.add(l.symbol);
    }
    this.stepMs = stepMs;
    this.time = startTime;
    this.symbols = listings.map(
      (l) => new SyntheticSymbol(l, seed, stepMs, depthLevels, maxSpreadTicks, options.levelNotional ?? 20_000, options.tradeNotional ?? 3_000),
    );
  }

  /** Time of the records the last `next()` returned. */
  get now(): number {
    return this.time;
  }

  next(): MarketRecord[] {
    const out: MarketRecord[] = [];
    if (!this.started) {
      this.started = true;
      const status: FeedStatusRecord = { type: 'feed_status', exchange: SYNTHETIC_EXCHANGE, state: 'live', reason: 'connected', localTime: this.time };
      out.push(status);
      for (const s of this.symbols) out.push(s.snapshot(this.time));
      return out;
    }
    const from = this.time;
    this.time += this.stepMs;
    for (const s of this.symbols) s.step(from, this.time, out);
    // Stable: within one instant, symbols keep their listing order and each symbol its own order.
    return out.sort((a, b) => a.localTime - b.localTime);
  }
}

export interface SyntheticFeedOptions extends Omit<SyntheticMarketOptions, 'startTime'> {
  /** Paces the feed and stamps its start. */
  readonly clock: ClockScheduler;
  /** 1 (the default) runs at real time; 'max' produces records as fast as they are read. */
  readonly speed?: ReplaySpeed;
  /** Time of the first records; default clock.now() when the feed is first read. */
  readonly startTime?: number;
  /** Ends the feed after this much market time, with a feed status saying so. */
  readonly durationMs?: number;
  /** Ends the feed. */
  readonly signal?: AbortSignal;
}

/** The synthetic market as a feed, interchangeable with a live or replayed one. */
export function syntheticFeed(options: SyntheticFeedOptions): MarketFeed {
  const { clock, speed = 1, durationMs, signal } = options;
  async function* generate(): AsyncGenerator<MarketRecord> {
    const startTime = options.startTime ?? clock.now();
    const market = new SyntheticMarket({ ...options, startTime });
    const end = durationMs === undefined ? Infinity : startTime + durationMs;
    while (true) {
      const records = market.next();
      if (market.now > end) break;
      yield* records;
    }
    const ended: FeedStatusRecord = { type: 'feed_status', exchange: SYNTHETIC_EXCHANGE, state: 'down', reason: 'source_ended', localTime: end };
    yield ended;
  }
  return {
    [Symbol.asyncIterator]: () => paced(generate(), (r) => r.localTime, { clock, speed, ...(signal !== undefined ? { signal } : {}) }),
  };
}
