// The assembled HTTP server: /health, /metrics, the OpenAPI document, the page at /, order entry
// over REST showing up on the WebSocket, and a clean close.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordQueue } from '../../src/marketdata/record-queue.js';
import { SyntheticMarket } from '../../src/marketdata/synthetic.js';
import { apiError, fixSessionMessagesResponse, fixSessionsResponse, healthResponse, marketResponse, marketSymbolResponse, orderResponse } from '../../src/protocol/index.js';
import { TestFixClient } from '../venue/fix-test-client.js';
import { type Stack, startStack, TOKEN } from './server-stack.js';
import { WsTestClient } from './ws-test-client.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'crucible-http-'));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ server: { wsIntervalMs: 20, staticDir: join(scratch, 'no-dashboard-here') } });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  fetch(`${stack.base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('HTTP server', () => {
  it('/health reports status, version, uptime, journal position, FIX sessions, WebSocket clients and feed', async () => {
    const fix = await TestFixClient.logon({ port: stack.venue.acceptor.port, beginString: 'FIX.4.4', senderCompID: 'HEALTH' });
    const ws = await WsTestClient.connect(stack.wsUrl);
    try {
      await ws.next((m) => m.type === 'snapshot');
      const response = await fetch(`${stack.base}/health`);
      expect(response.status).toBe(200);
      const health = healthResponse.parse(await response.json());
      const position = stack.venue.journalPosition();
      expect(health).toMatchObject({ status: 'ok', version, journal: { last_seq: position.lastSeq, durable_seq: position.durableSeq }, fix: { sessions_logged_on: 1 }, ws_clients: 1, feed: 'none' });
      expect(health.uptime_seconds).toBeGreaterThan(0);
    } finally {
      ws.close();
      await fix.stop();
    }
  });

  it('/metrics shows order flow, rejects by code, stage latencies, WebSocket and journal numbers, and process metrics', async () => {
    await post('/api/orders', { account: 'm1', symbol: 'AMZN', side: 'sell', type: 'limit', price: '185.00', quantity: '5' });
    await post('/api/orders', { account: 'm2', symbol: 'AMZN', side: 'buy', type: 'limit', price: '185.00', quantity: '5' });
    await post('/api/orders', { account: 'm2', symbol: 'AMZN', side: 'buy', type: 'limit', price: '185.001', quantity: '5' });
    await post('/api/orders', { account: 'm2', symbol: 'AMZN', side: 'buy', type: 'limit', price: '185.00', quantity: '5', post_only: true, time_in_force: 'ioc' });
    const response = await fetch(`${stack.base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^crucible_orders_total\{side="buy"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^crucible_orders_total\{side="sell"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^crucible_executions_total (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^crucible_rejects_total\{code="1002"\} (\d+)$/m)).toBe(1);
    expect(value(/^crucible_rejects_total\{code="3011"\} (\d+)$/m)).toBe(1);
    expect(value(/^crucible_stage_seconds_count\{stage="apply"\} (\d+)$/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^crucible_stage_seconds_count\{stage="durable"\} (\d+)$/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^crucible_journal_seq\{kind="durable"\} (\d+)$/m)).toBe(stack.venue.journalPosition().durableSeq);
    for (const name of [
      'crucible_ws_clients',
      'crucible_ws_clients_dropped_total',
      'crucible_ws_frames_sent_total',
      'crucible_ws_conflated_levels',
      'crucible_journal_fsyncs',
      'crucible_journal_fsync_seconds_max',
      'crucible_fix_sessions_logged_on',
      'crucible_http_requests_total',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).toMatch(/^crucible_http_requests_total\{method="POST",route="\/api\/orders",status="201"\} [2-9]/m);
  });

  it('an order entered over REST shows up on the WebSocket as new_order, execution and trade', async () => {
    const ws = await WsTestClient.connect(stack.wsUrl);
    try {
      await ws.next((m) => m.type === 'snapshot');
      const from = ws.messages.length;
      const resting = orderResponse.parse(await (await post('/api/orders', { account: 'w1', symbol: 'ETHUSDT', side: 'sell', type: 'limit', price: '3500.00', quantity: '0.5000' })).json()).order;
      const taking = orderResponse.parse(await (await post('/api/orders', { account: 'w2', symbol: 'ETHUSDT', side: 'buy', type: 'limit', price: '3501.00', quantity: '0.2000' })).json()).order;
      expect(taking.status).toBe('filled');
      const newOrder = await ws.next((m) => m.type === 'new_order' && m.order_id === resting.order_id, from);
      expect(newOrder).toMatchObject({ symbol: 'ETHUSDT', side: 'sell', order_type: 'limit', price: '3500.00', quantity: '0.5000' });
      const execution = await ws.next((m) => m.type === 'execution' && m.buy_order_id === taking.order_id, from);
      expect(execution).toMatchObject({ symbol: 'ETHUSDT', price: '3500.00', quantity: '0.2000', taker_side: 'buy', sell_order_id: resting.order_id });
      const trade = await ws.next((m) => m.type === 'trade' && m.symbol === 'ETHUSDT', from);
      expect(trade).toMatchObject({ price: '3500.00', quantity: '0.2000', taker_side: 'buy' });
      const book = await ws.next((m) => m.type === 'book' && m.symbol === 'ETHUSDT' && m.sell_orders.some((l) => l[1] === '0.3000'), from);
      expect(book.type === 'book' && book.sell_orders).toEqual([['3500.00', '0.3000', 1]]);
      expect(ws.problems).toEqual([]);
    } finally {
      ws.close();
    }
  });

  it('the WebSocket tells of engine rejects and of FIX logons and logouts', async () => {
    const ws = await WsTestClient.connect(stack.wsUrl);
    try {
      await ws.next((m) => m.type === 'snapshot');
      const from = ws.messages.length;
      const fix = await TestFixClient.logon({ port: stack.venue.acceptor.port, beginString: 'FIX.4.4', senderCompID: 'ACTIVITY' });
      const logon = await ws.next((m) => m.type === 'session' && m.target_comp_id === 'ACTIVITY', from);
      expect(logon).toMatchObject({ session: 'FIX.4.4:CRUCIBLE->ACTIVITY', begin_string: 'FIX.4.4', event: 'logon' });
      await fix.stop();
      await ws.next((m) => m.type === 'session' && m.target_comp_id === 'ACTIVITY' && m.event === 'logout', from);

      await post('/api/orders', { account: 'rj', symbol: 'TSLA', side: 'sell', type: 'limit', price: '250.00', quantity: '1' });
      const rejected = orderResponse.parse(await (await post('/api/orders', { account: 'rj', symbol: 'TSLA', side: 'buy', type: 'limit', price: '251.00', quantity: '1', post_only: true })).json()).order;
      expect(rejected.status).toBe('rejected');
      const message = await ws.next((m) => m.type === 'order_rejected' && m.order_id === rejected.order_id, from);
      expect(message).toMatchObject({ symbol: 'TSLA', reject_code: 3010, reason: 'post-only order would take liquidity' });
      expect(ws.problems).toEqual([]);
    } finally {
      ws.close();
    }
  });

  it('/api/fix/sessions lists a logged-on client; its messages come decoded field by field', async () => {
    const fix = await TestFixClient.logon({ port: stack.venue.acceptor.port, beginString: 'FIX.4.2', senderCompID: 'PANEL' });
    try {
      fix.send('D', [
        [11, 'panel-1'],
        [21, '1'],
        [55, 'MSFT'],
        [54, '1'],
        [60, '20240102-03:04:05'],
        [38, '5'],
        [40, '2'],
        [44, '101.00'],
      ]);
      await fix.next();
      const list = fixSessionsResponse.parse(await (await fetch(`${stack.base}/api/fix/sessions`)).json());
      const panel = list.sessions.find((s) => s.target_comp_id === 'PANEL');
      expect(panel).toMatchObject({ key: 'FIX.4.2:CRUCIBLE->PANEL', begin_string: 'FIX.4.2', logged_on: true, next_target_seq_num: 3, messages_in: 2 });
      expect(panel!.messages_out).toBeGreaterThanOrEqual(2);

      const response = await fetch(`${stack.base}/api/fix/sessions/${encodeURIComponent(panel!.key)}/messages?limit=50`);
      expect(response.status).toBe(200);
      const detail = fixSessionMessagesResponse.parse(await response.json());
      const order = detail.messages.find((m) => m.direction === 'in' && m.msg_type === 'D')!;
      expect(order.msg_type_name).toBe('NewOrderSingle');
      expect(order.fields).toContainEqual({ tag: 54, name: 'Side', value: '1', meaning: 'BUY' });
      expect(order.raw).toContain('|11=panel-1|');
      const report = detail.messages.find((m) => m.direction === 'out' && m.msg_type === '8')!;
      expect(report.fields).toContainEqual({ tag: 39, name: 'OrdStatus', value: '0', meaning: 'NEW' });
      expect(detail.events.map((e) => e.text)).toContain('Received logon request');

      const unknown = await fetch(`${stack.base}/api/fix/sessions/${encodeURIComponent('FIX.4.2:CRUCIBLE->NOBODY')}/messages`);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { code: string }).code).toBe('not_found');
      expect((await fetch(`${stack.base}/api/fix/sessions/x/messages?limit=0`)).status).toBe(400);
    } finally {
      await fix.stop();
    }
  });

  it('serves the OpenAPI document and, without a built dashboard, a page saying so', async () => {
    const doc = (await (await fetch(`${stack.base}/api/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/orders');
    const page = await fetch(`${stack.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/dashboard is not built/);
    const plain = await fetch(`${stack.base}/ws`);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('serves the dashboard files when the directory has them', async () => {
    const dist = join(scratch, 'dist');
    mkdirSync(dist, { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>dashboard</title>');
    writeFileSync(join(dist, 'app.js'), 'console.log(1)');
    const other = await startStack({ server: { staticDir: dist } });
    try {
      expect(await (await fetch(`${other.base}/`)).text()).toMatch(/<title>dashboard<\/title>/);
      expect((await fetch(`${other.base}/app.js`)).status).toBe(200);
      expect((await fetch(`${other.base}/api/instruments`)).status).toBe(200);
      const missing = await fetch(`${other.base}/nothing.js`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'not_found' });
    } finally {
      await other.stop();
    }
  });

  it('/health is 503 "failed" once the venue has failed', async () => {
    const other = await startStack();
    try {
      // What a journal write error does: the venue stops acknowledging and tells its listeners.
      (other.venue as unknown as { fail(e: Error): void }).fail(new Error('journal: no space left on device'));
      const response = await fetch(`${other.base}/health`);
      expect(response.status).toBe(503);
      expect(healthResponse.parse(await response.json())).toMatchObject({ status: 'failed', error: 'journal: no space left on device' });
    } finally {
      await other.stop();
    }
  });

  it('without a reference feed, /api/market says so and /api/market/:symbol is 404', async () => {
    const response = await fetch(`${stack.base}/api/market`);
    expect(response.status).toBe(200);
    expect(marketResponse.parse(await response.json())).toEqual({ source: 'none', state: 'none', records: 0, records_per_second: 0, symbols: [] });
    const missing = await fetch(`${stack.base}/api/market/BTCUSDT`);
    expect(missing.status).toBe(404);
    expect(apiError.parse(await missing.json())).toMatchObject({ code: 'unknown_symbol' });
  });

  it('close() says "stopping", closes WebSocket clients with 1001 and stops listening', async () => {
    const other = await startStack();
    const ws = await WsTestClient.connect(other.wsUrl);
    await ws.next((m) => m.type === 'snapshot');
    const closing = other.server.close();
    expect(other.server.health().status).toBe('stopping');
    expect((await ws.waitClosed()).code).toBe(1001);
    await closing;
    await expect(fetch(`${other.base}/health`)).rejects.toThrow();
    await other.stop();
  });
});

describe('HTTP server with a reference feed', () => {
  let feedStack: Stack;
  const feed = new RecordQueue();
  // The synthetic market, stepped by the test: every record is pushed when the test says.
  const market = new SyntheticMarket({
    listings: [
      { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', tradesPerSecond: 10 },
      { symbol: 'ETHUSDT', tickSize: '0.01', lotSize: '0.0001', referencePrice: '3500.00' },
    ],
    seed: 3,
    startTime: Date.now(),
  });
  let pushed = 0;
  const step = async (steps: number): Promise<void> => {
    for (let i = 0; i < steps; i++) {
      for (const r of market.next()) {
        feed.push(r);
        pushed++;
      }
    }
    await expect.poll(() => feedStack.server.reference?.records).toBe(pushed);
  };
  const health = async () => healthResponse.parse(await (await fetch(`${feedStack.base}/health`)).json());

  beforeAll(async () => {
    feedStack = await startStack();
    feedStack.server.attachReferenceFeed(feed, { source: 'synthetic', symbols: ['BTCUSDT', 'ETHUSDT'] });
  });

  afterAll(async () => {
    feed.end();
    await feedStack?.stop();
  });

  it('/health shows the feed: connecting before data, live once it flows', async () => {
    expect((await health()).feed).toBe('connecting');
    await step(50);
    expect(await health()).toMatchObject({ status: 'ok', feed: 'live' });
    expect(() => feedStack.server.attachReferenceFeed(new RecordQueue(), { source: 'replay' })).toThrow(/already/);
  });

  it('GET /api/market lists every symbol with its state, top of book, last price and latency', async () => {
    const body = marketResponse.parse(await (await fetch(`${feedStack.base}/api/market`)).json());
    expect(body).toMatchObject({ source: 'synthetic', state: 'live', records: pushed });
    expect(body.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const btc = body.symbols[0];
    expect(btc).toMatchObject({ exchange: 'synthetic', state: 'live', latency: { last_ms: 0 } });
    expect(Number(btc.best_bid)).toBeLessThan(Number(btc.best_ask));
    expect(btc.last_price).toMatch(/^\d+\.\d{2}$/);
  });

  it('GET /api/market/:symbol gives the book to the depth asked, trades, ticker, state and quality; 404 and 400 otherwise', async () => {
    const ten = marketSymbolResponse.parse(await (await fetch(`${feedStack.base}/api/market/BTCUSDT`)).json());
    expect(ten.bids).toHaveLength(10);
    expect(ten.asks).toHaveLength(10);
    expect(ten).toMatchObject({ symbol: 'BTCUSDT', source: 'synthetic', exchange: 'synthetic', state: 'live', quality: { circuit: 'closed', gaps: 0 } });
    expect(ten.trades.length).toBeGreaterThan(0);
    expect(ten.trades[0].price).toBe(ten.last_price);
    expect(ten.ticker).toMatchObject({ best_bid: ten.bids[0][0], best_ask: ten.asks[0][0] });
    const deep = marketSymbolResponse.parse(await (await fetch(`${feedStack.base}/api/market/BTCUSDT?depth=15`)).json());
    expect(deep.bids).toHaveLength(15);
    expect(deep.bids.slice(0, 10)).toEqual(ten.bids);

    const unknown = await fetch(`${feedStack.base}/api/market/AAPL`);
    expect(unknown.status).toBe(404);
    expect(apiError.parse(await unknown.json())).toMatchObject({ code: 'unknown_symbol', message: expect.stringMatching(/AAPL/) });
    for (const bad of ['/api/market/BTCUSDT?depth=0', '/api/market/BTCUSDT?depth=101', '/api/market/BTCUSDT?depth=ten', '/api/market/BTC$USDT']) {
      const response = await fetch(`${feedStack.base}${bad}`);
      expect(response.status, bad).toBe(400);
      expect(apiError.parse(await response.json()).code, bad).toBe('invalid_request');
    }
  });

  it('/metrics shows the feed per symbol: records by type, state, latency, issues', async () => {
    const text = await (await fetch(`${feedStack.base}/metrics`)).text();
    expect(text).toMatch(/^crucible_feed_records_total\{symbol="BTCUSDT",type="book_change"\} [1-9]\d*$/m);
    expect(text).toMatch(/^crucible_feed_state\{symbol="ETHUSDT",state="live"\} 1$/m);
    expect(text).toMatch(/^crucible_feed_latency_seconds\{symbol="BTCUSDT",stat="p99"\} 0$/m);
    expect(text).toMatch(/^crucible_feed_issues_total\{symbol="BTCUSDT",issue="gap"\} 0$/m);
  });

  it('/health follows the feed down', async () => {
    feed.push({ type: 'feed_status', exchange: 'synthetic', state: 'down', reason: 'connection_error', detail: 'no route to host', localTime: Date.now() });
    pushed++;
    await expect.poll(() => feedStack.server.reference?.records).toBe(pushed);
    const answer = await fetch(`${feedStack.base}/health`);
    // The venue itself is fine: only the outside market is gone.
    expect(answer.status).toBe(200);
    expect(healthResponse.parse(await answer.json()).feed).toBe('down');
    const body = marketResponse.parse(await (await fetch(`${feedStack.base}/api/market`)).json());
    expect(body).toMatchObject({ state: 'down', reason: 'connection_error', detail: 'no route to host' });
  });
});
