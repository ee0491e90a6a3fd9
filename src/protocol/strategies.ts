// The strategies the venue runs, as operators see and steer them (GET/POST/PATCH /api/strategies):
// state and kill switch, position and P&L in exact decimal strings, ratios as numbers, fills and
// the equity curve; start, stop, kill, reset and parameter changes need the API token.
import { z } from 'zod';
import { decimalString, epochMillis, sideName, symbolName } from './common.js';

export const strategyId = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,80}$/, '1 to 80 letters, digits or . _ : / -')
  .meta({ description: 'strategy instance id', examples: ['mm-BTCUSDT'] });

export const strategyParamsPath = z.object({ id: strategyId });

export const strategyStateName = z.enum(['running', 'stopped', 'killed']);

/** Why the kill switch tripped (risk codes 21xx; 2113 is an operator's kill). */
export const strategyKillInfo = z.strictObject({
  code: z.number().int(),
  reason: z.string(),
  time: epochMillis,
});

const counts = z.record(z.string(), z.number().int().nonnegative());

export const strategyInfo = z.strictObject({
  id: strategyId,
  /** "mm" (market maker) or "taker" (liquidity taker). */
  kind: z.string(),
  symbol: symbolName,
  account: z.string(),
  state: strategyStateName,
  /** Present while the kill switch is tripped. */
  kill: strategyKillInfo.optional(),
  /** Signed: negative is short. */
  position: decimalString,
  average_price: decimalString.optional(),
  realized_pnl: decimalString,
  unrealized_pnl: decimalString,
  fees: decimalString,
  /** realized + unrealized − fees, marked to the reference mid. */
  pnl: decimalString,
  turnover: decimalString,
  /** Largest fall of equity from a running peak over the equity curve kept, quote currency. */
  max_drawdown: decimalString,
  /** Annualized over the equity curve's intervals; null with too few samples or no variation. */
  sharpe: z.number().nullable(),
  fills: z.number().int().nonnegative(),
  maker_fills: z.number().int().nonnegative(),
  taker_fills: z.number().int().nonnegative(),
  orders: z.strictObject({
    placed: z.number().int().nonnegative(),
    replaced: z.number().int().nonnegative(),
    cancelled: z.number().int().nonnegative(),
    working: z.number().int().nonnegative(),
  }),
  /** Pre-trade risk blocks by code. */
  risk_blocks: counts,
  /** Requests the venue refused or rejected, by code. */
  venue_rejects: counts,
  /** Strategy callbacks that threw. */
  errors: z.number().int().nonnegative(),
});
export type StrategyInfo = z.infer<typeof strategyInfo>;

export const strategiesResponse = z.strictObject({ strategies: z.array(strategyInfo) });
export type StrategiesResponse = z.infer<typeof strategiesResponse>;

export const strategyFillInfo = z.strictObject({
  time: epochMillis,
  side: sideName,
  price: decimalString,
  quantity: decimalString,
  liquidity: z.enum(['maker', 'taker']),
  fee: decimalString,
  /** Realized by this fill, before fees. */
  realized_pnl: decimalString,
  /** Position after the fill. */
  position: decimalString,
  order_id: z.string(),
  client_order_id: z.string(),
  trade_id: z.string(),
});
export type StrategyFillInfo = z.infer<typeof strategyFillInfo>;

/** Parameters as the strategy holds them, risk limits under `risk`. */
export const strategyParamsValues = z.record(z.string(), z.unknown());

export const strategyDetailResponse = z.strictObject({
  strategy: strategyInfo,
  params: strategyParamsValues,
  /** The latest fills, newest first (GET .../fills has them all). */
  recent_fills: z.array(strategyFillInfo),
});
export type StrategyDetailResponse = z.infer<typeof strategyDetailResponse>;

export const exportFormat = z.enum(['json', 'csv']);

export const strategyFillsQuery = z.strictObject({ format: exportFormat.default('json') });

export const strategyFillsResponse = z.strictObject({
  id: strategyId,
  /** Oldest first; the oldest go once the strategy has kept its limit. */
  fills: z.array(strategyFillInfo),
});
export type StrategyFillsResponse = z.infer<typeof strategyFillsResponse>;

export const strategyReportQuery = z.strictObject({ format: exportFormat.default('json') });

export const strategyEquityPoint = z.strictObject({
  time: epochMillis,
  /** capital + pnl. */
  equity: decimalString,
  pnl: decimalString,
  realized: decimalString,
  unrealized: decimalString,
  fees: decimalString,
  position: decimalString,
});
export type StrategyEquityPoint = z.infer<typeof strategyEquityPoint>;

const ratio = z.number().nullable();

export const strategyReportResponse = z.strictObject({
  id: strategyId,
  capital: decimalString,
  equity_interval_ms: z.number().int().positive(),
  ratios: z.strictObject({
    samples: z.number().int().nonnegative(),
    total_return: ratio,
    max_drawdown: decimalString,
    max_drawdown_pct: z.number().nonnegative(),
    sharpe: ratio,
    sortino: ratio,
    calmar: ratio,
    closed_trades: z.number().int().nonnegative(),
    wins: z.number().int().nonnegative(),
    losses: z.number().int().nonnegative(),
    win_rate: ratio,
    profit_factor: ratio,
  }),
  /** Oldest first. */
  equity: z.array(strategyEquityPoint),
});
export type StrategyReportResponse = z.infer<typeof strategyReportResponse>;

export const strategyKillRequest = z.strictObject({ reason: z.string().trim().min(1).max(200) });
export type StrategyKillRequest = z.infer<typeof strategyKillRequest>;

/** A parameter change: only the fields to change; risk limits under `risk`. */
export const strategyParamsPatch = z.record(z.string(), z.unknown()).meta({ examples: [{ spreadBps: 12, risk: { maxPosition: '0.5' } }] });

export const strategyResponse = z.strictObject({ strategy: strategyInfo });
export type StrategyResponse = z.infer<typeof strategyResponse>;

export const strategyParamsResponse = z.strictObject({ id: strategyId, params: strategyParamsValues });
export type StrategyParamsResponse = z.infer<typeof strategyParamsResponse>;
