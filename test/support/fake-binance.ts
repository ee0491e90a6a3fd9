// A local stand-in for Binance spot market data on 127.0.0.1: a WebSocket server for
// /stream?streams=... and HTTP for GET /api/v3/depth, serving the real captures in
// ../shared/data/binance. The captured messages go out byte for byte; the REST snapshot is the book
// the server has reached by then (the capture's own snapshot plus every diff passed), so a client
// can (re)sync at any point. Faults are injected on demand: dropped connections, a skipped diff, a
// stale snapshot, failing snapshots, silence, pings, the 24 h cut, the 5 messages/s limit.
//
// This file keeps its own book (ReferenceBook) built straight from the capture text with nothing
// from src/, so a test can compare the client's book against an independent rebuild.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { WebSocketServer, WebSocket } from 'ws';

export const CAPTURE_DIR = process.env.CRUCIBLE_BINANCE_DATA ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/binance');
export const CAPTURE_SYMBOLS = ['btcusdt', 'ethusdt'] as const;
export const CAPTURE_DAYS = ['20240808', '20240809'] as const;

// ---- captures

export type CaptureKind = 'depth' | 'trade' | 'bookTicker' | 'snapshot' | 'other';

export interface CaptureLine {
  /** Local receive time as captured, ns since the epoch (text: it exceeds 2^53). */
  readonly localNs: string;
  /** The same in ms (with a fraction). */
  readonly localMs: number;
  /** Lower case, as in stream names. */
  readonly symbol: string;
  readonly kind: CaptureKind;
  /** Stream name for stream messages; '' for the REST snapshot line. */
  readonly stream: string;
  /** The JSON exactly as captured. */
  readonly json: string;
  /** Depth diffs: first and last update id. Snapshot: both are lastUpdateId. */
  readonly firstUpdateId?: number;
  readonly lastUpdateId?: number;
}

export function captureFile(symbol: string, day: string, dir = CAPTURE_DIR): string {
  return join(dir, `${symbol}_${day}.gz`);
}

/** Whether every capture file is there. */
export function capturesAvailable(dir = CAPTURE_DIR): boolean {
  return CAPTURE_SYMBOLS.every((s) => CAPTURE_DAYS.every((d) => existsSync(captureFile(s, d, dir))));
}

/**
 * For a describe block that needs the captures: skip with a visible notice when they are missing,
 * but fail under CI=true, where missing data means a broken checkout.
 */
export function requireCaptures(what: string): boolean {
  if (capturesAvailable()) return true;
  const msg = `Binance captures not found in ${CAPTURE_DIR}: ${what}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (required under CI)`);
  console.warn(`SKIPPED ${msg}`);
  return false;
}

const cache = new Map<string, CaptureLine[]>();

/** One symbol's capture lines over `days`, in file order (which is receive order). */
export function loadCapture(symbol: string, days: readonly string[] = CAPTURE_DAYS, dir = CAPTURE_DIR): CaptureLine[] {
  const key = `${dir}|${symbol}|${days.join(',')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const lines: CaptureLine[] = [];
  for (const day of days) {
    const text = gunzipSync(readFileSync(captureFile(symbol, day, dir))).toString('utf8');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      if (end > start) lines.push(readLine(text.slice(start, end), symbol));
      start = end + 1;
    }
  }
  cache.set(key, lines);
  return lines;
}

function readLine(line: string, symbol: string): CaptureLine {
  const space = line.indexOf(' ');
  const localNs = line.slice(0, space);
  const json = line.slice(space + 1);
  const localMs = Number(localNs.slice(0, -6)) + Number(localNs.slice(-6)) / 1e6;
  if (json.startsWith('{"lastUpdateId"')) {
    const snap = JSON.parse(json) as { lastUpdateId: number };
    return { localNs, localMs, symbol, kind: 'snapshot', stream: '', json, firstUpdateId: snap.lastUpdateId, lastUpdateId: snap.lastUpdateId };
  }
  const stream = json.slice(11, json.indexOf('"', 11));
  const channel = stream.slice(stream.indexOf('@') + 1);
  if (channel.startsWith('depth')) {
    const d = (JSON.parse(json) as { data: { U: number; u: number } }).data;
    return { localNs, localMs, symbol, kind: 'depth', stream, json, firstUpdateId: d.U, lastUpdateId: d.u };
  }
  const kind: CaptureKind = channel === 'trade' ? 'trade' : channel === 'bookTicker' ? 'bookTicker' : 'other';
  return { localNs, localMs, symbol, kind, stream, json };
}

/** Several symbols' lines merged by receive time, as one connection would have seen them. */
export function mergeCaptures(lists: readonly (readonly CaptureLine[])[]): CaptureLine[] {
  const all = lists.flat();
  const order = all.map((l, i) => ({ l, i }));
  order.sort((a, b) => (a.l.localNs.length - b.l.localNs.length) || (a.l.localNs < b.l.localNs ? -1 : a.l.localNs > b.l.localNs ? 1 : a.i - b.i));
  return order.map((x) => x.l);
}

// ---- the independent book

type Level = [string, string];

/** An L2 book keyed by the exact price text, rebuilt with JSON.parse and nothing else. */
export class ReferenceBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();
  lastUpdateId = 0;

  loadSnapshot(json: string): void {
    const s = JSON.parse(json) as { lastUpdateId: number; bids: Level[]; asks: Level[] };
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of s.bids) this.bids.set(p, q);
    for (const [p, q] of s.asks) this.asks.set(p, q);
    this.lastUpdateId = s.lastUpdateId;
  }

  /** Applies a captured depth diff line's JSON (absolute quantities, zero removes). */
  applyDiff(json: string): void {
    const d = (JSON.parse(json) as { data: { u: number; b: Level[]; a: Level[] } }).data;
    for (const [p, q] of d.b) if (Number(q) === 0) this.bids.delete(p);
    else this.bids.set(p, q);
    for (const [p, q] of d.a) if (Number(q) === 0) this.asks.delete(p);
    else this.asks.set(p, q);
    this.lastUpdateId = d.u;
  }

  /** Best first. Prices sort as numbers: distinct 8-decimal prices of this size are distinct doubles. */
  levels(limit = Infinity): { bids: Level[]; asks: Level[] } {
    return { bids: best(this.bids, limit, -1), asks: best(this.asks, limit, 1) };
  }

  snapshotJson(limit: number): string {
    const { bids, asks } = this.levels(limit);
    return JSON.stringify({ lastUpdateId: this.lastUpdateId, bids, asks });
  }
}

/** The `limit` best levels of a side; `dir` 1 for ascending prices (asks), -1 for descending (bids). */
function best(side: Map<string, string>, limit: number, dir: 1 | -1): Level[] {
  const by = (a: Level, b: Level): number => dir * (Number(a[0]) - Number(b[0]));
  if (limit >= side.size || limit > 64) return [...side].sort(by).slice(0, limit);
  // Partial-depth streams want the top few after every diff: one pass, not a sort of thousands.
  const top: Level[] = [];
  for (const level of side) {
    if (top.length === limit && by(level, top[limit - 1]) >= 0) continue;
    let i = top.length;
    while (i > 0 && by(level, top[i - 1]) < 0) i--;
    top.splice(i, 0, level);
    if (top.length > limit) top.pop();
  }
  return top;
}

/**
 * The book at the end of `lines` for one symbol, straight from the file: the captured snapshot,
 * then every diff beyond it in receive order. Throws on a broken update-id chain.
 */
export function rebuildFromCapture(lines: readonly CaptureLine[], symbol: string): ReferenceBook {
  const book = new ReferenceBook();
  const mine = lines.filter((l) => l.symbol === symbol);
  const snap = mine.find((l) => l.kind === 'snapshot');
  if (snap === undefined) throw new Error(`no snapshot for ${symbol}`);
  book.loadSnapshot(snap.json);
  let first = true;
  for (const l of mine) {
    if (l.kind !== 'depth' || (l.lastUpdateId as number) <= book.lastUpdateId) continue;
    const ok = first ? (l.firstUpdateId as number) <= book.lastUpdateId + 1 : l.firstUpdateId === book.lastUpdateId + 1;
    if (!ok) throw new Error(`capture gap in ${symbol}: U=${l.firstUpdateId} after u=${book.lastUpdateId}`);
    first = false;
    book.applyDiff(l.json);
  }
  return book;
}

// ---- the server

export interface FakeBinanceOptions {
  /** Captured lines to serve, merged by receive time (mergeCaptures). Snapshot lines seed the REST books. */
  readonly lines: readonly CaptureLine[];
  /** 'fast': as fast as the client reads; a number: the capture's own pace sped up that many times. */
  readonly pace?: 'fast' | number;
  /** Close every connection this long after it opened (Binance: 24 h). */
  readonly connectionLifetimeMs?: number;
  /** More client messages than this within a second closes the connection (Binance: 5). */
  readonly maxIncomingPerSecond?: number;
  /** Stream messages sent per turn of the event loop in fast mode. */
  readonly batch?: number;
}

interface Conn {
  readonly ws: WebSocket;
  readonly streams: Set<string>;
  silenced: boolean;
  incoming: number[];
  lifetimeTimer: NodeJS.Timeout | undefined;
}

interface Scheduled {
  readonly at: number;
  readonly run: () => void;
}

/** Everything the server saw, for assertions. */
export interface FakeBinanceCounters {
  connections: number;
  /** Stream messages sent (summed over connections). */
  sent: number;
  restRequests: number;
  clientPings: number;
  pongs: number;
  methodRequests: number;
  rateLimitCloses: number;
  lifetimeCuts: number;
  skippedDiffs: number;
  staleSnapshotsServed: number;
  failedSnapshots: number;
}

export class FakeBinance {
  readonly counters: FakeBinanceCounters = { connections: 0, sent: 0, restRequests: 0, clientPings: 0, pongs: 0, methodRequests: 0, rateLimitCloses: 0, lifetimeCuts: 0, skippedDiffs: 0, staleSnapshotsServed: 0, failedSnapshots: 0 };
  /** SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS requests as received. */
  readonly requests: Array<{ method: string; params?: string[]; id: number }> = [];
  wsUrl = '';
  restUrl = '';

  private readonly lines: readonly CaptureLine[];
  private readonly streamLines: CaptureLine[];
  private cursor = 0;
  private readonly books = new Map<string, ReferenceBook>();
  private readonly firstSnapshots = new Map<string, string>();
  private readonly conns = new Set<Conn>();
  private readonly scheduled: Scheduled[] = [];
  private skipDiffs = new Map<string, number>();
  private staleSnapshots = 0;
  private failSnapshots: { count: number; status: number } = { count: 0, status: 503 };
  private pumping = false;
  private closed = false;
  private pacedStartMs = 0;
  private pacedStartCursor = 0;
  private doneWaiters: Array<() => void> = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly opts: FakeBinanceOptions,
  ) {
    this.lines = opts.lines;
    this.streamLines = this.lines.filter((l) => l.kind !== 'snapshot');
    for (const l of this.lines) {
      if (l.kind !== 'snapshot' || this.books.has(l.symbol)) continue;
      const book = new ReferenceBook();
      book.loadSnapshot(l.json);
      this.books.set(l.symbol, book);
      this.firstSnapshots.set(l.symbol, l.json);
    }
  }

  static async start(opts: FakeBinanceOptions): Promise<FakeBinance> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/stream', autoPong: false, perMessageDeflate: false });
    const fake = new FakeBinance(http, wss, opts);
    http.on('request', (req, res) => fake.onRest(req, res));
    wss.on('connection', (ws, req) => fake.onConnection(ws, req));
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    const port = (http.address() as AddressInfo).port;
    fake.wsUrl = `ws://127.0.0.1:${port}`;
    fake.restUrl = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** Stream messages served so far, and in all. */
  get position(): number {
    return this.cursor;
  }

  get total(): number {
    return this.streamLines.length;
  }

  get openConnections(): number {
    return [...this.conns].filter((c) => c.ws.readyState === WebSocket.OPEN).length;
  }

  /** The server's book (what a REST snapshot now returns, before the limit). */
  serverBook(symbol: string): ReferenceBook | undefined {
    return this.books.get(symbol.toLowerCase());
  }

  /** Resolves once every captured message has been served; rejects after timeoutMs. */
  whenDone(timeoutMs: number): Promise<void> {
    if (this.cursor >= this.streamLines.length) return Promise.resolve();
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`fake Binance served ${this.cursor}/${this.streamLines.length} messages in ${timeoutMs} ms`)), timeoutMs);
      this.doneWaiters.push(() => {
        clearTimeout(t);
        ok();
      });
    });
  }

  // ---- faults

  /** Runs `fault` when the server is about to send stream message number `index`. */
  at(index: number, fault: () => void): void {
    this.scheduled.push({ at: index, run: fault });
    this.scheduled.sort((a, b) => a.at - b.at);
  }

  /** Kills every open connection without a close frame, as a network failure would. */
  dropConnections(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  /** The next `count` depth diffs of `symbol` are not sent (the server's book still moves on). */
  skipNextDiff(symbol: string, count = 1): void {
    const s = symbol.toLowerCase();
    this.skipDiffs.set(s, (this.skipDiffs.get(s) ?? 0) + count);
  }

  /** The next `count` REST snapshots are the capture's first one, long outdated by now. */
  serveStaleSnapshots(count = 1): void {
    this.staleSnapshots += count;
  }

  /** The next `count` REST snapshots fail with `status`. */
  failSnapshotRequests(count = 1, status = 503): void {
    this.failSnapshots = { count, status };
  }

  /** The connections open now receive nothing more and answer no ping; new ones work normally. */
  silence(): void {
    for (const c of this.conns) c.silenced = true;
  }

  /** Sends `text` as a frame on every open connection (a malformed message, an unknown stream). */
  sendRaw(text: string): void {
    for (const c of this.listeners()) c.ws.send(text);
  }

  /** Pings every open connection; resolves with the number of pongs that came back within timeoutMs. */
  ping(timeoutMs: number): Promise<number> {
    const open = [...this.conns].filter((c) => c.ws.readyState === WebSocket.OPEN);
    return new Promise((ok) => {
      let pongs = 0;
      const t = setTimeout(() => ok(pongs), timeoutMs);
      for (const c of open) {
        c.ws.once('pong', () => {
          pongs++;
          if (pongs === open.length) {
            clearTimeout(t);
            ok(pongs);
          }
        });
        c.ws.ping();
      }
      if (open.length === 0) {
        clearTimeout(t);
        ok(0);
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.conns) {
      if (c.lifetimeTimer !== undefined) clearTimeout(c.lifetimeTimer);
      c.ws.terminate();
    }
    this.conns.clear();
    await new Promise<void>((ok) => this.wss.close(() => ok()));
    await new Promise<void>((ok) => this.http.close(() => ok()));
  }

  // ---- WebSocket

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.counters.connections++;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const streams = new Set((url.searchParams.get('streams') ?? '').split('/').filter((s) => s !== ''));
    const conn: Conn = { ws, streams, silenced: false, incoming: [], lifetimeTimer: undefined };
    this.conns.add(conn);
    if (this.opts.connectionLifetimeMs !== undefined) {
      conn.lifetimeTimer = setTimeout(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        this.counters.lifetimeCuts++;
        ws.close(1001, 'connection lifetime reached');
      }, this.opts.connectionLifetimeMs);
    }
    ws.on('message', (data) => {
      if (!this.countIncoming(conn)) return;
      this.onMethod(conn, data.toString());
    });
    ws.on('ping', (data) => {
      this.counters.clientPings++;
      if (!this.countIncoming(conn)) return;
      if (!conn.silenced) ws.pong(data);
    });
    ws.on('pong', () => {
      this.counters.pongs++;
      this.countIncoming(conn);
    });
    ws.on('close', () => {
      if (conn.lifetimeTimer !== undefined) clearTimeout(conn.lifetimeTimer);
      this.conns.delete(conn);
    });
    ws.on('error', () => undefined);
    this.pump();
  }

  /** Binance's limit on client messages; false when this one broke it (the connection is closed). */
  private countIncoming(conn: Conn): boolean {
    const now = Date.now();
    conn.incoming.push(now);
    while (conn.incoming.length > 0 && now - conn.incoming[0] >= 1000) conn.incoming.shift();
    if (conn.incoming.length <= (this.opts.maxIncomingPerSecond ?? 5)) return true;
    this.counters.rateLimitCloses++;
    conn.ws.close(1008, 'too many messages');
    return false;
  }

  private onMethod(conn: Conn, text: string): void {
    let req: { method?: unknown; params?: unknown; id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      conn.ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' }, id: null }));
      return;
    }
    const id = typeof req.id === 'number' ? req.id : null;
    const params = Array.isArray(req.params) && req.params.every((p) => typeof p === 'string') ? (req.params as string[]) : undefined;
    this.counters.methodRequests++;
    this.requests.push({ method: String(req.method), ...(params !== undefined ? { params } : {}), id: id ?? -1 });
    if (req.method === 'SUBSCRIBE' && params !== undefined) {
      for (const p of params) conn.streams.add(p);
      conn.ws.send(JSON.stringify({ result: null, id }));
    } else if (req.method === 'UNSUBSCRIBE' && params !== undefined) {
      for (const p of params) conn.streams.delete(p);
      conn.ws.send(JSON.stringify({ result: null, id }));
    } else if (req.method === 'LIST_SUBSCRIPTIONS') {
      conn.ws.send(JSON.stringify({ result: [...conn.streams], id }));
    } else {
      conn.ws.send(JSON.stringify({ error: { code: 2, msg: 'Invalid request' }, id }));
    }
  }

  // ---- the pump

  private listeners(): Conn[] {
    return [...this.conns].filter((c) => !c.silenced && c.ws.readyState === WebSocket.OPEN);
  }

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    this.pacedStartMs = Date.now();
    this.pacedStartCursor = this.cursor;
    setImmediate(() => this.pumpTurn());
  }

  private pumpTurn(): void {
    if (this.closed) return;
    const conns = this.listeners();
    if (conns.length === 0 || this.cursor >= this.streamLines.length) {
      // Nobody to serve: the market waits for the next connection.
      this.pumping = false;
      if (this.cursor >= this.streamLines.length) this.finish();
      return;
    }
    if (conns.some((c) => c.ws.bufferedAmount > 4 << 20)) {
      setTimeout(() => this.pumpTurn(), 2);
      return;
    }
    const pace = this.opts.pace ?? 'fast';
    let budget = this.opts.batch ?? 256;
    if (pace !== 'fast') {
      const base = this.streamLines[this.pacedStartCursor].localMs;
      const elapsed = (Date.now() - this.pacedStartMs) * pace;
      budget = 0;
      while (this.cursor + budget < this.streamLines.length && this.streamLines[this.cursor + budget].localMs - base <= elapsed) budget++;
      if (budget === 0) {
        const wait = (this.streamLines[this.cursor].localMs - base - elapsed) / pace;
        setTimeout(() => this.pumpTurn(), Math.max(1, Math.min(wait, 50)));
        return;
      }
    }
    for (let n = 0; n < budget && this.cursor < this.streamLines.length; n++) {
      while (this.scheduled.length > 0 && this.scheduled[0].at <= this.cursor) (this.scheduled.shift() as Scheduled).run();
      const live = this.listeners();
      if (live.length === 0) break;
      this.send(this.streamLines[this.cursor++], live);
    }
    if (this.cursor >= this.streamLines.length) this.finish();
    setImmediate(() => this.pumpTurn());
  }

  private send(line: CaptureLine, conns: readonly Conn[]): void {
    let skip = false;
    if (line.kind === 'depth') {
      const book = this.books.get(line.symbol);
      if (book !== undefined && (line.lastUpdateId as number) > book.lastUpdateId) book.applyDiff(line.json);
      const toSkip = this.skipDiffs.get(line.symbol) ?? 0;
      if (toSkip > 0) {
        this.skipDiffs.set(line.symbol, toSkip - 1);
        this.counters.skippedDiffs++;
        skip = true;
      }
    }
    for (const c of conns) {
      if (!skip && c.streams.has(line.stream)) {
        c.ws.send(line.json);
        this.counters.sent++;
      }
      if (line.kind === 'depth') this.sendPartialDepth(c, line.symbol);
    }
  }

  /** Partial depth streams are not in the capture: they are cut from the server's book after each diff. */
  private sendPartialDepth(c: Conn, symbol: string): void {
    for (const levels of [5, 10, 20]) {
      for (const stream of [`${symbol}@depth${levels}@100ms`, `${symbol}@depth${levels}`]) {
        if (!c.streams.has(stream)) continue;
        const book = this.books.get(symbol);
        if (book === undefined) continue;
        c.ws.send(`{"stream":"${stream}","data":${book.snapshotJson(levels)}}`);
        this.counters.sent++;
      }
    }
  }

  private finish(): void {
    const waiters = this.doneWaiters;
    this.doneWaiters = [];
    for (const w of waiters) w();
  }

  // ---- REST

  private onRest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/v3/depth' || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -1, msg: 'not found' }));
      return;
    }
    this.counters.restRequests++;
    const symbol = (url.searchParams.get('symbol') ?? '').toLowerCase();
    const book = this.books.get(symbol);
    if (book === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -1121, msg: 'Invalid symbol.' }));
      return;
    }
    if (this.failSnapshots.count > 0) {
      this.failSnapshots.count--;
      this.counters.failedSnapshots++;
      res.writeHead(this.failSnapshots.status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -1003, msg: 'unavailable' }));
      return;
    }
    const limit = Math.min(5000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    let body: string;
    if (this.staleSnapshots > 0) {
      this.staleSnapshots--;
      this.counters.staleSnapshotsServed++;
      body = this.firstSnapshots.get(symbol) as string;
    } else {
      body = book.snapshotJson(limit);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
}
