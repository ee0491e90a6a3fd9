// The fast path of parsing: a scanner for the three messages that make up nearly all of the
// traffic (depthUpdate, trade, bookTicker) in the compact form Binance sends, building the record
// straight from the text with no intermediate JSON objects. It accepts a strict subset of JSON (no
// whitespace, no escapes, integers only, no repeated keys) and checks exactly what the JSON.parse
// path checks, so whatever it accepts, parseCombinedObject(JSON.parse(text)) would turn into the same
// record. Anything else, well formed or not, gets `undefined`: the caller then takes the JSON.parse
// path, which either accepts it or says precisely what is wrong.
//
// Strings in the records are slices of the frame's text: cheap, at the price of keeping the text
// alive while a record (or a book level) refers to it.
import type { BookChangeRecord, MarketRecord, PriceLevel, TickerRecord, TradeRecord } from '../records.js';
import { EXCHANGE } from './messages.js';
import { parseStreamName } from './streams.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;

const ENVELOPE_HEAD = '{"stream":"';
const DATA_KEY = ',"data":';
const MAX_DECIMAL_LENGTH = 40;
const MAX_SYMBOL_LENGTH = 32;

const KEY_OTHER = -1;
const KEY_BAD = -2;

const isUpdateId = (n: number): boolean => n >= 0;
const isTime = (n: number): boolean => n > 0;
const isSymbol = (s: string): boolean => s.length > 0 && s.length <= MAX_SYMBOL_LENGTH;

interface KnownStream {
  readonly name: string;
  readonly channel: string;
  readonly symbol: string;
}

/**
 * One message at a time, synchronously: a single scanner is reused, its fields the cursor and the
 * last value read (no allocation per value beyond the strings themselves).
 */
class Scanner {
  src = '';
  pos = 0;
  /** Set by decimal(): 0 not a plain unsigned decimal, 1 zero, 2 positive. */
  decimalKind = 0;
  /** Set by string() and decimal(). */
  str = '';
  /** Set by integer(). */
  int = 0;
  /** Stream names seen lately, matched in place so the name is not cut out of every message. */
  private readonly streams: KnownStream[] = [];

  message(text: string, localTime: number): MarketRecord | undefined {
    if (!text.startsWith(ENVELOPE_HEAD)) return undefined;
    this.src = text;
    this.pos = ENVELOPE_HEAD.length;
    const stream = this.stream();
    if (stream === undefined) return undefined;
    if (!text.startsWith(DATA_KEY, this.pos)) return undefined;
    this.pos += DATA_KEY.length;
    let record: MarketRecord | undefined;
    switch (stream.channel) {
      case 'depth':
        record = this.depthUpdate(stream.symbol, localTime);
        break;
      case 'trade':
        record = this.trade(stream.symbol, localTime);
        break;
      case 'bookTicker':
        record = this.bookTicker(stream.symbol, localTime);
        break;
      default:
        return undefined;
    }
    // The envelope must close right after "data", and nothing may follow.
    if (record === undefined || this.pos !== text.length - 1 || text.charCodeAt(this.pos) !== RBRACE) return undefined;
    return record;
  }

  /** The stream name after `{"stream":"`, through its closing quote. */
  private stream(): KnownStream | undefined {
    const src = this.src;
    const pos = this.pos;
    for (const k of this.streams) {
      if (src.charCodeAt(pos + k.name.length) === QUOTE && src.startsWith(k.name, pos)) {
        this.pos = pos + k.name.length + 1;
        return k;
      }
    }
    if (!this.string()) return undefined;
    const info = parseStreamName(this.str);
    if (info === undefined) return undefined;
    const known = { name: this.str, channel: info.channel, symbol: info.symbol };
    if (this.streams.length < 16) this.streams.push(known);
    return known;
  }

  /**
   * A key and its colon. Binance's keys are one character: returned as its char code with no string
   * made; longer keys (read and checked all the same) come back as KEY_OTHER.
   */
  private key(): number {
    const src = this.src;
    const pos = this.pos;
    if (src.charCodeAt(pos) !== QUOTE) return KEY_BAD;
    if (src.charCodeAt(pos + 2) === QUOTE && src.charCodeAt(pos + 3) === COLON) {
      const c = src.charCodeAt(pos + 1);
      if (c === BACKSLASH || c < 0x20) return KEY_BAD;
      this.pos = pos + 4;
      return c;
    }
    this.pos = pos + 1;
    if (!this.string() || src.charCodeAt(this.pos) !== COLON) return KEY_BAD;
    this.pos++;
    return KEY_OTHER;
  }

  /** After the opening quote: reads to the closing quote; false on an escape or a control character. */
  private string(): boolean {
    const src = this.src;
    const start = this.pos;
    const n = src.length;
    for (let i = start; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === QUOTE) {
        this.str = src.slice(start, i);
        this.pos = i + 1;
        return true;
      }
      if (c === BACKSLASH || c < 0x20) return false;
    }
    return false;
  }

  /** A quoted string value equal to `expected` (the symbol from the stream name) or any other. */
  private symbolValue(expected: string): boolean {
    const src = this.src;
    const pos = this.pos;
    if (src.charCodeAt(pos) !== QUOTE) return false;
    if (src.charCodeAt(pos + 1 + expected.length) === QUOTE && src.startsWith(expected, pos + 1)) {
      this.str = expected;
      this.pos = pos + expected.length + 2;
      return true;
    }
    this.pos = pos + 1;
    return this.string();
  }

  /** A quoted plain unsigned decimal; false when the value is not a string of digits and one dot. */
  private decimal(): boolean {
    const src = this.src;
    if (src.charCodeAt(this.pos) !== QUOTE) return false;
    const start = this.pos + 1;
    let dot = -1;
    let nonZero = false;
    const limit = Math.min(src.length, start + MAX_DECIMAL_LENGTH + 1);
    for (let i = start; i < limit; i++) {
      const c = src.charCodeAt(i);
      if (c > ZERO && c <= NINE) nonZero = true;
      else if (c === DOT) {
        if (dot !== -1 || i === start) return false;
        dot = i;
      } else if (c === QUOTE) {
        if (i === start || dot === i - 1) return false;
        this.str = src.slice(start, i);
        this.decimalKind = nonZero ? 2 : 1;
        this.pos = i + 1;
        return true;
      } else if (c !== ZERO) return false;
    }
    return false;
  }

  /** A JSON integer of at most 15 digits (exact in a double); false for anything else. */
  private integer(): boolean {
    const src = this.src;
    let i = this.pos;
    let negative = false;
    if (src.charCodeAt(i) === MINUS) {
      negative = true;
      i++;
    }
    const first = i;
    let value = 0;
    for (; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
    }
    const digits = i - first;
    if (digits === 0 || digits > 15) return false;
    // JSON has no leading zeros; fractions and exponents are left to JSON.parse.
    if (digits > 1 && src.charCodeAt(first) === ZERO) return false;
    const next = src.charCodeAt(i);
    if (next === DOT || next === 0x65 || next === 0x45) return false;
    this.int = negative ? -value : value;
    this.pos = i;
    return true;
  }

  /** 1 true, 0 false, -1 not a boolean. */
  private boolean(): number {
    if (this.src.startsWith('true', this.pos)) {
      this.pos += 4;
      return 1;
    }
    if (this.src.startsWith('false', this.pos)) {
      this.pos += 5;
      return 0;
    }
    return -1;
  }

  /** Skips a value of a key this scanner does not read: only strings, integers, booleans and null. */
  private skipSimpleValue(): boolean {
    const c = this.src.charCodeAt(this.pos);
    if (c === QUOTE) {
      this.pos++;
      return this.string();
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.integer();
    if (this.src.startsWith('null', this.pos)) {
      this.pos += 4;
      return true;
    }
    return this.boolean() !== -1;
  }

  /**
   * `[["p","q"],...]`: prices positive, quantities any decimal (zero deletes). The hottest loop of the
   * feed (a depth message carries dozens of levels), so decimal() is written out here on locals.
   */
  private levels(): PriceLevel[] | undefined {
    const src = this.src;
    const n = src.length;
    let i = this.pos;
    if (src.charCodeAt(i) !== LBRACKET) return undefined;
    i++;
    const levels: PriceLevel[] = [];
    if (src.charCodeAt(i) === RBRACKET) {
      this.pos = i + 1;
      return levels;
    }
    for (;;) {
      // ["
      if (src.charCodeAt(i) !== LBRACKET || src.charCodeAt(i + 1) !== QUOTE) return undefined;
      i += 2;
      // price: digits with one inner dot, not zero
      let start = i;
      let dot = -1;
      let nonZero = false;
      let limit = Math.min(n, start + MAX_DECIMAL_LENGTH + 1);
      for (; i < limit; i++) {
        const c = src.charCodeAt(i);
        if (c > ZERO && c <= NINE) nonZero = true;
        else if (c === DOT) {
          if (dot !== -1) return undefined;
          dot = i;
        } else if (c !== ZERO) break;
      }
      if (i === limit || src.charCodeAt(i) !== QUOTE || i === start || dot === start || dot === i - 1 || !nonZero) return undefined;
      const price = src.slice(start, i);
      // ","
      if (src.charCodeAt(i + 1) !== COMMA || src.charCodeAt(i + 2) !== QUOTE) return undefined;
      i += 3;
      // quantity: digits with one inner dot, zero allowed
      start = i;
      dot = -1;
      limit = Math.min(n, start + MAX_DECIMAL_LENGTH + 1);
      for (; i < limit; i++) {
        const c = src.charCodeAt(i);
        if (c === DOT) {
          if (dot !== -1) return undefined;
          dot = i;
        } else if (c < ZERO || c > NINE) break;
      }
      if (i === limit || src.charCodeAt(i) !== QUOTE || i === start || dot === start || dot === i - 1) return undefined;
      levels.push([price, src.slice(start, i)]);
      // "] then , or ]
      if (src.charCodeAt(i + 1) !== RBRACKET) return undefined;
      const c = src.charCodeAt(i + 2);
      i += 3;
      if (c === RBRACKET) {
        this.pos = i;
        return levels;
      }
      if (c !== COMMA) return undefined;
    }
  }

  /** After a value: 1 past the '}' that ends the object, 0 past a ',', -1 anything else. */
  private next(): number {
    const c = this.src.charCodeAt(this.pos++);
    return c === RBRACE ? 1 : c === COMMA ? 0 : -1;
  }

  private depthUpdate(streamSymbol: string, localTime: number): BookChangeRecord | undefined {
    if (this.src.charCodeAt(this.pos++) !== LBRACE) return undefined;
    let seen = 0;
    let isDepthUpdate = false;
    let symbol = '';
    let eventTime = 0;
    let first = 0;
    let last = 0;
    let bids: PriceLevel[] | undefined;
    let asks: PriceLevel[] | undefined;
    for (;;) {
      let bit: number;
      switch (this.key()) {
        case 0x65: // e
          bit = 1;
          if (this.src.charCodeAt(this.pos++) !== QUOTE || !this.string()) return undefined;
          isDepthUpdate = this.str === 'depthUpdate';
          break;
        case 0x45: // E
          bit = 2;
          if (!this.integer()) return undefined;
          eventTime = this.int;
          break;
        case 0x73: // s
          bit = 4;
          if (!this.symbolValue(streamSymbol)) return undefined;
          symbol = this.str;
          break;
        case 0x55: // U
          bit = 8;
          if (!this.integer()) return undefined;
          first = this.int;
          break;
        case 0x75: // u
          bit = 16;
          if (!this.integer()) return undefined;
          last = this.int;
          break;
        case 0x62: // b
          bit = 32;
          bids = this.levels();
          if (bids === undefined) return undefined;
          break;
        case 0x61: // a
          bit = 64;
          asks = this.levels();
          if (asks === undefined) return undefined;
          break;
        case KEY_BAD:
          return undefined;
        default:
          bit = 0;
          if (!this.skipSimpleValue()) return undefined;
      }
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      const end = this.next();
      if (end === -1) return undefined;
      if (end === 1) break;
    }
    if (seen !== 127 || !isDepthUpdate || !isSymbol(symbol) || !isTime(eventTime) || !isUpdateId(first) || !isUpdateId(last) || first > last) return undefined;
    return { type: 'book_change', exchange: EXCHANGE, symbol, bids: bids as PriceLevel[], asks: asks as PriceLevel[], firstUpdateId: first, lastUpdateId: last, exchangeTime: eventTime, localTime };
  }

  private trade(streamSymbol: string, localTime: number): TradeRecord | undefined {
    if (this.src.charCodeAt(this.pos++) !== LBRACE) return undefined;
    let seen = 0;
    let isTrade = false;
    let symbol = '';
    let tradeId = 0;
    let price = '';
    let quantity = '';
    let tradeTime = 0;
    let buyerIsMaker = -1;
    for (;;) {
      let bit: number;
      switch (this.key()) {
        case 0x65: // e
          bit = 1;
          if (this.src.charCodeAt(this.pos++) !== QUOTE || !this.string()) return undefined;
          isTrade = this.str === 'trade';
          break;
        case 0x73: // s
          bit = 2;
          if (!this.symbolValue(streamSymbol)) return undefined;
          symbol = this.str;
          break;
        case 0x74: // t
          bit = 4;
          if (!this.integer()) return undefined;
          tradeId = this.int;
          break;
        case 0x70: // p
          bit = 8;
          if (!this.decimal() || this.decimalKind !== 2) return undefined;
          price = this.str;
          break;
        case 0x71: // q
          bit = 16;
          if (!this.decimal() || this.decimalKind !== 2) return undefined;
          quantity = this.str;
          break;
        case 0x54: // T
          bit = 32;
          if (!this.integer()) return undefined;
          tradeTime = this.int;
          break;
        case 0x6d: // m
          bit = 64;
          buyerIsMaker = this.boolean();
          if (buyerIsMaker === -1) return undefined;
          break;
        case KEY_BAD:
          return undefined;
        default:
          bit = 0;
          if (!this.skipSimpleValue()) return undefined;
      }
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      const end = this.next();
      if (end === -1) return undefined;
      if (end === 1) break;
    }
    if (seen !== 127 || !isTrade || !isSymbol(symbol) || !isUpdateId(tradeId) || !isTime(tradeTime)) return undefined;
    return { type: 'trade', exchange: EXCHANGE, symbol, tradeId: String(tradeId), price, quantity, side: buyerIsMaker === 1 ? 'sell' : 'buy', exchangeTime: tradeTime, localTime };
  }

  private bookTicker(streamSymbol: string, localTime: number): TickerRecord | undefined {
    if (this.src.charCodeAt(this.pos++) !== LBRACE) return undefined;
    let seen = 0;
    let updateId = 0;
    let symbol = '';
    let bid = '';
    let bidQty = '';
    let ask = '';
    let askQty = '';
    for (;;) {
      let bit: number;
      switch (this.key()) {
        case 0x75: // u
          bit = 1;
          if (!this.integer()) return undefined;
          updateId = this.int;
          break;
        case 0x73: // s
          bit = 2;
          if (!this.symbolValue(streamSymbol)) return undefined;
          symbol = this.str;
          break;
        case 0x62: // b
          bit = 4;
          if (!this.decimal()) return undefined;
          bid = this.str;
          break;
        case 0x42: // B
          bit = 8;
          if (!this.decimal()) return undefined;
          bidQty = this.str;
          break;
        case 0x61: // a
          bit = 16;
          if (!this.decimal()) return undefined;
          ask = this.str;
          break;
        case 0x41: // A
          bit = 32;
          if (!this.decimal()) return undefined;
          askQty = this.str;
          break;
        case KEY_BAD:
          return undefined;
        default:
          bit = 0;
          if (!this.skipSimpleValue()) return undefined;
      }
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      const end = this.next();
      if (end === -1) return undefined;
      if (end === 1) break;
    }
    if (seen !== 63 || !isSymbol(symbol) || !isUpdateId(updateId)) return undefined;
    return { type: 'ticker', exchange: EXCHANGE, symbol, bestBidPrice: bid, bestBidQuantity: bidQty, bestAskPrice: ask, bestAskQuantity: askQty, updateId, localTime };
  }
}

const scanner = new Scanner();

/** A record for the common messages in their compact form; undefined: use the JSON.parse path. */
export function scanCombinedMessage(text: string, localTime: number): MarketRecord | undefined {
  const record = scanner.message(text, localTime);
  // Do not keep the last frame alive through the scanner.
  scanner.src = '';
  scanner.str = '';
  return record;
}
