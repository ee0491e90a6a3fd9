// `crucible backtest`: the built-in strategies on a replayed or synthetic feed, against a fresh
// in-memory venue, on a manual clock moved by the feed's own times, as fast as the CPU allows.
// Prints a report; with --out writes it as JSON and text, with the fills and equity curves as CSV.
// The same inputs give byte-identical reports. The fills are reconciled against the venue's own
// executions for the strategies' accounts (from its engine events), and a mismatch fails the run.
//
// Exit codes: 0 done, 1 the feed failed or the reconciliation did not match, 2 options that do not make sense.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { EngineSink } from '../engine/index.js';
import type { MarketFeed } from '../marketdata/records.js';
import { replayFeed } from '../marketdata/replay.js';
import { syntheticFeed } from '../marketdata/synthetic.js';
import { ManualClock } from '../shared/clock.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { runBacktest, type BacktestRun } from '../strategy/backtest.js';
import { buildReport, equityCsv, fillsCsv, reportText, type BacktestReport, type VenueAccountExecutions } from '../strategy/backtest-report.js';
import { createStrategy, instanceId, isStrategyKind, STRATEGY_KINDS, type StrategyKind } from '../strategy/catalog.js';
import { ParamsError, positiveDecimal } from '../strategy/params.js';
import { issuesText } from '../strategy/risk.js';
import { StrategyRuntime } from '../strategy/runtime.js';
import { resolveVenueConfig } from '../venue/config.js';
import type { ListedInstrument } from '../venue/instruments.js';
import { Venue } from '../venue/venue.js';
import { venueMarketSource } from './venue-market-adapter.js';

/** Where the synthetic market starts: a fixed instant, so a seed alone decides the run. */
export const SYNTHETIC_START = Date.UTC(2024, 0, 2, 14, 30, 0);
/** A synthetic run without --duration lasts this long. */
export const SYNTHETIC_DEFAULT_SECONDS = 600;

export class BacktestOptionError extends Error {}

const paramsSchema = z.strictObject({
  /** Market maker parameters (and `risk` limits), for every symbol. */
  mm: z.record(z.string(), z.unknown()).optional(),
  /** Liquidity taker parameters (and `risk` limits), for every symbol. */
  taker: z.record(z.string(), z.unknown()).optional(),
  fees: z.strictObject({ makerBps: z.number().min(-100).max(1000).default(0), takerBps: z.number().min(-100).max(1000).default(0) }).optional(),
  /** Equity per strategy before P&L, quote currency (returns are measured against it). */
  capital: positiveDecimal.optional(),
  equityIntervalMs: z.number().int().min(1).max(86_400_000).optional(),
});

export type BacktestParams = z.output<typeof paramsSchema>;

export interface BacktestOptions {
  /** "replay:<file or dir>[,<file or dir>...]" or "synthetic[:seed]". */
  readonly feed: string;
  readonly symbols: readonly string[];
  readonly strategies: readonly StrategyKind[];
  /** Parsed --params (validated here). */
  readonly params?: unknown;
  readonly durationSeconds?: number;
  /** Strategy log lines (blocks, kill switch, parameter changes). */
  readonly log?: (line: string) => void;
  /** A feed to use instead of the one `feed` names (benchmarks preload one); `feed` still describes it. */
  readonly feedOverride?: MarketFeed;
  /** Sees the assembled parts before the run (benchmarks hook their timers in here). */
  readonly prepare?: (parts: { readonly venue: Venue; readonly runtime: StrategyRuntime; readonly clock: ManualClock }) => void;
  readonly afterRecord?: () => void;
}

export interface BacktestOutcome {
  readonly report: BacktestReport;
  readonly run: BacktestRun;
  readonly runtime: StrategyRuntime;
  readonly text: string;
  readonly json: string;
  readonly fillsCsv: string;
  readonly equityCsv: string;
}

/** Validates --params; throws BacktestOptionError naming what is wrong. */
export function parseBacktestParams(input: unknown): BacktestParams {
  const r = paramsSchema.safeParse(input ?? {});
  if (!r.success) throw new BacktestOptionError(`--params: ${issuesText(r.error)}`);
  return r.data;
}

/** Fills per account from the venue's own engine events: what the reconciliation checks the report against. */
class ExecutionLedger implements EngineSink {
  private readonly byAccount = new Map<number, { fills: number; bought: number; sold: number; symbol: string }>();

  accepted(): void {}
  rejected(): void {}
  cancelled(): void {}
  replaced(): void {}
  triggered(): void {}
  expired(): void {}
  bookLevel(): void {}
  topOfBook(): void {}

  fill(symbol: string, _tradeId: number, _price: number, qty: number, takerSide: number, _takerOrderId: number, takerAccount: number, _tl: number, _tc: number, _makerOrderId: number, makerAccount: number): void {
    this.add(takerAccount, symbol, qty, takerSide === 0);
    this.add(makerAccount, symbol, qty, takerSide !== 0);
  }

  private add(account: number, symbol: string, qty: number, bought: boolean): void {
    let a = this.byAccount.get(account);
    if (a === undefined) this.byAccount.set(account, (a = { fills: 0, bought: 0, sold: 0, symbol }));
    a.fills++;
    if (bought) a.bought += qty;
    else a.sold += qty;
  }

  totals(venue: Venue): Map<string, VenueAccountExecutions> {
    const out = new Map<string, VenueAccountExecutions>();
    for (const [id, a] of this.byAccount) {
      const name = venue.core.accounts.nameOf(id);
      const lotSize = venue.core.instrument(a.symbol)?.lotSize;
      if (name === undefined || lotSize === undefined) continue;
      out.set(name, { fills: a.fills, bought: unitsToDecimal(a.bought, lotSize), sold: unitsToDecimal(a.sold, lotSize) });
    }
    return out;
  }
}

function parseFeed(spec: string, listings: readonly ListedInstrument[], symbols: readonly string[], clock: ManualClock, durationSeconds: number | undefined): MarketFeed {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  if (kind === 'replay') {
    const files = arg.split(',').filter((f) => f !== '');
    if (files.length === 0) throw new BacktestOptionError('--feed replay:<files> needs at least one capture file or directory');
    return replayFeed({ files, speed: 'max', clock, symbols });
  }
  if (kind === 'synthetic') {
    const seed = arg === '' ? 1 : Number(arg);
    if (!/^\d+$/.test(arg === '' ? '1' : arg) || seed > 0xffffffff) throw new BacktestOptionError(`--feed synthetic:<seed>: the seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(arg)}`);
    const synthetic = symbols.map((symbol) => {
      const l = listings.find((x) => x.instrument.symbol === symbol)!;
      return { symbol, tickSize: l.instrument.tickSize, lotSize: l.instrument.lotSize, referencePrice: l.referencePrice! };
    });
    return syntheticFeed({ listings: synthetic, seed, clock, speed: 'max', startTime: SYNTHETIC_START, durationMs: (durationSeconds ?? SYNTHETIC_DEFAULT_SECONDS) * 1000 });
  }
  throw new BacktestOptionError(`--feed must be replay:<files> or synthetic[:seed], got ${JSON.stringify(spec)}`);
}

/** Runs one backtest in this process and returns its report in every form. */
export async function backtest(options: BacktestOptions): Promise<BacktestOutcome> {
  const params = parseBacktestParams(options.params);
  if (options.strategies.length === 0) throw new BacktestOptionError('--strategy needs at least one of ' + STRATEGY_KINDS.join(', '));
  if (options.symbols.length === 0) throw new BacktestOptionError('--symbols needs at least one symbol');
  if (options.durationSeconds !== undefined && !(options.durationSeconds > 0)) throw new BacktestOptionError(`--duration must be a positive number of seconds, got ${options.durationSeconds}`);
  const config = resolveVenueConfig({}, { fixPort: 0 });
  for (const symbol of options.symbols) {
    const listing = config.listings.find((l) => l.instrument.symbol === symbol);
    if (listing === undefined) throw new BacktestOptionError(`--symbols: ${symbol} is not listed; the venue lists ${config.listings.map((l) => l.instrument.symbol).join(', ')}`);
    if (listing.referencePrice === undefined) throw new BacktestOptionError(`--symbols: ${symbol} has no reference price`);
  }

  const clock = new ManualClock(0);
  const feed = options.feedOverride ?? parseFeed(options.feed, config.listings, options.symbols, clock, options.durationSeconds);
  const venue = new Venue({ config, clock });
  const ledger = new ExecutionLedger();
  venue.core.addObserver(ledger);
  const runtime = new StrategyRuntime({
    gateway: venue.orders,
    clock,
    instruments: options.symbols.map((symbol) => {
      const l = config.listings.find((x) => x.instrument.symbol === symbol)!;
      return { symbol, tickSize: l.instrument.tickSize, lotSize: l.instrument.lotSize, ...(l.referencePrice !== undefined ? { referencePrice: l.referencePrice } : {}) };
    }),
    retention: Number.POSITIVE_INFINITY,
    ...(options.log !== undefined ? { log: options.log } : {}),
    ...(params.fees !== undefined ? { fees: params.fees } : {}),
    ...(params.capital !== undefined ? { capital: params.capital } : {}),
    ...(params.equityIntervalMs !== undefined ? { equityIntervalMs: params.equityIntervalMs } : {}),
  });
  for (const symbol of options.symbols) {
    for (const kind of options.strategies) {
      const { risk, ...strategyParams } = params[kind] ?? {};
      const id = instanceId(kind, symbol);
      try {
        runtime.add({ id, account: id, symbol, strategy: createStrategy(kind, strategyParams, runtime.grid(symbol)!), ...(risk !== undefined ? { risk } : {}) });
      } catch (e) {
        if (e instanceof ParamsError || e instanceof Error) throw new BacktestOptionError(`--params: ${e.message}`);
        throw e;
      }
    }
  }
  runtime.connectVenueMarket(venueMarketSource(venue));
  options.prepare?.({ venue, runtime, clock });

  const durationMs = options.durationSeconds === undefined ? undefined : options.durationSeconds * 1000;
  let run: BacktestRun;
  try {
    run = await runBacktest({ feed, clock, runtime, ...(durationMs !== undefined ? { durationMs } : {}), ...(options.afterRecord !== undefined ? { afterRecord: options.afterRecord } : {}) });
  } finally {
    await venue.stop();
  }
  const report = buildReport(runtime, run, { feed: options.feed, symbols: options.symbols, strategies: options.strategies, params: options.params ?? {} }, ledger.totals(venue));
  const handles = runtime.handles();
  return {
    report,
    run,
    runtime,
    text: reportText(report),
    json: JSON.stringify(report, null, 2) + '\n',
    fillsCsv: fillsCsv(handles),
    equityCsv: equityCsv(handles),
  };
}

interface BacktestFlags {
  readonly feed: string;
  readonly symbols: string;
  readonly strategy: string;
  readonly params?: string;
  readonly duration?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly log?: boolean;
}

function list(value: string): string[] {
  return [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
}

async function runBacktestCommand(flags: BacktestFlags): Promise<void> {
  const fail = (message: string, code: number): void => {
    process.stderr.write(`crucible backtest: ${message}\n`);
    process.exitCode = code;
  };
  let params: unknown = {};
  if (flags.params !== undefined) {
    try {
      params = JSON.parse(flags.params);
    } catch (e) {
      return fail(`--params is not JSON: ${(e as Error).message}`, 2);
    }
  }
  const strategies = list(flags.strategy);
  const unknown = strategies.filter((s) => !isStrategyKind(s));
  if (unknown.length > 0) return fail(`--strategy: unknown ${unknown.join(', ')}; use ${STRATEGY_KINDS.join(', ')}`, 2);
  let durationSeconds: number | undefined;
  if (flags.duration !== undefined) {
    durationSeconds = Number(flags.duration);
    if (!(durationSeconds > 0)) return fail(`--duration must be a positive number of seconds, got ${JSON.stringify(flags.duration)}`, 2);
  }
  const logLines: string[] = [];
  const log = (line: string): void => {
    if (flags.log === true) process.stderr.write(`${line}\n`);
    if (flags.out !== undefined) logLines.push(line);
  };
  const wallStart = performance.now();
  let outcome: BacktestOutcome;
  try {
    outcome = await backtest({
      feed: flags.feed,
      symbols: list(flags.symbols).map((s) => s.toUpperCase()),
      strategies: strategies as StrategyKind[],
      params,
      ...(durationSeconds !== undefined ? { durationSeconds } : {}),
      log,
    });
  } catch (e) {
    if (e instanceof BacktestOptionError) return fail(e.message, 2);
    return fail(e instanceof Error ? e.message : String(e), 1);
  }
  const wallSeconds = (performance.now() - wallStart) / 1000;
  process.stdout.write(flags.json === true ? outcome.json : outcome.text);
  if (flags.out !== undefined) {
    mkdirSync(flags.out, { recursive: true });
    writeFileSync(join(flags.out, 'report.json'), outcome.json);
    writeFileSync(join(flags.out, 'report.txt'), outcome.text);
    writeFileSync(join(flags.out, 'fills.csv'), outcome.fillsCsv);
    writeFileSync(join(flags.out, 'equity.csv'), outcome.equityCsv);
    writeFileSync(join(flags.out, 'log.txt'), logLines.length === 0 ? '' : logLines.join('\n') + '\n');
    process.stderr.write(`wrote report.json, report.txt, fills.csv, equity.csv and log.txt to ${flags.out}\n`);
  }
  // Speed goes to stderr: the report itself depends on the inputs alone.
  process.stderr.write(`${outcome.run.records} records in ${wallSeconds.toFixed(2)} s (${Math.round(outcome.run.records / wallSeconds)} records/s)\n`);
  if (!outcome.report.reconciliation.ok) fail('the fills do not reconcile with the venue executions', 1);
}

export function backtestCommand(): Command {
  return new Command('backtest')
    .summary('run the built-in strategies on a replayed or synthetic feed against an in-memory venue; print a report')
    .description(
      'run the market maker and/or liquidity taker on a replayed capture (--feed replay:<files or dirs>) or the seeded ' +
        'synthetic market (--feed synthetic[:seed]) against a fresh in-memory venue, on a clock driven by the feed\'s ' +
        'timestamps, as fast as the CPU allows. Prints a report (P&L, fees, turnover, drawdown, Sharpe, Sortino, Calmar, ' +
        'win rate, profit factor, risk blocks); --out also writes report.json, report.txt, fills.csv, equity.csv and ' +
        'log.txt. The same inputs give byte-identical reports. The fills are reconciled with the venue\'s executions. ' +
        'Exit 0 when done, 1 when the feed fails or the reconciliation does not match, 2 for bad options',
    )
    .requiredOption('--feed <feed>', 'replay:<file|dir>[,<file|dir>...] or synthetic[:seed]')
    .option('--symbols <list>', 'comma-separated listed symbols', 'BTCUSDT')
    .option('--strategy <list>', `comma-separated strategies: ${STRATEGY_KINDS.join(', ')}`, 'mm,taker')
    .option('--params <json>', 'JSON: {"mm":{...,"risk":{...}},"taker":{...},"fees":{"makerBps":0,"takerBps":2},"capital":"100000","equityIntervalMs":1000} (docs/STRATEGIES.md)')
    .option('--duration <seconds>', `market time to run (default: the whole replay; ${SYNTHETIC_DEFAULT_SECONDS} s of synthetic market)`)
    .option('--out <dir>', 'write report.json, report.txt, fills.csv, equity.csv and log.txt here')
    .option('--json', 'print the report as JSON')
    .option('--log', 'print the strategies\' log (risk blocks, kill switch, parameter changes) on stderr')
    .showHelpAfterError('(crucible backtest --help lists the options)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(runBacktestCommand);
}
