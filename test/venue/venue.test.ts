// The venue end to end over TCP: the real acceptor on 127.0.0.1 (a free port), clients built from
// the project's own FIX initiator. Every client checks every venue message against the FIX 4.2 or
// 4.4 data dictionary, so a malformed report fails here as it would in a QuickFIX client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NullSink } from '../../src/engine/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';
import { pick, TestFixClient, type Version } from './fix-test-client.js';
import type { FixMessage } from '../../src/fix/fix-message.js';

const NOW = (): string => new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');

let venue: Venue;
let port: number;
const venueLog: string[] = [];
const clients: TestFixClient[] = [];

beforeAll(async () => {
  venue = new Venue({ config: resolveVenueConfig({}, { fixPort: 0 }), log: (l) => venueLog.push(l) });
  ({ port } = await venue.start());
});

afterEach(async () => {
  for (const c of clients) expect(c.sessionRejects, `${c.session.key} refused venue messages`).toEqual([]);
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await venue?.stop();
});

async function logon(senderCompID: string, beginString: Version = 'FIX.4.4'): Promise<TestFixClient> {
  const c = await TestFixClient.logon({ port, beginString, senderCompID });
  clients.push(c);
  return c;
}

type Fields = Array<[number, string]>;

function newOrder(c: TestFixClient, clOrdID: string, symbol: string, side: string, qty: string, ordType: string, price: string | undefined, extra: Fields = []): void {
  const fields: Fields = [
    [11, clOrdID],
    [21, '1'],
    [55, symbol],
    [54, side],
    [60, NOW()],
    [38, qty],
    [40, ordType],
  ];
  if (price !== undefined) fields.push([44, price]);
  c.send('D', [...fields, ...extra]);
}

const limit = (c: TestFixClient, clOrdID: string, symbol: string, side: string, qty: string, price: string, extra: Fields = []): void =>
  newOrder(c, clOrdID, symbol, side, qty, '2', price, extra);

function cancel(c: TestFixClient, clOrdID: string, orig: string, symbol: string, side: '1' | '2', qty = '1'): void {
  c.send('F', [
    [11, clOrdID],
    [41, orig],
    [55, symbol],
    [54, side],
    [60, NOW()],
    [38, qty],
  ]);
}

function replace(c: TestFixClient, clOrdID: string, orig: string, symbol: string, side: '1' | '2', qty: string, price: string): void {
  c.send('G', [
    [11, clOrdID],
    [41, orig],
    [21, '1'],
    [55, symbol],
    [54, side],
    [60, NOW()],
    [38, qty],
    [40, '2'],
    [44, price],
  ]);
}

/** What a trader reads on an ExecutionReport. */
const ER_TAGS = [35, 11, 41, 37, 150, 39, 55, 54, 40, 59, 38, 44, 99, 111, 18, 31, 32, 14, 151, 6, 20, 103, 58] as const;
const view = (m: FixMessage) => pick(m, ER_TAGS);
const ER = (fields: Record<number, string>): Record<number, string | undefined> => {
  const out: Record<number, string | undefined> = {};
  for (const tag of ER_TAGS) out[tag] = fields[tag];
  return out;
};

describe('venue over FIX 4.4', () => {
  it('rests, matches, partially fills, replaces and cancels, with every report field right', async () => {
    const seller = await logon('SELL44');
    const buyer = await logon('BUY44');

    limit(seller, 's1', 'AAPL', '2', '100', '101.25', [[59, '1']]);
    limit(seller, 's2', 'AAPL', '2', '50', '101.30', [[59, '1']]);
    const [s1New, s2New] = await seller.take(2);
    const common = { 35: '8', 55: 'AAPL', 54: '2', 40: '2', 59: '1' };
    expect(view(s1New)).toEqual(ER({ ...common, 11: 's1', 37: s1New.get(37)!, 150: '0', 39: '0', 38: '100', 44: '101.25', 14: '0', 151: '100', 6: '0' }));
    expect(view(s2New)).toEqual(ER({ ...common, 11: 's2', 37: s2New.get(37)!, 150: '0', 39: '0', 38: '50', 44: '101.30', 14: '0', 151: '50', 6: '0' }));
    expect(Number(s2New.get(37))).toBe(Number(s1New.get(37)) + 1);

    // The buyer sweeps one level and part of the next.
    limit(buyer, 'b1', 'AAPL', '1', '120', '101.30', [[59, '3']]);
    const [bNew, bFill1, bFill2] = await buyer.take(3);
    const buy = { 35: '8', 11: 'b1', 37: bNew.get(37)!, 55: 'AAPL', 54: '1', 40: '2', 59: '3', 38: '120', 44: '101.30' };
    expect(view(bNew)).toEqual(ER({ ...buy, 150: '0', 39: '0', 14: '0', 151: '120', 6: '0' }));
    expect(view(bFill1)).toEqual(ER({ ...buy, 150: 'F', 39: '1', 31: '101.25', 32: '100', 14: '100', 151: '20', 6: '101.25' }));
    expect(view(bFill2)).toEqual(ER({ ...buy, 150: 'F', 39: '2', 31: '101.30', 32: '20', 14: '120', 151: '0', 6: '101.258333' }));

    const [s1Fill, s2Fill] = await seller.take(2);
    expect(view(s1Fill)).toEqual(ER({ ...common, 11: 's1', 37: s1New.get(37)!, 150: 'F', 39: '2', 38: '100', 44: '101.25', 31: '101.25', 32: '100', 14: '100', 151: '0', 6: '101.25' }));
    expect(view(s2Fill)).toEqual(ER({ ...common, 11: 's2', 37: s2New.get(37)!, 150: 'F', 39: '1', 38: '50', 44: '101.30', 31: '101.30', 32: '20', 14: '20', 151: '30', 6: '101.30' }));
    expect(s1Fill.get(60)).toMatch(/^\d{8}-\d{2}:\d{2}:\d{2}\.\d{3}$/);

    // Replace the partly filled order: a new total of 80 at 101.40 leaves 60.
    replace(seller, 's3', 's2', 'AAPL', '2', '80', '101.40');
    const [replaced] = await seller.take(1);
    expect(view(replaced)).toEqual(ER({ ...common, 11: 's3', 41: 's2', 37: s2New.get(37)!, 150: '5', 39: '1', 38: '80', 44: '101.40', 14: '20', 151: '60', 6: '101.30' }));

    // A buyer lifts 15 of it at the new price: its CumQty counts the fill before the replace.
    limit(buyer, 'b2', 'AAPL', '1', '15', '101.40');
    await buyer.take(2);
    const [s3Fill] = await seller.take(1);
    // (101.30 × 20 + 101.40 × 15) / 35 = 101.342857…
    expect(view(s3Fill)).toEqual(ER({ ...common, 11: 's3', 37: s2New.get(37)!, 150: 'F', 39: '1', 38: '80', 44: '101.40', 31: '101.40', 32: '15', 14: '35', 151: '45', 6: '101.342857' }));

    cancel(seller, 's4', 's3', 'AAPL', '2', '80');
    const [cancelled] = await seller.take(1);
    expect(view(cancelled)).toEqual(ER({ ...common, 11: 's4', 41: 's3', 37: s2New.get(37)!, 150: '4', 39: '4', 38: '80', 44: '101.40', 14: '35', 151: '0', 6: '101.342857' }));

    // Status of the cancelled order, found under its last ClOrdID.
    seller.send('H', [
      [11, 's4'],
      [55, 'AAPL'],
      [54, '2'],
    ]);
    const [status] = await seller.take(1);
    expect(view(status)).toEqual(ER({ ...common, 11: 's4', 37: s2New.get(37)!, 150: 'I', 39: '4', 38: '80', 44: '101.40', 14: '35', 151: '0', 6: '101.342857' }));

    // ExecIDs are unique across sessions.
    const execIds = [...seller.received, ...buyer.received].map((m) => m.get(17));
    expect(new Set(execIds).size).toBe(execIds.length);
    expect(await seller.quiet(100)).toBe(true);
  });

  it('answers each bad request with the right reject and a Text that starts with the code', async () => {
    const c = await logon('BAD44');
    const other = await logon('OTHER44');
    limit(c, 'ok1', 'MSFT', '2', '10', '400.00', [[59, '1']]);
    limit(other, 'o1', 'MSFT', '1', '10', '400.00');
    await other.take(2);
    await c.take(2);

    limit(c, 'r1', 'NOPE', '1', '10', '1.00');
    limit(c, 'r2', 'AAPL', '1', '10', '101.255');
    limit(c, 'r3', 'AAPL', '1', '1.5', '101.25');
    limit(c, 'r4', 'AAPL', '1', '0', '101.25');
    limit(c, 'ok1', 'AAPL', '1', '10', '101.25');
    limit(c, 'r5', 'BTCUSDT', '1', '0.000001', '43000.00');
    newOrder(c, 'r6', 'AAPL', '1', '10', 'P', '101.25');
    limit(c, 'r7', 'AAPL', '1', '10', '101.25', [[59, '6']]);
    limit(c, 'r8', 'AAPL', '5', '10', '101.25');
    const rejects = await c.take(9);
    expect(rejects.map((m) => [m.get(11), m.get(150), m.get(39), m.get(103), m.get(58)])).toEqual([
      ['r1', '8', '8', '1', '3001 unknown symbol: Symbol NOPE is not listed'],
      ['r2', '8', '8', '99', '1002 price is not a multiple of the instrument tick size: Price 101.255, tick size 0.01'],
      ['r3', '8', '8', '13', '1003 quantity is not a multiple of the instrument lot size: OrderQty 1.5, lot size 1'],
      ['r4', '8', '8', '13', '3003 quantity must be a positive whole number of lots: OrderQty 0 must be above zero'],
      ['ok1', '8', '8', '6', '1007 ClOrdID is already in use in this session: ClOrdID ok1'],
      ['r5', '8', '8', '13', '1003 quantity is not a multiple of the instrument lot size: OrderQty 0.000001, lot size 0.00001'],
      ['r6', '8', '8', '11', '3011 order type and its fields do not fit together: OrdType P is not supported; send 1 (market), 2 (limit), 3 (stop) or 4 (stop limit)'],
      ['r7', '8', '8', '11', '3012 time in force is not valid for this order type: TimeInForce 6 is not supported; send 0 (day), 1 (GTC), 3 (IOC) or 4 (FOK)'],
      ['r8', '8', '8', '99', '3002 side must be buy or sell: Side 5 is not supported; send 1 (buy) or 2 (sell)'],
    ]);
    for (const m of rejects) expect([m.get(37), m.get(14), m.get(151), m.get(6)]).toEqual(['NONE', '0', '0', '0']);

    cancel(c, 'x1', 'never', 'AAPL', '1');
    cancel(c, 'x2', 'ok1', 'MSFT', '2');
    replace(c, 'x3', 'never', 'AAPL', '1', '5', '101.00');
    cancel(c, 'x4', 'o1', 'MSFT', '1');
    const cancelRejects = await c.take(4);
    expect(cancelRejects.map((m) => [m.get(35), m.get(11), m.get(41), m.get(39), m.get(434), m.get(102), m.get(58)?.slice(0, 4)])).toEqual([
      ['9', 'x1', 'never', '8', '1', '1', '3009'],
      ['9', 'x2', 'ok1', '2', '1', '0', '3009'],
      ['9', 'x3', 'never', '8', '2', '1', '3009'],
      ['9', 'x4', 'o1', '8', '1', '1', '3009'],
    ]);
    expect(cancelRejects[1].get(58)).toMatch(/order \d+ is already filled$/);

    c.send('H', [
      [11, 'never'],
      [55, 'AAPL'],
      [54, '1'],
    ]);
    const [unknownStatus] = await c.take(1);
    expect(pick(unknownStatus, [35, 37, 150, 39, 103])).toEqual({ 35: '8', 37: 'NONE', 150: 'I', 39: '8', 103: '5' });

    // A message type the venue does not trade on: BusinessMessageReject, Unsupported Message Type.
    c.send('c', [
      [320, 'sd1'],
      [321, '0'],
    ]);
    const [bmr] = await c.take(1);
    expect(pick(bmr, [35, 372, 380, 58])).toEqual({ 35: 'j', 372: 'c', 380: '3', 58: 'Unsupported Message Type' });

    // A message its dictionary refuses is answered by the session layer before the venue sees it.
    c.send('D', [
      [11, 'bad-format'],
      [21, '1'],
      [55, 'AAPL'],
      [54, '1'],
      [60, NOW()],
      [38, 'ten'],
      [40, '2'],
      [44, '101.00'],
    ]);
    const [sessionReject] = await c.take(1);
    expect(pick(sessionReject, [35, 371, 373])).toEqual({ 35: '3', 371: '38', 373: '6' });

    // And after all that the venue still trades.
    limit(c, 'after', 'AAPL', '1', '1', '1.00');
    expect((await c.next()).get(150)).toBe('0');
  });

  it('mass cancels one symbol of the session and reports the count', async () => {
    const c = await logon('MASS44');
    limit(c, 'm1', 'TSLA', '1', '5', '200.00', [[59, '1']]);
    limit(c, 'm2', 'TSLA', '2', '5', '250.00', [[59, '1'], [111, '1']]);
    limit(c, 'm3', 'AMZN', '1', '5', '150.00', [[59, '1']]);
    await c.take(3);
    c.send('q', [
      [11, 'mc1'],
      [530, '1'],
      [55, 'TSLA'],
      [60, NOW()],
    ]);
    const [a, b, report] = await c.take(3);
    expect([a, b].map((m) => [m.get(11), m.get(150), m.get(39), m.get(151), m.get(58)])).toEqual([
      ['m1', '4', '4', '0', 'mass cancel'],
      ['m2', '4', '4', '0', 'mass cancel'],
    ]);
    expect(pick(report, [35, 11, 530, 531, 533, 55])).toEqual({ 35: 'r', 11: 'mc1', 530: '1', 531: '1', 533: '2', 55: 'TSLA' });
  });
});

describe('venue over FIX 4.2', () => {
  it('reports fills with ExecTransType 0, ExecType 1/2 and LastShares, a replace as OrdStatus 5', async () => {
    const maker = await logon('MAKER42', 'FIX.4.2');
    const taker = await logon('TAKER42', 'FIX.4.2');
    limit(maker, 'm1', 'ETHUSDT', '2', '1.5', '2500.10', [[59, '1']]);
    const [ack] = await maker.take(1);
    expect(view(ack)).toEqual(ER({ 35: '8', 11: 'm1', 37: ack.get(37)!, 20: '0', 150: '0', 39: '0', 55: 'ETHUSDT', 54: '2', 40: '2', 59: '1', 38: '1.5000', 44: '2500.10', 14: '0.0000', 151: '1.5000', 6: '0' }));

    limit(taker, 't1', 'ETHUSDT', '1', '0.4', '2500.10');
    const [, takerFill] = await taker.take(2);
    expect(pick(takerFill, [20, 150, 39, 31, 32, 14, 151, 6])).toEqual({ 20: '0', 150: '2', 39: '2', 31: '2500.10', 32: '0.4000', 14: '0.4000', 151: '0.0000', 6: '2500.10' });
    const [makerFill] = await maker.take(1);
    expect(pick(makerFill, [20, 150, 39, 31, 32, 14, 151, 6])).toEqual({ 20: '0', 150: '1', 39: '1', 31: '2500.10', 32: '0.4000', 14: '0.4000', 151: '1.1000', 6: '2500.10' });

    replace(maker, 'm2', 'm1', 'ETHUSDT', '2', '1', '2500.20');
    const [replaced] = await maker.take(1);
    expect(pick(replaced, [11, 41, 20, 150, 39, 38, 44, 14, 151])).toEqual({ 11: 'm2', 41: 'm1', 20: '0', 150: '5', 39: '5', 38: '1.0000', 44: '2500.20', 14: '0.4000', 151: '0.6000' });

    maker.send('H', [
      [11, 'm2'],
      [55, 'ETHUSDT'],
      [54, '2'],
    ]);
    const [status] = await maker.take(1);
    expect(pick(status, [20, 150, 39, 14, 151])).toEqual({ 20: '3', 150: '1', 39: '1', 14: '0.4000', 151: '0.6000' });

    cancel(maker, 'm3', 'm2', 'ETHUSDT', '2');
    const [cancelled] = await maker.take(1);
    expect(pick(cancelled, [11, 41, 20, 150, 39, 151])).toEqual({ 11: 'm3', 41: 'm2', 20: '0', 150: '4', 39: '4', 151: '0.0000' });

    limit(maker, 'bad', 'ETHUSDT', '2', '1', '2500.001');
    const [rejected] = await maker.take(1);
    expect(pick(rejected, [20, 150, 39, 103])).toEqual({ 20: '0', 150: '8', 39: '8', 103: '0' });
    expect(rejected.get(58)).toMatch(/^1002 /);

    // FIX 4.2 has no OrderMassCancelRequest: the session refuses the message type.
    maker.send('q', [
      [11, 'mc'],
      [530, '7'],
      [60, NOW()],
    ]);
    const [refused] = await maker.take(1);
    expect(pick(refused, [35, 372, 373])).toEqual({ 35: '3', 372: 'q', 373: '11' });
  });
});

describe('halted symbols over FIX', () => {
  it('cancels the resting orders of a halted symbol, rejects new ones with 2001, and trades again once resumed', async () => {
    const c = await logon('HALT42', 'FIX.4.2');
    limit(c, 'a1', 'BNBUSDT', '1', '2', '590.00', [[59, '1']]);
    await c.take(1);
    expect(await venue.halt('BNBUSDT')).toEqual({ ok: true });
    const [cancelled] = await c.take(1);
    expect(pick(cancelled, [11, 20, 150, 39, 151, 58])).toEqual({ 11: 'a1', 20: '0', 150: '4', 39: '4', 151: '0.000', 58: 'trading in this symbol is halted' });

    limit(c, 'a2', 'BNBUSDT', '1', '2', '590.00');
    const [rejected] = await c.take(1);
    expect(pick(rejected, [11, 150, 39, 103, 58])).toEqual({ 11: 'a2', 150: '8', 39: '8', 103: '0', 58: '2001 trading in this symbol is halted' });
    cancel(c, 'a3', 'a1', 'BNBUSDT', '1');
    const [tooLate] = await c.take(1);
    expect(pick(tooLate, [35, 11, 41, 39, 102])).toEqual({ 35: '9', 11: 'a3', 41: 'a1', 39: '4', 102: '0' });
    // Other symbols trade on.
    limit(c, 'a4', 'SOLUSDT', '1', '1', '140.00');
    expect((await c.next()).get(150)).toBe('0');

    expect(await venue.resume('BNBUSDT')).toEqual({ ok: true });
    limit(c, 'a5', 'BNBUSDT', '1', '2', '590.00');
    expect(pick(await c.next(), [11, 150])).toEqual({ 11: 'a5', 150: '0' });
  });
});

describe('venue lifecycle', () => {
  it('logs every session out when it stops', async () => {
    const own = new Venue({ config: resolveVenueConfig({}, { fixPort: 0 }) });
    const { port: ownPort } = await own.start();
    const c = await TestFixClient.logon({ port: ownPort, beginString: 'FIX.4.4', senderCompID: 'LEAVER' });
    expect(c.session.isLoggedOn()).toBe(true);
    await own.stop();
    const deadline = Date.now() + 5000;
    while (c.session.isLoggedOn() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(c.session.isLoggedOn()).toBe(false);
    await c.stop();
  });

  it('logs session logons to the venue log', () => {
    expect(venueLog.some((l) => l === 'logon FIX.4.4 SELL44')).toBe(true);
  });
});

describe('engine events told to observers', () => {
  it('carry the time of their command, even when told after the journal made it durable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crucible-event-time-'));
    const clock = new ManualClock(1_700_000_000_000);
    const at = (ms: number): void => clock.advance(ms - clock.now());
    const own = await Venue.open({ config: resolveVenueConfig({ dataDir: dir }, { fixPort: 0 }), clock });
    try {
      const seen: Array<[string, number]> = [];
      own.core.addObserver(
        new (class extends NullSink {
          override accepted(): void {
            seen.push(['accepted', own.core.eventTime]);
          }
          override fill(): void {
            seen.push(['fill', own.core.eventTime]);
          }
        })(),
      );
      at(1_700_000_000_500);
      const resting = own.orders.submit({ account: 'a', symbol: 'AAPL', side: 'sell', type: 'limit', price: '190.00', quantity: '5' });
      at(1_700_000_000_900);
      const taking = own.orders.submit({ account: 'b', symbol: 'AAPL', side: 'buy', type: 'limit', price: '190.00', quantity: '5' });
      // Released once durable, by which time the venue clock has moved on.
      at(1_700_000_005_000);
      await Promise.all([resting, taking]);
      expect(seen).toEqual([
        ['accepted', 1_700_000_000_500],
        ['accepted', 1_700_000_000_900],
        ['fill', 1_700_000_000_900],
      ]);
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
