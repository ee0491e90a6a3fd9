// What a backtest reports: per strategy instance its position, P&L, fees, turnover, orders, risk
// blocks and performance figures; the fills and equity curves as CSV; and a reconciliation of the
// fills against the venue's own executions for the same accounts. Everything here is a function of
// the run alone (no wall-clock time, no locale), so the same inputs give byte-identical reports.
import { curveStats, tradeStats } from './analytics.js';
import { formatMoney, moneyToNumber } from './money.js';
import type { BacktestRun } from './backtest.js';
import type { StrategyRuntime } from './runtime.js';
import type { StrategyHandle, StrategyStatus } from './strategy-host.js';

export interface BacktestDescription {
  /** "replay:<files>" or "synthetic:<seed>". */
  readonly feed: string;
  readonly symbols: readonly string[];
  readonly strategies: readonly string[];
  /** The parameters as given. */
  readonly params: unknown;
}

/** What the venue executed for one account (from its own engine events). */
export interface VenueAccountExecutions {
  readonly fills: number;
  /** Bought and sold quantities, decimals. */
  readonly bought: string;
  readonly sold: string;
}

export interface PerformanceFigures {
  readonly maxDrawdown: string;
  readonly maxDrawdownPct: number;
  readonly totalReturn: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly calmar: number | null;
  readonly closedTrades: number;
  readonly winRate: number | null;
  readonly profitFactor: number | null;
}

export interface StrategyReport {
  readonly id: string;
  readonly kind: string;
  readonly symbol: string;
  readonly account: string;
  readonly state: string;
  readonly kill?: { readonly code: number; readonly reason: string; readonly time: string };
  readonly params: unknown;
  readonly position: string;
  readonly averagePrice: string | null;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly pnl: string;
  readonly turnover: string;
  readonly fills: number;
  readonly makerFills: number;
  readonly takerFills: number;
  readonly bought: string;
  readonly sold: string;
  readonly orders: { readonly placed: number; readonly replaced: number; readonly cancelled: number };
  readonly riskBlocks: Readonly<Record<string, number>>;
  readonly venueRejects: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly performance: PerformanceFigures;
}

export interface ReconciliationLine {
  readonly account: string;
  readonly reportFills: number;
  readonly venueFills: number;
  readonly reportBought: string;
  readonly venueBought: string;
  readonly reportSold: string;
  readonly venueSold: string;
  readonly portfolioPosition: string;
  /** Venue bought − sold. */
  readonly venuePosition: string;
  readonly ok: boolean;
}

export interface BacktestReport {
  readonly backtest: BacktestDescription & {
    readonly start: string;
    readonly end: string;
    readonly marketSeconds: number;
    readonly records: number;
    readonly capital: string;
    readonly equityIntervalMs: number;
    readonly fees: { readonly makerBps: number; readonly takerBps: number };
  };
  readonly strategies: readonly StrategyReport[];
  readonly total: { readonly pnl: string; readonly fees: string; readonly turnover: string; readonly fills: number };
  readonly reconciliation: { readonly ok: boolean; readonly accounts: readonly ReconciliationLine[] };
}

/** Six significant digits: enough for a ratio, and stable text. */
const figure = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toPrecision(6)));
const iso = (ms: number): string => new Date(ms).toISOString();

export function buildReport(runtime: StrategyRuntime, run: BacktestRun, description: BacktestDescription, venue: ReadonlyMap<string, VenueAccountExecutions>): BacktestReport {
  const handles = runtime.handles();
  const strategies = handles.map((h, i) => strategyReport(h, run.states[i] ?? h.state()));
  const accounts = handles.map((h, i) => reconcile(h, strategies[i], venue.get(h.account)));
  let pnl = 0n;
  let fees = 0n;
  let turnover = 0n;
  let fills = 0;
  for (const h of handles) {
    const last = h.equityCurve().at(-1);
    pnl += last?.pnl ?? 0n;
    fees += h.position.fees;
    turnover += h.position.turnover;
    fills += h.position.fills;
  }
  return {
    backtest: {
      ...description,
      start: iso(run.startTime),
      end: iso(run.endTime),
      marketSeconds: (run.endTime - run.startTime) / 1000,
      records: run.records,
      capital: formatMoney(runtime.capital),
      equityIntervalMs: runtime.equityIntervalMs,
      fees: { makerBps: runtime.fees.makerBps, takerBps: runtime.fees.takerBps },
    },
    strategies,
    total: { pnl: formatMoney(pnl), fees: formatMoney(fees), turnover: formatMoney(turnover), fills },
    reconciliation: { ok: accounts.every((a) => a.ok), accounts },
  };
}

function strategyReport(h: StrategyHandle, end: StrategyStatus): StrategyReport {
  const m = h.metrics();
  const p = h.position;
  const g = p.grid;
  const curve = h.equityCurve();
  const last = curve.at(-1);
  const capital = moneyToNumber(h.capital);
  const stats = curveStats(
    curve.map((e) => capital + moneyToNumber(e.pnl)),
    capital,
    h.equityIntervalMs,
  );
  const trades = tradeStats(h.closedTrades());
  // The whole report marks to the last equity point: the reference at the end of the run.
  return {
    id: h.id,
    kind: h.kind,
    symbol: h.symbol,
    account: h.account,
    state: end.state,
    ...(end.kill !== undefined ? { kill: { code: end.kill.code, reason: end.kill.reason, time: iso(end.kill.time) } } : {}),
    params: h.params(),
    position: m.position,
    averagePrice: m.averagePrice ?? null,
    realizedPnl: m.realizedPnl,
    unrealizedPnl: formatMoney(last?.unrealized ?? 0n),
    fees: m.fees,
    pnl: formatMoney(last?.pnl ?? 0n),
    turnover: m.turnover,
    fills: m.fills,
    makerFills: m.makerFills,
    takerFills: m.takerFills,
    bought: g.quantity(p.boughtLots),
    sold: g.quantity(p.soldLots),
    orders: { placed: m.orders.placed, replaced: m.orders.replaced, cancelled: m.orders.cancelled },
    riskBlocks: m.riskBlocks,
    venueRejects: m.venueRejects,
    errors: m.errors,
    performance: {
      maxDrawdown: stats.maxDrawdown.toFixed(2),
      maxDrawdownPct: figure(stats.maxDrawdownPct * 100)!,
      totalReturn: figure(stats.totalReturn),
      sharpe: figure(stats.sharpe),
      sortino: figure(stats.sortino),
      calmar: figure(stats.calmar),
      closedTrades: trades.closedTrades,
      winRate: figure(trades.winRate),
      profitFactor: figure(trades.profitFactor),
    },
  };
}

function reconcile(h: StrategyHandle, r: StrategyReport, venue: VenueAccountExecutions | undefined): ReconciliationLine {
  const g = h.position.grid;
  const venueFills = venue?.fills ?? 0;
  const venueBought = venue?.bought ?? g.quantity(0);
  const venueSold = venue?.sold ?? g.quantity(0);
  const boughtLots = g.lots(venueBought) ?? NaN;
  const soldLots = g.lots(venueSold) ?? NaN;
  const venuePosition = Number.isFinite(boughtLots - soldLots) ? g.quantity(boughtLots - soldLots) : 'unknown';
  return {
    account: h.account,
    reportFills: r.fills,
    venueFills,
    reportBought: r.bought,
    venueBought,
    reportSold: r.sold,
    venueSold,
    portfolioPosition: r.position,
    venuePosition,
    ok: r.fills === venueFills && r.bought === venueBought && r.sold === venueSold && r.position === venuePosition && h.fills().length === r.fills,
  };
}

// ---------------------------------------------------------------------------------------------
// Text and CSV

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padLeft = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const show = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
/** Money to two places for the table (the JSON keeps it exact). */
const cents = (m: string): string => Number(m).toFixed(2);
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function reportText(report: BacktestReport): string {
  const b = report.backtest;
  const lines: string[] = [];
  lines.push(`backtest  feed ${b.feed}  symbols ${b.symbols.join(',')}  strategies ${b.strategies.join(',')}`);
  lines.push(`market time ${b.start} → ${b.end} (${b.marketSeconds.toFixed(1)} s), ${grouped(b.records)} records; capital ${b.capital} per strategy, equity every ${b.equityIntervalMs} ms, fees maker ${b.fees.makerBps} / taker ${b.fees.takerBps} bps`);
  lines.push('');
  const header = ['strategy', 'state', 'fills', 'position', 'realized', 'unrealized', 'fees', 'pnl', 'turnover', 'maxDD', 'sharpe', 'sortino', 'calmar', 'win%', 'PF', 'blocks'];
  const widths = [18, 8, 7, 12, 12, 12, 10, 12, 14, 10, 9, 9, 9, 6, 6, 8];
  lines.push(header.map((h, i) => (i < 2 ? pad(h, widths[i]) : padLeft(h, widths[i]))).join(' '));
  for (const s of report.strategies) {
    const perf = s.performance;
    const blocks = Object.values(s.riskBlocks).reduce((a, n) => a + n, 0);
    const row = [
      s.id,
      s.state,
      String(s.fills),
      s.position,
      cents(s.realizedPnl),
      cents(s.unrealizedPnl),
      cents(s.fees),
      cents(s.pnl),
      cents(s.turnover),
      perf.maxDrawdown,
      show(perf.sharpe),
      show(perf.sortino),
      show(perf.calmar),
      perf.winRate === null ? 'n/a' : (perf.winRate * 100).toFixed(0),
      show(perf.profitFactor),
      String(blocks),
    ];
    lines.push(row.map((c, i) => (i < 2 ? pad(c, widths[i]) : padLeft(c, widths[i]))).join(' '));
  }
  lines.push('');
  lines.push(`total  pnl ${cents(report.total.pnl)}  fees ${cents(report.total.fees)}  turnover ${cents(report.total.turnover)}  fills ${report.total.fills}`);
  for (const s of report.strategies) {
    const extra: string[] = [];
    if (s.kill !== undefined) extra.push(`kill switch ${s.kill.code} at ${s.kill.time}: ${s.kill.reason}`);
    const blocks = Object.entries(s.riskBlocks);
    if (blocks.length > 0) extra.push(`risk blocks ${blocks.map(([c, n]) => `${c}×${n}`).join(' ')}`);
    const rejects = Object.entries(s.venueRejects);
    if (rejects.length > 0) extra.push(`venue rejects ${rejects.map(([c, n]) => `${c}×${n}`).join(' ')}`);
    if (s.errors > 0) extra.push(`${s.errors} strategy errors`);
    if (extra.length > 0) lines.push(`${s.id}: ${extra.join('; ')}`);
  }
  const rec = report.reconciliation;
  lines.push(
    rec.ok
      ? `reconciliation: ok, fills and positions equal the venue's executions for ${rec.accounts.length} accounts`
      : `reconciliation: MISMATCH ${rec.accounts
          .filter((a) => !a.ok)
          .map((a) => `${a.account} fills ${a.reportFills}/${a.venueFills} bought ${a.reportBought}/${a.venueBought} sold ${a.reportSold}/${a.venueSold} position ${a.portfolioPosition}/${a.venuePosition}`)
          .join('; ')}`,
  );
  return lines.join('\n') + '\n';
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function fillsCsv(handles: readonly StrategyHandle[]): string {
  const rows = ['time,strategy,account,symbol,side,price,quantity,liquidity,fee,realized_pnl,position,order_id,client_order_id,trade_id'];
  for (const h of handles) {
    for (const f of h.fills()) {
      rows.push(
        [iso(f.time), f.strategy, f.account, f.symbol, f.side, f.price, f.quantity, f.liquidity, f.fee, f.realizedPnl, f.position, f.orderId, f.clientOrderId, f.tradeId].map(csvField).join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

export function equityCsv(handles: readonly StrategyHandle[]): string {
  const rows = ['time,strategy,equity,pnl,realized,unrealized,fees,position'];
  for (const h of handles) {
    const g = h.position.grid;
    for (const e of h.equityCurve()) {
      rows.push(
        [iso(e.time), h.id, formatMoney(h.capital + e.pnl), formatMoney(e.pnl), formatMoney(e.realized), formatMoney(e.unrealized), formatMoney(e.fees), g.quantity(e.positionLots)]
          .map(csvField)
          .join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}
