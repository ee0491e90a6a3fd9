// The WebSocket side of the market view: one hub, many clients, each with its own subscription
// (symbols, channels, book depth) and its own message sequence. docs/PROTOCOL.md is the contract.
//
// Everything goes out on a tick (default every 100 ms): the book levels that changed since the
// last tick, each with its value now (so a level that moved ten times costs one entry), the
// trades, executions and order events queued since, and any snapshot a client asked for. A client
// gets at most one frame per tick, a JSON array of its messages, written with one socket write.
//
// A client that does not read falls behind in its socket's send buffer, not in the hub: when the
// buffer passes the cap (default 4 MiB) the client is cut with close code 1008, so a slow reader
// never holds memory or delays anyone else.
import type { RawData, WebSocket } from 'ws';
import type { ExecutionInfo } from '../protocol/common.js';
import {
  CHANNELS,
  type ChannelName,
  clientMessage,
  type PriceLevel,
  type SnapshotMessage,
  type SubscriptionInfo,
  type WsErrorCode,
} from '../protocol/index.js';
import type { ClockScheduler, TimerHandle } from '../shared/clock.js';
import type { MarketMessage, MarketView, RawLevel } from './market-view.js';
import { type ReferenceMarket, SNAPSHOT_TRADES } from './reference-market.js';

export const DEFAULT_WS_INTERVAL_MS = 100;
export const DEFAULT_WS_FLUSH_MS = 10;
export const DEFAULT_STATS_INTERVAL_MS = 1000;
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Close code for a client cut for falling behind (1008: policy violation). */
export const SLOW_CLIENT_CLOSE_CODE = 1008;
/** Close code when the server stops. */
export const GOING_AWAY_CLOSE_CODE = 1001;
/** How long a cut client's socket may take to close before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

export interface WsHubOptions {
  readonly view: MarketView;
  readonly clock: ClockScheduler;
  /** Tick: book conflation, snapshots and stats (ms). */
  readonly intervalMs?: number;
  /**
   * Orders, executions and trades go out within this (ms), a write per client at most each time:
   * they are never conflated, so they need not wait for the book's tick.
   */
  readonly flushIntervalMs?: number;
  /** How often subscribers get `stats` (ms). */
  readonly statsIntervalMs?: number;
  /** A client whose unsent bytes pass this is cut. */
  readonly maxBufferedBytes?: number;
  /** Counters for /metrics. */
  readonly metrics?: WsHubMetrics;
}

export interface WsHubMetrics {
  clients(count: number): void;
  sent(frames: number, messages: number, bytes: number): void;
  dropped(reason: 'slow'): void;
}

interface Subscription {
  all: boolean;
  symbols: Set<string>;
  channels: Set<ChannelName>;
  /** Best N levels a side; Infinity for the whole book. */
  depth: number;
}

/** Levels a depth-limited client was last sent: price → "qty|orders" per side. */
interface SentLevels {
  buy: Map<number, string>;
  sell: Map<number, string>;
}

class Client {
  seq = 0;
  /** Message bodies without `seq`, in order. */
  queue: string[] = [];
  /**
   * Answers that wait for the tick (pong, errors): a pong then follows every book delta of the
   * changes made before the ping, so a client can use a ping as a barrier.
   */
  later: string[] = [];
  snapshotDue = true;
  closed = false;
  readonly sub: Subscription = { all: true, symbols: new Set(), channels: new Set(CHANNELS), depth: Infinity };
  /** Only for depth-limited subscriptions. */
  readonly sent = new Map<string, SentLevels>();

  constructor(readonly socket: WebSocket) {}

  wants(symbol: string, channel: ChannelName): boolean {
    return this.sub.channels.has(channel) && (this.sub.all || this.sub.symbols.has(symbol));
  }

  hasSymbol(symbol: string): boolean {
    return this.sub.all || this.sub.symbols.has(symbol);
  }
}

export class WsHub {
  private readonly view: MarketView;
  private readonly clock: ClockScheduler;
  private readonly clients = new Set<Client>();
  private readonly maxBufferedBytes: number;
  private readonly statsEvery: number;
  private readonly metrics: WsHubMetrics | undefined;
  private readonly timer: TimerHandle;
  private readonly flushTimer: TimerHandle;
  /** Clients with events queued since their last write. */
  private readonly pending = new Set<Client>();
  private ticks = 0;
  private closing = false;
  private reference: ReferenceMarket | undefined;
  /** Reference symbols changed since the last tick: one `market` message each on the next. */
  private readonly marketDirty = new Set<string>();
  /** Per reference symbol, the trades already sent (ReferenceMarket.tradeCount). */
  private readonly marketMarks = new Map<string, number>();

  constructor(options: WsHubOptions) {
    this.view = options.view;
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    const interval = options.intervalMs ?? DEFAULT_WS_INTERVAL_MS;
    this.statsEvery = Math.max(1, Math.round((options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS) / interval));
    this.view.onMessage((m) => this.onMarketMessage(m));
    this.view.setAudience(() => this.clients.size > 0);
    this.view.onInstrumentsChanged(() => this.onInstrumentsChanged());
    this.timer = this.clock.setInterval(() => this.tick(), interval);
    this.flushTimer = this.clock.setInterval(() => this.flushPending(), Math.min(interval, options.flushIntervalMs ?? DEFAULT_WS_FLUSH_MS));
  }

  /** Writes what events are queued (tests drive it with a manual clock; the flush timer calls it otherwise). */
  flushPending(): void {
    if (this.pending.size === 0) return;
    for (const client of this.pending) if (!client.snapshotDue) this.flush(client);
    this.pending.clear();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Takes a new connection: subscribed to every symbol and channel, a snapshot on the next tick. */
  attach(socket: WebSocket): void {
    if (this.closing) {
      socket.close(GOING_AWAY_CLOSE_CODE, 'server shutting down');
      return;
    }
    const client = new Client(socket);
    this.clients.add(client);
    this.metrics?.clients(this.clients.size);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onClientMessage(client, data, isBinary));
    socket.on('close', () => this.detach(client));
    socket.on('error', () => this.detach(client));
  }

  /** Sends the outside market on the `market` channel, conflated to one message per symbol per tick. */
  attachReference(market: ReferenceMarket): void {
    this.reference = market;
    market.onUpdate((symbol) => this.marketDirty.add(symbol));
  }

  /** Runs one tick now (tests drive the hub with a manual clock; the timer calls it otherwise). */
  tick(): void {
    const changes = this.view.drainBookChanges();
    const market = this.marketBodies();
    const stats = ++this.ticks % this.statsEvery === 0 && this.clients.size > 0 ? this.view.stats() : undefined;
    let statsBody: string | undefined;
    const deltaBodies = new Map<string, string>();
    for (const client of this.clients) {
      // A snapshot made now holds the reference market as it is now: this tick's messages would repeat it.
      if (market !== undefined && !client.snapshotDue && client.sub.channels.has('market')) {
        for (const [symbol, body] of market) if (client.hasSymbol(symbol)) client.queue.push(body);
      }
      if (client.snapshotDue) {
        client.snapshotDue = false;
        client.queue.push(this.snapshotBody(client));
      } else if (client.sub.channels.has('book')) {
        for (const change of changes) {
          if (!client.hasSymbol(change.symbol)) continue;
          if (client.sub.depth === Infinity) {
            let body = deltaBodies.get(change.symbol);
            if (body === undefined) {
              body = JSON.stringify({ type: 'book', time: change.since, symbol: change.symbol, buy_orders: change.buy, sell_orders: change.sell });
              deltaBodies.set(change.symbol, body);
            }
            client.queue.push(body);
          } else {
            const body = this.depthDelta(client, change.symbol, change.since);
            if (body !== undefined) client.queue.push(body);
          }
        }
      }
      if (stats !== undefined && client.sub.channels.has('stats')) {
        if (client.sub.all) client.queue.push((statsBody ??= JSON.stringify({ type: 'stats', ...stats })));
        else client.queue.push(JSON.stringify({ type: 'stats', ...stats, symbols: stats.symbols.filter((s) => client.sub.symbols.has(s.symbol)) }));
      }
      if (client.later.length > 0) {
        for (const body of client.later) client.queue.push(body);
        client.later = [];
      }
      this.flush(client);
    }
    this.pending.clear();
  }

  /** Closes every connection (1001) and stops the tick. */
  close(): void {
    this.closing = true;
    this.timer.cancel();
    this.flushTimer.cancel();
    for (const client of [...this.clients]) {
      this.detach(client);
      client.socket.close(GOING_AWAY_CLOSE_CODE, 'server shutting down');
    }
  }

  // ---- client requests -------------------------------------------------------------------------

  private onClientMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.closed) return;
    if (isBinary) return this.error(client, 'invalid_message', 'send JSON text frames, not binary');
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      return this.error(client, 'invalid_json', 'the message is not valid JSON');
    }
    const parsed = clientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
      return this.error(client, 'invalid_message', `${where}${issue?.message ?? 'not a valid message'} (expected subscribe, unsubscribe, resync or ping)`);
    }
    const message = parsed.data;
    switch (message.type) {
      case 'ping':
        client.later.push(JSON.stringify({ type: 'pong', time: this.clock.now(), ...(message.id !== undefined ? { id: message.id } : {}) }));
        return;
      case 'resync':
        client.snapshotDue = true;
        return;
      case 'subscribe': {
        const symbols = message.symbols ?? ['*'];
        const unknown = symbols.filter((s) => s !== '*' && !this.view.has(s) && this.reference?.has(s) !== true);
        if (unknown.length > 0) return this.error(client, 'unknown_symbol', `unknown symbol${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}; nothing changed`);
        const sub = client.sub;
        if (symbols.includes('*')) sub.all = true;
        else for (const s of symbols) sub.symbols.add(s);
        if (message.channels !== undefined) sub.channels = new Set(message.channels);
        if (message.depth !== undefined) sub.depth = message.depth === 'full' ? Infinity : message.depth;
        client.sent.clear();
        client.snapshotDue = true;
        return;
      }
      case 'unsubscribe': {
        const sub = client.sub;
        const symbols = message.symbols ?? [];
        if (symbols.includes('*')) {
          sub.all = false;
          sub.symbols.clear();
        } else if (symbols.length > 0) {
          if (sub.all) {
            sub.all = false;
            for (const s of this.view.symbols()) sub.symbols.add(s);
            for (const s of this.reference?.symbols() ?? []) sub.symbols.add(s);
          }
          for (const s of symbols) sub.symbols.delete(s);
        }
        for (const c of message.channels ?? []) sub.channels.delete(c);
        client.sent.clear();
        client.snapshotDue = true;
        return;
      }
    }
  }

  private error(client: Client, code: WsErrorCode, message: string): void {
    client.later.push(JSON.stringify({ type: 'error', code, message }));
  }

  // ---- market events ---------------------------------------------------------------------------

  private onMarketMessage(m: MarketMessage): void {
    let body: string | undefined;
    for (const client of this.clients) {
      // A snapshot is on its way and will hold this event's effects (book, recent executions,
      // stats): the client starts from it, so the event itself would only come before it.
      if (client.snapshotDue || !client.wants(m.symbol, m.channel)) continue;
      client.queue.push((body ??= JSON.stringify(m.message)));
      this.pending.add(client);
    }
  }

  /** A FIX session logged on or off: for every client on the `sessions` channel, whatever its symbols. */
  sessionChanged(session: { readonly key: string; readonly beginString: string; readonly targetCompID: string }, event: 'logon' | 'logout'): void {
    let body: string | undefined;
    for (const client of this.clients) {
      if (client.snapshotDue || !client.sub.channels.has('sessions')) continue;
      client.queue.push(
        (body ??= JSON.stringify({ type: 'session', time: this.clock.now(), session: session.key, begin_string: session.beginString, target_comp_id: session.targetCompID, event })),
      );
      this.pending.add(client);
    }
  }

  private onInstrumentsChanged(): void {
    if (this.clients.size === 0) return;
    const body = JSON.stringify({ type: 'instruments', instruments: this.view.instruments() });
    for (const client of this.clients) client.queue.push(body);
  }

  // ---- snapshots and book deltas ---------------------------------------------------------------

  private snapshotBody(client: Client): string {
    const { sub } = client;
    const symbols = this.view.symbols().filter((s) => client.hasSymbol(s));
    const limited = sub.depth !== Infinity;
    const books = symbols.map((symbol) => {
      const raw = this.view.rawLevels(symbol, sub.depth);
      if (limited) client.sent.set(symbol, { buy: levelMap(raw.buy), sell: levelMap(raw.sell) });
      return { symbol, buy_orders: raw.buy.map((l) => this.view.formatLevel(symbol, l)), sell_orders: raw.sell.map((l) => this.view.formatLevel(symbol, l)) };
    });
    const keep = (s: string): boolean => client.hasSymbol(s);
    const stats = this.view.stats(sub.all ? undefined : keep);
    const recent: ExecutionInfo[] = this.view.recentExecutions(Infinity, sub.all ? undefined : keep);
    const subscription: SubscriptionInfo = {
      symbols: sub.all ? ['*'] : [...sub.symbols],
      channels: CHANNELS.filter((c) => sub.channels.has(c)),
      depth: limited ? sub.depth : 'full',
    };
    const snapshot: Omit<SnapshotMessage, 'seq'> = {
      type: 'snapshot',
      time: this.clock.now(),
      subscription,
      books,
      recent_executions: recent,
      stats,
      instruments: this.view.instruments(),
    };
    const reference = this.reference;
    if (reference !== undefined && sub.channels.has('market')) {
      snapshot.market = reference
        .symbols()
        .filter((s) => client.hasSymbol(s))
        .map((s) => reference.info(s, 0, SNAPSHOT_TRADES)!);
    }
    return JSON.stringify(snapshot);
  }

  /** One `market` body per reference symbol changed since the last tick; undefined when none changed. */
  private marketBodies(): Map<string, string> | undefined {
    const reference = this.reference;
    if (reference === undefined || this.marketDirty.size === 0) return undefined;
    const time = this.clock.now();
    const bodies = new Map<string, string>();
    for (const symbol of this.marketDirty) {
      const after = this.marketMarks.get(symbol) ?? 0;
      this.marketMarks.set(symbol, reference.tradeCount(symbol));
      if (this.clients.size === 0) continue;
      const info = reference.info(symbol, after);
      if (info !== undefined) bodies.set(symbol, JSON.stringify({ type: 'market', time, ...info }));
    }
    this.marketDirty.clear();
    return bodies.size > 0 ? bodies : undefined;
  }

  /** The top-N levels that differ from what the client was last sent; undefined when none do. */
  private depthDelta(client: Client, symbol: string, since: number): string | undefined {
    const raw = this.view.rawLevels(symbol, client.sub.depth);
    let sent = client.sent.get(symbol);
    if (sent === undefined) client.sent.set(symbol, (sent = { buy: new Map(), sell: new Map() }));
    const buy = this.diff(symbol, sent.buy, raw.buy);
    const sell = this.diff(symbol, sent.sell, raw.sell);
    if (buy.length === 0 && sell.length === 0) return undefined;
    return JSON.stringify({ type: 'book', time: since, symbol, buy_orders: buy, sell_orders: sell });
  }

  private diff(symbol: string, sent: Map<number, string>, now: RawLevel[]): PriceLevel[] {
    const out: PriceLevel[] = [];
    const current = levelMap(now);
    for (const price of sent.keys()) {
      if (!current.has(price)) out.push(this.view.formatLevel(symbol, { price, qty: 0, count: 0 }));
    }
    for (const level of now) {
      if (sent.get(level.price) !== current.get(level.price)) out.push(this.view.formatLevel(symbol, level));
    }
    sent.clear();
    for (const [price, value] of current) sent.set(price, value);
    return out;
  }

  // ---- writing ---------------------------------------------------------------------------------

  private flush(client: Client): void {
    if (client.queue.length === 0 || client.closed) return;
    const socket = client.socket;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.cut(client, `slow consumer: more than ${this.maxBufferedBytes} bytes unsent`);
      return;
    }
    const queue = client.queue;
    client.queue = [];
    let frame = '[';
    for (let i = 0; i < queue.length; i++) {
      const body = queue[i];
      frame += `${i === 0 ? '' : ','}{"seq":${++client.seq},${body.slice(1)}`;
    }
    frame += ']';
    socket.send(frame);
    this.metrics?.sent(1, queue.length, Buffer.byteLength(frame));
  }

  private cut(client: Client, reason: string): void {
    this.detach(client);
    this.metrics?.dropped('slow');
    client.socket.close(SLOW_CLIENT_CLOSE_CODE, reason);
    // The close frame waits behind everything unsent; a client that reads nothing never gets it.
    this.clock.setTimeout(() => client.socket.terminate(), CLOSE_GRACE_MS);
  }

  private detach(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    client.queue = [];
    client.later = [];
    client.sent.clear();
    this.clients.delete(client);
    this.metrics?.clients(this.clients.size);
  }
}

function levelMap(levels: readonly RawLevel[]): Map<number, string> {
  const map = new Map<number, string>();
  for (const l of levels) map.set(l.price, `${l.qty}|${l.count}`);
  return map;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
