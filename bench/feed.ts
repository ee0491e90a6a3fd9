// The Binance market-data hot path on the real captures, in process (no sockets):
//
//   npm run bench:feed -- [--rounds=10] [--latency-rounds=3] [--dir=../shared/data/binance]
//                         [--symbols=btcusdt,ethusdt] [--days=20240808,20240809] [--parser=scan|json] [--json]
//
// Every captured message of both symbols and both days, merged in receive order, goes through what
// the live client does with a WebSocket frame: parseCombinedMessage (text → normalized record), then
// for depth diffs the Binance book sync and the local book (ticks keyed, tick 0.01); the REST
// snapshot line goes through parseDepthSnapshot and seeds the book. Each round starts from empty books.
//
// throughput: messages/s over --rounds rounds, untimed per message (the loop is the measurement);
//             also per second of this process's CPU time (user + system), the steadier figure on a
//             machine shared with other work, where wall time includes waiting for a core.
// latency:    per message, parse + book, timed one by one over --latency-rounds rounds into an HDR
//             histogram (ns); the timer itself costs some tens of ns, included.
//
// --parser=json sends every message through the JSON.parse path instead of the scanner, for comparison.
//
// The frames are decoded to strings beforehand (ws hands the client a Buffer; the client's
// toString is not counted here).
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build as buildHistogram } from 'hdr-histogram-js';
import { BinanceBookSync } from '../src/marketdata/binance/book-sync.js';
import { BinanceParseError, parseCombinedMessage, parseCombinedMessageSlow, parseDepthSnapshot } from '../src/marketdata/binance/parse.js';

interface Options {
  rounds: number;
  latencyRounds: number;
  dir: string;
  symbols: string[];
  days: string[];
  parser: 'scan' | 'json';
  json: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: readonly string[]): Options {
  // Built into dist/bench/, run from the project root; the captures sit beside the project.
  const opts: Options = { rounds: 10, latencyRounds: 3, dir: resolve(here, '../../../shared/data/binance'), symbols: ['btcusdt', 'ethusdt'], days: ['20240808', '20240809'], parser: 'scan', json: false };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    const positive = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${key} must be a positive integer, got ${value}`);
      return n;
    };
    const list = (): string[] => {
      const l = (value ?? '').split(',').filter((s) => s !== '');
      if (l.length === 0) throw new Error(`--${key} needs a comma-separated list`);
      return l;
    };
    switch (key) {
      case 'json':
        opts.json = value === undefined || value !== 'false';
        break;
      case 'rounds':
        opts.rounds = positive();
        break;
      case 'latency-rounds':
        opts.latencyRounds = positive();
        break;
      case 'dir':
        if (value === undefined || value === '') throw new Error('--dir needs a directory');
        opts.dir = resolve(value);
        break;
      case 'symbols':
        opts.symbols = list().map((s) => s.toLowerCase());
        break;
      case 'days':
        opts.days = list();
        break;
      case 'parser':
        if (value !== 'scan' && value !== 'json') throw new Error(`--parser must be scan or json, got ${value}`);
        opts.parser = value;
        break;
      default:
        throw new Error(`unknown option --${key} (known: --rounds --latency-rounds --dir --symbols --days --parser --json)`);
    }
  }
  return opts;
}

interface Frame {
  readonly symbol: string;
  readonly localMs: number;
  readonly localNs: string;
  /** The REST snapshot line, not a stream message. */
  readonly snapshot: boolean;
  readonly text: string;
}

function loadFrames(opts: Options): Frame[] {
  const frames: Frame[] = [];
  for (const symbol of opts.symbols) {
    for (const day of opts.days) {
      const text = gunzipSync(readFileSync(join(opts.dir, `${symbol}_${day}.gz`))).toString('utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const space = line.indexOf(' ');
        const localNs = line.slice(0, space);
        const json = line.slice(space + 1);
        frames.push({
          symbol: symbol.toUpperCase(),
          localNs,
          localMs: Number(localNs.slice(0, -6)) + Number(localNs.slice(-6)) / 1e6,
          snapshot: json.startsWith('{"lastUpdateId"'),
          // A fresh flat string per frame, as a socket read would give, not a slice of the whole file.
          text: Buffer.from(json).toString('utf8'),
        });
      }
    }
  }
  // Receive order across symbols, as one connection carries them.
  return frames.sort((a, b) => a.localNs.length - b.localNs.length || (a.localNs < b.localNs ? -1 : a.localNs > b.localNs ? 1 : 0));
}

const TICK = '0.01';

let parse = parseCombinedMessage;

interface RoundResult {
  messages: number;
  applied: number;
  errors: number;
  hashes: string[];
}

function newBooks(symbols: readonly string[]): Map<string, BinanceBookSync> {
  return new Map(symbols.map((s) => [s.toUpperCase(), new BinanceBookSync(s.toUpperCase(), { tickSize: TICK })]));
}

/** One message through parse and book; returns false on anything unexpected. */
function handle(frame: Frame, books: Map<string, BinanceBookSync>, counts: { applied: number }): boolean {
  if (frame.snapshot) {
    const snap = parseDepthSnapshot(JSON.parse(frame.text), frame.symbol, frame.localMs, 1000);
    if (snap instanceof BinanceParseError) return false;
    const sync = books.get(frame.symbol) as BinanceBookSync;
    const outcome = sync.onSnapshot(snap);
    if (outcome.kind !== 'synced') return false;
    counts.applied += outcome.applied.length;
    return true;
  }
  const r = parse(frame.text, frame.localMs);
  if (r instanceof BinanceParseError) return false;
  if (r.type === 'book_change') {
    const outcome = (books.get(r.symbol) as BinanceBookSync).onDiff(r);
    if (outcome.kind === 'applied') counts.applied++;
    else if (outcome.kind !== 'buffered' && outcome.kind !== 'stale') return false;
  }
  return true;
}

function throughputRound(frames: readonly Frame[], symbols: readonly string[]): RoundResult & { seconds: number; cpuSeconds: number } {
  const books = newBooks(symbols);
  const counts = { applied: 0 };
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) if (!handle(frames[i], books, counts)) errors++;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { messages: frames.length, applied: counts.applied, errors, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, hashes: [...books.values()].map((b) => b.book.levelsHash()) };
}

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.parser === 'json') parse = parseCombinedMessageSlow;
  const frames = loadFrames(opts);
  const bytes = frames.reduce((n, f) => n + f.text.length, 0);
  const log = (s: string): void => console.log(s);
  log(`bench:feed  (${opts.parser === 'scan' ? 'scanner' : 'JSON.parse'} parse path) ${frames.length} captured messages (${(bytes / 1e6).toFixed(1)} MB of JSON), ${opts.symbols.join(', ')} over ${opts.days.join(', ')}`);

  // Warm-up round (JIT), also the correctness check: every message accepted, every diff in sequence.
  const warm = throughputRound(frames, opts.symbols);
  if (warm.errors > 0) throw new Error(`${warm.errors} messages were rejected or broke the book sequence`);

  let best = Infinity;
  let totalSeconds = 0;
  let totalCpuSeconds = 0;
  for (let r = 0; r < opts.rounds; r++) {
    const res = throughputRound(frames, opts.symbols);
    if (res.hashes.join() !== warm.hashes.join()) throw new Error('books differ between rounds');
    best = Math.min(best, res.seconds);
    totalSeconds += res.seconds;
    totalCpuSeconds += res.cpuSeconds;
  }
  const msgsPerSec = (frames.length * opts.rounds) / totalSeconds;
  const bestMsgsPerSec = frames.length / best;
  const cpuMsgsPerSec = (frames.length * opts.rounds) / totalCpuSeconds;
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  log(`throughput  ${fmt(msgsPerSec)} msgs/s mean over ${opts.rounds} rounds, best round ${fmt(bestMsgsPerSec)} msgs/s, ${((bytes * opts.rounds) / totalSeconds / 1e6).toFixed(0)} MB/s; ${warm.applied} diffs applied per round`);
  log(`            ${fmt(cpuMsgsPerSec)} msgs per CPU second (wall time / CPU time ${(totalSeconds / totalCpuSeconds).toFixed(2)}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`);

  const hist = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 1e9, numberOfSignificantValueDigits: 3 });
  const byKind = new Map<string, ReturnType<typeof buildHistogram>>();
  const kindOf = (f: Frame): string => (f.snapshot ? 'snapshot' : f.text.includes('@depth') ? 'depth' : f.text.includes('@trade') ? 'trade' : 'bookTicker');
  for (let r = 0; r < opts.latencyRounds; r++) {
    const books = newBooks(opts.symbols);
    const counts = { applied: 0 };
    for (const f of frames) {
      const t0 = performance.now();
      handle(f, books, counts);
      const ns = Math.max(1, Math.round((performance.now() - t0) * 1e6));
      hist.recordValue(ns);
      const kind = kindOf(f);
      let h = byKind.get(kind);
      if (h === undefined) byKind.set(kind, (h = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 1e9, numberOfSignificantValueDigits: 3 })));
      h.recordValue(ns);
    }
  }
  const figures = (h: ReturnType<typeof buildHistogram>): { p50Ns: number; p99Ns: number; p999Ns: number; maxNs: number } => ({
    p50Ns: h.getValueAtPercentile(50),
    p99Ns: h.getValueAtPercentile(99),
    p999Ns: h.getValueAtPercentile(99.9),
    maxNs: h.maxValue,
  });
  const all = figures(hist);
  log(`latency     per message p50 ${all.p50Ns} ns, p99 ${all.p99Ns} ns, p99.9 ${all.p999Ns} ns, max ${all.maxNs} ns`);
  const kinds: Record<string, ReturnType<typeof figures> & { count: number }> = {};
  for (const [kind, h] of byKind) {
    kinds[kind] = { count: h.totalCount / opts.latencyRounds, ...figures(h) };
    log(`  ${kind.padEnd(10)} ${String(kinds[kind].count).padStart(7)} msgs  p50 ${kinds[kind].p50Ns} ns  p99 ${kinds[kind].p99Ns} ns`);
  }
  const result = {
    bench: 'feed',
    parser: opts.parser,
    messages: frames.length,
    bytes,
    rounds: opts.rounds,
    msgsPerSec: Math.round(msgsPerSec),
    bestMsgsPerSec: Math.round(bestMsgsPerSec),
    cpuMsgsPerSec: Math.round(cpuMsgsPerSec),
    loadAverage: Number(loadavg()[0].toFixed(2)),
    p50Ns: all.p50Ns,
    p99Ns: all.p99Ns,
    p999Ns: all.p999Ns,
    kinds,
    bookHashes: warm.hashes,
    node: process.version,
  };
  if (opts.json) console.log(JSON.stringify(result));
}

main();
