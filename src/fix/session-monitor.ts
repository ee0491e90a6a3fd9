// What a FIX session has been saying lately, for people debugging a client: the last messages in
// both directions as raw bytes, message counts and rates, and session events. It is a SessionLog,
// so the session tells it everything without knowing it is watched.
//
// Messages are copied into one preallocated byte ring per session: no allocation per message on
// the hot path, a fixed memory bound however busy or numerous the sessions are, and received
// bytes never pin the socket's read buffers.
import type { SessionLog } from './session.js';

export type MessageDirection = 'in' | 'out';

export interface RecentMessage {
  readonly direction: MessageDirection;
  /** Epoch milliseconds when the session logged it. */
  readonly time: number;
  /** The message as sent or received; cut at `maxMessageBytes` when longer. */
  readonly raw: Buffer;
  /** True when `raw` is only the start of a longer message. */
  readonly truncated: boolean;
}

export interface SessionEvent {
  readonly time: number;
  readonly text: string;
}

export interface SessionMonitorOptions {
  /** Messages kept (default 200). */
  readonly messages?: number;
  /** Bytes of ring buffer (default 128 KiB): older messages drop out first when it is full. */
  readonly bytes?: number;
  /** A longer message keeps only its first bytes (default 4 KiB). */
  readonly maxMessageBytes?: number;
  /** Events kept (default 100). */
  readonly events?: number;
  readonly now?: () => number;
  /** Told every event as it happens (an activity log). */
  readonly onEvent?: (text: string) => void;
}

/** Message counts of one direction, with a rate over the last whole second. */
class RateCounter {
  total = 0;
  private bucketStart = 0;
  private inBucket = 0;
  private lastRate = 0;

  count(now: number): void {
    this.total++;
    if (now - this.bucketStart >= 1000) this.roll(now);
    this.inBucket++;
  }

  perSecond(now: number): number {
    if (now - this.bucketStart >= 1000) this.roll(now);
    return this.lastRate;
  }

  private roll(now: number): void {
    // A gap of more than a second means nothing arrived in the last whole second.
    this.lastRate = now - this.bucketStart < 2000 ? this.inBucket : 0;
    this.bucketStart = now;
    this.inBucket = 0;
  }
}

export class SessionMonitor implements SessionLog {
  readonly received = new RateCounter();
  readonly sent = new RateCounter();
  private readonly ring: Buffer;
  private ringEnd = 0;
  private readonly capacity: number;
  private readonly maxMessageBytes: number;
  // Entry k of the message ring: where its bytes start in `ring`, how many, its full length, when, which way.
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly fullLengths: Int32Array;
  private readonly times: Float64Array;
  private readonly directions: Uint8Array;
  private next = 0;
  private count = 0;
  private readonly events: SessionEvent[] = [];
  private readonly maxEvents: number;
  private readonly now: () => number;
  private readonly onEventListener: ((text: string) => void) | undefined;

  constructor(options: SessionMonitorOptions = {}) {
    this.capacity = Math.max(1, options.messages ?? 200);
    this.ring = Buffer.alloc(Math.max(1024, options.bytes ?? 128 * 1024));
    this.maxMessageBytes = Math.min(this.ring.length, Math.max(64, options.maxMessageBytes ?? 4096));
    this.offsets = new Int32Array(this.capacity);
    this.lengths = new Int32Array(this.capacity);
    this.fullLengths = new Int32Array(this.capacity);
    this.times = new Float64Array(this.capacity);
    this.directions = new Uint8Array(this.capacity);
    this.maxEvents = Math.max(1, options.events ?? 100);
    this.now = options.now ?? Date.now;
    this.onEventListener = options.onEvent;
  }

  onIncoming(raw: Buffer): void {
    const now = this.now();
    this.received.count(now);
    this.keep(0, raw, now);
  }

  onOutgoing(raw: Buffer): void {
    const now = this.now();
    this.sent.count(now);
    this.keep(1, raw, now);
  }

  onEvent(text: string): void {
    this.events.push({ time: this.now(), text });
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    this.onEventListener?.(text);
  }

  /** The last messages, oldest first, at most `limit`. */
  recentMessages(limit = this.capacity): RecentMessage[] {
    const n = Math.min(limit, this.count);
    const out: RecentMessage[] = [];
    for (let k = n; k > 0; k--) {
      const i = (this.next - k + this.capacity) % this.capacity;
      const length = this.lengths[i];
      const start = this.offsets[i];
      out.push({
        direction: this.directions[i] === 0 ? 'in' : 'out',
        time: this.times[i],
        raw: Buffer.from(this.ring.subarray(start, start + length)),
        truncated: this.fullLengths[i] > length,
      });
    }
    return out;
  }

  /** Session events (logons, logouts, resends, rejects...), oldest first. */
  recentEvents(): SessionEvent[] {
    return [...this.events];
  }

  private keep(direction: number, raw: Buffer, now: number): void {
    const length = Math.min(raw.length, this.maxMessageBytes);
    let start = this.ringEnd;
    if (start + length > this.ring.length) {
      // The unused tail holds the oldest entries: they go before the start of the ring is reused.
      this.dropOverwritten(start, this.ring.length);
      start = 0;
    }
    const end = start + length;
    this.dropOverwritten(start, end);
    raw.copy(this.ring, start, 0, length);
    this.ringEnd = end;
    const i = this.next;
    this.offsets[i] = start;
    this.lengths[i] = length;
    this.fullLengths[i] = raw.length;
    this.times[i] = now;
    this.directions[i] = direction;
    this.next = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Forgets the oldest entries whose bytes the newest one has just written over. */
  private dropOverwritten(start: number, end: number): void {
    while (this.count > 0) {
      const oldest = (this.next - this.count + this.capacity) % this.capacity;
      const s = this.offsets[oldest];
      const e = s + this.lengths[oldest];
      if (e <= start || s >= end) return;
      this.count--;
    }
  }
}

/** One monitor per session key, made when the acceptor first builds the session (acceptor option `logFor`). */
export class SessionMonitors {
  private readonly byKey = new Map<string, SessionMonitor>();

  constructor(private readonly options: SessionMonitorOptions & { readonly onSessionEvent?: (key: string, text: string) => void } = {}) {}

  /** The monitor of a session, made on first use. */
  for(key: string): SessionMonitor {
    let monitor = this.byKey.get(key);
    if (monitor === undefined) {
      const listener = this.options.onSessionEvent;
      monitor = new SessionMonitor({ ...this.options, ...(listener !== undefined ? { onEvent: (text: string) => listener(key, text) } : {}) });
      this.byKey.set(key, monitor);
    }
    return monitor;
  }

  get(key: string): SessionMonitor | undefined {
    return this.byKey.get(key);
  }
}
