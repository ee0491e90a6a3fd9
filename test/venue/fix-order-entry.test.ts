import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce, type Instrument } from '../../src/engine/index.js';
import { RejectCode } from '../../src/shared/reject-codes.js';
import { decodeCancel, decodeMassCancel, decodeNewOrder, decodeReplace, decodeStatus, type ReplaceableOrder } from '../../src/venue/fix-order-entry.js';
import { received } from './fix-messages.js';

const instruments: Record<string, Instrument> = {
  AAPL: { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' },
  BTCUSDT: { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' },
};
const instrumentOf = (symbol: string): Instrument | undefined => instruments[symbol];

type Fields = Array<[number, string]>;
const base: Fields = [
  [11, 'c1'],
  [55, 'AAPL'],
  [54, '1'],
  [60, '20240102-14:30:00'],
  [38, '100'],
  [40, '2'],
  [44, '101.25'],
];
/** The base order with fields replaced (value null removes the field). */
function order(changes: Record<number, string | null> = {}, extra: Fields = []): ReturnType<typeof received> {
  const fields = base.filter(([tag]) => !(tag in changes)).concat(Object.entries(changes).flatMap(([t, v]) => (v === null ? [] : [[Number(t), v] as [number, string]])));
  return received('D', [...fields, ...extra]);
}
const decode = (changes: Record<number, string | null> = {}, extra: Fields = []) => decodeNewOrder(order(changes, extra), instrumentOf);

describe('NewOrderSingle', () => {
  it('decodes a limit order to ticks and lots, a day order when TimeInForce is absent', () => {
    expect(decode()).toEqual({
      ok: true,
      request: {
        clOrdID: 'c1',
        account: undefined,
        instrument: instruments.AAPL,
        side: Side.Buy,
        type: OrderType.Limit,
        tif: TimeInForce.DAY,
        price: 10125,
        stopPrice: 0,
        qty: 100,
        displayQty: 0,
        postOnly: false,
      },
    });
  });

  it('maps Side, OrdType and TimeInForce', () => {
    expect(decode({ 54: '2', 59: '1' })).toMatchObject({ request: { side: Side.Sell, tif: TimeInForce.GTC } });
    expect(decode({ 59: '3' })).toMatchObject({ request: { tif: TimeInForce.IOC } });
    expect(decode({ 59: '4' })).toMatchObject({ request: { tif: TimeInForce.FOK } });
    expect(decode({ 59: '0' })).toMatchObject({ request: { tif: TimeInForce.DAY } });
    expect(decode({ 40: '1', 44: null })).toMatchObject({ request: { type: OrderType.Market, price: 0 } });
    expect(decode({ 40: '3', 44: null }, [[99, '99.50']])).toMatchObject({ request: { type: OrderType.Stop, price: 0, stopPrice: 9950 } });
    expect(decode({ 40: '4' }, [[99, '101']])).toMatchObject({ request: { type: OrderType.StopLimit, price: 10125, stopPrice: 10100 } });
  });

  it('ignores a price on a market order and a stop price on a limit order', () => {
    expect(decode({ 40: '1', 44: '101.255' })).toMatchObject({ ok: true, request: { price: 0 } });
    expect(decode({}, [[99, 'junk']])).toMatchObject({ ok: true, request: { stopPrice: 0 } });
  });

  it('converts fractional lots exactly', () => {
    const r = decodeNewOrder(order({ 55: 'BTCUSDT', 38: '0.00123', 44: '43000.01' }), instrumentOf);
    expect(r).toMatchObject({ ok: true, request: { qty: 123, price: 4300001 } });
  });

  it('takes Account, MaxFloor (iceberg) and ExecInst 6 (post-only)', () => {
    expect(decode({}, [[1, 'ACME'], [111, '10'], [18, '6']])).toMatchObject({ request: { account: 'ACME', displayQty: 10, postOnly: true } });
    expect(decode({}, [[111, '0']])).toMatchObject({ ok: true, request: { displayQty: 0 } });
  });

  const rejects: Array<[string, Record<number, string | null>, Fields, RejectCode, RegExp]> = [
    ['unknown symbol', { 55: 'NOPE' }, [], RejectCode.UnknownSymbol, /Symbol NOPE is not listed/],
    ['price off the tick', { 44: '101.255' }, [], RejectCode.PriceNotOnTick, /Price 101\.255, tick size 0\.01/],
    ['quantity off the lot', { 38: '1.5' }, [], RejectCode.QtyNotOnLot, /OrderQty 1\.5, lot size 1/],
    ['quantity not a decimal', { 38: '1e3' }, [], RejectCode.InvalidDecimal, /OrderQty 1e3/],
    ['quantity zero', { 38: '0' }, [], RejectCode.InvalidQty, /OrderQty 0 must be above zero/],
    ['quantity negative', { 38: '-5' }, [], RejectCode.InvalidQty, /must be above zero/],
    ['quantity too large', { 38: '99999999999999999999' }, [], RejectCode.DecimalOutOfRange, /OrderQty/],
    ['quantity missing', { 38: null }, [], RejectCode.MissingField, /OrderQty \(38\) is required/],
    ['price missing on a limit order', { 44: null }, [], RejectCode.MissingField, /Price \(44\) is required for a limit or stop-limit order/],
    ['price zero', { 44: '0.00' }, [], RejectCode.InvalidPrice, /Price 0\.00 must be above zero/],
    ['stop price missing', { 40: '3' }, [], RejectCode.MissingField, /StopPx \(99\) is required for a stop/],
    ['stop price off the tick', { 40: '3' }, [[99, '1.001']], RejectCode.PriceNotOnTick, /StopPx 1\.001/],
    ['side not buy or sell', { 54: '5' }, [], RejectCode.InvalidSide, /Side 5 is not supported; send 1 \(buy\) or 2 \(sell\)/],
    ['side missing', { 54: null }, [], RejectCode.MissingField, /Side \(54\) is required/],
    ['order type not supported', { 40: 'P' }, [], RejectCode.InvalidOrderType, /OrdType P is not supported/],
    ['time in force not supported', { 59: '6' }, [], RejectCode.InvalidTimeInForce, /TimeInForce 6 is not supported/],
    ['iceberg display off the lot', {}, [[111, '2.5']], RejectCode.QtyNotOnLot, /MaxFloor 2\.5/],
    ['iceberg display negative', {}, [[111, '-1']], RejectCode.InvalidDisplayQty, /MaxFloor -1 must be above zero/],
    ['exec inst not supported', {}, [[18, '6 G']], RejectCode.UnsupportedValue, /ExecInst G is not supported/],
    ['minimum quantity', {}, [[110, '5']], RejectCode.UnsupportedValue, /MinQty 5 is not supported/],
    ['symbol missing', { 55: null }, [], RejectCode.MissingField, /Symbol \(55\) is required/],
  ];
  it.each(rejects)('refuses %s with its code and a sentence naming the field', (_name, changes, extra, code, detail) => {
    const r = decode(changes, extra);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.detail).toMatch(detail);
  });
});

const resting: ReplaceableOrder = {
  instrument: instruments.AAPL,
  side: Side.Sell,
  type: OrderType.Limit,
  tif: TimeInForce.GTC,
  displayQty: 0,
  postOnly: false,
  orderQty: 100,
  price: 10125,
};
const replaceFields: Fields = [
  [41, 'c1'],
  [11, 'c2'],
  [55, 'AAPL'],
  [54, '2'],
  [60, '20240102-14:30:00'],
  [40, '2'],
];

describe('OrderCancelRequest and OrderCancelReplaceRequest', () => {
  it('read the identifying fields of a cancel', () => {
    expect(decodeCancel(received('F', [...replaceFields, [37, '17']]))).toEqual({
      ok: true,
      request: { clOrdID: 'c2', origClOrdID: 'c1', orderID: '17', symbol: 'AAPL', side: '2' },
    });
    expect(decodeCancel(received('F', [[11, 'c2'], [55, 'AAPL'], [54, '2']]))).toMatchObject({ ok: false, code: RejectCode.MissingField, detail: 'OrigClOrdID (41) is required' });
  });

  it('take the new quantity and price of a replace, keeping what is left out', () => {
    expect(decodeReplace(received('G', [...replaceFields, [38, '80'], [44, '101.40']]), resting)).toMatchObject({ ok: true, request: { qty: 80, price: 10140, stopPrice: undefined } });
    expect(decodeReplace(received('G', [...replaceFields, [38, '80']]), resting)).toMatchObject({ ok: true, request: { qty: 80, price: 10125 } });
    expect(decodeReplace(received('G', replaceFields), resting)).toMatchObject({ ok: true, request: { qty: 100, price: 10125 } });
  });

  it('take a new stop price only for a stop order', () => {
    const stop = { ...resting, type: OrderType.Stop, price: 0 };
    const fields: Fields = [...replaceFields.filter(([t]) => t !== 40), [40, '3'], [99, '99.00'], [44, '5']];
    expect(decodeReplace(received('G', fields), stop)).toMatchObject({ ok: true, request: { price: 0, stopPrice: 9900 } });
  });

  it('refuse a replace that would change anything but quantity and prices', () => {
    const cases: Array<[Fields, RegExp]> = [
      [[[54, '1']], /cannot change Side/],
      [[[40, '1']], /cannot change OrdType/],
      [[[59, '3']], /cannot change TimeInForce/],
      [[[111, '10']], /cannot change MaxFloor/],
      [[[18, '6']], /cannot change ExecInst/],
    ];
    for (const [changes, why] of cases) {
      const fields = replaceFields.filter(([t]) => !changes.some(([c]) => c === t)).concat(changes);
      const r = decodeReplace(received('G', fields), resting);
      expect(r, String(why)).toMatchObject({ ok: false, code: RejectCode.UnsupportedValue });
      if (!r.ok) expect(r.detail).toMatch(why);
    }
    expect(decodeReplace(received('G', [...replaceFields, [59, '1'], [111, '0']]), resting).ok).toBe(true);
  });

  it('refuse a replace quantity or price off the grid', () => {
    expect(decodeReplace(received('G', [...replaceFields, [38, '80.5']]), resting)).toMatchObject({ ok: false, code: RejectCode.QtyNotOnLot });
    expect(decodeReplace(received('G', [...replaceFields, [44, '101.001']]), resting)).toMatchObject({ ok: false, code: RejectCode.PriceNotOnTick });
  });
});

describe('OrderStatusRequest', () => {
  it('reads ClOrdID, OrderID, Symbol and Side', () => {
    expect(decodeStatus(received('H', [[11, 'c1'], [55, 'AAPL'], [54, '1']]))).toEqual({ clOrdID: 'c1', orderID: undefined, symbol: 'AAPL', side: '1' });
  });
});

describe('OrderMassCancelRequest', () => {
  const mass = (fields: Fields) => decodeMassCancel(received('q', [[11, 'm1'], [60, '20240102-14:30:00'], ...fields]), instrumentOf);

  it('cancels one symbol (530=1) or everything (530=7), optionally one side', () => {
    expect(mass([[530, '1'], [55, 'AAPL']])).toEqual({ ok: true, request: { clOrdID: 'm1', requestType: '1', symbol: 'AAPL', side: undefined, sideText: undefined } });
    expect(mass([[530, '7'], [54, '2']])).toEqual({ ok: true, request: { clOrdID: 'm1', requestType: '7', symbol: undefined, side: Side.Sell, sideText: '2' } });
  });

  it('refuses other request types, a missing or unknown symbol', () => {
    expect(mass([[530, '3']])).toMatchObject({ ok: false, code: RejectCode.UnsupportedValue });
    expect(mass([[530, '1']])).toMatchObject({ ok: false, code: RejectCode.MissingField });
    expect(mass([[530, '1'], [55, 'NOPE']])).toMatchObject({ ok: false, code: RejectCode.UnknownSymbol });
    expect(mass([])).toMatchObject({ ok: false, code: RejectCode.MissingField });
  });
});
