// Pre-trade risk for one strategy instance (one account on one symbol): every order and replace is
// checked here before it reaches the venue, and a P&L watch trips a kill switch. A block carries a
// stable code of the 2xxx "pre-trade risk" range with a reason naming the figures, is logged and
// counted by code. Limits are exact decimals at the edge, lots and tick-lot units inside.
import { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import { parseDecimal } from '../shared/decimal.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import type { InstrumentGrid } from './instrument-grid.js';
import { formatMoney, type Money, moneyToNumber, parseMoney } from './money.js';
import type { ReferenceQuote } from './reference-quote.js';

export const RiskCode = {
  /** Order quantity above maxOrderQuantity. */
  OrderQuantityLimit: RejectCode.RiskOrderQuantityLimit,
  /** Order notional above maxOrderNotional. */
  OrderNotionalLimit: RejectCode.RiskOrderNotionalLimit,
  /** The position, with every working order on that side filled, would pass maxPosition or maxPositionNotional. */
  PositionLimit: RejectCode.RiskPositionLimit,
  /** Limit price further from the reference mid than priceBandBps. */
  PriceOutsideReferenceBand: RejectCode.RiskPriceOutsideReferenceBand,
  /** No reference price yet (or the reference feed is not live): nothing to band or value against. */
  NoReferencePrice: RejectCode.RiskNoReferencePrice,
  /** More than maxOrdersPerSecond orders and replaces in the last second. */
  OrderRateLimit: RejectCode.RiskOrderRateLimit,
  /** The kill switch is tripped: nothing new until it is reset. */
  KillSwitchActive: RejectCode.RiskKillSwitchActive,
  /** Kill switch trip: P&L since start (or the last reset) fell below −maxLoss. */
  LossLimit: RejectCode.RiskLossLimit,
  /** Kill switch trip: P&L fell more than maxDrawdown below its peak since start (or the last reset). */
  DrawdownLimit: RejectCode.RiskDrawdownLimit,
  /** The strategy is stopped. */
  StrategyNotRunning: RejectCode.RiskStrategyNotRunning,
  /** The order has a request in flight (not yet acknowledged, or a replace or cancel pending). */
  OrderInFlight: RejectCode.RiskOrderInFlight,
  /** Price or quantity not a positive whole number of ticks or lots. */
  InvalidOrder: RejectCode.RiskInvalidOrder,
  /** Kill switch trip: an operator asked for it. */
  OperatorKill: RejectCode.RiskOperatorKill,
} as const;

export type RiskCode = (typeof RiskCode)[keyof typeof RiskCode];

export function riskReason(code: RiskCode): string {
  return rejectReason(code);
}

/** Every risk code with its reason, for documentation and API listings. */
export function allRiskCodes(): ReadonlyArray<{ code: RiskCode; reason: string }> {
  return (Object.values(RiskCode) as RiskCode[]).map((code) => ({ code, reason: rejectReason(code) }));
}

export interface RiskBlock {
  readonly ok: false;
  readonly code: RiskCode;
  readonly reason: string;
}

const block = (code: RiskCode, detail: string): RiskBlock => ({ ok: false, code, reason: `${riskReason(code)}: ${detail}` });

const positiveDecimal = z.string().refine((s) => {
  const d = parseDecimal(s);
  return d !== undefined && d.coefficient > 0n;
}, 'a positive decimal string such as "0.5"');

export const riskLimitsSchema = z.strictObject({
  /** Largest order, a quantity. */
  maxOrderQuantity: positiveDecimal.optional(),
  /** Largest order value in the quote currency (price × quantity). */
  maxOrderNotional: positiveDecimal.optional(),
  /** Largest absolute position, a quantity, counting every working order on the side as filled. */
  maxPosition: positiveDecimal.optional(),
  /** The same, in the quote currency at the reference mid. */
  maxPositionNotional: positiveDecimal.optional(),
  /** Largest distance of a limit price from the reference mid, basis points. */
  priceBandBps: z.number().positive().max(1_000_000).optional(),
  /** Orders and replaces per rolling second. */
  maxOrdersPerSecond: z.number().int().positive().max(1_000_000).optional(),
  /** Loss (realized + unrealized − fees, since start or reset) that trips the kill switch, quote currency. */
  maxLoss: positiveDecimal.optional(),
  /** Fall of P&L from its peak (since start or reset) that trips the kill switch, quote currency. */
  maxDrawdown: positiveDecimal.optional(),
});

export type RiskLimits = z.output<typeof riskLimitsSchema>;

export const DEFAULT_RISK_LIMITS: RiskLimits = {
  maxOrderNotional: '25000',
  maxPositionNotional: '50000',
  priceBandBps: 500,
  maxOrdersPerSecond: 50,
  maxLoss: '5000',
};

/** The limits in the units the checks use. */
interface Compiled {
  readonly maxOrderLots: number;
  /** In tick-lot units (ticks × lots). */
  readonly maxOrderNotionalUnits: number;
  readonly maxPositionLots: number;
  readonly maxPositionNotionalUnits: number;
  readonly bandBps: number;
  readonly maxRate: number;
  readonly maxLoss: Money | undefined;
  readonly maxDrawdown: Money | undefined;
}

/** What the account holds and has working on its symbol, in lots. */
export interface Exposure {
  readonly positionLots: number;
  /** Leaves of working buy orders, pending ones included. */
  readonly buyLeavesLots: number;
  readonly sellLeavesLots: number;
}

export interface OrderCheck {
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  /** The order's new open quantity. */
  readonly leavesLots: number;
  /** For a replace: the leaves the order has now (they are already in the exposure). */
  readonly replacingLeavesLots?: number;
}

export type LimitsResult = { readonly ok: true; readonly limits: RiskLimits } | { readonly ok: false; readonly reason: string };

/** zod issues as "path: message; ...". */
export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length === 0 ? '(top level)' : i.path.join('.')}: ${i.message}`).join('; ');
}

export class PreTradeRisk {
  private limitsValue: RiskLimits;
  private compiled: Compiled;
  /** Times of the last maxRate orders, a ring. */
  private orderTimes: number[] = [];
  private orderTimesHead = 0;
  private readonly blockCounts = new Map<number, number>();

  /** `limits`: validated with riskLimitsSchema; throws a readable Error when invalid. */
  constructor(
    limits: unknown,
    private readonly grid: InstrumentGrid,
    private readonly clock: Clock,
  ) {
    const r = PreTradeRisk.validate(limits, grid);
    if (!r.ok) throw new Error(`risk limits for ${grid.symbol}: ${r.reason}`);
    this.limitsValue = r.limits;
    this.compiled = compile(r.limits, grid);
  }

  static validate(limits: unknown, grid: InstrumentGrid): LimitsResult {
    const r = riskLimitsSchema.safeParse(limits ?? {});
    if (!r.success) return { ok: false, reason: issuesText(r.error) };
    for (const key of ['maxOrderNotional', 'maxPositionNotional', 'maxLoss', 'maxDrawdown'] as const) {
      const v = r.data[key];
      if (v !== undefined && parseMoney(v) === undefined) return { ok: false, reason: `${key}: at most 18 decimal places` };
    }
    for (const key of ['maxOrderQuantity', 'maxPosition'] as const) {
      const v = r.data[key];
      if (v !== undefined && (grid.lotsWithin(v) ?? 0) < 1) return { ok: false, reason: `${key}: ${v} is less than one lot (${grid.lotSize})` };
    }
    return { ok: true, limits: r.data };
  }

  get limits(): RiskLimits {
    return this.limitsValue;
  }

  /** Replaces the limits with `{...current, ...patch}` (a key set to null is removed); nothing changes when invalid. */
  update(patch: unknown): LimitsResult {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, reason: 'risk limits must be an object' };
    const merged: Record<string, unknown> = { ...this.limitsValue };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const r = PreTradeRisk.validate(merged, this.grid);
    if (!r.ok) return r;
    this.limitsValue = r.limits;
    this.compiled = compile(r.limits, this.grid);
    this.orderTimes = [];
    this.orderTimesHead = 0;
    return r;
  }

  /** Blocks so far, by code. */
  get blocks(): ReadonlyMap<number, number> {
    return this.blockCounts;
  }

  /** Counts a block (the caller logs it). */
  count(code: RiskCode): void {
    this.blockCounts.set(code, (this.blockCounts.get(code) ?? 0) + 1);
  }

  /**
   * Checks an order (or a replace's new terms) against the limits; undefined when it may go. Counts
   * neither the block (`count`) nor the order towards the rate (`noteOrder`, once it is sent).
   */
  check(order: OrderCheck, exposure: Exposure, reference: ReferenceQuote): RiskBlock | undefined {
    const c = this.compiled;
    const g = this.grid;
    const { side, priceTicks, leavesLots } = order;
    const fail = block;
    if (!Number.isSafeInteger(priceTicks) || priceTicks <= 0 || !Number.isSafeInteger(leavesLots) || leavesLots <= 0) {
      return fail(RiskCode.InvalidOrder, `price ${priceTicks} ticks, quantity ${leavesLots} lots`);
    }
    if (leavesLots > c.maxOrderLots) return fail(RiskCode.OrderQuantityLimit, `${g.quantity(leavesLots)} > ${this.limitsValue.maxOrderQuantity}`);
    if (priceTicks * leavesLots > c.maxOrderNotionalUnits) {
      return fail(RiskCode.OrderNotionalLimit, `${formatMoney(g.notional(priceTicks, leavesLots))} > ${this.limitsValue.maxOrderNotional}`);
    }
    const needsReference = c.bandBps > 0 || c.maxPositionNotionalUnits < Infinity;
    if (needsReference && !reference.live) return fail(RiskCode.NoReferencePrice, `${g.symbol} reference is ${reference.valid ? reference.state : 'not yet known'}`);
    if (c.bandBps > 0) {
      // |price − mid| / mid > band, in integers: mid2 = 2 × mid.
      const mid2 = reference.mid2;
      if (Math.abs(2 * priceTicks - mid2) * 10_000 > c.bandBps * mid2) {
        return fail(RiskCode.PriceOutsideReferenceBand, `${g.price(priceTicks)} is more than ${c.bandBps} bps from the reference mid ${midText(reference)}`);
      }
    }
    const replaced = order.replacingLeavesLots ?? 0;
    const worst =
      side === 'buy'
        ? exposure.positionLots + exposure.buyLeavesLots - replaced + leavesLots
        : -(exposure.positionLots - exposure.sellLeavesLots + replaced - leavesLots);
    if (worst > c.maxPositionLots) return fail(RiskCode.PositionLimit, `${side} would allow a position of ${g.quantity(worst)} > ${this.limitsValue.maxPosition}`);
    if (c.maxPositionNotionalUnits < Infinity && (worst * reference.mid2) / 2 > c.maxPositionNotionalUnits) {
      return fail(RiskCode.PositionLimit, `${side} would allow a position of ${g.quantity(worst)} worth more than ${this.limitsValue.maxPositionNotional} at ${midText(reference)}`);
    }
    if (c.maxRate > 0 && this.orderTimes.length >= c.maxRate) {
      const oldest = this.orderTimes[this.orderTimesHead];
      if (this.clock.now() - oldest < 1000) return fail(RiskCode.OrderRateLimit, `${c.maxRate} orders in the last second`);
    }
    return undefined;
  }

  /** An order or replace went out: it counts towards the rate. */
  noteOrder(): void {
    const max = this.compiled.maxRate;
    if (max <= 0) return;
    const now = this.clock.now();
    if (this.orderTimes.length < max) this.orderTimes.push(now);
    else {
      this.orderTimes[this.orderTimesHead] = now;
      this.orderTimesHead = (this.orderTimesHead + 1) % max;
    }
  }

  /**
   * Lots that may still be added on `side` (working orders counted as filled) before a position
   * limit; Infinity without one. For strategies that size within the limits rather than be blocked.
   */
  headroom(side: 'buy' | 'sell', exposure: Exposure, reference: ReferenceQuote): number {
    const c = this.compiled;
    const used = side === 'buy' ? exposure.positionLots + exposure.buyLeavesLots : -(exposure.positionLots - exposure.sellLeavesLots);
    let room = c.maxPositionLots - used;
    if (c.maxPositionNotionalUnits < Infinity && reference.valid) room = Math.min(room, Math.floor((2 * c.maxPositionNotionalUnits) / reference.mid2) - used);
    return Math.max(0, room);
  }

  /** The largest order (lots) at `priceTicks` within the size and notional limits. */
  maxOrderLots(priceTicks: number): number {
    const c = this.compiled;
    return Math.max(0, Math.min(c.maxOrderLots, priceTicks > 0 ? Math.floor(c.maxOrderNotionalUnits / priceTicks) : Infinity));
  }

  /** Whether P&L (since start or the last reset) trips the kill switch; returns the trip, or undefined. */
  pnlTrip(pnl: number, peak: number): RiskBlock | undefined {
    const { maxLoss, maxDrawdown } = this.compiled;
    if (maxLoss !== undefined && pnl < -moneyToNumber(maxLoss)) return block(RiskCode.LossLimit, `P&L ${pnl.toFixed(2)} below −${this.limitsValue.maxLoss}`);
    if (maxDrawdown !== undefined && peak - pnl > moneyToNumber(maxDrawdown)) {
      return block(RiskCode.DrawdownLimit, `P&L ${pnl.toFixed(2)} is ${(peak - pnl).toFixed(2)} below its peak ${peak.toFixed(2)}, more than ${this.limitsValue.maxDrawdown}`);
    }
    return undefined;
  }

  get watchesPnl(): boolean {
    return this.compiled.maxLoss !== undefined || this.compiled.maxDrawdown !== undefined;
  }
}

function midText(reference: ReferenceQuote): string {
  const g = reference.grid;
  const mid2 = reference.mid2;
  return mid2 % 2 === 0 ? g.price(mid2 / 2) : `${g.price((mid2 - 1) / 2)}+½ tick`;
}

function compile(limits: RiskLimits, grid: InstrumentGrid): Compiled {
  const lots = (q: string | undefined): number => (q === undefined ? Infinity : (grid.lotsWithin(q) ?? 0));
  // Notional limits in ticks × lots: floor(limit / (tick × lot)), exact.
  const units = (m: string | undefined): number => {
    if (m === undefined) return Infinity;
    const v = parseMoney(m)!;
    const u = v / grid.moneyPerUnit;
    return u > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(u);
  };
  return {
    maxOrderLots: lots(limits.maxOrderQuantity),
    maxOrderNotionalUnits: units(limits.maxOrderNotional),
    maxPositionLots: lots(limits.maxPosition),
    maxPositionNotionalUnits: units(limits.maxPositionNotional),
    bandBps: limits.priceBandBps ?? 0,
    maxRate: limits.maxOrdersPerSecond ?? 0,
    maxLoss: limits.maxLoss === undefined ? undefined : parseMoney(limits.maxLoss),
    maxDrawdown: limits.maxDrawdown === undefined ? undefined : parseMoney(limits.maxDrawdown),
  };
}
