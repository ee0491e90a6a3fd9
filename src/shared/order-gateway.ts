// The in-process way to trade on the venue without FIX: the REST API and the strategies use it.
// Orders entered here pass the same sequencer, journal and engine as FIX orders and are
// acknowledged only once durable. Prices and quantities are exact decimal strings, as at every
// edge; rejects carry the stable codes of reject-codes.ts and a reason a user understands.
//
// This file holds the contract only: the venue implements it (venue/order-gateway.ts), the server
// and the strategy runtime consume it, and neither needs the venue's internals.

export type OrderSideName = 'buy' | 'sell';
export type OrderTypeName = 'limit' | 'market' | 'stop' | 'stop_limit';
export type TimeInForceName = 'gtc' | 'ioc' | 'fok' | 'day';
export type OrderStatusName = 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired';

export interface OrderEntryRequest {
  /** Owner account (orders of one account can self-trade-protect, and cancel only their own). */
  readonly account: string;
  readonly symbol: string;
  readonly side: OrderSideName;
  readonly type: OrderTypeName;
  /** Default gtc (ioc for market orders). */
  readonly timeInForce?: TimeInForceName;
  /** Decimal string on the tick grid; required for limit and stop_limit. */
  readonly price?: string;
  /** Decimal string on the tick grid; required for stop and stop_limit. */
  readonly stopPrice?: string;
  /** Decimal string on the lot grid. */
  readonly quantity: string;
  /** Iceberg: the quantity shown at a time. */
  readonly displayQuantity?: string;
  readonly postOnly?: boolean;
  /** The caller's id for the order, unique per account; the gateway makes one up when absent. */
  readonly clientOrderId?: string;
}

export interface OrderState {
  /** The venue's order id (OrderID on FIX), as a decimal string. */
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: OrderSideName;
  readonly type: OrderTypeName;
  readonly timeInForce: TimeInForceName;
  /** Limit price; absent for market and stop orders. */
  readonly price?: string;
  readonly stopPrice?: string;
  readonly quantity: string;
  readonly filledQuantity: string;
  readonly leavesQuantity: string;
  /** Average fill price; absent before the first fill. */
  readonly averagePrice?: string;
  readonly status: OrderStatusName;
  /** Set when status is rejected. */
  readonly rejectCode?: number;
  readonly rejectReason?: string;
  /** Epoch milliseconds of the command that last changed the order. */
  readonly updatedAt: number;
}

export type OrderEntryResult =
  | { readonly ok: true; readonly order: OrderState }
  /** Refused before an order existed (bad input, unknown symbol, halted, duplicate id, venue closing). */
  | { readonly ok: false; readonly code: number; readonly reason: string };

/** One change to an order, as its owner is told of it: the order after the change, and the fill if it was one. */
export interface OrderUpdate {
  readonly order: OrderState;
  /** What happened: the order was accepted, filled (partly or fully), replaced, cancelled, expired or rejected. */
  readonly kind: 'accepted' | 'fill' | 'replaced' | 'canceled' | 'expired' | 'rejected';
  /** Set when kind is fill. */
  readonly fill?: {
    readonly tradeId: string;
    readonly price: string;
    readonly quantity: string;
    /** Whether this order was resting (maker) or arriving (taker). */
    readonly liquidity: 'maker' | 'taker';
  };
  /** Epoch milliseconds of the venue command that caused it. */
  readonly time: number;
}

export interface OrderChange {
  /** New limit price (orders with one). */
  readonly price?: string;
  /** New total quantity, filled quantity included (as FIX OrderQty). */
  readonly quantity?: string;
}

export interface OrderGateway {
  /** Enters an order; resolves once the venue's answer is durable (a rejected order is `ok` with status rejected when the engine refused it). */
  submit(request: OrderEntryRequest): Promise<OrderEntryResult>;
  /** Cancels a live order; `account`, when given, must own it. */
  cancel(orderId: string, account?: string): Promise<OrderEntryResult>;
  /** Changes a live order's price and/or quantity (price-time priority is kept only for a smaller quantity at the same price). */
  replace(orderId: string, change: OrderChange, account?: string): Promise<OrderEntryResult>;
  /**
   * Tells `listener` every change to the orders of `account` entered through this gateway, in
   * order, once durable (as the answer to submit/cancel/replace is). Returns the unsubscribe.
   */
  onOrderUpdate(account: string, listener: (update: OrderUpdate) => void): () => void;
  /** An order the venue still remembers (live, or recently done). */
  order(orderId: string): OrderState | undefined;
  /** Live orders, of one account or of all. */
  openOrders(account?: string): OrderState[];
}
