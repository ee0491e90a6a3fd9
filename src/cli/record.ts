// `crucible record`: a market-data feed (synthetic, or live from Binance) written to gzip JSON-lines
// files, a new file every hour (or day), that `replay` reads back record for record. Runs until
// --duration has passed or Ctrl-C, then finishes the open file and prints what it wrote.
//
// Exit codes: 0 after a clean stop, 1 when the feed or the files fail, 2 for options that do not make sense.
import { Command } from 'commander';
import { systemClock, type ClockScheduler } from '../shared/clock.js';
import { BinanceFeed } from '../marketdata/binance/client.js';
import type { MarketFeed, MarketRecordType } from '../marketdata/records.js';
import { MarketRecorder, type RecordingSummary, type Rotation } from '../marketdata/recorder.js';
import { syntheticFeed, type SyntheticListing } from '../marketdata/synthetic.js';
import { DEFAULT_LISTINGS, type ListedInstrument } from '../venue/instruments.js';

export interface RecordFlags {
  readonly symbols?: string;
  readonly out: string;
  readonly feed: string;
  readonly duration?: string;
  readonly rotate: string;
  readonly seed?: string;
  readonly prefix?: string;
}

/** A flag with a value the recorder cannot use; the message names the flag. */
export class RecordOptionError extends Error {}

export interface RecordPlan {
  readonly feed: 'synthetic' | 'binance';
  readonly symbols: readonly string[];
  readonly out: string;
  readonly rotation: Rotation;
  readonly durationMs?: number;
  readonly seed: number;
  readonly prefix: string;
}

function symbolList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== '');
  if (items.length === 0) throw new RecordOptionError(`--symbols needs at least one symbol (a comma-separated list), got ${JSON.stringify(value)}`);
  return [...new Set(items)];
}

/** Checks every flag; throws RecordOptionError naming the first bad one. */
export function parseRecordFlags(flags: RecordFlags, listings: readonly ListedInstrument[] = DEFAULT_LISTINGS): RecordPlan {
  const feed = flags.feed.trim().toLowerCase();
  if (feed !== 'synthetic' && feed !== 'binance') throw new RecordOptionError(`--feed must be synthetic or binance, got ${JSON.stringify(flags.feed)}`);
  const listed = (symbol: string): ListedInstrument | undefined => listings.find((l) => l.instrument.symbol.toUpperCase() === symbol);
  let symbols: string[];
  if (flags.symbols !== undefined) symbols = symbolList(flags.symbols);
  else symbols = listings.filter((l) => feed === 'synthetic' || l.assetClass === 'crypto').map((l) => l.instrument.symbol);
  for (const s of symbols) {
    if (feed === 'synthetic' && listed(s) === undefined) {
      throw new RecordOptionError(`--symbols: unknown symbol ${s}; the synthetic feed makes the listed symbols: ${listings.map((l) => l.instrument.symbol).join(', ')}`);
    }
    if (feed === 'binance' && !/^[A-Z0-9]{2,20}$/.test(s)) throw new RecordOptionError(`--symbols: ${s} is not a Binance symbol (letters and digits, such as BTCUSDT)`);
    if (feed === 'binance' && listed(s)?.assetClass === 'equity') throw new RecordOptionError(`--symbols: ${s} is an equity and does not trade on Binance; record it with --feed synthetic`);
  }
  const out = flags.out.trim();
  if (out === '') throw new RecordOptionError('--out must name a directory');
  const rotation = flags.rotate.trim().toLowerCase();
  if (rotation !== 'hour' && rotation !== 'day') throw new RecordOptionError(`--rotate must be hour or day, got ${JSON.stringify(flags.rotate)}`);
  let durationMs: number | undefined;
  if (flags.duration !== undefined) {
    const seconds = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(flags.duration) ? Number(flags.duration) : Number.NaN;
    if (!(seconds > 0 && seconds <= 366 * 86_400)) throw new RecordOptionError(`--duration must be a positive number of seconds (at most a year), got ${JSON.stringify(flags.duration)}`);
    durationMs = Math.round(seconds * 1000);
  }
  let seed = 1;
  if (flags.seed !== undefined) {
    seed = /^\s*\d+\s*$/.test(flags.seed) ? Number(flags.seed) : Number.NaN;
    if (!(seed >= 0 && seed <= 0xffffffff)) throw new RecordOptionError(`--seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(flags.seed)}`);
  }
  const prefix = flags.prefix ?? 'marketdata';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) throw new RecordOptionError(`--prefix must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(prefix)}`);
  return { feed, symbols, out, rotation, ...(durationMs !== undefined ? { durationMs } : {}), seed, prefix };
}

/** A listing as the synthetic market takes it: equities calmer than crypto, crypto busier. */
export function syntheticListing(l: ListedInstrument): SyntheticListing {
  const { symbol, tickSize, lotSize } = l.instrument;
  return {
    symbol,
    tickSize,
    lotSize,
    referencePrice: l.referencePrice ?? tickSize,
    volatility: l.assetClass === 'equity' ? 0.3 : 0.6,
    tradesPerSecond: l.assetClass === 'crypto' ? 5 : 2,
  };
}

export interface RecordIo {
  readonly clock?: ClockScheduler;
  readonly info?: (line: string) => void;
  /** Stops the recording (the command wires SIGINT and SIGTERM to it). */
  readonly signal?: AbortSignal;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Records until the duration is up, the signal fires or the feed ends. */
export async function record(plan: RecordPlan, io: RecordIo = {}): Promise<RecordingSummary> {
  const clock = io.clock ?? systemClock;
  const info = io.info ?? (() => {});
  const stop = new AbortController();
  io.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let feed: MarketFeed;
  let closeFeed: () => Promise<void> = async () => {};
  if (plan.feed === 'synthetic') {
    const listings = plan.symbols.map((s) => syntheticListing(DEFAULT_LISTINGS.find((l) => l.instrument.symbol.toUpperCase() === s)!));
    feed = syntheticFeed({ listings, seed: plan.seed, clock, signal: stop.signal, ...(plan.durationMs !== undefined ? { durationMs: plan.durationMs } : {}) });
  } else {
    const tickSizes = Object.fromEntries(DEFAULT_LISTINGS.filter((l) => plan.symbols.includes(l.instrument.symbol)).map((l) => [l.instrument.symbol, l.instrument.tickSize]));
    const binance = new BinanceFeed({ symbols: plan.symbols, tickSizes, clock });
    feed = binance;
    closeFeed = () => binance.close();
    stop.signal.addEventListener('abort', () => void binance.close(), { once: true });
    if (plan.durationMs !== undefined) {
      const timer = clock.setTimeout(() => stop.abort(), plan.durationMs);
      stop.signal.addEventListener('abort', () => timer.cancel(), { once: true });
    }
  }

  const recorder = new MarketRecorder({ dir: plan.out, source: plan.feed, symbols: plan.symbols, rotation: plan.rotation, prefix: plan.prefix, clock });
  let written = 0;
  const progress = clock.setInterval(() => info(`  ${fmt(written)} records`), 10_000);
  try {
    for await (const r of feed) {
      await recorder.write(r);
      written++;
      if (r.type === 'feed_status') info(`  ${r.symbol ?? 'feed'}: ${r.state} (${r.reason}${r.detail !== undefined ? `: ${r.detail}` : ''})`);
    }
  } finally {
    progress.cancel();
    await closeFeed();
  }
  return recorder.close();
}

export function summaryText(summary: RecordingSummary): string {
  const kinds = (Object.entries(summary.byType) as [MarketRecordType, number][]).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${fmt(n)}`);
  const lines = [`recorded ${fmt(summary.records)} records${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''} in ${summary.files.length} file${summary.files.length === 1 ? '' : 's'}`];
  for (const f of summary.files) lines.push(`  ${f}`);
  return lines.join('\n') + '\n';
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runRecord(flags: RecordFlags): Promise<void> {
  let plan: RecordPlan;
  try {
    plan = parseRecordFlags(flags);
  } catch (e) {
    if (!(e instanceof RecordOptionError)) throw e;
    say(`crucible record: ${e.message}`);
    process.exit(2);
  }
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    say(`${signal}: finishing the open file`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  say(
    `crucible record: ${plan.feed} ${plan.symbols.join(',')} to ${plan.out}, a file per ${plan.rotation}, ` +
      (plan.durationMs !== undefined ? `for ${plan.durationMs / 1000} s` : 'until Ctrl-C') +
      (plan.feed === 'synthetic' ? `; seed ${plan.seed}` : ''),
  );
  // The system clock's timers are unref'd and a quiet feed waits on nothing else: hold the process open.
  const keepAlive = setInterval(() => {}, 3_600_000);
  try {
    const summary = await record(plan, { info: say, signal: stop.signal });
    process.stdout.write(summaryText(summary));
    process.exitCode = 0;
  } catch (e) {
    say(`crucible record: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function recordCommand(): Command {
  return new Command('record')
    .summary('record a market-data feed (synthetic or live Binance) to gzip files that replay reads back')
    .description(
      'write every record of a market-data feed (trades, book snapshots and changes, tickers, feed status) to ' +
        'gzip JSON-lines files in --out, a new file each hour (or day) of receive time, named ' +
        '<prefix>-<YYYY-MM-DDTHH>.jsonl.gz; the format is described in docs/MARKETDATA.md. --feed synthetic ' +
        '(the default) runs the seeded synthetic market in real time for any listed symbol; --feed binance ' +
        'follows Binance spot live (crypto symbols). Stops after --duration seconds or on Ctrl-C, finishes the ' +
        'open file and prints what it wrote. Exit 0 when done, 1 when the feed or the files fail, 2 for bad options',
    )
    .requiredOption('--out <dir>', 'directory for the files; created when missing')
    .option('--symbols <list>', 'comma-separated symbols (default: every listed symbol; for binance, the listed crypto pairs)')
    .option('--feed <feed>', 'synthetic or binance', 'synthetic')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--rotate <period>', 'start a new file every hour or day', 'hour')
    .option('--seed <n>', 'seed of the synthetic market, 0..4294967295', '1')
    .option('--prefix <name>', 'file names start with this', 'marketdata')
    .showHelpAfterError('(crucible record --help lists the options)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(runRecord);
}
