// The FIX application between fake sessions and a real engine: every request type, every engine
// event type, and the report each owner gets. Sessions here are plain objects recording what the
// application sends; test/venue/venue.test.ts runs the same application over TCP.
import { describe, expect, it } from 'vitest';
import { StpMode } from '../../src/engine/index.js';
import type { FieldValue } from '../../src/fix/encoder.js';
import { FieldNotFound, type OutgoingMessage, UnsupportedMessageType } from '../../src/fix/session.js';
import { ManualClock } from '../../src/shared/clock.js';
import { ExecIdSource } from '../../src/venue/execution-reports.js';
import { FixVenueApplication, type OrderSession, type VenueSequencer } from '../../src/venue/fix-application.js';
import { DEFAULT_INSTRUMENTS } from '../../src/venue/instruments.js';
import { Outbox } from '../../src/venue/outbox.js';
import { Sequencer } from '../../src/venue/sequencer.js';
import { VenueCore } from '../../src/venue/venue-core.js';
import { bodyOf, received } from './fix-messages.js';

const T0 = Date.UTC(2024, 0, 2, 14, 30, 0, 0);
const NOW = '20240102-14:30:00';

type Report = Record<number, string> & { msgType: string };

interface Client {
  readonly session: OrderSession;
  readonly beginString: 'FIX.4.2' | 'FIX.4.4';
  readonly sent: OutgoingMessage[];
  /** What the client got since the last call: [msgType, body] pairs. */
  reports(): Report[];
}

function setup(options: { stp?: StpMode; recentOrders?: number; maxOrdersPerSecond?: number } = {}) {
  const clock = new ManualClock(T0);
  const logs: string[] = [];
  const core = new VenueCore({ recentOrders: options.recentOrders ?? 1000, execIds: new ExecIdSource('X'), log: (l) => logs.push(l) });
  const sequencer: VenueSequencer = new Sequencer({ clock, apply: (s, context) => core.apply(s, context) });
  sequencer.submit({ kind: 'start', instruments: DEFAULT_INSTRUMENTS });
  const engine = core.engine;
  const registry = core.registry;
  const application = new FixVenueApplication({
    core,
    sequencer,
    outbox: new Outbox(true),
    clock,
    stp: options.stp ?? StpMode.None,
    log: (l) => logs.push(l),
    ...(options.maxOrdersPerSecond !== undefined ? { maxOrdersPerSecond: options.maxOrdersPerSecond } : {}),
  });

  function client(compId: string, beginString: 'FIX.4.2' | 'FIX.4.4' = 'FIX.4.4'): Client {
    const sent: OutgoingMessage[] = [];
    let read = 0;
    const session = { key: `${beginString}:CRUCIBLE->${compId}`, id: { beginString, senderCompID: 'CRUCIBLE', targetCompID: compId }, send: (m: OutgoingMessage) => (sent.push(m), true) };
    return {
      session,
      beginString,
      sent,
      reports() {
        const out = sent.slice(read).map((m) => ({ msgType: m.msgType, ...bodyOf(m) }));
        read = sent.length;
        return out;
      },
    };
  }

  const send = (c: Client, msgType: string, fields: Array<[number, FieldValue]>): void =>
    application.handle(received(msgType, [...fields, [60, NOW]], c.beginString, c.session.id.targetCompID), c.session);

  const order = (c: Client, clOrdID: string, symbol: string, side: '1' | '2', qty: string, price: string | undefined, extra: Array<[number, FieldValue]> = []): void =>
    send(c, 'D', [[11, clOrdID], [21, '1'], [55, symbol], [54, side], [38, qty], [40, price === undefined ? '1' : '2'], ...(price === undefined ? [] : ([[44, price]] as Array<[number, FieldValue]>)), ...extra]);

  const cancel = (c: Client, clOrdID: string, orig: string, symbol: string, side: '1' | '2'): void =>
    send(c, 'F', [[11, clOrdID], [41, orig], [55, symbol], [54, side]]);

  const replace = (c: Client, clOrdID: string, orig: string, symbol: string, side: '1' | '2', qty: string, price: string, extra: Array<[number, FieldValue]> = []): void =>
    send(c, 'G', [[11, clOrdID], [41, orig], [21, '1'], [55, symbol], [54, side], [38, qty], [40, '2'], [44, price], ...extra]);

  return { clock, logs, app: application, engine, sequencer, registry, client, send, order, cancel, replace };
}

/** The fields a trader reads on an ExecutionReport, in one place. */
const er = (m: Record<number, string>) => ({
  clOrdID: m[11],
  orderID: m[37],
  execType: m[150],
  ordStatus: m[39],
  side: m[54],
  orderQty: m[38],
  price: m[44],
  lastPx: m[31],
  lastQty: m[32],
  cumQty: m[14],
  leavesQty: m[151],
  avgPx: m[6],
});

describe('FIX application: orders that rest, match and fill', () => {
  it('acknowledges a resting order and reports a trade to both sides, taker first, exact decimals', () => {
    const { client, order } = setup();
    const seller = client('SELLER');
    const buyer = client('BUYER');
    order(seller, 's1', 'AAPL', '2', '100', '101.25', [[59, '1']]);
    order(seller, 's2', 'AAPL', '2', '50', '101.30', [[59, '1']]);
    expect(seller.reports().map(er)).toEqual([
      { clOrdID: 's1', orderID: '1', execType: '0', ordStatus: '0', side: '2', orderQty: '100', price: '101.25', lastPx: undefined, lastQty: undefined, cumQty: '0', leavesQty: '100', avgPx: '0' },
      { clOrdID: 's2', orderID: '2', execType: '0', ordStatus: '0', side: '2', orderQty: '50', price: '101.30', lastPx: undefined, lastQty: undefined, cumQty: '0', leavesQty: '50', avgPx: '0' },
    ]);

    order(buyer, 'b1', 'AAPL', '1', '120', '101.30', [[59, '3']]);
    expect(buyer.reports().map(er)).toEqual([
      { clOrdID: 'b1', orderID: '3', execType: '0', ordStatus: '0', side: '1', orderQty: '120', price: '101.30', lastPx: undefined, lastQty: undefined, cumQty: '0', leavesQty: '120', avgPx: '0' },
      { clOrdID: 'b1', orderID: '3', execType: 'F', ordStatus: '1', side: '1', orderQty: '120', price: '101.30', lastPx: '101.25', lastQty: '100', cumQty: '100', leavesQty: '20', avgPx: '101.25' },
      { clOrdID: 'b1', orderID: '3', execType: 'F', ordStatus: '2', side: '1', orderQty: '120', price: '101.30', lastPx: '101.30', lastQty: '20', cumQty: '120', leavesQty: '0', avgPx: '101.258333' },
    ]);
    expect(seller.reports().map(er)).toEqual([
      { clOrdID: 's1', orderID: '1', execType: 'F', ordStatus: '2', side: '2', orderQty: '100', price: '101.25', lastPx: '101.25', lastQty: '100', cumQty: '100', leavesQty: '0', avgPx: '101.25' },
      { clOrdID: 's2', orderID: '2', execType: 'F', ordStatus: '1', side: '2', orderQty: '50', price: '101.30', lastPx: '101.30', lastQty: '20', cumQty: '20', leavesQty: '30', avgPx: '101.30' },
    ]);
  });

  it('speaks FIX 4.2 to a 4.2 session: ExecTransType 0, ExecType 1/2, LastShares', () => {
    const { client, order } = setup();
    const maker = client('M42', 'FIX.4.2');
    const taker = client('T44');
    order(maker, 'm1', 'MSFT', '2', '10', '400.00', [[59, '1']]);
    order(taker, 't1', 'MSFT', '1', '4', '400.00');
    order(taker, 't2', 'MSFT', '1', '6', '400.00');
    const reports = maker.reports();
    expect(reports.map((m) => [m[20], m[150], m[39], m[32], m[14], m[151]])).toEqual([
      ['0', '0', '0', undefined, '0', '10'],
      ['0', '1', '1', '4', '4', '6'],
      ['0', '2', '2', '6', '10', '0'],
    ]);
    expect(taker.reports().every((m) => m[20] === undefined)).toBe(true);
  });

  it('stamps TransactTime with the time the sequencer gave the command', () => {
    const { client, order, clock } = setup();
    const c = client('C');
    clock.advance(1234);
    order(c, 'c1', 'AAPL', '1', '1', '1.00');
    expect(c.reports()[0][60]).toBe('20240102-14:30:01.234');
  });

  it('keeps trading in fractional lots exact (BTCUSDT, lot 0.00001)', () => {
    const { client, order } = setup();
    const a = client('A');
    const b = client('B');
    order(a, 'a1', 'BTCUSDT', '2', '0.5', '43000.01', [[59, '1']]);
    order(a, 'a2', 'BTCUSDT', '2', '0.5', '43000.02', [[59, '1']]);
    order(b, 'b1', 'BTCUSDT', '1', '0.70003', '43000.02');
    const fills = b.reports().filter((m) => m[150] === 'F');
    expect(fills.map((m) => [m[31], m[32], m[14], m[151], m[6]])).toEqual([
      ['43000.01', '0.50000', '0.50000', '0.20003', '43000.01'],
      // (43000.01 × 0.5 + 43000.02 × 0.20003) / 0.70003 = 43000.012857…
      ['43000.02', '0.20003', '0.70003', '0.00000', '43000.012857'],
    ]);
  });
});

describe('FIX application: replace and cancel', () => {
  it('replaces a partly filled order (new ClOrdID, OrigClOrdID, new totals) and then cancels it', () => {
    const { client, order, replace, cancel } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 's1', 'AAPL', '2', '50', '101.30', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '20', '101.30');
    s.reports();
    replace(s, 's2', 's1', 'AAPL', '2', '80', '101.40');
    const [replaced] = s.reports();
    expect({ ...er(replaced), origClOrdID: replaced[41] }).toEqual({
      clOrdID: 's2', orderID: '1', execType: '5', ordStatus: '1', side: '2', orderQty: '80', price: '101.40',
      lastPx: undefined, lastQty: undefined, cumQty: '20', leavesQty: '60', avgPx: '101.30', origClOrdID: 's1',
    });
    cancel(s, 's3', 's2', 'AAPL', '2');
    const [cancelled] = s.reports();
    expect({ ...er(cancelled), origClOrdID: cancelled[41], text: cancelled[58] }).toEqual({
      clOrdID: 's3', orderID: '1', execType: '4', ordStatus: '4', side: '2', orderQty: '80', price: '101.40',
      lastPx: undefined, lastQty: undefined, cumQty: '20', leavesQty: '0', avgPx: '101.30', origClOrdID: 's2', text: undefined,
    });
  });

  it('finds the order under any ClOrdID it has had, or by OrderID', () => {
    const { client, order, replace, send } = setup();
    const s = client('S');
    order(s, 's1', 'AAPL', '2', '50', '101.30', [[59, '1']]);
    replace(s, 's2', 's1', 'AAPL', '2', '40', '101.30');
    replace(s, 's3', 's1', 'AAPL', '2', '30', '101.30');
    send(s, 'F', [[11, 's4'], [41, 'unknown-to-us'], [37, '1'], [55, 'AAPL'], [54, '2']]);
    expect(s.reports().map((m) => [m[150], m[11], m[41], m[38]])).toEqual([
      ['0', 's1', undefined, '50'],
      ['5', 's2', 's1', '40'],
      ['5', 's3', 's2', '30'],
      ['4', 's4', 's3', '30'],
    ]);
  });

  it('reports a replace that crosses as the replace, then the trade', () => {
    const { client, order, replace } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 's1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '10', '100.00', [[59, '1']]);
    b.reports();
    replace(b, 'b2', 'b1', 'AAPL', '1', '10', '101.00');
    expect(b.reports().map((m) => [m[150], m[39], m[11], m[31], m[14]])).toEqual([
      ['5', '0', 'b2', undefined, '0'],
      ['F', '2', 'b2', '101.00', '10'],
    ]);
  });

  it('says "too late" (CxlRejReason 0) for a done order, "unknown" (1) for one it does not have', () => {
    const { client, order, cancel, replace } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 's1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '10', '101.00');
    s.reports();
    cancel(s, 's2', 's1', 'AAPL', '2');
    replace(s, 's3', 's1', 'AAPL', '2', '20', '101.00');
    cancel(s, 's4', 'nope', 'AAPL', '2');
    cancel(b, 'b2', 's1', 'AAPL', '2'); // another session's order is not b's to cancel
    const pick = (m: Report) => [m.msgType, m[37], m[11], m[41], m[39], m[434], m[102], m[58]];
    expect(s.reports().map(pick)).toEqual([
      ['9', '1', 's2', 's1', '2', '1', '0', '3009 unknown order (never entered, already done, or owned by another account): order 1 is already filled'],
      ['9', '1', 's3', 's1', '2', '2', '0', '3009 unknown order (never entered, already done, or owned by another account): order 1 is already filled'],
      ['9', 'NONE', 's4', 'nope', '8', '1', '1', '3009 unknown order (never entered, already done, or owned by another account): no order with OrigClOrdID nope in this session'],
    ]);
    expect(b.reports().filter((m) => m.msgType === '9').map(pick)).toEqual([
      ['9', 'NONE', 'b2', 's1', '8', '1', '1', '3009 unknown order (never entered, already done, or owned by another account): no order with OrigClOrdID s1 in this session'],
    ]);
  });

  it('refuses a cancel whose Symbol or Side does not match the order', () => {
    const { client, order, cancel } = setup();
    const s = client('S');
    order(s, 's1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    s.reports();
    cancel(s, 's2', 's1', 'MSFT', '2');
    cancel(s, 's3', 's1', 'AAPL', '1');
    expect(s.reports().map((m) => [m[102], m[58]])).toEqual([
      ['1', '3009 unknown order (never entered, already done, or owned by another account): OrigClOrdID s1 is a sell order in AAPL; Symbol and Side must match it'],
      ['1', '3009 unknown order (never entered, already done, or owned by another account): OrigClOrdID s1 is a sell order in AAPL; Symbol and Side must match it'],
    ]);
  });

  it("passes the engine's replace rejects on as OrderCancelReject 434=2 with the code", () => {
    const { client, order, replace } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 's1', 'AAPL', '2', '50', '101.00', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '30', '101.00');
    s.reports();
    replace(s, 's2', 's1', 'AAPL', '2', '30', '101.00');
    replace(s, 's3', 's1', 'AAPL', '2', '60', '101.001');
    replace(s, 's4', 's1', 'AAPL', '1', '60', '101.00');
    expect(s.reports().map((m) => [m.msgType, m[11], m[39], m[434], m[102], m[58]])).toEqual([
      ['9', 's2', '1', '2', '2', '3016 new order quantity must be above the quantity already filled'],
      ['9', 's3', '1', '2', '2', '1002 price is not a multiple of the instrument tick size: Price 101.001, tick size 0.01'],
      ['9', 's4', '8', '2', '1', '3009 unknown order (never entered, already done, or owned by another account): OrigClOrdID s1 is a sell order in AAPL; Symbol and Side must match it'],
    ]);
  });
});

describe('FIX application: rejects', () => {
  it('refuses a ClOrdID used before in the session, on D, F and G alike', () => {
    const { client, order, cancel, replace } = setup();
    const s = client('S');
    const other = client('OTHER');
    order(s, 'x', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(s, 'x', 'AAPL', '2', '10', '101.00');
    cancel(s, 'x', 'x', 'AAPL', '2');
    replace(s, 'x', 'x', 'AAPL', '2', '5', '101.00');
    order(other, 'x', 'AAPL', '2', '10', '101.00');
    expect(s.reports().map((m) => [m.msgType, m[150], m[103], m[102], m[58]])).toEqual([
      ['8', '0', undefined, undefined, undefined],
      ['8', '8', '6', undefined, '1007 ClOrdID is already in use in this session: ClOrdID x'],
      ['9', undefined, undefined, '6', '1007 ClOrdID is already in use in this session: ClOrdID x'],
      ['9', undefined, undefined, '6', '1007 ClOrdID is already in use in this session: ClOrdID x'],
    ]);
    expect(other.reports().map((m) => m[150])).toEqual(['0']);
  });

  it('keeps the ClOrdID of a rejected request taken', () => {
    const { client, order } = setup();
    const s = client('S');
    order(s, 'r1', 'NOPE', '1', '1', '1.00');
    order(s, 'r1', 'AAPL', '1', '1', '1.00');
    expect(s.reports().map((m) => m[58])).toEqual(['3001 unknown symbol: Symbol NOPE is not listed', '1007 ClOrdID is already in use in this session: ClOrdID r1']);
  });

  it("answers the engine's own rejects with its code and the engine order id", () => {
    const { client, order } = setup();
    const s = client('S');
    order(s, 'rest', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(s, 'po', 'AAPL', '1', '10', '101.00', [[59, '1'], [18, '6']]);
    order(s, 'ice', 'AAPL', '1', '10', '100.00', [[111, '11']]);
    expect(s.reports().map((m) => [m[37], m[150], m[39], m[103], m[58]])).toEqual([
      ['1', '0', '0', undefined, undefined],
      ['2', '8', '8', '99', '3010 post-only order would take liquidity'],
      ['3', '8', '8', '13', '3014 display quantity must be a positive whole number of lots, no larger than the order quantity'],
    ]);
  });

  it('throws what the session answers for itself: unsupported types, a missing ClOrdID, mass cancel on 4.2', () => {
    const { client, send } = setup();
    const s = client('S');
    const old = client('OLD', 'FIX.4.2');
    expect(() => send(s, 'V', [[262, 'md1']])).toThrow(UnsupportedMessageType);
    expect(() => send(s, 'D', [[55, 'AAPL'], [54, '1'], [38, '1'], [40, '1']])).toThrow(FieldNotFound);
    expect(() => send(old, 'q', [[11, 'm'], [530, '7']])).toThrow(UnsupportedMessageType);
    expect(s.sent).toEqual([]);
  });
});

describe('FIX application: order types and unsolicited cancels', () => {
  it('cancels what an IOC, a FOK or a market order could not fill, saying why', () => {
    const { client, order } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 's1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'ioc', 'AAPL', '1', '15', '101.00', [[59, '3']]);
    order(s, 's2', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'fok', 'AAPL', '1', '15', '101.00', [[59, '4']]);
    order(b, 'mkt', 'AAPL', '1', '15', undefined);
    expect(b.reports().map((m) => [m[11], m[150], m[39], m[14], m[151], m[58]])).toEqual([
      ['ioc', '0', '0', '0', '15', undefined],
      ['ioc', 'F', '1', '10', '5', undefined],
      ['ioc', '4', '4', '10', '0', 'immediate or cancel: the quantity not filled at once is cancelled'],
      ['fok', '0', '0', '0', '15', undefined],
      ['fok', '4', '4', '0', '0', 'fill or kill: the order could not be filled in full, nothing traded'],
      ['mkt', '0', '0', '0', '15', undefined],
      ['mkt', 'F', '1', '10', '5', undefined],
      ['mkt', '4', '4', '10', '0', 'market order: no more liquidity to trade against, the rest is cancelled'],
    ]);
  });

  it('shows an iceberg with MaxFloor and fills it in its tranches', () => {
    const { client, order } = setup();
    const s = client('S');
    const b = client('B');
    order(s, 'ice', 'AAPL', '2', '30', '101.00', [[59, '1'], [111, '10']]);
    order(b, 'b1', 'AAPL', '1', '25', '101.00');
    const reports = s.reports();
    expect(reports.map((m) => [m[150], m[111], m[32], m[14], m[151]])).toEqual([
      ['0', '10', undefined, '0', '30'],
      ['F', '10', '10', '10', '20'],
      ['F', '10', '10', '20', '10'],
      ['F', '10', '5', '25', '5'],
    ]);
  });

  it('echoes StopPx on a stop order through its trigger and fill', () => {
    const { client, order, send } = setup();
    const s = client('S');
    const b = client('B');
    send(b, 'D', [[11, 'stop'], [55, 'AAPL'], [54, '1'], [38, '5'], [40, '3'], [99, '101.00'], [59, '1']]);
    order(s, 's1', 'AAPL', '2', '1', '101.00', [[59, '1']]);
    order(s, 's2', 'AAPL', '2', '10', '101.50', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '1', '101.00');
    expect(b.reports().filter((m) => m[11] === 'stop').map((m) => [m[150], m[40], m[44], m[99], m[31], m[14], m[151]])).toEqual([
      ['0', '3', undefined, '101.00', undefined, '0', '5'],
      ['F', '3', undefined, '101.00', '101.50', '5', '0'],
    ]);
  });

  it('expires DAY orders at the end of the day and leaves GTC orders', () => {
    const { client, order, sequencer } = setup();
    const s = client('S');
    order(s, 'day', 'AAPL', '2', '10', '101.00');
    order(s, 'gtc', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    s.reports();
    sequencer.submit({ kind: 'endOfDay' });
    expect(s.reports().map((m) => [m[11], m[150], m[39], m[151], m[58]])).toEqual([['day', 'C', 'C', '0', 'day order expired at the end of the trading day']]);
  });
});

describe('FIX application: accounts and self-trade prevention', () => {
  it('lets two sessions trade when they are different accounts, with STP off', () => {
    const { client, order } = setup();
    const a = client('A');
    const b = client('B');
    order(a, 'a1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '10', '101.00');
    expect(b.reports().map((m) => m[150])).toEqual(['0', 'F']);
  });

  it('treats Account (1) as the owner: one account over two sessions is prevented from self-trading', () => {
    const { client, order } = setup({ stp: StpMode.CancelNewest });
    const a = client('A');
    const b = client('B');
    order(a, 'a1', 'AAPL', '2', '10', '101.00', [[59, '1'], [1, 'FUND']]);
    order(b, 'b1', 'AAPL', '1', '10', '101.00', [[1, 'FUND']]);
    expect(b.reports().map((m) => [m[150], m[1], m[58]])).toEqual([
      ['0', 'FUND', undefined],
      ['4', 'FUND', 'self-trade prevention'],
    ]);
    // Without the Account tag the session's CompID is the account, so B trades with A.
    order(b, 'b2', 'AAPL', '1', '10', '101.00');
    expect(b.reports().map((m) => m[150])).toEqual(['0', 'F']);
  });

  it('restates an order that self-trade prevention reduced (decrement and cancel)', () => {
    const { client, order } = setup({ stp: StpMode.DecrementAndCancel });
    const a = client('A');
    order(a, 'big', 'AAPL', '2', '30', '101.00', [[59, '1']]);
    order(a, 'small', 'AAPL', '1', '10', '101.00');
    expect(a.reports().map((m) => [m[11], m[150], m[39], m[38], m[151], m[14], m[58]])).toEqual([
      ['big', '0', '0', '30', '30', '0', undefined],
      ['small', '0', '0', '10', '10', '0', undefined],
      ['big', 'D', '0', '20', '20', '0', 'self-trade prevention: 10 cancelled, 20 left'],
      ['small', '4', '4', '10', '0', '0', 'self-trade prevention'],
    ]);
  });
});

describe('FIX application: status and mass cancel', () => {
  it("reports an order's status by ClOrdID or OrderID, and says so when it has no such order", () => {
    const { client, order, send } = setup();
    const s = client('S');
    const b = client('B', 'FIX.4.2');
    order(s, 's1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(b, 'b1', 'AAPL', '1', '4', '101.00');
    s.reports();
    b.reports();
    send(s, 'H', [[11, 's1'], [55, 'AAPL'], [54, '2']]);
    send(s, 'H', [[11, 'whatever'], [37, '1'], [55, 'AAPL'], [54, '2']]);
    send(s, 'H', [[11, 'b1'], [55, 'AAPL'], [54, '1']]);
    send(b, 'H', [[11, 'b1'], [55, 'AAPL'], [54, '1']]);
    expect(s.reports().map((m) => [m[37], m[150], m[39], m[14], m[151], m[6], m[103]])).toEqual([
      ['1', 'I', '1', '4', '6', '101.00', undefined],
      ['1', 'I', '1', '4', '6', '101.00', undefined],
      ['NONE', 'I', '8', '0', '0', '0', '5'],
    ]);
    expect(b.reports().map((m) => [m[20], m[150], m[39], m[14]])).toEqual([['3', '2', '2', '4']]);
  });

  it("cancels the session's orders for one symbol and side, then reports how many", () => {
    const { client, order, send } = setup();
    const s = client('S');
    const other = client('O');
    order(s, 'a', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(s, 'b', 'AAPL', '2', '10', '101.10', [[59, '1']]);
    order(s, 'c', 'AAPL', '1', '10', '100.00', [[59, '1']]);
    order(s, 'd', 'MSFT', '2', '10', '400.00', [[59, '1']]);
    order(other, 'e', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    s.reports();
    other.reports();
    send(s, 'q', [[11, 'm1'], [530, '1'], [55, 'AAPL'], [54, '2']]);
    expect(s.reports().map((m) => [m.msgType, m[11], m[150], m[39], m[58], m[531], m[533]])).toEqual([
      ['8', 'a', '4', '4', 'mass cancel', undefined, undefined],
      ['8', 'b', '4', '4', 'mass cancel', undefined, undefined],
      ['r', 'm1', undefined, undefined, undefined, '1', '2'],
    ]);
    send(s, 'q', [[11, 'm2'], [530, '7']]);
    expect(s.reports().map((m) => [m.msgType, m[11], m[531], m[533]])).toEqual([
      ['8', 'c', undefined, undefined],
      ['8', 'd', undefined, undefined],
      ['r', 'm2', '7', '2'],
    ]);
    send(s, 'q', [[11, 'm3'], [530, '1'], [55, 'NOPE']]);
    send(s, 'q', [[11, 'm3'], [530, '7']]);
    expect(s.reports().map((m) => [m[531], m[532], m[58]])).toEqual([
      ['0', '1', '3001 unknown symbol: Symbol NOPE is not listed'],
      ['0', '99', '1007 ClOrdID is already in use in this session: ClOrdID m3'],
    ]);
    expect(other.reports()).toEqual([]);
  });
});

describe('FIX application: failures stay contained', () => {
  it('logs a session that cannot be written to and keeps matching for everyone else', () => {
    const { client, order, logs, engine } = setup();
    const broken = client('BROKEN');
    const fine = client('FINE');
    (broken.session as { send: unknown }).send = () => {
      throw new Error('socket gone');
    };
    order(broken, 'x1', 'AAPL', '2', '10', '101.00', [[59, '1']]);
    order(fine, 'f1', 'AAPL', '1', '4', '101.00');
    expect(fine.reports().map((m) => [m[150], m[14]])).toEqual([
      ['0', '0'],
      ['F', '4'],
    ]);
    expect(logs.some((l) => /could not send 8 to FIX\.4\.4:CRUCIBLE->BROKEN: socket gone/.test(l))).toBe(true);
    expect(engine.book('AAPL')!.order(1)).toMatchObject({ leavesQty: 6, cumQty: 4 });
  });
});

describe('FIX application: the order rate of a session', () => {
  it('rejects new orders and replaces over the limit in a second with 2003, never cancels, and takes orders again the next second', () => {
    const { client, order, replace, cancel, clock } = setup({ maxOrdersPerSecond: 3 });
    const fast = client('FAST');
    const other = client('OTHER');
    for (let i = 1; i <= 3; i++) order(fast, `o${i}`, 'AAPL', '1', '1', '100.00');
    order(fast, 'o4', 'AAPL', '1', '1', '100.00');
    const reports = fast.reports();
    expect(reports.map((m) => [m[11], m[150], m[39]])).toEqual([
      ['o1', '0', '0'],
      ['o2', '0', '0'],
      ['o3', '0', '0'],
      ['o4', '8', '8'],
    ]);
    expect(reports[3]![58]).toMatch(/^2003 order rate limit of the session exceeded: more than 3 new orders and replaces in a second/);
    // Another session has its own budget; a cancel is never limited.
    order(other, 'x1', 'AAPL', '2', '1', '101.00');
    expect(other.reports().map((m) => m[150])).toEqual(['0']);
    cancel(fast, 'c1', 'o1', 'AAPL', '1');
    expect(fast.reports().map((m) => [m[35] ?? '8', m[150], m[39]])).toEqual([['8', '4', '4']]);
    replace(fast, 'r1', 'o2', 'AAPL', '1', '2', '100.01');
    const refused = fast.reports();
    expect(refused.map((m) => [m.msgType, m[102], m[434]])).toEqual([['9', '2', '2']]);
    expect(refused[0]![58]).toMatch(/^2003 /);
    clock.advance(1_000);
    replace(fast, 'r2', 'o2', 'AAPL', '1', '2', '100.01');
    expect(fast.reports().map((m) => [m[11], m[150]])).toEqual([['r2', '5']]);
  });
});
