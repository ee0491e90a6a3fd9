// The hand-off between a push source (socket callbacks) and one pull consumer (for await). Records
// wait here until the consumer asks; the source learns the queue is long through onHigh/onLow, so it
// can stop reading its socket instead of buffering without bound.
import type { MarketRecord } from './records.js';

export interface RecordQueueOptions {
  /** Above this many waiting records, onHigh is called once; onLow once back at half. */
  readonly highWaterMark?: number;
  readonly onHigh?: () => void;
  readonly onLow?: () => void;
  /** Called when the consumer stops early (break out of for await). */
  readonly onReturn?: () => void;
}

export class RecordQueue implements AsyncIterableIterator<MarketRecord> {
  private items: MarketRecord[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<MarketRecord>) => void) | undefined;
  private ended = false;
  private high = false;
  private readonly highWaterMark: number;

  constructor(private readonly options: RecordQueueOptions = {}) {
    this.highWaterMark = options.highWaterMark ?? 10_000;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(record: MarketRecord): void {
    if (this.ended) return;
    const w = this.waiting;
    if (w !== undefined) {
      this.waiting = undefined;
      w({ value: record, done: false });
      return;
    }
    this.items.push(record);
    if (!this.high && this.length >= this.highWaterMark) {
      this.high = true;
      this.options.onHigh?.();
    }
  }

  /** No more records after those already queued. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const w = this.waiting;
    if (w !== undefined && this.length === 0) {
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<MarketRecord>> {
    if (this.head < this.items.length) {
      const value = this.items[this.head++];
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.high && this.length <= this.highWaterMark >>> 1) {
        this.high = false;
        this.options.onLow?.();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiting !== undefined) return Promise.reject(new Error('a record queue has one consumer: next() called while another is pending'));
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<MarketRecord>> {
    this.options.onReturn?.();
    this.items = [];
    this.head = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<MarketRecord> {
    return this;
  }
}
