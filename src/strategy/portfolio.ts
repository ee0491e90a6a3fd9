// What a strategy's account holds: per symbol a signed position, the open lots it was built from
// (first in, first out), realized and unrealized P&L, fees and turnover. Realized P&L matches each
// reducing fill against the oldest open lots, so every realized figure is (exit − entry) ticks ×
// lots, an exact integer of tick-lot units; the average cost shown is the open lots' notional over
// their quantity. Unrealized P&L marks the open lots to the reference mid. Money is exact (money.ts);
// the float figures beside it feed the kill switch and the equity curve's ratios.
import type { InstrumentGrid } from './instrument-grid.js';
import { type Money, mulDiv, ZERO_MONEY } from './money.js';

/** Fees as basis points of notional, by liquidity; negative is a rebate. */
export interface FeeSchedule {
  readonly makerBps: number;
  readonly takerBps: number;
}

export const NO_FEES: FeeSchedule = { makerBps: 0, takerBps: 0 };

export interface PortfolioFill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  readonly lots: number;
  readonly liquidity: 'maker' | 'taker';
}

export interface FillOutcome {
  /** Realized by this fill (before fees): zero unless it reduced the position. */
  readonly realized: Money;
  /** Whether it reduced (or flipped) a position, so `realized` is a closed trade's result. */
  readonly closed: boolean;
  readonly fee: Money;
  readonly notional: Money;
  /** Position after the fill, lots. */
  readonly positionLots: number;
}

interface OpenLot {
  readonly priceTicks: number;
  lots: number;
}

// Fee rates in 10^-8 (a hundredth of a millionth): basis points to four decimals.
const FEE_RATE_SCALE = 100_000_000n;
const feeRate = (bps: number): bigint => BigInt(Math.round(bps * 10_000));

export class Position {
  /** Signed: long above zero. */
  lots = 0;
  /** Σ ticks × signed lots of the open lots (negative when short; exact below 2^53). */
  openNotionalUnits = 0;
  realized: Money = ZERO_MONEY;
  fees: Money = ZERO_MONEY;
  turnover: Money = ZERO_MONEY;
  fills = 0;
  boughtLots = 0;
  soldLots = 0;
  /** Float mirrors for the kill switch and the equity curve. */
  realizedFloat = 0;
  feesFloat = 0;
  private readonly open: OpenLot[] = [];
  private openHead = 0;

  constructor(readonly grid: InstrumentGrid) {}

  /** Open lots, oldest first. */
  get openLots(): ReadonlyArray<Readonly<OpenLot>> {
    return this.open.slice(this.openHead);
  }

  apply(fill: PortfolioFill, fees: FeeSchedule): FillOutcome {
    const g = this.grid;
    const buying = fill.side === 'buy';
    let remaining = fill.lots;
    let realizedUnits = 0;
    let closed = false;
    // Reduce against the oldest open lots while the fill goes against the position.
    while (remaining > 0 && (buying ? this.lots < 0 : this.lots > 0)) {
      const lot = this.open[this.openHead];
      const take = Math.min(lot.lots, remaining);
      const long = this.lots > 0;
      realizedUnits += (long ? fill.priceTicks - lot.priceTicks : lot.priceTicks - fill.priceTicks) * take;
      this.openNotionalUnits -= lot.priceTicks * (long ? take : -take);
      this.lots += long ? -take : take;
      lot.lots -= take;
      remaining -= take;
      closed = true;
      if (lot.lots === 0) this.openHead++;
    }
    if (this.openHead > 64 && this.openHead * 2 > this.open.length) {
      this.open.splice(0, this.openHead);
      this.openHead = 0;
    }
    if (remaining > 0) {
      const lots = fill.side === 'buy' ? remaining : -remaining;
      this.open.push({ priceTicks: fill.priceTicks, lots: remaining });
      this.openNotionalUnits += fill.priceTicks * lots;
      this.lots += lots;
    }
    const notional = g.notional(fill.priceTicks, fill.lots);
    const rate = feeRate(fill.liquidity === 'maker' ? fees.makerBps : fees.takerBps);
    const fee = rate === 0n ? ZERO_MONEY : mulDiv(notional, rate, FEE_RATE_SCALE);
    const realized = BigInt(realizedUnits) * g.moneyPerUnit;
    this.realized += realized;
    this.fees += fee;
    this.turnover += notional;
    this.fills++;
    if (fill.side === 'buy') this.boughtLots += fill.lots;
    else this.soldLots += fill.lots;
    this.realizedFloat += realizedUnits * g.quotePerUnit;
    this.feesFloat += fill.lots * fill.priceTicks * g.quotePerUnit * (fill.liquidity === 'maker' ? fees.makerBps : fees.takerBps) / 10_000;
    return { realized, closed, fee, notional, positionLots: this.lots };
  }

  /** Unrealized P&L at a mark of mid2 / 2 ticks (mid2: bid + ask), exact. Flat or no mark: zero. */
  unrealized(mid2: number): Money {
    if (this.lots === 0 || !(mid2 > 0)) return ZERO_MONEY;
    // (lots × mid2 − 2 × openNotional) / 2 tick-lot units; moneyPerUnit is even (one place spare).
    return ((BigInt(this.lots) * BigInt(mid2) - 2n * BigInt(this.openNotionalUnits)) * this.grid.moneyPerUnit) / 2n;
  }

  unrealizedFloat(mid2: number): number {
    if (this.lots === 0 || !(mid2 > 0)) return 0;
    return ((this.lots * mid2) / 2 - this.openNotionalUnits) * this.grid.quotePerUnit;
  }

  /** Realized + unrealized − fees, exact. */
  pnl(mid2: number): Money {
    return this.realized + this.unrealized(mid2) - this.fees;
  }

  pnlFloat(mid2: number): number {
    return this.realizedFloat + this.unrealizedFloat(mid2) - this.feesFloat;
  }

  /** The open lots' average price as a decimal with four places beyond the tick; undefined when flat. */
  averagePrice(): string | undefined {
    if (this.lots === 0) return undefined;
    const g = this.grid;
    const places = 4;
    // openNotional / |lots| ticks, in ten-thousandths of a tick, rounded half away from zero.
    const scaled = mulDiv(BigInt(Math.abs(this.openNotionalUnits)), 10n ** BigInt(places), BigInt(Math.abs(this.lots)));
    const tick = g.price(1);
    const tickScale = (tick.split('.')[1] ?? '').length;
    // scaled × tickSize / 10^places, exact in tickScale + places decimals.
    const tickCoefficient = BigInt(tick.replace('.', ''));
    const value = scaled * tickCoefficient;
    const scale = tickScale + places;
    const text = value.toString().padStart(scale + 1, '0');
    return scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
  }
}

/** Positions of one account, by symbol. */
export class Portfolio {
  private readonly positions = new Map<string, Position>();

  constructor(
    grids: readonly InstrumentGrid[],
    private fees: FeeSchedule = NO_FEES,
  ) {
    for (const g of grids) this.positions.set(g.symbol, new Position(g));
  }

  get feeSchedule(): FeeSchedule {
    return this.fees;
  }

  position(symbol: string): Position {
    const p = this.positions.get(symbol);
    if (p === undefined) throw new RangeError(`no position kept for ${symbol}`);
    return p;
  }

  applyFill(fill: PortfolioFill): FillOutcome {
    return this.position(fill.symbol).apply(fill, this.fees);
  }

  symbols(): string[] {
    return [...this.positions.keys()];
  }
}
