// The recorder: any feed written to gzip JSON-lines files that replay reads back record for record.
// A new file starts with every hour (or day) of receive time, so a long recording is kept in pieces
// that can be copied, pruned or replayed on their own. The gzip stream is flushed every second: a
// recorder that is killed leaves a file whose lines up to the last flush read back, and replay says
// where the rest broke off.
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { systemClock, type ClockScheduler, type TimerHandle } from '../shared/clock.js';
import { encodeHeader, encodeRecord, RECORDING_FORMAT, RECORDING_VERSION } from './capture-file.js';
import { MARKET_RECORD_TYPES, type MarketFeed, type MarketRecord, type MarketRecordType } from './records.js';

export type Rotation = 'hour' | 'day';

export interface RecorderOptions {
  /** Directory for the files; created when missing. */
  readonly dir: string;
  /** Where the feed comes from, written into each file's header ('binance', 'synthetic'). */
  readonly source: string;
  /** The symbols asked for, written into each file's header. */
  readonly symbols?: readonly string[];
  /** A new file per hour (the default) or per day of the records' receive time, UTC. */
  readonly rotation?: Rotation;
  /** File names start with this; default "marketdata". */
  readonly prefix?: string;
  /** Stamps each header and drives the periodic flush; default the system clock. */
  readonly clock?: ClockScheduler;
  /** How often written records are pushed through to the file, ms; default 1000. */
  readonly flushIntervalMs?: number;
}

export interface RecordingSummary {
  /** Files written, in the order they were opened. */
  readonly files: readonly string[];
  readonly records: number;
  readonly byType: Readonly<Record<MarketRecordType, number>>;
  /** Receive time of the first and last record, when there were any. */
  readonly firstTime?: number;
  readonly lastTime?: number;
}

interface OpenRecording {
  readonly key: string;
  readonly path: string;
  readonly gzip: Gzip;
  readonly done: Promise<void>;
}

/** "2024-08-08T23" (hour) or "2024-08-08" (day), UTC. */
export function rotationKey(time: number, rotation: Rotation): string {
  const iso = new Date(Math.floor(time)).toISOString();
  return rotation === 'hour' ? iso.slice(0, 13) : iso.slice(0, 10);
}

export class MarketRecorder {
  private readonly rotation: Rotation;
  private readonly prefix: string;
  private readonly clock: ClockScheduler;
  private readonly flushTimer: TimerHandle;
  private current: OpenRecording | undefined;
  private failure: Error | undefined;
  private closed = false;
  private readonly files: string[] = [];
  private records = 0;
  private readonly byType = Object.fromEntries(MARKET_RECORD_TYPES.map((t) => [t, 0])) as Record<MarketRecordType, number>;
  private firstTime: number | undefined;
  private lastTime: number | undefined;

  constructor(private readonly options: RecorderOptions) {
    this.rotation = options.rotation ?? 'hour';
    this.prefix = options.prefix ?? 'marketdata';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(this.prefix)) throw new RangeError(`file prefix must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(this.prefix)}`);
    this.clock = options.clock ?? systemClock;
    try {
      mkdirSync(options.dir, { recursive: true });
    } catch (e) {
      throw new Error(`cannot create the recording directory ${options.dir}: ${(e as Error).message}`);
    }
    const every = options.flushIntervalMs ?? 1000;
    this.flushTimer = this.clock.setInterval(() => this.current?.gzip.flush(), every);
  }

  /** Appends one record; resolves once the compressor has room for more. */
  async write(record: MarketRecord): Promise<void> {
    if (this.closed) throw new Error('the recorder is closed');
    if (this.failure !== undefined) throw this.failure;
    const key = rotationKey(record.localTime, this.rotation);
    // Rotate forward only: a record a little out of time order stays in the file that is open.
    if (this.current === undefined || key > this.current.key) {
      await this.finishFile();
      this.current = this.openFile(key);
    }
    this.records++;
    this.byType[record.type]++;
    this.firstTime ??= record.localTime;
    this.lastTime = record.localTime;
    if (!this.current.gzip.write(encodeRecord(record) + '\n')) await this.drained(this.current.gzip);
  }

  /** Finishes the open file (a complete gzip stream) and says what was written. */
  async close(): Promise<RecordingSummary> {
    if (!this.closed) {
      this.closed = true;
      this.flushTimer.cancel();
      await this.finishFile();
    }
    if (this.failure !== undefined) throw this.failure;
    return {
      files: [...this.files],
      records: this.records,
      byType: { ...this.byType },
      ...(this.firstTime !== undefined ? { firstTime: this.firstTime } : {}),
      ...(this.lastTime !== undefined ? { lastTime: this.lastTime } : {}),
    };
  }

  private openFile(key: string): OpenRecording {
    let path = join(this.options.dir, `${this.prefix}-${key}.jsonl.gz`);
    // A restart within the same hour starts a second file rather than touching the first.
    for (let n = 2; existsSync(path); n++) path = join(this.options.dir, `${this.prefix}-${key}-${n}.jsonl.gz`);
    const gzip = createGzip();
    const done = pipeline(gzip, createWriteStream(path, { flags: 'wx' })).catch((e: Error) => {
      this.failure ??= new Error(`cannot write ${path}: ${e.message}`);
    });
    this.files.push(path);
    gzip.write(
      encodeHeader({
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        source: this.options.source,
        ...(this.options.symbols !== undefined ? { symbols: this.options.symbols } : {}),
        openedAt: this.clock.now(),
      }) + '\n',
    );
    return { key, path, gzip, done };
  }

  private async finishFile(): Promise<void> {
    const file = this.current;
    if (file === undefined) return;
    this.current = undefined;
    file.gzip.end();
    await file.done;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drained(gzip: Gzip): Promise<void> {
    // A failing stream rejects the wait; the pipeline's own error is the one worth reporting.
    await Promise.race([once(gzip, 'drain'), once(gzip, 'close')]).catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Writes a feed until it ends (or `signal` fires) and closes the last file. */
export async function recordFeed(feed: MarketFeed, options: RecorderOptions & { readonly signal?: AbortSignal }): Promise<RecordingSummary> {
  const recorder = new MarketRecorder(options);
  try {
    for await (const record of feed) {
      if (options.signal?.aborted) break;
      await recorder.write(record);
    }
  } finally {
    await recorder.close().catch(() => undefined);
  }
  return recorder.close();
}
