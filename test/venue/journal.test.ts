import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeRecord,
  encodeSegmentHeader,
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  segmentName,
} from '../../src/venue/journal-format.js';
import { JournalCorruptError, type JournalRecord, JournalWriteError, JournalWriter, readJournal } from '../../src/venue/journal.js';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crucible-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2024, 0, 2, 14, 30);
/** A payload whose size varies with seq, so record boundaries do not fall on a pattern. */
const payloadOf = (seq: number): Buffer => Buffer.from(JSON.stringify({ kind: 'new', seq, pad: 'x'.repeat((seq * 7) % 61) }));
const typeOf = (seq: number): number => seq % 4;
const timeOf = (seq: number): number => T0 + seq * 0.25;

async function writeJournal(dir: string, from: number, to: number, options: { segmentBytes?: number; fsync?: 'batch' | 'off' } = {}): Promise<JournalWriter> {
  const writer = JournalWriter.open({ dir, fsync: options.fsync ?? 'off', ...(options.segmentBytes !== undefined ? { segmentBytes: options.segmentBytes } : {}) });
  for (let seq = from; seq <= to; seq++) writer.append(seq, timeOf(seq), typeOf(seq), payloadOf(seq));
  await writer.close();
  return writer;
}

function readAll(dir: string, options: { afterSeq?: number; truncate?: boolean } = {}): { records: JournalRecord[]; report: ReturnType<typeof readJournal> } {
  const records: JournalRecord[] = [];
  const report = readJournal(dir, { ...options, onRecord: (r) => records.push(r) });
  return { records, report };
}

function expectRecords(records: readonly JournalRecord[], from: number, to: number): void {
  expect(records.length).toBe(Math.max(0, to - from + 1));
  records.forEach((r, i) => {
    const seq = from + i;
    expect(r.seq).toBe(seq);
    expect(r.time).toBe(timeOf(seq));
    expect(r.type).toBe(typeOf(seq));
    expect(r.payload.equals(payloadOf(seq))).toBe(true);
  });
}

/** File offset of each record in a single-segment journal holding seq 1..n. */
function recordOffsets(n: number): number[] {
  const offsets: number[] = [];
  let at = SEGMENT_HEADER_BYTES;
  for (let seq = 1; seq <= n; seq++) {
    offsets.push(at);
    at += RECORD_HEADER_BYTES + payloadOf(seq).length;
  }
  offsets.push(at);
  return offsets;
}

const segmentsIn = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('journal-')).sort();

function flipBit(file: string, offset: number, bit = 0): void {
  const bytes = readFileSync(file);
  bytes[offset] ^= 1 << bit;
  writeFileSync(file, bytes);
}

function corruptError(fn: () => unknown): JournalCorruptError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(JournalCorruptError);
    return e as JournalCorruptError;
  }
  throw new Error('expected JournalCorruptError');
}

describe('journal: round trip', () => {
  it('reads back every record as appended, in order', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 500);
    const { records, report } = readAll(dir);
    expectRecords(records, 1, 500);
    expect(report).toEqual({ records: 500, lastSeq: 500, segments: 1 });
    expect(segmentsIn(dir)).toEqual([segmentName(1)]);
  });

  it('delivers only records after afterSeq, and reports the last sequence number of the journal', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 100);
    const { records, report } = readAll(dir, { afterSeq: 60 });
    expectRecords(records, 61, 100);
    expect(report.records).toBe(40);
    expect(report.lastSeq).toBe(100);
    expect(readAll(dir, { afterSeq: 100 }).records).toEqual([]);
  });

  it('keeps empty and large payloads and every record type', async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir });
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    writer.append(1, 1.5, 0, Buffer.alloc(0));
    writer.append(2, 2.5, 255, big);
    writer.append(3, -0.5, 17, Buffer.from('after'));
    await writer.close();
    const { records } = readAll(dir);
    expect(records.map((r) => [r.seq, r.time, r.type, r.payload.length])).toEqual([
      [1, 1.5, 0, 0],
      [2, 2.5, 255, big.length],
      [3, -0.5, 17, 5],
    ]);
    expect(records[1].payload.equals(big)).toBe(true);
  });

  it('hands out payloads the receiver may keep', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 1000);
    const { records } = readAll(dir);
    // Kept until the end of the read, then compared: a view into a reused buffer would have changed.
    expectRecords(records, 1, 1000);
  });

  it('reopens and continues after the last record', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 50);
    const writer = JournalWriter.open({ dir });
    expect(writer.lastAppendedSeq).toBe(50);
    expect(writer.durableSeq).toBe(50);
    expect(() => writer.append(52, 0, 0, Buffer.alloc(1))).toThrow(/seq 52 is not 51/);
    for (let seq = 51; seq <= 80; seq++) writer.append(seq, timeOf(seq), typeOf(seq), payloadOf(seq));
    await writer.close();
    expectRecords(readAll(dir).records, 1, 80);
    expect(segmentsIn(dir)).toEqual([segmentName(1)]);
  });

  it('starts an empty journal at the first record appended', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1001, 1010);
    expect(segmentsIn(dir)).toEqual([segmentName(1001)]);
    expectRecords(readAll(dir, { afterSeq: 1000 }).records, 1001, 1010);
    // Asked for everything, it cannot give 1..1000: that is a gap, not an empty start.
    expect(corruptError(() => readJournal(dir)).message).toMatch(/sequence gap/);
  });

  it('reads an empty or missing directory as an empty journal', () => {
    const dir = tempDir();
    expect(readJournal(dir)).toEqual({ records: 0, lastSeq: 0, segments: 0 });
    expect(readJournal(join(dir, 'none'))).toEqual({ records: 0, lastSeq: 0, segments: 0 });
  });

  it('ignores files that are not segments', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 5);
    writeFileSync(join(dir, 'snapshot-5.json'), '{}');
    writeFileSync(join(dir, 'journal-1.log'), 'not a padded name');
    expectRecords(readAll(dir).records, 1, 5);
  });
});

describe('journal: torn tail', () => {
  const N = 12;

  async function tornCopy(base: string, cutAt: number): Promise<string> {
    const dir = tempDir();
    for (const name of segmentsIn(base)) copyFileSync(join(base, name), join(dir, name));
    truncateSync(join(dir, segmentName(1)), cutAt);
    return dir;
  }

  it('reports a cut anywhere inside the last record, truncates to the last whole one, and the journal continues', async () => {
    const base = tempDir();
    await writeJournal(base, 1, N);
    const offsets = recordOffsets(N);
    const last = offsets[N - 1];
    const end = offsets[N];
    expect(statSync(join(base, segmentName(1))).size).toBe(end);
    // Every byte of the last record: inside the checksum, just after it, inside the length, just
    // after the length, inside seq, time and type, just after the record header, inside the payload.
    for (let cut = last + 1; cut < end; cut++) {
      const dir = await tornCopy(base, cut);
      const { records, report } = readAll(dir);
      expectRecords(records, 1, N - 1);
      expect(report.lastSeq).toBe(N - 1);
      expect(report.truncatedTail).toMatchObject({ file: join(dir, segmentName(1)), offset: last, bytes: cut - last });
      // Reading without truncate changes nothing, and a writer refuses to write after damage.
      expect(statSync(join(dir, segmentName(1))).size).toBe(cut);
      expect(() => JournalWriter.open({ dir })).toThrow(JournalCorruptError);

      const repaired = readAll(dir, { truncate: true });
      expect(repaired.report.truncatedTail?.offset).toBe(last);
      expect(statSync(join(dir, segmentName(1))).size).toBe(last);
      expect(readJournal(dir)).toEqual({ records: N - 1, lastSeq: N - 1, segments: 1 });
      await writeJournal(dir, N, N + 3);
      expectRecords(readAll(dir).records, 1, N + 3);
      rmSync(dir, { recursive: true });
    }
  });

  it('a cut exactly between records is a clean end, not a torn tail', async () => {
    const base = tempDir();
    await writeJournal(base, 1, N);
    const dir = await tornCopy(base, recordOffsets(N)[N - 1]);
    const { report } = readAll(dir);
    expect(report).toEqual({ records: N - 1, lastSeq: N - 1, segments: 1 });
  });

  it('a segment whose header is torn holds nothing; truncate removes it and the writer starts it again', async () => {
    const base = tempDir();
    await writeJournal(base, 1, 20, { segmentBytes: 600 });
    const names = segmentsIn(base);
    expect(names.length).toBeGreaterThan(2);
    const lastName = names[names.length - 1];
    const previousLast = Number(lastName.slice(8, 28)) - 1;
    for (const cut of [0, 1, 8, 16, SEGMENT_HEADER_BYTES - 1]) {
      const dir = tempDir();
      for (const name of names) copyFileSync(join(base, name), join(dir, name));
      truncateSync(join(dir, lastName), cut);
      const { records, report } = readAll(dir);
      expectRecords(records, 1, previousLast);
      expect(report.lastSeq).toBe(previousLast);
      expect(report.truncatedTail).toMatchObject({ file: join(dir, lastName), offset: 0, bytes: cut });
      readJournal(dir, { truncate: true });
      expect(segmentsIn(dir)).toEqual(names.slice(0, -1));
      await writeJournal(dir, previousLast + 1, 25, { segmentBytes: 600 });
      expectRecords(readAll(dir).records, 1, 25);
    }
  });

  it('zeros after the last whole record (a crash after the file grew, before its data landed) are a torn tail', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, N);
    const file = join(dir, segmentName(1));
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(4096)]));
    const { records, report } = readAll(dir, { truncate: true });
    expectRecords(records, 1, N);
    expect(report.truncatedTail).toMatchObject({ offset: recordOffsets(N)[N], bytes: 4096 });
    expect(statSync(file).size).toBe(recordOffsets(N)[N]);
  });
});

describe('journal: corruption', () => {
  const N = 12;

  it('a flipped bit in a middle record throws with its offset, after delivering only the records before it', async () => {
    const offsets = recordOffsets(N);
    const middle = 6; // seq 6
    const start = offsets[middle - 1];
    const end = offsets[middle];
    // Checksum, length (low and high bits), seq, time, type, payload.
    const targets: [number, number][] = [
      [start, 3],
      [start + 4, 0],
      [start + 4, 5],
      [start + 7, 7],
      [start + 8, 0],
      [start + 17, 2],
      [start + 24, 1],
      [start + 25, 4],
      [end - 1, 6],
    ];
    for (const [offset, bit] of targets) {
      const dir = tempDir();
      await writeJournal(dir, 1, N);
      const file = join(dir, segmentName(1));
      flipBit(file, offset, bit);
      const delivered: number[] = [];
      const error = corruptError(() => readJournal(dir, { truncate: true, onRecord: (r) => delivered.push(r.seq) }));
      expect(error.code).toBe('JOURNAL_CORRUPT');
      expect(error.file).toBe(file);
      expect(error.offset).toBe(start);
      expect(delivered).toEqual([1, 2, 3, 4, 5]);
      // truncate never cuts into a journal whose damage is not at its end.
      expect(statSync(file).size).toBe(offsets[N]);
    }
  });

  it('a flipped bit in the last record is a torn tail', async () => {
    const offsets = recordOffsets(N);
    for (const offset of [offsets[N - 1], offsets[N - 1] + 4, offsets[N - 1] + 30, offsets[N] - 1]) {
      const dir = tempDir();
      await writeJournal(dir, 1, N);
      flipBit(join(dir, segmentName(1)), offset);
      const { records, report } = readAll(dir);
      expectRecords(records, 1, N - 1);
      expect(report.truncatedTail).toMatchObject({ offset: offsets[N - 1], bytes: offsets[N] - offsets[N - 1], reason: expect.stringMatching(/checksum|cut off/) });
    }
  });

  it('damage in a segment that is not the last throws, even at its end', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 30, { segmentBytes: 600 });
    const names = segmentsIn(dir);
    const first = join(dir, names[0]);
    const size = statSync(first).size;
    flipBit(first, size - 1);
    const error = corruptError(() => readJournal(dir, { truncate: true }));
    expect(error.file).toBe(first);
    expect(error.message).toMatch(/not the last segment/);
    expect(statSync(first).size).toBe(size);

    const dir2 = tempDir();
    await writeJournal(dir2, 1, 30, { segmentBytes: 600 });
    const second = join(dir2, segmentsIn(dir2)[1]);
    truncateSync(second, statSync(second).size - 3);
    expect(corruptError(() => readJournal(dir2)).file).toBe(second);
  });

  it('a damaged segment header before the last segment throws', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 30, { segmentBytes: 600 });
    const second = join(dir, segmentsIn(dir)[1]);
    flipBit(second, 20);
    const error = corruptError(() => readJournal(dir));
    expect(error.file).toBe(second);
    expect(error.offset).toBe(0);
  });

  it('a damaged header on a last segment that holds records throws instead of dropping them', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, N);
    flipBit(join(dir, segmentName(1)), 9);
    expect(corruptError(() => readJournal(dir, { truncate: true })).offset).toBe(0);
    expect(segmentsIn(dir)).toEqual([segmentName(1)]);
  });
});

describe('journal: segments and sequence', () => {
  it('rotates at the size limit and reads across segments', async () => {
    const dir = tempDir();
    const segmentBytes = 2048;
    await writeJournal(dir, 1, 400, { segmentBytes });
    const names = segmentsIn(dir);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      const size = statSync(join(dir, name)).size;
      expect(size).toBeLessThanOrEqual(segmentBytes);
      expect(size).toBeGreaterThan(SEGMENT_HEADER_BYTES);
    }
    // Each segment is named after its first record, and they follow on.
    const firsts = names.map((n) => Number(n.slice(8, 28)));
    expect(firsts[0]).toBe(1);
    const { records, report } = readAll(dir);
    expectRecords(records, 1, 400);
    expect(report).toEqual({ records: 400, lastSeq: 400, segments: names.length });
    for (const first of firsts) expect(records[first - 1].seq).toBe(first);
  });

  it('skips segments wholly before afterSeq', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 400, { segmentBytes: 2048 });
    const names = segmentsIn(dir);
    const firsts = names.map((n) => Number(n.slice(8, 28)));
    const k = Math.floor(names.length / 2);
    const afterSeq = firsts[k] + 2;
    // A damaged segment that is skipped cannot stop recovery after a snapshot.
    flipBit(join(dir, names[1]), 100);
    const { records, report } = readAll(dir, { afterSeq });
    expectRecords(records, afterSeq + 1, 400);
    expect(report.segments).toBe(names.length - k);
    // Older segments can be deleted once a snapshot covers them.
    for (const name of names.slice(0, k)) rmSync(join(dir, name));
    expectRecords(readAll(dir, { afterSeq }).records, afterSeq + 1, 400);
    expect(corruptError(() => readJournal(dir, { afterSeq: firsts[k] - 5 })).message).toMatch(/sequence gap/);
  });

  it('a missing segment in the middle is a gap', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 200, { segmentBytes: 2048 });
    const names = segmentsIn(dir);
    rmSync(join(dir, names[3]));
    const delivered: number[] = [];
    const error = corruptError(() => readJournal(dir, { onRecord: (r) => delivered.push(r.seq) }));
    expect(error.message).toMatch(/sequence gap/);
    expect(error.file).toBe(join(dir, names[4]));
    expect(delivered.at(-1)).toBe(Number(names[4 - 1].slice(8, 28)) - 1);
  });

  it('a gap inside a segment throws at the record after it', () => {
    const dir = tempDir();
    const records = [1, 2, 3, 5, 6];
    const parts = [encodeSegmentHeader(1, T0, 1)];
    const offsets: number[] = [];
    let at = SEGMENT_HEADER_BYTES;
    for (const seq of records) {
      const b = Buffer.alloc(RECORD_HEADER_BYTES + payloadOf(seq).length);
      encodeRecord(b, 0, seq, timeOf(seq), typeOf(seq), payloadOf(seq));
      parts.push(b);
      offsets.push(at);
      at += b.length;
    }
    writeFileSync(join(dir, segmentName(1)), Buffer.concat(parts));
    const delivered: number[] = [];
    const error = corruptError(() => readJournal(dir, { truncate: true, onRecord: (r) => delivered.push(r.seq) }));
    expect(error.message).toMatch(/sequence gap: expected 4, found 5/);
    expect(error.offset).toBe(offsets[3]);
    expect(delivered).toEqual([1, 2, 3]);
  });

  it('a segment whose name disagrees with its header throws', async () => {
    const dir = tempDir();
    await writeJournal(dir, 1, 5);
    const moved = join(dir, segmentName(2));
    copyFileSync(join(dir, segmentName(1)), moved);
    rmSync(join(dir, segmentName(1)));
    expect(corruptError(() => readJournal(dir)).message).toMatch(/name says 2/);
  });

  it('refuses appends out of sequence and values the format cannot hold', async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir, fsync: 'off' });
    expect(() => writer.append(0, 0, 0, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => writer.append(1.5, 0, 0, Buffer.alloc(0))).toThrow(RangeError);
    writer.append(1, 0, 0, Buffer.alloc(0));
    expect(() => writer.append(1, 0, 0, Buffer.alloc(0))).toThrow(/seq 1 is not 2/);
    expect(() => writer.append(3, 0, 0, Buffer.alloc(0))).toThrow(/seq 3 is not 2/);
    expect(() => writer.append(2, Number.NaN, 0, Buffer.alloc(0))).toThrow(/time/);
    expect(() => writer.append(2, 0, 256, Buffer.alloc(0))).toThrow(/type/);
    expect(() => writer.append(2, 0, -1, Buffer.alloc(0))).toThrow(/type/);
    expect(writer.lastAppendedSeq).toBe(1);
    await writer.close();
    expect(readJournal(dir).lastSeq).toBe(1);
  });
});

describe('journal: group commit', () => {
  it("in 'batch' mode a burst of appends shares a few fsyncs", async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir });
    const durable: number[] = [];
    writer.onDurable((seq) => durable.push(seq));
    for (let seq = 1; seq <= 30_000; seq++) writer.append(seq, timeOf(seq), typeOf(seq), payloadOf(seq));
    expect(writer.durableSeq).toBe(0);
    await writer.flush();
    expect(writer.durableSeq).toBe(30_000);
    const stats = writer.stats;
    expect(stats.records).toBe(30_000);
    // The first batch leaves at maxBatchBytes (1 MiB); everything after it waits for that one fsync.
    expect(stats.batches).toBe(2);
    // One fdatasync per batch, one fsync of the directory for the new segment.
    expect(stats.fsyncs).toBe(3);
    expect(stats.fsyncMicrosTotal).toBeGreaterThanOrEqual(stats.fsyncMicros);
    expect(durable).toEqual([durable[0], 30_000]);
    await writer.close();
    expect(stats.bytes).toBe(statSync(join(dir, segmentName(1))).size);
  });

  it('a small batch waits up to maxBatchDelayMs, then goes in one write', async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir, maxBatchDelayMs: 5 });
    for (let seq = 1; seq <= 50; seq++) writer.append(seq, 0, 0, payloadOf(seq));
    const durable = await new Promise<number>((resolve) => writer.onDurable(resolve));
    expect(durable).toBe(50);
    expect(writer.stats.batches).toBe(1);
    await writer.close();
  });

  it("in 'off' mode it writes without fsync", async () => {
    const dir = tempDir();
    const writer = await writeJournal(dir, 1, 1000, { fsync: 'off' });
    expect(writer.stats.fsyncs).toBe(0);
    expect(writer.stats.records).toBe(1000);
  });

  it('appends made while a batch is in flight keep their order, and durableSeq only rises', async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir, maxBatchBytes: 1000, maxBatchDelayMs: 0 });
    const durable: number[] = [];
    let seq = 0;
    const appendSome = (n: number): void => {
      for (let i = 0; i < n; i++) {
        seq++;
        writer.append(seq, timeOf(seq), typeOf(seq), payloadOf(seq));
      }
    };
    writer.onDurable((d) => {
      durable.push(d);
      // From the listener, i.e. while the next batch is already being written.
      if (seq < 3000) appendSome(37);
    });
    appendSome(100);
    for (let round = 0; round < 40; round++) {
      appendSome(13);
      await new Promise((r) => setImmediate(r));
    }
    while (seq < 3000) await new Promise((r) => setTimeout(r, 1));
    await writer.close();
    expect(writer.durableSeq).toBe(seq);
    expect(writer.stats.batches).toBeLessThan(seq);
    for (let i = 1; i < durable.length; i++) expect(durable[i]).toBeGreaterThan(durable[i - 1]);
    expectRecords(readAll(dir).records, 1, seq);
  });

  it('flush waits for the current and the pending batch; close flushes; appends after close throw', async () => {
    const dir = tempDir();
    const writer = JournalWriter.open({ dir, maxBatchDelayMs: 10_000 });
    writer.append(1, 0, 0, payloadOf(1));
    // flush does not wait out the batch delay.
    await writer.flush();
    expect(writer.durableSeq).toBe(1);
    writer.append(2, 0, 0, payloadOf(2));
    const closing = writer.close();
    expect(() => writer.append(3, 0, 0, payloadOf(3))).toThrow(/closed/);
    await closing;
    await writer.close();
    await writer.flush();
    expect(writer.durableSeq).toBe(2);
    expect(() => writer.append(3, 0, 0, payloadOf(3))).toThrow(/closed/);
    expect(readJournal(dir).lastSeq).toBe(2);
  });

  it('a failed write stops the journal: onError is told, durableSeq stays, flush rejects, appends throw', async () => {
    const root = tempDir();
    const dir = join(root, 'journal');
    const writer = JournalWriter.open({ dir });
    const errors: Error[] = [];
    writer.onError((e) => errors.push(e));
    const durable: number[] = [];
    writer.onDurable((d) => durable.push(d));
    // The directory vanishes, so creating the first segment fails.
    rmSync(dir, { recursive: true });
    writer.append(1, 0, 0, payloadOf(1));
    await expect(writer.flush()).rejects.toBeInstanceOf(JournalWriteError);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JournalWriteError);
    expect((errors[0] as JournalWriteError).code).toBe('JOURNAL_WRITE_FAILED');
    expect(errors[0].message).toMatch(/ENOENT/);
    expect(writer.durableSeq).toBe(0);
    expect(durable).toEqual([]);
    expect(() => writer.append(2, 0, 0, payloadOf(2))).toThrow(JournalWriteError);
    await expect(writer.close()).rejects.toBeInstanceOf(JournalWriteError);
    // A listener that arrives late still hears about it.
    const late = await new Promise<Error>((resolve) => writer.onError(resolve));
    expect(late).toBe(errors[0]);
  });

  it('creates the directory, parents included', async () => {
    const root = tempDir();
    const dir = join(root, 'a', 'b', 'journal');
    await writeJournal(dir, 1, 3, { fsync: 'batch' });
    expectRecords(readAll(dir).records, 1, 3);
  });
});

// ---------------------------------------------------------------------------------------------
// kill -9

/** The journal modules as JavaScript in `dir`, for a child process to import. */
function compileJournalInto(dir: string): void {
  // The same folder layout as src/, so the modules' relative imports resolve.
  for (const file of ['venue/journal.ts', 'venue/journal-format.ts', 'shared/durable-files.ts']) {
    const source = readFileSync(join(projectRoot, 'src', file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
}

// Recovers the journal the way the venue will (truncate a torn tail, open, continue), then appends
// as fast as the journal takes them, printing every durableSeq it is told, until killed.
const CHILD = `
import { writeSync } from 'node:fs';
import { JournalWriter, readJournal } from './venue/journal.js';
const dir = process.argv[2];
const { lastSeq } = readJournal(dir, { truncate: true });
const writer = JournalWriter.open({ dir, segmentBytes: 1 << 20 });
writer.onDurable((seq) => writeSync(1, seq + '\\n'));
writer.onError((e) => { writeSync(2, String(e) + '\\n'); process.exit(3); });
const payload = (seq) => Buffer.from(JSON.stringify({ kind: 'new', seq, pad: 'x'.repeat((seq * 7) % 61) }));
let seq = lastSeq;
writeSync(1, 'start ' + lastSeq + '\\n');
for (;;) {
  if (seq - writer.durableSeq < 50000) {
    for (let i = 0; i < 500; i++) { seq++; writer.append(seq, seq * 0.25, seq % 4, payload(seq)); }
  }
  await new Promise((r) => setImmediate(r));
}
`;

describe('journal: kill -9', () => {
  it('after SIGKILL every record up to the last durableSeq reported is in the journal, and the journal continues', async () => {
    const dir = tempDir();
    const code = join(dir, 'child');
    const journal = join(dir, 'journal');
    mkdirSync(code);
    compileJournalInto(code);
    writeFileSync(join(code, 'child.mjs'), CHILD);

    let previous = 0;
    for (let round = 0; round < 4; round++) {
      const child: ChildProcess = spawn(process.execPath, [join(code, 'child.mjs'), journal], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = once(child, 'exit');
      // Wait (bounded) until it is appending and has been told of a durable batch, then a random while more.
      const deadline = Date.now() + 15_000;
      while (!/\n\d+\n/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      expect(child.exitCode, err).toBe(null);
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 200)));
      child.kill('SIGKILL');
      const [exitCode, signal] = await exited;
      expect(exitCode).toBe(null);
      expect(signal).toBe('SIGKILL');

      const lines = out.split('\n');
      lines.pop(); // a line the kill cut short proves nothing
      expect(lines[0]).toBe(`start ${previous}`);
      const printed = lines.slice(1).map(Number);
      const lastPrinted = printed.at(-1)!;
      expect(lastPrinted).toBeGreaterThan(previous);

      let expected = 1;
      const wrong: number[] = [];
      const report = readJournal(journal, {
        truncate: true,
        onRecord: (r) => {
          if (r.seq !== expected || ((r.seq % 997 === 0 || r.seq > lastPrinted - 5) && !r.payload.equals(payloadOf(r.seq)))) wrong.push(r.seq);
          expected++;
        },
      });
      expect(wrong).toEqual([]);
      expect(report.lastSeq).toBeGreaterThanOrEqual(lastPrinted);
      expect(report.records).toBe(report.lastSeq);
      previous = report.lastSeq;
    }
    expect(segmentsIn(journal).length).toBeGreaterThan(1);
  });
});
