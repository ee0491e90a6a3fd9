import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { CaptureFileError, RECORDING_FORMAT, RECORDING_VERSION } from '../../src/marketdata/capture-file.js';
import type { MarketRecord, TradeRecord } from '../../src/marketdata/records.js';
import { MarketRecorder, recordFeed, rotationKey } from '../../src/marketdata/recorder.js';
import { replayFeed } from '../../src/marketdata/replay.js';
import { syntheticFeed, type SyntheticListing } from '../../src/marketdata/synthetic.js';
import { parseRecordFlags, record, RecordOptionError, summaryText } from '../../src/cli/record.js';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'binance');
const haveCaptures = existsSync(join(CAPTURES, 'btcusdt_20240808.gz'));
if (!haveCaptures && process.env.CI !== 'true') {
  console.warn(`\n*** recorder.test.ts: the Binance captures are not at ${CAPTURES}: the round trip of a real capture is SKIPPED ***\n`);
}

const START = Date.UTC(2024, 0, 2, 14, 30);
const LISTINGS: SyntheticListing[] = [
  { symbol: 'AAPL', tickSize: '0.01', lotSize: '1', referencePrice: '190.00', volatility: 0.3 },
  { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001', referencePrice: '65000.00', volatility: 0.6, tradesPerSecond: 5 },
];

let root: string;
let dirs = 0;
const freshDir = (): string => join(root, `rec-${dirs++}`);
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'crucible-recorder-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function* feedOf(records: Iterable<MarketRecord>): AsyncGenerator<MarketRecord> {
  yield* records;
}

async function collect(feed: AsyncIterable<MarketRecord>): Promise<MarketRecord[]> {
  const out: MarketRecord[] = [];
  for await (const r of feed) out.push(r);
  return out;
}

const trade = (id: number, localTime: number): TradeRecord => ({
  type: 'trade',
  exchange: 'test',
  symbol: 'BTCUSDT',
  tradeId: String(id),
  price: '65000.01',
  quantity: '0.00100',
  side: id % 2 === 0 ? 'buy' : 'sell',
  exchangeTime: Math.floor(localTime) - 3,
  localTime,
});

describe('record → replay round trip', () => {
  it('a synthetic feed comes back record for record', async () => {
    const feed = await collect(syntheticFeed({ listings: LISTINGS, seed: 21, clock: new ManualClock(START), speed: 'max', durationMs: 60_000 }));
    const dir = freshDir();
    const summary = await recordFeed(feedOf(feed), { dir, source: 'synthetic', symbols: ['AAPL', 'BTCUSDT'], clock: new ManualClock(START) });
    expect(summary.records).toBe(feed.length);
    expect(summary.byType.book_snapshot).toBe(2);
    expect(summary.files).toEqual([join(dir, 'marketdata-2024-01-02T14.jsonl.gz')]);
    const back = await collect(replayFeed({ files: [dir], speed: 'max' }));
    expect(back).toEqual(feed);
  });

  it.skipIf(!haveCaptures)('a replayed real capture comes back record for record, sub-millisecond receive times included', async () => {
    const files = [join(CAPTURES, 'btcusdt_20240808.gz'), join(CAPTURES, 'ethusdt_20240808.gz')];
    const original: MarketRecord[] = [];
    for await (const r of replayFeed({ files, speed: 'max', book: 'captured' })) {
      original.push(r);
      if (original.length === 20_000) break;
    }
    const dir = freshDir();
    const summary = await recordFeed(feedOf(original), { dir, source: 'replay', clock: new ManualClock(START), rotation: 'day' });
    expect(summary.records).toBe(20_000);
    expect(await collect(replayFeed({ files: [dir], speed: 'max', book: 'captured' }))).toEqual(original);
    expect(original.some((r) => !Number.isInteger(r.localTime))).toBe(true);
  });

  it('a new file every hour (or day) of receive time, each replaying on its own, all together in order', async () => {
    const hour = 3_600_000;
    const base = Date.UTC(2024, 7, 8, 22, 59, 59);
    const records = [trade(1, base), trade(2, base + 500.25), trade(3, base + 1500), trade(4, base + hour + 1000), trade(5, base + 2 * hour + 1000.5)];
    const dir = freshDir();
    const recorder = new MarketRecorder({ dir, source: 'test', clock: new ManualClock(START) });
    for (const r of records) await recorder.write(r);
    const summary = await recorder.close();
    expect(summary.files.map((f) => basename(f))).toEqual([
      'marketdata-2024-08-08T22.jsonl.gz',
      'marketdata-2024-08-08T23.jsonl.gz',
      'marketdata-2024-08-09T00.jsonl.gz',
      'marketdata-2024-08-09T01.jsonl.gz',
    ]);
    expect(summary).toMatchObject({ records: 5, firstTime: base, lastTime: base + 2 * hour + 1000.5 });
    expect(await collect(replayFeed({ files: [summary.files[1]], speed: 'max' }))).toEqual([records[2]]);
    expect(await collect(replayFeed({ files: [dir], speed: 'max' }))).toEqual(records);

    const daily = freshDir();
    const byDay = new MarketRecorder({ dir: daily, source: 'test', rotation: 'day', prefix: 'btc', clock: new ManualClock(START) });
    for (const r of records) await byDay.write(r);
    expect((await byDay.close()).files.map((f) => basename(f))).toEqual(['btc-2024-08-08.jsonl.gz', 'btc-2024-08-09.jsonl.gz']);
  });

  it('each file starts with a header naming the format, its version and the source', async () => {
    const dir = freshDir();
    const recorder = new MarketRecorder({ dir, source: 'synthetic', symbols: ['BTCUSDT'], clock: new ManualClock(START) });
    await recorder.write(trade(1, START));
    const { files } = await recorder.close();
    const lines = gunzipSync(readFileSync(files[0])).toString('utf8').split('\n');
    expect(JSON.parse(lines[0])).toEqual({ format: RECORDING_FORMAT, version: RECORDING_VERSION, source: 'synthetic', symbols: ['BTCUSDT'], openedAt: START });
    expect(JSON.parse(lines[1])).toEqual(trade(1, START));
    expect(lines.slice(2)).toEqual(['']);
  });

  it('a restart within the hour starts a second file and leaves the first alone', async () => {
    const dir = freshDir();
    const first = new MarketRecorder({ dir, source: 'test', clock: new ManualClock(START) });
    await first.write(trade(1, START));
    const [firstFile] = (await first.close()).files;
    const before = readFileSync(firstFile);
    const second = new MarketRecorder({ dir, source: 'test', clock: new ManualClock(START) });
    await second.write(trade(2, START + 10));
    expect((await second.close()).files.map((f) => basename(f))).toEqual(['marketdata-2024-01-02T14-2.jsonl.gz']);
    expect(readFileSync(firstFile)).toEqual(before);
    expect((await collect(replayFeed({ files: [dir], speed: 'max' }))).map((r) => (r as TradeRecord).tradeId)).toEqual(['1', '2']);
  });

  it('a recorder that is killed leaves what it flushed readable; replay then names where the file breaks off', async () => {
    const dir = freshDir();
    const clock = new ManualClock(START);
    const recorder = new MarketRecorder({ dir, source: 'test', clock, flushIntervalMs: 1000 });
    for (let i = 1; i <= 50; i++) await recorder.write(trade(i, START + i));
    clock.advance(1000);
    const file = join(dir, 'marketdata-2024-01-02T14.jsonl.gz');
    // The flush reaches the file asynchronously: wait (bounded) for it, as a reader after a crash would find it.
    for (let i = 0; i < 500 && !(existsSync(file) && statSync(file).size > 100); i++) await new Promise((r) => setTimeout(r, 10));
    const copy = join(root, `killed-${dirs}.jsonl.gz`);
    writeFileSync(copy, readFileSync(file));
    const records: MarketRecord[] = [];
    let error: unknown;
    try {
      for await (const r of replayFeed({ files: [copy], speed: 'max' })) records.push(r);
    } catch (e) {
      error = e;
    }
    expect(records).toHaveLength(50);
    expect(error).toBeInstanceOf(CaptureFileError);
    expect((error as Error).message).toBe(`${copy}:52: the gzip data stops short (a truncated file); the lines before this one were read`);
    await recorder.close();
  });

  it('refuses to write after close, and says so when the directory cannot be used', async () => {
    const dir = freshDir();
    const recorder = new MarketRecorder({ dir, source: 'test', clock: new ManualClock(START) });
    await recorder.close();
    await expect(recorder.write(trade(1, START))).rejects.toThrow(/closed/);
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => new MarketRecorder({ dir: join(file, 'sub'), source: 'test', clock: new ManualClock(START) })).toThrow(/^cannot create the recording directory .*a-file\/sub: (ENOTDIR|EEXIST)/);
  });

  it('names files by UTC hour or day', () => {
    expect(rotationKey(Date.UTC(2024, 7, 8, 23, 59, 59, 999) + 0.5, 'hour')).toBe('2024-08-08T23');
    expect(rotationKey(Date.UTC(2024, 7, 9), 'hour')).toBe('2024-08-09T00');
    expect(rotationKey(Date.UTC(2024, 7, 9, 13), 'day')).toBe('2024-08-09');
  });
});

describe('crucible record', () => {
  it('records the synthetic market for the symbols asked, then replays it', async () => {
    const out = freshDir();
    const plan = parseRecordFlags({ symbols: 'aapl,BTCUSDT', out, feed: 'synthetic', duration: '30', rotate: 'hour', seed: '5' });
    expect(plan).toMatchObject({ feed: 'synthetic', symbols: ['AAPL', 'BTCUSDT'], rotation: 'hour', durationMs: 30_000, seed: 5 });
    // The command runs at real time; the test drives a manual clock until the duration is up.
    const clock = new ManualClock(START);
    const run = record(plan, { clock });
    let done = false;
    void run.finally(() => (done = true));
    for (let i = 0; i < 10_000 && !done; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(50);
    }
    const summary = await run;
    expect(summary.byType.book_snapshot).toBe(2);
    expect(summary.byType.trade).toBeGreaterThan(0);
    const back = await collect(replayFeed({ files: [out], speed: 'max' }));
    expect(back).toHaveLength(summary.records);
    expect(new Set(back.map((r) => r.symbol).filter((s) => s !== undefined))).toEqual(new Set(['AAPL', 'BTCUSDT']));
    expect(back.at(-1)).toMatchObject({ type: 'feed_status', reason: 'source_ended', localTime: START + 30_000 });
    expect(summaryText(summary)).toMatch(/^recorded [\d,]+ records \(trade [\d,]+, book_snapshot 2, book_change [\d,]+, ticker [\d,]+, feed_status 2\) in 1 file\n {2}\S+marketdata-2024-01-02T14\.jsonl\.gz\n$/);
  });

  it('refuses options that do not make sense, naming the flag', () => {
    const base = { out: 'x', feed: 'synthetic', rotate: 'hour' };
    const bad = (flags: Partial<Parameters<typeof parseRecordFlags>[0]>, message: RegExp): void => {
      expect(() => parseRecordFlags({ ...base, ...flags })).toThrow(RecordOptionError);
      expect(() => parseRecordFlags({ ...base, ...flags })).toThrow(message);
    };
    bad({ feed: 'kraken' }, /--feed must be synthetic or binance/);
    bad({ symbols: 'NOPE' }, /--symbols: unknown symbol NOPE/);
    bad({ symbols: 'AAPL', feed: 'binance' }, /AAPL is an equity and does not trade on Binance/);
    bad({ duration: '-1' }, /--duration must be a positive number of seconds/);
    bad({ duration: 'soon' }, /--duration/);
    bad({ rotate: 'week' }, /--rotate must be hour or day/);
    bad({ seed: '1.5' }, /--seed/);
    bad({ symbols: ' , ' }, /--symbols needs at least one symbol/);
    expect(parseRecordFlags({ ...base, feed: 'binance' }).symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT']);
    expect(parseRecordFlags(base).symbols).toContain('AAPL');
  });
});
