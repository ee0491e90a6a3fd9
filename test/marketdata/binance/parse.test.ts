import { describe, expect, it } from 'vitest';
import { BinanceParseError, isDecimal, isPositiveDecimal, parseCombinedMessage, parseDepthSnapshot } from '../../../src/marketdata/binance/parse.js';
import type { MarketRecord } from '../../../src/marketdata/records.js';
import { CAPTURE_DAYS, CAPTURE_SYMBOLS, loadCapture, requireCaptures } from '../../support/fake-binance.js';

const haveCaptures = requireCaptures('parse tests on captured lines');

function ok(text: string, localTime = 1): MarketRecord {
  const r = parseCombinedMessage(text, localTime);
  if (r instanceof BinanceParseError || r.type === 'method_reply') throw new Error(`expected a record, got ${JSON.stringify(r)}`);
  return r;
}

function sameJson(a: unknown, b: unknown): boolean {
  const sorted = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([p], [q]) => (p < q ? -1 : 1))) : v));
  return sorted(a) === sorted(b);
}

function fails(text: string): BinanceParseError {
  let r: ReturnType<typeof parseCombinedMessage> | undefined;
  expect(() => (r = parseCombinedMessage(text, 1))).not.toThrow();
  expect(r).toBeInstanceOf(BinanceParseError);
  return r as BinanceParseError;
}

describe('parse: captured lines', () => {
  it.skipIf(!haveCaptures)('turns every captured message of both symbols and both days into the record its raw JSON says', () => {
    const counts: Record<string, number> = {};
    for (const symbol of CAPTURE_SYMBOLS) {
      for (const day of CAPTURE_DAYS) {
        for (const line of loadCapture(symbol, [day])) {
          const raw = JSON.parse(line.json);
          if (line.kind === 'snapshot') {
            const snap = parseDepthSnapshot(raw, symbol.toUpperCase(), line.localMs, 1000);
            if (snap instanceof BinanceParseError) throw snap;
            expect(snap).toMatchObject({ type: 'book_snapshot', symbol: symbol.toUpperCase(), lastUpdateId: raw.lastUpdateId, depth: 1000, localTime: line.localMs });
            expect(snap.bids).toEqual(raw.bids);
            expect(snap.asks).toEqual(raw.asks);
            expect(snap.exchangeTime).toBeUndefined();
            counts.snapshot = (counts.snapshot ?? 0) + 1;
            continue;
          }
          const r = ok(line.json, line.localMs);
          const d = raw.data;
          counts[r.type] = (counts[r.type] ?? 0) + 1;
          let expected: unknown;
          if (line.kind === 'depth') {
            expected = { type: 'book_change', exchange: 'binance', symbol: d.s, bids: d.b, asks: d.a, firstUpdateId: d.U, lastUpdateId: d.u, exchangeTime: d.E, localTime: line.localMs };
          } else if (line.kind === 'trade') {
            expected = { type: 'trade', exchange: 'binance', symbol: d.s, tradeId: String(d.t), price: d.p, quantity: d.q, side: d.m ? 'sell' : 'buy', exchangeTime: d.T, localTime: line.localMs };
          } else {
            expected = { type: 'ticker', exchange: 'binance', symbol: d.s, bestBidPrice: d.b, bestBidQuantity: d.B, bestAskPrice: d.a, bestAskQuantity: d.A, updateId: d.u, localTime: line.localMs };
          }
          // toEqual on 180k records is slow; it only runs to show the difference.
          if (!sameJson(r, expected)) expect(r).toEqual(expected);
        }
      }
    }
    // The README's figures: ~100k BTC and ~80k ETH messages, one snapshot per symbol.
    expect(counts.snapshot).toBe(2);
    expect(counts.book_change).toBe(6495 + 6470);
    expect(counts.trade).toBe(19904 + 14515);
    expect(counts.ticker).toBe(73174 + 58758);
  });

  it.skipIf(!haveCaptures)('reads taker side from "m": buyer is maker means the taker sold', () => {
    const trades = loadCapture('btcusdt', ['20240808']).filter((l) => l.kind === 'trade');
    const sells = trades.find((l) => l.json.includes('"m":true')) as { json: string };
    const buys = trades.find((l) => l.json.includes('"m":false')) as { json: string };
    expect(ok(sells.json)).toMatchObject({ type: 'trade', side: 'sell' });
    expect(ok(buys.json)).toMatchObject({ type: 'trade', side: 'buy' });
  });
});

describe('parse: streams and replies', () => {
  it('reads a partial-depth message as a top-N snapshot named by its stream', () => {
    const r = ok('{"stream":"ethusdt@depth5@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}}', 7);
    expect(r).toEqual({ type: 'book_snapshot', exchange: 'binance', symbol: 'ETHUSDT', bids: [['0.0024', '10']], asks: [['0.0026', '100']], lastUpdateId: 160, depth: 5, localTime: 7 });
  });

  it('reads the 24 h ticker with last price and window statistics', () => {
    const text = JSON.stringify({
      stream: 'bnbbtc@ticker',
      data: { e: '24hrTicker', E: 1672515782136, s: 'BNBBTC', p: '0.0015', P: '250.00', w: '0.0018', x: '0.0009', c: '0.0025', Q: '10', b: '0.0024', B: '10', a: '0.0026', A: '100', o: '0.0010', h: '0.0025', l: '0.0010', v: '10000', q: '18', O: 0, C: 86400000, F: 0, L: 18150, n: 18151 },
    });
    expect(ok(text, 9)).toEqual({
      type: 'ticker', exchange: 'binance', symbol: 'BNBBTC', bestBidPrice: '0.0024', bestBidQuantity: '10', bestAskPrice: '0.0026', bestAskQuantity: '100',
      lastPrice: '0.0025', lastQuantity: '10', open24h: '0.0010', high24h: '0.0025', low24h: '0.0010', volume24h: '10000', quoteVolume24h: '18', exchangeTime: 1672515782136, localTime: 9,
    });
  });

  it('reads SUBSCRIBE replies and refusals', () => {
    expect(parseCombinedMessage('{"result":null,"id":3}', 1)).toEqual({ type: 'method_reply', id: 3, result: null });
    expect(parseCombinedMessage('{"result":["btcusdt@trade"],"id":4}', 1)).toEqual({ type: 'method_reply', id: 4, result: ['btcusdt@trade'] });
    expect(parseCombinedMessage('{"error":{"code":2,"msg":"Invalid request"},"id":5}', 1)).toEqual({ type: 'method_reply', id: 5, result: null, error: { code: 2, msg: 'Invalid request' } });
  });
});

describe('parse: bad input is returned as a typed error, never thrown', () => {
  const trade = (patch: Record<string, unknown>): string =>
    JSON.stringify({ stream: 'btcusdt@trade', data: { e: 'trade', E: 1, s: 'BTCUSDT', t: 1, p: '1.5', q: '2', T: 1, m: true, M: true, ...patch } });
  const depth = (patch: Record<string, unknown>): string =>
    JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 5, u: 6, b: [], a: [], ...patch } });

  it.each([
    ['truncated JSON', '{"stream":"btcusdt@trade","data":{"e":"tr', 'invalid_json'],
    ['empty frame', '', 'invalid_json'],
    ['a JSON array', '[1,2]', 'not_an_object'],
    ['a JSON string', '"hello"', 'not_an_object'],
    ['no stream', '{"data":{}}', 'not_an_object'],
    ['unknown stream', '{"stream":"btcusdt@kline_1m","data":{}}', 'unknown_stream'],
    ['data not an object', '{"stream":"btcusdt@trade","data":7}', 'invalid_field'],
  ])('%s', (_name, text, code) => {
    expect(fails(text).code).toBe(code);
  });

  it.each([
    ['price as a number', trade({ p: 1.5 })],
    ['negative price', trade({ p: '-1.5' })],
    ['zero price', trade({ p: '0.000' })],
    ['exponent quantity', trade({ q: '1e5' })],
    ['zero quantity', trade({ q: '0' })],
    ['missing maker flag', trade({ m: undefined })],
    ['fractional trade id', trade({ t: 1.5 })],
    ['time as text', trade({ T: '1' })],
    ['wrong event type', trade({ e: 'aggTrade' })],
    ['U after u', depth({ U: 7, u: 6 })],
    ['level with three fields', depth({ b: [['1', '2', '3']] })],
    ['level price "1."', depth({ a: [['1.', '2']] })],
    ['levels not a list', depth({ b: {} })],
    ['unsafe update id', depth({ u: 2 ** 60 })],
  ])('field check: %s', (_name, text) => {
    expect(fails(text).code).toBe('invalid_field');
  });

  it('rejects a snapshot with a zero quantity (only diffs delete)', () => {
    const r = parseDepthSnapshot({ lastUpdateId: 1, bids: [['1.0', '0.0']], asks: [] }, 'BTCUSDT', 1);
    expect(r).toBeInstanceOf(BinanceParseError);
    expect((r as BinanceParseError).code).toBe('invalid_field');
  });

  it('accepts a diff level with quantity zero (a delete)', () => {
    expect(ok(depth({ b: [['61737.63000000', '0.00000000']] }))).toMatchObject({ type: 'book_change', bids: [['61737.63000000', '0.00000000']] });
  });

  it('keeps the offending input in the error, cut short', () => {
    const err = fails(`{"stream":"btcusdt@trade","data":{"e":"trade","p":"${'9'.repeat(500)}"}}`);
    expect(err.excerpt.length).toBeLessThanOrEqual(201);
    expect(err.message).toContain('invalid_field');
  });
});

describe('decimal checks', () => {
  it('accepts plain unsigned decimals only', () => {
    for (const s of ['0', '7', '0.5', '61737.63000000', '000.10']) expect(isDecimal(s)).toBe(true);
    for (const s of ['', '.5', '5.', '-1', '+1', '1e3', '1.2.3', ' 1', 'NaN', '1,5']) expect(isDecimal(s)).toBe(false);
    expect(isPositiveDecimal('0.00000000')).toBe(false);
    expect(isPositiveDecimal('0.00000001')).toBe(true);
  });
});
