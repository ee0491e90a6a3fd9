// The normalized market-data records every source yields (live Binance, replay, synthetic), as an
// AsyncIterable<MarketRecord>. Small, readonly and tagged by `type`, so a consumer switches on the tag
// and never needs to know which source it reads. Prices and quantities stay exact decimal strings as
// the exchange sent them; whoever needs arithmetic converts them to ticks and lots (shared/decimal.ts).
// docs/MARKETDATA.md is the field sheet: what each field means, which time is which.

/** A price level: [price, quantity], both exact decimal strings. */
export type PriceLevel = readonly [price: string, quantity: string];

/** The side of the aggressor (the taker) of a trade. */
export type TakerSide = 'buy' | 'sell';

/** A single trade, as printed by the exchange. */
export interface TradeRecord {
  readonly type: 'trade';
  /** Source venue, lower case ('binance', 'synthetic'). */
  readonly exchange: string;
  /** Symbol as the exchange spells it, upper case ('BTCUSDT'). */
  readonly symbol: string;
  /** Exchange trade id, as a string so every venue's ids fit. */
  readonly tradeId: string;
  readonly price: string;
  /** Base-asset quantity. */
  readonly quantity: string;
  /** The taker's side: 'buy' when a buyer lifted an offer, 'sell' when a seller hit a bid. */
  readonly side: TakerSide;
  /** When the trade happened at the exchange, ms since the epoch. */
  readonly exchangeTime: number;
  /** When this process received it, ms since the epoch (may carry a fraction of a millisecond). */
  readonly localTime: number;
}

/** A whole book (or its top `depth` levels): replaces whatever the consumer held for the symbol. */
export interface BookSnapshotRecord {
  readonly type: 'book_snapshot';
  readonly exchange: string;
  readonly symbol: string;
  /** Best (highest) bid first; every quantity positive. */
  readonly bids: readonly PriceLevel[];
  /** Best (lowest) ask first; every quantity positive. */
  readonly asks: readonly PriceLevel[];
  /** The exchange's book sequence at this snapshot (Binance lastUpdateId). */
  readonly lastUpdateId: number;
  /** Number of levels per side the source promised (partial depth 5/10/20, REST limit); absent when it is the whole book. */
  readonly depth?: number;
  /** Exchange time of the snapshot when the source gives one (Binance REST depth does not). */
  readonly exchangeTime?: number;
  readonly localTime: number;
}

/** Changed levels of a book; each quantity is the new absolute size at that price, "0" removes the level. */
export interface BookChangeRecord {
  readonly type: 'book_change';
  readonly exchange: string;
  readonly symbol: string;
  /** Changed bid levels, in the order the exchange sent them (not necessarily sorted). */
  readonly bids: readonly PriceLevel[];
  /** Changed ask levels, in the order the exchange sent them. */
  readonly asks: readonly PriceLevel[];
  /** First book update id covered by this change (Binance U). */
  readonly firstUpdateId: number;
  /** Last book update id covered by this change (Binance u); the next change starts at lastUpdateId + 1. */
  readonly lastUpdateId: number;
  readonly exchangeTime: number;
  readonly localTime: number;
}

/** Top of book, plus last price and 24 h statistics when the source has them. */
export interface TickerRecord {
  readonly type: 'ticker';
  readonly exchange: string;
  readonly symbol: string;
  readonly bestBidPrice: string;
  readonly bestBidQuantity: string;
  readonly bestAskPrice: string;
  readonly bestAskQuantity: string;
  readonly lastPrice?: string;
  readonly lastQuantity?: string;
  /** Rolling 24 h window. */
  readonly open24h?: string;
  readonly high24h?: string;
  readonly low24h?: string;
  /** Base-asset volume over the rolling 24 h window. */
  readonly volume24h?: string;
  /** Quote-asset volume over the rolling 24 h window. */
  readonly quoteVolume24h?: string;
  /** Book update id this top of book reflects (Binance bookTicker u), when given. */
  readonly updateId?: number;
  /** Exchange time when the source gives one (Binance bookTicker does not; ticker does). */
  readonly exchangeTime?: number;
  readonly localTime: number;
}

/**
 * connecting: opening the connection or waiting for the first data; live: data flowing and the
 * book in sequence; resyncing: a gap or reconnect, the book is being rebuilt (do not trust it);
 * stale: connected but nothing has arrived for too long; down: no connection, or the circuit is open.
 */
export type FeedState = 'connecting' | 'live' | 'resyncing' | 'stale' | 'down';

/** Stable reason codes for a feed_status record. */
export type FeedStatusReason =
  | 'connect'
  | 'connected'
  | 'snapshot_applied'
  | 'sequence_gap'
  | 'snapshot_failed'
  | 'stale_data'
  | 'data_resumed'
  | 'connection_closed'
  | 'connection_error'
  | 'ping_timeout'
  | 'rotation'
  | 'subscribed'
  | 'unsubscribed'
  | 'circuit_open'
  | 'circuit_closed'
  | 'source_ended'
  | 'stopped'
  /** The live source failed or went bad: the fallback (replay or synthetic) took over. */
  | 'failover'
  /** The live source is healthy again and took back over from the fallback. */
  | 'failback';

export interface FeedStatusRecord {
  readonly type: 'feed_status';
  readonly exchange: string;
  /** Absent when the status covers every symbol of the feed (the connection itself). */
  readonly symbol?: string;
  readonly state: FeedState;
  readonly reason: FeedStatusReason;
  /** Free text for people (the error message, the gap's update ids). */
  readonly detail?: string;
  readonly localTime: number;
}

export type MarketRecord = TradeRecord | BookSnapshotRecord | BookChangeRecord | TickerRecord | FeedStatusRecord;
export type MarketRecordType = MarketRecord['type'];

/** Every source (live, replay, synthetic) is one of these. */
export type MarketFeed = AsyncIterable<MarketRecord>;

export const MARKET_RECORD_TYPES: readonly MarketRecordType[] = ['trade', 'book_snapshot', 'book_change', 'ticker', 'feed_status'];
export const FEED_STATES: readonly FeedState[] = ['connecting', 'live', 'resyncing', 'stale', 'down'];
