import { describe, expect, it } from 'vitest';
import { decodeLine } from '../../src/cli/console-input.js';
import { OrderType, Side, StpMode, TimeInForce, type Instrument } from '../../src/engine/index.js';

const instruments = new Map<string, Instrument>([
  ['AAPL', { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }],
  ['ETHUSDT', { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.0001' }],
]);
const decode = (o: unknown) => decodeLine(JSON.stringify(o), instruments, 42);

describe('decodeLine', () => {
  it('converts decimals to ticks and lots and names to engine enums', () => {
    const r = decode({ kind: 'new', symbol: 'ETHUSDT', orderId: 9, account: 3, side: 'sell', type: 'stopLimit', tif: 'day', price: '3000.10', stopPrice: '3001', qty: '1.5', stp: 'cancelBoth' });
    expect(r).toEqual({
      ok: true,
      request: {
        kind: 'command',
        command: { kind: 'new', time: 42, symbol: 'ETHUSDT', orderId: 9, account: 3, side: Side.Sell, type: OrderType.StopLimit, tif: TimeInForce.DAY, price: 300010, stopPrice: 300100, qty: 15000, stp: StpMode.CancelBoth },
      },
    });
  });

  it('defaults tif to gtc and leaves a market order without a price at 0 ticks', () => {
    const r = decode({ kind: 'new', symbol: 'AAPL', orderId: 1, account: 1, side: 'buy', type: 'market', qty: '5' });
    expect(r.ok && r.request.kind === 'command' && r.request.command).toMatchObject({ tif: TimeInForce.GTC, price: 0, qty: 5 });
  });

  it('names the field that is off its grid', () => {
    const r = decode({ kind: 'new', symbol: 'AAPL', orderId: 1, account: 1, side: 'buy', type: 'limit', price: '10', qty: '10', displayQty: '2.5' });
    expect(r).toMatchObject({ ok: false, error: { code: 1003, field: 'displayQty' } });
    expect(decode({ kind: 'replace', symbol: 'AAPL', orderId: 1, account: 1, qty: '10', price: '1e3' })).toMatchObject({ ok: false, error: { code: 1001, field: 'price' } });
  });

  it('passes an unknown symbol through for the engine to reject', () => {
    const r = decode({ kind: 'replace', symbol: 'ZZZ', orderId: 1, account: 1, qty: '10', price: '1.001' });
    expect(r).toMatchObject({ ok: true, request: { command: { kind: 'replace', symbol: 'ZZZ', price: 0, qty: 0 } } });
  });

  it('accepts the optional fields of massCancel, endOfDay and book', () => {
    expect(decode({ kind: 'massCancel' })).toEqual({ ok: true, request: { kind: 'command', command: { kind: 'massCancel', time: 42 } } });
    expect(decode({ kind: 'endOfDay', symbol: 'AAPL' })).toEqual({ ok: true, request: { kind: 'command', command: { kind: 'endOfDay', time: 42, symbol: 'AAPL' } } });
    expect(decode({ kind: 'book', symbol: 'AAPL' })).toEqual({ ok: true, request: { kind: 'book', symbol: 'AAPL', depth: 10 } });
    expect(decode({ kind: 'book', symbol: 'AAPL', depth: 0 })).toMatchObject({ ok: false, error: { code: 3020, field: 'depth' } });
  });

  it('refuses non-integer ids, unknown enums and non-objects', () => {
    expect(decode({ kind: 'cancel', symbol: 'AAPL', orderId: 1.5, account: 1 })).toMatchObject({ ok: false, error: { code: 3020, field: 'orderId' } });
    expect(decode({ kind: 'new', symbol: 'AAPL', orderId: 1, account: 1, side: 'short', type: 'limit', price: '1', qty: '1' })).toMatchObject({ ok: false, error: { field: 'side' } });
    expect(decodeLine('null', instruments, 0)).toMatchObject({ ok: false, error: { code: 3020 } });
    expect(decodeLine('{', instruments, 0)).toMatchObject({ ok: false, error: { code: 3020, detail: 'not valid JSON' } });
  });
});
