// Replay: recorded files back into a feed, interchangeable with the live one. Several files are
// merged into one stream in receive-time order (two symbols side by side, a day split over files), and
// released on an injected clock: at the recorded pace, N times faster, or as fast as they are read.
// The same files always give the same records in the same order.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type ClockScheduler, type Scheduler } from '../shared/clock.js';
import { CaptureFileError, readCaptureFile } from './capture-file.js';
import type { BookChangeRecord, FeedStatusRecord, MarketFeed, MarketRecord } from './records.js';

/** How fast a recorded or generated feed is released: 1 is real time, 10 ten times faster, 'max' without waiting. */
export type ReplaySpeed = number | 'max';

export interface Pacing {
  readonly clock: ClockScheduler;
  readonly speed: ReplaySpeed;
  /** Ends the feed, the wait in progress included. */
  readonly signal?: AbortSignal;
}

/** Resolves true once `ms` have passed on the scheduler, false when aborted first. */
function sleep(scheduler: Scheduler, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function checkSpeed(speed: ReplaySpeed): void {
  if (speed !== 'max' && !(typeof speed === 'number' && speed > 0 && Number.isFinite(speed))) {
    throw new RangeError(`speed must be a positive number or 'max', got ${String(speed)}`);
  }
}

/**
 * Releases each item when the clock has moved on from the first item's release by as much as the
 * item's own time has from the first item's time, divided by the speed. An item whose time runs
 * backwards is released at once: a feed's order is never changed to suit its clock.
 */
export async function* paced<T>(items: AsyncIterable<T> | Iterable<T>, timeOf: (item: T) => number, pacing: Pacing): AsyncGenerator<T> {
  const { clock, speed, signal } = pacing;
  checkSpeed(speed);
  let anchor: { readonly wall: number; readonly data: number } | undefined;
  for await (const item of items) {
    if (signal?.aborted) return;
    if (speed !== 'max') {
      const t = timeOf(item);
      if (anchor === undefined) anchor = { wall: clock.now(), data: t };
      else {
        const wait = anchor.wall + (t - anchor.data) / speed - clock.now();
        if (wait > 0 && !(await sleep(clock, wait, signal))) return;
      }
    }
    yield item;
  }
}

// ---------------------------------------------------------------------------------------------
// Files

/** File names a directory contributes: what the recorder writes and what Binance captures are kept as. */
const DATA_FILE = /\.(gz|jsonl|ndjson|txt)$/;

/** The paths given, with each directory replaced by the data files in it (sorted by name). */
export async function expandCaptureFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      throw new CaptureFileError(path, undefined, `cannot open: ${(e as Error).message}`);
    }
    if (!isDir) files.push(path);
    else {
      const names = (await readdir(path)).filter((n) => DATA_FILE.test(n)).sort();
      if (names.length === 0) throw new CaptureFileError(path, undefined, 'the directory holds no capture or recording files (*.gz, *.jsonl)');
      files.push(...names.map((n) => join(path, n)));
    }
  }
  return files;
}

interface OpenFile {
  /** Position in the list given: breaks ties between records of the same time. */
  readonly index: number;
  readonly records: AsyncGenerator<MarketRecord>;
  head: MarketRecord;
}

interface WaitingFile {
  readonly index: number;
  readonly path: string;
  readonly firstTime: number;
}

async function firstRecordTime(path: string): Promise<number | undefined> {
  for await (const record of readCaptureFile(path)) return record.localTime;
  return undefined;
}

/**
 * The records of every file as one stream in receive-time order; records of the same time come in
 * the order of the files given, and each file's records keep their own order. A file is opened only
 * once the merge reaches its first record, so a directory of hourly files holds one open per symbol.
 */
export async function* mergeCaptureFiles(paths: readonly string[]): AsyncGenerator<MarketRecord> {
  const waiting: WaitingFile[] = [];
  for (const [index, path] of paths.entries()) {
    const firstTime = await firstRecordTime(path);
    if (firstTime !== undefined) waiting.push({ index, path, firstTime });
  }
  waiting.sort((a, b) => a.firstTime - b.firstTime || a.index - b.index);
  const open: OpenFile[] = [];
  const earlier = (a: { time: number; index: number }, b: { time: number; index: number }): boolean => a.time < b.time || (a.time === b.time && a.index < b.index);
  try {
    while (true) {
      let next: OpenFile | undefined;
      for (const f of open) if (next === undefined || earlier({ time: f.head.localTime, index: f.index }, { time: next.head.localTime, index: next.index })) next = f;
      const candidate = waiting[0];
      if (candidate !== undefined && (next === undefined || earlier({ time: candidate.firstTime, index: candidate.index }, { time: next.head.localTime, index: next.index }))) {
        waiting.shift();
        const records = readCaptureFile(candidate.path);
        const first = await records.next();
        if (!first.done) open.push({ index: candidate.index, records, head: first.value });
        continue;
      }
      if (next === undefined) return;
      yield next.head;
      const after = await next.records.next();
      if (after.done) open.splice(open.indexOf(next), 1);
      else next.head = after.value;
    }
  } finally {
    for (const f of open) await f.records.return(undefined);
  }
}

/**
 * Live, a consumer meets a symbol's book as a snapshot followed by the changes after it: the Binance
 * client holds diffs back until its REST snapshot is in, then drops those the snapshot already holds.
 * A capture holds the raw stream, diffs before the snapshot included; this gate gives replay the live
 * order. Diffs of a symbol that has had no snapshot yet are held (the newest `maxHeld` of them) and
 * released behind it, those older than the snapshot dropped. A recording of a live feed passes
 * through unchanged: its snapshot already comes first.
 */
export class SnapshotGate {
  private readonly held = new Map<string, BookChangeRecord[]>();
  private readonly snapshotted = new Set<string>();

  constructor(private readonly maxHeld = 50_000) {}

  /** What to release now for `record`, in order. */
  pass(record: MarketRecord): readonly MarketRecord[] {
    if (record.type === 'book_change') {
      const key = `${record.exchange}/${record.symbol}`;
      if (this.snapshotted.has(key)) return [record];
      let held = this.held.get(key);
      if (held === undefined) this.held.set(key, (held = []));
      held.push(record);
      if (held.length > this.maxHeld) held.shift();
      return [];
    }
    if (record.type === 'book_snapshot') {
      const key = `${record.exchange}/${record.symbol}`;
      this.snapshotted.add(key);
      const held = this.held.get(key) ?? [];
      this.held.delete(key);
      return [record, ...held.filter((d) => d.lastUpdateId > record.lastUpdateId)];
    }
    return [record];
  }

  /**
   * At the end of the files: a feed status for each symbol whose diffs are still held, saying so,
   * rather than letting its depth vanish without a word (replaying the second hour of a recording
   * whose snapshot is in the first, say).
   */
  finish(): FeedStatusRecord[] {
    const out: FeedStatusRecord[] = [];
    for (const held of this.held.values()) {
      const last = held[held.length - 1];
      out.push({
        type: 'feed_status',
        exchange: last.exchange,
        symbol: last.symbol,
        state: 'down',
        reason: 'source_ended',
        detail: `${held.length} book changes held back: the files hold no book snapshot for ${last.symbol} (replay with book 'captured' to see them)`,
        localTime: last.localTime,
      });
    }
    this.held.clear();
    return out;
  }
}

export interface ReplayOptions {
  /** Capture or recording files, or directories of them. */
  readonly files: readonly string[];
  /** 1 (the default) at the recorded pace, N times faster, or 'max' as fast as the records are read. */
  readonly speed?: ReplaySpeed;
  /** Paces the replay; default the system clock. */
  readonly clock?: ClockScheduler;
  /** Only these symbols (feed status records for the whole feed always pass). */
  readonly symbols?: readonly string[];
  /**
   * 'live' (the default): each symbol's book starts with its snapshot, as from the live client (see
   * SnapshotGate). 'captured': every record exactly as the files hold it, diffs before the snapshot included.
   */
  readonly book?: 'live' | 'captured';
  /** Ends the replay. */
  readonly signal?: AbortSignal;
}

/**
 * The files as a feed. A bad file ends the feed with a CaptureFileError naming file and line, after
 * every good record before it.
 */
export function replayFeed(options: ReplayOptions): MarketFeed {
  const { speed = 1, clock = systemClock, signal, book = 'live' } = options;
  checkSpeed(speed);
  const symbols = options.symbols === undefined ? undefined : new Set(options.symbols.map((s) => s.toUpperCase()));
  async function* merged(): AsyncGenerator<MarketRecord> {
    const files = await expandCaptureFiles(options.files);
    const gate = book === 'live' ? new SnapshotGate() : undefined;
    for await (const record of mergeCaptureFiles(files)) {
      if (symbols !== undefined && record.symbol !== undefined && !symbols.has(record.symbol)) continue;
      if (gate === undefined) yield record;
      else yield* gate.pass(record);
    }
    if (gate !== undefined) yield* gate.finish();
  }
  return {
    [Symbol.asyncIterator]: () => paced(merged(), (r) => r.localTime, { clock, speed, ...(signal !== undefined ? { signal } : {}) }),
  };
}
