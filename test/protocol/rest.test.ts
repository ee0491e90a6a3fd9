// REST request schemas: what an order or a listing must look like before the venue sees it.
import { describe, expect, it } from 'vitest';
import { apiError, bookQuery, listInstrumentRequest, newOrderRequest, orderInfo, tradesQuery } from '../../src/protocol/index.js';

const limit = { account: 'desk-1', symbol: 'AAPL', side: 'buy', type: 'limit', price: '190.00', quantity: '10' };
const issues = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }): string[] =>
  r.success ? [] : r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('newOrderRequest', () => {
  it('takes every order type with the prices it needs', () => {
    expect(newOrderRequest.safeParse(limit).success).toBe(true);
    expect(newOrderRequest.safeParse({ ...limit, type: 'market', price: undefined, time_in_force: 'ioc' }).success).toBe(true);
    expect(newOrderRequest.safeParse({ ...limit, type: 'stop', price: undefined, stop_price: '191.00' }).success).toBe(true);
    expect(newOrderRequest.safeParse({ ...limit, type: 'stop_limit', stop_price: '191.00', display_quantity: '5', post_only: false, client_order_id: 'a b' }).success).toBe(true);
  });

  it('says which field is wrong', () => {
    expect(issues(newOrderRequest.safeParse({ ...limit, price: undefined }))).toEqual(['price: a limit order needs a price']);
    expect(issues(newOrderRequest.safeParse({ ...limit, type: 'market' }))).toEqual(['price: a market order takes no price']);
    expect(issues(newOrderRequest.safeParse({ ...limit, type: 'stop_limit' }))).toEqual(['stop_price: a stop_limit order needs a stop_price']);
    expect(issues(newOrderRequest.safeParse({ ...limit, stop_price: '1' }))).toEqual(['stop_price: a limit order takes no stop_price']);
    expect(issues(newOrderRequest.safeParse({ ...limit, quantity: 10 }))[0]).toMatch(/^quantity: /);
    expect(issues(newOrderRequest.safeParse({ ...limit, account: 'has space' }))[0]).toMatch(/^account: /);
    expect(issues(newOrderRequest.safeParse({ ...limit, time_in_force: 'gtd' }))[0]).toMatch(/^time_in_force: /);
    expect(issues(newOrderRequest.safeParse({ ...limit, extra: 1 }))[0]).toMatch(/extra/);
    expect(newOrderRequest.safeParse(null).success).toBe(false);
  });
});

describe('queries and other bodies', () => {
  it('reads whole-number query parameters from text, within their range', () => {
    expect(bookQuery.parse({ depth: '20' })).toEqual({ depth: 20 });
    expect(bookQuery.parse({})).toEqual({});
    expect(bookQuery.parse({ depth: '5', other: 'ignored' })).toEqual({ depth: 5 });
    for (const bad of ['0', '-1', 'x', '2.5', '100001']) expect(bookQuery.safeParse({ depth: bad }).success, bad).toBe(false);
    expect(tradesQuery.safeParse({ limit: '501' }).success).toBe(false);
  });

  it('lists instruments with decimal sizes only', () => {
    expect(listInstrumentRequest.safeParse({ symbol: 'X', tick_size: '0.01', lot_size: '1' }).success).toBe(true);
    expect(listInstrumentRequest.safeParse({ symbol: 'X', tick_size: 0.01, lot_size: '1' }).success).toBe(false);
    expect(listInstrumentRequest.safeParse({ symbol: 'X', tick_size: '0.01', lot_size: '1', asset_class: 'bond' }).success).toBe(false);
  });

  it('never lets a null through where a value is promised', () => {
    expect(apiError.safeParse({ code: 'rejected', message: 'x', reject_code: null }).success).toBe(false);
    const order = { order_id: '1', client_order_id: 'c', account: 'a', symbol: 'AAPL', side: 'buy', type: 'market', time_in_force: 'ioc', quantity: '1', filled_quantity: '1', leaves_quantity: '0', status: 'filled', updated_at: 1 };
    expect(orderInfo.safeParse(order).success).toBe(true);
    expect(orderInfo.safeParse({ ...order, price: null }).success).toBe(false);
    expect(apiError.safeParse({ code: 'teapot', message: 'x' }).success).toBe(false);
  });
});
