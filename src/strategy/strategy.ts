// What a strategy is to the runtime, and what the runtime offers it. A strategy reacts to callbacks
// (reference market data, the venue's prints and top of book, changes to its own orders, its own
// timers) and acts through its context: place, replace, cancel, cancel all. Every action passes the
// instance's pre-trade risk first and then the venue's order gateway; prices and sizes are integer
// ticks and lots, converted to exact decimals only at the gateway. The same strategy runs live and
// in a backtest: only the feed and the clock behind the context differ.
import type { MarketRecord } from '../marketdata/records.js';
import type { TimerHandle } from '../shared/clock.js';
import type { OrderUpdate, TimeInForceName } from '../shared/order-gateway.js';
import type { InstrumentGrid } from './instrument-grid.js';
import type { Position } from './portfolio.js';
import type { ReferenceQuote } from './reference-quote.js';
import type { VenueBookView, VenueTopOfBook, VenueTrade } from './venue-market.js';

export type OrderSide = 'buy' | 'sell';

/** A limit order as a strategy asks for it. */
export interface OrderIntent {
  readonly side: OrderSide;
  readonly priceTicks: number;
  readonly qtyLots: number;
  /** Default gtc. */
  readonly timeInForce?: TimeInForceName;
  readonly postOnly?: boolean;
  /** The strategy's own label for the order (a quote slot such as "b0"); kept with the working order. */
  readonly tag?: string;
}

export interface OrderAmend {
  readonly priceTicks?: number;
  /** The open quantity wanted from now on (the venue's total is filled + this). */
  readonly leavesLots?: number;
}

export type WorkingStatus = 'pending_new' | 'working' | 'pending_replace' | 'pending_cancel';

/** An order of the strategy that is not done, as the runtime tracks it. */
export interface WorkingOrder {
  readonly clientOrderId: string;
  /** The venue's id, once known. */
  readonly orderId: string | undefined;
  readonly side: OrderSide;
  readonly priceTicks: number;
  /** Total quantity, filled included. */
  readonly qtyLots: number;
  readonly filledLots: number;
  readonly leavesLots: number;
  readonly status: WorkingStatus;
  readonly timeInForce: TimeInForceName;
  readonly tag: string | undefined;
}

export type ActionResult =
  | { readonly ok: true; readonly clientOrderId: string; readonly orderId: string }
  | {
      readonly ok: false;
      /** 2xxx from this instance's pre-trade risk, or the venue's code. */
      readonly code: number;
      readonly reason: string;
      readonly stage: 'risk' | 'venue';
      readonly clientOrderId?: string;
    };

export interface StrategyContext {
  /** The instance id ("mm-BTCUSDT"). */
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly grid: InstrumentGrid;
  now(): number;
  /** Timers on the runtime's clock; they do not fire while the strategy is stopped or killed, and end with it. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  setInterval(fn: () => void, periodMs: number): TimerHandle;
  /** The reference market's top of book for the symbol (check `valid` / `live`). */
  readonly reference: ReferenceQuote;
  /** The venue's own top of book for the symbol. */
  readonly venueBook: VenueBookView;
  readonly position: Position;
  workingOrders(): readonly WorkingOrder[];
  /** Lots that may still be added on a side before a position limit (working orders counted as filled). */
  headroom(side: OrderSide): number;
  /** Largest order at a price within the order size and notional limits. */
  maxOrderLots(priceTicks: number): number;
  place(order: OrderIntent): Promise<ActionResult>;
  replace(clientOrderId: string, amend: OrderAmend): Promise<ActionResult>;
  cancel(clientOrderId: string): Promise<ActionResult>;
  /** Cancels every working order (one not yet acknowledged is cancelled once it is). */
  cancelAll(): Promise<void>;
  log(line: string): void;
}

export type ParamsResult = { readonly ok: true; readonly params: Readonly<Record<string, unknown>> } | { readonly ok: false; readonly reason: string };

export interface Strategy {
  /** "mm", "taker"... */
  readonly kind: string;
  /** The parameters in force. */
  params(): Readonly<Record<string, unknown>>;
  /** Merges and validates a change; in force from the next decision (the next quote). Nothing changes when invalid. */
  updateParams(patch: unknown): ParamsResult;
  /** The strategy starts, or resumes after a kill switch reset. */
  onStart?(ctx: StrategyContext): void;
  onStop?(ctx: StrategyContext): void;
  /** A reference record of the strategy's symbol (or a feed status of the whole feed); `topChanged` when the reference bid or ask moved. */
  onReference?(record: MarketRecord, topChanged: boolean, ctx: StrategyContext): void;
  onVenueTrade?(trade: VenueTrade, ctx: StrategyContext): void;
  onVenueBook?(book: VenueTopOfBook, ctx: StrategyContext): void;
  /** A change to one of the account's orders, after the runtime has applied it (fills are in the position). */
  onOrderUpdate?(update: OrderUpdate, ctx: StrategyContext): void;
}
