// One symbol's order book as the dashboard holds it: price levels keyed by integer price units,
// sizes in integer lot units, and the ladder view of it (grouped levels with cumulative sizes).
// Grouping folds bids down and asks up to the group's grid, the way every venue's "price
// aggregation" works, so a grouped bid never shows better than a real one. All sums are integers.
import type { PriceLevel } from '../../src/protocol/index.js';
import { toUnits } from './units.js';

export interface LevelSize {
  /** Visible size in lot units. */
  qty: number;
  orders: number;
}

export interface LadderLevel {
  /** Price in units (grouped to the group's grid). */
  readonly price: number;
  readonly qty: number;
  readonly orders: number;
  /** Size from the best level out to this one. */
  readonly cumulative: number;
}

export interface Ladder {
  /** Best (highest) first. */
  readonly bids: LadderLevel[];
  /** Best (lowest) first. */
  readonly asks: LadderLevel[];
  /** Largest cumulative size of either side: the depth bars' full width. */
  readonly maxCumulative: number;
}

export class BookModel {
  readonly bids = new Map<number, LevelSize>();
  readonly asks = new Map<number, LevelSize>();
  /** Bumped on every change, so a view redraws only what moved. */
  version = 0;

  constructor(
    readonly priceScale: number,
    readonly qtyScale: number,
  ) {}

  clear(): void {
    this.bids.clear();
    this.asks.clear();
    this.version++;
  }

  /** Sets levels to their absolute values; a size of 0 removes the level. */
  apply(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    setLevels(this.bids, bids, this.priceScale, this.qtyScale);
    setLevels(this.asks, asks, this.priceScale, this.qtyScale);
    this.version++;
  }

  bestBid(): number | undefined {
    let best: number | undefined;
    for (const p of this.bids.keys()) if (best === undefined || p > best) best = p;
    return best;
  }

  bestAsk(): number | undefined {
    let best: number | undefined;
    for (const p of this.asks.keys()) if (best === undefined || p < best) best = p;
    return best;
  }

  /** Best `rows` levels a side, grouped to `groupUnits` (a multiple of the tick, in price units). */
  ladder(rows: number, groupUnits: number): Ladder {
    const bids = groupSide(this.bids, rows, groupUnits, true);
    const asks = groupSide(this.asks, rows, groupUnits, false);
    const maxCumulative = Math.max(bids.length > 0 ? bids[bids.length - 1].cumulative : 0, asks.length > 0 ? asks[asks.length - 1].cumulative : 0);
    return { bids, asks, maxCumulative };
  }
}

function setLevels(side: Map<number, LevelSize>, levels: readonly PriceLevel[], priceScale: number, qtyScale: number): void {
  for (const [priceText, qtyText, orders] of levels) {
    const price = toUnits(priceText, priceScale);
    const qty = toUnits(qtyText, qtyScale);
    if (Number.isNaN(price) || Number.isNaN(qty)) continue;
    if (qty === 0) side.delete(price);
    else {
      const level = side.get(price);
      if (level === undefined) side.set(price, { qty, orders });
      else {
        level.qty = qty;
        level.orders = orders;
      }
    }
  }
}

/** The best `rows` grouped levels of one side, best first, with running totals. */
export function groupSide(side: ReadonlyMap<number, LevelSize>, rows: number, groupUnits: number, bids: boolean): LadderLevel[] {
  const prices = [...side.keys()].sort(bids ? (a, b) => b - a : (a, b) => a - b);
  const out: LadderLevel[] = [];
  const group = Math.max(1, Math.trunc(groupUnits));
  let cumulative = 0;
  let current: { price: number; qty: number; orders: number } | undefined;
  for (const price of prices) {
    const bucket = bids ? Math.floor(price / group) * group : Math.ceil(price / group) * group;
    const level = side.get(price)!;
    if (current !== undefined && current.price === bucket) {
      current.qty += level.qty;
      current.orders += level.orders;
      continue;
    }
    if (current !== undefined) {
      cumulative += current.qty;
      out.push({ ...current, cumulative });
      if (out.length === rows) return out;
    }
    current = { price: bucket, qty: level.qty, orders: level.orders };
  }
  if (current !== undefined && out.length < rows) {
    cumulative += current.qty;
    out.push({ ...current, cumulative });
  }
  return out;
}
