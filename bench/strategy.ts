// The strategy kernel on the real captures, in process:
//
//   npm run bench:strategy -- [--rounds=3] [--dir=../shared/data/binance] [--symbols=BTCUSDT,ETHUSDT] [--json]
//
// Both symbols and both days of the Binance captures, with a market maker and a liquidity taker per
// symbol trading against a fresh in-memory venue (`crucible backtest`'s assembly, the manual clock
// driven by the records' times).
//
// throughput:     replayed messages/s with MM + taker active, two ways:
//                   kernel    the records read into memory first, then fed through the runtime, the
//                             strategies, pre-trade risk, the order gateway and the engine
//                   end-to-end  from the gzip files (decompression and Binance parsing included,
//                             which bench:feed measures on its own)
//                 best and median of --rounds rounds each, after two warm-up rounds.
// tick-to-trade:  per order the engine accepts (a new order, or a replace of a quote) while a
//                 reference record is being handled: from the record entering the runtime (reference
//                 quote update, strategy decision, pre-trade risk, order gateway checks, sequencer,
//                 engine) to the engine's accept, in ns (hrtime; the timer itself costs some tens of
//                 ns, included). "first" counts only the first order of each record: the reaction
//                 time proper; "all" every order of a requote. Over every kernel round.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hrtime } from 'node:process';
import { fileURLToPath } from 'node:url';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import { backtest, type BacktestOptions } from '../src/cli/backtest.js';
import type { EngineSink } from '../src/engine/index.js';
import type { MarketFeed, MarketRecord } from '../src/marketdata/records.js';
import { replayFeed } from '../src/marketdata/replay.js';

interface Options {
  rounds: number;
  dir: string;
  symbols: string[];
  json: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: readonly string[]): Options {
  // Built into dist/bench/, run from the project root; the captures sit beside the project.
  const opts: Options = { rounds: 3, dir: resolve(here, '../../../shared/data/binance'), symbols: ['BTCUSDT', 'ETHUSDT'], json: false };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    switch (key) {
      case 'json':
        opts.json = value === undefined || value !== 'false';
        break;
      case 'rounds': {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--rounds must be a positive integer, got ${value}`);
        opts.rounds = n;
        break;
      }
      case 'dir':
        if (value === undefined || value === '') throw new Error('--dir needs a directory');
        opts.dir = resolve(value);
        break;
      case 'symbols':
        opts.symbols = (value ?? '').split(',').filter((s) => s !== '').map((s) => s.toUpperCase());
        if (opts.symbols.length === 0) throw new Error('--symbols needs a comma-separated list');
        break;
      default:
        throw new Error(`unknown option --${key} (known: --rounds --dir --symbols --json)`);
    }
  }
  return opts;
}

const newHistogram = (): Histogram => buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: 3 });

/** The records as a feed, from memory. */
function memoryFeed(records: readonly MarketRecord[]): MarketFeed {
  return {
    async *[Symbol.asyncIterator]() {
      yield* records;
    },
  };
}

interface Round {
  readonly records: number;
  readonly seconds: number;
  readonly fills: number;
  readonly orders: number;
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (!existsSync(o.dir)) throw new Error(`the captures are not at ${o.dir} (--dir)`);
  const feedSpec = `replay:${o.dir}`;
  const base: BacktestOptions = { feed: feedSpec, symbols: o.symbols, strategies: ['mm', 'taker'], params: {} };

  const records: MarketRecord[] = [];
  for await (const r of replayFeed({ files: [o.dir], speed: 'max', symbols: o.symbols })) records.push(r);
  log(`strategy bench: ${fmt(records.length)} records of ${o.symbols.join(', ')} from ${o.dir}; MM + taker per symbol; ${o.rounds} rounds`);

  const first = newHistogram();
  const all = newHistogram();
  const round = async (fromFiles: boolean, timed: boolean): Promise<Round> => {
    let dispatchStart = 0n;
    let firstOfRecord = true;
    const onAccept = (): void => {
      if (!timed || dispatchStart === 0n) return;
      const ns = Number(hrtime.bigint() - dispatchStart);
      all.recordValue(Math.max(1, ns));
      if (firstOfRecord) first.recordValue(Math.max(1, ns));
      firstOfRecord = false;
    };
    const timer: EngineSink = {
      accepted: onAccept,
      replaced: onAccept,
      rejected() {},
      fill() {},
      cancelled() {},
      triggered() {},
      expired() {},
      bookLevel() {},
      topOfBook() {},
    };
    const t0 = performance.now();
    const outcome = await backtest({
      ...base,
      ...(fromFiles ? {} : { feedOverride: memoryFeed(records) }),
      prepare: ({ venue, runtime }) => {
        venue.core.addObserver(timer);
        const dispatch = runtime.onReference.bind(runtime);
        runtime.onReference = (record) => {
          dispatchStart = hrtime.bigint();
          firstOfRecord = true;
          dispatch(record);
          dispatchStart = 0n;
        };
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    if (!outcome.report.reconciliation.ok) throw new Error('the fills do not reconcile with the venue executions');
    const orders = outcome.report.strategies.reduce((n, s) => n + s.orders.placed + s.orders.replaced, 0);
    return { records: outcome.run.records, seconds, fills: outcome.report.total.fills, orders };
  };

  // Warm-up: the JIT settles over the first two runs.
  await round(false, false);
  await round(false, false);
  const kernel: Round[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await round(false, true);
    kernel.push(r);
    log(`kernel round ${i + 1}: ${fmt(r.records / r.seconds)} records/s (${fmt(r.seconds, 3)} s; ${fmt(r.orders)} orders and replaces, ${fmt(r.fills)} fills)`);
  }
  const files: Round[] = [];
  for (let i = 0; i < o.rounds; i++) {
    const r = await round(true, false);
    files.push(r);
    log(`end-to-end round ${i + 1}: ${fmt(r.records / r.seconds)} records/s (${fmt(r.seconds, 3)} s)`);
  }
  const rate = (rs: readonly Round[]): number[] => rs.map((r) => r.records / r.seconds);
  const us = (h: Histogram, p: number): number => Number((h.getValueAtPercentile(p) / 1000).toFixed(2));
  log(`kernel: best ${fmt(Math.max(...rate(kernel)))} records/s, median ${fmt(median(rate(kernel)))}`);
  log(`end-to-end from files: best ${fmt(Math.max(...rate(files)))} records/s, median ${fmt(median(rate(files)))}`);
  log(`tick-to-trade, first order of a record: p50 ${us(first, 50)} µs  p99 ${us(first, 99)} µs  p99.9 ${us(first, 99.9)} µs  max ${us(first, 100)} µs  (${fmt(first.totalCount)} orders)`);
  log(`tick-to-trade, every order of a requote: p50 ${us(all, 50)} µs  p99 ${us(all, 99)} µs  p99.9 ${us(all, 99.9)} µs  (${fmt(all.totalCount)} orders)`);
  const result = {
    bench: 'strategy',
    node: process.version,
    records: records.length,
    rounds: o.rounds,
    kernelRecordsPerSec: Math.round(Math.max(...rate(kernel))),
    kernelRecordsPerSecMedian: Math.round(median(rate(kernel))),
    endToEndRecordsPerSec: Math.round(Math.max(...rate(files))),
    endToEndRecordsPerSecMedian: Math.round(median(rate(files))),
    ordersPerRound: kernel[0].orders,
    fillsPerRound: kernel[0].fills,
    tickToTradeP50Us: us(first, 50),
    tickToTradeP99Us: us(first, 99),
    tickToTradeP999Us: us(first, 99.9),
    tickToTradeOrders: first.totalCount,
    allOrdersP50Us: us(all, 50),
    allOrdersP99Us: us(all, 99),
  };
  if (o.json) log(JSON.stringify(result));
}

await main();
