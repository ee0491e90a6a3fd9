// The REST API's requests and responses (docs/PROTOCOL.md). The server validates every request
// against these schemas before anything reaches the venue, and every response before it is sent.
// Bodies are strict (an unknown field is an error: a typo must not be ignored silently); query
// strings ignore parameters they do not name, as caches and browsers add their own.
import { z } from 'zod';
import {
  accountName,
  assetClassName,
  epochMillis,
  executionInfo,
  instrumentInfo,
  marketStats,
  orderId,
  orderStatusName,
  orderTypeName,
  priceLevel,
  sideName,
  symbolName,
  timeInForceName,
  tradeInfo,
  unsignedDecimal,
} from './common.js';

/** Every error: a stable code, a message a user can act on; `reject_code` when the venue refused (shared/reject-codes.ts). */
export const apiError = z.strictObject({
  code: z.enum([
    'invalid_json',
    'invalid_request',
    'unsupported_media_type',
    'payload_too_large',
    'unauthorized',
    'not_found',
    'unknown_symbol',
    'unknown_order',
    'rejected',
    'unavailable',
    'internal',
  ]),
  message: z.string(),
  reject_code: z.number().int().optional(),
});
export type ApiError = z.infer<typeof apiError>;
export type ApiErrorCode = ApiError['code'];

// ---- market data -------------------------------------------------------------------------------

export const instrumentsResponse = z.strictObject({ instruments: z.array(instrumentInfo) });
export type InstrumentsResponse = z.infer<typeof instrumentsResponse>;

export const symbolParams = z.object({ symbol: symbolName });

/** Whole number query parameters arrive as text. */
const countParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

export const MAX_BOOK_DEPTH = 100_000;
export const bookQuery = z.object({ depth: countParam(MAX_BOOK_DEPTH).optional() });

export const bookResponse = z.strictObject({
  symbol: symbolName,
  time: epochMillis,
  /** Best (highest) bid first. */
  bids: z.array(priceLevel),
  /** Best (lowest) ask first. */
  asks: z.array(priceLevel),
});
export type BookResponse = z.infer<typeof bookResponse>;

export const MAX_TRADES = 500;
export const tradesQuery = z.object({ limit: countParam(MAX_TRADES).optional() });
export const tradesResponse = z.strictObject({ symbol: symbolName, trades: z.array(tradeInfo) });
export type TradesResponse = z.infer<typeof tradesResponse>;

export const MAX_EXECUTIONS = 200;
export const executionsQuery = z.object({ limit: countParam(MAX_EXECUTIONS).optional() });
export const executionsResponse = z.strictObject({ executions: z.array(executionInfo) });
export type ExecutionsResponse = z.infer<typeof executionsResponse>;

export const statsResponse = marketStats;
export type StatsResponse = z.infer<typeof statsResponse>;

// ---- orders ------------------------------------------------------------------------------------

/** An order as the venue knows it. */
export const orderInfo = z.strictObject({
  order_id: orderId,
  client_order_id: z.string(),
  account: z.string(),
  symbol: symbolName,
  side: sideName,
  type: orderTypeName,
  time_in_force: timeInForceName,
  /** Limit price; absent for market and stop orders. */
  price: unsignedDecimal.optional(),
  stop_price: unsignedDecimal.optional(),
  quantity: unsignedDecimal,
  filled_quantity: unsignedDecimal,
  leaves_quantity: unsignedDecimal,
  /** Absent before the first fill. */
  average_price: unsignedDecimal.optional(),
  status: orderStatusName,
  reject_code: z.number().int().optional(),
  reject_reason: z.string().optional(),
  updated_at: epochMillis,
});
export type OrderInfo = z.infer<typeof orderInfo>;

export const orderParams = z.object({ id: orderId });
export const ordersQuery = z.object({ account: accountName.optional() });
export const cancelQuery = z.object({ account: accountName.optional() });
export const orderResponse = z.strictObject({ order: orderInfo });
export type OrderResponse = z.infer<typeof orderResponse>;
export const ordersResponse = z.strictObject({ orders: z.array(orderInfo) });
export type OrdersResponse = z.infer<typeof ordersResponse>;

export const newOrderRequest = z
  .strictObject({
    account: accountName,
    symbol: symbolName,
    side: sideName,
    type: orderTypeName,
    /** Default gtc (ioc for market orders). */
    time_in_force: timeInForceName.optional(),
    /** Required for limit and stop_limit; on the tick grid. */
    price: unsignedDecimal.optional(),
    /** Required for stop and stop_limit. */
    stop_price: unsignedDecimal.optional(),
    /** On the lot grid. */
    quantity: unsignedDecimal,
    /** Iceberg: the quantity shown at a time (limit orders). */
    display_quantity: unsignedDecimal.optional(),
    post_only: z.boolean().optional(),
    /** Unique per account; the venue makes one up when absent. */
    client_order_id: z
      .string()
      .regex(/^[\x20-\x7e]{1,64}$/, '1 to 64 printable ASCII characters')
      .optional(),
  })
  .superRefine((o, ctx) => {
    const needsPrice = o.type === 'limit' || o.type === 'stop_limit';
    const needsStop = o.type === 'stop' || o.type === 'stop_limit';
    if (needsPrice && o.price === undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: `a ${o.type} order needs a price` });
    if (!needsPrice && o.price !== undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: `a ${o.type} order takes no price` });
    if (needsStop && o.stop_price === undefined) ctx.addIssue({ code: 'custom', path: ['stop_price'], message: `a ${o.type} order needs a stop_price` });
    if (!needsStop && o.stop_price !== undefined) ctx.addIssue({ code: 'custom', path: ['stop_price'], message: `a ${o.type} order takes no stop_price` });
  });
export type NewOrderRequest = z.infer<typeof newOrderRequest>;

// ---- admin -------------------------------------------------------------------------------------

export const listInstrumentRequest = z.strictObject({
  symbol: symbolName,
  asset_class: assetClassName.optional(),
  tick_size: unsignedDecimal,
  lot_size: unsignedDecimal,
  min_quantity: unsignedDecimal.optional(),
  max_quantity: unsignedDecimal.optional(),
  min_price: unsignedDecimal.optional(),
  max_price: unsignedDecimal.optional(),
  band_bps: z.number().int().min(0).max(1_000_000).optional(),
  reference_price: unsignedDecimal.optional(),
});
export type ListInstrumentRequest = z.infer<typeof listInstrumentRequest>;

export const instrumentResponse = z.strictObject({ instrument: instrumentInfo });
export type InstrumentResponse = z.infer<typeof instrumentResponse>;

// ---- operations --------------------------------------------------------------------------------

export const healthResponse = z.strictObject({
  /** ok: serving; failed: the journal or a store failed, nothing more is acknowledged; stopping: shutting down. */
  status: z.enum(['ok', 'failed', 'stopping']),
  version: z.string(),
  uptime_seconds: z.number().nonnegative(),
  journal: z.strictObject({
    /** Last command sequenced. */
    last_seq: z.number().int().nonnegative(),
    /** Last command on disk (acknowledged). */
    durable_seq: z.number().int().nonnegative(),
  }),
  fix: z.strictObject({ sessions_logged_on: z.number().int().nonnegative() }),
  ws_clients: z.number().int().nonnegative(),
  /** The reference market-data feed: none (not configured), or its state (GET /api/market has the detail). */
  feed: z.enum(['none', 'connecting', 'live', 'resyncing', 'stale', 'down']),
  /** Why the venue failed (status failed). */
  error: z.string().optional(),
});
export type HealthResponse = z.infer<typeof healthResponse>;
