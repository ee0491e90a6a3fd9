// The market maker: several levels a side around the reference mid, leaning against its inventory.
//
// Fixed mode: the quote centre is the mid moved by inventorySkewBps for each level size the position
// is away from targetPosition (long → lower quotes, to sell); the best bid and ask sit spreadBps / 2
// either side of the centre, and further levels levelSpacingBps apart.
//
// Avellaneda–Stoikov mode (Avellaneda & Stoikov 2008, "High-frequency trading in a limit order
// book"), on a rolling horizon T = horizonSeconds and in basis points of the mid:
//   reservation price r = mid − q·γ·σ²·T        (q: inventory in level sizes from the target)
//   optimal spread    δ = γ·σ²·T + (2/γ)·ln(1 + γ/κ)
// with σ² the variance per second from the annualised `volatility`, γ = gamma (risk aversion, per
// bp) and κ = kappa (order arrival decay, per bp). Quotes: r ± δ/2, further levels as in fixed mode.
//
// It requotes when the reference mid has moved refreshBps since the last quote, every refreshMs,
// and at the first reference update after a fill or a parameter change. Each level is one order,
// tagged b0, b1... / a0, a1...; a level whose order is in flight is left alone until its answer.
// Sizes stay within the position and order limits of pre-trade risk rather than be blocked by them.
import { z } from 'zod';
import type { MarketRecord } from '../marketdata/records.js';
import type { TimerHandle } from '../shared/clock.js';
import type { OrderUpdate } from '../shared/order-gateway.js';
import type { InstrumentGrid } from './instrument-grid.js';
import { checkQuantity, ParamsHolder, positiveDecimal, signedDecimal, sizeLots } from './params.js';
import type { OrderSide, ParamsResult, Strategy, StrategyContext, WorkingOrder } from './strategy.js';

export const marketMakerParamsSchema = z.strictObject({
  /** Levels a side. */
  levels: z.number().int().min(1).max(20).default(3),
  /** Best ask − best bid, basis points of the mid (fixed mode). */
  spreadBps: z.number().positive().max(10_000).default(10),
  /** Distance between levels, basis points of the mid. */
  levelSpacingBps: z.number().min(0).max(10_000).default(5),
  /** Quantity a level; absent: `notional` at the mid. */
  size: positiveDecimal.optional(),
  /** Value of a level in the quote currency when `size` is absent. */
  notional: positiveDecimal.default('1000'),
  /** The position the quotes lean towards, a signed quantity. */
  targetPosition: signedDecimal.default('0'),
  /** Shift of the quote centre per level size of inventory away from the target, basis points (fixed mode). */
  inventorySkewBps: z.number().min(0).max(10_000).default(2),
  /** Requote once the reference mid has moved this far, basis points. */
  refreshBps: z.number().min(0).max(10_000).default(2),
  /** Requote at least this often, ms (0: only on moves). */
  refreshMs: z.number().int().min(0).max(86_400_000).default(5_000),
  /** Quotes never take liquidity (a crossing quote is rejected instead). */
  postOnly: z.boolean().default(true),
  mode: z.enum(['fixed', 'avellaneda-stoikov']).default('fixed'),
  /** Avellaneda–Stoikov γ, risk aversion per basis point. */
  gamma: z.number().positive().max(1_000).default(0.1),
  /** Avellaneda–Stoikov κ, order arrival decay per basis point. */
  kappa: z.number().positive().max(1_000).default(1.5),
  /** Annualised volatility of the reference (0.5 is 50 %), for Avellaneda–Stoikov. */
  volatility: z.number().positive().max(100).default(0.5),
  /** Avellaneda–Stoikov horizon T − t, seconds (rolling). */
  horizonSeconds: z.number().positive().max(86_400).default(60),
});

export type MarketMakerParams = z.output<typeof marketMakerParamsSchema>;

const SECONDS_PER_YEAR = 365 * 86_400;

/** One level as the quoting decided it. */
export interface Quote {
  readonly tag: string;
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly lots: number;
}

export interface QuoteInputs {
  /** Reference best bid + best ask, ticks (twice the mid). */
  readonly mid2: number;
  readonly positionLots: number;
  /** Lots that may still be added each side (working orders of the quotes themselves not counted). */
  readonly buyRoom: number;
  readonly sellRoom: number;
  /** Largest order at a price. */
  readonly maxOrderLots: (priceTicks: number) => number;
}

/** Where the quotes go; pure, for tests and for the strategy. */
export function computeQuotes(p: MarketMakerParams, grid: InstrumentGrid, input: QuoteInputs): Quote[] {
  const mid = input.mid2 / 2;
  const tickPerBps = mid / 10_000;
  const size = sizeLots(p.size, p.notional, Math.round(mid), grid);
  const target = grid.lots(p.targetPosition) ?? 0;
  const q = (input.positionLots - target) / size;
  let centre: number;
  let half: number;
  if (p.mode === 'fixed') {
    centre = mid - q * p.inventorySkewBps * tickPerBps;
    half = (p.spreadBps / 2) * tickPerBps;
  } else {
    const sigmaBps = p.volatility * 10_000;
    const variancePerSecond = (sigmaBps * sigmaBps) / SECONDS_PER_YEAR;
    const risk = p.gamma * variancePerSecond * p.horizonSeconds;
    centre = mid - q * risk * tickPerBps;
    half = ((risk + (2 / p.gamma) * Math.log(1 + p.gamma / p.kappa)) / 2) * tickPerBps;
  }
  const spacing = p.levelSpacingBps * tickPerBps;
  const quotes: Quote[] = [];
  let buyRoom = input.buyRoom;
  let sellRoom = input.sellRoom;
  let lastBid = Infinity;
  let lastAsk = 0;
  for (let i = 0; i < p.levels; i++) {
    // Whole ticks away from the centre, each level at least a tick beyond the one before.
    const bid = Math.min(Math.floor(centre - half - i * spacing), lastBid - 1);
    const ask = Math.max(Math.ceil(centre + half + i * spacing), lastAsk + 1);
    lastBid = bid;
    lastAsk = ask;
    if (bid > 0) {
      const lots = Math.min(size, input.maxOrderLots(bid), buyRoom);
      if (lots > 0) {
        quotes.push({ tag: `b${i}`, side: 'buy', priceTicks: bid, lots });
        buyRoom -= lots;
      }
    }
    const lots = Math.min(size, input.maxOrderLots(ask), sellRoom);
    if (lots > 0) {
      quotes.push({ tag: `a${i}`, side: 'sell', priceTicks: ask, lots });
      sellRoom -= lots;
    }
  }
  return quotes;
}

export class MarketMaker implements Strategy {
  readonly kind = 'mm';
  private readonly holder: ParamsHolder<typeof marketMakerParamsSchema>;
  private lastMid2 = 0;
  private dirty = true;
  private timer: TimerHandle | undefined;
  private timerPeriod = 0;
  private quotedVersion = -1;
  quotes = 0;

  constructor(params: unknown, grid: InstrumentGrid) {
    this.holder = new ParamsHolder(marketMakerParamsSchema, params, grid, checkParams, 'market maker');
  }

  params(): Readonly<Record<string, unknown>> {
    return this.holder.value;
  }

  updateParams(patch: unknown): ParamsResult {
    const r = this.holder.update(patch);
    if (r.ok) this.dirty = true;
    return r;
  }

  onStart(ctx: StrategyContext): void {
    this.dirty = true;
    this.timer = undefined;
    this.timerPeriod = 0;
    this.ensureTimer(ctx);
    this.quote(ctx);
  }

  onStop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  onReference(record: MarketRecord, topChanged: boolean, ctx: StrategyContext): void {
    const ref = ctx.reference;
    if (record.type === 'feed_status') {
      if (!ref.live) this.pull(ctx);
      else this.dirty = true;
      return;
    }
    if (!topChanged && !this.dirty) return;
    const p = this.holder.value;
    if (this.dirty || this.lastMid2 === 0 || Math.abs(ref.mid2 - this.lastMid2) * 10_000 >= p.refreshBps * this.lastMid2) this.quote(ctx);
  }

  onOrderUpdate(update: OrderUpdate): void {
    // Inventory moved or a level emptied: the next reference update requotes.
    if (update.kind !== 'accepted' && update.kind !== 'replaced') this.dirty = true;
  }

  /** Decides the quotes and brings the working orders to them. */
  quote(ctx: StrategyContext): void {
    this.ensureTimer(ctx);
    const ref = ctx.reference;
    if (!ref.live) {
      this.pull(ctx);
      return;
    }
    const p = this.holder.value;
    this.dirty = false;
    this.quotes++;
    this.quotedVersion = this.holder.version;
    const working = ctx.workingOrders();
    // The quotes' own working orders are being replaced, so they do not use up the room.
    let ownBuys = 0;
    let ownSells = 0;
    for (const o of working) {
      if (o.side === 'buy') ownBuys += o.leavesLots;
      else ownSells += o.leavesLots;
    }
    const desired = computeQuotes(p, ctx.grid, {
      mid2: ref.mid2,
      positionLots: ctx.position.lots,
      buyRoom: ctx.headroom('buy') + ownBuys,
      sellRoom: ctx.headroom('sell') + ownSells,
      maxOrderLots: (price) => ctx.maxOrderLots(price),
    });
    // Move away from the other side first: going up, asks before bids, so a bid never meets our own stale ask.
    const up = ref.mid2 >= this.lastMid2;
    this.lastMid2 = ref.mid2;
    desired.sort((a, b) => (a.side === b.side ? 0 : (a.side === 'sell') === up ? -1 : 1));
    this.reconcile(ctx, desired, working);
  }

  /** The parameter version the last quote used (tests: a change is in force from the next quote). */
  get quotedWith(): number {
    return this.quotedVersion;
  }

  private reconcile(ctx: StrategyContext, desired: readonly Quote[], working: readonly WorkingOrder[]): void {
    const byTag = new Map<string, WorkingOrder>();
    const strays: WorkingOrder[] = [];
    for (const o of working) {
      if (o.tag !== undefined && !byTag.has(o.tag)) byTag.set(o.tag, o);
      else strays.push(o);
    }
    const postOnly = this.holder.value.postOnly;
    for (const want of desired) {
      const have = byTag.get(want.tag);
      byTag.delete(want.tag);
      if (have === undefined) {
        void ctx.place({ side: want.side, priceTicks: want.priceTicks, qtyLots: want.lots, postOnly, tag: want.tag });
      } else if (have.status !== 'working') {
        // In flight: its answer comes first; the next quote looks again.
        this.dirty = true;
      } else if (have.side !== want.side) {
        void ctx.cancel(have.clientOrderId);
      } else if (have.priceTicks !== want.priceTicks || have.leavesLots !== want.lots) {
        void ctx.replace(have.clientOrderId, { priceTicks: want.priceTicks, leavesLots: want.lots });
      }
    }
    for (const o of [...byTag.values(), ...strays]) if (o.status === 'working') void ctx.cancel(o.clientOrderId);
  }

  private pull(ctx: StrategyContext): void {
    this.dirty = true;
    if (ctx.workingOrders().length > 0) void ctx.cancelAll();
  }

  private ensureTimer(ctx: StrategyContext): void {
    const period = this.holder.value.refreshMs;
    if (period === this.timerPeriod && (this.timer !== undefined || period === 0)) return;
    this.timer?.cancel();
    this.timer = period > 0 ? ctx.setInterval(() => this.quote(ctx), period) : undefined;
    this.timerPeriod = period;
  }
}

function checkParams(p: MarketMakerParams, grid: InstrumentGrid): string | undefined {
  return checkQuantity('size', p.size, grid, true) ?? checkQuantity('targetPosition', p.targetPosition, grid, false);
}
