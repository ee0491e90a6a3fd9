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
