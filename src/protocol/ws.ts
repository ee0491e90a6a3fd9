// The WebSocket messages at /ws (docs/PROTOCOL.md). Every server frame is a JSON array of one or
// more messages; every message carries `seq`, consecutive per connection from 1, so a client that
// sees a gap knows it missed something and asks for a fresh snapshot (`resync`). Client messages
// are single JSON objects.
import { z } from 'zod';
import { epochMillis, executionInfo, instrumentInfo, marketStats, orderId, orderTypeName, priceLevel, sideName, symbolName, tradeInfo, unsignedDecimal } from './common.js';
import { marketInfo } from './market.js';

/** What a subscription delivers besides snapshots and instrument changes. */
export const CHANNELS = ['book', 'trades', 'executions', 'orders', 'stats', 'sessions', 'market'] as const;
export const channelName = z.enum(CHANNELS);
export type ChannelName = z.infer<typeof channelName>;

export const MAX_WS_DEPTH = 100_000;
const depthSetting = z.union([z.number().int().min(1).max(MAX_WS_DEPTH), z.literal('full')]);

// ---- client → server ---------------------------------------------------------------------------

/** Symbols, or ["*"] for every symbol (new listings included). */
const symbolSelection = z.array(z.union([symbolName, z.literal('*')])).min(1).max(1000);

export const subscribeMessage = z.strictObject({
  type: z.literal('subscribe'),
  /** Added to the subscription; default ["*"]. */
  symbols: symbolSelection.optional(),
  /** Replaces the channel set when given. */
  channels: z.array(channelName).max(CHANNELS.length).optional(),
  /** Book depth of snapshots and deltas: best N levels a side, or "full" (the default). */
  depth: depthSetting.optional(),
});

export const unsubscribeMessage = z.strictObject({
  type: z.literal('unsubscribe'),
  /** Removed from the subscription; ["*"] removes every symbol. */
  symbols: symbolSelection.optional(),
  /** Removed from the channel set. */
  channels: z.array(channelName).max(CHANNELS.length).optional(),
});

export const resyncMessage = z.strictObject({ type: z.literal('resync') });

export const pingMessage = z.strictObject({
  type: z.literal('ping'),
  /** Echoed in the pong. */
  id: z.union([z.string().max(64), z.number()]).optional(),
});

export const clientMessage = z.discriminatedUnion('type', [subscribeMessage, unsubscribeMessage, resyncMessage, pingMessage]);
export type ClientMessage = z.infer<typeof clientMessage>;
export type SubscribeMessage = z.infer<typeof subscribeMessage>;
export type UnsubscribeMessage = z.infer<typeof unsubscribeMessage>;

// ---- server → client ---------------------------------------------------------------------------

const seq = z.number().int().positive();

export const bookLevels = z.strictObject({
  symbol: symbolName,
  /** Bids, best (highest) first. */
  buy_orders: z.array(priceLevel),
  /** Asks, best (lowest) first. */
  sell_orders: z.array(priceLevel),
});
export type BookLevels = z.infer<typeof bookLevels>;

export const subscriptionInfo = z.strictObject({
  /** ["*"] or the symbols subscribed. */
  symbols: z.array(z.string()),
  channels: z.array(channelName),
  depth: depthSetting,
});
export type SubscriptionInfo = z.infer<typeof subscriptionInfo>;

export const snapshotMessage = z.strictObject({
  type: z.literal('snapshot'),
  seq,
  time: epochMillis,
  subscription: subscriptionInfo,
  /** One entry per subscribed symbol, levels cut to the subscription's depth. */
  books: z.array(bookLevels),
  /** Newest first, subscribed symbols only. */
  recent_executions: z.array(executionInfo),
  stats: marketStats,
  instruments: z.array(instrumentInfo),
  /** The reference market of the subscribed symbols: only with a reference feed and the `market` channel. */
  market: z.array(marketInfo).optional(),
});

export const newOrderMessage = z.strictObject({
  type: z.literal('new_order'),
  seq,
  time: epochMillis,
  symbol: symbolName,
  order_id: orderId,
  side: sideName,
  order_type: orderTypeName,
  /** Absent for market and stop orders. */
  price: unsignedDecimal.optional(),
  quantity: unsignedDecimal,
});

/** An order the matching engine refused (a request refused before the engine gets its answer on its own session only). */
export const orderRejectedMessage = z.strictObject({
  type: z.literal('order_rejected'),
  seq,
  time: epochMillis,
  symbol: symbolName,
  order_id: orderId,
  /** The stable reject code (docs/PROTOCOL.md, Errors). */
  reject_code: z.number().int(),
  reason: z.string(),
});

/** A FIX session logged on or off (channel `sessions`, whatever the symbols subscribed). */
export const sessionMessage = z.strictObject({
  type: z.literal('session'),
  seq,
  time: epochMillis,
  /** "FIX.4.4:CRUCIBLE->CLIENT1", as GET /api/fix/sessions names it. */
  session: z.string(),
  begin_string: z.string(),
  target_comp_id: z.string(),
  event: z.enum(['logon', 'logout']),
});

export const executionMessage = z.strictObject({ type: z.literal('execution'), seq, ...executionInfo.shape });

export const cancelReasonName = z.enum(['user', 'mass_cancel', 'immediate_or_cancel', 'fill_or_kill', 'market_remainder', 'self_trade', 'expired']);
export type CancelReasonName = z.infer<typeof cancelReasonName>;

export const cancelOrderMessage = z.strictObject({
  type: z.literal('cancel_order'),
  seq,
  time: epochMillis,
  symbol: symbolName,
  order_id: orderId,
  /** Quantity taken off the order. */
  cancelled_quantity: unsignedDecimal,
  /** Above "0" only when self-trade prevention shrank the order and it lives on. */
  leaves_quantity: unsignedDecimal,
  reason: cancelReasonName,
});

/** Changed levels since the previous `book` message of the symbol; absolute values, quantity "0" removes the level. */
export const bookMessage = z.strictObject({
  type: z.literal('book'),
  seq,
  /** When the oldest change in this message happened: receipt time minus this is how stale the conflated book was. */
  time: epochMillis,
  ...bookLevels.shape,
});

export const tradeMessage = z.strictObject({ type: z.literal('trade'), seq, ...tradeInfo.shape });

export const statsMessage = z.strictObject({ type: z.literal('stats'), seq, ...marketStats.shape });

/** The reference market of one symbol, at most once per symbol per book tick (channel `market`). */
export const marketMessage = z.strictObject({ type: z.literal('market'), seq, time: epochMillis, ...marketInfo.shape });

export const instrumentsMessage = z.strictObject({ type: z.literal('instruments'), seq, instruments: z.array(instrumentInfo) });

export const WS_ERROR_CODES = ['invalid_json', 'invalid_message', 'unknown_symbol'] as const;
export const errorMessage = z.strictObject({ type: z.literal('error'), seq, code: z.enum(WS_ERROR_CODES), message: z.string() });

export const pongMessage = z.strictObject({ type: z.literal('pong'), seq, time: epochMillis, id: z.union([z.string(), z.number()]).optional() });

export const serverMessage = z.discriminatedUnion('type', [
  snapshotMessage,
  newOrderMessage,
  executionMessage,
  cancelOrderMessage,
  orderRejectedMessage,
  sessionMessage,
  bookMessage,
  tradeMessage,
  statsMessage,
  instrumentsMessage,
  marketMessage,
  errorMessage,
  pongMessage,
]);
/** A frame: one or more messages in seq order. */
export const serverFrame = z.array(serverMessage).min(1);

export type ServerMessage = z.infer<typeof serverMessage>;
export type SnapshotMessage = z.infer<typeof snapshotMessage>;
export type NewOrderMessage = z.infer<typeof newOrderMessage>;
export type ExecutionMessage = z.infer<typeof executionMessage>;
export type CancelOrderMessage = z.infer<typeof cancelOrderMessage>;
export type OrderRejectedMessage = z.infer<typeof orderRejectedMessage>;
export type SessionMessage = z.infer<typeof sessionMessage>;
export type BookMessage = z.infer<typeof bookMessage>;
export type TradeMessage = z.infer<typeof tradeMessage>;
export type StatsMessage = z.infer<typeof statsMessage>;
export type InstrumentsMessage = z.infer<typeof instrumentsMessage>;
export type MarketMessage = z.infer<typeof marketMessage>;
export type ErrorMessage = z.infer<typeof errorMessage>;
export type PongMessage = z.infer<typeof pongMessage>;
export type WsErrorCode = ErrorMessage['code'];
/** A server message before the connection numbers it. */
export type UnnumberedMessage = ServerMessage extends infer M ? (M extends { seq: number } ? Omit<M, 'seq'> : never) : never;
