import { beforeAll, describe, expect, it } from 'vitest';
import { backtest, type BacktestOutcome } from '../../src/cli/backtest.js';
import { buildReport, reportText, type VenueAccountExecutions } from '../../src/strategy/backtest-report.js';

let outcome: BacktestOutcome;
beforeAll(async () => {
  outcome = await backtest({
    feed: 'synthetic:11',
    symbols: ['BTCUSDT'],
    strategies: ['mm', 'taker'],
    durationSeconds: 60,
    params: { taker: { momentumBps: 1, cooldownMs: 500 }, fees: { makerBps: 0, takerBps: 2.5 }, capital: '50000' },
  });
});

describe('the backtest report', () => {
  it('describes the run and each strategy, with exact money and rounded ratios', () => {
    const { report } = outcome;
    expect(report.backtest).toMatchObject({
      feed: 'synthetic:11',
      symbols: ['BTCUSDT'],
      strategies: ['mm', 'taker'],
      start: '2024-01-02T14:30:00.000Z',
      end: '2024-01-02T14:31:00.000Z',
      marketSeconds: 60,
      capital: '50000',
      fees: { makerBps: 0, takerBps: 2.5 },
    });
    const taker = report.strategies.find((s) => s.kind === 'taker')!;
    expect(taker.fills).toBeGreaterThan(0);
    expect(taker.takerFills).toBe(taker.fills);
    // realized + unrealized − fees = pnl, to the last digit.
    const cents = (x: string): bigint => BigInt(Math.round(Number(x) * 1e8));
    expect(cents(taker.realizedPnl) + cents(taker.unrealizedPnl) - cents(taker.fees)).toBe(cents(taker.pnl));
    expect(taker.params).toMatchObject({ momentumBps: 1, risk: { maxLoss: '5000' } });
    for (const s of report.strategies) {
      for (const x of [s.performance.sharpe, s.performance.sortino, s.performance.calmar]) if (x !== null) expect(x).toBe(Number(x.toPrecision(6)));
    }
  });

  it('prints a table with a line per strategy and the reconciliation', () => {
    const lines = outcome.text.split('\n');
    expect(lines[0]).toBe('backtest  feed synthetic:11  symbols BTCUSDT  strategies mm,taker');
    // The state at the end of the market time, before the final stop.
    expect(lines.some((l) => l.startsWith('mm-BTCUSDT ') && l.includes('running'))).toBe(true);
    expect(lines.some((l) => l.startsWith('taker-BTCUSDT '))).toBe(true);
    expect(outcome.text).toContain("reconciliation: ok, fills and positions equal the venue's executions for 2 accounts");
  });

  it('writes one CSV row per fill and per equity point', () => {
    const fills = outcome.fillsCsv.trimEnd().split('\n');
    expect(fills[0]).toBe('time,strategy,account,symbol,side,price,quantity,liquidity,fee,realized_pnl,position,order_id,client_order_id,trade_id');
    expect(fills).toHaveLength(1 + outcome.report.total.fills);
    expect(fills[1]).toMatch(/^2024-01-02T14:3\d:\d\d\.\d{3}Z,(mm|taker)-BTCUSDT,(mm|taker)-BTCUSDT,BTCUSDT,(buy|sell),\d+\.\d\d,\d+\.\d{5},(maker|taker),/);
    const equity = outcome.equityCsv.trimEnd().split('\n');
    expect(equity[0]).toBe('time,strategy,equity,pnl,realized,unrealized,fees,position');
    // 60 samples a second apart and one at the end, for each of the two strategies.
    expect(equity).toHaveLength(1 + 2 * 61);
    expect(equity[1]).toMatch(/^2024-01-02T14:30:01\.000Z,mm-BTCUSDT,50000/);
  });

  it('a fill the venue does not know of fails the reconciliation, and says where', () => {
    const { report } = outcome;
    const venue = new Map<string, VenueAccountExecutions>();
    for (const a of report.reconciliation.accounts) venue.set(a.account, { fills: a.venueFills, bought: a.venueBought, sold: a.venueSold });
    const mm = report.reconciliation.accounts.find((a) => a.account === 'mm-BTCUSDT')!;
    venue.set('mm-BTCUSDT', { fills: mm.venueFills - 1, bought: mm.venueBought, sold: mm.venueSold });
    const broken = buildReport(outcome.runtime, outcome.run, { feed: 'synthetic:11', symbols: ['BTCUSDT'], strategies: ['mm', 'taker'], params: {} }, venue);
    expect(broken.reconciliation.ok).toBe(false);
    expect(broken.reconciliation.accounts.find((a) => a.account === 'mm-BTCUSDT')!.ok).toBe(false);
    expect(reportText(broken)).toContain(`reconciliation: MISMATCH mm-BTCUSDT fills ${mm.reportFills}/${mm.venueFills - 1}`);
  });
});
