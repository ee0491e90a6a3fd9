// The outside market the venue follows (live Binance, a replay, the synthetic market), kept for the
// screens beside the venue's own books: per symbol a local L2 book rebuilt from the feed's
// snapshots and changes, the latest trades, the latest ticker with its 24 h figures, the feed's
// state with the reason, latency, and what the quality monitor made of it. It reads a feed to its
// end and never lets a feed's failure out: a feed that throws or ends is shown as down, with why.
//
// Two clocks meet here. Records carry the source's times (a replayed capture says 2024), which give
// the latency (receive time minus exchange time); staleness and rates are measured on the server's
// clock, by when records arrive.
import { Counter, Gauge, type Registry } from 'prom-client';
import { LocalBook } from '../marketdata/local-book.js';
import { FeedQualityMonitor, type QualityOptions } from '../marketdata/quality.js';
import type { FeedState, FeedStatusRecord, MarketFeed, MarketRecord, MarketRecordType, PriceLevel, TickerRecord, TradeRecord } from '../marketdata/records.js';
import { FEED_STATES } from '../marketdata/records.js';
import type {
  ExternalLevel,
  ExternalTicker,
  ExternalTrade,
  FeedLatency,
  MarketInfo,
  MarketResponse,
  MarketSymbolResponse,
  MarketSymbolSummary,
} from '../protocol/index.js';
import type { ClockScheduler, TimerHandle } from '../shared/clock.js';

/** Trades kept per symbol. */
export const TRADES_KEPT = 50;
/** Levels a side in WebSocket `market` messages and snapshots. */
export const WS_MARKET_DEPTH = 10;
/** Trades a WebSocket snapshot carries per symbol; later ones come with each `market` message. */
export const SNAPSHOT_TRADES = 20;
export const DEFAULT_STALE_AFTER_MS = 10_000;
/** Latency percentiles are over this many most recent samples. */
const LATENCY_SAMPLES = 512;
/** Records per second are averaged over this many whole seconds. */
const RATE_WINDOW_S = 5;
const DETAIL_MAX = 500;

/** Worst first: a summary of several states is the worst of them. */
const SEVERITY: Readonly<Record<FeedState, number>> = { live: 0, connecting: 1, resyncing: 2, stale: 3, down: 4 };

export interface ReferenceMarketOptions {
  /** Where the records come from: 'synthetic', 'binance' or 'replay'. */
  readonly source: string;
  readonly clock: ClockScheduler;
  /** Symbols known before their first record (shown as connecting until then). */
  readonly symbols?: readonly string[];
  /** Tick size per symbol: the local book then keys levels by integer ticks (docs/MARKETDATA.md). */
  readonly tickSizes?: Readonly<Record<string, string>>;
  /** A live symbol with no record for this long is stale (server clock). */
  readonly staleAfterMs?: number;
  readonly quality?: QualityOptions;
}

type RecordCounts = Record<MarketRecordType, number>;

interface LastTrade {
  readonly price: string;
  readonly quantity?: string;
  readonly side?: 'buy' | 'sell';
}

class SymbolFeed {
  readonly book: LocalBook;
  readonly quality: FeedQualityMonitor;
  exchange = '';
  state: FeedState;
  reason: string;
  detail: string | undefined;
  since: number;
  /** A book snapshot was loaded: changes apply from here. */
  seeded = false;
  readonly counts: RecordCounts = { trade: 0, book_snapshot: 0, book_change: 0, ticker: 0, feed_status: 0 };
  private readonly ring: TradeRecord[] = [];
  /** Trades seen since the start; trade n (1-based) sits at ring[(n - 1) % TRADES_KEPT]. */
  tradeCount = 0;
  last: LastTrade | undefined;
  /** The latest ticker, and the latest that carried 24 h figures (a book ticker carries none). */
  ticker: TickerRecord | undefined;
  day: TickerRecord | undefined;
  /** Server time of the last record; 0 before the first. */
  arrivedAt = 0;
  /** The source's receive time of the last record. */
  localTime = 0;

  constructor(
    readonly symbol: string,
    state: FeedState,
    reason: string,
    now: number,
    tickSize: string | undefined,
    quality: QualityOptions,
  ) {
    this.book = new LocalBook(symbol, tickSize !== undefined ? { tickSize } : {});
    this.quality = new FeedQualityMonitor(symbol, { latencySamples: LATENCY_SAMPLES, ...quality });
    this.state = state;
    this.reason = reason;
    this.since = now;
  }

  addTrade(t: TradeRecord): void {
    this.ring[this.tradeCount % TRADES_KEPT] = t;
    this.tradeCount++;
    this.last = { price: t.price, quantity: t.quantity, side: t.side };
  }

  /** Trades numbered above `after`, newest first, at most `max`. */
  trades(after: number, max: number): TradeRecord[] {
    const out: TradeRecord[] = [];
    const oldest = Math.max(after, this.tradeCount - TRADES_KEPT);
    for (let n = this.tradeCount; n > oldest && out.length < max; n--) out.push(this.ring[(n - 1) % TRADES_KEPT]);
    return out;
  }
}

/** Arrivals per whole second of the server clock, over the last few seconds. */
class ArrivalRate {
  private readonly counts = new Float64Array(RATE_WINDOW_S + 1);
  private second = -1;

  constructor(private readonly startedAt: number) {}

  add(now: number): void {
    this.roll(Math.floor(now / 1000));
    this.counts[this.second % this.counts.length]++;
  }

  perSecond(now: number): number {
    const current = Math.floor(now / 1000);
    this.roll(current);
    const whole = Math.min(RATE_WINDOW_S, current - Math.floor(this.startedAt / 1000));
    if (whole <= 0) {
      // The first second: what has come so far, over the time so far.
      const elapsed = Math.max(1, now - this.startedAt) / 1000;
      return this.counts[current % this.counts.length] / Math.max(elapsed, 0.001);
    }
    let sum = 0;
    for (let s = current - whole; s < current; s++) sum += this.counts[s % this.counts.length];
    return sum / whole;
  }

  private roll(second: number): void {
    if (second <= this.second) return;
    const n = this.counts.length;
    for (let s = Math.max(this.second + 1, second - n + 1); s <= second; s++) this.counts[s % n] = 0;
    this.second = second;
  }
}

export class ReferenceMarket {
  readonly source: string;
  readonly startedAt: number;
  private readonly clock: ClockScheduler;
  private readonly markets = new Map<string, SymbolFeed>();
  private readonly tickSizes: Readonly<Record<string, string>>;
  private readonly qualityOptions: QualityOptions;
  private readonly staleAfterMs: number;
  private readonly rate: ArrivalRate;
  private readonly listeners: Array<(symbol: string) => void> = [];
  private readonly staleTimer: TimerHandle;
  /** The feed's own state (its statuses without a symbol), as opposed to the summary `state`. */
  private feedState: FeedState = 'connecting';
  private feedReason = 'connect';
  private feedDetail: string | undefined;
  private recordCount = 0;
  private arrivedAt = 0;
  private iterator: AsyncIterator<MarketRecord> | undefined;
  private stopped = false;

  constructor(options: ReferenceMarketOptions) {
    if (!/^[a-z0-9_+-]{1,32}$/.test(options.source)) throw new RangeError(`source must be 1 to 32 lower-case letters, digits or _ + -, got ${JSON.stringify(options.source)}`);
    this.source = options.source;
    this.clock = options.clock;
    this.startedAt = options.clock.now();
    this.tickSizes = options.tickSizes ?? {};
    this.qualityOptions = options.quality ?? {};
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.rate = new ArrivalRate(this.startedAt);
    for (const symbol of options.symbols ?? []) this.symbolFor(symbol, this.startedAt);
    this.staleTimer = this.clock.setInterval(() => this.checkStale(), Math.max(100, Math.min(1000, this.staleAfterMs / 4)));
  }

  /**
   * Reads `feed` until it ends or `stop()`. Never rejects: a feed that throws leaves the market
   * down with reason `feed_error`, one that ends leaves it down with `source_ended`.
   */
  async consume(feed: MarketFeed): Promise<void> {
    if (this.iterator !== undefined) throw new Error('the reference market already reads a feed');
    try {
      const iterator = (this.iterator = feed[Symbol.asyncIterator]());
      while (!this.stopped) {
        const next = await iterator.next();
        if (next.done === true || this.stopped) break;
        this.apply(next.value);
      }
      if (!this.stopped) this.end('source_ended', 'the feed has no more records');
    } catch (e) {
      if (!this.stopped) this.end('feed_error', e instanceof Error ? e.message : String(e));
    }
  }

  /** Stops reading (the feed itself is its owner's to close) and the staleness timer. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.staleTimer.cancel();
    const iterator = this.iterator;
    if (iterator?.return !== undefined) void Promise.resolve(iterator.return()).catch(() => {});
  }

  /** Told the symbol after every change to what it shows (a record, a state change). */
  onUpdate(listener: (symbol: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Takes in one record (consume() calls it; tests call it directly). */
  apply(record: MarketRecord): void {
    const now = this.clock.now();
    this.recordCount++;
    this.arrivedAt = now;
    this.rate.add(now);
    if (record.type === 'feed_status') {
      this.applyStatus(record, now);
      return;
    }
    const m = this.symbolFor(record.symbol, now);
    m.exchange = record.exchange;
    m.counts[record.type]++;
    m.arrivedAt = now;
    m.localTime = record.localTime;
    m.quality.observe(record);
    switch (record.type) {
      case 'book_snapshot': {
        const err = m.book.loadSnapshot(record.bids, record.asks, record.lastUpdateId, record.localTime);
        m.seeded = err === undefined;
        if (err !== undefined) {
          m.quality.recordIssue('invalid_book', record.localTime, err.reason);
          this.setState(m, 'resyncing', 'invalid_book', err.reason, now);
        } else {
          m.quality.observeBook(m.book.crossing(), record.localTime);
          // A source without statuses of its own (a capture) is in sequence from its snapshot on.
          if (m.state === 'resyncing' || m.state === 'connecting' || m.state === 'stale') this.setState(m, 'live', 'snapshot_applied', undefined, now);
        }
        break;
      }
      case 'book_change': {
        if (!m.seeded) break;
        const err = m.book.applyChange(record.bids, record.asks, record.lastUpdateId, record.localTime);
        if (err !== undefined) {
          m.seeded = false;
          m.quality.recordIssue('invalid_book', record.localTime, err.reason);
          this.setState(m, 'resyncing', 'invalid_book', err.reason, now);
        } else m.quality.observeBook(m.book.crossing(), record.localTime);
        break;
      }
      case 'trade':
        m.addTrade(record);
        break;
      case 'ticker':
        m.ticker = record;
        if (record.open24h !== undefined || record.high24h !== undefined || record.volume24h !== undefined) m.day = record;
        if (m.last === undefined && record.lastPrice !== undefined) m.last = { price: record.lastPrice, ...(record.lastQuantity !== undefined ? { quantity: record.lastQuantity } : {}) };
        break;
    }
    if (m.state === 'connecting' || m.state === 'stale') this.setState(m, 'live', m.state === 'stale' ? 'data_resumed' : 'connected', undefined, now);
    if (this.feedState === 'connecting' || this.feedState === 'stale') this.setFeedState('live', this.feedState === 'stale' ? 'data_resumed' : 'connected', undefined);
    this.notify(m.symbol);
  }

  /**
   * Live symbols that have had no record for `staleAfterMs` turn stale (the timer calls it; tests
   * with a manual clock call it after moving the clock).
   */
  checkStale(now = this.clock.now()): void {
    if (this.stopped) return;
    for (const m of this.markets.values()) {
      if (m.state !== 'live' || m.arrivedAt === 0) continue;
      const quiet = now - m.arrivedAt;
      if (quiet < this.staleAfterMs) continue;
      m.quality.recordIssue('stale', m.localTime + quiet, `no data for ${quiet} ms`);
      if (this.setState(m, 'stale', 'stale_data', `no data for ${Math.round(quiet / 1000)} s`, now)) this.notify(m.symbol);
    }
    if (this.feedState === 'live' && this.arrivedAt > 0 && now - this.arrivedAt >= this.staleAfterMs) {
      this.setFeedState('stale', 'stale_data', `no data for ${Math.round((now - this.arrivedAt) / 1000)} s`);
    }
  }

  // ---- reading ---------------------------------------------------------------------------------

  symbols(): string[] {
    return [...this.markets.keys()];
  }

  has(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  get records(): number {
    return this.recordCount;
  }

  /** The feed as a whole: the feed's own state when it is not live, else the worst of its symbols'. */
  get state(): FeedState {
    if (this.feedState !== 'live') return this.feedState;
    let worst: FeedState = 'live';
    for (const m of this.markets.values()) if (SEVERITY[m.state] > SEVERITY[worst]) worst = m.state;
    return worst;
  }

  recordsPerSecond(now = this.clock.now()): number {
    return this.rate.perSecond(now);
  }

  /** Trades seen for the symbol since the start (a mark for `info`'s `tradesAfter`). */
  tradeCount(symbol: string): number {
    return this.markets.get(symbol)?.tradeCount ?? 0;
  }

  /** GET /api/market. */
  summary(): MarketResponse {
    const now = this.clock.now();
    return {
      source: this.source,
      state: this.state,
      reason: this.feedReason,
      ...(this.feedDetail !== undefined ? { detail: this.feedDetail } : {}),
      started_at: this.startedAt,
      records: this.recordCount,
      records_per_second: round(this.recordsPerSecond(now), 1),
      symbols: [...this.markets.values()].map((m) => this.symbolSummary(m)),
    };
  }

  /** GET /api/market/:symbol; undefined for a symbol the feed has not had. */
  detail(symbol: string, depth: number): MarketSymbolResponse | undefined {
    const m = this.markets.get(symbol);
    if (m === undefined) return undefined;
    const issues = m.quality.report().issues;
    const latency = this.latency(m);
    return {
      symbol,
      exchange: m.exchange,
      source: this.source,
      ...this.stateFields(m),
      state_since: m.since,
      time: this.clock.now(),
      update_id: m.book.lastUpdateId,
      bid_levels: m.book.bidLevels,
      ask_levels: m.book.askLevels,
      bids: levels(m.book.bids(depth)),
      asks: levels(m.book.asks(depth)),
      ...lastFields(m.last),
      ...(m.ticker !== undefined ? { ticker: tickerInfo(m.ticker, m.day) } : {}),
      trades: m.trades(0, TRADES_KEPT).map(tradeInfo),
      ...(latency !== undefined ? { latency } : {}),
      records: { ...m.counts },
      quality: {
        circuit: m.quality.circuit,
        gaps: issues.gap,
        resyncs: issues.resync,
        crossed: issues.crossed,
        locked: issues.locked,
        outliers: issues.outlier,
        stale: issues.stale,
        invalid_book: issues.invalid_book,
      },
      ...(m.arrivedAt > 0 ? { updated_at: m.arrivedAt } : {}),
    };
  }

  /**
   * A symbol as the WebSocket carries it: the best 10 levels a side, and the trades numbered above
   * `tradesAfter` (tradeCount() marks where a consumer is), newest first, at most `maxTrades`.
   */
  info(symbol: string, tradesAfter = 0, maxTrades = TRADES_KEPT): MarketInfo | undefined {
    const m = this.markets.get(symbol);
    if (m === undefined) return undefined;
    const latency = this.latency(m);
    return {
      symbol,
      exchange: m.exchange,
      source: this.source,
      ...this.stateFields(m),
      bids: levels(m.book.bids(WS_MARKET_DEPTH)),
      asks: levels(m.book.asks(WS_MARKET_DEPTH)),
      ...lastFields(m.last),
      ...(m.ticker !== undefined ? { ticker: tickerInfo(m.ticker, m.day) } : {}),
      ...(latency !== undefined ? { latency } : {}),
      trades: m.trades(tradesAfter, maxTrades).map(tradeInfo),
      ...(m.arrivedAt > 0 ? { updated_at: m.arrivedAt } : {}),
    };
  }

  /**
   * The market's figures in a Prometheus registry, read when scraped: records by type, state,
   * latency, the quality monitor's issues, records per second.
   */
  registerMetrics(registry: Registry): void {
    const registers = [registry];
    // collect() runs with the metric as `this`: the market is reached through these.
    const markets = (): Iterable<SymbolFeed> => this.markets.values();
    const latencyOf = (m: SymbolFeed): FeedLatency | undefined => this.latency(m);
    const overall = (): FeedState => this.state;
    const perSecond = (): number => this.recordsPerSecond();
    const now = (): number => this.clock.now();
    new Counter({
      name: 'crucible_feed_records_total',
      help: 'Reference feed records taken in, by symbol and type',
      labelNames: ['symbol', 'type'],
      registers,
      collect() {
        this.reset();
        for (const m of markets()) for (const [type, n] of Object.entries(m.counts)) this.inc({ symbol: m.symbol, type }, n);
      },
    });
    new Gauge({
      name: 'crucible_feed_state',
      help: 'Reference feed state: 1 for the current one; symbol="*" is the feed as a whole',
      labelNames: ['symbol', 'state'],
      registers,
      collect() {
        this.reset();
        const put = (symbol: string, current: FeedState): void => {
          for (const state of FEED_STATES) this.set({ symbol, state }, state === current ? 1 : 0);
        };
        put('*', overall());
        for (const m of markets()) put(m.symbol, m.state);
      },
    });
    new Gauge({
      name: 'crucible_feed_latency_seconds',
      help: 'Reference feed receive time minus exchange time, by symbol: the last record, and p50/p99 of recent ones',
      labelNames: ['symbol', 'stat'],
      registers,
      collect() {
        this.reset();
        for (const m of markets()) {
          const l = latencyOf(m);
          if (l === undefined) continue;
          this.set({ symbol: m.symbol, stat: 'last' }, l.last_ms / 1000);
          this.set({ symbol: m.symbol, stat: 'p50' }, l.p50_ms / 1000);
          this.set({ symbol: m.symbol, stat: 'p99' }, l.p99_ms / 1000);
        }
      },
    });
    new Counter({
      name: 'crucible_feed_issues_total',
      help: "Reference feed issues the quality monitor counted, by symbol and issue (gap, resync, crossed, outlier, stale, ...)",
      labelNames: ['symbol', 'issue'],
      registers,
      collect() {
        this.reset();
        for (const m of markets()) for (const [issue, n] of Object.entries(m.quality.report().issues)) this.inc({ symbol: m.symbol, issue }, n);
      },
    });
    new Gauge({
      name: 'crucible_feed_records_per_second',
      help: 'Reference feed records per second over the last few seconds',
      registers,
      collect() {
        this.set(perSecond());
      },
    });
    new Gauge({
      name: 'crucible_feed_last_record_age_seconds',
      help: 'Time since the last reference feed record of each symbol (server clock)',
      labelNames: ['symbol'],
      registers,
      collect() {
        this.reset();
        const time = now();
        for (const m of markets()) if (m.arrivedAt > 0) this.set({ symbol: m.symbol }, (time - m.arrivedAt) / 1000);
      },
    });
  }

  // ---- inside ----------------------------------------------------------------------------------

  private symbolFor(symbol: string, now: number): SymbolFeed {
    let m = this.markets.get(symbol);
    if (m === undefined) {
      // A symbol met mid-stream starts in the feed's state: down if the feed is down, and so on.
      m = new SymbolFeed(symbol, this.feedState, this.feedReason, now, this.tickSizes[symbol], this.qualityOptions);
      this.markets.set(symbol, m);
    }
    return m;
  }

  private applyStatus(record: FeedStatusRecord, now: number): void {
    const detail = record.detail !== undefined ? record.detail.slice(0, DETAIL_MAX) : undefined;
    if (record.symbol === undefined) {
      this.setFeedState(record.state, record.reason, detail);
      for (const m of this.markets.values()) {
        m.counts.feed_status++;
        this.noteIssue(m, record);
        if (this.setState(m, record.state, record.reason, detail, now)) this.notify(m.symbol);
      }
      return;
    }
    // A symbol's own word after the connection's "connecting" means the connection is up.
    if ((this.feedState === 'connecting' || this.feedState === 'stale') && record.state !== 'connecting' && record.state !== 'down') this.setFeedState('live', 'connected', undefined);
    const m = this.symbolFor(record.symbol, now);
    m.counts.feed_status++;
    m.quality.observe(record);
    this.noteIssue(m, record);
    if (this.setState(m, record.state, record.reason, detail, now)) this.notify(m.symbol);
  }

  /** What a status says about quality: gaps, resyncs and disconnects are counted per symbol. */
  private noteIssue(m: SymbolFeed, record: FeedStatusRecord): void {
    const time = record.localTime;
    switch (record.reason) {
      case 'sequence_gap':
        m.quality.recordIssue('gap', time, record.detail);
        m.quality.recordIssue('resync', time);
        break;
      case 'snapshot_failed':
        m.quality.recordIssue('resync', time, record.detail);
        break;
      case 'connection_closed':
      case 'connection_error':
      case 'ping_timeout':
        if (m.state !== 'down') m.quality.recordIssue('disconnect', time, record.detail);
        break;
    }
  }

  /** Changes a symbol's state; the caller tells the listeners. */
  private setState(m: SymbolFeed, state: FeedState, reason: string, detail: string | undefined, now: number): boolean {
    if (m.state === state && m.reason === reason && m.detail === detail) return false;
    if (m.state !== state) m.since = now;
    m.state = state;
    m.reason = reason;
    m.detail = detail;
    return true;
  }

  private setFeedState(state: FeedState, reason: string, detail: string | undefined): void {
    this.feedState = state;
    this.feedReason = reason;
    this.feedDetail = detail;
  }

  /** The feed ended or failed: everything is down, unless a status already said so. */
  private end(reason: string, detail: string): void {
    const now = this.clock.now();
    this.staleTimer.cancel();
    if (this.feedState !== 'down') this.setFeedState('down', reason, detail.slice(0, DETAIL_MAX));
    for (const m of this.markets.values()) if (m.state !== 'down' && this.setState(m, 'down', reason, detail.slice(0, DETAIL_MAX), now)) this.notify(m.symbol);
  }

  private notify(symbol: string): void {
    for (const listener of this.listeners) listener(symbol);
  }

  private stateFields(m: SymbolFeed): { state: FeedState; reason: string; detail?: string } {
    return { state: m.state, reason: m.reason, ...(m.detail !== undefined ? { detail: m.detail } : {}) };
  }

  private symbolSummary(m: SymbolFeed): MarketSymbolSummary {
    const bid = m.book.bestBid() ?? topOf(m.ticker, 'bid');
    const ask = m.book.bestAsk() ?? topOf(m.ticker, 'ask');
    const latency = this.latency(m);
    return {
      symbol: m.symbol,
      exchange: m.exchange,
      ...this.stateFields(m),
      ...(bid !== undefined ? { best_bid: bid[0] } : {}),
      ...(ask !== undefined ? { best_ask: ask[0] } : {}),
      ...(m.last !== undefined ? { last_price: m.last.price } : {}),
      ...(latency !== undefined ? { latency } : {}),
      ...(m.arrivedAt > 0 ? { updated_at: m.arrivedAt } : {}),
    };
  }

  private latency(m: SymbolFeed): FeedLatency | undefined {
    const l = m.quality.report().latency;
    if (l === undefined) return undefined;
    return { last_ms: round(l.lastMs, 3), p50_ms: round(l.p50Ms, 3), p99_ms: round(l.p99Ms, 3), samples: Math.min(l.count, LATENCY_SAMPLES) };
  }
}

function levels(side: readonly PriceLevel[]): ExternalLevel[] {
  return side.map(([p, q]) => [p, q]);
}

function lastFields(last: LastTrade | undefined): { last_price?: string; last_quantity?: string; last_side?: 'buy' | 'sell' } {
  if (last === undefined) return {};
  return { last_price: last.price, ...(last.quantity !== undefined ? { last_quantity: last.quantity } : {}), ...(last.side !== undefined ? { last_side: last.side } : {}) };
}

function topOf(ticker: TickerRecord | undefined, side: 'bid' | 'ask'): PriceLevel | undefined {
  if (ticker === undefined) return undefined;
  return side === 'bid' ? [ticker.bestBidPrice, ticker.bestBidQuantity] : [ticker.bestAskPrice, ticker.bestAskQuantity];
}

function tradeInfo(t: TradeRecord): ExternalTrade {
  return { trade_id: t.tradeId, price: t.price, quantity: t.quantity, taker_side: t.side, time: Math.floor(t.exchangeTime) };
}

/** The latest top of book, with the 24 h figures of the latest ticker that had them. */
function tickerInfo(top: TickerRecord, day: TickerRecord | undefined): ExternalTicker {
  const d = day ?? top;
  const opt = (name: keyof ExternalTicker, value: string | undefined): Partial<ExternalTicker> => (value !== undefined ? { [name]: value } : {});
  return {
    best_bid: top.bestBidPrice,
    best_bid_quantity: top.bestBidQuantity,
    best_ask: top.bestAskPrice,
    best_ask_quantity: top.bestAskQuantity,
    ...opt('last_price', top.lastPrice ?? d.lastPrice),
    ...opt('last_quantity', top.lastQuantity ?? d.lastQuantity),
    ...opt('open_24h', d.open24h),
    ...opt('high_24h', d.high24h),
    ...opt('low_24h', d.low24h),
    ...opt('volume_24h', d.volume24h),
    ...opt('quote_volume_24h', d.quoteVolume24h),
    time: Math.floor(top.exchangeTime ?? top.localTime),
  };
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}
