// Candles built from trade prints, one series per resolution, bounded. Trades may arrive late or
// twice (a snapshot after a reconnect, the REST history fetched while the stream runs): a tape of
// recent trade ids drops repeats, and each candle keeps the ids of its first and last trade so its
// open and close are right whatever order the trades came in. Pure: no DOM.

export const RESOLUTIONS = [1, 60, 300] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Candles kept per series; the oldest go first. */
export const MAX_CANDLES = 2000;
/** Trimmed in steps, so a chart redraws its whole series rarely. */
const TRIM_STEP = 200;
/** Trade ids remembered per symbol to drop repeats. */
const REMEMBERED_TRADES = 5000;

export interface Candle {
  /** Bucket start, epoch seconds. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** In lot units. */
  volume: number;
  openId: number;
  closeId: number;
}

export interface TradePrint {
  readonly id: number;
  /** Epoch milliseconds. */
  readonly time: number;
  /** Price units. */
  readonly price: number;
  /** Lot units. */
  readonly qty: number;
}

export class CandleSeries {
  readonly candles: Candle[] = [];
  /** Lowest index changed since the last `takeChanges`; Infinity when nothing changed. */
  private changedFrom = Number.POSITIVE_INFINITY;
  /** Set when candles were dropped from the front or inserted before the end: indexes moved. */
  private reshaped = false;

  constructor(readonly seconds: Resolution) {}

  add(t: TradePrint): void {
    const time = Math.floor(t.time / 1000 / this.seconds) * this.seconds;
    const candles = this.candles;
    const last = candles[candles.length - 1];
    if (last === undefined || time > last.time) {
      candles.push(newCandle(time, t));
      this.mark(candles.length - 1);
      this.trim();
      return;
    }
    if (time === last.time) {
      merge(last, t);
      this.mark(candles.length - 1);
      return;
    }
    // A late trade: find its bucket (binary search on time).
    let lo = 0;
    let hi = candles.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (candles[mid].time < time) lo = mid + 1;
      else hi = mid;
    }
    if (lo < candles.length && candles[lo].time === time) merge(candles[lo], t);
    else {
      if (lo === 0 && candles.length >= MAX_CANDLES) return; // older than anything kept
      candles.splice(lo, 0, newCandle(time, t));
      this.reshaped = true;
      this.trim();
    }
    this.mark(lo);
  }

  /**
   * What changed since the last call: `reset` when the series must be redrawn whole, else the
   * index from which candles changed (only the last one or new ones, the cheap case for a chart).
   */
  takeChanges(): { reset: boolean; from: number } | undefined {
    if (this.changedFrom === Number.POSITIVE_INFINITY && !this.reshaped) return undefined;
    const out = { reset: this.reshaped, from: this.changedFrom };
    this.changedFrom = Number.POSITIVE_INFINITY;
    this.reshaped = false;
    return out;
  }

  /** The next `takeChanges` reports a reset (a chart switching to this series draws it whole). */
  touch(): void {
    this.reshaped = true;
  }

  private mark(index: number): void {
    if (index < this.changedFrom) this.changedFrom = index;
  }

  private trim(): void {
    if (this.candles.length <= MAX_CANDLES) return;
    this.candles.splice(0, this.candles.length - MAX_CANDLES + TRIM_STEP);
    this.reshaped = true;
  }
}

function newCandle(time: number, t: TradePrint): Candle {
  return { time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.qty, openId: t.id, closeId: t.id };
}

function merge(c: Candle, t: TradePrint): void {
  if (t.price > c.high) c.high = t.price;
  if (t.price < c.low) c.low = t.price;
  c.volume += t.qty;
  if (t.id < c.openId) {
    c.openId = t.id;
    c.open = t.price;
  }
  if (t.id > c.closeId) {
    c.closeId = t.id;
    c.close = t.price;
  }
}

/** Every resolution's candles for one symbol, fed from one trade tape that drops repeats. */
export class SymbolCandles {
  readonly series: Record<Resolution, CandleSeries> = { 1: new CandleSeries(1), 60: new CandleSeries(60), 300: new CandleSeries(300) };
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];
  /** Ids below this were forgotten; a trade that old counts as seen. */
  private floor = 0;

  /** Adds a trade unless it was added before; false for a repeat. */
  add(t: TradePrint): boolean {
    if (t.id < this.floor || this.seen.has(t.id)) return false;
    this.seen.add(t.id);
    this.order.push(t.id);
    if (this.order.length > REMEMBERED_TRADES + TRIM_STEP) {
      const drop = this.order.splice(0, this.order.length - REMEMBERED_TRADES);
      for (const id of drop) {
        this.seen.delete(id);
        if (id >= this.floor) this.floor = id + 1;
      }
    }
    for (const r of RESOLUTIONS) this.series[r].add(t);
    return true;
  }
}
