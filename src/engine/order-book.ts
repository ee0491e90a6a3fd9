// One symbol's book behind one interface, so the fast book (book.ts) and the naive reference
// (book-naive.ts) are interchangeable and can be compared command by command.
//
// The engine (matching-engine.ts) validates every command against the instrument's rules and the
// book's state (through the queries below) before it calls a mutating method; a book's mutating
// methods may therefore assume valid input. Every mutating method ends by emitting topOfBook if
// the best bid or ask (price or visible quantity) changed during the call.
import type { LevelView, NewOrderCommand, OrderView, Side } from './types.js';
import type { EngineSink } from './types.js';

/** Engine-wide trade id source, shared by all books so trade ids are unique and sequential. */
export interface TradeIdSource {
  nextTradeId: number;
}

export interface BookSnapshot {
  readonly symbol: string;
  /** Last trade price in ticks, 0 before the first trade. */
  readonly lastPrice: number;
  /** Resting bids, best price first, queue order within a price. */
  readonly bids: readonly OrderView[];
  /** Resting asks, best price first, queue order within a price. */
  readonly asks: readonly OrderView[];
  /** Pending buy stops in trigger order (lowest stop price first, then entry order). */
  readonly buyStops: readonly OrderView[];
  /** Pending sell stops in trigger order (highest stop price first, then entry order). */
  readonly sellStops: readonly OrderView[];
}

export interface OrderBook {
  readonly symbol: string;

  // Queries (no events).
  lastPrice(): number;
  /** Best price on a side in ticks, 0 when the side is empty. */
  bestPrice(side: Side): number;
  /** Owner account of a live order (resting or pending stop), -1 when there is none. */
  ownerOf(orderId: number): number;
  order(orderId: number): OrderView | undefined;
  /** Up to `depth` price levels of a side, best first. */
  levels(side: Side, depth: number): LevelView[];
  /** Live orders: resting plus pending stops. */
  orderCount(): number;
  snapshot(): BookSnapshot;

  // Mutations (validated input; events to the sink).
  add(cmd: NewOrderCommand): void;
  cancel(orderId: number, time: number): void;
  /** qty: new total quantity (> cum); price: new limit price; stopPrice: new trigger (pending stops). */
  replace(orderId: number, qty: number, price: number, stopPrice: number, time: number): void;
  /** Cancels every live order of `account` (or every order when account is -1). */
  massCancel(account: number, time: number): void;
  /** Expires every live DAY order. */
  endOfDay(time: number): void;
  /** Replaces the whole state with a snapshot's (no events). */
  restore(snapshot: BookSnapshot): void;
}

export type BookFactory = (symbol: string, sink: EngineSink, tradeIds: TradeIdSource) => OrderBook;
