import { afterEach, describe, expect, it } from 'vitest';
import type { MarketRecord } from '../../src/marketdata/records.js';
import type { ParamsResult, Strategy } from '../../src/strategy/strategy.js';
import type { VenueTopOfBook, VenueTrade } from '../../src/strategy/venue-market.js';
import { rig, type Rig, status, T0, ticker } from './support.js';

class Listener implements Strategy {
  readonly kind = 'listener';
  seen: string[] = [];
  params(): Record<string, unknown> {
    return {};
  }
  updateParams(): ParamsResult {
    return { ok: true, params: {} };
  }
  onReference(record: MarketRecord, topChanged: boolean): void {
    this.seen.push(`${record.type}${record.symbol !== undefined ? ` ${record.symbol}` : ''}${topChanged ? ' moved' : ''}`);
  }
  onVenueTrade(t: VenueTrade): void {
    this.seen.push(`venue trade ${t.quantity}@${t.price} ${t.takerSide}`);
  }
  onVenueBook(b: VenueTopOfBook): void {
    this.seen.push(`venue book ${b.bidPrice ?? '-'} / ${b.askPrice ?? '-'}`);
  }
}

let r: Rig;
afterEach(async () => {
  await r?.stop();
});

describe('the strategy runtime', () => {
  it('hands each record to the instances of its symbol, several per symbol, each on its own account', async () => {
    r = rig();
    const [a, b, c] = [new Listener(), new Listener(), new Listener()];
    r.runtime.add({ id: 'a', account: 'acct-a', symbol: 'TEST', strategy: a });
    r.runtime.add({ id: 'b', account: 'acct-b', symbol: 'TEST', strategy: b });
    r.runtime.add({ id: 'c', account: 'acct-c', symbol: 'BTCUSDT', strategy: c });
    r.runtime.startAll();
    await r.feed(ticker('99.99', '100.01', T0));
    await r.feed(ticker('99.99', '100.01', T0 + 1));
    await r.feed(ticker('64999.99', '65000.01', T0 + 2, 'BTCUSDT'));
    await r.feed(status('stale', T0 + 3));
    await r.feed(ticker('1.00', '1.01', T0 + 4, 'ETHUSDT'));
    expect(a.seen).toEqual(['ticker TEST moved', 'ticker TEST', 'feed_status']);
    expect(b.seen).toEqual(a.seen);
    expect(c.seen).toEqual(['ticker BTCUSDT moved', 'feed_status']);
    expect(r.runtime.ignored).toBe(1);
    expect(r.runtime.reference('TEST')!.live).toBe(false);
    expect(r.runtime.handles().map((h) => h.account)).toEqual(['acct-a', 'acct-b', 'acct-c']);
  });

  it("passes on the venue's own prints and top of book for the symbol", async () => {
    r = rig();
    const a = new Listener();
    r.runtime.add({ id: 'a', account: 'acct-a', symbol: 'TEST', strategy: a });
    r.runtime.startAll();
    await r.counterparty('sell', '100.02', '3');
    await r.counterparty('buy', '100.02', '1');
    expect(a.seen).toEqual(['venue book - / 100.02', 'venue trade 1@100.02 buy', 'venue book - / 100.02']);
    expect(r.runtime.venueBook('TEST')).toMatchObject({ askTicks: 10_002, askLots: 2, lastTradeTicks: 10_002 });
  });

  it('refuses a taken id or account, an unknown symbol and invalid risk limits', () => {
    r = rig();
    r.runtime.add({ id: 'a', account: 'acct-a', symbol: 'TEST', strategy: new Listener() });
    expect(() => r.runtime.add({ id: 'a', account: 'acct-x', symbol: 'TEST', strategy: new Listener() })).toThrow(/id is taken/);
    expect(() => r.runtime.add({ id: 'b', account: 'acct-a', symbol: 'TEST', strategy: new Listener() })).toThrow(/already has a strategy/);
    expect(() => r.runtime.add({ id: 'c', account: 'acct-c', symbol: 'NOPE', strategy: new Listener() })).toThrow(/not a listed instrument/);
    expect(() => r.runtime.add({ id: 'd', account: 'acct-d', symbol: 'TEST', strategy: new Listener(), risk: { maxLoss: -1 } })).toThrow(/risk limits for TEST: maxLoss/);
  });

  it('instances start with the default risk limits unless given their own', () => {
    r = rig();
    const h = r.runtime.add({ id: 'a', account: 'acct-a', symbol: 'TEST', strategy: new Listener() });
    expect(h.params()).toMatchObject({ risk: { maxLoss: '5000', priceBandBps: 500, maxOrdersPerSecond: 50 } });
  });
});
