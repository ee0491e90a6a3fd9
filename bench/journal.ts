// The write-ahead journal on its three figures that matter to the venue:
//
//   npm run bench:journal -- [--records=1000000] [--paced-rates=200000,50000] [--paced-seconds=2]
//                            [--recovery-records=1000000] [--window=100000] [--dir=<tmpdir>] [--json]
//
// durable:   commands/s with fsync 'batch' (one write + one fdatasync per batch, group commit),
//            appended from a loop that keeps up to --window commands outstanding, counted durable
//            when onDurable reports them. The same with fsync 'off' (write only) for comparison.
// latency:   append → onDurable notification per command, p50/p99/p99.9 (hdr-histogram), at each
//            steady rate of --paced-rates: what a command waits for its acknowledgement at that
//            load. The first rate's figures are the headline p50Us/p99Us (200,000/s, the goal
//            throughput). The saturated run's latency is reported too, but it is queueing: with
//            --window commands outstanding it is about window / throughput.
// recovery:  readJournal over --recovery-records commands (the journal the 'off' run wrote),
//            delivering each record; and the same with JSON.parse of every payload, which the
//            venue's replay adds. The files were just written, so this reads from the page cache.
//
// Payloads are ~200-byte JSON new-order commands, built beforehand so only the journal is timed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import { type FsyncMode, JournalWriter, readJournal } from '../src/venue/journal.js';

interface Options {
  records: number;
  pacedRates: number[];
  pacedSeconds: number;
  recoveryRecords: number;
  window: number;
  dir: string;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { records: 1_000_000, pacedRates: [200_000, 50_000], pacedSeconds: 2, recoveryRecords: 1_000_000, window: 100_000, dir: tmpdir(), json: false };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    const positive = (): number => {
      const n = Number((value ?? '').replace(/_/g, ''));
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} must be a positive number, got ${value}`);
      return n;
    };
    switch (key) {
      case 'json':
        opts.json = value === undefined || value !== 'false';
        break;
      case 'records':
        opts.records = Math.round(positive());
        break;
      case 'paced-rates':
        opts.pacedRates = (value ?? '').split(',').map((v) => {
          const n = Number(v.replace(/_/g, ''));
          if (!Number.isFinite(n) || n <= 0) throw new Error(`--paced-rates must be positive numbers, got ${value}`);
          return n;
        });
        break;
      case 'paced-seconds':
        opts.pacedSeconds = positive();
        break;
      case 'recovery-records':
        opts.recoveryRecords = Math.round(positive());
        break;
      case 'window':
        opts.window = Math.round(positive());
        break;
      case 'dir':
        if (value === undefined || value === '') throw new Error('--dir needs a directory');
        opts.dir = value;
        break;
      default:
        throw new Error(`unknown option --${key} (known: --records --paced-rates --paced-seconds --recovery-records --window --dir --json)`);
    }
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Payloads: what the venue will journal, a JSON-encoded stamped command.

const SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT'];

function makePayloads(count: number): Buffer[] {
  const payloads: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const command = {
      kind: 'new',
      symbol: SYMBOLS[i % SYMBOLS.length],
      orderId: 1_000_000 + i,
      account: 100 + (i % 37),
      side: i % 2 === 0 ? 'buy' : 'sell',
      type: 'limit',
      tif: 'gtc',
      price: 10125 + (i % 97),
      qty: 100 + (i % 13) * 10,
      time: 1_704_205_800_000 + i,
      clOrdId: `ORD-20240102-${String(i).padStart(8, '0')}`,
      session: 'FIX.4.4:CRUCIBLE->CLIENT01',
    };
    payloads.push(Buffer.from(JSON.stringify(command)));
  }
  return payloads;
}

const PAYLOADS = makePayloads(1024);
const meanPayloadBytes = PAYLOADS.reduce((s, p) => s + p.length, 0) / PAYLOADS.length;

const newHistogram = (): Histogram => buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------
// Durable throughput and latency

interface RunResult {
  readonly records: number;
  readonly seconds: number;
  readonly perSec: number;
  readonly latency: Histogram;
  readonly batches: number;
  readonly fsyncs: number;
  readonly fsyncMicrosMean: number;
  readonly fsyncMicrosMax: number;
  readonly bytes: number;
}

/**
 * Appends `records` commands, `pace(now)` saying how many should have been appended by now
 * (Infinity: as fast as the window allows), and waits for the last to be durable.
 */
async function run(dir: string, fsync: FsyncMode, records: number, window: number, pace: (elapsedMs: number) => number): Promise<RunResult> {
  const writer = JournalWriter.open({ dir, fsync });
  const latency = newHistogram();
  // Append time per command, stamped once per slice: a slice is appended within microseconds.
  const appendedAt = new Float64Array(records + 1);
  let notified = 0;
  let finished: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  writer.onDurable((durable) => {
    const now = performance.now();
    // Commands appended in the same slice and made durable together have the same latency.
    let s = notified + 1;
    while (s <= durable) {
      const at = appendedAt[s];
      let e = s;
      while (e < durable && appendedAt[e + 1] === at) e++;
      latency.recordValueWithCount(Math.max(1, Math.round((now - at) * 1000)), e - s + 1);
      s = e + 1;
    }
    notified = durable;
    if (durable >= records) finished!();
  });

  const t0 = performance.now();
  let seq = 0;
  while (seq < records) {
    const now = performance.now();
    const target = Math.min(records, pace(now - t0), writer.durableSeq + window);
    for (; seq < target; ) {
      seq++;
      appendedAt[seq] = now;
      writer.append(seq, now, 1, PAYLOADS[seq & 1023]);
    }
    await tick();
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const stats = writer.stats;
  await writer.close();
  return {
    records,
    seconds,
    perSec: records / seconds,
    latency,
    batches: stats.batches,
    fsyncs: stats.fsyncs,
    fsyncMicrosMean: stats.fsyncs > 0 ? stats.fsyncMicrosTotal / stats.fsyncs : 0,
    fsyncMicrosMax: stats.fsyncMicrosMax,
    bytes: stats.bytes,
  };
}

// ---------------------------------------------------------------------------------------------
// Recovery

function recover(dir: string, parse: boolean): { records: number; seconds: number } {
  let sum = 0;
  const t0 = performance.now();
  const report = readJournal(dir, {
    onRecord: parse ? (r) => (sum += (JSON.parse(r.payload.toString('utf8')) as { qty: number }).qty) : (r) => (sum += r.payload.length),
  });
  const seconds = (performance.now() - t0) / 1000;
  if (sum === 0) throw new Error('recovery read nothing');
  return { records: report.records, seconds };
}

// ---------------------------------------------------------------------------------------------

const us = (h: Histogram, p: number): number => h.getValueAtPercentile(p);
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const root = mkdtempSync(join(o.dir, 'crucible-bench-journal-'));
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    log(`journal bench: ${fmt(o.records)} commands of ${fmt(meanPayloadBytes)} bytes (mean payload), window ${fmt(o.window)}, in ${root}`);

    // Warm-up: JIT and the file system's allocation paths, on a journal of its own.
    await run(join(root, 'warmup'), 'batch', 50_000, o.window, () => Infinity);

    const durable = await run(join(root, 'batch'), 'batch', o.records, o.window, () => Infinity);
    rmSync(join(root, 'batch'), { recursive: true });
    log(
      `fsync batch: ${fmt(durable.perSec)} durable commands/s (${fmt(durable.seconds, 2)} s), ` +
        `${fmt(durable.batches)} batches (${fmt(durable.records / durable.batches, 1)} commands each), ` +
        `fdatasync mean ${fmt(durable.fsyncMicrosMean)} µs max ${fmt(durable.fsyncMicrosMax)} µs`,
    );
    log(`  append → durable, saturated: p50 ${fmt(us(durable.latency, 50))} µs  p99 ${fmt(us(durable.latency, 99))} µs  p99.9 ${fmt(us(durable.latency, 99.9))} µs`);

    const paced = [];
    for (const rate of o.pacedRates) {
      const r = await run(join(root, 'paced'), 'batch', Math.round(rate * o.pacedSeconds), o.window, (ms) => (ms * rate) / 1000);
      rmSync(join(root, 'paced'), { recursive: true });
      log(
        `fsync batch at ${fmt(rate)} commands/s: append → durable p50 ${fmt(us(r.latency, 50))} µs  p99 ${fmt(us(r.latency, 99))} µs  ` +
          `p99.9 ${fmt(us(r.latency, 99.9))} µs (${fmt(r.batches)} batches, ${fmt(r.records / r.batches, 1)} commands each, achieved ${fmt(r.perSec)}/s)`,
      );
      paced.push({ rate, p50Us: us(r.latency, 50), p99Us: us(r.latency, 99), p999Us: us(r.latency, 99.9), commandsPerBatch: Math.round(r.records / r.batches) });
    }

    const offRecords = Math.max(o.records, o.recoveryRecords);
    const off = await run(join(root, 'off'), 'off', offRecords, o.window, () => Infinity);
    log(`fsync off: ${fmt(off.perSec)} commands/s written (${fmt(off.seconds, 2)} s), ${fmt(off.batches)} batches; p50 ${fmt(us(off.latency, 50))} µs  p99 ${fmt(us(off.latency, 99))} µs`);

    // The recovery figure is for exactly recoveryRecords commands: a journal of that size.
    let recoveryDir = join(root, 'off');
    if (offRecords !== o.recoveryRecords) {
      recoveryDir = join(root, 'recovery');
      await run(recoveryDir, 'off', o.recoveryRecords, o.window, () => Infinity);
    }
    const read = recover(recoveryDir, false);
    const parsed = recover(recoveryDir, true);
    log(`recovery: readJournal over ${fmt(read.records)} commands in ${fmt(read.seconds, 3)} s (${fmt(read.records / read.seconds)} records/s); with JSON.parse of each payload ${fmt(parsed.seconds, 3)} s`);

    const result = {
      bench: 'journal',
      node: process.version,
      records: o.records,
      payloadBytes: Math.round(meanPayloadBytes),
      window: o.window,
      durableCommandsPerSec: Math.round(durable.perSec),
      batches: durable.batches,
      commandsPerBatch: Math.round(durable.records / durable.batches),
      fsyncMeanUs: Math.round(durable.fsyncMicrosMean),
      latencyAtRate: paced[0].rate,
      p50Us: paced[0].p50Us,
      p99Us: paced[0].p99Us,
      p999Us: paced[0].p999Us,
      paced,
      saturatedP50Us: us(durable.latency, 50),
      saturatedP99Us: us(durable.latency, 99),
      fsyncOffCommandsPerSec: Math.round(off.perSec),
      recoveryRecords: read.records,
      recovery1MSeconds: Number(((read.seconds * 1_000_000) / read.records).toFixed(3)),
      recoverySeconds: Number(read.seconds.toFixed(3)),
      recoveryRecordsPerSec: Math.round(read.records / read.seconds),
      recoveryWithParseSeconds: Number(parsed.seconds.toFixed(3)),
    };
    if (o.json) log(JSON.stringify(result));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
