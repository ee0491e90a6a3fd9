// The reference market: an outside market (Binance live, a replayed capture, the synthetic
// generator) shown beside the venue's own books, so a user sees where the venue stands against the
// market it follows (GET /api/market, GET /api/market/:symbol, WebSocket channel `market`).
// Prices and quantities are the exchange's exact decimal strings; latencies are milliseconds.
import { z } from 'zod';
import { epochMillis, sideName, symbolName, unsignedDecimal } from './common.js';

/**
 * connecting: opening or waiting for data; live: data flowing, book in sequence; resyncing: the book
 * is being rebuilt (do not trust it); stale: nothing arrived for too long; down: no data (failed,
 * ended, circuit open).
 */
export const FEED_STATE_NAMES = ['connecting', 'live', 'resyncing', 'stale', 'down'] as const;
export const feedStateName = z.enum(FEED_STATE_NAMES);
export type FeedStateName = z.infer<typeof feedStateName>;

/** Where the reference market comes from: "binance", "replay", "synthetic". */
export const feedSourceName = z
  .string()
  .regex(/^[a-z0-9_+-]{1,32}$/, '1 to 32 lower-case letters, digits or _ + -')
  .meta({ description: 'reference feed source', examples: ['binance'] });

/** A stable reason code for the last state change (docs/MARKETDATA.md lists the feed's own). */
const feedReason = z
  .string()
  .regex(/^[a-z_]{1,40}$/)
  .meta({ description: 'why the feed is in its state', examples: ['snapshot_applied'] });

/** One outside price level: [price, quantity]. */
export const externalLevel = z
  .tuple([unsignedDecimal, unsignedDecimal])
  .meta({ description: '[price, quantity]', examples: [['61737.63', '0.52300000']] });
export type ExternalLevel = z.infer<typeof externalLevel>;

/** A trade printed by the outside market. */
export const externalTrade = z.strictObject({
  /** The exchange's trade id. */
  trade_id: z.string().min(1).max(64),
  price: unsignedDecimal,
  quantity: unsignedDecimal,
  /** The aggressor's side. */
  taker_side: sideName,
  /** When the exchange printed it. */
  time: epochMillis,
});
export type ExternalTrade = z.infer<typeof externalTrade>;

/** The outside market's top of book and, when the source sends them, its rolling 24 h figures. */
export const externalTicker = z.strictObject({
  best_bid: unsignedDecimal,
  best_bid_quantity: unsignedDecimal,
  best_ask: unsignedDecimal,
  best_ask_quantity: unsignedDecimal,
  last_price: unsignedDecimal.optional(),
  last_quantity: unsignedDecimal.optional(),
  open_24h: unsignedDecimal.optional(),
  high_24h: unsignedDecimal.optional(),
  low_24h: unsignedDecimal.optional(),
  /** Base-asset volume over the 24 h window. */
  volume_24h: unsignedDecimal.optional(),
  quote_volume_24h: unsignedDecimal.optional(),
  /** Exchange time of the latest ticker (its receive time when the exchange gives none). */
  time: epochMillis,
});
export type ExternalTicker = z.infer<typeof externalTicker>;

/**
 * Receive time minus exchange time, ms: the wire's delay plus the two clocks' offset, so it can be
 * negative. p50 and p99 over the most recent samples.
 */
export const feedLatency = z.strictObject({
  last_ms: z.number(),
  p50_ms: z.number(),
  p99_ms: z.number(),
  samples: z.number().int().nonnegative(),
});
export type FeedLatency = z.infer<typeof feedLatency>;

const stateFields = {
  state: feedStateName,
  reason: feedReason,
  /** Free text for people: the error, the gap's update ids. */
  detail: z.string().max(500).optional(),
};

/** One symbol of the reference market as the WebSocket carries it (snapshot `market` and `market` messages). */
export const marketInfo = z.strictObject({
  symbol: symbolName,
  /** The exchange the data is from ("binance", "synthetic"); a replay says the exchange it recorded. */
  exchange: z.string().max(32),
  source: feedSourceName,
  ...stateFields,
  /** Best 10 bids, best (highest) first. */
  bids: z.array(externalLevel),
  /** Best 10 asks, best (lowest) first. */
  asks: z.array(externalLevel),
  last_price: unsignedDecimal.optional(),
  last_quantity: unsignedDecimal.optional(),
  last_side: sideName.optional(),
  ticker: externalTicker.optional(),
  latency: feedLatency.optional(),
  /** Newest first: in a snapshot the latest ones, in a `market` message those since the symbol's previous one. */
  trades: z.array(externalTrade),
  /** When the last record of the symbol arrived (the server's clock). */
  updated_at: epochMillis.optional(),
});
export type MarketInfo = z.infer<typeof marketInfo>;

// ---- REST --------------------------------------------------------------------------------------

/** A symbol in GET /api/market. */
export const marketSymbolSummary = z.strictObject({
  symbol: symbolName,
  exchange: z.string().max(32),
  ...stateFields,
  best_bid: unsignedDecimal.optional(),
  best_ask: unsignedDecimal.optional(),
  last_price: unsignedDecimal.optional(),
  latency: feedLatency.optional(),
  updated_at: epochMillis.optional(),
});
export type MarketSymbolSummary = z.infer<typeof marketSymbolSummary>;

export const marketResponse = z.strictObject({
  /** "none" when the venue runs without a reference feed. */
  source: z.union([feedSourceName, z.literal('none')]),
  /** The feed as a whole: live only when the feed and every symbol are. */
  state: z.union([feedStateName, z.literal('none')]),
  reason: feedReason.optional(),
  detail: z.string().max(500).optional(),
  started_at: epochMillis.optional(),
  /** Records taken in since the start. */
  records: z.number().int().nonnegative(),
  /** Over the last few seconds. */
  records_per_second: z.number().nonnegative(),
  symbols: z.array(marketSymbolSummary),
});
export type MarketResponse = z.infer<typeof marketResponse>;

export const MAX_MARKET_DEPTH = 100;
export const DEFAULT_MARKET_DEPTH = 10;
export const marketQuery = z.object({
  /** Levels a side, 1 to 100 (default 10). */
  depth: z
    .string()
    .regex(/^\d{1,7}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_MARKET_DEPTH))
    .optional(),
});

const count = z.number().int().nonnegative();

export const marketSymbolResponse = z.strictObject({
  symbol: symbolName,
  exchange: z.string().max(32),
  source: feedSourceName,
  ...stateFields,
  /** When the symbol entered its state (the server's clock). */
  state_since: epochMillis,
  time: epochMillis,
  /** The exchange's book update id the levels reflect. */
  update_id: count,
  /** Levels the local book holds on each side (the response shows the best `depth`). */
  bid_levels: count,
  ask_levels: count,
  bids: z.array(externalLevel),
  asks: z.array(externalLevel),
  last_price: unsignedDecimal.optional(),
  last_quantity: unsignedDecimal.optional(),
  last_side: sideName.optional(),
  ticker: externalTicker.optional(),
  /** The latest trades, newest first (up to 50). */
  trades: z.array(externalTrade),
  latency: feedLatency.optional(),
  /** Records of the symbol by type since the start. */
  records: z.strictObject({ trade: count, book_snapshot: count, book_change: count, ticker: count, feed_status: count }),
  /** What the quality monitor counted: issues, and whether its circuit breaker is open. */
  quality: z.strictObject({
    circuit: z.enum(['closed', 'open', 'half_open']),
    gaps: count,
    resyncs: count,
    crossed: count,
    locked: count,
    outliers: count,
    stale: count,
    invalid_book: count,
  }),
  updated_at: epochMillis.optional(),
});
export type MarketSymbolResponse = z.infer<typeof marketSymbolResponse>;
