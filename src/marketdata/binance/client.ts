// The stateful Binance spot market-data client: one combined-stream WebSocket for all symbols, REST
// depth snapshots to seed local books, and everything it takes to stay correct for days: reconnect
// with backoff, a watchdog for dead connections, rotation before Binance's 24 h cut, resync on a
// sequence gap, live subscribe/unsubscribe within Binance's 5 messages/s. Consumers see only
// records: `for await (const r of feed)` yields market records and feed_status records, in the order
// they happened.
import WebSocket from 'ws';
import { systemClock, type ClockScheduler, type TimerHandle } from '../../shared/clock.js';
import { FeedQualityMonitor, type QualityOptions, type QualityReport } from '../quality.js';
import { RecordQueue } from '../record-queue.js';
import type { LocalBook } from '../local-book.js';
import type { BookChangeRecord, BookSnapshotRecord, FeedState, FeedStatusReason, MarketRecord } from '../records.js';
import { BinanceBookSync } from './book-sync.js';
import { OutboundQueue } from './outbound-queue.js';
import { BinanceParseError, EXCHANGE, parseCombinedMessage, parseDepthSnapshot, type MethodReply } from './parse.js';
import { parseStreamName, streamNames, type StreamSelection } from './streams.js';

export interface BinanceFeedOptions {
  /** Symbols to follow from the start ('BTCUSDT'; any case). More can be added with subscribe(). */
  readonly symbols: readonly string[];
  /** WebSocket base; the client connects to `${wsUrl}/stream?streams=...`. */
  readonly wsUrl?: string;
  /** REST base; snapshots come from `${restUrl}/api/v3/depth?symbol=X&limit=N`. */
  readonly restUrl?: string;
  readonly streams?: StreamSelection;
  /** Levels asked of the REST snapshot; the local book is exact within the snapshot's price range. */
  readonly snapshotLimit?: number;
  /** Tick size per symbol (upper case); the local book then keys levels by integer ticks. */
  readonly tickSizes?: Readonly<Record<string, string>>;
  readonly reconnect?: {
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    /** Fraction of each delay drawn at random (0..1), so many clients do not reconnect in step. */
    readonly jitter?: number;
  };
  /** First wait before asking for a snapshot again (too old, HTTP error); doubles up to maxDelayMs. */
  readonly snapshotRetryDelayMs?: number;
  readonly snapshotTimeoutMs?: number;
  /** Nothing received for this long: send a ping. */
  readonly idlePingMs?: number;
  /** Nothing received for this long (no data, no ping, no pong): the connection is dead, reconnect. */
  readonly deadAfterMs?: number;
  /** Reconnect on purpose after this long; Binance cuts every connection at 24 h. */
  readonly rotateAfterMs?: number;
  readonly handshakeTimeoutMs?: number;
  /** Binance allows 5 messages a second from the client (requests, pings, pongs). */
  readonly maxOutboundPerSecond?: number;
  /** Records waiting for the consumer before the socket stops being read. */
  readonly maxQueued?: number;
  readonly maxBufferedDiffs?: number;
  readonly quality?: QualityOptions;
  readonly clock?: ClockScheduler;
  /** Source of randomness for the jitter (tests pin it). */
  readonly random?: () => number;
}

export interface BinanceFeedStats {
  readonly connections: number;
  readonly messages: number;
  readonly parseErrors: number;
  readonly lastParseError?: BinanceParseError;
  readonly snapshotsRequested: number;
  readonly resyncs: number;
  readonly pingsSent: number;
  readonly pingsReceived: number;
  /** Records waiting for the consumer. */
  readonly queued: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

const DEFAULTS = {
  wsUrl: 'wss://stream.binance.com:9443',
  restUrl: 'https://api.binance.com',
  snapshotLimit: 1000,
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  jitter: 0.3,
  snapshotRetryDelayMs: 250,
  snapshotTimeoutMs: 10_000,
  idlePingMs: 15_000,
  deadAfterMs: 45_000,
  rotateAfterMs: 23 * 3600_000 + 30 * 60_000,
  handshakeTimeoutMs: 10_000,
  maxOutboundPerSecond: 5,
  maxQueued: 10_000,
  maxBufferedDiffs: 50_000,
};

interface SymbolState {
  readonly symbol: string;
  readonly sync: BinanceBookSync;
  readonly quality: FeedQualityMonitor;
  state: FeedState;
  /** Bumped on every reset, so a snapshot answer for an earlier attempt is ignored. */
  epoch: number;
  fetching: boolean;
  snapshotAttempts: number;
  retryTimer: TimerHandle | undefined;
}

interface PendingRequest {
  resolve: () => void;
  reject: (e: Error) => void;
}

const SYMBOL = /^[A-Za-z0-9]{1,32}$/;

export class BinanceFeed implements AsyncIterable<MarketRecord> {
  private readonly opts: typeof DEFAULTS;
  private readonly selection: StreamSelection;
  private readonly clock: ClockScheduler;
  private readonly random: () => number;
  private readonly qualityOptions: QualityOptions;
  private readonly tickSizes: Readonly<Record<string, string>>;
  private readonly queue: RecordQueue;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly outbound: OutboundQueue;

  private ws: WebSocket | undefined;
  private connState: ConnectionState = 'idle';
  /** Bumped per connection; callbacks of an older connection do nothing. */
  private generation = 0;
  private attempt = 0;
  private reconnectTimer: TimerHandle | undefined;
  private watchdogTimer: TimerHandle | undefined;
  private rotateTimer: TimerHandle | undefined;
  private lastInbound = 0;
  private pingOutstanding = false;
  private paused = false;
  private closeReason: FeedStatusReason = 'connection_closed';
  private closeDetail: string | undefined;
  private stopped = false;
  private nextRequestId = 1;
  private readonly pending = new Map<number, PendingRequest>();

  private counters = { connections: 0, messages: 0, parseErrors: 0, snapshotsRequested: 0, resyncs: 0, pingsSent: 0, pingsReceived: 0 };
  private lastParseError: BinanceParseError | undefined;

  constructor(options: BinanceFeedOptions) {
    const defined = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
    const { symbols: _symbols, streams, tickSizes, reconnect, quality, clock, random, ...rest } = options;
    this.opts = { ...DEFAULTS, ...defined(rest), ...defined(reconnect) };
    for (const url of [this.opts.wsUrl, this.opts.restUrl]) new URL(url);
    this.selection = streams ?? {};
    this.clock = clock ?? systemClock;
    this.random = random ?? Math.random;
    this.qualityOptions = quality ?? {};
    this.tickSizes = tickSizes ?? {};
    this.outbound = new OutboundQueue(this.clock, this.opts.maxOutboundPerSecond);
    this.queue = new RecordQueue({
      highWaterMark: this.opts.maxQueued,
      onHigh: () => this.pauseReading(),
      onLow: () => this.resumeReading(),
      onReturn: () => void this.close(),
    });
    for (const s of options.symbols) this.addSymbol(s);
  }

  // ---- public surface

  /** Starts on the first iteration; one consumer per feed. */
  [Symbol.asyncIterator](): AsyncIterator<MarketRecord> {
    this.start();
    return this.queue;
  }

  /** Connects (idempotent). Iterating starts it too. */
  start(): void {
    if (this.connState !== 'idle' || this.stopped) return;
    this.connect();
  }

  get connectionState(): ConnectionState {
    return this.connState;
  }

  get subscribedSymbols(): string[] {
    return [...this.symbols.keys()];
  }

  /** The local book of a symbol followed by depth; trust it only while its state is 'live'. */
  book(symbol: string): LocalBook | undefined {
    return this.symbols.get(symbol.toUpperCase())?.sync.book;
  }

  symbolState(symbol: string): FeedState | undefined {
    return this.symbols.get(symbol.toUpperCase())?.state;
  }

  quality(symbol: string): QualityReport | undefined {
    return this.symbols.get(symbol.toUpperCase())?.quality.report();
  }

  stats(): BinanceFeedStats {
    return { ...this.counters, queued: this.queue.length, ...(this.lastParseError !== undefined ? { lastParseError: this.lastParseError } : {}) };
  }

  /**
   * Adds symbols on the open connection (SUBSCRIBE) and to every later one. Resolves when Binance
   * confirms, or at once when no connection is open (the next one includes them).
   */
  subscribe(symbols: readonly string[]): Promise<void> {
    const added = symbols.map((s) => s.toUpperCase()).filter((s) => !this.symbols.has(s));
    for (const s of added) this.addSymbol(s);
    const streams = added.flatMap((s) => streamNames(s, this.selection));
    for (const s of added) this.setState(this.symbols.get(s) as SymbolState, this.connState === 'open' ? 'resyncing' : 'connecting', 'subscribed');
    return this.request('SUBSCRIBE', streams);
  }

  /** Stops following symbols (UNSUBSCRIBE); their books are dropped at once. */
  unsubscribe(symbols: readonly string[]): Promise<void> {
    const removed = symbols.map((s) => s.toUpperCase()).filter((s) => this.symbols.has(s));
    const streams = removed.flatMap((s) => streamNames(s, this.selection));
    for (const s of removed) {
      const st = this.symbols.get(s) as SymbolState;
      st.retryTimer?.cancel();
      this.symbols.delete(s);
      this.emitStatus('down', 'unsubscribed', s);
    }
    return this.request('UNSUBSCRIBE', streams);
  }

  /** Closes the connection for good; the iteration ends after the records already queued. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.closeReason = 'stopped';
    this.reconnectTimer?.cancel();
    for (const st of this.symbols.values()) st.retryTimer?.cancel();
    this.outbound.clear();
    const ws = this.ws;
    this.dropConnection();
    if (ws !== undefined) ws.terminate();
    for (const p of this.pending.values()) p.reject(new Error('feed closed'));
    this.pending.clear();
    this.connState = 'closed';
    this.emitStatus('down', 'stopped');
    this.queue.end();
  }

  // ---- connection

  private url(): string {
    const streams = [...this.symbols.keys()].flatMap((s) => streamNames(s, this.selection));
    return streams.length > 0 ? `${this.opts.wsUrl}/stream?streams=${streams.join('/')}` : `${this.opts.wsUrl}/stream`;
  }

  private connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.connState = 'connecting';
    this.closeReason = 'connection_closed';
    this.closeDetail = undefined;
    this.emitStatus('connecting', 'connect');
    const ws = new WebSocket(this.url(), { handshakeTimeout: this.opts.handshakeTimeoutMs, perMessageDeflate: false });
    this.ws = ws;
    this.counters.connections++;
    ws.on('open', () => {
      if (gen !== this.generation) return;
      this.onOpen();
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (gen !== this.generation) return;
      this.lastInbound = this.clock.now();
      this.pingOutstanding = false;
      // Data flows: the next failure starts the backoff from the beginning again.
      this.attempt = 0;
      this.onMessage(isBinary ? '' : data.toString());
    });
    // ws answers every ping with a pong by itself (autoPong); the ping is a sign of life.
    ws.on('ping', () => {
      if (gen !== this.generation) return;
      this.counters.pingsReceived++;
      this.lastInbound = this.clock.now();
    });
    ws.on('pong', () => {
      if (gen !== this.generation) return;
      this.lastInbound = this.clock.now();
      this.pingOutstanding = false;
    });
    ws.on('error', (err: Error) => {
      if (gen !== this.generation) return;
      this.closeReason = 'connection_error';
      this.closeDetail = err.message;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (gen !== this.generation) return;
      if (this.closeDetail === undefined) this.closeDetail = `close code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`;
      this.onClosed();
    });
  }

  private onOpen(): void {
    this.connState = 'open';
    this.lastInbound = this.clock.now();
    this.pingOutstanding = false;
    if (this.paused) this.ws?.pause();
    this.emitStatus('resyncing', 'connected');
    for (const st of this.symbols.values()) {
      this.resetSymbol(st);
      this.setState(st, this.needsBook() ? 'resyncing' : 'live', 'connected');
    }
    const period = Math.max(10, Math.min(this.opts.idlePingMs, this.opts.deadAfterMs) / 4);
    this.watchdogTimer = this.clock.setInterval(() => this.watchdog(), period);
    this.rotateTimer = this.clock.setTimeout(() => this.rotate(), this.opts.rotateAfterMs);
  }

  private onClosed(): void {
    const reason = this.closeReason;
    const detail = this.closeDetail;
    this.dropConnection();
    if (this.stopped) return;
    for (const p of this.pending.values()) p.resolve();
    this.pending.clear();
    for (const st of this.symbols.values()) {
      this.resetSymbol(st);
      st.state = 'down';
      if (reason !== 'rotation') st.quality.recordIssue('disconnect', this.clock.now(), detail);
    }
    this.emitStatus('down', reason, undefined, detail);
    this.connState = 'waiting';
    const delay = reason === 'rotation' ? 0 : this.backoff();
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Forgets the current socket: timers off, its callbacks ignored from now on. */
  private dropConnection(): void {
    this.generation++;
    this.watchdogTimer?.cancel();
    this.rotateTimer?.cancel();
    this.watchdogTimer = undefined;
    this.rotateTimer = undefined;
    this.outbound.clear();
    this.ws = undefined;
  }

  private backoff(): number {
    const base = Math.min(this.opts.maxDelayMs, this.opts.initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base * (1 - this.opts.jitter * this.random()));
  }

  /** Ends the connection on our side; 'close' then reconnects. */
  private endConnection(reason: FeedStatusReason, detail: string): void {
    const ws = this.ws;
    if (ws === undefined) return;
    this.closeReason = reason;
    this.closeDetail = detail;
    if (reason === 'rotation') ws.close(1000, 'rotation');
    else ws.terminate();
  }

  private rotate(): void {
    this.endConnection('rotation', `connection rotated after ${this.opts.rotateAfterMs} ms`);
  }

  private watchdog(): void {
    const now = this.clock.now();
    // While the consumer is behind, the socket is not read: silence is ours, not the server's.
    if (this.paused) this.lastInbound = now;
    const idle = now - this.lastInbound;
    if (idle >= this.opts.deadAfterMs) {
      this.endConnection('ping_timeout', `nothing received for ${idle} ms`);
      return;
    }
    if (idle >= this.opts.idlePingMs && !this.pingOutstanding) {
      this.pingOutstanding = true;
      const ws = this.ws;
      this.outbound.enqueue(() => {
        if (ws !== this.ws || ws?.readyState !== WebSocket.OPEN) return;
        this.counters.pingsSent++;
        ws.ping();
      });
    }
    for (const st of this.symbols.values()) {
      if (st.quality.checkStale(now)) this.setState(st, 'stale', 'stale_data', `no data for ${now - st.quality.report().lastRecordTime} ms`);
    }
  }

  private pauseReading(): void {
    this.paused = true;
    this.ws?.pause();
  }

  private resumeReading(): void {
    this.paused = false;
    this.lastInbound = this.clock.now();
    this.ws?.resume();
  }

  // ---- requests

  private request(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', params: string[]): Promise<void> {
    if (params.length === 0 || this.connState !== 'open' || this.ws === undefined) return Promise.resolve();
    const id = this.nextRequestId++;
    const ws = this.ws;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbound.enqueue(() => {
        if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
        ws.send(JSON.stringify({ method, params, id }));
      });
    });
  }

  private onReply(reply: MethodReply): void {
    if (reply.id === null) return;
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (reply.error !== undefined) p.reject(new Error(`Binance refused the request: ${reply.error.code} ${reply.error.msg}`));
    else p.resolve();
  }

  // ---- messages

  private onMessage(text: string): void {
    this.counters.messages++;
    const parsed = parseCombinedMessage(text, this.clock.now());
    if (parsed instanceof BinanceParseError) {
      this.onParseError(parsed, text);
      return;
    }
    if (parsed.type === 'method_reply') {
      this.onReply(parsed);
      return;
    }
    if (parsed.type === 'feed_status') return;
    const st = this.symbols.get(parsed.symbol);
    if (st === undefined) return; // just unsubscribed
    switch (parsed.type) {
      case 'book_change':
        this.onDiff(st, parsed);
        return;
      case 'book_snapshot':
        this.onPartialDepth(st, parsed);
        return;
      default:
        this.deliver(st, parsed);
    }
  }

  private onParseError(err: BinanceParseError, text: string): void {
    this.counters.parseErrors++;
    this.lastParseError = err;
    // Charge the symbol when the stream name says which one; otherwise the whole connection.
    const m = /"stream":"([^"]+)"/.exec(text.slice(0, 200));
    const symbol = m !== null ? parseStreamName(m[1])?.symbol : undefined;
    const st = symbol !== undefined ? this.symbols.get(symbol) : undefined;
    const now = this.clock.now();
    if (st !== undefined) st.quality.recordIssue('parse_error', now, err.message);
    else for (const s of this.symbols.values()) s.quality.recordIssue('parse_error', now, err.message);
  }

  private deliver(st: SymbolState, record: MarketRecord): void {
    const wasStale = st.quality.stale;
    st.quality.observe(record);
    if (wasStale) this.setState(st, st.sync.state === 'live' || !this.needsBook() ? 'live' : 'resyncing', 'data_resumed');
    this.queue.push(record);
  }

  private onDiff(st: SymbolState, diff: BookChangeRecord): void {
    const outcome = st.sync.onDiff(diff);
    switch (outcome.kind) {
      case 'applied':
        this.deliver(st, diff);
        st.quality.observeBook(st.sync.book.crossing(), diff.localTime);
        return;
      case 'stale':
        return;
      case 'buffered':
        if (!st.fetching && st.retryTimer === undefined) this.fetchSnapshot(st);
        return;
      case 'gap':
        this.resync(st, 'gap', `expected U=${outcome.expectedFirstUpdateId}, got U=${outcome.firstUpdateId}`);
        return;
      case 'invalid':
        this.resync(st, 'invalid_book', outcome.error.reason);
        return;
    }
  }

  private resync(st: SymbolState, issue: 'gap' | 'invalid_book', detail: string): void {
    this.counters.resyncs++;
    const now = this.clock.now();
    st.quality.recordIssue(issue, now, detail);
    st.quality.recordIssue('resync', now);
    st.epoch++;
    st.snapshotAttempts = 0;
    this.setState(st, 'resyncing', 'sequence_gap', detail);
    if (!st.fetching && st.retryTimer === undefined) this.fetchSnapshot(st);
  }

  private onPartialDepth(st: SymbolState, snap: BookSnapshotRecord): void {
    const err = st.sync.book.loadSnapshot(snap.bids, snap.asks, snap.lastUpdateId, snap.localTime);
    if (err !== undefined) {
      st.quality.recordIssue('invalid_book', snap.localTime, err.reason);
      return;
    }
    if (st.state !== 'live') this.setState(st, 'live', 'snapshot_applied');
    this.deliver(st, snap);
    st.quality.observeBook(st.sync.book.crossing(), snap.localTime);
  }

  private needsBook(): boolean {
    return (this.selection.depth ?? 'diff') === 'diff';
  }

  // ---- snapshots

  private fetchSnapshot(st: SymbolState): void {
    const epoch = st.epoch;
    const gen = this.generation;
    st.fetching = true;
    st.snapshotAttempts++;
    this.counters.snapshotsRequested++;
    const url = `${this.opts.restUrl}/api/v3/depth?symbol=${st.symbol}&limit=${this.opts.snapshotLimit}`;
    void this.getJson(url).then(
      (body) => {
        st.fetching = false;
        if (this.stopped || gen !== this.generation || this.symbols.get(st.symbol) !== st) return;
        if (epoch !== st.epoch) {
          // A gap came while this was in flight: the book restarted and wants a newer snapshot.
          this.fetchSnapshot(st);
          return;
        }
        this.onSnapshot(st, body);
      },
      (err: Error & { retryAfterMs?: number }) => {
        st.fetching = false;
        if (this.stopped || gen !== this.generation || this.symbols.get(st.symbol) !== st) return;
        st.quality.recordIssue('resync', this.clock.now(), `snapshot failed: ${err.message}`);
        this.setState(st, 'resyncing', 'snapshot_failed', err.message);
        this.retrySnapshot(st, err.retryAfterMs);
      },
    );
  }

  private onSnapshot(st: SymbolState, body: unknown): void {
    const now = this.clock.now();
    const snap = parseDepthSnapshot(body, st.symbol, now, this.opts.snapshotLimit);
    if (snap instanceof BinanceParseError) {
      this.counters.parseErrors++;
      this.lastParseError = snap;
      st.quality.recordIssue('parse_error', now, snap.message);
      this.retrySnapshot(st);
      return;
    }
    const outcome = st.sync.onSnapshot(snap);
    if (outcome.kind === 'too_old') {
      st.quality.recordIssue('resync', now, `snapshot ${outcome.lastUpdateId} older than buffered U=${outcome.firstBufferedUpdateId}`);
      this.retrySnapshot(st);
      return;
    }
    if (outcome.kind === 'invalid') {
      st.epoch++;
      st.quality.recordIssue('invalid_book', now, outcome.error.reason);
      this.retrySnapshot(st);
      return;
    }
    st.snapshotAttempts = 0;
    this.setState(st, 'live', 'snapshot_applied', `lastUpdateId ${snap.lastUpdateId}`);
    this.deliver(st, snap);
    for (const diff of outcome.applied) if (diff.lastUpdateId > snap.lastUpdateId) this.deliver(st, diff);
    st.quality.observeBook(st.sync.book.crossing(), now);
  }

  private retrySnapshot(st: SymbolState, retryAfterMs?: number): void {
    const delay = retryAfterMs ?? Math.min(this.opts.maxDelayMs, this.opts.snapshotRetryDelayMs * 2 ** Math.min(st.snapshotAttempts - 1, 20));
    st.retryTimer?.cancel();
    st.retryTimer = this.clock.setTimeout(() => {
      st.retryTimer = undefined;
      if (this.stopped || this.symbols.get(st.symbol) !== st || this.connState !== 'open') return;
      if (st.sync.state === 'buffering' && !st.fetching) this.fetchSnapshot(st);
    }, delay);
  }

  private async getJson(url: string): Promise<unknown> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.snapshotTimeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      const err: Error & { retryAfterMs?: number } = new Error(`HTTP ${res.status} from ${url}`);
      // 429/418: Binance says how long to stay away.
      const retryAfter = Number(res.headers.get('retry-after'));
      if ((res.status === 429 || res.status === 418) && retryAfter > 0) err.retryAfterMs = retryAfter * 1000;
      throw err;
    }
    return res.json();
  }

  // ---- symbols and status

  private addSymbol(raw: string): void {
    if (!SYMBOL.test(raw)) throw new RangeError(`not a Binance symbol: ${raw}`);
    const symbol = raw.toUpperCase();
    if (this.symbols.has(symbol)) return;
    const tickSize = this.tickSizes[symbol];
    const quality = new FeedQualityMonitor(symbol, this.qualityOptions);
    const st: SymbolState = {
      symbol,
      sync: new BinanceBookSync(symbol, { maxBuffered: this.opts.maxBufferedDiffs, ...(tickSize !== undefined ? { tickSize } : {}) }),
      quality,
      state: 'connecting',
      epoch: 0,
      fetching: false,
      snapshotAttempts: 0,
      retryTimer: undefined,
    };
    quality.onCircuitChange = (circuit, time) => {
      if (this.symbols.get(symbol) !== st) return;
      if (circuit === 'open') this.emitStatus('down', 'circuit_open', symbol, 'too many errors: fail over', time);
      else if (circuit === 'closed') this.emitStatus(st.state, 'circuit_closed', symbol, undefined, time);
    };
    this.symbols.set(symbol, st);
  }

  private resetSymbol(st: SymbolState): void {
    st.sync.reset();
    st.epoch++;
    st.snapshotAttempts = 0;
    st.retryTimer?.cancel();
    st.retryTimer = undefined;
  }

  private setState(st: SymbolState, state: FeedState, reason: FeedStatusReason, detail?: string): void {
    st.state = state;
    this.emitStatus(state, reason, st.symbol, detail);
  }

  private emitStatus(state: FeedState, reason: FeedStatusReason, symbol?: string, detail?: string, time?: number): void {
    this.queue.push({
      type: 'feed_status',
      exchange: EXCHANGE,
      ...(symbol !== undefined ? { symbol } : {}),
      state,
      reason,
      ...(detail !== undefined ? { detail } : {}),
      localTime: time ?? this.clock.now(),
    });
  }
}
