// One listing's price and quantity grid, as the strategies see it: decimals at the edge (the order
// gateway, reference records, reports), integer ticks and lots everywhere else.
import { parseDecimal, parseStep, priceToTicks, qtyToLots, unitsToDecimal } from '../shared/decimal.js';
import { MONEY_SCALE, type Money } from './money.js';

/** What a strategy needs to know of a listing. */
export interface InstrumentSpec {
  readonly symbol: string;
  /** Price step, a decimal ("0.01"). */
  readonly tickSize: string;
  /** Quantity step, a decimal ("0.00001"). */
  readonly lotSize: string;
  /** Where the symbol trades before any reference data arrives, a decimal on the tick grid. */
  readonly referencePrice?: string;
}

export class InstrumentGrid {
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  /** Money of one tick × one lot: notional = ticks × lots × moneyPerUnit. */
  readonly moneyPerUnit: Money;
  /** The same, as a float, for signals and sizing. */
  readonly quotePerUnit: number;

  constructor(spec: InstrumentSpec) {
    const tick = parseStep(spec.tickSize);
    const lot = parseStep(spec.lotSize);
    if (tick === undefined || lot === undefined) throw new RangeError(`${spec.symbol}: tick size ${spec.tickSize} and lot size ${spec.lotSize} must be positive decimals`);
    // One place kept spare: a mid between two ticks is half a tick.
    if (tick.scale + lot.scale > MONEY_SCALE - 1) throw new RangeError(`${spec.symbol}: tick size × lot size has more than ${MONEY_SCALE - 1} decimal places`);
    this.symbol = spec.symbol;
    this.tickSize = spec.tickSize;
    this.lotSize = spec.lotSize;
    this.moneyPerUnit = tick.coefficient * lot.coefficient * 10n ** BigInt(MONEY_SCALE - tick.scale - lot.scale);
    this.quotePerUnit = Number(spec.tickSize) * Number(spec.lotSize);
  }

  /** Ticks of an exact price on the grid; undefined when off the grid or not a decimal. */
  ticks(price: string): number | undefined {
    const r = priceToTicks(price, this.tickSize);
    return r.ok ? r.units : undefined;
  }

  /** Lots of an exact quantity on the grid; undefined when off the grid or not a decimal. */
  lots(quantity: string): number | undefined {
    const r = qtyToLots(quantity, this.lotSize);
    return r.ok ? r.units : undefined;
  }

  /** Whole lots in a quantity, rounded toward zero (for limits: "at most this much"). */
  lotsWithin(quantity: string): number | undefined {
    const lot = parseStep(this.lotSize)!;
    const q = parseDecimal(quantity);
    if (q === undefined || q.coefficient < 0n) return undefined;
    const units = (q.coefficient * 10n ** BigInt(lot.scale)) / (lot.coefficient * 10n ** BigInt(q.scale));
    return units > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(units);
  }

  price(ticks: number): string {
    return unitsToDecimal(ticks, this.tickSize);
  }

  quantity(lots: number): string {
    return unitsToDecimal(lots, this.lotSize);
  }

  /** Exact notional of `lots` at `ticks`. */
  notional(ticks: number, lots: number): Money {
    return BigInt(ticks) * BigInt(lots) * this.moneyPerUnit;
  }
}
