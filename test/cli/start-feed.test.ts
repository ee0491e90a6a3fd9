// `crucible start --feed binance` as a user runs it, pointed at a local fake Binance that serves the
// real captures: the venue's reference market follows Binance's book exactly, and when Binance goes
// away the venue falls back to the synthetic market and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marketSymbolResponse } from '../../src/protocol/market.js';
import { FakeBinance, loadCapture, rebuildFromCapture, requireCaptures } from '../support/fake-binance.js';
import { buildCli, type BuiltCli, exitOf, type RunningVenue, startVenueProcess } from '../support/venue-process.js';

const haveCaptures = requireCaptures('crucible start --feed binance against the fake server');
let cli: BuiltCli;
let fake: FakeBinance | undefined;
let venue: RunningVenue | undefined;

beforeAll(() => {
  if (haveCaptures) cli = buildCli('start-feed');
}, 120_000);

afterAll(async () => {
  if (venue !== undefined && venue.child.exitCode === null) {
    venue.child.kill('SIGTERM');
    await exitOf(venue.child);
  }
  await fake?.close();
  cli?.remove();
});

async function market(base: string, symbol: string) {
  const response = await fetch(`${base}/api/market/${symbol}?depth=5`);
  return response.status === 200 ? marketSymbolResponse.parse(await response.json()) : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!haveCaptures)('crucible start --feed binance', () => {
  it('follows the fake Binance book exactly, then falls back to the synthetic market when Binance goes away', async () => {
    const lines = loadCapture('btcusdt', ['20240808']).slice(0, 6_000);
    fake = await FakeBinance.start({ lines, pace: 'fast' });
    venue = await startVenueProcess(cli, ['--fix-port', '0', '--http-port', '0', '--feed', 'binance', '--binance-ws-url', fake.wsUrl, '--binance-rest-url', fake.restUrl]);
    const base = /HTTP on (http:\/\/127\.0\.0\.1:\d+)/.exec(venue.stdout())![1]!;

    // Everything served and applied: the venue's view of BTCUSDT is the capture's book.
    const expected = rebuildFromCapture(lines, 'btcusdt');
    const bestBid = [...expected.bids.keys()].sort((a, b) => Number(b) - Number(a))[0]!;
    const bestAsk = [...expected.asks.keys()].sort((a, b) => Number(a) - Number(b))[0]!;
    const live = await until('the Binance book to catch up', async () => {
      const m = await market(base, 'BTCUSDT');
      return m !== undefined && m.state === 'live' && m.source === 'binance' && m.bids[0]?.[0] === bestBid && m.asks[0]?.[0] === bestAsk ? m : undefined;
    });
    expect(Number(live.bids[0]![0])).toBeGreaterThan(50_000);
    expect(live.bids[0]![1]).toBe(expected.bids.get(bestBid));
    expect(live.asks[0]![1]).toBe(expected.asks.get(bestAsk));
    expect(live.quality.gaps).toBe(0);
    expect(venue.stderr()).toContain('reference market: Binance ws://127.0.0.1:');

    // Binance goes away: after the failover delay the synthetic market stands in, around the venue's reference price.
    await fake.close();
    fake = undefined;
    const fallback = await until('the fallback to the synthetic market', async () => {
      const m = await market(base, 'BTCUSDT');
      return m !== undefined && m.exchange === 'synthetic' && m.state === 'live' ? m : undefined;
    });
    expect(Number(fallback.bids[0]![0])).toBeGreaterThan(60_000);
  }, 90_000);
});
