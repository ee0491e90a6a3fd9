// An EngineSink that keeps every event as a plain object: for tests, tools and any consumer
// that prefers objects to positional callbacks.
import type { RejectCode } from '../shared/reject-codes.js';
import type { CancelReason, CommandKind, EngineSink, OrderType, Side } from './types.js';

export type EngineEvent =
  | { type: 'accepted'; symbol: string; orderId: number; account: number; side: Side; orderType: OrderType; price: number; qty: number }
  | { type: 'rejected'; symbol: string; orderId: number; account: number; command: CommandKind; code: RejectCode }
  | {
      type: 'fill';
      symbol: string;
      tradeId: number;
      price: number;
      qty: number;
      takerSide: Side;
      takerOrderId: number;
      takerAccount: number;
      takerLeaves: number;
      takerCum: number;
      makerOrderId: number;
      makerAccount: number;
      makerLeaves: number;
      makerCum: number;
    }
  | { type: 'cancelled'; symbol: string; orderId: number; account: number; cancelledQty: number; leavesQty: number; reason: CancelReason }
  | { type: 'replaced'; symbol: string; orderId: number; account: number; price: number; stopPrice: number; leavesQty: number; cumQty: number; keptPriority: boolean }
  | { type: 'triggered'; symbol: string; orderId: number; account: number; stopPrice: number; lastPrice: number }
  | { type: 'expired'; symbol: string; orderId: number; account: number; leavesQty: number }
  | { type: 'bookLevel'; symbol: string; side: Side; price: number; qty: number; orderCount: number }
  | { type: 'topOfBook'; symbol: string; bidPrice: number; bidQty: number; askPrice: number; askQty: number };

export class EventRecorder implements EngineSink {
  events: EngineEvent[] = [];

  /** Returns the events recorded so far and starts a new list. */
  take(): EngineEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  accepted(symbol: string, orderId: number, account: number, side: Side, orderType: OrderType, price: number, qty: number): void {
    this.events.push({ type: 'accepted', symbol, orderId, account, side, orderType, price, qty });
  }
  rejected(symbol: string, orderId: number, account: number, command: CommandKind, code: RejectCode): void {
    this.events.push({ type: 'rejected', symbol, orderId, account, command, code });
  }
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
  ): void {
    this.events.push({ type: 'fill', symbol, tradeId, price, qty, takerSide, takerOrderId, takerAccount, takerLeaves, takerCum, makerOrderId, makerAccount, makerLeaves, makerCum });
  }
  cancelled(symbol: string, orderId: number, account: number, cancelledQty: number, leavesQty: number, reason: CancelReason): void {
    this.events.push({ type: 'cancelled', symbol, orderId, account, cancelledQty, leavesQty, reason });
  }
  replaced(symbol: string, orderId: number, account: number, price: number, stopPrice: number, leavesQty: number, cumQty: number, keptPriority: boolean): void {
    this.events.push({ type: 'replaced', symbol, orderId, account, price, stopPrice, leavesQty, cumQty, keptPriority });
  }
  triggered(symbol: string, orderId: number, account: number, stopPrice: number, lastPrice: number): void {
    this.events.push({ type: 'triggered', symbol, orderId, account, stopPrice, lastPrice });
  }
  expired(symbol: string, orderId: number, account: number, leavesQty: number): void {
    this.events.push({ type: 'expired', symbol, orderId, account, leavesQty });
  }
  bookLevel(symbol: string, side: Side, price: number, qty: number, orderCount: number): void {
    this.events.push({ type: 'bookLevel', symbol, side, price, qty, orderCount });
  }
  topOfBook(symbol: string, bidPrice: number, bidQty: number, askPrice: number, askQty: number): void {
    this.events.push({ type: 'topOfBook', symbol, bidPrice, bidQty, askPrice, askQty });
  }
}

/** A sink that drops everything (benchmarks, replays that only want the final state). */
export class NullSink implements EngineSink {
  accepted(): void {}
  rejected(): void {}
  fill(): void {}
  cancelled(): void {}
  replaced(): void {}
  triggered(): void {}
  expired(): void {}
  bookLevel(): void {}
  topOfBook(): void {}
}
