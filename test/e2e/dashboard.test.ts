// The dashboard in a real browser against a real venue process: the page the venue serves at /,
// fed by its WebSocket and REST API. Orders go in over REST and FIX; the test reads what a trader
// would read on the screen. Screenshots of each main view land in test-artifacts/.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli, exitOf, type RunningVenue, startVenueProcess } from '../support/venue-process.js';
import { TestFixClient } from '../venue/fix-test-client.js';
import { artifactPath, buildDashboard, launchBrowser, runBrowserTests } from './browser.js';

const TOKEN = 'e2e-token-0123456789abcdef';
const ACCOUNT = 'e2e-desk';
const DESKTOP = { width: 1440, height: 960 };
const PHONE = { width: 390, height: 844 };

let cli: BuiltCli;
let browser: Browser;
let venue: RunningVenue;
let httpPort = 0;
let base = '';
let dataDir = '';
let context: BrowserContext;
let page: Page;
/** Uncaught errors in any page: every test ends with none. */
const pageErrors: string[] = [];

async function startVenue(port: number): Promise<RunningVenue> {
  const run = await startVenueProcess(cli, ['--fix-port', '0', '--http-port', String(port), '--api-token', TOKEN, '--data-dir', dataDir, '--fsync', 'off']);
  const deadline = Date.now() + 10_000;
  let m: RegExpExecArray | null = null;
  while ((m = /^HTTP on http:\/\/127\.0\.0\.1:(\d+) /m.exec(run.stdout())) === null && Date.now() < deadline) await sleep(20);
  if (m === null) throw new Error(`no HTTP line on stdout: ${run.stdout()}`);
  httpPort = Number(m[1]);
  base = `http://127.0.0.1:${httpPort}`;
  return run;
}

async function stopVenue(): Promise<void> {
  if (venue === undefined || venue.child.exitCode !== null) return;
  venue.child.kill('SIGTERM');
  expect(await exitOf(venue.child)).toEqual({ code: 0, signal: null });
}

/** Waits for what the screen shows (a loaded 2-core machine can take seconds to paint). */
function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(read, { timeout: 15_000, interval: 100, ...options });
}

/** Page-side expressions are strings: the tests compile without the DOM's types. */
const THEME = 'document.documentElement.dataset.theme';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function order(body: Record<string, unknown>): Promise<{ order_id: string; status: string }> {
  const response = await fetch(`${base}/api/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ account: ACCOUNT, type: 'limit', ...body }),
  });
  const json = (await response.json()) as { order: { order_id: string; status: string } };
  expect(response.status, JSON.stringify(json)).toBe(201);
  return json.order;
}

/** The ladder's rows on one side as the screen shows them: [price, size, total]. */
function ladder(side: 'bids' | 'asks'): Promise<string[][]> {
  return page.$$eval(`[data-testid=${side}] .ladder-row:not(.blank)`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('span')].map((s) => s.textContent ?? '')),
  );
}

/** The activity log as shown (it redraws at most four times a second). */
function logText(): Promise<string> {
  return page.locator('[data-testid=activity-log] .log-list').innerText();
}

function connectionText(p: Page = page): Promise<string> {
  return p.locator('[data-testid=connection] .status-text').innerText();
}

async function waitConnected(p: Page = page): Promise<void> {
  await p.waitForFunction("document.querySelector('[data-testid=connection] .status-text')?.textContent === 'Connected'", null, { timeout: 15_000 });
}

async function openDashboard(c: BrowserContext): Promise<Page> {
  const p = await c.newPage();
  p.on('pageerror', (e) => pageErrors.push(e.stack ?? e.message));
  await p.goto(`${base}/`);
  await waitConnected(p);
  return p;
}

/** A full-page screenshot from the top (a sticky top bar would otherwise sit where the page was scrolled). */
async function shot(p: Page, name: string, fullPage = true): Promise<void> {
  await p.evaluate('window.scrollTo(0, 0)');
  await p.screenshot({ path: artifactPath(name), fullPage });
}

async function select(symbol: string): Promise<void> {
  await page.locator(`[data-testid=tab-${symbol}]`).click();
  await eventually(() => page.locator('[data-testid=order-book] .panel-sub').innerText()).toBe(symbol);
}

describe.skipIf(!runBrowserTests)('the dashboard in a real browser', () => {
  beforeAll(async () => {
    buildDashboard();
    cli = buildCli('e2e-dashboard');
    dataDir = mkdtempSync(join(tmpdir(), 'crucible-e2e-'));
    venue = await startVenue(0);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: DESKTOP });
    page = await openDashboard(context);
  }, 180_000);

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    if (venue !== undefined && venue.child.exitCode === null) venue.child.kill('SIGKILL');
    cli?.remove();
    if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows every instrument as a tab, grouped by asset class, with an empty book and chart', async () => {
    const groups = await page.$$eval('.tab-group', (gs) => gs.map((g) => [g.querySelector('.tab-group-label')?.textContent, [...g.querySelectorAll('.tab-symbol')].map((s) => s.textContent)]));
    expect(groups).toEqual([
      ['Equities', ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA']],
      ['Crypto', ['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT']],
    ]);
    await select('AAPL');
    expect(await page.locator('[data-testid=order-book]').innerText()).toContain('No orders on the book');
    expect(await page.locator('[data-testid=price-chart]').innerText()).toContain('No trades yet');
    expect(await page.locator('[data-testid=executions]').innerText()).toContain('No trades yet');
    // The venue runs without an outside market here: the reference panel says so beside the book.
    expect(await page.locator('[data-testid=reference-market]').innerText()).toContain('No reference feed');
  });

  it('puts a resting order on the ladder, and the tabs switch books', async () => {
    await order({ symbol: 'AAPL', side: 'buy', price: '189.50', quantity: '100' });
    await order({ symbol: 'AAPL', side: 'buy', price: '189.41', quantity: '1250' });
    await order({ symbol: 'AAPL', side: 'sell', price: '190.25', quantity: '30' });
    await order({ symbol: 'MSFT', side: 'sell', price: '421.00', quantity: '7' });
    await eventually(() => ladder('bids')).toEqual([
      ['189.50', '100', '100'],
      ['189.41', '1,250', '1,350'],
    ]);
    await eventually(() => ladder('asks')).toEqual([['190.25', '30', '30']]);
    expect(await page.locator('[data-testid=spread]').innerText()).toMatch(/^Spread 0\.75 · /);

    await select('MSFT');
    await eventually(() => ladder('asks')).toEqual([['421.00', '7', '7']]);
    expect(await ladder('bids')).toEqual([]);
    await select('AAPL');
    await eventually(() => ladder('bids')).toHaveLength(2);
  });

  it('aggregates levels exactly when the price grouping is coarser', async () => {
    await order({ symbol: 'AAPL', side: 'buy', price: '189.45', quantity: '5' });
    await eventually(() => ladder('bids')).toHaveLength(3);
    await page.locator('[data-testid=grouping]').selectOption('10'); // 0.10
    // 189.50 alone; 189.45 and 189.41 fold down into 189.40.
    await eventually(() => ladder('bids')).toEqual([
      ['189.50', '100', '100'],
      ['189.40', '1,255', '1,355'],
    ]);
    await page.locator('[data-testid=grouping]').selectOption('1');
    await eventually(() => ladder('bids')).toHaveLength(3);
  });

  it('adds a tab for a new listing and marks a halted symbol, live', async () => {
    const admin = (path: string, body?: unknown) =>
      fetch(`${base}/api/admin/instruments${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    expect((await admin('', { symbol: 'NVDA', asset_class: 'equity', tick_size: '0.01', lot_size: '1', reference_price: '120.00' })).status).toBe(201);
    const tab = page.locator('[data-testid=tab-NVDA]');
    await eventually(() => tab.count()).toBe(1);
    expect(await page.$$eval('.tab-group', (gs) => gs[0].querySelectorAll('.tab').length)).toBe(6);
    expect(await tab.locator('.badge').isHidden()).toBe(true);
    expect((await admin('/NVDA/halt')).status).toBe(200);
    await eventually(() => tab.locator('.badge').isVisible()).toBe(true);
    expect(await tab.innerText()).toContain('HALT');
    await eventually(logText).toMatch(/LISTING\s+NVDA halted/);
    expect((await admin('/NVDA/resume')).status).toBe(200);
    await eventually(() => tab.locator('.badge').isHidden()).toBe(true);
  });

  it('pauses the screen while data keeps coming, and catches up on resume; settings change the depth', async () => {
    await page.locator('[data-testid=pause]').click();
    expect(await page.locator('.badge.paused').isVisible()).toBe(true);
    await order({ symbol: 'AAPL', side: 'buy', price: '189.30', quantity: '3' });
    await sleep(500);
    expect(await ladder('bids')).toHaveLength(3);
    await page.locator('[data-testid=pause]').click();
    await eventually(() => ladder('bids')).toContainEqual(['189.30', '3', '1,358']);

    await page.locator('[data-testid=settings]').click();
    await page.locator('[data-testid=setting-depth]').selectOption('8');
    await page.locator('[data-testid=settings-dialog] button[type=submit]').click();
    expect(await page.locator('[data-testid=bids] .ladder-row').count()).toBe(8);
    await page.locator('[data-testid=settings]').click();
    await page.locator('[data-testid=setting-depth]').selectOption('12');
    await page.locator('[data-testid=settings-dialog] button[type=submit]').click();
    expect(await page.locator('[data-testid=bids] .ladder-row').count()).toBe(12);
    // The cancel shows in the log and takes the level off the ladder.
    const resting = (await (await fetch(`${base}/api/orders?account=${ACCOUNT}`)).json()) as { orders: Array<{ order_id: string; price: string }> };
    const id = resting.orders.find((o) => o.price === '189.30')!.order_id;
    const cancel = await fetch(`${base}/api/orders/${id}?account=${ACCOUNT}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(cancel.status).toBe(200);
    await eventually(() => ladder('bids')).toHaveLength(3);
    await eventually(logText).toMatch(new RegExp(`CANCEL\\s+AAPL #${id} cancelled 3 \\(user\\)`));
  });

  it('shows a FIX order that trades: the ladder shrinks, the feed, the chart, the stats and the log show it', async () => {
    await page.locator('[data-testid=account]').fill(ACCOUNT);
    await page.locator('[data-testid=account]').press('Enter');
    const fixPort = venue.port;
    const client = await TestFixClient.logon({ port: fixPort, beginString: 'FIX.4.4', senderCompID: 'E2E-FIX' });
    try {
      client.send('D', [
        [11, 'e2e-1'],
        [55, 'AAPL'],
        [54, '2'],
        [60, new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '')],
        [38, '40'],
        [40, '2'],
        [44, '189.50'],
        [59, '1'],
      ]);
      const reports = await client.take(2);
      expect(reports.map((r) => [r.msgType, r.get(39)])).toEqual([
        ['8', '0'],
        ['8', '2'],
      ]);

      await eventually(() => ladder('bids')).toContainEqual(['189.50', '60', '60']);
      const feed = page.locator('[data-testid=executions] tbody tr:not([hidden])');
      await eventually(() => feed.count()).toBe(1);
      const cells = await feed.first().locator('td').allInnerTexts();
      expect(cells.slice(1)).toEqual(['AAPL', 'SELL', '189.50', '40', 'Filled']);
      expect(cells[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      expect(await feed.first().getAttribute('class')).toBe('sell');

      await eventually(() => page.locator('[data-testid=last-price]').innerText()).toMatch(/^189\.50/);
      await eventually(() => page.locator('[data-testid=price-chart] .empty-state').isHidden()).toBe(true);
      // The resting buy was the account's: its fill is marked on the chart.
      await eventually(() => page.locator('[data-testid=account-fills]').innerText()).toBe(`${ACCOUNT}: 1 fill`);

      const stats = page.locator('[data-testid=stats-AAPL] td');
      await eventually(async () => (await stats.allInnerTexts()).slice(0, 5)).toEqual(['AAPL', '189.50', '40', '189.5000', '1']);
      await eventually(() => page.locator('[data-testid=orders-total]').innerText()).toBe('7');
      await eventually(logText).toMatch(/TRADE\s+AAPL SELL 40 @ 189\.50/);
      expect(await logText()).toMatch(/ORDER\s+AAPL #\d+ BUY limit 100 @ 189\.50/);

      await fixPanel();
      await shot(page, 'dashboard-desktop-dark.png');
    } finally {
      await client.stop();
    }
  });

  it('remembers the light theme across a reload', async () => {
    expect(await page.evaluate(THEME)).toBe('dark');
    await page.locator('[data-testid=theme-toggle]').click();
    expect(await page.evaluate(THEME)).toBe('light');
    await page.reload();
    await waitConnected();
    expect(await page.evaluate(THEME)).toBe('light');
    // Readable in the light theme too: the text is dark on a light panel.
    const [text, panel] = (await page.evaluate(
      "(() => { const s = getComputedStyle(document.querySelector('[data-testid=order-book]')); return [s.color, s.backgroundColor]; })()",
    )) as [string, string];
    expect(luminance(text)).toBeLessThan(0.1);
    expect(luminance(panel)).toBeGreaterThan(0.9);
    await eventually(() => ladder('bids')).toHaveLength(3);
    await shot(page, 'dashboard-desktop-light.png');
    await page.locator('[data-testid=theme-toggle]').click();
    expect(await page.evaluate("localStorage.getItem('crucible.theme')")).toBe('dark');
  });

  it('lists the strategies a venue runs, with their state and controls, in the Strategies panel', async (ctx) => {
    // A venue of its own: the strategies trade, and the other tests count every order they see.
    const run = await startVenueProcess(cli, ['--fix-port', '0', '--http-port', '0', '--api-token', TOKEN, '--fsync', 'off', '--feed', 'synthetic', '--strategies']);
    const strategiesContext = await browser.newContext({ viewport: DESKTOP });
    try {
      const deadline = Date.now() + 10_000;
      let m: RegExpExecArray | null = null;
      while ((m = /^HTTP on (http:\/\/127\.0\.0\.1:\d+) /m.exec(run.stdout())) === null && Date.now() < deadline) await sleep(20);
      if (m === null) throw new Error(`no HTTP line on stdout: ${run.stdout()}`);
      const strategiesBase = m[1];
      const { strategies } = (await (await fetch(`${strategiesBase}/api/strategies`)).json()) as { strategies: Array<{ symbol: string }> };
      const p = await strategiesContext.newPage();
      p.on('pageerror', (e) => pageErrors.push(e.stack ?? e.message));
      await p.goto(`${strategiesBase}/`);
      const panel = p.locator('[data-testid=strategies]');
      if (strategies.length === 0) {
        await eventually(() => panel.innerText()).toContain('No strategies running');
        console.warn('skipped: `crucible start --strategies` runs no strategies here, so the panel shows only its empty state');
        ctx.skip();
        return;
      }
      const rows = panel.locator('[data-testid=strategy-row]');
      await eventually(() => rows.count()).toBe(strategies.length);
      const first = rows.first();
      expect(await first.innerText()).toContain(strategies[0].symbol);
      await eventually(() => first.locator('.badge').innerText()).toBe('RUNNING');
      // Without the token a control says what to do; with a wrong one, that it was refused.
      await first.locator('[data-testid=strategy-stop]').click();
      await eventually(() => panel.locator('[data-testid=strategies-message]').innerText()).toContain('Set the API token in Settings');
      await p.locator('[data-testid=settings]').click();
      await p.locator('[data-testid=setting-token]').fill('not-the-token');
      await p.locator('[data-testid=setting-token]').dispatchEvent('change');
      await p.keyboard.press('Escape');
      await first.locator('[data-testid=strategy-stop]').click();
      await eventually(() => panel.locator('[data-testid=strategies-message]').innerText()).toContain('401');
      await p.locator('[data-testid=settings]').click();
      await p.locator('[data-testid=setting-token]').fill(TOKEN);
      await p.locator('[data-testid=setting-token]').dispatchEvent('change');
      await p.keyboard.press('Escape');
      await first.locator('[data-testid=strategy-stop]').click();
      await eventually(() => first.locator('.badge').innerText()).toBe('STOPPED');
      await first.click();
      await eventually(() => panel.locator('[data-testid=strategy-sparkline]').isVisible()).toBe(true);
      await shot(p, 'dashboard-strategies.png');
    } finally {
      await strategiesContext.close();
      run.child.kill('SIGTERM');
      await exitOf(run.child);
    }
  });

  it('fits a 390 px phone: one column, nothing wider than the screen', async () => {
    const phone = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const p = await openDashboard(phone);
      await p.locator('[data-testid=tab-AAPL]').click();
      await eventually(() => p.$$eval('[data-testid=bids] .ladder-row:not(.blank)', (r) => r.length)).toBe(3);
      expect(await p.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
      const boxes = await p.$$eval('main.board > section', (sections) => sections.map((s) => s.getBoundingClientRect()).map((r) => [Math.round(r.left), Math.round(r.right)]));
      for (const [left, right] of boxes) {
        expect(left).toBeGreaterThanOrEqual(0);
        expect(right).toBeLessThanOrEqual(PHONE.width);
      }
      // One column: every panel starts at the same left edge.
      expect(new Set(boxes.map(([left]) => left)).size).toBe(1);
      await shot(p, 'dashboard-phone.png');
    } finally {
      await phone.close();
    }
  });

  it('keeps up with a busy market: a full ladder, 50 feed rows, candles and depth', async () => {
    // The order generator over FIX, bounded: 600 requests at 300/s.
    const generator = spawn(process.execPath, [cli.main, 'generate', '--port', String(venue.port), '--rate', '300', '--count', '600', '--seed', '7', '--symbols', 'AAPL,BTCUSDT'], { stdio: 'ignore' });
    const exit = await exitOf(generator, 30_000);
    expect(exit).toEqual({ code: 0, signal: null });
    await eventually(() => page.locator('[data-testid=executions] tbody tr:not([hidden])').count()).toBe(50);
    await eventually(() => ladder('bids')).toHaveLength(12);
    expect(await ladder('asks')).toHaveLength(12);
    // Running totals add up, row after row, in exact integers.
    const bids = await ladder('bids');
    let total = 0;
    for (const [, size, cumulative] of bids) {
      total += Number(size.replaceAll(',', ''));
      expect(Number(cumulative.replaceAll(',', ''))).toBe(total);
    }
    expect(await page.locator('[data-testid=depth-chart] .empty-state').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=price-chart] .empty-state').isHidden()).toBe(true);
    await select('BTCUSDT');
    await eventually(() => ladder('asks')).toHaveLength(12);
    // Crypto sizes keep the lot's five decimals.
    expect((await ladder('asks'))[0][1]).toMatch(/^\d{1,3}(,\d{3})*\.\d{5}$/);
    await sleep(1200);
    await shot(page, 'dashboard-busy-btc.png');
    await select('AAPL');
  }, 60_000);

  it('goes red when the venue stops and green again after a restart, with the same book', async () => {
    const before = await ladder('bids');
    const feedBefore = await page.$$eval('[data-testid=executions] tbody tr:not([hidden])', (rows) => rows.map((r) => r.getAttribute('data-trade-id')));
    await stopVenue();
    await eventually(() => connectionText()).toMatch(/^Disconnected/);
    expect(await page.locator('[data-testid=connection] .dot').getAttribute('class')).toBe('dot off');
    await shot(page, 'dashboard-disconnected.png', false);

    venue = await startVenue(httpPort);
    await eventually(() => connectionText(), { timeout: 30_000 }).toBe('Connected');
    expect(await page.locator('[data-testid=connection] .dot').getAttribute('class')).toBe('dot on');
    await eventually(() => ladder('bids')).toEqual(before);
    const feedAfter = await page.$$eval('[data-testid=executions] tbody tr:not([hidden])', (rows) => rows.map((r) => r.getAttribute('data-trade-id')));
    expect(feedAfter).toEqual(feedBefore);
    expect(new Set(feedAfter).size).toBe(feedAfter.length);
    await eventually(logText).toMatch(/LINK\s+connected: snapshot received/);
    expect(await logText()).toMatch(/LINK\s+disconnected/);
  }, 90_000);

  it('raises a price-move alert as a toast and an ALERT line when a last price moves 2 %', async () => {
    // TSLA's book is empty in these tests: each pair trades at its own price, 250.00 then 255.00.
    for (const price of ['250.00', '255.00']) {
      await order({ symbol: 'TSLA', side: 'sell', price, quantity: '1' });
      await order({ symbol: 'TSLA', side: 'buy', price, quantity: '1', account: 'e2e-alerts' });
    }
    const toast = page.locator('[data-testid=toasts] [data-testid=toast][data-kind=price_move]', { hasText: 'TSLA' });
    await eventually(() => toast.count()).toBe(1);
    expect(await toast.innerText()).toContain('TSLA moved +2.00 % in 60 s: 250.00 → 255.00');
    await eventually(logText).toMatch(/ALERT\s+TSLA moved \+2\.00 %/);
    await shot(page, 'dashboard-alert-toast.png', false);
    // It goes by itself after a few seconds.
    await eventually(() => toast.count(), { timeout: 20_000 }).toBe(0);
  }, 60_000);
});

/** The FIX panel: the session with its messages decoded, or a plain "not available". */
async function fixPanel(): Promise<void> {
  const routes = await fetch(`${base}/api/fix/sessions`);
  const panel = page.locator('[data-testid=fix-sessions]');
  if (routes.status === 404) {
    await eventually(() => panel.innerText()).toContain('not available');
    return;
  }
  const row = panel.locator('[data-testid=fix-session]', { hasText: 'E2E-FIX' });
  await eventually(() => row.count()).toBe(1);
  expect(await row.innerText()).toContain('FIX.4.4');
  await row.click();
  const order = panel.locator('.fix-message', { hasText: 'NewOrderSingle (D)' });
  await eventually(() => order.count()).toBe(1);
  await order.click();
  const fields = panel.locator('[data-testid=fix-fields] tbody tr');
  await eventually(() => fields.count()).toBeGreaterThan(8);
  const rows = await fields.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  expect(rows).toContainEqual(['54', 'Side', '2', 'SELL']);
  expect(rows).toContainEqual(['44', 'Price', '189.50', '']);
}

/** Relative luminance of a CSS rgb() color, 0 (black) to 1 (white). */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
