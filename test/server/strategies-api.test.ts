import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { venueMarketSource } from '../../src/cli/venue-market-adapter.js';
import { syntheticFeed } from '../../src/marketdata/synthetic.js';
import { strategiesResponse, strategyDetailResponse, strategyReportResponse } from '../../src/protocol/index.js';
import { CrucibleServer } from '../../src/server/http-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { defaultPopulation, type StrategyPopulation } from '../../src/strategy/population.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { DEFAULT_LISTINGS } from '../../src/venue/instruments.js';
import { Venue } from '../../src/venue/venue.js';
import { TOKEN } from './server-stack.js';

const SYMBOLS = ['BTCUSDT', 'AAPL'];

describe('/api/strategies on a venue running the default strategies', () => {
  let dir: string;
  let venue: Venue;
  let server: CrucibleServer;
  let population: StrategyPopulation;
  let base: string;
  const abort = new AbortController();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crucible-strategies-'));
    const config = resolveVenueConfig({ durability: { fsync: 'off' }, dataDir: dir }, { fixPort: 0 });
    venue = await Venue.open({ config, log: () => {} });
    const listings = DEFAULT_LISTINGS.filter((l) => SYMBOLS.includes(l.instrument.symbol)).map((l) => ({ ...l.instrument, referencePrice: l.referencePrice! }));
    // Real time, bounded: quotes stay up while the tests look at them.
    const feed = syntheticFeed({ listings, seed: 11, clock: systemClock, speed: 1, durationMs: 60_000, signal: abort.signal, stepMs: 100 });
    population = defaultPopulation({ gateway: venue.orders, clock: systemClock, referenceFeed: feed, venueMarket: venueMarketSource(venue), listings, equityIntervalMs: 50 });
    server = await CrucibleServer.create({ venue, token: TOKEN, config: { port: 0 }, strategies: { handles: () => population.handles, handle: (id) => population.handle(id) } });
    await venue.start();
    base = `http://127.0.0.1:${(await server.listen()).port}`;
    population.start();
    await vi.waitFor(() => expect(venue.orders.openOrders('mm-BTCUSDT').length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
  });

  afterAll(async () => {
    abort.abort();
    await population?.stop();
    await server?.close();
    await venue?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(base + path);
  const send = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
    fetch(base + path, {
      method,
      headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('lists every strategy with its state, position and P&L as decimal strings', async () => {
    const r = await get('/api/strategies');
    expect(r.status).toBe(200);
    const body = strategiesResponse.parse(await r.json());
    expect(body.strategies.map((s) => s.id)).toEqual(['mm-AAPL', 'taker-AAPL', 'mm-BTCUSDT', 'taker-BTCUSDT']);
    const mm = body.strategies.find((s) => s.id === 'mm-BTCUSDT')!;
    expect(mm).toMatchObject({ kind: 'mm', symbol: 'BTCUSDT', account: 'mm-BTCUSDT', state: 'running' });
    expect(mm.orders.working).toBeGreaterThan(0);
    expect(mm.pnl).toMatch(/^-?\d+(\.\d+)?$/);
    expect(mm.max_drawdown).toMatch(/^\d+(\.\d+)?$/);
  });

  it('shows one strategy with its parameters, and 404 for one it does not run', async () => {
    const body = strategyDetailResponse.parse(await (await get('/api/strategies/mm-AAPL')).json());
    expect(body.strategy.symbol).toBe('AAPL');
    expect(body.params).toMatchObject({ levels: 3, risk: expect.any(Object) });
    expect(Array.isArray(body.recent_fills)).toBe(true);
    const missing = await get('/api/strategies/arb-AAPL');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
  });

  it('refuses controls without the API token', async () => {
    for (const [method, path] of [
      ['POST', '/api/strategies/mm-AAPL/stop'],
      ['POST', '/api/strategies/mm-AAPL/kill'],
      ['PATCH', '/api/strategies/mm-AAPL/params'],
    ] as const) {
      const r = await send(method, path, {}, null);
      expect(r.status, path).toBe(401);
      expect(await r.json()).toMatchObject({ code: 'unauthorized' });
    }
    expect((await send('POST', '/api/strategies/mm-AAPL/stop', undefined, 'wrong')).status).toBe(401);
    expect(population.handle('mm-AAPL')!.state().state).toBe('running');
  });

  it('changes parameters when valid (422 with the reason when not)', async () => {
    const bad = await send('PATCH', '/api/strategies/mm-BTCUSDT/params', { spreadBps: -1 });
    expect(bad.status).toBe(422);
    const error = (await bad.json()) as { code: string; message: string };
    expect(error.code).toBe('rejected');
    expect(error.message).toContain('spreadBps');
    expect(population.handle('mm-BTCUSDT')!.params()).toMatchObject({ spreadBps: 10 });

    const good = await send('PATCH', '/api/strategies/mm-BTCUSDT/params', { spreadBps: 25, levels: 2 });
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ id: 'mm-BTCUSDT', params: { spreadBps: 25, levels: 2 } });
    const detail = strategyDetailResponse.parse(await (await get('/api/strategies/mm-BTCUSDT')).json());
    expect(detail.params).toMatchObject({ spreadBps: 25, levels: 2 });
    expect((await send('PATCH', '/api/strategies/mm-BTCUSDT/params', [1, 2])).status).toBe(400);
  });

  it('kills with code 2113, refuses a start while killed, and resets', async () => {
    const noReason = await send('POST', '/api/strategies/mm-BTCUSDT/kill', {});
    expect(noReason.status).toBe(400);
    const r = await send('POST', '/api/strategies/mm-BTCUSDT/kill', { reason: 'fat finger drill' });
    expect(r.status).toBe(200);
    const { strategy } = (await r.json()) as { strategy: { state: string; kill: { code: number; reason: string } } };
    expect(strategy.state).toBe('killed');
    expect(strategy.kill.code).toBe(2113);
    expect(strategy.kill.reason).toContain('fat finger drill');
    await vi.waitFor(() => expect(venue.orders.openOrders('mm-BTCUSDT')).toHaveLength(0), { timeout: 5_000, interval: 20 });
    expect((await send('POST', '/api/strategies/mm-BTCUSDT/kill', { reason: 'again' })).status).toBe(409);
    expect((await send('POST', '/api/strategies/mm-BTCUSDT/start')).status).toBe(409);

    const reset = await send('POST', '/api/strategies/mm-BTCUSDT/reset');
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ strategy: { state: 'running' } });
    expect((await send('POST', '/api/strategies/mm-BTCUSDT/reset')).status).toBe(409);
  });

  it('stops with no working orders left, and starts again', async () => {
    await vi.waitFor(() => expect(venue.orders.openOrders('mm-AAPL').length).toBeGreaterThan(0), { timeout: 10_000, interval: 50 });
    const r = await send('POST', '/api/strategies/mm-AAPL/stop');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ strategy: { state: 'stopped', orders: { working: 0 } } });
    expect(venue.orders.openOrders('mm-AAPL')).toHaveLength(0);
    const started = await send('POST', '/api/strategies/mm-AAPL/start');
    expect(await started.json()).toMatchObject({ strategy: { state: 'running' } });
  });

  it('exports fills and the equity report as JSON and as CSV with a header row', async () => {
    const fills = await get('/api/strategies/taker-BTCUSDT/fills');
    expect(fills.status).toBe(200);
    expect(await fills.json()).toMatchObject({ id: 'taker-BTCUSDT', fills: expect.any(Array) });
    const csv = await get('/api/strategies/taker-BTCUSDT/fills?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\n')[0]).toBe('time,strategy,account,symbol,side,price,quantity,liquidity,fee,realized_pnl,position,order_id,client_order_id,trade_id');

    await vi.waitFor(() => expect(population.handle('mm-BTCUSDT')!.equityCurve().length).toBeGreaterThan(1), { timeout: 5_000, interval: 20 });
    const report = strategyReportResponse.parse(await (await get('/api/strategies/mm-BTCUSDT/report')).json());
    expect(report.equity.length).toBeGreaterThan(1);
    expect(report.ratios.samples).toBe(report.equity.length);
    const equityCsv = await (await get('/api/strategies/mm-BTCUSDT/report?format=csv')).text();
    const lines = equityCsv.trim().split('\n');
    expect(lines[0]).toBe('time,strategy,equity,pnl,realized,unrealized,fees,position');
    expect(lines.length).toBeGreaterThan(1);
    expect((await get('/api/strategies/mm-BTCUSDT/report?format=xml')).status).toBe(400);
  });
});
