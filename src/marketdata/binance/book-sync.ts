// Binance's documented procedure for keeping a local book in step with the depth diff stream:
//   1. buffer the diffs from the stream, and ask for a REST depth snapshot;
//   2. if the snapshot's lastUpdateId is older than the first buffered U - 1, it cannot be bridged:
//      ask again;
//   3. drop buffered diffs with u <= lastUpdateId;
//   4. the first diff applied must have U <= lastUpdateId + 1 <= u;
//   5. from then on each diff's U must be the previous u + 1; anything else is a gap: clear the book
//      and start over from 1.
// Pure state: no I/O, no timers. The client asks for snapshots and reports the outcomes.
import { LocalBook, type BookApplyError, type LocalBookOptions } from '../local-book.js';
import type { BookChangeRecord, BookSnapshotRecord } from '../records.js';

export type BookSyncState = 'buffering' | 'live';

export type DiffOutcome =
  | { readonly kind: 'buffered' }
  /** Already contained in the book (u <= its update id): dropped. */
  | { readonly kind: 'stale' }
  | { readonly kind: 'applied' }
  /** The chain broke: the book is cleared and buffering starts again from this diff. */
  | { readonly kind: 'gap'; readonly expectedFirstUpdateId: number; readonly firstUpdateId: number }
  /** A level the book could not take (off tick, bad decimal): cleared and buffering, as for a gap. */
  | { readonly kind: 'invalid'; readonly error: BookApplyError };

export type SnapshotOutcome =
  /** The book holds the snapshot plus `applied`, the buffered diffs that came after it. */
  | { readonly kind: 'synced'; readonly applied: readonly BookChangeRecord[] }
  /** Older than the buffered diffs can bridge: ask for another snapshot. */
  | { readonly kind: 'too_old'; readonly lastUpdateId: number; readonly firstBufferedUpdateId: number }
  | { readonly kind: 'invalid'; readonly error: BookApplyError };

export interface BookSyncOptions extends LocalBookOptions {
  /** Diffs kept while waiting for a snapshot; the oldest go first (a snapshot is newer than them anyway). */
  readonly maxBuffered?: number;
}

const BUFFERED: DiffOutcome = { kind: 'buffered' };
const STALE: DiffOutcome = { kind: 'stale' };
const APPLIED: DiffOutcome = { kind: 'applied' };

export class BinanceBookSync {
  readonly book: LocalBook;
  private stateValue: BookSyncState = 'buffering';
  private buffer: BookChangeRecord[] = [];
  private bufferStart = 0;
  /** After a snapshot, until the first diff beyond it: that diff must straddle lastUpdateId + 1. */
  private awaitingFirst = false;
  private readonly maxBuffered: number;

  constructor(symbol: string, options: BookSyncOptions = {}) {
    this.book = new LocalBook(symbol, options);
    this.maxBuffered = options.maxBuffered ?? 50_000;
  }

  get state(): BookSyncState {
    return this.stateValue;
  }

  get buffered(): number {
    return this.buffer.length - this.bufferStart;
  }

  /** Back to step 1 (new connection, or a gap found elsewhere): clears the book and the buffer. */
  reset(): void {
    this.book.clear();
    this.stateValue = 'buffering';
    this.buffer = [];
    this.bufferStart = 0;
    this.awaitingFirst = false;
  }

  onDiff(diff: BookChangeRecord): DiffOutcome {
    if (this.stateValue === 'buffering') {
      this.bufferDiff(diff);
      return BUFFERED;
    }
    const last = this.book.lastUpdateId;
    if (diff.lastUpdateId <= last) return STALE;
    const inStep = this.awaitingFirst ? diff.firstUpdateId <= last + 1 : diff.firstUpdateId === last + 1;
    if (!inStep) {
      this.restartFrom(diff);
      return { kind: 'gap', expectedFirstUpdateId: last + 1, firstUpdateId: diff.firstUpdateId };
    }
    const error = this.book.applyChange(diff.bids, diff.asks, diff.lastUpdateId, diff.localTime);
    if (error !== undefined) {
      this.reset();
      return { kind: 'invalid', error };
    }
    this.awaitingFirst = false;
    return APPLIED;
  }

  onSnapshot(snapshot: BookSnapshotRecord): SnapshotOutcome {
    const s = snapshot.lastUpdateId;
    let i = this.bufferStart;
    const buf = this.buffer;
    if (i < buf.length && buf[i].firstUpdateId > s + 1) {
      return { kind: 'too_old', lastUpdateId: s, firstBufferedUpdateId: buf[i].firstUpdateId };
    }
    const error = this.book.loadSnapshot(snapshot.bids, snapshot.asks, s, snapshot.localTime);
    if (error !== undefined) {
      this.reset();
      return { kind: 'invalid', error };
    }
    while (i < buf.length && buf[i].lastUpdateId <= s) i++;
    const applied = buf.slice(i);
    this.buffer = [];
    this.bufferStart = 0;
    this.stateValue = 'live';
    this.awaitingFirst = true;
    // The buffer is one unbroken chain (bufferDiff restarts it on a break) and its first remaining
    // diff straddles s + 1, so every buffered diff applies in step.
    for (const diff of applied) {
      const outcome = this.onDiff(diff);
      if (outcome.kind === 'invalid') return { kind: 'invalid', error: outcome.error };
    }
    return { kind: 'synced', applied };
  }

  private restartFrom(diff: BookChangeRecord): void {
    this.reset();
    this.bufferDiff(diff);
  }

  private bufferDiff(diff: BookChangeRecord): void {
    const n = this.buffer.length;
    if (n > this.bufferStart && diff.firstUpdateId !== this.buffer[n - 1].lastUpdateId + 1) {
      // A break inside the buffer: only a snapshot newer than the break can be used, so what came
      // before it is useless.
      this.buffer = [];
      this.bufferStart = 0;
    }
    this.buffer.push(diff);
    if (this.buffer.length - this.bufferStart > this.maxBuffered) {
      this.bufferStart++;
      if (this.bufferStart > 1024 && this.bufferStart * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.bufferStart);
        this.bufferStart = 0;
      }
    }
  }
}
