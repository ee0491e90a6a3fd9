// The write-ahead journal: every sequenced command is appended here before anything observes its
// effects, and the venue acknowledges a command only once the journal reports it durable. After a
// crash, reading the journal back (after the last snapshot) and applying the records in order
// rebuilds the books.
//
// Writing uses group commit. Appends are synchronous and only encode into memory; the bytes reach
// the file in batches, each with one write and one fdatasync, and one batch at a time: while a
// batch is on its way to the disk the next one accumulates, so under load a batch holds everything
// that arrived during the previous fsync and the fsync cost is shared by all of it. Order is
// preserved because there is never more than one write in flight.
//
// The byte layout is in journal-format.ts and docs/JOURNAL.md.
import {
  closeSync,
  close as closeFd,
  fdatasync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  open as openFd,
  openSync,
  readSync,
  unlinkSync,
  writev,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  checkRecord,
  DAMAGED,
  decodeSegmentHeader,
  encodeRecord,
  encodeSegmentHeader,
  INCOMPLETE,
  JournalCorruptError,
  listSegments,
  MAX_PAYLOAD_BYTES,
  R_LENGTH,
  RECORD_HEADER_BYTES,
  recordSeq,
  recordTime,
  recordType,
  SEGMENT_HEADER_BYTES,
  type SegmentFile,
  segmentName,
} from './journal-format.js';
import { syncDir } from '../shared/durable-files.js';

export { JournalCorruptError } from './journal-format.js';

export type FsyncMode = 'batch' | 'off';

export interface JournalOptions {
  readonly dir: string;
  /** 'batch' (default): fdatasync after every batch; 'off': write only (benchmarks, tests). */
  readonly fsync?: FsyncMode;
  /** How long the first append into an idle journal waits for company (default 1 ms). */
  readonly maxBatchDelayMs?: number;
  /** A batch this big is written at once, without waiting for the delay (default 1 MiB). */
  readonly maxBatchBytes?: number;
  /** A segment file is closed and the next one started when a record would take it past this (default 256 MiB). */
  readonly segmentBytes?: number;
}

export interface JournalRecord {
  readonly seq: number;
  /** The time the sequencer stamped, epoch milliseconds. */
  readonly time: number;
  /** The caller's record type, 0 to 255. */
  readonly type: number;
  /** The caller's bytes, a copy the receiver may keep. */
  readonly payload: Buffer;
}

export interface TruncatedTail {
  readonly file: string;
  /** Where the last whole record ends: what the file is (or would be) cut to. */
  readonly offset: number;
  /** Bytes from `offset` to the end of the file. */
  readonly bytes: number;
  readonly reason: string;
}

export interface RecoveryReport {
  /** Records delivered (those with seq > afterSeq). */
  readonly records: number;
  /**
   * Sequence number of the journal's last whole record, delivered or not; for a last segment that
   * holds no record yet, its first sequence number less one; 0 for an empty journal.
   */
  readonly lastSeq: number;
  /** Segment files read. */
  readonly segments: number;
  readonly truncatedTail?: TruncatedTail;
}

export interface ReadJournalOptions {
  /** Deliver only records after this one (the snapshot's sequence number). Default 0: all. */
  readonly afterSeq?: number;
  /** Cut a torn tail off the last segment (a segment with a torn header is removed). */
  readonly truncate?: boolean;
  readonly onRecord?: (record: JournalRecord) => void;
}

const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
const DEFAULT_MAX_BATCH_DELAY_MS = 1;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Reads every whole record with seq > afterSeq, in order, synchronously (recovery runs before the
 * venue serves anyone, and a synchronous loop over large reads is the fastest way through).
 *
 * Damage at the end of the last segment is what a crash during a write leaves: it is reported as
 * `truncatedTail`, and cut off when `truncate` is set. Damage anywhere else, including in the last
 * segment when a whole record still follows it, means bytes that had been made durable changed:
 * that throws JournalCorruptError naming the file and offset, after delivering only the records
 * before it. Sequence numbers must run on without gaps, across segments too; a gap throws.
 *
 * Segments wholly at or before `afterSeq` are not read at all, so recovery after a snapshot costs
 * only the journal written since.
 */
export function readJournal(dir: string, options: ReadJournalOptions = {}): RecoveryReport {
  const afterSeq = options.afterSeq ?? 0;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new RangeError(`afterSeq must be a non-negative integer, got ${afterSeq}`);
  const segments = listSegments(dir);
  if (segments.length === 0) return { records: 0, lastSeq: 0, segments: 0 };

  let start = 0;
  while (start + 1 < segments.length && segments[start + 1].firstSeq <= afterSeq + 1) start++;

  const reader = new ChunkReader();
  let records = 0;
  let lastSeq = 0;
  let expected: number | undefined;
  let truncatedTail: TruncatedTail | undefined;
  for (let i = start; i < segments.length; i++) {
    const segment = segments[i];
    const isLast = i === segments.length - 1;
    const scan = scanSegment(reader, segment, {
      isLast,
      expectedFirst: expected,
      firstDelivered: i === start ? afterSeq + 1 : undefined,
      afterSeq,
      onRecord: options.onRecord,
    });
    records += scan.delivered;
    if (scan.torn !== undefined) {
      truncatedTail = scan.torn;
      if (options.truncate === true) cutTail(dir, segment, scan.torn.offset);
    }
    if (scan.firstSeq !== undefined) {
      lastSeq = scan.lastSeq;
      expected = scan.lastSeq + 1;
    }
  }
  return { records, lastSeq, segments: segments.length - start, ...(truncatedTail !== undefined ? { truncatedTail } : {}) };
}

interface ScanOptions {
  readonly isLast: boolean;
  /** The sequence number the segment must start with (undefined for the first segment read). */
  readonly expectedFirst: number | undefined;
  /**
   * The sequence number the first delivered record must have: a journal that starts after
   * afterSeq + 1 lacks the records in between, and replaying it would silently skip commands.
   */
  readonly firstDelivered: number | undefined;
  readonly afterSeq: number;
  readonly onRecord: ((record: JournalRecord) => void) | undefined;
}

interface ScanResult {
  /** From the header; undefined when the header is torn (the segment then counts for nothing). */
  readonly firstSeq: number | undefined;
  readonly lastSeq: number;
  /** File offset just past the last whole record. */
  readonly end: number;
  readonly delivered: number;
  readonly torn?: TruncatedTail;
}

/** A read buffer reused across segments, grown only for a record larger than it. */
class ChunkReader {
  buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
}

function scanSegment(reader: ChunkReader, segment: SegmentFile, options: ScanOptions): ScanResult {
  const file = segment.path;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const headerBytes = Buffer.alloc(Math.min(size, SEGMENT_HEADER_BYTES));
    readFully(fd, headerBytes, 0);
    const header = decodeSegmentHeader(headerBytes);
    if (typeof header === 'string') {
      // A segment's header is written with its first batch, so a torn header can only be the very
      // end of the journal, and then no record can follow it.
      const problem = damageAt(fd, file, size, 0, header, options, segment.firstSeq);
      return { firstSeq: undefined, lastSeq: 0, end: 0, delivered: 0, torn: problem };
    }
    if (header.firstSeq !== segment.firstSeq) {
      throw new JournalCorruptError(file, 0, `segment header says it starts at ${header.firstSeq}, its name says ${segment.firstSeq}`);
    }
    if (options.expectedFirst !== undefined && header.firstSeq !== options.expectedFirst) {
      throw new JournalCorruptError(file, 0, `sequence gap: expected ${options.expectedFirst}, segment starts at ${header.firstSeq}`);
    }

    const { afterSeq, onRecord } = options;
    let expected = header.firstSeq;
    let delivered = 0;
    let buf = reader.buf;
    let bufStart = SEGMENT_HEADER_BYTES; // file offset of buf[0]
    let filled = 0;
    let pos = 0;
    let readPos = SEGMENT_HEADER_BYTES;
    for (;;) {
      const r = checkRecord(buf, pos, filled);
      if (r >= 0) {
        const seq = recordSeq(buf, pos);
        if (seq !== expected) {
          throw new JournalCorruptError(file, bufStart + pos, `sequence gap: expected ${expected}, found ${seq}`);
        }
        if (seq > afterSeq) {
          if (delivered === 0 && options.firstDelivered !== undefined && seq !== options.firstDelivered) {
            throw new JournalCorruptError(file, bufStart + pos, `sequence gap: records after ${afterSeq} were asked for, the journal goes on from ${seq}`);
          }
          if (onRecord !== undefined) {
            onRecord({
              seq,
              time: recordTime(buf, pos),
              type: recordType(buf, pos),
              payload: Buffer.from(buf.subarray(pos + RECORD_HEADER_BYTES, r)),
            });
          }
          delivered++;
        }
        expected++;
        pos = r;
        continue;
      }
      if (r === INCOMPLETE && readPos < size) {
        // Keep the partial record, read on behind it; grow only if one record is bigger than the buffer.
        const keep = filled - pos;
        const need = keep < RECORD_HEADER_BYTES ? RECORD_HEADER_BYTES : RECORD_HEADER_BYTES + buf.readUInt32LE(pos + R_LENGTH);
        if (need > buf.length) {
          const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
          buf.copy(bigger, 0, pos, filled);
          buf = bigger;
          reader.buf = bigger;
        } else if (keep > 0) {
          buf.copyWithin(0, pos, filled);
        }
        bufStart += pos;
        pos = 0;
        filled = keep;
        const n = readSync(fd, buf, filled, Math.min(buf.length - filled, size - readPos), readPos);
        if (n === 0) throw new Error(`${file} shrank while being read`);
        filled += n;
        readPos += n;
        continue;
      }
      const offset = bufStart + pos;
      const lastSeq = expected - 1;
      if (r === INCOMPLETE && pos === filled) return { firstSeq: header.firstSeq, lastSeq, end: offset, delivered };
      const reason = r === DAMAGED ? 'record length or checksum is wrong' : `record is cut off at the end of the file (${filled - pos} bytes of it present)`;
      const torn = damageAt(fd, file, size, offset, reason, options, expected);
      return { firstSeq: header.firstSeq, lastSeq, end: offset, delivered, torn };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Damage at `offset`: a torn tail if this is the last segment and no whole record with a
 * sequence number from `minSeq` on follows it, otherwise JournalCorruptError.
 */
function damageAt(fd: number, file: string, size: number, offset: number, reason: string, options: ScanOptions, minSeq: number): TruncatedTail {
  if (!options.isLast) throw new JournalCorruptError(file, offset, `${reason} (not the last segment)`);
  const follower = findWholeRecord(fd, offset + 1, size, minSeq);
  if (follower !== undefined) {
    throw new JournalCorruptError(file, offset, `${reason}, and a whole record (seq ${follower.seq}) follows at offset ${follower.offset}`);
  }
  return { file, offset, bytes: size - offset, reason };
}

/**
 * Looks at every byte offset from `from` for a whole record with a plausible sequence number.
 * Only runs on damage, over what follows it in the last segment, so its cost does not matter.
 */
function findWholeRecord(fd: number, from: number, size: number, minSeq: number): { offset: number; seq: number } | undefined {
  if (from >= size) return undefined;
  const rest = Buffer.allocUnsafe(size - from);
  readFully(fd, rest, from);
  for (let o = 0; o + RECORD_HEADER_BYTES <= rest.length; o++) {
    const seq = recordSeq(rest, o);
    if (seq < minSeq || !Number.isSafeInteger(seq)) continue;
    if (checkRecord(rest, o, rest.length) >= 0) return { offset: from + o, seq };
  }
  return undefined;
}

function readFully(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('unexpected end of file');
    done += n;
  }
}

function cutTail(dir: string, segment: SegmentFile, offset: number): void {
  if (offset < SEGMENT_HEADER_BYTES) {
    // Nothing of this segment was ever durable: the writer starts it again from its header.
    unlinkSync(segment.path);
    syncDir(dir);
    return;
  }
  const fd = openSync(segment.path, 'r+');
  try {
    ftruncateSync(fd, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}


// ---------------------------------------------------------------------------------------------
// Writing

export interface JournalStats {
  /** Write cycles completed: one write (and in 'batch' mode one fdatasync) each. */
  readonly batches: number;
  readonly records: number;
  /** Bytes written, segment headers included. */
  readonly bytes: number;
  /** fdatasync calls on segments, plus fsyncs of the directory when a segment is created. */
  readonly fsyncs: number;
  /** The last batch's fdatasync, microseconds. */
  readonly fsyncMicros: number;
  readonly fsyncMicrosMax: number;
  readonly fsyncMicrosTotal: number;
}

export class JournalWriteError extends Error {
  readonly code = 'JOURNAL_WRITE_FAILED' as const;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'JournalWriteError';
  }
}

interface Segment {
  readonly path: string;
  readonly firstSeq: number;
  /** Opened by the first write cycle that reaches this segment. */
  fd: number | undefined;
  /** Created by this writer: opened with O_EXCL, and the directory synced before it counts. */
  readonly fresh: boolean;
  /** Bytes handed out to records (written or pending): where the next record goes. */
  assigned: number;
  /** Bytes on file: where the next write goes. */
  written: number;
  records: number;
}

/** A run of encoded records bound for one segment. */
interface Chunk {
  readonly segment: Segment;
  readonly buf: Buffer;
  used: number;
  lastSeq: number;
  records: number;
}

interface Waiter {
  readonly seq: number;
  resolve(): void;
  reject(error: Error): void;
}

type State = 'open' | 'closing' | 'closed' | 'failed';

export class JournalWriter {
  private readonly dir: string;
  private readonly sync: boolean;
  private readonly maxBatchDelayMs: number;
  private readonly maxBatchBytes: number;
  private readonly segmentBytes: number;
  private readonly chunkBytes: number;

  private state: State = 'open';
  private failure: JournalWriteError | undefined;
  private segment: Segment | undefined;
  /** Encoded, not yet taken by a write cycle, oldest first; appends go into the last. */
  private readonly queue: Chunk[] = [];
  private queuedBytes = 0;
  private readonly spare: Buffer[] = [];
  private inFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private openFd: { segment: Segment; fd: number } | undefined;
  private readonly waiters: Waiter[] = [];
  private readonly durableListeners: ((durableSeq: number) => void)[] = [];
  private readonly errorListeners: ((error: Error) => void)[] = [];
  private closed: Promise<void> | undefined;
  private lastSeq: number;
  private durable: number;
  private readonly counters = { batches: 0, records: 0, bytes: 0, fsyncs: 0, fsyncMicros: 0, fsyncMicrosMax: 0, fsyncMicrosTotal: 0 };

  private constructor(options: JournalOptions, tail: { segment: Segment | undefined; lastSeq: number }) {
    this.dir = options.dir;
    this.sync = (options.fsync ?? 'batch') === 'batch';
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    // Chunks are reused, so most appends copy into memory that is already there.
    this.chunkBytes = Math.min(Math.max(this.maxBatchBytes, 4096), 4 * 1024 * 1024);
    this.segment = tail.segment;
    this.lastSeq = tail.lastSeq;
    this.durable = tail.lastSeq;
  }

  /**
   * Opens the journal in `options.dir` (creating the directory) to continue after its last whole
   * record. A torn tail must have been cut off first (readJournal with `truncate: true`): this
   * throws JournalCorruptError rather than write after damage. One writer per directory.
   */
  static open(options: JournalOptions): JournalWriter {
    const fsyncMode = options.fsync ?? 'batch';
    if (fsyncMode !== 'batch' && fsyncMode !== 'off') throw new RangeError(`fsync must be 'batch' or 'off', got ${String(fsyncMode)}`);
    checkNumber('maxBatchDelayMs', options.maxBatchDelayMs, 0);
    checkNumber('maxBatchBytes', options.maxBatchBytes, 1);
    checkNumber('segmentBytes', options.segmentBytes, SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES);

    const dir = resolve(options.dir);
    const created = mkdirSync(dir, { recursive: true });
    if (fsyncMode === 'batch' && created !== undefined) {
      // A new directory is durable only once its parent's entry for it is.
      for (let d = dir; ; d = dirname(d)) {
        syncDir(dirname(d));
        if (d === created || dirname(d) === d) break;
      }
    }

    const segments = listSegments(options.dir);
    const last = segments.at(-1);
    if (last === undefined) return new JournalWriter(options, { segment: undefined, lastSeq: 0 });
    const scan = scanSegment(new ChunkReader(), last, {
      isLast: true,
      expectedFirst: undefined,
      firstDelivered: undefined,
      afterSeq: Number.MAX_SAFE_INTEGER,
      onRecord: undefined,
    });
    if (scan.torn !== undefined || scan.firstSeq === undefined) {
      const torn = scan.torn;
      throw new JournalCorruptError(
        last.path,
        torn?.offset ?? 0,
        `torn tail (${torn?.reason ?? 'no header'}): recover with readJournal(dir, { truncate: true }) before opening the journal for writing`,
      );
    }
    const segment: Segment = {
      path: last.path,
      firstSeq: scan.firstSeq,
      fd: undefined,
      fresh: false,
      assigned: scan.end,
      written: scan.end,
      records: scan.lastSeq - scan.firstSeq + 1,
    };
    return new JournalWriter(options, { segment, lastSeq: scan.lastSeq });
  }

  /** The last sequence number appended (0 for a journal without records). */
  get lastAppendedSeq(): number {
    return this.lastSeq;
  }

  /** The highest sequence number on disk: written, and in 'batch' mode fdatasync'ed. */
  get durableSeq(): number {
    return this.durable;
  }

  get stats(): JournalStats {
    return { ...this.counters };
  }

  /** The error that stopped the journal, if one did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Told the new durableSeq after each completed batch. */
  onDurable(listener: (durableSeq: number) => void): void {
    this.durableListeners.push(listener);
  }

  /**
   * Told once if a write or fsync fails. The journal then accepts nothing more and durableSeq
   * stops: after a failed fsync the kernel may already have dropped the dirty pages, so no retry
   * can prove the data reached the disk.
   */
  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
    const failure = this.failure;
    if (failure !== undefined) queueMicrotask(() => listener(failure));
  }

  /**
   * Buffers one record; it reaches the disk with the next batch. `seq` must be lastAppendedSeq + 1
   * (any positive integer for the first record of an empty journal). `payload` is copied.
   */
  append(seq: number, time: number, type: number, payload: Buffer): void {
    if (this.state !== 'open') {
      if (this.failure !== undefined) throw this.failure;
      throw new Error('journal is closed');
    }
    const expected = this.lastSeq + 1;
    if (seq !== expected && !(this.lastSeq === 0 && this.segment === undefined && Number.isSafeInteger(seq) && seq >= 1)) {
      throw new RangeError(`journal append: seq ${seq} is not ${expected}`);
    }
    if (!Number.isSafeInteger(seq)) throw new RangeError(`journal append: seq ${seq} is not a safe integer`);
    if (!Number.isFinite(time)) throw new RangeError(`journal append: time ${time} is not finite`);
    if (!Number.isInteger(type) || type < 0 || type > 255) throw new RangeError(`journal append: type ${type} is not 0..255`);
    if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`journal append: payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);

    const size = RECORD_HEADER_BYTES + payload.length;
    let segment = this.segment;
    if (segment === undefined || (segment.records > 0 && segment.assigned + size > this.segmentBytes)) {
      segment = this.startSegment(seq);
    }
    let chunk = this.queue.at(-1);
    if (chunk === undefined || chunk.segment !== segment || chunk.buf.length - chunk.used < size) chunk = this.newChunk(segment, size);
    chunk.used = encodeRecord(chunk.buf, chunk.used, seq, time, type, payload);
    chunk.lastSeq = seq;
    chunk.records++;
    segment.assigned += size;
    segment.records++;
    this.queuedBytes += size;
    this.lastSeq = seq;
    this.schedule();
  }

  /** Resolves once everything appended so far is durable; rejects if the journal has failed. */
  flush(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const seq = this.lastSeq;
    if (this.durable >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      // Someone is waiting: the batch delay would only add to their wait.
      if (!this.inFlight) this.startCycle();
    });
  }

  /** Flushes and closes the file; appends throw from the moment this is called. */
  close(): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    if (this.state === 'open') this.state = 'closing';
    this.closed = (async () => {
      let flushError: unknown;
      try {
        await this.flush();
      } catch (e) {
        flushError = e;
      }
      this.clearTimer();
      if (this.openFd !== undefined) {
        const { fd } = this.openFd;
        this.openFd = undefined;
        await new Promise<void>((resolve) => closeFd(fd, () => resolve()));
      }
      if (this.state === 'closing') this.state = 'closed';
      if (flushError !== undefined) throw flushError;
    })();
    return this.closed;
  }

  private startSegment(firstSeq: number): Segment {
    const segment: Segment = {
      path: join(this.dir, segmentName(firstSeq)),
      firstSeq,
      fd: undefined,
      fresh: true,
      assigned: 0,
      written: 0,
      records: 0,
    };
    this.segment = segment;
    // The header travels in the segment's first write, so it costs no write or fsync of its own.
    const chunk = this.newChunk(segment, SEGMENT_HEADER_BYTES);
    encodeSegmentHeader(firstSeq, Date.now(), process.pid).copy(chunk.buf, 0);
    chunk.used = SEGMENT_HEADER_BYTES;
    segment.assigned = SEGMENT_HEADER_BYTES;
    this.queuedBytes += SEGMENT_HEADER_BYTES;
    return segment;
  }

  private newChunk(segment: Segment, atLeast: number): Chunk {
    const buf = atLeast <= this.chunkBytes ? (this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes)) : Buffer.allocUnsafe(atLeast);
    const chunk: Chunk = { segment, buf, used: 0, lastSeq: this.lastSeq, records: 0 };
    this.queue.push(chunk);
    return chunk;
  }

  private schedule(): void {
    if (this.inFlight) return; // the cycle in progress starts the next one when it ends
    if (this.queuedBytes >= this.maxBatchBytes) {
      this.startCycle();
      return;
    }
    if (this.timer !== undefined || this.immediate !== undefined) return;
    const fire = (): void => {
      this.timer = undefined;
      this.immediate = undefined;
      this.startCycle();
    };
    // A zero delay still lets the rest of the current burst of appends join the batch.
    if (this.maxBatchDelayMs > 0) this.timer = setTimeout(fire, this.maxBatchDelayMs);
    else this.immediate = setImmediate(fire);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private startCycle(): void {
    this.clearTimer();
    if (this.inFlight || this.failure !== undefined || this.queue.length === 0) return;
    // Everything queued for the head's segment goes in this batch; a segment change ends it.
    const segment = this.queue[0].segment;
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length && this.queue[n].segment === segment) bytes += this.queue[n++].used;
    const chunks = this.queue.splice(0, n);
    this.queuedBytes -= bytes;
    this.inFlight = true;
    this.writeBatch(segment, chunks, bytes).then(
      () => this.completed(chunks, bytes),
      (e: unknown) => this.fail(e),
    );
  }

  private async writeBatch(segment: Segment, chunks: readonly Chunk[], bytes: number): Promise<void> {
    let fd = segment.fd;
    if (fd === undefined) {
      if (this.openFd !== undefined) {
        // The previous segment's last batch has been synced already; its descriptor can go.
        const old = this.openFd;
        this.openFd = undefined;
        old.segment.fd = undefined;
        await call<void>((cb) => closeFd(old.fd, cb));
      }
      fd = await call<number>((cb) => openFd(segment.path, segment.fresh ? 'wx' : 'r+', 0o644, cb));
      segment.fd = fd;
      this.openFd = { segment, fd };
      if (segment.fresh && this.sync) {
        // The new file's directory entry must be durable before anything in the file counts.
        const dirFd = await call<number>((cb) => openFd(this.dir, 'r', cb));
        try {
          await call<void>((cb) => fsync(dirFd, cb));
          this.counters.fsyncs++;
        } finally {
          await call<void>((cb) => closeFd(dirFd, cb));
        }
      }
    }
    let buffers = chunks.map((c) => c.buf.subarray(0, c.used));
    let position = segment.written;
    let left = bytes;
    for (;;) {
      const n = await call<number>((cb) => writev(fd, buffers, position, cb));
      left -= n;
      position += n;
      if (left === 0) break;
      // A short write (a signal, a full disk on the next try): write the rest.
      buffers = dropBytes(buffers, n);
    }
    segment.written = position;
    if (this.sync) {
      const t0 = performance.now();
      await call<void>((cb) => fdatasync(fd, cb));
      const micros = Math.round((performance.now() - t0) * 1000);
      this.counters.fsyncs++;
      this.counters.fsyncMicros = micros;
      this.counters.fsyncMicrosTotal += micros;
      if (micros > this.counters.fsyncMicrosMax) this.counters.fsyncMicrosMax = micros;
    }
  }

  private completed(chunks: readonly Chunk[], bytes: number): void {
    this.inFlight = false;
    let records = 0;
    for (const chunk of chunks) {
      records += chunk.records;
      if (chunk.buf.length === this.chunkBytes && this.spare.length < 16) this.spare.push(chunk.buf);
    }
    const durable = chunks[chunks.length - 1].lastSeq;
    this.counters.batches++;
    this.counters.records += records;
    this.counters.bytes += bytes;
    this.durable = durable;
    // Start the next batch before telling anyone, so listeners' work overlaps the disk's.
    if (this.queue.length > 0) this.startCycle();
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.seq <= durable) waiter.resolve();
      else this.waiters[kept++] = waiter;
    }
    this.waiters.length = kept;
    for (const listener of this.durableListeners) {
      try {
        listener(durable);
      } catch (e) {
        // A listener's bug is not a journal failure: rethrow it where it cannot stop the writer.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  private fail(cause: unknown): void {
    this.inFlight = false;
    this.clearTimer();
    const message = cause instanceof Error ? cause.message : String(cause);
    const error = new JournalWriteError(`journal write failed, durable up to seq ${this.durable}: ${message}`, cause);
    this.failure = error;
    this.state = 'failed';
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    for (const listener of this.errorListeners) listener(error);
  }
}

function checkNumber(name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${name} must be a number >= ${min}, got ${value}`);
}

function call<T>(start: (cb: (error: NodeJS.ErrnoException | null, result?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result as T))));
}

function dropBytes(buffers: readonly Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}
