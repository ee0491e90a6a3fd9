import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { CaptureFileError, readCaptureFile, RECORDING_FORMAT, RECORDING_VERSION } from '../../src/marketdata/capture-file.js';
import type { BookChangeRecord, MarketRecord } from '../../src/marketdata/records.js';
import { replayFeed } from '../../src/marketdata/replay.js';

const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'binance');
const haveCaptures = existsSync(join(CAPTURES, 'btcusdt_20240808.gz'));
if (!haveCaptures && process.env.CI !== 'true') {
  console.warn(`\n*** replay.test.ts: the Binance captures are not at ${CAPTURES}: the tests on real captures are SKIPPED ***\n`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crucible-replay-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Lets every promise and stream callback that can run, run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function collect(feed: AsyncIterable<MarketRecord>): Promise<MarketRecord[]> {
  const out: MarketRecord[] = [];
  for await (const r of feed) out.push(r);
  return out;
}

/** Reads a feed to its end or its first error; says which. */
async function collectUntilError(feed: AsyncIterable<MarketRecord>): Promise<{ records: MarketRecord[]; error: unknown }> {
  const records: MarketRecord[] = [];
  try {
    for await (const r of feed) records.push(r);
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

let fileCount = 0;
/** Writes `lines` to a file called `name` in a directory of its own. */
function writeFile(name: string, lines: readonly string[], gzip = true): string {
  const own = join(dir, String(fileCount++));
  mkdirSync(own);
  const path = join(own, name);
  const text = lines.map((l) => `${l}\n`).join('');
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
}

const T0_NS = 1723161254000000000n;
/** A capture line: receive time `ms` after T0, and the message. */
const at = (ms: number, message: object): string => `${T0_NS + BigInt(Math.round(ms * 1e6))} ${JSON.stringify(message)}`;
const trade = (id: number, price: string, eventMs = 1723161255000): object => ({
  stream: 'btcusdt@trade',
  data: { e: 'trade', E: eventMs, s: 'BTCUSDT', t: id, p: price, q: '0.01000000', T: eventMs, m: id % 2 === 0, M: true },
});
const bookTicker = (u: number): object => ({ stream: 'ethusdt@bookTicker', data: { u, s: 'ETHUSDT', b: '2683.80', B: '1.0', a: '2683.81', A: '2.0' } });
const T0_MS = Number(T0_NS / 1_000_000n);

describe('replay of the real Binance captures', () => {
  if (!haveCaptures) {
    it.runIf(process.env.CI === 'true')('has the captures (required under CI)', () => {
      expect(existsSync(CAPTURES), `the Binance captures are missing at ${CAPTURES}`).toBe(true);
    });
    it.skip(`the captures are not at ${CAPTURES}`, () => {});
    return;
  }

  let records: MarketRecord[];
  beforeAll(async () => {
    records = await collect(replayFeed({ files: [CAPTURES], speed: 'max' }));
  }, 60_000);

  const count = (type: MarketRecord['type'], symbol: string): number => records.filter((r) => r.type === type && r.symbol === symbol).length;

  it('yields every message of both days, by kind and symbol', () => {
    // The counts of the capture files (see their README): depth diffs, trades and bookTicker per symbol,
    // one REST snapshot each, less the two diffs per symbol the snapshot already contains.
    expect({
      btc: { snapshot: count('book_snapshot', 'BTCUSDT'), depth: count('book_change', 'BTCUSDT'), trades: count('trade', 'BTCUSDT'), tickers: count('ticker', 'BTCUSDT') },
      eth: { snapshot: count('book_snapshot', 'ETHUSDT'), depth: count('book_change', 'ETHUSDT'), trades: count('trade', 'ETHUSDT'), tickers: count('ticker', 'ETHUSDT') },
    }).toEqual({
      btc: { snapshot: 1, depth: 6493, trades: 19904, tickers: 73174 },
      eth: { snapshot: 1, depth: 6468, trades: 14515, tickers: 58758 },
    });
    expect(records).toHaveLength(1 + 6493 + 19904 + 73174 + 1 + 6468 + 14515 + 58758);
    expect(records.every((r) => r.exchange === 'binance')).toBe(true);
  });

  it('gives each book as live does: the snapshot first, then diffs chained by update id across both days', () => {
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const book = records.filter((r) => r.symbol === symbol && (r.type === 'book_snapshot' || r.type === 'book_change'));
      const snapshot = book[0];
      expect(snapshot.type).toBe('book_snapshot');
      if (snapshot.type !== 'book_snapshot') return;
      expect(snapshot).toMatchObject({ symbol, depth: 1000 });
      expect(snapshot.bids).toHaveLength(1000);
      const diffs = book.slice(1) as BookChangeRecord[];
      expect(diffs[0].firstUpdateId).toBeLessThanOrEqual(snapshot.lastUpdateId + 1);
      expect(diffs[0].lastUpdateId).toBeGreaterThanOrEqual(snapshot.lastUpdateId + 1);
      const gaps = diffs.slice(1).filter((d, i) => d.firstUpdateId !== diffs[i].lastUpdateId + 1);
      expect(gaps).toEqual([]);
    }
  });

  it('merges the four files in receive-time order, the second day after the first', () => {
    const backwards = records.filter((r, i) => i > 0 && r.localTime < records[i - 1].localTime);
    // Only the diffs held back for the snapshot are released behind it, a little earlier in time.
    expect(backwards.every((r) => r.type === 'book_change')).toBe(true);
    expect(backwards.length).toBeLessThanOrEqual(2);
    expect(records[0].localTime).toBeCloseTo(1723161254024.6196, 3);
    const boundary = Date.UTC(2024, 7, 9);
    const firstOfDay2 = records.findIndex((r) => r.localTime >= boundary);
    expect(records.slice(firstOfDay2).every((r) => r.localTime >= boundary)).toBe(true);
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const ids = records.filter((r) => r.type === 'trade' && r.symbol === symbol).map((r) => Number((r as { tradeId: string }).tradeId));
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]), `${symbol} trade ids rise`).toBe(true);
    }
  });

  it("normalizes a captured trade and the book's first lines exactly", () => {
    const firstTrade = records.find((r) => r.type === 'trade' && r.symbol === 'BTCUSDT');
    expect(firstTrade).toEqual({
      type: 'trade',
      exchange: 'binance',
      symbol: 'BTCUSDT',
      tradeId: '3735683259',
      price: '61837.63000000',
      quantity: '0.02000000',
      side: 'sell',
      exchangeTime: 1723161255342,
      localTime: 1723161254087.8965,
    });
  });

  it("with book 'captured', yields the raw stream: the diffs before the snapshot too", async () => {
    const raw = await collect(replayFeed({ files: [join(CAPTURES, 'ethusdt_20240808.gz')], speed: 'max', book: 'captured' }));
    expect(raw.filter((r) => r.type === 'book_change')).toHaveLength(3434);
    expect(raw.findIndex((r) => r.type === 'book_snapshot')).toBe(5);
  });

  it('gives the same records, in the same order, every time', async () => {
    const files = [join(CAPTURES, 'ethusdt_20240809.gz'), join(CAPTURES, 'btcusdt_20240809.gz')];
    const hash = async (): Promise<string> => {
      const h = createHash('sha256');
      let n = 0;
      for await (const r of replayFeed({ files, speed: 'max', book: 'captured' })) {
        h.update(JSON.stringify(r));
        if (++n === 40_000) break;
      }
      return `${n} ${h.digest('hex')}`;
    };
    const first = await hash();
    expect(await hash()).toBe(first);
    expect(first.startsWith('40000 ')).toBe(true);
  });

  it('replays only the symbols asked for', async () => {
    const eth = await collect(replayFeed({ files: [join(CAPTURES, 'ethusdt_20240808.gz'), join(CAPTURES, 'btcusdt_20240808.gz')], speed: 'max', symbols: ['ethusdt'] }));
    expect(new Set(eth.map((r) => r.symbol))).toEqual(new Set(['ETHUSDT']));
    expect(eth.filter((r) => r.type === 'trade')).toHaveLength(6106);
  });
});

describe('replay speed', () => {
  const lines = [at(0, trade(1, '100.00')), at(1000, trade(2, '100.01')), at(1500, trade(3, '100.02')), at(4000, trade(4, '100.03'))];

  async function releaseTimes(speed: number): Promise<number[]> {
    const clock = new ManualClock(5_000_000);
    const feed = replayFeed({ files: [writeFile('speed.gz', lines)], speed, clock })[Symbol.asyncIterator]();
    const times: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      let released = false;
      const next = feed.next().then((r) => {
        released = true;
        return r;
      });
      // Step the clock a millisecond at a time while the replay waits on it (not while it reads the file).
      for (let guard = 0; guard < 100_000 && !released; guard++) {
        await settle();
        if (!released && clock.pendingTimers > 0) clock.advance(1);
      }
      expect((await next).done).toBe(false);
      times.push(clock.now() - 5_000_000);
    }
    expect((await feed.next()).done).toBe(true);
    return times;
  }

  it('at 1× releases records as far apart as they were received', async () => {
    expect(await releaseTimes(1)).toEqual([0, 1000, 1500, 4000]);
  });

  it('at 10× releases them ten times closer together', async () => {
    expect(await releaseTimes(10)).toEqual([0, 100, 150, 400]);
  });

  it('at 0.5× releases them twice as far apart', async () => {
    expect(await releaseTimes(0.5)).toEqual([0, 2000, 3000, 8000]);
  });

  it("at 'max' releases everything without the clock moving", async () => {
    const clock = new ManualClock(5_000_000);
    const records = await collect(replayFeed({ files: [writeFile('max.gz', lines)], speed: 'max', clock }));
    expect(records.map((r) => (r.type === 'trade' ? r.price : ''))).toEqual(['100.00', '100.01', '100.02', '100.03']);
    expect(records.map((r) => r.localTime - T0_MS)).toEqual([0, 1000, 1500, 4000]);
    expect(clock.now()).toBe(5_000_000);
  });

  it('stops when its signal fires, even while waiting', async () => {
    const stop = new AbortController();
    const feed = replayFeed({ files: [writeFile('stop.gz', lines)], speed: 1, clock: new ManualClock(), signal: stop.signal })[Symbol.asyncIterator]();
    await feed.next();
    const waiting = feed.next();
    await settle();
    stop.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it('refuses a speed that is not positive', () => {
    expect(() => replayFeed({ files: [], speed: 0 })).toThrow(/speed must be a positive number or 'max', got 0/);
    expect(() => replayFeed({ files: [], speed: -2 })).toThrow(/speed/);
  });
});

describe('replay of several files', () => {
  it('merges by receive time; records of one instant keep the order of the files given', async () => {
    const a = writeFile('btcusdt_a.gz', [at(0, trade(1, '1.00')), at(20, trade(2, '1.01')), at(30, trade(3, '1.02'))]);
    const b = writeFile('ethusdt_b.gz', [at(10, bookTicker(1)), at(20, bookTicker(2)), at(40, bookTicker(3))]);
    const records = await collect(replayFeed({ files: [b, a], speed: 'max' }));
    expect(records.map((r) => `${r.type === 'trade' ? `t${r.tradeId}` : `k${(r as { updateId: number }).updateId}`}@${r.localTime - T0_MS}`)).toEqual([
      't1@0',
      'k1@10',
      'k2@20',
      't2@20',
      't3@30',
      'k3@40',
    ]);
  });

  it('reads plain (uncompressed) capture text as well as gzip', async () => {
    const plain = writeFile('btcusdt_plain.txt', [at(0, trade(7, '2.00'))], false);
    expect(await collect(replayFeed({ files: [plain], speed: 'max' }))).toMatchObject([{ type: 'trade', tradeId: '7', price: '2.00' }]);
  });

  it('takes the symbol of a REST snapshot from the file name when nothing before it names one', async () => {
    const snapshot = { lastUpdateId: 10, bids: [['1.00', '2.0']], asks: [['1.01', '3.0']] };
    const path = writeFile('solusdt_20240101.gz', [at(0, snapshot)]);
    expect(await collect(replayFeed({ files: [path], speed: 'max' }))).toMatchObject([{ type: 'book_snapshot', symbol: 'SOLUSDT', lastUpdateId: 10, depth: 1 }]);
  });

  it('says so when the files hold diffs for a book but never its snapshot', async () => {
    const diff = { stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 1723161255000, s: 'BTCUSDT', U: 5, u: 6, b: [['1.00', '1.0']], a: [] } };
    const path = writeFile('btcusdt_nosnap.gz', [at(0, diff), at(100, trade(1, '1.00'))]);
    const records = await collect(replayFeed({ files: [path], speed: 'max' }));
    expect(records.map((r) => r.type)).toEqual(['trade', 'feed_status']);
    expect(records[1]).toMatchObject({ symbol: 'BTCUSDT', state: 'down', reason: 'source_ended', detail: expect.stringMatching(/1 book changes held back/) });
    const raw = await collect(replayFeed({ files: [path], speed: 'max', book: 'captured' }));
    expect(raw.map((r) => r.type)).toEqual(['book_change', 'trade']);
  });
});

describe('bad files', () => {
  it('a truncated gzip file: the lines before the break, then an error naming the file and the line', async () => {
    const whole = gzipSync(Array.from({ length: 5000 }, (_, i) => `${at(i, trade(i + 1, '100.00'))}\n`).join(''));
    const path = join(dir, 'btcusdt_truncated.gz');
    writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
    const { records, error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect(error).toBeInstanceOf(CaptureFileError);
    const e = error as CaptureFileError;
    expect(e.file).toBe(path);
    expect(e.line).toBe(records.length + 1);
    expect(e.message).toBe(`${path}:${records.length + 1}: the gzip data stops short (a truncated file); the lines before this one were read`);
    expect(records.length).toBeGreaterThan(100);
    expect(records.map((r) => (r.type === 'trade' ? Number(r.tradeId) : 0))).toEqual(Array.from({ length: records.length }, (_, i) => i + 1));
  });

  it.skipIf(!haveCaptures)('a real capture cut short fails the same way', async () => {
    const whole = readFileSync(join(CAPTURES, 'ethusdt_20240808.gz'));
    const path = join(dir, 'ethusdt_cut.gz');
    writeFileSync(path, whole.subarray(0, 300_000));
    const { records, error } = await collectUntilError(replayFeed({ files: [path], speed: 'max', book: 'captured' }));
    expect(error).toBeInstanceOf(CaptureFileError);
    expect((error as CaptureFileError).message).toMatch(new RegExp(`^${path}:${records.length + 1}: the gzip data stops short`));
  });

  it('corrupt gzip data: an error naming the file and the line where reading stopped', async () => {
    const whole = gzipSync(Array.from({ length: 3000 }, (_, i) => `${at(i, trade(i + 1, '100.00'))}\n`).join(''));
    const damaged = Buffer.from(whole);
    for (let i = 2000; i < 2100; i++) damaged[i] ^= 0x5a;
    const path = join(dir, 'btcusdt_corrupt.gz');
    writeFileSync(path, damaged);
    const { records, error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect(error).toBeInstanceOf(CaptureFileError);
    // Damaged deflate data either fails to inflate or inflates to garbage that no line format accepts.
    expect((error as CaptureFileError).message).toMatch(new RegExp(`^${path}:${records.length + 1}: (corrupt gzip data|not a capture line)`));
  });

  it('a garbage line in a capture: the records before it, then an error naming the file and the line', async () => {
    const path = writeFile('btcusdt_garbage.gz', [at(0, trade(1, '1.00')), at(1, trade(2, '1.00')), 'this is not a capture line', at(3, trade(3, '1.00'))]);
    const { records, error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect(records).toHaveLength(2);
    expect(error).toBeInstanceOf(CaptureFileError);
    expect((error as Error).message).toBe(`${path}:3: not a capture line ("<receive time in ns> <JSON>"): "this is not a capture line"`);
  });

  it('a capture line whose message Binance would not send: the parse reason, file and line', async () => {
    const bad = { stream: 'btcusdt@trade', data: { e: 'trade', E: 1, s: 'BTCUSDT', t: 1, p: 'abc', q: '1', T: 1, m: true, M: true } };
    const path = writeFile('btcusdt_badfield.gz', [at(0, trade(1, '1.00')), at(1, bad)]);
    const { error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect((error as Error).message).toBe(`${path}:2: invalid_field: trade: "p" must be a positive decimal`);
  });

  it('broken JSON in a capture line: file and line', async () => {
    const path = writeFile('btcusdt_json.gz', [at(0, trade(1, '1.00')), `${T0_NS} {"stream":"btcusdt@trade","data":{`]);
    const { error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect((error as Error).message).toMatch(new RegExp(`^${path}:2: not JSON`));
  });

  it('a file that is neither kind: file and line 1', async () => {
    const path = writeFile('notes.txt', ['hello', 'world'], false);
    const { error } = await collectUntilError(replayFeed({ files: [path], speed: 'max' }));
    expect((error as Error).message).toMatch(new RegExp(`^${path}:1: neither a Binance capture .* nor a ${RECORDING_FORMAT} recording`));
  });

  it('a recording with a bad record, or of a version this build does not read: file and line', async () => {
    const header = JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, source: 'test', openedAt: 0 });
    const good = { type: 'trade', exchange: 'x', symbol: 'BTCUSDT', tradeId: '1', price: '1.00', quantity: '1', side: 'buy', exchangeTime: 1, localTime: 1 };
    const badPrice = writeFile('rec-bad.jsonl.gz', [header, JSON.stringify(good), JSON.stringify({ ...good, price: '1e5' })]);
    const r1 = await collectUntilError(replayFeed({ files: [badPrice], speed: 'max' }));
    expect(r1.records).toHaveLength(1);
    expect((r1.error as Error).message).toBe(`${badPrice}:3: not a market-data record: price: a plain unsigned decimal`);
    const unknownType = writeFile('rec-type.jsonl.gz', [header, JSON.stringify({ ...good, type: 'quote' })]);
    expect((await collectUntilError(replayFeed({ files: [unknownType], speed: 'max' }))).error).toBeInstanceOf(CaptureFileError);
    const future = writeFile('rec-v9.jsonl.gz', [JSON.stringify({ format: RECORDING_FORMAT, version: 9, source: 'test', openedAt: 0 }), JSON.stringify(good)]);
    expect(((await collectUntilError(replayFeed({ files: [future], speed: 'max' }))).error as Error).message).toBe(
      `${future}:1: recording format version 9; this build reads version ${RECORDING_VERSION}`,
    );
  });

  it('a missing file or an empty directory: a clear error, not a crash', async () => {
    const missing = join(dir, 'nope.gz');
    const r = await collectUntilError(replayFeed({ files: [missing], speed: 'max' }));
    expect(r.error).toBeInstanceOf(CaptureFileError);
    expect((r.error as Error).message).toMatch(new RegExp(`^${missing}: cannot open: ENOENT`));
    const empty = mkdtempSync(join(dir, 'empty-'));
    expect(((await collectUntilError(replayFeed({ files: [empty], speed: 'max' }))).error as Error).message).toMatch(/holds no capture or recording files/);
  });

  it('readCaptureFile stops reading when its reader does', async () => {
    const path = writeFile('btcusdt_many.gz', Array.from({ length: 2000 }, (_, i) => at(i, trade(i + 1, '1.00'))));
    const it = readCaptureFile(path);
    expect((await it.next()).value).toMatchObject({ tradeId: '1' });
    expect(await it.return(undefined)).toEqual({ done: true, value: undefined });
  });
});
