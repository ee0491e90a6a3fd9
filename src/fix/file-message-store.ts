// A MessageStore that survives the process, so a counterparty that reconnects after a venue restart
// carries on with its next sequence number instead of a reset, and can ask for what it missed.
//
// One file per session, <dir>/<BeginString>-<SenderCompID>-<TargetCompID>-<hash>.store (see
// sessionFileName), append-only, made of checksummed records:
//
//   offset 0  u32  CRC-32 of bytes 4..end of the record
//          4  u32  payload length
//          8  u8   kind: 1 header (JSON: format, version, session key, creation time),
//                        2 sent message (payload: the message bytes), 3 sequence numbers
//                        (payload: next sender, next target as float64)
//          9  3 bytes zero
//         12  f64  MsgSeqNum of a sent message, else 0
//         20       payload
//
// Why one log rather than QuickFIX's four files (body, header index, seqnums, session): a batch is
// then one write and one fdatasync instead of one of each per file, the order between a stored message and the
// sequence numbers that follow it is the order on disk, and a torn tail is recognised by its CRC in
// one place. Sequence numbers are appended rather than rewritten in place: loading scans the whole
// log anyway to rebuild the index, so the newest sequence-number record costs nothing to find, and
// an append can never leave the previous value half-overwritten. Only the last state of a batch is
// appended, so a burst of received messages costs one small record, not one per message. The
// header record is what QuickFIX's session file is: the creation time of the sequence-number epoch.
//
// Durability is batched: the session calls the store synchronously, the store queues the records
// and writes them in one write per event-loop turn; in 'batch' mode an fdatasync follows each write
// (one in flight at a time, so later writes share the next one), in 'always' mode every change is
// written and fdatasynced before the call returns, in 'off' mode the OS decides when data reaches the
// disk. A new file (the first write of a session, and every reset) is written under a temporary name,
// synced, and renamed over the old one, so a reset is all-or-nothing. The session hands a message to
// the socket right after storing it, so without more a message can leave up to one turn before it
// is written; a caller that holds socket writes until writeNow() has returned closes that gap.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import type { MessageStore, MessageStoreFactory, StoredMessage } from './message-store.js';
import { syncDir } from '../shared/durable-files.js';

export type FsyncMode = 'batch' | 'always' | 'off';
export const FSYNC_MODES: readonly FsyncMode[] = ['batch', 'always', 'off'];

export interface FileMessageStoreOptions {
  /** Directory that holds one file per session; created when the first session writes. */
  readonly dir: string;
  /** 'batch' (default): fdatasync once per write batch; 'always': before every change returns; 'off': never. */
  readonly fsync?: FsyncMode;
  /** Creation times of new sequence-number epochs, epoch ms. */
  readonly now?: () => number;
  /** Recoveries worth a line in the log: a torn tail cut off, a damaged file set aside, a damaged record skipped. */
  readonly onEvent?: (text: string) => void;
  /**
   * A write or fdatasync failed. The store refuses every later change (each throws the error), so
   * the session cannot go on sending what it can no longer keep.
   */
  readonly onError?: (error: Error, sessionKey: string) => void;
}

const FORMAT = 'crucible-fix-message-store';
const VERSION = 1;
const FILE_SUFFIX = '.store';
const HEADER_BYTES = 20;
const KIND_HEADER = 1;
const KIND_MESSAGE = 2;
const KIND_SEQNUMS = 3;
/** Far above any FIX message the sessions accept (maxMessageSize is at most 16 MiB). */
const MAX_PAYLOAD = 64 * 1024 * 1024;
const SCAN_CHUNK = 1024 * 1024;
/** Consecutive stored messages are read back in one read of up to this many bytes. */
const READ_RUN = 1024 * 1024;

/**
 * The file a session's state lives in, relative to the store's directory: readable (BeginString and
 * CompIDs, anything unsafe replaced), plus a hash of the exact key, because CompIDs are
 * case-sensitive and may hold characters a filesystem folds or forbids, and two sessions must never
 * share a file.
 */
export function sessionFileName(sessionKey: string): string {
  const readable = sessionKey
    .replace(/->|:/g, '-')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 150);
  const hash = createHash('sha256').update(sessionKey, 'utf8').digest('hex').slice(0, 12);
  return `${readable}-${hash}${FILE_SUFFIX}`;
}

function fsyncMode(mode: FsyncMode | undefined): FsyncMode {
  // Settings may come from a config file, past the type checker.
  if (mode === undefined) return 'batch';
  if (!FSYNC_MODES.includes(mode)) throw new Error(`fsync must be one of ${FSYNC_MODES.join(', ')}, got ${String(mode)}`);
  return mode;
}

/** Store files open in this process, so two factories cannot append to one file. */
const openFiles = new Set<string>();

export class FileMessageStoreFactory implements MessageStoreFactory {
  readonly dir: string;
  readonly fsync: FsyncMode;
  private readonly options: FileMessageStoreOptions;
  private readonly stores = new Map<string, FileMessageStore>();
  private closed = false;

  constructor(options: FileMessageStoreOptions) {
    const fsync = fsyncMode(options.fsync);
    this.dir = resolve(options.dir);
    this.fsync = fsync;
    this.options = { ...options, dir: this.dir, fsync };
  }

  /**
   * The store of a session, loaded from disk when its file exists. Asking again for the same key
   * returns the same store: the acceptor re-creates a session it dropped before logon, and both must
   * append to one file through one writer.
   */
  create(sessionKey: string): FileMessageStore {
    if (this.closed) throw new Error(`the FIX message store factory for ${this.dir} is closed`);
    const existing = this.stores.get(sessionKey);
    if (existing !== undefined && !existing.isClosed) return existing;
    const store = new FileMessageStore(sessionKey, this.options);
    this.stores.set(sessionKey, store);
    return store;
  }

  /** Where a session's file is (it may not exist yet). */
  pathOf(sessionKey: string): string {
    return join(this.dir, sessionFileName(sessionKey));
  }

  /**
   * Writes everything queued; resolves once it is as durable as the fsync mode makes it. The writes
   * themselves happen before this returns, only the fdatasync is waited for.
   */
  async flush(): Promise<void> {
    await settleAll([...this.stores.values()].map((s) => s.flush()));
  }

  /**
   * Writes every store's queued records now, without waiting for fdatasync: once this returns they
   * survive the process being killed. For callers that must order the store before the socket (hold
   * outgoing bytes, writeNow, then release them). Throws the first store failure, after trying all.
   */
  writeNow(): void {
    let first: unknown;
    for (const store of this.stores.values()) {
      try {
        store.writeNow();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Closes one session's store (flushed first); a later `create` loads it again from disk. */
  async release(sessionKey: string): Promise<void> {
    const store = this.stores.get(sessionKey);
    if (store === undefined) return;
    this.stores.delete(sessionKey);
    await store.close();
  }

  /** Flushes and closes every store; the factory creates nothing afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const stores = [...this.stores.values()];
    this.stores.clear();
    await settleAll(stores.map((s) => s.close()));
  }
}

/** Waits for all, then throws the first failure, so one failing store does not leave others unclosed. */
async function settleAll(work: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

export class FileMessageStore implements MessageStore {
  readonly sessionKey: string;
  readonly path: string;
  private readonly dir: string;
  private readonly mode: FsyncMode;
  private readonly now: () => number;
  private readonly onEvent: (text: string) => void;
  private readonly onError: ((error: Error, sessionKey: string) => void) | undefined;

  private nextSender = 1;
  private nextTarget = 1;
  private creationTime = 0;
  private readonly index = new RecordIndex();
  /** The current file, open for reading and writing; null until it exists. */
  private file: LogFile | null = null;
  /** Header of a file still to be created: the next write creates it and renames it into place. */
  private fresh: Buffer | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where the next record goes, queued records included. */
  private logEnd = 0;
  private seqDirty = false;
  private writeScheduled = false;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  /** Files replaced by a reset or a refresh whose last fdatasync has not finished yet. */
  private readonly retiring = new Set<Promise<void>>();

  constructor(sessionKey: string, options: FileMessageStoreOptions) {
    this.sessionKey = sessionKey;
    this.dir = resolve(options.dir);
    this.path = join(this.dir, sessionFileName(sessionKey));
    this.mode = fsyncMode(options.fsync);
    this.now = options.now ?? Date.now;
    this.onEvent = options.onEvent ?? (() => {});
    this.onError = options.onError;
    if (openFiles.has(this.path)) {
      throw new Error(`${this.path} is already open in this process (another FileMessageStoreFactory on ${this.dir}?); close that one first`);
    }
    this.load();
    openFiles.add(this.path);
  }

  get isClosed(): boolean {
    return this.closing !== null;
  }

  /** Sent messages held (on disk or queued). */
  get size(): number {
    return this.index.size;
  }

  getNextSenderMsgSeqNum(): number {
    return this.nextSender;
  }

  getNextTargetMsgSeqNum(): number {
    return this.nextTarget;
  }

  setNextSenderMsgSeqNum(next: number): void {
    this.checkWritable();
    this.nextSender = checkSeq(next);
    this.seqChanged();
  }

  setNextTargetMsgSeqNum(next: number): void {
    this.checkWritable();
    this.nextTarget = checkSeq(next);
    this.seqChanged();
  }

  incrNextSenderMsgSeqNum(): void {
    this.checkWritable();
    this.nextSender++;
    this.seqChanged();
  }

  incrNextTargetMsgSeqNum(): void {
    this.checkWritable();
    this.nextTarget++;
    this.seqChanged();
  }

  set(seqNum: number, raw: Buffer): void {
    this.checkWritable();
    checkSeq(seqNum);
    if (raw.length > MAX_PAYLOAD) throw new RangeError(`a stored message may be at most ${MAX_PAYLOAD} bytes, got ${raw.length}`);
    const record = encodeRecord(KIND_MESSAGE, seqNum, raw);
    this.index.set(seqNum, this.logEnd, record.length);
    this.queue(record);
    this.changed();
  }

  get(begin: number, end: number): StoredMessage[] {
    if (this.closing !== null) throw new Error(`the FIX message store for ${this.sessionKey} is closed`);
    if (end < begin) return [];
    const entries = this.index.range(begin, end);
    if (entries.length === 0) return [];
    // Queued records are written first so everything is read from one place; a resend is rare
    // enough that the extra write does not matter.
    if (this.failure === null) {
      try {
        this.writeQueued();
      } catch (e) {
        this.fail(e);
      }
    }
    const file = this.file;
    if (file === null) return [];
    const out: StoredMessage[] = [];
    for (let i = 0; i < entries.length; ) {
      let j = i + 1;
      let runBytes = entries[i].length;
      while (
        j < entries.length &&
        entries[j].offset === entries[j - 1].offset + entries[j - 1].length &&
        runBytes + entries[j].length <= READ_RUN
      ) {
        runBytes += entries[j].length;
        j++;
      }
      const start = entries[i].offset;
      const run = start + runBytes <= file.end ? file.read(start, runBytes) : undefined;
      for (let k = i; k < j; k++) {
        const e = entries[k];
        const payload = run === undefined ? undefined : messagePayload(run, e.offset - start, e.length, e.seq);
        if (payload === undefined) {
          this.onEvent(`${this.sessionKey}: stored message ${e.seq} is damaged or missing in ${this.path}; it is left out of the resend`);
        } else {
          out.push({ seqNum: e.seq, raw: payload });
        }
      }
      i = j;
    }
    return out;
  }

  getCreationTime(): number {
    return this.creationTime;
  }

  reset(): void {
    this.checkWritable();
    this.nextSender = 1;
    this.nextTarget = 1;
    this.creationTime = this.now();
    this.index.clear();
    this.pending = [];
    this.pendingBytes = 0;
    this.seqDirty = false;
    // The old file stays on disk until the new one is renamed over it; it is no longer read.
    this.retireFile();
    this.fresh = headerRecord(this.sessionKey, this.creationTime);
    this.logEnd = this.fresh.length;
    this.changed();
  }

  refresh(): void {
    this.checkWritable();
    try {
      this.writeQueued();
    } catch (e) {
      throw this.fail(e);
    }
    this.retireFile();
    this.load();
  }

  /** Writes the queued records now (see the factory's writeNow); throws once the store has failed. */
  writeNow(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closing !== null) return;
    try {
      this.writeQueued();
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Writes everything queued; resolves once it is as durable as the fsync mode makes it. */
  flush(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closing !== null) return this.closing;
    try {
      this.writeQueued();
    } catch (e) {
      return Promise.reject(this.fail(e));
    }
    if (this.mode !== 'batch' || this.file === null) return Promise.resolve();
    return this.file.synced();
  }

  /** Flushes, closes the file, and refuses every later call. */
  close(): Promise<void> {
    if (this.closing === null) this.closing = this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    let error = this.failure;
    if (error === null) {
      try {
        this.writeQueued();
      } catch (e) {
        error = this.fail(e);
      }
    }
    const file = this.file;
    this.file = null;
    try {
      if (file !== null) {
        if (error === null && this.mode === 'batch') {
          try {
            await file.synced();
          } catch (e) {
            error = this.fail(e);
          }
        }
        await file.close();
      }
      await Promise.all(this.retiring);
    } finally {
      openFiles.delete(this.path);
    }
    if (error !== null) throw error;
  }

  // -------------------------------------------------------------------------------------------

  private checkWritable(): void {
    if (this.closing !== null) throw new Error(`the FIX message store for ${this.sessionKey} is closed`);
    if (this.failure !== null) throw this.failure;
  }

  private seqChanged(): void {
    this.seqDirty = true;
    this.changed();
  }

  private queue(record: Buffer): void {
    this.pending.push(record);
    this.pendingBytes += record.length;
    this.logEnd += record.length;
  }

  private changed(): void {
    if (this.mode === 'always') {
      try {
        this.writeQueued();
      } catch (e) {
        throw this.fail(e);
      }
      return;
    }
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      if (this.closing !== null || this.failure !== null) return;
      try {
        this.writeQueued();
      } catch (e) {
        this.fail(e);
      }
    });
  }

  private writeQueued(): void {
    if (this.seqDirty) {
      this.seqDirty = false;
      const payload = Buffer.allocUnsafe(16);
      payload.writeDoubleLE(this.nextSender, 0);
      payload.writeDoubleLE(this.nextTarget, 8);
      this.queue(encodeRecord(KIND_SEQNUMS, 0, payload));
    }
    if (this.fresh !== null) return this.createFile(this.fresh);
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const file = this.file;
    if (file === null) throw new Error(`internal: no file for ${this.sessionKey}`);
    file.write(data);
    if (this.mode === 'always') file.syncNow();
    else if (this.mode === 'batch') file.startSync();
  }

  /** A new file holding the header and the queued records, in place of the old one or none. */
  private createFile(header: Buffer): void {
    const data = Buffer.concat([header, ...this.pending], header.length + this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const durable = this.mode !== 'off';
    const created = mkdirSync(this.dir, { recursive: true });
    if (created !== undefined && durable) {
      // Each directory made here is an entry in its parent, which must reach the disk too.
      for (let d = this.dir; ; d = dirname(d)) {
        syncDir(dirname(d));
        if (d === created || dirname(d) === d) break;
      }
    }
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w+');
    try {
      writeAll(fd, data, 0);
      // Synced before the rename: otherwise a crash could leave the new name on an empty file.
      if (durable) fdatasyncSync(fd);
      renameSync(tmp, this.path);
      if (durable) syncDir(this.dir);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    this.retireFile();
    this.file = new LogFile(fd, data.length, (e) => this.fail(e));
    this.fresh = null;
  }

  private retireFile(): void {
    const file = this.file;
    if (file === null) return;
    this.file = null;
    const closed = file.retire().then(() => {
      this.retiring.delete(closed);
    });
    this.retiring.add(closed);
  }

  private fail(e: unknown): Error {
    if (this.failure === null) {
      const cause = e instanceof Error ? e : new Error(String(e));
      this.failure = new Error(`the FIX message store for ${this.sessionKey} (${this.path}) cannot write: ${cause.message}`, { cause });
      this.onError?.(this.failure, this.sessionKey);
    }
    return this.failure;
  }

  /** Rebuilds sequence numbers, creation time and the index from the file, cutting off a torn tail. */
  private load(): void {
    this.index.clear();
    this.pending = [];
    this.pendingBytes = 0;
    this.seqDirty = false;
    this.nextSender = 1;
    this.nextTarget = 1;
    rmSync(`${this.path}.tmp`, { force: true });
    let fd: number;
    try {
      fd = openSync(this.path, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.startFresh();
      return;
    }
    let fdOpen = true;
    try {
      const size = fstatSync(fd).size;
      let created: number | undefined;
      let sender = 1;
      let target = 1;
      // Messages after the last sequence-number record belong to a batch whose sequence numbers did
      // not make it to disk; a message that may have been sent must never have its number reused.
      let highestSinceSeqNums = 0;
      const end = scanLog(fd, size, (kind, seq, payload, offset, length) => {
        if (created === undefined) {
          if (kind !== KIND_HEADER) return false;
          created = this.checkHeader(payload);
          return true;
        }
        if (kind === KIND_MESSAGE) {
          if (!isSeq(seq)) return false;
          this.index.set(seq, offset, length);
          highestSinceSeqNums = Math.max(highestSinceSeqNums, seq);
          return true;
        }
        if (kind === KIND_SEQNUMS && payload.length === 16) {
          const s = payload.readDoubleLE(0);
          const t = payload.readDoubleLE(8);
          if (!isSeq(s) || !isSeq(t)) return false;
          sender = s;
          target = t;
          highestSinceSeqNums = 0;
          return true;
        }
        return false;
      });
      if (created === undefined) {
        // No complete header: the file was never finished (it is renamed into place only once
        // written, so only a crash before its data reached the disk does this). Kept aside, not
        // deleted, in case it is something else.
        fdOpen = false;
        closeSync(fd);
        const aside = `${this.path}.damaged-${Date.now()}`;
        renameSync(this.path, aside);
        this.onEvent(`${this.sessionKey}: ${this.path} has no valid header (${size} bytes); moved to ${aside}, starting afresh`);
        this.startFresh();
        return;
      }
      if (end < size) {
        ftruncateSync(fd, end);
        if (this.mode !== 'off') fdatasyncSync(fd);
        this.onEvent(`${this.sessionKey}: cut ${size - end} bytes of incomplete records from the end of ${this.path}`);
      }
      this.creationTime = created;
      this.nextSender = Math.max(sender, highestSinceSeqNums + 1);
      this.nextTarget = target;
      this.logEnd = end;
      this.fresh = null;
      this.file = new LogFile(fd, end, (e) => this.fail(e));
    } catch (e) {
      this.index.clear();
      if (fdOpen) closeSync(fd);
      throw e;
    }
  }

  private startFresh(): void {
    this.creationTime = this.now();
    this.fresh = headerRecord(this.sessionKey, this.creationTime);
    this.logEnd = this.fresh.length;
  }

  /** The creation time from a header record; a header of another format or session is an error, never overwritten. */
  private checkHeader(payload: Buffer): number {
    let header: unknown;
    try {
      header = JSON.parse(payload.toString('utf8'));
    } catch {
      header = undefined;
    }
    const h = header as { format?: unknown; version?: unknown; session?: unknown; created?: unknown } | undefined;
    if (h === undefined || h === null || h.format !== FORMAT) throw new Error(`${this.path} is not a FIX message store file`);
    if (h.version !== VERSION) throw new Error(`${this.path} is a FIX message store of version ${String(h.version)}; this build reads version ${VERSION}`);
    if (h.session !== this.sessionKey) throw new Error(`${this.path} holds session ${String(h.session)}, not ${this.sessionKey}`);
    const created = typeof h.created === 'string' ? Date.parse(h.created) : NaN;
    if (!Number.isFinite(created)) throw new Error(`${this.path} has no valid creation time`);
    return created;
  }
}

// ---------------------------------------------------------------------------------------------
// Records

function encodeRecord(kind: number, seq: number, payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 4);
  record[8] = kind;
  record[9] = 0;
  record[10] = 0;
  record[11] = 0;
  record.writeDoubleLE(seq, 12);
  record.set(payload, HEADER_BYTES);
  record.writeUInt32LE(crc32(record.subarray(4)), 0);
  return record;
}

function headerRecord(sessionKey: string, created: number): Buffer {
  const json = JSON.stringify({ format: FORMAT, version: VERSION, session: sessionKey, created: new Date(created).toISOString() });
  return encodeRecord(KIND_HEADER, 0, Buffer.from(json, 'utf8'));
}

/** The payload of a message record at `at` in `buf`, or undefined unless it checks out completely. */
function messagePayload(buf: Buffer, at: number, length: number, seq: number): Buffer | undefined {
  if (length < HEADER_BYTES || at + length > buf.length) return undefined;
  if (buf.readUInt32LE(at + 4) !== length - HEADER_BYTES || buf[at + 8] !== KIND_MESSAGE) return undefined;
  if (buf.readDoubleLE(at + 12) !== seq) return undefined;
  if (crc32(buf.subarray(at + 4, at + length)) !== buf.readUInt32LE(at)) return undefined;
  return buf.subarray(at + HEADER_BYTES, at + length);
}

/**
 * Reads the file front to back in large chunks and hands each complete, intact record to `visit`
 * (whose payload view is only valid during the call). Stops at the first record that is cut short,
 * fails its CRC, or that `visit` refuses; returns where the intact records end.
 */
function scanLog(
  fd: number,
  size: number,
  visit: (kind: number, seq: number, payload: Buffer, offset: number, length: number) => boolean,
): number {
  let buf = Buffer.allocUnsafe(Math.max(HEADER_BYTES, Math.min(size, SCAN_CHUNK)));
  let bufStart = 0;
  let bufLen = 0;
  let pos = 0;
  /** Makes bytes [pos, pos + need) available in buf; false when the file ends first. */
  const have = (need: number): boolean => {
    if (pos + need > size) return false;
    if (pos + need <= bufStart + bufLen) return true;
    const keep = bufStart + bufLen - pos;
    if (need > buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
      buf.copy(bigger, 0, pos - bufStart, pos - bufStart + keep);
      buf = bigger;
    } else {
      buf.copy(buf, 0, pos - bufStart, pos - bufStart + keep);
    }
    bufStart = pos;
    bufLen = keep;
    while (bufLen < need) {
      const n = readSync(fd, buf, bufLen, Math.min(buf.length - bufLen, size - (bufStart + bufLen)), bufStart + bufLen);
      if (n === 0) return false;
      bufLen += n;
    }
    return true;
  };
  while (pos < size) {
    if (!have(HEADER_BYTES)) break;
    let at = pos - bufStart;
    const len = buf.readUInt32LE(at + 4);
    const kind = buf[at + 8];
    if (len > MAX_PAYLOAD || kind < KIND_HEADER || kind > KIND_SEQNUMS || buf[at + 9] !== 0 || buf[at + 10] !== 0 || buf[at + 11] !== 0) break;
    const length = HEADER_BYTES + len;
    if (!have(length)) break;
    at = pos - bufStart;
    if (crc32(buf.subarray(at + 4, at + length)) !== buf.readUInt32LE(at)) break;
    if (!visit(kind, buf.readDoubleLE(at + 12), buf.subarray(at + HEADER_BYTES, at + length), pos, length)) break;
    pos += length;
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------
// Files

function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}


/**
 * One open store file: positioned writes at its end, reads anywhere, and group commit in 'batch'
 * mode: one fdatasync in flight at a time, covering everything written before it started; writes
 * made meanwhile are covered by the next.
 */
class LogFile {
  private syncedEnd: number;
  private syncing = false;
  private waiters: Array<{ end: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private retired = false;
  private closeRequested = false;
  private closedFd = false;
  private onClosed: (() => void) | null = null;

  constructor(
    readonly fd: number,
    /** Bytes written. */
    public end: number,
    private readonly onSyncError: (e: Error) => void,
  ) {
    this.syncedEnd = end;
  }

  write(data: Buffer): void {
    writeAll(this.fd, data, this.end);
    this.end += data.length;
  }

  read(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, out, got, length - got, offset + got);
      if (n === 0) return out.subarray(0, got);
      got += n;
    }
    return out;
  }

  syncNow(): void {
    fdatasyncSync(this.fd);
    this.syncedEnd = this.end;
  }

  /** Resolves once everything written so far has been fdatasynced. */
  synced(): Promise<void> {
    if (this.syncedEnd >= this.end) return Promise.resolve();
    if (this.closedFd) return Promise.reject(new Error('the store file was closed before it was synced'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ end: this.end, resolve, reject });
      this.startSync();
    });
  }

  startSync(): void {
    if (this.syncing || this.closedFd || this.syncedEnd >= this.end) return;
    this.syncing = true;
    const target = this.end;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err !== null && !this.retired) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w.reject(err);
        this.onSyncError(err);
      } else {
        // A retired file's data belongs to an epoch a reset threw away: nobody waits on it.
        this.syncedEnd = this.retired ? this.end : target;
        const waiting: typeof this.waiters = [];
        for (const w of this.waiters) {
          if (w.end <= this.syncedEnd) w.resolve();
          else waiting.push(w);
        }
        this.waiters = waiting;
      }
      if (this.closeRequested) this.closeFd();
      else if (err === null) this.startSync();
    });
  }

  /** Stops serving the store; the descriptor closes once any fdatasync in flight is done. */
  retire(): Promise<void> {
    this.retired = true;
    return this.close();
  }

  close(): Promise<void> {
    this.closeRequested = true;
    if (this.closedFd) return Promise.resolve();
    if (!this.syncing) {
      this.closeFd();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.onClosed = resolve;
    });
  }

  private closeFd(): void {
    if (this.closedFd) return;
    this.closedFd = true;
    const unsynced = new Error('the store file was closed before it was synced');
    for (const w of this.waiters) {
      if (this.retired) w.resolve();
      else w.reject(unsynced);
    }
    this.waiters = [];
    try {
      closeSync(this.fd);
    } catch {
      // What reached the disk was settled by the writes and syncs before; a failing close changes none of it.
    }
    this.onClosed?.();
    this.onClosed = null;
  }
}

// ---------------------------------------------------------------------------------------------
// The index

interface IndexEntry {
  readonly seq: number;
  readonly offset: number;
  readonly length: number;
}

const ABSENT = -1;
/** How far past the dense run a sequence number may land and still extend it (gaps cost 12 bytes each). */
const MAX_DENSE_GAP = 1 << 16;

/**
 * MsgSeqNum → where its record is. Sent sequence numbers come in ascending runs, so the index is a
 * pair of typed arrays from the first number stored (12 bytes a message, where a Map entry costs
 * several times that), with a Map for the rare number far outside the run (after a manual
 * SequenceReset, say).
 */
class RecordIndex {
  private base = 0;
  private count = 0;
  private offsets = new Float64Array(0);
  private lengths = new Uint32Array(0);
  private readonly sparse = new Map<number, IndexEntry>();
  size = 0;

  clear(): void {
    this.base = 0;
    this.count = 0;
    this.offsets = new Float64Array(0);
    this.lengths = new Uint32Array(0);
    this.sparse.clear();
    this.size = 0;
  }

  set(seq: number, offset: number, length: number): void {
    if (this.count === 0) this.base = seq;
    const i = seq - this.base;
    if (i < 0 || i >= this.count + MAX_DENSE_GAP) {
      if (!this.sparse.has(seq)) this.size++;
      this.sparse.set(seq, { seq, offset, length });
      return;
    }
    if (i >= this.offsets.length) this.grow(i + 1);
    if (i >= this.count) {
      this.offsets.fill(ABSENT, this.count, i);
      this.count = i + 1;
      this.size++;
    } else if (this.offsets[i] === ABSENT) {
      this.size++;
    }
    if (this.sparse.size > 0 && this.sparse.delete(seq)) this.size--;
    this.offsets[i] = offset;
    this.lengths[i] = length;
  }

  /** Entries with begin <= seq <= end, ascending. */
  range(begin: number, end: number): IndexEntry[] {
    const out: IndexEntry[] = [];
    if (this.count > 0) {
      const last = Math.min(end, this.base + this.count - 1);
      for (let s = Math.max(begin, this.base); s <= last; s++) {
        const i = s - this.base;
        const offset = this.offsets[i];
        if (offset !== ABSENT) out.push({ seq: s, offset, length: this.lengths[i] });
      }
    }
    if (this.sparse.size > 0) {
      let added = false;
      for (const e of this.sparse.values()) {
        if (e.seq >= begin && e.seq <= end) {
          out.push(e);
          added = true;
        }
      }
      if (added) out.sort((a, b) => a.seq - b.seq);
    }
    return out;
  }

  private grow(min: number): void {
    const capacity = Math.max(min, this.offsets.length * 2, 1024);
    const offsets = new Float64Array(capacity);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    this.offsets = offsets;
    this.lengths = lengths;
  }
}

function isSeq(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1;
}

function checkSeq(n: number): number {
  if (!isSeq(n)) throw new RangeError(`a sequence number must be a positive integer, got ${n}`);
  return n;
}
