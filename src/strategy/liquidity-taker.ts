// The liquidity taker: crosses the venue's spread with an immediate-or-cancel order when a signal
// fires, then waits out a cool-down.
//
//   momentum   the reference mid has moved at least momentumBps over the last lookbackMs: buy on a
//              rise, sell on a fall
//   imbalance  the venue's top of book leans: (bid size − ask size) / (bid size + ask size) at least
//              `imbalance` buys, at most −`imbalance` sells
//
// The order is priced at the venue's touch on the other side, and only when that touch is within
// maxSlippageBps of the reference mid: the taker chases a move, not a stale or empty book. One order
// at a time; sizes stay within the risk limits rather than be blocked by them.
import { z } from 'zod';
import type { MarketRecord } from '../marketdata/records.js';
import type { InstrumentGrid } from './instrument-grid.js';
import { checkQuantity, ParamsHolder, positiveDecimal, sizeLots } from './params.js';
import type { OrderSide, ParamsResult, Strategy, StrategyContext } from './strategy.js';
import type { VenueTopOfBook } from './venue-market.js';

export const liquidityTakerParamsSchema = z.strictObject({
  signal: z.enum(['momentum', 'imbalance', 'both']).default('momentum'),
  /** Quantity an order; absent: `notional` at the mid. */
  size: positiveDecimal.optional(),
  /** Value of an order in the quote currency when `size` is absent. */
  notional: positiveDecimal.default('500'),
  /** Reference move that fires the momentum signal, basis points. */
  momentumBps: z.number().positive().max(10_000).default(2),
  /** Window the move is measured over, ms. */
  lookbackMs: z.number().int().positive().max(3_600_000).default(1_000),
  /** Venue top-of-book imbalance that fires the imbalance signal, 0..1. */
  imbalance: z.number().positive().max(1).default(0.6),
  /** Quiet time after an order, ms. */
  cooldownMs: z.number().int().min(0).max(86_400_000).default(2_000),
  /** Furthest the venue's touch may be from the reference mid for the taker to cross, basis points. */
  maxSlippageBps: z.number().min(0).max(10_000).default(10),
});

export type LiquidityTakerParams = z.output<typeof liquidityTakerParamsSchema>;

export class LiquidityTaker implements Strategy {
  readonly kind = 'taker';
  private readonly holder: ParamsHolder<typeof liquidityTakerParamsSchema>;
  /** Reference mids (×2) and their times, oldest first, covering the lookback. */
  private times: number[] = [];
  private mids: number[] = [];
  private head = 0;
  private lastOrderAt = -Infinity;
  /** Orders sent, by signal. */
  signals = { momentum: 0, imbalance: 0 };

  constructor(params: unknown, grid: InstrumentGrid) {
    this.holder = new ParamsHolder(liquidityTakerParamsSchema, params, grid, (p, g) => checkQuantity('size', p.size, g, true), 'liquidity taker');
  }

  params(): Readonly<Record<string, unknown>> {
    return this.holder.value;
  }

  updateParams(patch: unknown): ParamsResult {
    return this.holder.update(patch);
  }

  onStart(): void {
    this.times = [];
    this.mids = [];
    this.head = 0;
  }

  onReference(record: MarketRecord, topChanged: boolean, ctx: StrategyContext): void {
    if (!topChanged) return;
    const ref = ctx.reference;
    if (!ref.live) return;
    const p = this.holder.value;
    const now = ctx.now();
    this.times.push(now);
    this.mids.push(ref.mid2);
    // Keep one sample at or before the window's start: the move is measured from it.
    const from = now - p.lookbackMs;
    while (this.head + 1 < this.times.length && this.times[this.head + 1] <= from) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.mids = this.mids.slice(this.head);
      this.head = 0;
    }
    if (p.signal === 'imbalance' || this.times[this.head] > from) return;
    const before = this.mids[this.head];
    const moveBps = ((ref.mid2 - before) * 10_000) / before;
    if (Math.abs(moveBps) >= p.momentumBps) this.take(ctx, moveBps > 0 ? 'buy' : 'sell', 'momentum');
  }

  onVenueBook(_book: VenueTopOfBook, ctx: StrategyContext): void {
    const p = this.holder.value;
    if (p.signal === 'momentum') return;
    const imbalance = ctx.venueBook.imbalance;
    if (Math.abs(imbalance) >= p.imbalance) this.take(ctx, imbalance > 0 ? 'buy' : 'sell', 'imbalance');
  }

  private take(ctx: StrategyContext, side: OrderSide, signal: 'momentum' | 'imbalance'): void {
    const p = this.holder.value;
    const now = ctx.now();
    if (now - this.lastOrderAt < p.cooldownMs || ctx.workingOrders().length > 0) return;
    const ref = ctx.reference;
    const book = ctx.venueBook;
    const price = side === 'buy' ? book.askTicks : book.bidTicks;
    if (!ref.live || !(side === 'buy' ? book.hasAsk : book.hasBid)) return;
    // |price − mid| / mid within the slippage allowed, in integers (mid2 = 2 × mid).
    if (Math.abs(2 * price - ref.mid2) * 10_000 > p.maxSlippageBps * ref.mid2) return;
    const lots = Math.min(sizeLots(p.size, p.notional, price, ctx.grid), ctx.headroom(side), ctx.maxOrderLots(price));
    if (lots <= 0) return;
    this.lastOrderAt = now;
    this.signals[signal]++;
    void ctx.place({ side, priceTicks: price, qtyLots: lots, timeInForce: 'ioc', tag: signal });
  }
}
