// The engine's vocabulary: commands in, events out. Prices are integer ticks and quantities
// integer lots; decimals exist only at the edges (see shared/decimal.ts). Time is whatever
// number the sequencer stamps on a command (epoch nanoseconds or milliseconds): the engine
// stores it, never reads a clock.
import type { RejectCode } from '../shared/reject-codes.js';

export const Side = { Buy: 0, Sell: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { Limit: 0, Market: 1, Stop: 2, StopLimit: 3 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const TimeInForce = { GTC: 0, IOC: 1, FOK: 2, DAY: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/** What happens when an incoming order would trade against a resting order of its own account. */
export const StpMode = {
  /** Self trades are allowed. */
  None: 0,
  /** The incoming (newest) order's remainder is cancelled; the resting order stays. */
  CancelNewest: 1,
  /** The resting (oldest) order is cancelled; the incoming order goes on matching. */
  CancelOldest: 2,
  /** Both are cancelled. */
  CancelBoth: 3,
  /** Both are reduced by the smaller quantity; the smaller one (or both, when equal) is cancelled. */
  DecrementAndCancel: 4,
} as const;
export type StpMode = (typeof StpMode)[keyof typeof StpMode];

export const CancelReason = {
  /** The owner asked (cancel command). */
  User: 0,
  /** Mass cancel by account or symbol. */
  MassCancel: 1,
  /** IOC remainder after matching. */
  ImmediateOrCancel: 2,
  /** FOK could not be filled in full: nothing traded. */
  FillOrKill: 3,
  /** Market order (or triggered stop) remainder: markets never rest. */
  MarketRemainder: 4,
  /** Self-trade prevention. */
  SelfTrade: 5,
} as const;
export type CancelReason = (typeof CancelReason)[keyof typeof CancelReason];

export const CommandKind = { New: 'new', Cancel: 'cancel', Replace: 'replace', MassCancel: 'massCancel', EndOfDay: 'endOfDay' } as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];

/** An instrument's trading rules, in the engine's integer units. */
export interface Instrument {
  readonly symbol: string;
  /** Decimal size of one tick, e.g. "0.01" (used at the edges to convert prices). */
  readonly tickSize: string;
  /** Decimal size of one lot, e.g. "1" or "0.00001" (used at the edges to convert quantities). */
  readonly lotSize: string;
  /** Smallest order quantity in lots (default 1). */
  readonly minQty?: number;
  /** Largest order quantity in lots (default: no limit below 2^53). */
  readonly maxQty?: number;
  /** Static price band in ticks: limit and stop prices must lie in [minPrice, maxPrice]. */
  readonly minPrice?: number;
  readonly maxPrice?: number;
  /**
   * Dynamic band in basis points around the last trade price: once the symbol has traded, a limit
   * price more than bandBps away from the last trade is rejected (fat-finger collar). 0 or absent: off.
   */
  readonly bandBps?: number;
}

export interface NewOrderCommand {
  readonly kind: 'new';
  readonly time: number;
  readonly symbol: string;
  /** Venue-assigned, unique within the symbol's book while the order lives; positive safe integer. */
  readonly orderId: number;
  /** Owner account, a non-negative integer (the venue maps account names to numbers). */
  readonly account: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** Limit price in ticks (Limit and StopLimit); ignored for Market and Stop. */
  readonly price: number;
  /** Total quantity in lots. */
  readonly qty: number;
  /** Trigger price in ticks (Stop and StopLimit); ignored otherwise. */
  readonly stopPrice?: number;
  /** Iceberg: quantity shown at a time (lots); 0 or absent shows everything. Limit orders only. */
  readonly displayQty?: number;
  /** Rejected instead of taking liquidity. Limit GTC/DAY only. */
  readonly postOnly?: boolean;
  readonly stp?: StpMode;
}

export interface CancelCommand {
  readonly kind: 'cancel';
  readonly time: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly account: number;
}

export interface ReplaceCommand {
  readonly kind: 'replace';
  readonly time: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly account: number;
  /** New total order quantity in lots (filled quantity included, as FIX OrderQty). */
  readonly qty: number;
  /** New limit price in ticks (orders with a limit price). */
  readonly price: number;
  /** New trigger price (pending stops only). */
  readonly stopPrice?: number;
}

export interface MassCancelCommand {
  readonly kind: 'massCancel';
  readonly time: number;
  /** Restrict to one symbol; absent means every symbol. */
  readonly symbol?: string;
  /** Restrict to one account; absent means every account. */
  readonly account?: number;
}

/** End of the trading day: DAY orders (resting and pending stops) expire. */
export interface EndOfDayCommand {
  readonly kind: 'endOfDay';
  readonly time: number;
  readonly symbol?: string;
}

export type EngineCommand = NewOrderCommand | CancelCommand | ReplaceCommand | MassCancelCommand | EndOfDayCommand;

/**
 * Where the engine reports what happened, in order, synchronously, while it handles a command.
 * Positional arguments keep the hot path free of allocation; EventRecorder turns them into objects.
 * A price of 0 with quantity 0 in `topOfBook` means that side is empty.
 */
export interface EngineSink {
  accepted(symbol: string, orderId: number, account: number, side: Side, type: OrderType, price: number, qty: number): void;
  rejected(symbol: string, orderId: number, account: number, command: CommandKind, code: RejectCode): void;
  fill(
    symbol: string,
    tradeId: number,
    price: number,
    qty: number,
    takerSide: Side,
    takerOrderId: number,
    takerAccount: number,
    takerLeaves: number,
    takerCum: number,
    makerOrderId: number,
    makerAccount: number,
    makerLeaves: number,
    makerCum: number,
  ): void;
  /** leavesQty > 0 means a partial cancel (self-trade decrement): the order lives on with that quantity. */
  cancelled(symbol: string, orderId: number, account: number, cancelledQty: number, leavesQty: number, reason: CancelReason): void;
  replaced(symbol: string, orderId: number, account: number, price: number, stopPrice: number, leavesQty: number, cumQty: number, keptPriority: boolean): void;
  triggered(symbol: string, orderId: number, account: number, stopPrice: number, lastPrice: number): void;
  expired(symbol: string, orderId: number, account: number, leavesQty: number): void;
  /** A price level's new visible total and order count (0 and 0: the level is gone). */
  bookLevel(symbol: string, side: Side, price: number, qty: number, orderCount: number): void;
  topOfBook(symbol: string, bidPrice: number, bidQty: number, askPrice: number, askQty: number): void;
}

/** A read-only view of one live order, for queries and snapshots. */
export interface OrderView {
  readonly orderId: number;
  readonly account: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly stp: StpMode;
  readonly postOnly: boolean;
  /** Limit price in ticks (0 for a pending stop-market). */
  readonly price: number;
  /** Trigger price of a pending stop; 0 once triggered or for non-stop orders. */
  readonly stopPrice: number;
  readonly leavesQty: number;
  /** Quantity currently shown in the book: leavesQty, the current tranche of an iceberg, 0 for a pending stop. */
  readonly visibleQty: number;
  /** Iceberg peak size; 0 when not an iceberg. */
  readonly displayQty: number;
  readonly cumQty: number;
  /** Time of the order's current queue priority (entry, trigger, refresh or priority-losing replace). */
  readonly time: number;
}

export interface LevelView {
  readonly price: number;
  readonly qty: number;
  readonly orderCount: number;
}
