// Pure functions from Binance's raw JSON to normalized records. Nothing here keeps state or does
// I/O, so each function is tested on captured lines. Bad input is returned as a BinanceParseError
// (never thrown): one malformed message must not take the feed down.
import type { BookChangeRecord, BookSnapshotRecord, MarketRecord, PriceLevel, TickerRecord, TradeRecord } from '../records.js';
import { EXCHANGE, type BinanceMethodErrorResponse, type BinanceMethodResponse } from './messages.js';
import { scanCombinedMessage } from './scan.js';
import { parseStreamName } from './streams.js';

export { EXCHANGE };

export type BinanceParseErrorCode = 'invalid_json' | 'not_an_object' | 'unknown_stream' | 'invalid_field';

export class BinanceParseError extends Error {
  readonly type = 'parse_error';
  constructor(
    readonly code: BinanceParseErrorCode,
    readonly reason: string,
    /** The start of the offending input, for logs. */
    readonly excerpt: string,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'BinanceParseError';
  }
}

/** A reply to SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS. */
export interface MethodReply {
  readonly type: 'method_reply';
  readonly id: number | null;
  readonly result: null | readonly string[];
  /** Present when Binance refused the request. */
  readonly error?: { readonly code: number; readonly msg: string };
}

export type BinanceParsed = MarketRecord | MethodReply | BinanceParseError;

const excerptOf = (x: unknown): string => {
  let s: string;
  try {
    s = typeof x === 'string' ? x : JSON.stringify(x);
  } catch {
    s = String(x);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

/**
 * One combined-stream message (text of one WebSocket frame) → a record, a method reply, or an error.
 * The common messages take the scanner (scan.ts); the rest, and anything it is unsure of, JSON.parse.
 */
export function parseCombinedMessage(text: string, localTime: number): BinanceParsed {
  const fast = scanCombinedMessage(text, localTime);
  if (fast !== undefined) return fast;
  return parseCombinedMessageSlow(text, localTime);
}

/** parseCombinedMessage through JSON.parse only: the reference the scanner must agree with. */
export function parseCombinedMessageSlow(text: string, localTime: number): BinanceParsed {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (e) {
    return new BinanceParseError('invalid_json', (e as Error).message, excerptOf(text));
  }
  return parseCombinedObject(msg, localTime);
}

/** As parseCombinedMessage, on an already decoded JSON value. */
export function parseCombinedObject(msg: unknown, localTime: number): BinanceParsed {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return new BinanceParseError('not_an_object', 'a message must be a JSON object', excerptOf(msg));
  const m = msg as Record<string, unknown>;
  const stream = m.stream;
  if (typeof stream !== 'string') {
    if ('id' in m && ('result' in m || 'error' in m)) return methodReply(m);
    return new BinanceParseError('not_an_object', 'not a combined-stream message (no "stream")', excerptOf(msg));
  }
  const info = parseStreamName(stream);
  if (info === undefined) return new BinanceParseError('unknown_stream', `stream ${stream} is not one this feed reads`, excerptOf(msg));
  const data = m.data;
  if (typeof data !== 'object' || data === null) return new BinanceParseError('invalid_field', '"data" must be an object', excerptOf(msg));
  switch (info.channel) {
    case 'depth':
      return parseDepthUpdate(data, localTime);
    case 'trade':
      return parseTrade(data, localTime);
    case 'bookTicker':
      return parseBookTicker(data, localTime);
    case 'ticker':
      return parseTicker24h(data, localTime);
    case 'partialDepth':
      return parseDepthSnapshot(data, info.symbol, localTime, info.levels);
  }
}

function methodReply(m: Record<string, unknown>): MethodReply | BinanceParseError {
  const id = m.id;
  if (id !== null && !isInteger(id)) return new BinanceParseError('invalid_field', 'reply "id" must be an integer or null', excerptOf(m));
  if ('error' in m) {
    const err = (m as unknown as BinanceMethodErrorResponse).error;
    if (typeof err !== 'object' || err === null || !isInteger(err.code) || typeof err.msg !== 'string') return new BinanceParseError('invalid_field', 'reply "error" must carry code and msg', excerptOf(m));
    return { type: 'method_reply', id: id as number | null, result: null, error: { code: err.code, msg: err.msg } };
  }
  const result = (m as unknown as BinanceMethodResponse).result;
  if (result !== null && !(Array.isArray(result) && result.every((s) => typeof s === 'string'))) return new BinanceParseError('invalid_field', 'reply "result" must be null or a list of streams', excerptOf(m));
  return { type: 'method_reply', id: id as number | null, result };
}

/** `depthUpdate` → book_change. */
export function parseDepthUpdate(data: object, localTime: number): BookChangeRecord | BinanceParseError {
  const d = data as Record<string, unknown>;
  const bad = (why: string): BinanceParseError => new BinanceParseError('invalid_field', `depthUpdate: ${why}`, excerptOf(data));
  if (d.e !== 'depthUpdate') return bad('"e" must be "depthUpdate"');
  if (!isSymbol(d.s)) return bad('"s" must be a symbol');
  if (!isTime(d.E)) return bad('"E" must be a time in ms');
  if (!isUpdateId(d.U) || !isUpdateId(d.u) || d.U > d.u) return bad('"U" and "u" must be update ids with U <= u');
  if (!isLevels(d.b, true)) return bad('"b" must be [price, quantity] decimal pairs');
  if (!isLevels(d.a, true)) return bad('"a" must be [price, quantity] decimal pairs');
  return { type: 'book_change', exchange: EXCHANGE, symbol: d.s, bids: d.b, asks: d.a, firstUpdateId: d.U, lastUpdateId: d.u, exchangeTime: d.E, localTime };
}

/**
 * A REST depth snapshot (GET /api/v3/depth) or a partial-depth stream message → book_snapshot.
 * Neither names its symbol, so the caller says which; `depth` is the number of levels asked for.
 */
export function parseDepthSnapshot(data: unknown, symbol: string, localTime: number, depth?: number): BookSnapshotRecord | BinanceParseError {
  const bad = (why: string): BinanceParseError => new BinanceParseError('invalid_field', `depth snapshot: ${why}`, excerptOf(data));
  if (typeof data !== 'object' || data === null) return bad('must be an object');
  const d = data as Record<string, unknown>;
  if (!isUpdateId(d.lastUpdateId)) return bad('"lastUpdateId" must be an update id');
  if (!isLevels(d.bids, false)) return bad('"bids" must be [price, quantity] decimal pairs with positive quantities');
  if (!isLevels(d.asks, false)) return bad('"asks" must be [price, quantity] decimal pairs with positive quantities');
  return {
    type: 'book_snapshot',
    exchange: EXCHANGE,
    symbol,
    bids: d.bids,
    asks: d.asks,
    lastUpdateId: d.lastUpdateId,
    ...(depth !== undefined ? { depth } : {}),
    localTime,
  };
}

/** `trade` → trade. Binance's `m` says the buyer was the maker, so the taker sold. */
export function parseTrade(data: object, localTime: number): TradeRecord | BinanceParseError {
  const d = data as Record<string, unknown>;
  const bad = (why: string): BinanceParseError => new BinanceParseError('invalid_field', `trade: ${why}`, excerptOf(data));
  if (d.e !== 'trade') return bad('"e" must be "trade"');
  if (!isSymbol(d.s)) return bad('"s" must be a symbol');
  if (!isUpdateId(d.t)) return bad('"t" must be a trade id');
  if (!isPositiveDecimal(d.p)) return bad('"p" must be a positive decimal');
  if (!isPositiveDecimal(d.q)) return bad('"q" must be a positive decimal');
  if (!isTime(d.T)) return bad('"T" must be a time in ms');
  if (typeof d.m !== 'boolean') return bad('"m" must be a boolean');
  return { type: 'trade', exchange: EXCHANGE, symbol: d.s, tradeId: String(d.t), price: d.p, quantity: d.q, side: d.m ? 'sell' : 'buy', exchangeTime: d.T, localTime };
}

/** `bookTicker` → ticker (top of book only). */
export function parseBookTicker(data: object, localTime: number): TickerRecord | BinanceParseError {
  const d = data as Record<string, unknown>;
  const bad = (why: string): BinanceParseError => new BinanceParseError('invalid_field', `bookTicker: ${why}`, excerptOf(data));
  if (!isSymbol(d.s)) return bad('"s" must be a symbol');
  if (!isUpdateId(d.u)) return bad('"u" must be an update id');
  if (!isDecimal(d.b) || !isDecimal(d.B) || !isDecimal(d.a) || !isDecimal(d.A)) return bad('"b", "B", "a", "A" must be decimals');
  return { type: 'ticker', exchange: EXCHANGE, symbol: d.s, bestBidPrice: d.b, bestBidQuantity: d.B, bestAskPrice: d.a, bestAskQuantity: d.A, updateId: d.u, localTime };
}

/** `24hrTicker` → ticker with last price and 24 h statistics. */
export function parseTicker24h(data: object, localTime: number): TickerRecord | BinanceParseError {
  const d = data as Record<string, unknown>;
  const bad = (why: string): BinanceParseError => new BinanceParseError('invalid_field', `24hrTicker: ${why}`, excerptOf(data));
  if (d.e !== '24hrTicker') return bad('"e" must be "24hrTicker"');
  if (!isSymbol(d.s)) return bad('"s" must be a symbol');
  if (!isTime(d.E)) return bad('"E" must be a time in ms');
  for (const k of ['b', 'B', 'a', 'A', 'c', 'Q', 'o', 'h', 'l', 'v', 'q'] as const) {
    if (!isDecimal(d[k])) return bad(`"${k}" must be a decimal`);
  }
  const s = (k: string): string => d[k] as string;
  return {
    type: 'ticker',
    exchange: EXCHANGE,
    symbol: d.s,
    bestBidPrice: s('b'),
    bestBidQuantity: s('B'),
    bestAskPrice: s('a'),
    bestAskQuantity: s('A'),
    lastPrice: s('c'),
    lastQuantity: s('Q'),
    open24h: s('o'),
    high24h: s('h'),
    low24h: s('l'),
    volume24h: s('v'),
    quoteVolume24h: s('q'),
    exchangeTime: d.E,
    localTime,
  };
}

// ---- checks: hand-written because they run on every message (a schema library costs several times more)

const isInteger = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isUpdateId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
const isSymbol = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 32;

/** A plain unsigned decimal: digits, optionally one '.' with digits on both sides. */
export function isDecimal(x: unknown): x is string {
  return typeof x === 'string' && decimalKind(x) !== 0;
}

/** A plain unsigned decimal that is not zero. */
export function isPositiveDecimal(x: unknown): x is string {
  return typeof x === 'string' && decimalKind(x) === 2;
}

/** 0: not a plain unsigned decimal; 1: zero; 2: positive. */
function decimalKind(s: string): number {
  const n = s.length;
  if (n === 0 || n > 40) return 0;
  let dot = -1;
  let nonZero = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x31 && c <= 0x39) nonZero = true;
    else if (c === 0x2e) {
      if (dot !== -1 || i === 0 || i === n - 1) return 0;
      dot = i;
    } else if (c !== 0x30) return 0;
  }
  return nonZero ? 2 : 1;
}

/** Levels as [price, quantity] pairs; quantity may be zero in diffs (a delete), never in snapshots. */
function isLevels(x: unknown, zeroAllowed: boolean): x is PriceLevel[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const level = x[i];
    if (!Array.isArray(level) || level.length !== 2) return false;
    const price = level[0];
    const qty = level[1];
    if (typeof price !== 'string' || decimalKind(price) !== 2) return false;
    if (typeof qty !== 'string') return false;
    const k = decimalKind(qty);
    if (k === 0 || (k === 1 && !zeroAllowed)) return false;
  }
  return true;
}
