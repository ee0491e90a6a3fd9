// The built-in strategies by kind, as the command line, the configuration and the REST API name them.
import type { InstrumentGrid } from './instrument-grid.js';
import { LiquidityTaker } from './liquidity-taker.js';
import { MarketMaker } from './market-maker.js';
import type { Strategy } from './strategy.js';

export const STRATEGY_KINDS = ['mm', 'taker'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

export const isStrategyKind = (kind: string): kind is StrategyKind => (STRATEGY_KINDS as readonly string[]).includes(kind);

/** A built-in strategy on `grid` with `params` (validated; throws ParamsError naming what is wrong). */
export function createStrategy(kind: StrategyKind, params: unknown, grid: InstrumentGrid): Strategy {
  switch (kind) {
    case 'mm':
      return new MarketMaker(params, grid);
    case 'taker':
      return new LiquidityTaker(params, grid);
  }
}

/** The instance id and account of a built-in on a symbol: "mm-BTCUSDT". */
export const instanceId = (kind: StrategyKind, symbol: string): string => `${kind}-${symbol}`;
