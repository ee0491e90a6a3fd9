// Performance figures of an equity curve and of closed trades. The curve is sampled at a fixed
// interval; equity is capital + P&L, and each interval's return is the change in equity over the
// equity at its start. Ratios are floats (money itself stays exact in the portfolio):
//
//   Sharpe   mean(r) / sd(r) × √(periods per year), sd the sample deviation (n − 1)
//   Sortino  mean(r) / dd(r) × √(periods per year), dd = √(Σ min(r, 0)² / n) (target 0)
//   Calmar   mean(r) × periods per year / max drawdown (as a fraction of the peak)
//   max drawdown  the largest fall of equity from a running peak, the capital being the first peak
//
// A year is 365 days (the reference markets trade around the clock). A ratio whose denominator is
// zero, or that needs more samples than there are, is null.

export const MS_PER_YEAR = 365 * 86_400_000;

export interface CurveStats {
  readonly samples: number;
  readonly startEquity: number;
  readonly endEquity: number;
  /** (end − start) / start. */
  readonly totalReturn: number | null;
  /** Largest peak-to-trough fall, quote currency. */
  readonly maxDrawdown: number;
  /** The same as a fraction of the peak it fell from. */
  readonly maxDrawdownPct: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
}

/**
 * `equity`: the curve's values in order, one per `intervalMs`; `capital` is the equity before the
 * first sample (the first return is from it).
 */
export function curveStats(equity: readonly number[], capital: number, intervalMs: number): CurveStats {
  const periodsPerYear = MS_PER_YEAR / intervalMs;
  let peak = capital;
  let maxDrawdown = 0;
  let maxDrawdownPct = 0;
  const returns: number[] = [];
  let previous = capital;
  for (const e of equity) {
    if (previous !== 0) returns.push((e - previous) / previous);
    previous = e;
    if (e > peak) peak = e;
    const dd = peak - e;
    if (dd > maxDrawdown) maxDrawdown = dd;
    if (peak > 0 && dd / peak > maxDrawdownPct) maxDrawdownPct = dd / peak;
  }
  const n = returns.length;
  const mean = n > 0 ? returns.reduce((s, r) => s + r, 0) / n : 0;
  let sharpe: number | null = null;
  let sortino: number | null = null;
  if (n >= 2) {
    const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1);
    const sd = Math.sqrt(variance);
    if (sd > 0) sharpe = (mean / sd) * Math.sqrt(periodsPerYear);
  }
  if (n >= 1) {
    const downside = Math.sqrt(returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / n);
    if (downside > 0) sortino = (mean / downside) * Math.sqrt(periodsPerYear);
  }
  const calmar = n >= 1 && maxDrawdownPct > 0 ? (mean * periodsPerYear) / maxDrawdownPct : null;
  const endEquity = equity.length > 0 ? equity[equity.length - 1] : capital;
  return {
    samples: equity.length,
    startEquity: capital,
    endEquity,
    totalReturn: capital !== 0 ? (endEquity - capital) / capital : null,
    maxDrawdown,
    maxDrawdownPct,
    sharpe,
    sortino,
    calmar,
  };
}

export interface TradeStats {
  /** Fills that closed (part of) a position. */
  readonly closedTrades: number;
  readonly wins: number;
  readonly losses: number;
  /** wins / closed trades; null without any. */
  readonly winRate: number | null;
  /** Gross profit / gross loss of closed trades; null without a loss. */
  readonly profitFactor: number | null;
  readonly grossProfit: number;
  readonly grossLoss: number;
}

/** From each closed trade's realized result (before fees). A result of exactly zero is neither a win nor a loss. */
export function tradeStats(results: readonly number[]): TradeStats {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const r of results) {
    if (r > 0) {
      wins++;
      grossProfit += r;
    } else if (r < 0) {
      losses++;
      grossLoss -= r;
    }
  }
  return {
    closedTrades: results.length,
    wins,
    losses,
    winRate: results.length > 0 ? wins / results.length : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    grossProfit,
    grossLoss,
  };
}
