import { describe, expect, it } from 'vitest';
import { curveStats, MS_PER_YEAR, tradeStats } from '../../src/strategy/analytics.js';

const DAY = 86_400_000;

describe('equity curve statistics', () => {
  // Capital 100, then one sample a day: 101, 99, 102.
  // Returns: 1/100 = 0.01, −2/101 = −0.0198019802, 3/99 = 0.0303030303.
  const stats = curveStats([101, 99, 102], 100, DAY);
  const r = [0.01, -2 / 101, 3 / 99];
  const mean = (r[0] + r[1] + r[2]) / 3; // 0.0068336834

  it('max drawdown is the largest fall from a running peak, in money and as a fraction of that peak', () => {
    expect(stats.maxDrawdown).toBeCloseTo(2, 12); // 101 → 99
    expect(stats.maxDrawdownPct).toBeCloseTo(2 / 101, 12);
    expect(stats.totalReturn).toBeCloseTo(0.02, 12);
  });

  it('Sharpe: mean over sample deviation, annualised by √(periods a year)', () => {
    // Σ(r − mean)² / (n − 1) with n = 3; a daily curve has 365 periods a year.
    const variance = ((r[0] - mean) ** 2 + (r[1] - mean) ** 2 + (r[2] - mean) ** 2) / 2;
    expect(Math.sqrt(variance)).toBeCloseTo(0.0252021267, 9);
    expect(stats.sharpe).toBeCloseTo((mean / Math.sqrt(variance)) * Math.sqrt(365), 9);
    expect(stats.sharpe).toBeCloseTo(5.1804095, 6);
  });

  it('Sortino: mean over downside deviation √(Σ min(r, 0)² / n)', () => {
    const downside = Math.sqrt(r[1] ** 2 / 3); // only the one losing day counts
    expect(stats.sortino).toBeCloseTo((mean / downside) * Math.sqrt(365), 9);
    expect(stats.sortino).toBeCloseTo(11.4196631, 6);
  });

  it('Calmar: annualised mean return over the max drawdown fraction', () => {
    expect(stats.calmar).toBeCloseTo((mean * 365) / (2 / 101), 9);
    expect(stats.calmar).toBeCloseTo(125.9618687, 6);
  });

  it('annualises by the sampling interval', () => {
    const perSecond = curveStats([101, 99, 102], 100, 1000);
    expect(perSecond.sharpe! / stats.sharpe!).toBeCloseTo(Math.sqrt(MS_PER_YEAR / 1000 / 365), 9);
  });

  it('ratios without a denominator are null, not infinite', () => {
    const flat = curveStats([100, 100, 100], 100, 1000);
    expect(flat).toMatchObject({ maxDrawdown: 0, sharpe: null, sortino: null, calmar: null, totalReturn: 0 });
    const rising = curveStats([101, 102], 100, 1000);
    expect(rising.sortino).toBeNull();
    expect(rising.calmar).toBeNull();
    expect(rising.sharpe).not.toBeNull();
    expect(curveStats([], 100, 1000)).toMatchObject({ samples: 0, endEquity: 100, sharpe: null });
  });

  it('a drawdown from the capital itself counts (the capital is the first peak)', () => {
    const s = curveStats([95, 97], 100, 1000);
    expect(s.maxDrawdown).toBeCloseTo(5, 12);
    expect(s.maxDrawdownPct).toBeCloseTo(0.05, 12);
  });
});

describe('closed trade statistics', () => {
  it('win rate over closed trades; profit factor is gross profit over gross loss', () => {
    const t = tradeStats([10, -5, 0, 20, -5]);
    expect(t).toMatchObject({ closedTrades: 5, wins: 2, losses: 2, grossProfit: 30, grossLoss: 10 });
    expect(t.winRate).toBeCloseTo(0.4, 12);
    expect(t.profitFactor).toBeCloseTo(3, 12);
  });

  it('no trades: no win rate; no losses: no profit factor', () => {
    expect(tradeStats([])).toMatchObject({ winRate: null, profitFactor: null });
    expect(tradeStats([1, 2]).profitFactor).toBeNull();
  });
});
