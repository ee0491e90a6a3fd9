import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../src/engine/index.js';
import { RejectCode } from '../../src/shared/reject-codes.js';
import {
  cxlRejReason,
  ExecIdSource,
  executionReport,
  massCancelReport,
  orderCancelReject,
  orderRejectedReport,
  ordRejReason,
  rejectText,
  unknownOrderStatusReport,
} from '../../src/venue/execution-reports.js';
import { OrdStatus, recordFill, type OrderRecord } from '../../src/venue/order-registry.js';
import { bodyOf, received } from './fix-messages.js';

const T = Date.UTC(2024, 0, 2, 14, 30, 0, 125);
const TS = '20240102-14:30:00.125';

function btcOrder(): OrderRecord {
  return {
    orderId: 42,
    sessionKey: 'k',
    account: 'ACME',
    accountId: 1,
    instrument: { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' },
    side: Side.Buy,
    type: OrderType.Limit,
    tif: TimeInForce.GTC,
    postOnly: true,
    displayQty: 10_000,
    clOrdID: 'c1',
    clOrdIDs: ['c1'],
    price: 4_300_000,
    stopPrice: 0,
    orderQty: 150_000,
    leavesQty: 150_000,
    cumQty: 0,
    notional: 0n,
    status: OrdStatus.New,
  };
}

describe('execution reports', () => {
  it('repeat the order in exact decimals and carry the totals (FIX 4.4 new)', () => {
    const r = btcOrder();
    const m = executionReport('FIX.4.4', r, 'new', { execId: 'E1', transactTime: T });
    expect(m.msgType).toBe('8');
    expect(bodyOf(m)).toEqual({
      1: 'ACME',
      6: '0',
      11: 'c1',
      14: '0.00000',
      17: 'E1',
      18: '6',
      37: '42',
      38: '1.50000',
      39: '0',
      40: '2',
      44: '43000.00',
      54: '1',
      55: 'BTCUSDT',
      59: '1',
      60: TS,
      111: '0.10000',
      150: '0',
      151: '1.50000',
    });
    // QuickFIX sends the body in ascending tag order.
    const tags = m.body.map(([t]) => t);
    expect(tags).toEqual([...tags].sort((a, b) => a - b));
  });

  it('report a trade as ExecType F with LastQty in 4.4, as 1/2 with ExecTransType 0 and LastShares in 4.2', () => {
    const r = btcOrder();
    recordFill(r, 4_300_000, 50_000, 100_000, 50_000);
    const fix44 = bodyOf(executionReport('FIX.4.4', r, 'fill', { execId: 'E2', transactTime: T, lastPx: 4_300_000, lastQty: 50_000 }));
    expect([fix44[150], fix44[39], fix44[31], fix44[32], fix44[14], fix44[151], fix44[6], fix44[20]]).toEqual(['F', '1', '43000.00', '0.50000', '0.50000', '1.00000', '43000.00', undefined]);
    const partial42 = bodyOf(executionReport('FIX.4.2', r, 'fill', { execId: 'E3', transactTime: T, lastPx: 4_300_000, lastQty: 50_000 }));
    expect([partial42[20], partial42[150], partial42[39], partial42[32]]).toEqual(['0', '1', '1', '0.50000']);
    recordFill(r, 4_300_001, 100_000, 0, 150_000);
    const full42 = bodyOf(executionReport('FIX.4.2', r, 'fill', { execId: 'E4', transactTime: T, lastPx: 4_300_001, lastQty: 100_000 }));
    // (43000.00 × 0.5 + 43000.01 × 1.0) / 1.5 = 43000.006666…
    expect([full42[150], full42[39], full42[31], full42[6], full42[151]]).toEqual(['2', '2', '43000.01', '43000.006667', '0.00000']);
  });

  it('mark a replace as OrdStatus 5 in 4.2 and with the live status in 4.4, with OrigClOrdID', () => {
    const r = btcOrder();
    r.clOrdID = 'c2';
    const fix42 = bodyOf(executionReport('FIX.4.2', r, 'replaced', { execId: 'E5', transactTime: T, origClOrdID: 'c1' }));
    const fix44 = bodyOf(executionReport('FIX.4.4', r, 'replaced', { execId: 'E6', transactTime: T, origClOrdID: 'c1' }));
    expect([fix42[150], fix42[39], fix42[11], fix42[41]]).toEqual(['5', '5', 'c2', 'c1']);
    expect([fix44[150], fix44[39], fix44[11], fix44[41]]).toEqual(['5', '0', 'c2', 'c1']);
  });

  it('answer a status request with ExecType I (4.4) or ExecTransType 3 and ExecType = OrdStatus (4.2)', () => {
    const r = btcOrder();
    recordFill(r, 4_300_000, 50_000, 100_000, 50_000);
    const fix44 = bodyOf(executionReport('FIX.4.4', r, 'status', { execId: 'E7', transactTime: T }));
    const fix42 = bodyOf(executionReport('FIX.4.2', r, 'status', { execId: 'E8', transactTime: T }));
    expect([fix44[150], fix44[39], fix44[20]]).toEqual(['I', '1', undefined]);
    expect([fix42[150], fix42[39], fix42[20]]).toEqual(['1', '1', '3']);
  });

  it('show a stop order with StopPx and without Price', () => {
    const r = { ...btcOrder(), type: OrderType.Stop, price: 0, stopPrice: 4_400_000, postOnly: false, displayQty: 0 };
    const body = bodyOf(executionReport('FIX.4.4', r, 'new', { execId: 'E9', transactTime: T }));
    expect([body[40], body[44], body[99], body[18], body[111]]).toEqual(['3', undefined, '44000.00', undefined, undefined]);
  });

  it('echo a refused order as the client sent it, with OrdRejReason and "<code> <reason>: detail"', () => {
    const request = received('D', [
      [11, 'bad1'],
      [55, 'AAPL'],
      [54, '1'],
      [60, '20240102-14:30:00'],
      [38, '100'],
      [40, '2'],
      [44, '101.255'],
    ]);
    const body = bodyOf(orderRejectedReport('FIX.4.4', request, undefined, RejectCode.PriceNotOnTick, 'Price 101.255, tick size 0.01', { execId: 'E10', transactTime: T }));
    expect(body).toMatchObject({ 37: 'NONE', 11: 'bad1', 55: 'AAPL', 54: '1', 38: '100', 44: '101.255', 150: '8', 39: '8', 103: '99', 151: '0', 14: '0', 6: '0' });
    expect(body[58]).toBe('1002 price is not a multiple of the instrument tick size: Price 101.255, tick size 0.01');
    const fix42 = bodyOf(orderRejectedReport('FIX.4.2', request, 7, RejectCode.PriceNotOnTick, undefined, { execId: 'E11', transactTime: T }));
    expect([fix42[37], fix42[103], fix42[20], fix42[58]]).toEqual(['7', '0', '0', '1002 price is not a multiple of the instrument tick size']);
  });

  it('answer a status request for an unknown order with OrdStatus 8 and OrdRejReason 5', () => {
    const body = bodyOf(unknownOrderStatusReport('FIX.4.4', { clOrdID: 'x', symbol: 'AAPL', side: '2' }, { execId: 'E12', transactTime: T, text: 't' }));
    expect(body).toMatchObject({ 37: 'NONE', 11: 'x', 150: 'I', 39: '8', 103: '5', 55: 'AAPL', 54: '2', 58: 't' });
  });
});

describe('order cancel rejects', () => {
  it('carry CxlRejResponseTo, CxlRejReason and the order state', () => {
    const r = btcOrder();
    const body = bodyOf(
      orderCancelReject('FIX.4.4', { responseTo: '2', clOrdID: 'c9', origClOrdID: 'c1', record: r, code: RejectCode.ReplaceQtyNotAboveFilled, transactTime: T }),
    );
    expect(body).toEqual({ 1: 'ACME', 11: 'c9', 37: '42', 39: '0', 41: 'c1', 58: '3016 new order quantity must be above the quantity already filled', 60: TS, 102: '2', 434: '2' });
    const unknown = bodyOf(orderCancelReject('FIX.4.2', { responseTo: '1', clOrdID: 'c9', origClOrdID: 'zz', record: undefined, code: RejectCode.UnknownOrder, detail: 'd', transactTime: T }));
    expect([unknown[37], unknown[39], unknown[102], unknown[434]]).toEqual(['NONE', '8', '1', '1']);
    const late = bodyOf(orderCancelReject('FIX.4.4', { responseTo: '1', clOrdID: 'c9', origClOrdID: 'c1', record: { ...r, status: OrdStatus.Filled }, code: RejectCode.UnknownOrder, tooLate: true, transactTime: T }));
    expect([late[39], late[102]]).toEqual(['2', '0']);
  });
});

describe('reject reasons', () => {
  it('map codes to OrdRejReason, with 4.2 falling back to 0 where 4.4 has a reason 4.2 lacks', () => {
    const cases: Array<[RejectCode, number, number]> = [
      [RejectCode.UnknownSymbol, 1, 1],
      [RejectCode.QtyAboveMaximum, 3, 3],
      [RejectCode.PriceOutsideBand, 3, 3],
      [RejectCode.UnknownOrder, 5, 5],
      [RejectCode.DuplicateClOrdId, 6, 6],
      [RejectCode.DuplicateOrderId, 6, 6],
      [RejectCode.QtyNotOnLot, 13, 0],
      [RejectCode.QtyBelowMinimum, 13, 0],
      [RejectCode.InvalidOrderType, 11, 0],
      [RejectCode.UnsupportedValue, 11, 0],
      [RejectCode.InvalidAccount, 15, 0],
      [RejectCode.PriceNotOnTick, 99, 0],
      [RejectCode.PostOnlyWouldTake, 99, 0],
    ];
    for (const [code, fix44, fix42] of cases) {
      expect(ordRejReason(code, 'FIX.4.4'), String(code)).toBe(fix44);
      expect(ordRejReason(code, 'FIX.4.2'), String(code)).toBe(fix42);
    }
  });

  it('map codes to CxlRejReason: 1 unknown, 0 too late, 6 duplicate (4.4), else 2', () => {
    expect(cxlRejReason(RejectCode.UnknownOrder, 'FIX.4.4')).toBe(1);
    expect(cxlRejReason(RejectCode.UnknownOrder, 'FIX.4.4', true)).toBe(0);
    expect(cxlRejReason(RejectCode.DuplicateClOrdId, 'FIX.4.4')).toBe(6);
    expect(cxlRejReason(RejectCode.DuplicateClOrdId, 'FIX.4.2')).toBe(2);
    expect(cxlRejReason(RejectCode.PriceNotOnTick, 'FIX.4.4')).toBe(2);
  });

  it('put the stable code first in Text', () => {
    expect(rejectText(RejectCode.UnknownSymbol)).toBe('3001 unknown symbol');
    expect(rejectText(RejectCode.UnknownSymbol, 'Symbol X is not listed')).toBe('3001 unknown symbol: Symbol X is not listed');
  });
});

describe('mass cancel reports', () => {
  it('echo the request type and count the orders, or refuse with a reason', () => {
    const ok = bodyOf(massCancelReport({ reportId: 'M1', clOrdID: 'm1', requestType: '1', symbol: 'AAPL', affected: 2, transactTime: T }));
    expect(ok).toEqual({ 11: 'm1', 37: 'M1', 55: 'AAPL', 60: TS, 530: '1', 531: '1', 533: '2' });
    const refused = bodyOf(massCancelReport({ reportId: 'M2', clOrdID: 'm2', requestType: '3', affected: undefined, code: RejectCode.UnsupportedValue, detail: 'd', transactTime: T }));
    expect([refused[531], refused[532], refused[533], refused[58]]).toEqual(['0', '0', undefined, '1006 the venue does not support this value: d']);
    const unknown = bodyOf(massCancelReport({ reportId: 'M3', clOrdID: 'm3', requestType: '1', affected: undefined, code: RejectCode.UnknownSymbol, transactTime: T }));
    expect(unknown[532]).toBe('1');
  });
});

describe('ExecIDs', () => {
  it('number the reports of each command under its sequence number, continuing for answers after it', () => {
    const ids = new ExecIdSource();
    expect([ids.take(7), ids.take(7), ids.take(8), ids.take(8), ids.take(8), ids.take(12)]).toEqual(['7-1', '7-2', '8-1', '8-2', '8-3', '12-1']);
    expect(new ExecIdSource('X').take(1)).toBe('X1-1');
  });
});
