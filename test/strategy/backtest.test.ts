// Backtests through the whole assembly of `crucible backtest`: a fresh in-memory venue, the feed
// driving a manual clock, the built-in strategies. The same inputs must give byte-identical
// reports, and the fills must equal the venue's own executions.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backtest, BacktestOptionError, type BacktestOptions, type BacktestOutcome } from '../../src/cli/backtest.js';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'binance');
const haveCaptures = existsSync(join(CAPTURES, 'btcusdt_20240808.gz'));
if (!haveCaptures && process.env.CI !== 'true') {
  console.warn(`\n*** backtest.test.ts: the Binance captures are not at ${CAPTURES}: the backtest on real captures is SKIPPED ***\n`);
}

const SYNTHETIC: BacktestOptions = {
  feed: 'synthetic:7',
  symbols: ['BTCUSDT', 'ETHUSDT'],
  strategies: ['mm', 'taker'],
  durationSeconds: 120,
  params: { taker: { momentumBps: 1, cooldownMs: 500 }, mm: { levels: 2 }, fees: { makerBps: -0.5, takerBps: 2 } },
};

function expectSame(a: BacktestOutcome, b: BacktestOutcome): void {
  expect(b.json).toBe(a.json);
  expect(b.text).toBe(a.text);
  expect(b.fillsCsv).toBe(a.fillsCsv);
  expect(b.equityCsv).toBe(a.equityCsv);
}

describe('backtest on the synthetic market', () => {
  it('the same seed and parameters give byte-identical reports, fills and equity curves', async () => {
    const first = await backtest(SYNTHETIC);
    const second = await backtest(SYNTHETIC);
    expectSame(first, second);
    expect(first.report.total.fills).toBeGreaterThan(10);
    expect(first.fillsCsv.split('\n').length).toBeGreaterThan(first.report.total.fills);
  });

  it('a different seed gives a different run', async () => {
    const a = await backtest({ ...SYNTHETIC, durationSeconds: 30 });
    const b = await backtest({ ...SYNTHETIC, durationSeconds: 30, feed: 'synthetic:8' });
    expect(b.fillsCsv).not.toBe(a.fillsCsv);
  });

  it("reconciles: each account's fills and position equal the venue's executions", async () => {
    const { report, runtime } = await backtest({ ...SYNTHETIC, durationSeconds: 60 });
    expect(report.reconciliation.ok).toBe(true);
    for (const line of report.reconciliation.accounts) {
      expect(line.reportFills).toBe(line.venueFills);
      expect(line.portfolioPosition).toBe(line.venuePosition);
    }
    // The market maker and the taker trade with each other: every maker fill has its taker.
    const mm = report.strategies.find((s) => s.id === 'mm-BTCUSDT')!;
    const taker = report.strategies.find((s) => s.id === 'taker-BTCUSDT')!;
    expect(mm.fills).toBeGreaterThan(0);
    expect(mm.fills).toBe(taker.fills);
    expect(mm.position).toBe(taker.position.startsWith('-') ? taker.position.slice(1) : `-${taker.position}`);
    // Fees as configured: the maker earns a rebate, the taker pays.
    expect(mm.fees.startsWith('-')).toBe(true);
    expect(Number(taker.fees)).toBeGreaterThan(0);
    // Orders were left working at the end: the stop cancelled them all.
    for (const h of runtime.handles()) expect(h.state().state).toBe('stopped');
  });

  it('a kill switch tripped during the run shows in the report, with its code and time', async () => {
    const { report, text } = await backtest({ ...SYNTHETIC, durationSeconds: 60, params: { ...SYNTHETIC.params as object, taker: { momentumBps: 1, cooldownMs: 500, risk: { maxLoss: '0.5' } } } });
    const killed = report.strategies.filter((s) => s.kind === 'taker');
    expect(killed.length).toBe(2);
    for (const s of killed) {
      expect(s.state).toBe('killed');
      expect(s.kill).toMatchObject({ code: 2108, reason: expect.stringContaining('loss limit reached') });
      expect(text).toContain(`${s.id}: kill switch 2108 at ${s.kill!.time}`);
    }
    expect(report.reconciliation.ok).toBe(true);
  });

  it('runs for --duration of market time, sampling equity at its interval', async () => {
    const { report, runtime } = await backtest({ ...SYNTHETIC, durationSeconds: 30, params: { equityIntervalMs: 5000 } });
    expect(report.backtest.marketSeconds).toBe(30);
    // Six samples at 5 s intervals, and one at the end.
    expect(runtime.handles()[0].equityCurve()).toHaveLength(7);
    expect(report.backtest.equityIntervalMs).toBe(5000);
  });

  it('refuses options that do not make sense, naming them', async () => {
    await expect(backtest({ ...SYNTHETIC, symbols: ['NOPE'] })).rejects.toThrow(BacktestOptionError);
    await expect(backtest({ ...SYNTHETIC, feed: 'nasdaq' })).rejects.toThrow(/--feed must be replay/);
    await expect(backtest({ ...SYNTHETIC, feed: 'synthetic:x' })).rejects.toThrow(/seed/);
    await expect(backtest({ ...SYNTHETIC, params: { mm: { spreadBps: -1 } } })).rejects.toThrow(/--params: .*spreadBps/);
    await expect(backtest({ ...SYNTHETIC, params: { mm: { risk: { maxLoss: 'lots' } } } })).rejects.toThrow(/maxLoss/);
    await expect(backtest({ ...SYNTHETIC, params: { nonsense: 1 } })).rejects.toThrow(/--params/);
  });
});

describe('backtest on the real Binance captures', () => {
  if (!haveCaptures) {
    it.runIf(process.env.CI === 'true')('has the captures (required under CI)', () => {
      expect(existsSync(CAPTURES), `the Binance captures are missing at ${CAPTURES}`).toBe(true);
    });
    it.skip(`the captures are not at ${CAPTURES}`, () => {});
    return;
  }

  it('two runs over both symbols and both days give byte-identical reports that reconcile', async () => {
    const options: BacktestOptions = { feed: `replay:${CAPTURES}`, symbols: ['BTCUSDT', 'ETHUSDT'], strategies: ['mm', 'taker'], params: { fees: { makerBps: 0, takerBps: 1 } } };
    const first = await backtest(options);
    const second = await backtest(options);
    expectSame(first, second);
    const { report } = first;
    // Every record of both captures went through (tickers, trades, book changes, snapshots, the end statuses).
    expect(report.backtest.records).toBeGreaterThan(170_000);
    expect(report.backtest.start).toBe('2024-08-08T23:54:14.024Z');
    expect(report.total.fills).toBeGreaterThan(20);
    expect(report.reconciliation.ok).toBe(true);
  }, 120_000);
});
