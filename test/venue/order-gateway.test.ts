// The in-process order gateway on a real venue with a data directory: orders pass the sequencer,
// the journal and the engine like FIX orders, answers come once durable, FIX and API clients trade
// with each other, and halts, run-time listings and API orders survive a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NullSink } from '../../src/engine/index.js';
import type { OrderEntryRequest, OrderEntryResult, OrderState } from '../../src/shared/order-gateway.js';
import { RejectCode } from '../../src/shared/reject-codes.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { dataLayout } from '../../src/venue/storage.js';
import { recover } from '../../src/venue/recovery.js';
import { Venue } from '../../src/venue/venue.js';
import { pick, TestFixClient } from './fix-test-client.js';

const scratch = mkdtempSync(join(tmpdir(), 'crucible-gateway-'));
const clients: TestFixClient[] = [];
const venues: Venue[] = [];
let dirs = 0;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await Promise.allSettled(venues.map((v) => v.stop()));
  rmSync(scratch, { recursive: true, force: true });
});

interface Opened {
  readonly venue: Venue;
  readonly port: number;
  readonly log: string[];
}

async function open(dataDir = join(scratch, `data-${++dirs}`)): Promise<Opened> {
  const log: string[] = [];
  const config = resolveVenueConfig({ dataDir, fix: { port: 0 } });
  const venue = await Venue.open({ config, log: (l) => log.push(l) });
  venues.push(venue);
  const { port } = await venue.start();
  return { venue, port, log };
}

async function logon(port: number, compId: string): Promise<TestFixClient> {
  const c = await TestFixClient.logon({ port, beginString: 'FIX.4.4', senderCompID: compId });
  clients.push(c);
  return c;
}

const NOW = (): string => new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');

function fixLimit(c: TestFixClient, clOrdID: string, symbol: string, side: '1' | '2', qty: string, price: string): void {
  c.send('D', [
    [11, clOrdID],
    [21, '1'],
    [55, symbol],
    [54, side],
    [60, NOW()],
    [38, qty],
    [40, '2'],
    [44, price],
    [59, '1'],
  ]);
}

/** The order of an accepted answer; fails the test with the refusal otherwise. */
function orderOf(result: OrderEntryResult): OrderState {
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.reason}`);
  return result.order;
}

const ANY_ID = expect.stringMatching(/^[1-9]\d*$/) as unknown as string;
const ANY_TIME = expect.any(Number) as unknown as number;

describe('order entry through the gateway', () => {
  let venue: Venue;
  let port: number;
  let log: string[];

  beforeAll(async () => {
    ({ venue, port, log } = await open());
  });

  it('rests a limit order, then matches it against an opposing order, with exact fills and average price', async () => {
    const s1 = orderOf(await venue.orders.submit({ account: 'SELLER', symbol: 'AAPL', side: 'sell', type: 'limit', price: '101.25', quantity: '100', clientOrderId: 's1' }));
    expect(s1).toEqual({
      orderId: ANY_ID,
      clientOrderId: 's1',
      account: 'SELLER',
      symbol: 'AAPL',
      side: 'sell',
      type: 'limit',
      timeInForce: 'gtc',
      price: '101.25',
      quantity: '100',
      filledQuantity: '0',
      leavesQuantity: '100',
      status: 'new',
      updatedAt: ANY_TIME,
    });
    const s2 = orderOf(await venue.orders.submit({ account: 'SELLER', symbol: 'AAPL', side: 'sell', type: 'limit', price: '101.30', quantity: '50', clientOrderId: 's2' }));
    expect(venue.orders.openOrders('SELLER').map((o) => o.clientOrderId)).toEqual(['s1', 's2']);

    const b1 = orderOf(await venue.orders.submit({ account: 'BUYER', symbol: 'AAPL', side: 'buy', type: 'limit', price: '101.30', quantity: '120', timeInForce: 'ioc' }));
    // (101.25 × 100 + 101.30 × 20) / 120 = 101.2583333…
    expect(b1).toMatchObject({ clientOrderId: b1.orderId, account: 'BUYER', timeInForce: 'ioc', status: 'filled', filledQuantity: '120', leavesQuantity: '0', averagePrice: '101.258333' });
    expect(venue.orders.order(s1.orderId)).toMatchObject({ status: 'filled', filledQuantity: '100', leavesQuantity: '0', averagePrice: '101.25' });
    expect(venue.orders.order(s2.orderId)).toMatchObject({ status: 'partially_filled', filledQuantity: '20', leavesQuantity: '30', averagePrice: '101.30' });
    expect(venue.orders.openOrders('SELLER').map((o) => o.orderId)).toEqual([s2.orderId]);
    expect(venue.orders.openOrders('BUYER')).toEqual([]);
    expect(venue.orders.openOrders().map((o) => o.orderId)).toContain(s2.orderId);
    expect(venue.orders.openOrders('NOBODY')).toEqual([]);
  });

  it('fills a market order at once and cancels what the book could not fill (IOC)', async () => {
    await venue.orders.submit({ account: 'MAKER', symbol: 'MSFT', side: 'sell', type: 'limit', price: '420.00', quantity: '10' });
    await venue.orders.submit({ account: 'MAKER', symbol: 'MSFT', side: 'sell', type: 'limit', price: '420.50', quantity: '5' });
    const taker = orderOf(await venue.orders.submit({ account: 'TAKER', symbol: 'MSFT', side: 'buy', type: 'market', quantity: '20', clientOrderId: 'm1' }));
    // (420.00 × 10 + 420.50 × 5) / 15 = 420.1666…
    expect(taker).toEqual({
      orderId: ANY_ID,
      clientOrderId: 'm1',
      account: 'TAKER',
      symbol: 'MSFT',
      side: 'buy',
      type: 'market',
      timeInForce: 'ioc',
      quantity: '20',
      filledQuantity: '15',
      leavesQuantity: '0',
      averagePrice: '420.166667',
      status: 'canceled',
      updatedAt: ANY_TIME,
    });
  });

  it('refuses each bad field with its code and a reason naming the field and the value', async () => {
    const base: OrderEntryRequest = { account: 'VAL', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' };
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ account: undefined }, RejectCode.MissingField, /account is required/],
      [{ account: 'two words' }, RejectCode.UnsupportedValue, /account "two words" must be 1 to 64 letters/],
      [{ account: 'a'.repeat(65) }, RejectCode.UnsupportedValue, /account "a{65}"/],
      [{ symbol: undefined }, RejectCode.MissingField, /symbol is required/],
      [{ symbol: 'NOPE' }, RejectCode.UnknownSymbol, /symbol "NOPE" is not listed/],
      [{ side: 'hold' }, RejectCode.InvalidSide, /side "hold" is not supported/],
      [{ type: 'iceberg' }, RejectCode.InvalidOrderType, /type "iceberg" is not supported/],
      [{ timeInForce: 'gtd' }, RejectCode.InvalidTimeInForce, /timeInForce "gtd" is not supported/],
      [{ quantity: undefined }, RejectCode.MissingField, /quantity is required/],
      [{ quantity: '1.5' }, RejectCode.QtyNotOnLot, /quantity "1.5", lot size 1/],
      [{ quantity: '0' }, RejectCode.InvalidQty, /quantity "0" must be above zero/],
      [{ quantity: 'ten' }, RejectCode.InvalidDecimal, /quantity "ten"/],
      [{ quantity: 10 }, RejectCode.InvalidDecimal, /quantity must be a decimal string, got 10/],
      [{ quantity: '1'.repeat(20) }, RejectCode.DecimalOutOfRange, /quantity "1{20}"/],
      [{ price: undefined }, RejectCode.MissingField, /price is required for a limit order/],
      [{ price: '1.005' }, RejectCode.PriceNotOnTick, /price "1.005", tick size 0.01/],
      [{ price: '-1.00' }, RejectCode.InvalidPrice, /price "-1.00" must be above zero/],
      [{ type: 'market' }, RejectCode.InvalidOrderType, /price "1.00" is not allowed on a market order/],
      [{ stopPrice: '2.00' }, RejectCode.InvalidOrderType, /stopPrice "2.00" is not allowed on a limit order/],
      [{ type: 'stop', price: undefined }, RejectCode.MissingField, /stopPrice is required for a stop order/],
      [{ type: 'stop_limit', stopPrice: '0' }, RejectCode.InvalidStopPrice, /stopPrice "0" must be above zero/],
      [{ displayQuantity: '0.5' }, RejectCode.QtyNotOnLot, /displayQuantity "0.5", lot size 1/],
      [{ postOnly: 'yes' }, RejectCode.UnsupportedValue, /postOnly "yes" must be true or false/],
      [{ clientOrderId: '' }, RejectCode.UnsupportedValue, /clientOrderId "" must be 1 to 64 printable/],
      [{ clientOrderId: 'tab\there' }, RejectCode.UnsupportedValue, /clientOrderId "tab\\there"/],
      [{ symbol: 'BTCUSDT', quantity: '0.000001' }, RejectCode.QtyNotOnLot, /quantity "0.000001", lot size 0.00001/],
    ];
    for (const [change, code, reason] of cases) {
      const result = await venue.orders.submit({ ...base, ...change } as unknown as OrderEntryRequest);
      expect(result, JSON.stringify(change)).toEqual({ ok: false, code, reason: expect.stringMatching(reason) });
    }
    expect(venue.orders.openOrders('VAL')).toEqual([]);
  });

  it('keeps a client order id taken once used, even by a refused request', async () => {
    const first = orderOf(await venue.orders.submit({ account: 'DUP', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: 'd1' }));
    const again = await venue.orders.submit({ account: 'DUP', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: 'd1' });
    expect(again).toEqual({ ok: false, code: RejectCode.DuplicateClOrdId, reason: expect.stringMatching(/clientOrderId "d1" is already in use for account DUP/) });
    // Unique per account: another account may use it.
    expect((await venue.orders.submit({ account: 'DUP2', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: 'd1' })).ok).toBe(true);
    const refused = await venue.orders.submit({ account: 'DUP', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.001', quantity: '1', clientOrderId: 'd2' });
    expect(refused).toMatchObject({ ok: false, code: RejectCode.PriceNotOnTick });
    expect(await venue.orders.submit({ account: 'DUP', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '1.00', quantity: '1', clientOrderId: 'd2' })).toMatchObject({
      ok: false,
      code: RejectCode.DuplicateClOrdId,
    });
    expect(venue.orders.order(first.orderId)?.status).toBe('new');
  });

  it('cancels an order of the account, and refuses another account’s, an unknown and a done order', async () => {
    const mine = orderOf(await venue.orders.submit({ account: 'CX', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '2.00', quantity: '3', clientOrderId: 'c1' }));
    const theirs = orderOf(await venue.orders.submit({ account: 'CY', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '2.00', quantity: '3' }));
    expect(await venue.orders.cancel(theirs.orderId, 'CX')).toEqual({
      ok: false,
      code: RejectCode.UnknownOrder,
      reason: expect.stringMatching(new RegExp(`order ${theirs.orderId} is not an order of account CX`)),
    });
    const cancelled = orderOf(await venue.orders.cancel(mine.orderId, 'CX'));
    expect(cancelled).toMatchObject({ orderId: mine.orderId, clientOrderId: 'c1', status: 'canceled', filledQuantity: '0', leavesQuantity: '0', quantity: '3' });
    expect(await venue.orders.cancel(mine.orderId, 'CX')).toMatchObject({ ok: false, code: RejectCode.UnknownOrder, reason: expect.stringMatching(/already canceled/) });
    expect(await venue.orders.cancel('999999999', 'CX')).toMatchObject({ ok: false, code: RejectCode.UnknownOrder, reason: expect.stringMatching(/no order 999999999/) });
    expect(await venue.orders.cancel('abc')).toMatchObject({ ok: false, code: RejectCode.UnknownOrder, reason: expect.stringMatching(/orderId "abc"/) });
    // Without an account: the operator's cancel, any order.
    expect(orderOf(await venue.orders.cancel(theirs.orderId)).status).toBe('canceled');
    expect(venue.orders.openOrders('CY')).toEqual([]);
  });

  it('answers an order the engine rejects as a rejected order, with the engine’s code', async () => {
    await venue.orders.submit({ account: 'PMM', symbol: 'GOOGL', side: 'sell', type: 'limit', price: '170.00', quantity: '5' });
    const result = await venue.orders.submit({ account: 'PO', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '170.00', quantity: '5', postOnly: true, clientOrderId: 'p1' });
    expect(result).toEqual({
      ok: true,
      order: {
        orderId: ANY_ID,
        clientOrderId: 'p1',
        account: 'PO',
        symbol: 'GOOGL',
        side: 'buy',
        type: 'limit',
        timeInForce: 'gtc',
        price: '170.00',
        quantity: '5',
        filledQuantity: '0',
        leavesQuantity: '0',
        status: 'rejected',
        rejectCode: RejectCode.PostOnlyWouldTake,
        rejectReason: 'post-only order would take liquidity',
        updatedAt: ANY_TIME,
      },
    });
    expect(await venue.orders.submit({ account: 'PO', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '169.00', quantity: '5', clientOrderId: 'p1' })).toMatchObject({
      ok: false,
      code: RejectCode.DuplicateClOrdId,
    });
  });

  it('answers only once the journal has the order on disk', async () => {
    const before = venue.journalPosition();
    expect(before.durableSeq).toBe(before.lastSeq);
    let seenAtAnswer: { lastSeq: number; durableSeq: number } | undefined;
    const answer = venue.orders.submit({ account: 'DURABLE', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '3.00', quantity: '1' }).then((r) => {
      seenAtAnswer = venue.journalPosition();
      return r;
    });
    const seq = venue.journalPosition().lastSeq;
    expect(seq).toBe(before.lastSeq + 1);
    // Applied at once (the registry has it), acknowledged only after the fsync.
    expect(venue.orders.openOrders('DURABLE')).toHaveLength(1);
    await Promise.resolve();
    expect(seenAtAnswer).toBeUndefined();
    expect(venue.journalPosition().durableSeq).toBeLessThan(seq);
    expect((await answer).ok).toBe(true);
    expect(seenAtAnswer!.durableSeq).toBeGreaterThanOrEqual(seq);
  });

  it('reports the time each command spends being applied and waiting for the journal, and the journal counters', async () => {
    const stages: Array<[string, number]> = [];
    venue.onStageTimes((stage, seconds) => stages.push([stage, seconds]));
    await venue.orders.submit({ account: 'TIMED', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '4.00', quantity: '1' });
    expect(stages.map(([s]) => s)).toEqual(['apply', 'durable']);
    for (const [, seconds] of stages) expect(seconds).toBeGreaterThanOrEqual(0);
    const stats = venue.journalStats()!;
    expect(stats.fsyncs).toBeGreaterThan(0);
    expect(stats.fsyncMicrosMax).toBeGreaterThanOrEqual(stats.fsyncMicros);
    expect(stats.fsyncMicrosTotal).toBeGreaterThanOrEqual(stats.fsyncMicrosMax);
    const position = venue.journalPosition();
    expect(position.durableSeq).toBe(position.lastSeq);
  });

  it('lets a FIX client and an API client trade with each other', async () => {
    const fix = await logon(port, 'FIXMM');
    fixLimit(fix, 'f1', 'AMZN', '2', '10', '185.00');
    const [ack] = await fix.take(1);
    expect(pick(ack, [150, 39])).toEqual({ 150: '0', 39: '0' });
    const fixOrderId = ack.get(37)!;

    const bought = orderOf(await venue.orders.submit({ account: 'APIBUY', symbol: 'AMZN', side: 'buy', type: 'limit', price: '185.00', quantity: '4' }));
    expect(bought).toMatchObject({ status: 'filled', filledQuantity: '4', averagePrice: '185.00' });
    const [fill] = await fix.take(1);
    expect(pick(fill, [11, 37, 150, 39, 31, 32, 14, 151])).toEqual({ 11: 'f1', 37: fixOrderId, 150: 'F', 39: '1', 31: '185.00', 32: '4', 14: '4', 151: '6' });

    // The FIX order seen through the gateway: its account is the client's CompID.
    expect(venue.orders.order(fixOrderId)).toMatchObject({ clientOrderId: 'f1', account: 'FIXMM', status: 'partially_filled', leavesQuantity: '6' });
    expect(venue.orders.openOrders('FIXMM').map((o) => o.orderId)).toEqual([fixOrderId]);

    // An FIX client's order cancelled through the gateway: its owner gets the report.
    expect(orderOf(await venue.orders.cancel(fixOrderId, 'FIXMM')).status).toBe('canceled');
    const [cancelled] = await fix.take(1);
    expect(pick(cancelled, [11, 41, 37, 150, 39, 151])).toEqual({ 11: `cancel-${fixOrderId}`, 41: 'f1', 37: fixOrderId, 150: '4', 39: '4', 151: '0' });
    expect(fix.sessionRejects).toEqual([]);
    // Orders of the API have no FIX session, and that is nothing to log about.
    expect(log.filter((l) => l.includes('API:'))).toEqual([]);
  });
});

describe('halts, run-time listings and restarts', () => {
  const dataDir = join(scratch, 'listings');
  let venue: Venue;
  let port: number;
  const changes: string[] = [];

  beforeAll(async () => {
    ({ venue, port } = await open(dataDir));
    venue.onListingsChanged(() => changes.push(venue.listings().filter((l) => l.halted).map((l) => l.instrument.symbol).join(',')));
  });

  it('halts a symbol: its live orders are cancelled, new orders refused over FIX and the API; resume reopens it', async () => {
    const fix = await logon(port, 'HALTFIX');
    fixLimit(fix, 'h-fix', 'TSLA', '1', '5', '240.00');
    await fix.take(1);
    const resting = orderOf(await venue.orders.submit({ account: 'HALTAPI', symbol: 'TSLA', side: 'sell', type: 'limit', price: '260.00', quantity: '3', clientOrderId: 'h1' }));
    const stop = orderOf(await venue.orders.submit({ account: 'HALTAPI', symbol: 'TSLA', side: 'buy', type: 'stop', stopPrice: '270.00', quantity: '1', timeInForce: 'gtc' }));
    expect(stop.status).toBe('new');

    expect(await venue.halt('TSLA')).toEqual({ ok: true });
    expect(changes).toEqual(['TSLA']);
    expect(venue.listings().find((l) => l.instrument.symbol === 'TSLA')).toEqual({ instrument: { symbol: 'TSLA', tickSize: '0.01', lotSize: '1' }, assetClass: 'equity', referencePrice: '250.00', halted: true });
    const [cancelled] = await fix.take(1);
    expect(pick(cancelled, [11, 150, 39, 151, 58])).toEqual({ 11: 'h-fix', 150: '4', 39: '4', 151: '0', 58: 'trading in this symbol is halted' });
    expect(venue.orders.order(resting.orderId)).toMatchObject({ status: 'canceled', leavesQuantity: '0' });
    expect(venue.orders.order(stop.orderId)).toMatchObject({ status: 'canceled' });
    expect(venue.orders.openOrders('HALTAPI')).toEqual([]);

    expect(await venue.orders.submit({ account: 'HALTAPI', symbol: 'TSLA', side: 'sell', type: 'limit', price: '260.00', quantity: '1', clientOrderId: 'h2' })).toEqual({
      ok: false,
      code: RejectCode.SymbolHalted,
      reason: 'trading in this symbol is halted: symbol "TSLA"',
    });
    fixLimit(fix, 'h-fix2', 'TSLA', '1', '5', '240.00');
    const [rejected] = await fix.take(1);
    expect(pick(rejected, [11, 150, 39])).toEqual({ 11: 'h-fix2', 150: '8', 39: '8' });
    expect(rejected.get(58)).toBe('2001 trading in this symbol is halted');

    // Halting what is halted changes nothing; a symbol that is not listed cannot be halted.
    expect(await venue.halt('TSLA')).toEqual({ ok: true });
    expect(await venue.halt('NOPE')).toMatchObject({ ok: false, code: RejectCode.UnknownSymbol });
    expect(changes).toEqual(['TSLA']);

    expect(await venue.resume('TSLA')).toEqual({ ok: true });
    expect(changes).toEqual(['TSLA', '']);
    expect(orderOf(await venue.orders.submit({ account: 'HALTAPI', symbol: 'TSLA', side: 'sell', type: 'limit', price: '260.00', quantity: '1' })).status).toBe('new');
    fixLimit(fix, 'h-fix3', 'TSLA', '1', '5', '240.00');
    expect((await fix.next()).get(150)).toBe('0');
    expect(fix.sessionRejects).toEqual([]);
  });

  it('lists a new symbol at run time, and it trades', async () => {
    const nvda = { symbol: 'NVDA', tickSize: '0.01', lotSize: '1', maxQty: 10_000 };
    expect(await venue.list({ assetClass: 'equity', instrument: nvda, referencePrice: '120.00' })).toEqual({ ok: true });
    expect(venue.listings().at(-1)).toEqual({ instrument: nvda, assetClass: 'equity', referencePrice: '120.00', halted: false });
    expect(changes).toHaveLength(3);
    expect(await venue.list({ assetClass: 'equity', instrument: nvda })).toMatchObject({ ok: false, code: RejectCode.DuplicateSymbol, reason: expect.stringMatching(/"NVDA" is already listed/) });
    expect(await venue.list({ assetClass: 'equity', instrument: { symbol: 'BAD SYMBOL', tickSize: '0.01', lotSize: '1' } })).toMatchObject({ ok: false, code: RejectCode.InvalidInstrument });
    expect(await venue.list({ assetClass: 'equity', instrument: { symbol: 'AMD', tickSize: '0.01', lotSize: '1' }, referencePrice: '150.005' })).toMatchObject({
      ok: false,
      code: RejectCode.PriceNotOnTick,
    });
    expect(changes).toHaveLength(3);

    const fix = await logon(port, 'NVFIX');
    fixLimit(fix, 'n1', 'NVDA', '2', '10', '120.00');
    await fix.take(1);
    expect(orderOf(await venue.orders.submit({ account: 'NVAPI', symbol: 'NVDA', side: 'buy', type: 'limit', price: '120.00', quantity: '10' }))).toMatchObject({
      status: 'filled',
      averagePrice: '120.00',
    });
    expect((await fix.next()).get(39)).toBe('2');
    expect(await venue.orders.submit({ account: 'NVAPI', symbol: 'NVDA', side: 'buy', type: 'limit', price: '120.00', quantity: '10001' })).toMatchObject({
      ok: true,
      order: { status: 'rejected', rejectCode: RejectCode.QtyAboveMaximum },
    });
  });

  it('comes back after a restart with its run-time listings, halts, API orders and client order ids', async () => {
    expect(await venue.halt('MSFT')).toEqual({ ok: true });
    const open1 = orderOf(await venue.orders.submit({ account: 'KEEP', symbol: 'NVDA', side: 'sell', type: 'limit', price: '125.00', quantity: '7', clientOrderId: 'k1' }));
    const part = orderOf(await venue.orders.submit({ account: 'KEEP', symbol: 'NVDA', side: 'buy', type: 'limit', price: '119.00', quantity: '9', clientOrderId: 'k2' }));
    await venue.orders.submit({ account: 'HIT', symbol: 'NVDA', side: 'sell', type: 'market', quantity: '4' });
    expect(venue.orders.order(part.orderId)).toMatchObject({ status: 'partially_filled', filledQuantity: '4' });

    const listings = venue.listings();
    const openOrders = venue.orders.openOrders();
    const states = [open1.orderId, part.orderId].map((id) => venue.orders.order(id));
    const stateHash = venue.engine.stateHash();
    const listingsSnapshot = venue.core.listings.snapshot();
    await venue.stop();

    // The journal alone (no snapshot) rebuilds the same listings and books.
    const replayed = recover({ journalDir: dataLayout(dataDir).journal, truncate: false, recentOrders: 100_000 });
    expect(replayed.core.listings.snapshot()).toEqual(listingsSnapshot);
    expect(replayed.stateHash).toBe(stateHash);

    ({ venue, port } = await open(dataDir));
    expect(venue.startup?.stateHash).toBe(stateHash);
    expect(venue.engine.stateHash()).toBe(stateHash);
    expect(venue.listings()).toEqual(listings);
    expect(venue.listings().find((l) => l.instrument.symbol === 'MSFT')?.halted).toBe(true);
    expect(venue.orders.openOrders()).toEqual(openOrders);
    expect([open1.orderId, part.orderId].map((id) => venue.orders.order(id))).toEqual(states);

    expect(await venue.orders.submit({ account: 'KEEP', symbol: 'NVDA', side: 'sell', type: 'limit', price: '125.00', quantity: '1', clientOrderId: 'k1' })).toMatchObject({
      ok: false,
      code: RejectCode.DuplicateClOrdId,
    });
    // Refused ids stay taken too.
    expect(await venue.orders.submit({ account: 'HALTAPI', symbol: 'TSLA', side: 'sell', type: 'limit', price: '260.00', quantity: '1', clientOrderId: 'h2' })).toMatchObject({
      ok: false,
      code: RejectCode.DuplicateClOrdId,
    });
    expect(await venue.orders.submit({ account: 'KEEP', symbol: 'MSFT', side: 'sell', type: 'limit', price: '420.00', quantity: '1' })).toMatchObject({ ok: false, code: RejectCode.SymbolHalted });
    expect(orderOf(await venue.orders.cancel(open1.orderId, 'KEEP')).status).toBe('canceled');
  });
});

describe('a venue that stops', () => {
  it('refuses orders once stopped, and answers every order it took before', async () => {
    const { venue } = await open();
    const taken = venue.orders.submit({ account: 'LAST', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' });
    const stopping = venue.stop();
    expect((await taken).ok).toBe(true);
    await stopping;
    expect(await venue.orders.submit({ account: 'LATE', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' })).toEqual({
      ok: false,
      code: RejectCode.VenueClosing,
      reason: 'the venue is shutting down',
    });
    expect(await venue.orders.cancel('1')).toMatchObject({ ok: false, code: RejectCode.VenueClosing });
    expect(await venue.halt('AAPL')).toMatchObject({ ok: false, code: RejectCode.VenueClosing });
  });

  it('answers "no" to orders waiting for a journal that failed, instead of never', async () => {
    const dataDir = join(scratch, `data-${++dirs}`);
    const fatal: Error[] = [];
    const venue = await Venue.open({ config: resolveVenueConfig({ dataDir, fix: { port: 0 } }) });
    venue.onFatal((e) => fatal.push(e));
    // The journal's directory vanishes before its first write.
    rmSync(dataLayout(dataDir).journal, { recursive: true });
    const answer = await venue.orders.submit({ account: 'LOST', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' });
    expect(answer).toEqual({ ok: false, code: RejectCode.VenueClosing, reason: expect.stringMatching(/^the venue is shutting down: nothing more can be made durable \(.*ENOENT/) });
    expect(fatal).toHaveLength(1);
    expect(await venue.orders.submit({ account: 'LOST', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' })).toMatchObject({ ok: false, code: RejectCode.VenueClosing });
    await expect(venue.stop()).rejects.toThrow();
  });

  it('works without a data directory too: answers at once, no journal counters', async () => {
    const venue = new Venue({ config: resolveVenueConfig({ fix: { port: 0 } }) });
    const result = orderOf(await venue.orders.submit({ account: 'MEM', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '1' }));
    expect(result.status).toBe('new');
    expect(venue.journalStats()).toBeUndefined();
    expect(venue.journalPosition()).toEqual({ lastSeq: 2, durableSeq: 2 });

    // Without a journal, observers hear of a trade while it is applied; an order they enter then follows it.
    let reaction: Promise<OrderEntryResult> | undefined;
    venue.core.addObserver(
      new (class extends NullSink {
        override fill(): void {
          reaction ??= venue.orders.submit({ account: 'REACT', symbol: 'AAPL', side: 'buy', type: 'limit', price: '1.00', quantity: '2' });
        }
      })(),
    );
    expect(orderOf(await venue.orders.submit({ account: 'HIT', symbol: 'AAPL', side: 'sell', type: 'market', quantity: '1' })).status).toBe('filled');
    expect(reaction).toBeDefined();
    expect(orderOf(await reaction!)).toMatchObject({ account: 'REACT', status: 'new', quantity: '2' });
    await venue.stop();
  });
});

describe('replace and order updates through the gateway', () => {
  it('replaces price and quantity (priority lost on a price change), refuses bad changes, and tells the owner every change in order', async () => {
    const { venue } = await open();
    const updates: Array<{ kind: string; status: string; leaves: string; fill?: string }> = [];
    const off = venue.orders.onOrderUpdate('mm', (u) => updates.push({ kind: u.kind, status: u.order.status, leaves: u.order.leavesQuantity, ...(u.fill !== undefined ? { fill: `${u.fill.quantity}@${u.fill.price} ${u.fill.liquidity}` } : {}) }));
    const other: string[] = [];
    venue.orders.onOrderUpdate('someone-else', (u) => other.push(u.kind));

    const resting = orderOf(await venue.orders.submit({ account: 'mm', symbol: 'AAPL', side: 'sell', type: 'limit', price: '190.10', quantity: '10' }));
    const moved = orderOf(await venue.orders.replace(resting.orderId, { price: '190.05', quantity: '8' }, 'mm'));
    expect(moved).toMatchObject({ orderId: resting.orderId, price: '190.05', quantity: '8', leavesQuantity: '8', status: 'new' });
    expect(venue.orders.order(resting.orderId)).toMatchObject({ price: '190.05', quantity: '8' });

    // Refusals name what is wrong and change nothing.
    const notOwner = await venue.orders.replace(resting.orderId, { price: '190.00' }, 'intruder');
    expect(notOwner).toMatchObject({ ok: false, code: RejectCode.UnknownOrder });
    expect(await venue.orders.replace(resting.orderId, {}, 'mm')).toMatchObject({ ok: false, code: RejectCode.MissingField });
    expect(await venue.orders.replace(resting.orderId, { price: '190.001' }, 'mm')).toMatchObject({ ok: false, code: RejectCode.PriceNotOnTick });
    expect(await venue.orders.replace(resting.orderId, { quantity: '0' }, 'mm')).toMatchObject({ ok: false, code: RejectCode.InvalidQty });

    // A taker lifts 3, then the maker is cancelled: fill (maker side), then cancel.
    orderOf(await venue.orders.submit({ account: 'taker', symbol: 'AAPL', side: 'buy', type: 'limit', price: '190.05', quantity: '3' }));
    orderOf(await venue.orders.cancel(resting.orderId, 'mm'));
    expect(updates).toEqual([
      { kind: 'accepted', status: 'new', leaves: '10' },
      { kind: 'replaced', status: 'new', leaves: '8' },
      { kind: 'fill', status: 'partially_filled', leaves: '5', fill: '3@190.05 maker' },
      { kind: 'canceled', status: 'canceled', leaves: '0' },
    ]);
    expect(other).toEqual([]);
    expect(await venue.orders.replace(resting.orderId, { price: '190.00' }, 'mm')).toMatchObject({ ok: false, code: RejectCode.UnknownOrder });

    off();
    orderOf(await venue.orders.submit({ account: 'mm', symbol: 'AAPL', side: 'sell', type: 'limit', price: '191.00', quantity: '1' }));
    expect(updates).toHaveLength(4);
  });

  it('tells the taker its fill as taker, once durable, with the trade id', async () => {
    const { venue } = await open();
    const seen: Array<{ fill: unknown; durable: number }> = [];
    venue.orders.onOrderUpdate('t', (u) => {
      if (u.kind === 'fill') seen.push({ fill: u.fill, durable: venue.journalPosition().durableSeq });
    });
    orderOf(await venue.orders.submit({ account: 'm', symbol: 'MSFT', side: 'sell', type: 'limit', price: '420.00', quantity: '5' }));
    const taker = orderOf(await venue.orders.submit({ account: 't', symbol: 'MSFT', side: 'buy', type: 'market', quantity: '5' }));
    expect(taker.status).toBe('filled');
    expect(seen).toEqual([{ fill: { tradeId: expect.stringMatching(/^\d+$/), price: '420.00', quantity: '5', liquidity: 'taker' }, durable: expect.any(Number) }]);
    // Told only after the journal had the command on disk.
    expect(seen[0]!.durable).toBeGreaterThanOrEqual(venue.sequencer.lastSeq);
  });
});

describe('many replaces of one order', () => {
  it('keep working and each takes a fresh id at the first try', async () => {
    const { venue } = await open();
    const quote = orderOf(await venue.orders.submit({ account: 'q', symbol: 'GOOGL', side: 'buy', type: 'limit', price: '160.00', quantity: '1' }));
    for (let i = 1; i <= 300; i++) orderOf(await venue.orders.replace(quote.orderId, { price: (160 + (i % 7) / 100).toFixed(2) }, 'q'));
    const record = venue.registry.byId(Number(quote.orderId))!;
    expect(record.clOrdIDs).toHaveLength(301);
    expect(new Set(record.clOrdIDs).size).toBe(301);
    expect(record.clOrdID).toBe(`replace-${quote.orderId}-300`);
    expect(venue.orders.order(quote.orderId)).toMatchObject({ price: (160 + (300 % 7) / 100).toFixed(2), status: 'new' });
  });
});
