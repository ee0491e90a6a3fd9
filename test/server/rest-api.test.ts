// The REST API over real HTTP against a real venue: each route with good input, malformed JSON,
// wrong types, unknown symbols or orders, an oversized body and a missing or wrong token. Every
// answer is checked against the protocol's schemas, errors included.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  apiError,
  bookResponse,
  executionsResponse,
  instrumentResponse,
  instrumentsResponse,
  orderResponse,
  ordersResponse,
  statsResponse,
  tradesResponse,
} from '../../src/protocol/index.js';
import { type Stack, startStack, TOKEN } from './server-stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

interface Call {
  readonly body?: unknown;
  /** Sent as it is (not JSON-encoded). */
  readonly raw?: string;
  /** Default: the right token on writes, none on reads. */
  readonly token?: string | null;
  readonly contentType?: string;
}

async function call(method: string, path: string, options: Call = {}): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? (method === 'GET' ? null : TOKEN) : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${stack.base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** Asserts the status and the schema, returns the parsed body. */
async function expectOk<S extends z.ZodType>(schema: S, status: number, method: string, path: string, options?: Call): Promise<z.output<S>> {
  const r = await call(method, path, options);
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  return schema.parse(r.json);
}

async function expectError(status: number, code: string, method: string, path: string, options?: Call): Promise<z.output<typeof apiError>> {
  const r = await call(method, path, options);
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const error = apiError.parse(r.json);
  expect(error.code).toBe(code);
  expect(error.message.length).toBeGreaterThan(5);
  return error;
}

const limitOrder = (over: Record<string, unknown> = {}) => ({ account: 'rest-a', symbol: 'AAPL', side: 'buy', type: 'limit', price: '150.00', quantity: '10', ...over });

describe('REST: market data', () => {
  it('GET /api/instruments lists every listing with decimal strings', async () => {
    const { instruments } = await expectOk(instrumentsResponse, 200, 'GET', '/api/instruments');
    expect(instruments.map((i) => i.symbol)).toEqual(['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT']);
    expect(instruments.find((i) => i.symbol === 'BTCUSDT')).toMatchObject({ asset_class: 'crypto', tick_size: '0.01', lot_size: '0.00001', reference_price: '65000.00', halted: false });
  });

  it('GET /api/book/:symbol gives levels best first, cut by depth; bad depth 400, unknown symbol 404', async () => {
    for (const [price, quantity] of [
      ['100.00', '5'],
      ['100.00', '7'],
      ['99.50', '1'],
    ]) {
      await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'MSFT', price, quantity }) });
    }
    await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'MSFT', side: 'sell', price: '101.00', quantity: '2' }) });
    const book = await expectOk(bookResponse, 200, 'GET', '/api/book/MSFT');
    expect([book.symbol, book.bids, book.asks]).toEqual([
      'MSFT',
      [
        ['100.00', '12', 2],
        ['99.50', '1', 1],
      ],
      [['101.00', '2', 1]],
    ]);
    expect((await expectOk(bookResponse, 200, 'GET', '/api/book/MSFT?depth=1')).bids).toEqual([['100.00', '12', 2]]);
    for (const depth of ['0', 'abc', '-1', '1.5', '100001']) await expectError(400, 'invalid_request', 'GET', `/api/book/MSFT?depth=${depth}`);
    await expectError(404, 'unknown_symbol', 'GET', '/api/book/NOPE');
    await expectError(400, 'invalid_request', 'GET', `/api/book/${encodeURIComponent('A B$')}`);
  });

  it('GET /api/trades/:symbol and /api/executions give the newest first, with limits', async () => {
    await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'GOOGL', side: 'sell', price: '170.00', quantity: '3', account: 'rest-s' }) });
    for (let i = 0; i < 3; i++) await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'GOOGL', price: '170.00', quantity: '1' }) });
    const { trades } = await expectOk(tradesResponse, 200, 'GET', '/api/trades/GOOGL');
    expect(trades.map((t) => [t.price, t.quantity, t.taker_side])).toEqual([
      ['170.00', '1', 'buy'],
      ['170.00', '1', 'buy'],
      ['170.00', '1', 'buy'],
    ]);
    expect(Number(trades[0].trade_id)).toBeGreaterThan(Number(trades[1].trade_id));
    expect((await expectOk(tradesResponse, 200, 'GET', '/api/trades/GOOGL?limit=2')).trades.length).toBe(2);
    await expectError(400, 'invalid_request', 'GET', '/api/trades/GOOGL?limit=501');
    await expectError(404, 'unknown_symbol', 'GET', '/api/trades/NOPE');

    const { executions } = await expectOk(executionsResponse, 200, 'GET', '/api/executions?limit=2');
    expect(executions.length).toBe(2);
    expect(executions[0]).toMatchObject({ symbol: 'GOOGL', price: '170.00', quantity: '1', taker_side: 'buy' });
    await expectError(400, 'invalid_request', 'GET', '/api/executions?limit=x');
  });

  it('GET /api/stats counts what traded', async () => {
    const stats = await expectOk(statsResponse, 200, 'GET', '/api/stats');
    const googl = stats.symbols.find((s) => s.symbol === 'GOOGL')!;
    expect([googl.trades, googl.volume, googl.notional, googl.vwap, googl.last_price]).toEqual([3, '3', '510.00', '170.0000', '170.00']);
    expect(stats.total.trades).toBeGreaterThanOrEqual(3);
  });

  it('answers unknown routes with a JSON 404', async () => {
    await expectError(404, 'not_found', 'GET', '/api/nothing-here');
  });
});

describe('REST: orders', () => {
  it('POST /api/orders enters an order (201) and GET /api/orders/:id and ?account= find it', async () => {
    const { order } = await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ account: 'rest-b', client_order_id: 'mine-1', time_in_force: 'day' }) });
    expect(order).toMatchObject({ client_order_id: 'mine-1', account: 'rest-b', symbol: 'AAPL', side: 'buy', type: 'limit', time_in_force: 'day', price: '150.00', quantity: '10', filled_quantity: '0', leaves_quantity: '10', status: 'new' });
    expect((await expectOk(orderResponse, 200, 'GET', `/api/orders/${order.order_id}`)).order).toEqual(order);
    const { orders } = await expectOk(ordersResponse, 200, 'GET', '/api/orders?account=rest-b');
    expect(orders.map((o) => o.order_id)).toEqual([order.order_id]);
    expect((await expectOk(ordersResponse, 200, 'GET', '/api/orders')).orders.length).toBeGreaterThan(1);
    await expectError(404, 'unknown_order', 'GET', '/api/orders/999999');
    await expectError(400, 'invalid_request', 'GET', '/api/orders/abc');
    await expectError(400, 'invalid_request', 'GET', '/api/orders?account=a%20b');
  });

  it('refuses bad order requests before the venue sees them', async () => {
    const before = stack.venue.journalPosition().lastSeq;
    await expectError(400, 'invalid_json', 'POST', '/api/orders', { raw: '{"account": "x",' });
    await expectError(400, 'invalid_json', 'POST', '/api/orders', { raw: '' });
    const types = await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ quantity: 10 }) });
    expect(types.message).toMatch(/body\.quantity/);
    await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ side: 'long' }) });
    await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ price: '1e5' }) });
    await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ surprise: true }) });
    await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: [limitOrder()] });
    const noPrice = await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ price: undefined }) });
    expect(noPrice.message).toMatch(/limit order needs a price/);
    await expectError(400, 'invalid_request', 'POST', '/api/orders', { body: limitOrder({ type: 'market' }) });
    await expectError(422, 'unknown_symbol', 'POST', '/api/orders', { body: limitOrder({ symbol: 'NOPE' }) });
    await expectError(413, 'payload_too_large', 'POST', '/api/orders', { body: limitOrder({ client_order_id: 'x'.repeat(70 * 1024) }) });
    await expectError(415, 'unsupported_media_type', 'POST', '/api/orders', { raw: 'account=x', contentType: 'text/plain' });
    expect(stack.venue.journalPosition().lastSeq).toBe(before);
  });

  it('passes the venue’s refusals on with their reject code', async () => {
    const offTick = await expectError(422, 'rejected', 'POST', '/api/orders', { body: limitOrder({ price: '150.001' }) });
    expect(offTick.reject_code).toBe(1002);
    const offLot = await expectError(422, 'rejected', 'POST', '/api/orders', { body: limitOrder({ quantity: '1.5' }) });
    expect(offLot.reject_code).toBe(1003);
    await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ account: 'rest-d', client_order_id: 'dup' }) });
    const duplicate = await expectError(409, 'rejected', 'POST', '/api/orders', { body: limitOrder({ account: 'rest-d', client_order_id: 'dup' }) });
    expect(duplicate.reject_code).toBe(1007);
  });

  it('guards order entry with the bearer token: none or a wrong one is a 401, before the body is read', async () => {
    await expectError(401, 'unauthorized', 'POST', '/api/orders', { body: limitOrder(), token: null });
    await expectError(401, 'unauthorized', 'POST', '/api/orders', { body: limitOrder(), token: 'wrong-token-wrong-token' });
    await expectError(401, 'unauthorized', 'POST', '/api/orders', { raw: '{broken', token: null });
    await expectError(401, 'unauthorized', 'DELETE', '/api/orders/1', { token: null });
  });

  it('DELETE /api/orders/:id cancels a live order; another account or an unknown id is a 404', async () => {
    const { order } = await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ account: 'rest-c' }) });
    await expectError(404, 'unknown_order', 'DELETE', `/api/orders/${order.order_id}?account=rest-other`);
    const cancelled = await expectOk(orderResponse, 200, 'DELETE', `/api/orders/${order.order_id}?account=rest-c`);
    expect(cancelled.order).toMatchObject({ order_id: order.order_id, status: 'canceled', leaves_quantity: '0' });
    await expectError(404, 'unknown_order', 'DELETE', `/api/orders/${order.order_id}`);
    await expectError(404, 'unknown_order', 'DELETE', '/api/orders/999999');
    await expectError(400, 'invalid_request', 'DELETE', '/api/orders/0');
  });
});

describe('REST: admin', () => {
  const listing = { symbol: 'XRPUSDT', asset_class: 'crypto', tick_size: '0.0001', lot_size: '0.1', min_quantity: '1.0', reference_price: '0.5000' };

  it('POST /api/admin/instruments lists a symbol that then trades; a duplicate is a 409', async () => {
    const { instrument } = await expectOk(instrumentResponse, 201, 'POST', '/api/admin/instruments', { body: listing });
    expect(instrument).toEqual({ symbol: 'XRPUSDT', asset_class: 'crypto', tick_size: '0.0001', lot_size: '0.1', min_quantity: '1.0', reference_price: '0.5000', halted: false });
    expect((await expectOk(instrumentsResponse, 200, 'GET', '/api/instruments')).instruments.map((i) => i.symbol)).toContain('XRPUSDT');
    await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'XRPUSDT', price: '0.4999', quantity: '2.5' }) });
    expect((await expectOk(bookResponse, 200, 'GET', '/api/book/XRPUSDT')).bids).toEqual([['0.4999', '2.5', 1]]);
    const duplicate = await expectError(409, 'rejected', 'POST', '/api/admin/instruments', { body: listing });
    expect(duplicate.reject_code).toBe(3021);
  });

  it('refuses bad listings and callers without the token', async () => {
    await expectError(401, 'unauthorized', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'X1' }, token: null });
    await expectError(401, 'unauthorized', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'X1' }, token: 'nope-nope-nope-nope' });
    await expectError(400, 'invalid_json', 'POST', '/api/admin/instruments', { raw: '{"symbol"' });
    await expectError(400, 'invalid_request', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'X1', tick_size: 0.01 } });
    await expectError(400, 'invalid_request', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'bad symbol' } });
    const zeroTick = await expectError(422, 'invalid_request', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'X1', tick_size: '0' } });
    expect(zeroTick.message).toMatch(/tickSize must be above zero/);
    await expectError(422, 'invalid_request', 'POST', '/api/admin/instruments', { body: { ...listing, symbol: 'X1', reference_price: '0.50001' } });
    await expectError(413, 'payload_too_large', 'POST', '/api/admin/instruments', { body: { ...listing, pad: 'x'.repeat(70 * 1024) } });
  });

  it('halts and resumes a symbol; orders in a halted symbol are refused with 2001', async () => {
    const halted = await expectOk(instrumentResponse, 200, 'POST', '/api/admin/instruments/TSLA/halt');
    expect(halted.instrument).toMatchObject({ symbol: 'TSLA', halted: true });
    const refused = await expectError(422, 'rejected', 'POST', '/api/orders', { body: limitOrder({ symbol: 'TSLA', price: '250.00' }) });
    expect(refused.reject_code).toBe(2001);
    expect((await expectOk(instrumentResponse, 200, 'POST', '/api/admin/instruments/TSLA/resume')).instrument.halted).toBe(false);
    await expectOk(orderResponse, 201, 'POST', '/api/orders', { body: limitOrder({ symbol: 'TSLA', price: '250.00' }) });
    await expectError(404, 'unknown_symbol', 'POST', '/api/admin/instruments/NOPE/halt');
    await expectError(401, 'unauthorized', 'POST', '/api/admin/instruments/TSLA/halt', { token: null });
    await expectError(401, 'unauthorized', 'POST', '/api/admin/instruments/TSLA/resume', { token: 'nope-nope-nope-nope' });
  });
});
