// Alerts a trader should not miss while looking elsewhere: a sharp price move, a burst of volume,
// a strategy stopped by its risk limits. Fed with live trades and strategy states; each kind waits
// out a cool-down per symbol (or strategy) so a running move alerts once, not on every trade.
// Pure: the clock is passed in, memory is bounded per symbol and in the number of symbols.
import { formatUnits } from './units.js';

export interface AlertThresholds {
  /** A last-trade move of at least this many percent… */
  priceMovePct: number;
  /** …within this many seconds. */
  priceWindowS: number;
  /** Volume of the last 10 s at least this many times the average 10 s of the minute before. */
  volumeFactor: number;
  /** Trades the last 10 s must hold for a volume spike: a quiet market does not alert. */
  volumeMinTrades: number;
  /** Least time between two alerts of one kind for one symbol. */
  cooldownS: number;
}

export const DEFAULT_ALERT_THRESHOLDS: Readonly<AlertThresholds> = { priceMovePct: 1, priceWindowS: 60, volumeFactor: 5, volumeMinTrades: 5, cooldownS: 30 };

/** Allowed range of each threshold; outside it the setting is refused. */
export const ALERT_LIMITS: Readonly<Record<keyof AlertThresholds, readonly [number, number]>> = {
  priceMovePct: [0.01, 100],
  priceWindowS: [1, 600],
  volumeFactor: [1.1, 1000],
  volumeMinTrades: [1, 10_000],
  cooldownS: [0, 3600],
};

/** Why a threshold is refused, or undefined when it is usable. */
export function thresholdProblem(key: keyof AlertThresholds, value: unknown): string | undefined {
  const [min, max] = ALERT_LIMITS[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  if (value < min || value > max) return `must be between ${min} and ${max}`;
  if ((key === 'volumeMinTrades' || key === 'priceWindowS') && !Number.isInteger(value)) return 'must be a whole number';
  return undefined;
}

/** Saved thresholds read back: each field kept when valid, the default otherwise. */
export function readAlertThresholds(raw: unknown): AlertThresholds {
  const out = { ...DEFAULT_ALERT_THRESHOLDS };
  if (typeof raw !== 'object' || raw === null) return out;
  for (const key of Object.keys(ALERT_LIMITS) as Array<keyof AlertThresholds>) {
    const value = (raw as Record<string, unknown>)[key];
    if (thresholdProblem(key, value) === undefined) out[key] = value as number;
  }
  return out;
}

export type AlertKind = 'price_move' | 'volume_spike' | 'risk_limit';

export interface Alert {
  readonly kind: AlertKind;
  /** The symbol (or, for a risk limit, the strategy's symbol). */
  readonly symbol: string;
  readonly title: string;
  readonly text: string;
  readonly time: number;
}

export interface TradeSeen {
  readonly symbol: string;
  /** Price and quantity in instrument units (10^-scale). */
  readonly price: number;
  readonly qty: number;
  readonly priceScale: number;
  readonly qtyScale: number;
}

export interface StrategySeen {
  readonly id: string;
  readonly symbol: string;
  readonly kind: string;
  readonly state: string;
  readonly kill?: { readonly code: number | string; readonly reason: string } | undefined;
}

/** Symbols followed at once; the least recently traded is forgotten beyond it. */
export const MAX_SYMBOLS = 500;
/** Price samples kept per symbol and side of the window (a steady one-way run keeps the most). */
export const MAX_SAMPLES = 4096;
const BUCKET_MS = 1000;
const RECENT_BUCKETS = 10;
const BASE_BUCKETS = 60;
const BUCKETS = RECENT_BUCKETS + BASE_BUCKETS;

interface Sample {
  readonly t: number;
  readonly p: number;
}

/** The least and greatest price within the window, kept as monotonic queues. */
class PriceWindow {
  private lows: Sample[] = [];
  private highs: Sample[] = [];

  add(t: number, p: number, since: number): { low: number; high: number } {
    this.lows = push(this.lows, { t, p }, since, (a, b) => a.p >= b.p);
    this.highs = push(this.highs, { t, p }, since, (a, b) => a.p <= b.p);
    return { low: this.lows[0].p, high: this.highs[0].p };
  }

  reset(t: number, p: number): void {
    this.lows = [{ t, p }];
    this.highs = [{ t, p }];
  }

  get size(): number {
    return this.lows.length + this.highs.length;
  }
}

function push(queue: Sample[], s: Sample, since: number, dominated: (older: Sample, newer: Sample) => boolean): Sample[] {
  while (queue.length > 0 && dominated(queue[queue.length - 1], s)) queue.pop();
  queue.push(s);
  let drop = 0;
  while (drop < queue.length - 1 && queue[drop].t < since) drop++;
  if (queue.length - drop > MAX_SAMPLES) drop = queue.length - MAX_SAMPLES;
  return drop > 0 ? queue.slice(drop) : queue;
}

/** Quantity and trade count per second over the last 70 s, in a fixed ring. */
class VolumeRing {
  private readonly second = new Float64Array(BUCKETS).fill(-1);
  private readonly qty = new Float64Array(BUCKETS);
  private readonly count = new Float64Array(BUCKETS);
  readonly since: number;

  constructor(now: number) {
    this.since = now;
  }

  add(now: number, qty: number): void {
    const s = Math.floor(now / BUCKET_MS);
    const i = s % BUCKETS;
    if (this.second[i] !== s) {
      this.second[i] = s;
      this.qty[i] = 0;
      this.count[i] = 0;
    }
    this.qty[i] += qty;
    this.count[i]++;
  }

  /** The last 10 s (quantity, trades) and the average 10 s of the 60 s before. */
  read(now: number): { recent: number; trades: number; baseline: number } {
    const s = Math.floor(now / BUCKET_MS);
    let recent = 0;
    let trades = 0;
    let base = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const age = s - this.second[i];
      if (this.second[i] < 0 || age < 0 || age >= BUCKETS) continue;
      if (age < RECENT_BUCKETS) {
        recent += this.qty[i];
        trades += this.count[i];
      } else base += this.qty[i];
    }
    return { recent, trades, baseline: base / (BASE_BUCKETS / RECENT_BUCKETS) };
  }
}

interface SymbolWatch {
  readonly prices: PriceWindow;
  readonly volume: VolumeRing;
}

export class AlertWatch {
  private readonly symbols = new Map<string, SymbolWatch>();
  /** When each (kind, key) may alert again. */
  private readonly quietUntil = new Map<string, number>();
  private readonly strategyStates = new Map<string, string>();

  constructor(
    private thresholds: AlertThresholds,
    private readonly now: () => number,
  ) {}

  setThresholds(thresholds: AlertThresholds): void {
    this.thresholds = thresholds;
  }

  /** Symbols followed now (bounded by MAX_SYMBOLS). */
  get followed(): number {
    return this.symbols.size;
  }

  /** Price samples held for a symbol (bounded by the window and MAX_SAMPLES). */
  samples(symbol: string): number {
    return this.symbols.get(symbol)?.prices.size ?? 0;
  }

  /** A live trade; the alerts it raises, if any. */
  trade(t: TradeSeen): Alert[] {
    const now = this.now();
    const th = this.thresholds;
    let watch = this.symbols.get(t.symbol);
    if (watch === undefined) {
      watch = { prices: new PriceWindow(), volume: new VolumeRing(now) };
      if (this.symbols.size >= MAX_SYMBOLS) this.symbols.delete(this.symbols.keys().next().value!);
    } else this.symbols.delete(t.symbol);
    // Re-inserted: the map's order is least recently traded first.
    this.symbols.set(t.symbol, watch);
    const out: Alert[] = [];

    const { low, high } = watch.prices.add(now, t.price, now - th.priceWindowS * 1000);
    const up = low > 0 ? ((t.price - low) / low) * 100 : 0;
    const down = high > 0 ? ((high - t.price) / high) * 100 : 0;
    const move = up >= down ? up : -down;
    // A hair of tolerance: 1 % of 100.00 → 101.00 is exactly the threshold, whatever floats say.
    if (Math.abs(move) + 1e-9 >= th.priceMovePct && this.due('price_move', t.symbol, now)) {
      const from = move >= 0 ? low : high;
      const pct = `${move >= 0 ? '+' : '−'}${Math.abs(move).toFixed(2)} %`;
      out.push({
        kind: 'price_move',
        symbol: t.symbol,
        title: `${t.symbol} ${pct}`,
        text: `${t.symbol} moved ${pct} in ${th.priceWindowS} s: ${formatUnits(from, t.priceScale)} → ${formatUnits(t.price, t.priceScale)}`,
        time: now,
      });
      // The move is told: the next one is measured from here.
      watch.prices.reset(now, t.price);
    }

    watch.volume.add(now, t.qty);
    const v = watch.volume.read(now);
    const watchedLongEnough = now - watch.volume.since >= (BUCKETS - 1) * BUCKET_MS;
    if (watchedLongEnough && v.baseline > 0 && v.trades >= th.volumeMinTrades && v.recent >= v.baseline * th.volumeFactor - 1e-9 && this.due('volume_spike', t.symbol, now)) {
      out.push({
        kind: 'volume_spike',
        symbol: t.symbol,
        title: `${t.symbol} volume ×${(v.recent / v.baseline).toFixed(1)}`,
        text: `${t.symbol} traded ${formatUnits(v.recent, t.qtyScale)} in 10 s (${v.trades} trades), ${(v.recent / v.baseline).toFixed(1)}× the 10 s average of the minute before`,
        time: now,
      });
    }
    return out;
  }

  /**
   * The strategies as last polled; a risk-limit alert for each that turned killed since the poll
   * before (one killed when first seen was stopped before the page looked, and is not news).
   */
  strategies(list: readonly StrategySeen[]): Alert[] {
    const now = this.now();
    const out: Alert[] = [];
    const seen = new Set<string>();
    for (const s of list) {
      seen.add(s.id);
      const before = this.strategyStates.get(s.id);
      this.strategyStates.set(s.id, s.state);
      if (s.state !== 'killed' || before === undefined || before === 'killed') continue;
      if (!this.due('risk_limit', s.id, now)) continue;
      const why = s.kill !== undefined ? `${s.kill.reason} (${s.kill.code})` : 'no reason given';
      out.push({ kind: 'risk_limit', symbol: s.symbol, title: `${s.id} killed`, text: `${s.id} (${s.symbol} ${s.kind}) killed: ${why}`, time: now });
    }
    for (const id of this.strategyStates.keys()) if (!seen.has(id)) this.strategyStates.delete(id);
    return out;
  }

  private due(kind: AlertKind, key: string, now: number): boolean {
    const id = `${kind}|${key}`;
    const until = this.quietUntil.get(id);
    if (until !== undefined && now < until) return false;
    this.quietUntil.set(id, now + this.thresholds.cooldownS * 1000);
    if (this.quietUntil.size > MAX_SYMBOLS * 4) for (const [k, u] of this.quietUntil) if (u <= now) this.quietUntil.delete(k);
    return true;
  }
}
