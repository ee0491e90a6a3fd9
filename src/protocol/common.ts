// Building blocks shared by the REST and WebSocket messages. Prices and quantities travel as exact
// decimal strings ("101.25"), never as JSON numbers, so no client rounds them through a float;
// counts, ratios and times are numbers. Field names are snake_case on the wire.
import { z } from 'zod';
import type { OrderSideName, OrderStatusName, OrderTypeName, TimeInForceName } from '../shared/order-gateway.js';

/** A plain decimal: optional minus, digits, optional fraction; no exponent, no separators. */
export const decimalString = z
  .string()
  .max(64)
  .regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "101.25"')
  .meta({ description: 'exact decimal as a string', examples: ['101.25'] });

/** A decimal that is not negative (prices, quantities, sizes). */
export const unsignedDecimal = z
  .string()
  .max(64)
  .regex(/^\d+(\.\d+)?$/, 'a non-negative decimal string such as "101.25"')
  .meta({ description: 'exact non-negative decimal as a string', examples: ['100'] });

export const symbolName = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,32}$/, '1 to 32 letters, digits or . _ : / -')
  .meta({ description: 'instrument symbol', examples: ['AAPL'] });

/** The venue's order id (FIX OrderID): a positive whole number, as a string. */
export const orderId = z
  .string()
  .regex(/^[1-9]\d{0,14}$/, 'a positive whole number as a string')
  .meta({ description: "the venue's order id", examples: ['42'] });

export const tradeId = z.string().regex(/^\d{1,16}$/).meta({ description: 'trade id', examples: ['7'] });

export const accountName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits or . _ -')
  .meta({ description: 'owner account', examples: ['desk-1'] });

export const sideName = z.enum(['buy', 'sell'] as const satisfies readonly OrderSideName[]);
export const orderTypeName = z.enum(['limit', 'market', 'stop', 'stop_limit'] as const satisfies readonly OrderTypeName[]);
export const timeInForceName = z.enum(['gtc', 'ioc', 'fok', 'day'] as const satisfies readonly TimeInForceName[]);
export const orderStatusName = z.enum(['new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired'] as const satisfies readonly OrderStatusName[]);
export const assetClassName = z.enum(['equity', 'crypto', 'other']);

/** Epoch milliseconds. */
export const epochMillis = z.number().int().nonnegative().meta({ description: 'epoch milliseconds' });

/** One price level: [price, visible quantity, number of orders]. A quantity of "0" (0 orders) is a removed level. */
export const priceLevel = z
  .tuple([unsignedDecimal, unsignedDecimal, z.number().int().nonnegative()])
  .meta({ description: '[price, quantity, orders]', examples: [['101.25', '300', 2]] });

export type PriceLevel = z.infer<typeof priceLevel>;
export type SideName = z.infer<typeof sideName>;

/** An instrument as the API shows it. */
export const instrumentInfo = z.strictObject({
  symbol: symbolName,
  asset_class: assetClassName,
  tick_size: unsignedDecimal,
  lot_size: unsignedDecimal,
  min_quantity: unsignedDecimal.optional(),
  max_quantity: unsignedDecimal.optional(),
  min_price: unsignedDecimal.optional(),
  max_price: unsignedDecimal.optional(),
  /** Collar around the last trade price, basis points. */
  band_bps: z.number().int().nonnegative().optional(),
  /** Where quoting starts before the first trade. */
  reference_price: unsignedDecimal.optional(),
  /** Last trade price; absent before the first trade. */
  last_price: unsignedDecimal.optional(),
  halted: z.boolean(),
});
export type InstrumentInfo = z.infer<typeof instrumentInfo>;

/** One fill, with both order ids (the venue's own view). */
export const executionInfo = z.strictObject({
  trade_id: tradeId,
  symbol: symbolName,
  price: unsignedDecimal,
  quantity: unsignedDecimal,
  /** The side of the incoming (aggressing) order. */
  taker_side: sideName,
  buy_order_id: orderId,
  sell_order_id: orderId,
  time: epochMillis,
});
export type ExecutionInfo = z.infer<typeof executionInfo>;

/** A public trade print: no order ids. */
export const tradeInfo = z.strictObject({
  trade_id: tradeId,
  symbol: symbolName,
  price: unsignedDecimal,
  quantity: unsignedDecimal,
  taker_side: sideName,
  time: epochMillis,
});
export type TradeInfo = z.infer<typeof tradeInfo>;

/** Activity counters since the server started (per symbol, or summed over all). */
export const activityStats = z.strictObject({
  trades: z.number().int().nonnegative(),
  /** Traded quantity. */
  volume: unsignedDecimal,
  /** Sum of price × quantity over trades. */
  notional: unsignedDecimal,
  /** notional / volume; absent before the first trade (per symbol only). */
  vwap: unsignedDecimal.optional(),
  /** Trades by the side of the taker. */
  buy_trades: z.number().int().nonnegative(),
  sell_trades: z.number().int().nonnegative(),
  /** Orders accepted, and by the order's side. */
  orders: z.number().int().nonnegative(),
  buy_orders: z.number().int().nonnegative(),
  sell_orders: z.number().int().nonnegative(),
  /** Orders (or remainders) cancelled: by the owner, IOC/FOK/market remainders, self-trade prevention. */
  cancels: z.number().int().nonnegative(),
  /** DAY orders expired at the end of the day. */
  expired: z.number().int().nonnegative(),
  /** Requests the matching engine rejected. */
  rejects: z.number().int().nonnegative(),
  /** Orders that traded at least once. */
  traded_orders: z.number().int().nonnegative(),
  /** traded_orders / orders (0 before the first order). */
  match_rate: z.number().nonnegative(),
});
export type ActivityStats = z.infer<typeof activityStats>;

export const symbolStats = z.strictObject({
  symbol: symbolName,
  ...activityStats.shape,
  last_price: unsignedDecimal.optional(),
  /** Highest and lowest trade price since the server started. */
  high: unsignedDecimal.optional(),
  low: unsignedDecimal.optional(),
  halted: z.boolean(),
});
export type SymbolStats = z.infer<typeof symbolStats>;

export const marketStats = z.strictObject({
  time: epochMillis,
  uptime_seconds: z.number().nonnegative(),
  total: activityStats,
  symbols: z.array(symbolStats),
});
export type MarketStats = z.infer<typeof marketStats>;
