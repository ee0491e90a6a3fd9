import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderType, Side, StpMode, TimeInForce } from '../../src/engine/index.js';
import { BadVenueCommand, decodeVenueCommand, encodeVenueCommand, VENUE_COMMAND_V1, type VenueCommand } from '../../src/venue/venue-commands.js';

const S = 'FIX.4.4:CRUCIBLE->C';
const commands: VenueCommand[] = [
  { kind: 'start', instruments: [{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }] },
  {
    kind: 'new',
    session: S,
    clOrdId: 'c1',
    account: 'FUND',
    accountName: 'FUND',
    orderId: 7,
    symbol: 'AAPL',
    side: Side.Sell,
    type: OrderType.StopLimit,
    tif: TimeInForce.DAY,
    price: 10125,
    qty: 100,
    stopPrice: 10100,
    displayQty: 10,
    postOnly: false,
    stp: StpMode.CancelOldest,
  },
  { kind: 'cancel', session: S, clOrdId: 'c2', origClOrdId: 'c1', orderId: 7 },
  { kind: 'replace', session: S, clOrdId: 'c3', origClOrdId: 'c1', orderId: 7, qty: 80, price: 10130, stopPrice: 10105 },
  { kind: 'massCancel', session: S, clOrdId: 'm1', symbol: 'AAPL', side: Side.Buy },
  { kind: 'massCancel', session: S, clOrdId: 'm2' },
  { kind: 'refuse', session: S, clOrdId: 'bad' },
  { kind: 'endOfDay' },
  { kind: 'endOfDay', symbol: 'AAPL' },
  {
    kind: 'start',
    instruments: [{ symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }],
    listings: [{ symbol: 'AAPL', assetClass: 'equity', referencePrice: '190.00' }],
  },
  { kind: 'list', instrument: { symbol: 'NVDA', tickSize: '0.01', lotSize: '1', maxQty: 10_000 }, assetClass: 'equity', referencePrice: '120.00' },
  { kind: 'list', instrument: { symbol: 'XRPUSDT', tickSize: '0.0001', lotSize: '0.1' }, assetClass: 'crypto' },
  { kind: 'halt', symbol: 'AAPL' },
  { kind: 'resume', symbol: 'AAPL' },
];

describe('venue commands in the journal', () => {
  it('come back exactly as they were written', () => {
    for (const c of commands) expect(decodeVenueCommand(VENUE_COMMAND_V1, encodeVenueCommand(c))).toEqual(c);
  });

  it('refuse a payload that is not one, saying what is wrong', () => {
    const bad = (type: number, text: string): unknown => {
      try {
        decodeVenueCommand(type, Buffer.from(text));
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(bad(2, '{}')).toEqual(new BadVenueCommand('unknown record type 2'));
    expect(String(bad(1, '{"kind":'))).toMatch(/payload is not JSON/);
    expect(String(bad(1, '[]'))).toMatch(/not a JSON object/);
    expect(String(bad(1, '{"kind":"pause"}'))).toMatch(/unknown command kind "pause"/);
    expect(String(bad(1, '{"kind":"halt"}'))).toMatch(/halt: symbol must be a string, got undefined/);
    expect(String(bad(1, '{"kind":"list","instrument":"NVDA","assetClass":"equity"}'))).toMatch(/list: instrument must be an object, got "NVDA"/);
    expect(String(bad(1, '{"kind":"start","instruments":[],"listings":{}}'))).toMatch(/start: listings must be an array/);
    expect(String(bad(1, '{"kind":"cancel","session":"s","clOrdId":"c","origClOrdId":"o","orderId":1.5}'))).toMatch(/cancel: orderId must be an integer, got 1.5/);
    const { postOnly: _postOnly, ...noPostOnly } = commands[1] as Extract<VenueCommand, { kind: 'new' }>;
    expect(String(bad(1, JSON.stringify(noPostOnly)))).toMatch(/new: postOnly must be true or false/);
  });
});

describe('new orders in the journal', () => {
  const order = fc.record({
    kind: fc.constant('new' as const),
    session: fc.string({ maxLength: 40 }),
    clOrdId: fc.string({ minLength: 1, maxLength: 40 }),
    account: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    accountName: fc.string({ maxLength: 20 }),
    orderId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    symbol: fc.constantFrom('AAPL', 'BTCUSDT', 'weird"sym\\bol', 'ünïcode'),
    side: fc.constantFrom(Side.Buy, Side.Sell),
    type: fc.constantFrom(OrderType.Limit, OrderType.Market, OrderType.Stop, OrderType.StopLimit),
    tif: fc.constantFrom(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.DAY),
    price: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    qty: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    stopPrice: fc.integer({ min: 0, max: 2 ** 40 }),
    displayQty: fc.integer({ min: 0, max: 2 ** 40 }),
    postOnly: fc.boolean(),
    stp: fc.constantFrom(StpMode.None, StpMode.CancelNewest, StpMode.CancelOldest, StpMode.CancelBoth, StpMode.DecrementAndCancel),
  });

  it('are the JSON of their fields and decode to the same command, for any strings', () => {
    fc.assert(
      fc.property(order, (generated) => {
        const { account, ...rest } = generated;
        const command = { ...rest, ...(account !== undefined ? { account } : {}) } as VenueCommand;
        const bytes = encodeVenueCommand(command);
        expect(JSON.parse(bytes.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(command)));
        expect(decodeVenueCommand(VENUE_COMMAND_V1, bytes)).toEqual(command);
      }),
      { numRuns: 3_000, seed: 11 },
    );
  });
});
