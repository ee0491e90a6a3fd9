// The strategies the venue runs, under /api/strategies (docs/PROTOCOL.md): what each holds and
// earns, its fills and equity curve (JSON, or CSV for a spreadsheet), and the operator's controls —
// start, stop, kill switch, reset, parameter changes — behind the API token. The handles are the
// strategies' own operator surface; this module only maps them to the wire and back.
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  type StrategyEquityPoint,
  type StrategyFillInfo,
  type StrategyInfo,
  strategiesResponse,
  strategyDetailResponse,
  strategyFillsQuery,
  strategyFillsResponse,
  strategyKillRequest,
  strategyParamsPatch,
  strategyParamsPath,
  strategyParamsResponse,
  strategyReportQuery,
  strategyReportResponse,
  strategyResponse,
} from '../protocol/index.js';
import { curveStats, tradeStats } from '../strategy/analytics.js';
import { equityCsv, fillsCsv } from '../strategy/backtest-report.js';
import { formatMoney, type Money, moneyToNumber } from '../strategy/money.js';
import type { FillRecord, StrategyHandle } from '../strategy/strategy-host.js';
import { ApiFailure, bearerGuard, respond, validated } from './rest-api.js';

/** What the server needs of the running strategies. */
export interface StrategyControl {
  handles(): readonly StrategyHandle[];
  handle(id: string): StrategyHandle | undefined;
}

export interface StrategiesApiOptions {
  readonly strategies: StrategyControl;
  readonly token: string;
}

/** Fills in the detail answer; the fills route has them all. */
export const RECENT_FILLS = 50;

export function registerStrategiesApi(app: FastifyInstance, options: StrategiesApiOptions): void {
  const { strategies } = options;
  const guard = bearerGuard(options.token);
  const known = (params: unknown): StrategyHandle => {
    const { id } = validated(strategyParamsPath, params, 'path');
    const handle = strategies.handle(id);
    if (handle === undefined) throw new ApiFailure(404, 'not_found', `no strategy ${JSON.stringify(id)}; GET /api/strategies lists them`);
    return handle;
  };

  app.get('/api/strategies', async (_request, reply) => respond(reply, 200, strategiesResponse, { strategies: strategies.handles().map(strategyInfo) }));

  app.get('/api/strategies/:id', async (request, reply) => {
    const h = known(request.params);
    const fills = h.fills();
    const recent = fills.slice(Math.max(0, fills.length - RECENT_FILLS)).reverse();
    return respond(reply, 200, strategyDetailResponse, { strategy: strategyInfo(h), params: h.params(), recent_fills: recent.map(fillInfo) });
  });

  app.get('/api/strategies/:id/fills', async (request, reply) => {
    const h = known(request.params);
    const { format } = validated(strategyFillsQuery, request.query, 'query');
    if (format === 'csv') return csv(reply, `${h.id}-fills.csv`, fillsCsv([h]));
    return respond(reply, 200, strategyFillsResponse, { id: h.id, fills: h.fills().map(fillInfo) });
  });

  app.get('/api/strategies/:id/report', async (request, reply) => {
    const h = known(request.params);
    const { format } = validated(strategyReportQuery, request.query, 'query');
    if (format === 'csv') return csv(reply, `${h.id}-equity.csv`, equityCsv([h]));
    const curve = h.equityCurve();
    const stats = curveStats(
      curve.map((e) => moneyToNumber(h.capital + e.pnl)),
      moneyToNumber(h.capital),
      h.equityIntervalMs,
    );
    const trades = tradeStats(h.closedTrades());
    const grid = h.position.grid;
    return respond(reply, 200, strategyReportResponse, {
      id: h.id,
      capital: formatMoney(h.capital),
      equity_interval_ms: h.equityIntervalMs,
      ratios: {
        samples: stats.samples,
        total_return: stats.totalReturn,
        max_drawdown: formatMoney(maxDrawdown(h)),
        max_drawdown_pct: stats.maxDrawdownPct,
        sharpe: stats.sharpe,
        sortino: stats.sortino,
        calmar: stats.calmar,
        closed_trades: trades.closedTrades,
        wins: trades.wins,
        losses: trades.losses,
        win_rate: trades.winRate,
        profit_factor: trades.profitFactor,
      },
      equity: curve.map(
        (e): StrategyEquityPoint => ({
          time: e.time,
          equity: formatMoney(h.capital + e.pnl),
          pnl: formatMoney(e.pnl),
          realized: formatMoney(e.realized),
          unrealized: formatMoney(e.unrealized),
          fees: formatMoney(e.fees),
          position: grid.quantity(e.positionLots),
        }),
      ),
    });
  });

  // ---- controls (token) ------------------------------------------------------------------------

  app.post('/api/strategies/:id/start', { onRequest: guard }, async (request, reply) => {
    const h = known(request.params);
    // A tripped kill switch stays tripped through start: reset is the way back.
    if (h.state().state === 'killed') throw new ApiFailure(409, 'rejected', `${h.id} is killed (${h.state().kill?.reason ?? 'kill switch'}); POST .../reset clears the kill switch`);
    h.start();
    return respond(reply, 200, strategyResponse, { strategy: strategyInfo(h) });
  });

  app.post('/api/strategies/:id/stop', { onRequest: guard }, async (request, reply) => {
    const h = known(request.params);
    // Answered once the venue has answered every cancel: the reply shows no working orders.
    await h.stop();
    return respond(reply, 200, strategyResponse, { strategy: strategyInfo(h) });
  });

  app.post('/api/strategies/:id/kill', { onRequest: guard }, async (request, reply) => {
    const h = known(request.params);
    const { reason } = validated(strategyKillRequest, request.body ?? {}, 'body');
    if (!h.killSwitch(reason)) throw new ApiFailure(409, 'rejected', `${h.id} is ${h.state().state}: only a running strategy can be killed`);
    return respond(reply, 200, strategyResponse, { strategy: strategyInfo(h) });
  });

  app.post('/api/strategies/:id/reset', { onRequest: guard }, async (request, reply) => {
    const h = known(request.params);
    if (!h.resetKill()) throw new ApiFailure(409, 'rejected', `${h.id} is ${h.state().state}: its kill switch is not tripped`);
    return respond(reply, 200, strategyResponse, { strategy: strategyInfo(h) });
  });

  app.patch('/api/strategies/:id/params', { onRequest: guard }, async (request, reply) => {
    const h = known(request.params);
    const patch = validated(strategyParamsPatch, request.body, 'body');
    const result = h.updateParams(patch);
    if (!result.ok) throw new ApiFailure(422, 'rejected', result.reason);
    return respond(reply, 200, strategyParamsResponse, { id: h.id, params: result.params });
  });
}

function csv(reply: FastifyReply, filename: string, text: string): FastifyReply {
  return reply.code(200).type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(text);
}

/** A handle's metrics in the wire's words, with drawdown and Sharpe from its equity curve. */
export function strategyInfo(h: StrategyHandle): StrategyInfo {
  const m = h.metrics();
  const stats = curveStats(
    h.equityCurve().map((e) => moneyToNumber(h.capital + e.pnl)),
    moneyToNumber(h.capital),
    h.equityIntervalMs,
  );
  return {
    id: m.id,
    kind: m.kind,
    symbol: m.symbol,
    account: m.account,
    state: m.state,
    ...(m.kill !== undefined ? { kill: { code: m.kill.code, reason: m.kill.reason, time: m.kill.time } } : {}),
    position: m.position,
    ...(m.averagePrice !== undefined ? { average_price: m.averagePrice } : {}),
    realized_pnl: m.realizedPnl,
    unrealized_pnl: m.unrealizedPnl,
    fees: m.fees,
    pnl: m.pnl,
    turnover: m.turnover,
    max_drawdown: formatMoney(maxDrawdown(h)),
    sharpe: stats.sharpe,
    fills: m.fills,
    maker_fills: m.makerFills,
    taker_fills: m.takerFills,
    orders: { ...m.orders },
    risk_blocks: { ...m.riskBlocks },
    venue_rejects: { ...m.venueRejects },
    errors: m.errors,
  };
}

/** Largest fall of P&L from its running peak (the capital being the first peak), exact. */
function maxDrawdown(h: StrategyHandle): Money {
  let peak = 0n;
  let worst = 0n;
  for (const e of h.equityCurve()) {
    if (e.pnl > peak) peak = e.pnl;
    if (peak - e.pnl > worst) worst = peak - e.pnl;
  }
  return worst;
}

function fillInfo(f: FillRecord): StrategyFillInfo {
  return {
    time: f.time,
    side: f.side,
    price: f.price,
    quantity: f.quantity,
    liquidity: f.liquidity,
    fee: f.fee,
    realized_pnl: f.realizedPnl,
    position: f.position,
    order_id: f.orderId,
    client_order_id: f.clientOrderId,
    trade_id: f.tradeId,
  };
}
