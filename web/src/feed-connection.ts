// The one WebSocket to the venue (/ws): connects, reconnects with backoff (first retry after about
// 3 s, then longer, at most 15 s), checks sequence numbers (sequence-guard.ts) and hands over
// only messages that are safe to apply. A connection that goes silent is closed and replaced:
// the server sends stats every second, so a quiet socket is a dead one.
import type { ClientMessage, ServerMessage } from '../../src/protocol/index.js';
import { SequenceGuard } from './sequence-guard.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** When the next attempt starts (epoch ms), while disconnected. */
  readonly retryAt?: number;
  /** Why the last connection ended. */
  readonly reason?: string;
  /** Connecting again after losing the connection (not the first attempt). */
  readonly retrying?: boolean;
}

export interface FeedConnectionOptions {
  readonly url: string;
  /** Messages to apply, in order (held-back ones never reach here). */
  readonly onMessages: (messages: ServerMessage[]) => void;
  readonly onStatus: (status: ConnectionStatus) => void;
  /** A gap was seen and a resync asked for. */
  readonly onGap?: (expected: number, got: number) => void;
  /** Raw frames received (for the rate shown in the header). */
  readonly onFrame?: (messages: number, bytes: number) => void;
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
}

const PING_AFTER_MS = 5000;
const DEAD_AFTER_MS = 12_000;

export class FeedConnection {
  private socket: WebSocket | undefined;
  private readonly guard = new SequenceGuard();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly watchdog: ReturnType<typeof setInterval>;
  private lastHeard = 0;
  private pinged = false;
  private stopped = false;
  private status: ConnectionStatus = { state: 'connecting' };

  constructor(private readonly options: FeedConnectionOptions) {
    this.watchdog = setInterval(() => this.checkAlive(), 1000);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'page closed');
  }

  get current(): ConnectionStatus {
    return this.status;
  }

  /** Sends a message when connected; false when not. */
  send(message: ClientMessage): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Asks for a fresh snapshot; nothing is applied until it arrives. */
  resync(): void {
    if (this.send({ type: 'resync' })) this.guard.awaitSnapshot();
  }

  /** Reconnects at once (the user pressed Refresh while disconnected). */
  retryNow(): void {
    if (this.status.state !== 'disconnected') return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus(this.status.state === 'disconnected' ? { state: 'connecting', retrying: true, ...(this.status.reason !== undefined ? { reason: this.status.reason } : {}) } : { state: 'connecting' });
    this.guard.reset();
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.options.url);
    } catch (e) {
      this.scheduleRetry(e instanceof Error ? e.message : String(e));
      return;
    }
    this.socket = socket;
    this.lastHeard = Date.now();
    this.pinged = false;
    socket.onopen = () => {
      this.lastHeard = Date.now();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      this.lastHeard = Date.now();
      this.pinged = false;
      this.receive(String(event.data));
    };
    socket.onclose = (event: { readonly code: number; readonly reason: string }) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.scheduleRetry(event.reason !== '' ? `${event.reason} (${event.code})` : `closed (${event.code})`);
    };
    socket.onerror = () => {
      // A close event follows; it does the reconnecting.
    };
  }

  private receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return;
    this.options.onFrame?.(frame.length, text.length);
    const apply: ServerMessage[] = [];
    for (const item of frame as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const message = item as ServerMessage;
      if (typeof message.seq !== 'number' || typeof message.type !== 'string') continue;
      const verdict = this.guard.check(message);
      if (verdict.resync) {
        this.send({ type: 'resync' });
        this.options.onGap?.(verdict.gapFrom ?? 0, message.seq);
      }
      if (verdict.apply) apply.push(message);
      if (message.type === 'snapshot') {
        this.attempt = 0;
        if (this.status.state !== 'connected') this.setStatus({ state: 'connected' });
      }
    }
    if (apply.length > 0) this.options.onMessages(apply);
  }

  private scheduleRetry(reason: string): void {
    if (this.stopped) return;
    const first = this.options.firstRetryMs ?? 3000;
    const max = this.options.maxRetryMs ?? 15_000;
    const base = Math.min(max, first * 1.5 ** this.attempt);
    // A little jitter, so many dashboards do not all knock at the same instant after a restart.
    const delay = Math.round(base * (0.9 + Math.random() * 0.2));
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setStatus({ state: 'disconnected', retryAt: Date.now() + delay, reason });
  }

  private checkAlive(): void {
    const socket = this.socket;
    if (socket === undefined || this.stopped) return;
    const quiet = Date.now() - this.lastHeard;
    if (socket.readyState === WebSocket.OPEN && quiet > PING_AFTER_MS && !this.pinged) {
      this.pinged = true;
      this.send({ type: 'ping' });
    }
    if (quiet > DEAD_AFTER_MS) {
      this.socket = undefined;
      socket.onclose = null;
      socket.close(4000, 'no data');
      this.scheduleRetry(`no data for ${Math.round(quiet / 1000)} s`);
    }
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.options.onStatus(status);
  }
}
