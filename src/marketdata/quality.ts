// Per-symbol health of a market-data feed: how late the data is, how often the book lost its
// sequence, whether the book or prices look broken, whether data stopped. Errors feed a circuit
// breaker whose state says whether the feed can be trusted: a consumer with a second source fails
// over while it is open. Time comes in as arguments, so the monitor is tested without waiting.
import type { BookCrossing } from './local-book.js';
import type { MarketRecord } from './records.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What went wrong; every issue is counted, those in BREAKER_ISSUES also feed the breaker. */
export type QualityIssue = 'gap' | 'resync' | 'crossed' | 'locked' | 'outlier' | 'stale' | 'parse_error' | 'disconnect' | 'invalid_book';

const BREAKER_ISSUES: ReadonlySet<QualityIssue> = new Set(['gap', 'crossed', 'outlier', 'stale', 'parse_error', 'disconnect', 'invalid_book']);

export interface QualityOptions {
  /** No record for this long: stale. */
  readonly staleAfterMs?: number;
  /** A price further than this fraction from the reference is an outlier (0.1: 10 %). */
  readonly outlierFraction?: number;
  /** This many outliers in a row on the same side of the reference are the market moving, not bad prints. */
  readonly outlierConfirmations?: number;
  /** Breaker: this many errors within windowMs open the circuit. */
  readonly errorThreshold?: number;
  readonly windowMs?: number;
  /** Open circuit: after this long it lets data through on trial (half open). */
  readonly cooldownMs?: number;
  /** Half open: this long without an error closes it again. */
  readonly probationMs?: number;
  /** Latency percentiles are taken over this many most recent samples. */
  readonly latencySamples?: number;
}

export interface LatencyFigures {
  readonly count: number;
  /** Local time minus exchange time, ms (negative when the local clock is behind the exchange's). */
  readonly lastMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface QualityReport {
  readonly symbol: string;
  readonly records: number;
  readonly latency: LatencyFigures | undefined;
  readonly issues: Readonly<Record<QualityIssue, number>>;
  readonly stale: boolean;
  readonly circuit: CircuitState;
  /** Local time of the last record, 0 before the first. */
  readonly lastRecordTime: number;
  readonly lastIssue?: { readonly issue: QualityIssue; readonly time: number; readonly detail?: string };
}

const DEFAULTS = {
  staleAfterMs: 10_000,
  outlierFraction: 0.1,
  outlierConfirmations: 3,
  errorThreshold: 5,
  windowMs: 60_000,
  cooldownMs: 30_000,
  probationMs: 30_000,
  latencySamples: 1024,
};

export class FeedQualityMonitor {
  readonly symbol: string;
  private readonly opts: typeof DEFAULTS;
  private recordCount = 0;
  private lastRecordTime = 0;
  private staleFlag = false;
  private readonly issueCounts: Record<QualityIssue, number> = { gap: 0, resync: 0, crossed: 0, locked: 0, outlier: 0, stale: 0, parse_error: 0, disconnect: 0, invalid_book: 0 };
  private lastIssue: QualityReport['lastIssue'];

  private latencyCount = 0;
  private latencySum = 0;
  private latencyMin = Infinity;
  private latencyMax = -Infinity;
  private latencyLast = 0;
  private readonly latencyRing: Float64Array;

  private referencePrice = 0;
  private outlierRun = 0;
  private outlierRunSide = 0;

  private circuitState: CircuitState = 'closed';
  private circuitSince = 0;
  private errorTimes: number[] = [];
  /** Called on every circuit transition, with the time it happened. */
  onCircuitChange: ((state: CircuitState, time: number) => void) | undefined;

  constructor(symbol: string, options: QualityOptions = {}) {
    this.symbol = symbol;
    this.opts = { ...DEFAULTS, ...definedOnly(options) };
    this.latencyRing = new Float64Array(this.opts.latencySamples);
  }

  get circuit(): CircuitState {
    return this.circuitState;
  }

  get stale(): boolean {
    return this.staleFlag;
  }

  /** Every record of this symbol passes here. */
  observe(record: MarketRecord): void {
    const now = record.localTime;
    this.recordCount++;
    this.lastRecordTime = now;
    this.staleFlag = false;
    if (record.type === 'feed_status') return;
    if (record.exchangeTime !== undefined) this.addLatency(now - record.exchangeTime);
    if (record.type === 'trade') this.checkPrice(record.price, now);
    else if (record.type === 'ticker') this.checkBookTop(record.bestBidPrice, record.bestAskPrice, now);
    this.advanceCircuit(now);
  }

  /** The local book after a change: crossed and locked books are counted (crossed feeds the breaker). */
  observeBook(crossing: BookCrossing, now: number): void {
    if (crossing === 'crossed') this.recordIssue('crossed', now);
    else if (crossing === 'locked') this.recordIssue('locked', now);
  }

  recordIssue(issue: QualityIssue, now: number, detail?: string): void {
    this.issueCounts[issue]++;
    this.lastIssue = { issue, time: now, ...(detail !== undefined ? { detail } : {}) };
    if (!BREAKER_ISSUES.has(issue)) return;
    this.errorTimes.push(now);
    this.advanceCircuit(now);
    if (this.circuitState === 'half_open') {
      this.setCircuit('open', now);
      return;
    }
    if (this.circuitState === 'closed' && this.errorTimes.length >= this.opts.errorThreshold) this.setCircuit('open', now);
  }

  /** Timer check: true when the feed has just turned stale (no record for staleAfterMs). */
  checkStale(now: number): boolean {
    this.advanceCircuit(now);
    if (this.staleFlag || this.lastRecordTime === 0) return false;
    if (now - this.lastRecordTime < this.opts.staleAfterMs) return false;
    this.staleFlag = true;
    this.recordIssue('stale', now, `no data for ${now - this.lastRecordTime} ms`);
    return true;
  }

  report(): QualityReport {
    return {
      symbol: this.symbol,
      records: this.recordCount,
      latency: this.latencyFigures(),
      issues: { ...this.issueCounts },
      stale: this.staleFlag,
      circuit: this.circuitState,
      lastRecordTime: this.lastRecordTime,
      ...(this.lastIssue !== undefined ? { lastIssue: this.lastIssue } : {}),
    };
  }

  private addLatency(ms: number): void {
    this.latencyRing[this.latencyCount % this.latencyRing.length] = ms;
    this.latencyCount++;
    this.latencySum += ms;
    this.latencyLast = ms;
    if (ms < this.latencyMin) this.latencyMin = ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  private latencyFigures(): LatencyFigures | undefined {
    if (this.latencyCount === 0) return undefined;
    const n = Math.min(this.latencyCount, this.latencyRing.length);
    const sorted = this.latencyRing.slice(0, n).sort();
    const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * n))];
    return {
      count: this.latencyCount,
      lastMs: this.latencyLast,
      minMs: this.latencyMin,
      maxMs: this.latencyMax,
      meanMs: this.latencySum / this.latencyCount,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
    };
  }

  private checkBookTop(bid: string, ask: string, now: number): void {
    // A statistical check, not book arithmetic: a double is plenty to see a 10 % jump.
    const b = Number(bid);
    const a = Number(ask);
    if (b > 0 && a > 0) {
      if (b > a) this.recordIssue('crossed', now, `top of book ${bid} / ${ask}`);
      this.checkPrice((b + a) / 2, now);
    }
  }

  private checkPrice(price: string | number, now: number): void {
    const p = typeof price === 'number' ? price : Number(price);
    if (!(p > 0)) return;
    const ref = this.referencePrice;
    if (ref === 0) {
      this.referencePrice = p;
      return;
    }
    const move = p / ref - 1;
    if (Math.abs(move) <= this.opts.outlierFraction) {
      this.referencePrice = p;
      this.outlierRun = 0;
      return;
    }
    const side = Math.sign(move);
    this.outlierRun = side === this.outlierRunSide ? this.outlierRun + 1 : 1;
    this.outlierRunSide = side;
    if (this.outlierRun >= this.opts.outlierConfirmations) {
      // Several prints agree on the new level: the market moved.
      this.referencePrice = p;
      this.outlierRun = 0;
      return;
    }
    this.recordIssue('outlier', now, `price ${price} is ${(move * 100).toFixed(1)} % from ${ref}`);
  }

  private advanceCircuit(now: number): void {
    const horizon = now - this.opts.windowMs;
    let drop = 0;
    while (drop < this.errorTimes.length && this.errorTimes[drop] < horizon) drop++;
    if (drop > 0) this.errorTimes = this.errorTimes.slice(drop);
    if (this.circuitState === 'open' && now - this.circuitSince >= this.opts.cooldownMs) this.setCircuit('half_open', now);
    else if (this.circuitState === 'half_open' && now - this.circuitSince >= this.opts.probationMs) {
      this.errorTimes = [];
      this.setCircuit('closed', now);
    }
  }

  private setCircuit(state: CircuitState, now: number): void {
    this.circuitState = state;
    this.circuitSince = now;
    this.onCircuitChange?.(state, now);
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
