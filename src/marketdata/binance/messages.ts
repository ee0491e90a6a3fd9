// Binance spot market-data messages exactly as they arrive, before normalization. Field names are
// Binance's one-letter keys; docs/MARKETDATA.md maps each to its normalized record field.
// Reference: Binance spot "WebSocket Streams" and "GET /api/v3/depth".

/** The `exchange` of every record this adapter makes. */
export const EXCHANGE = 'binance';

/** [price, quantity] as decimal strings. */
export type BinanceLevel = [string, string];

/** Every message on `/stream?streams=...` is wrapped like this. */
export interface BinanceCombinedMessage<T = unknown> {
  /** Stream name, lower-case symbol first: "btcusdt@depth@100ms". */
  stream: string;
  data: T;
}

/** `<symbol>@depth` / `<symbol>@depth@100ms`: the levels changed over update ids U..u. */
export interface BinanceDepthUpdate {
  e: 'depthUpdate';
  /** Event time, ms. */
  E: number;
  s: string;
  /** First update id in this event. */
  U: number;
  /** Last update id in this event. */
  u: number;
  /** Bids to update: absolute quantity, "0" removes the level. */
  b: BinanceLevel[];
  a: BinanceLevel[];
}

/** `<symbol>@depth<5|10|20>[@100ms]`: the top levels, replacing the previous message. No symbol, no time. */
export interface BinancePartialDepth {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** `<symbol>@trade`. */
export interface BinanceTrade {
  e: 'trade';
  E: number;
  s: string;
  /** Trade id. */
  t: number;
  p: string;
  q: string;
  /** Trade time, ms. */
  T: number;
  /** Is the buyer the maker? true: the taker sold. */
  m: boolean;
  /** Ignore (always true on spot). */
  M: boolean;
}

/** `<symbol>@bookTicker`: best bid and ask, pushed on every change. Spot sends no event time. */
export interface BinanceBookTicker {
  /** Order book update id. */
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/** `<symbol>@ticker`: rolling 24 h statistics, once a second. */
export interface BinanceTicker24h {
  e: '24hrTicker';
  E: number;
  s: string;
  /** Price change, percent change, weighted average price, first trade before the window. */
  p: string;
  P: string;
  w: string;
  x: string;
  /** Last price and quantity. */
  c: string;
  Q: string;
  b: string;
  B: string;
  a: string;
  A: string;
  /** Open, high, low over the window. */
  o: string;
  h: string;
  l: string;
  /** Base and quote volume over the window. */
  v: string;
  q: string;
  /** Window open and close time, first and last trade id, trade count. */
  O: number;
  C: number;
  F: number;
  L: number;
  n: number;
}

/** GET /api/v3/depth?symbol=X&limit=N. */
export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** Outbound live-subscription request; at most 5 such messages per second per connection. */
export interface BinanceMethodRequest {
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'LIST_SUBSCRIPTIONS';
  params?: string[];
  id: number;
}

/** Answer to a request: `result` is null for SUBSCRIBE/UNSUBSCRIBE, the stream list for LIST_SUBSCRIPTIONS. */
export interface BinanceMethodResponse {
  result: null | string[];
  id: number;
}

export interface BinanceMethodErrorResponse {
  error: { code: number; msg: string };
  id: number | null;
}

/** The channel part of a stream name: "depth@100ms", "depth5@100ms", "trade", "bookTicker", "ticker". */
export type BinanceChannel = 'depth' | 'partialDepth' | 'trade' | 'bookTicker' | 'ticker';
