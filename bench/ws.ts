// WebSocket market-data benchmark: many clients subscribed to every symbol and channel at /ws while
// the venue matches a sustained FIX order flow, and one client that stops reading.
//
//   npm run bench:ws -- [--clients=500] [--rate=500] [--duration=10] [--warmup=2] [--workers=2]
//                       [--parse-every=10] [--slow-client[=false]] [--slow-resync=100] [--cut-wait=20]
//                       [--sessions=4] [--symbols=AAPL,MSFT,TSLA] [--interval=100] [--json]
//
// The venue runs as its own process (`crucible start --fix-port 0 --http-port 0` from the build, a
// new temporary data directory), as in bench:fix. The WebSocket clients (the `ws` package, no
// compression) are spread over --workers worker threads of this process so that receiving does not
// queue behind the FIX load generator; how busy each worker's event loop was, and how late it ran,
// is reported, to show whether the client side kept up. Every client subscribes with
// {"type":"subscribe","symbols":["*"],"channels":[every channel]} and checks that `seq` runs on
// without gaps, reading the first and last seq of each frame (frames hold consecutive messages, so
// that also counts them). Every --parse-every-th client also parses every frame (JSON.parse, as a
// real client does) and times its messages; parsing all of them would make the client side, not
// the server, the thing measured on a small machine. The parsing clients are spread evenly over
// the connection order, so they see early and late writes of each tick alike.
//
// The FIX order flow is bench/fix-load.ts's (4 sessions, GTC limits around a fixed mid, about half
// trade on arrival), paced on a 2 ms timer at --rate orders/s in total: the FIX round trip is not
// measured here, so a timer's bursts do not matter and no core is spent spinning. The default rate
// is about what the server kept up with on the 2-core machine of BENCHMARKS.md with 500 clients
// (ticks still 100 ms apart); above it the ticks slip and latency and memory climb.
//
// Phases, with the same order flow throughout: warm-up (not counted), A (the clients only), B (the
// same plus one client that connects, subscribes, takes its first frame and then pauses its
// socket: it reads nothing more, and asks for a snapshot every --slow-resync ms so that its
// backlog grows faster than the market flow alone would make it; on loopback the kernel holds
// about 4 MB of it before the server's own buffer starts to fill). B lasts --duration seconds,
// longer if the slow client has not been cut by then (at most --cut-wait seconds more). The
// server's /metrics is polled during B; once it counts the client as dropped
// (`crucible_ws_clients_dropped_total{reason="slow"}`), the client resumes reading, to receive the
// close frame and its reason before the server destroys the socket. Comparing A and B shows
// whether a reader that stops holds up the others.
//
// Figures per phase, over the normal clients: messages and frames delivered per second; latency
// from a message's `time` (epoch ms, the time of the venue command behind it) to its arrival at the
// client, for executions, trades and order events, in a high-dynamic-range histogram of
// microseconds. `time` has millisecond resolution and arrival is read with sub-millisecond
// resolution (performance.timeOrigin + performance.now()), so a latency is over-stated by up to
// 1 ms. Book staleness: from the book message's `time` (when its oldest change happened); for a
// server whose book messages carry none, derived: a book message holds the levels changed since
// the previous tick, and the events that changed them (new_order, cancel_order, trade) travel in
// the same frame, so its oldest change is as old as the oldest of those events for its symbol.
// The venue's resident memory (VmRSS from /proc) is read every second: idle, with the clients
// connected (start), at the end of A (middle) and of B (end); its V8 heap comes from /metrics.
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { build as buildHistogram, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import WebSocket from 'ws';
import { BenchSession, cpuTimeMs, fmtInt, orderShapes, sleep, startVenue, TimeCache, type VenueProcess } from './fix-load.js';

const CHANNELS = ['book', 'trades', 'executions', 'orders', 'stats'] as const;
/** Phases as the workers count them: 0 warm-up, 1 A (clients only), 2 B (with the slow client); -1 not counting. */
const PHASES = 3;

interface Options {
  clients: number;
  rate: number;
  duration: number;
  warmup: number;
  workers: number;
  slowClient: boolean;
  cutWait: number;
  sessions: number;
  symbols: string[];
  /** The server's tick (conflation interval), ms: for the staleness goal. */
  interval: number;
  /** While paused, the slow client asks for a snapshot this often (ms); 0: it only stops reading. */
  slowResync: number;
  /** Every n-th client parses every frame and times its messages; the others count and check seq. */
  parseEvery: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    clients: 500,
    rate: 500,
    duration: 10,
    warmup: 2,
    workers: 2,
    slowClient: true,
    cutWait: 20,
    sessions: 4,
    symbols: ['AAPL', 'MSFT', 'TSLA'],
    interval: 100,
    parseEvery: 10,
    slowResync: 100,
    json: false,
  };
  const positive = (key: string, value: string | undefined, integer: boolean): number => {
    const n = Number((value ?? '').replace(/_/g, ''));
    if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
      throw new Error(`--${key} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
    }
    return n;
  };
  const flag = (value: string | undefined): boolean => value === undefined || value !== 'false';
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    switch (key) {
      case 'json':
        opts.json = flag(value);
        break;
      case 'slow-client':
        opts.slowClient = flag(value);
        break;
      case 'clients':
      case 'rate':
      case 'workers':
      case 'sessions':
      case 'interval':
      case 'parse-every':
        opts[key === 'parse-every' ? 'parseEvery' : key] = positive(key, value, true);
        break;
      case 'duration':
        opts.duration = positive(key, value, false);
        break;
      case 'warmup':
        opts.warmup = value === '0' ? 0 : positive(key, value, false);
        break;
      case 'slow-resync':
        opts.slowResync = value === '0' ? 0 : positive(key, value, true);
        break;
      case 'cut-wait':
        opts.cutWait = value === '0' ? 0 : positive(key, value, false);
        break;
      case 'symbols':
        opts.symbols = (value ?? '').split(',').filter((s) => s !== '');
        if (opts.symbols.length === 0) throw new Error('--symbols needs at least one symbol');
        break;
      default:
        throw new Error(`unknown option --${key} (known: --clients --rate --duration --warmup --workers --parse-every --slow-client --slow-resync --cut-wait --sessions --symbols --interval --json)`);
    }
  }
  if (opts.workers > opts.clients) opts.workers = opts.clients;
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Between the main thread and the client workers

interface WorkerInit {
  readonly url: string;
  readonly clients: number;
  /** Index of this worker's first client over all workers. */
  readonly firstIndex: number;
  /** Clients whose index is a multiple of this parse every frame. */
  readonly parseEvery: number;
}

const SEQ_KEY = Buffer.from('{"seq":');
const SNAPSHOT_TYPE = Buffer.from('"type":"snapshot"');

/** The digits after '{"seq":' at `pos`; -1 when there is none. */
function seqAfter(data: Buffer, pos: number): number {
  if (pos < 0) return -1;
  let n = 0;
  for (let i = pos + SEQ_KEY.length; i < data.length; i++) {
    const c = data[i];
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + c - 0x30;
  }
  return n;
}

type ToWorker = { readonly cmd: 'phase'; readonly phase: number } | { readonly cmd: 'report' } | { readonly cmd: 'close' };

/** What one worker saw in one phase. Histograms are hdr-histogram-js compressed base64, in µs. */
interface PhaseFigures {
  messages: number;
  sampledMessages: number;
  frames: number;
  bytes: number;
  /** Wall time the worker counted this phase, ms. */
  ms: number;
  /** Share of the time the worker's event loop was busy (0..1). */
  elu: number;
  /** 99th percentile of the worker's event-loop delay, ms. */
  loopDelayP99Ms: number;
  byType: Record<string, number>;
  execution: string;
  trade: string;
  orders: string;
  book: string;
  /** Book messages with their own `time` (staleness measured directly rather than derived). */
  bookTimed: number;
  /** Book messages with neither a `time` nor an event of their symbol in the frame. */
  bookUntimed: number;
  /** Gaps between consecutive frames of one client, ms (the server's tick as seen here). */
  frameGap: string;
  /** Messages whose `time` was after their arrival (clocks read differently), counted as 0. */
  negative: number;
}

type FromWorker =
  | { readonly kind: 'ready'; readonly connected: number; readonly ms: number }
  | { readonly kind: 'report'; readonly phases: PhaseFigures[]; readonly sampled: number; readonly gaps: number; readonly unexpectedCloses: number; readonly firstClose: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'closed' };

/** Microseconds, from 1 µs to 10 minutes, 3 significant digits. */
function latencyHistogram(): Histogram {
  return buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

/** The fields of a server message this bench reads. */
interface WireMessage {
  seq: number;
  type: string;
  symbol?: string;
  time?: number;
}

class PhaseRecorder {
  messages = 0;
  /** Messages the parsing clients received. */
  sampledMessages = 0;
  frames = 0;
  bytes = 0;
  bookTimed = 0;
  bookUntimed = 0;
  negative = 0;
  readonly byType = new Map<string, number>();
  readonly execution = latencyHistogram();
  readonly trade = latencyHistogram();
  readonly orders = latencyHistogram();
  readonly book = latencyHistogram();
  readonly frameGap = latencyHistogram();
  private startedAt = 0;
  private ms = 0;
  private elu0: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  private elu = 0;
  private loopDelayP99Ms = 0;

  begin(delay: ReturnType<typeof monitorEventLoopDelay>): void {
    this.startedAt = performance.now();
    this.elu0 = performance.eventLoopUtilization();
    delay.reset();
  }

  end(delay: ReturnType<typeof monitorEventLoopDelay>): void {
    this.ms = performance.now() - this.startedAt;
    this.elu = performance.eventLoopUtilization(this.elu0).utilization;
    this.loopDelayP99Ms = delay.count > 0 ? delay.percentile(99) / 1e6 : 0;
  }

  figures(): PhaseFigures {
    return {
      messages: this.messages,
      sampledMessages: this.sampledMessages,
      frames: this.frames,
      bytes: this.bytes,
      ms: this.ms,
      elu: this.elu,
      loopDelayP99Ms: this.loopDelayP99Ms,
      byType: Object.fromEntries(this.byType),
      execution: encodeIntoCompressedBase64(this.execution),
      trade: encodeIntoCompressedBase64(this.trade),
      orders: encodeIntoCompressedBase64(this.orders),
      book: encodeIntoCompressedBase64(this.book),
      bookTimed: this.bookTimed,
      bookUntimed: this.bookUntimed,
      frameGap: encodeIntoCompressedBase64(this.frameGap),
      negative: this.negative,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// A client worker: its share of the clients, every frame parsed

function runWorker(init: WorkerInit): void {
  const port = parentPort!;
  const post = (m: FromWorker): void => port.postMessage(m);
  const recorders = Array.from({ length: PHASES }, () => new PhaseRecorder());
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let phase = -1;
  let gaps = 0;
  let unexpectedCloses = 0;
  let firstClose = '';
  let closing = false;
  const sockets: WebSocket[] = [];
  const subscribe = JSON.stringify({ type: 'subscribe', symbols: ['*'], channels: CHANNELS });

  const oldest = new Map<string, number>();
  let sampled = 0;
  const open = (index: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(init.url, { perMessageDeflate: false });
      sockets.push(ws);
      let expected = 1;
      let subscribed = false;
      let ready = false;
      let lastFrame = 0;
      ws.on('open', () => {
        ws.send(subscribe);
        subscribed = true;
      });
      const parses = (init.firstIndex + index) % init.parseEvery === 0;
      if (parses) sampled++;
      ws.on('message', (data: Buffer) => {
        const arrived = performance.timeOrigin + performance.now();
        if (!ready) {
          if (!subscribed || data.indexOf(SNAPSHOT_TYPE) < 0) return;
          ready = true;
          resolve();
        }
        // Every frame starts with its first message's seq and holds consecutive ones, so the first
        // and last seq count its messages and show a gap without parsing it.
        const first = seqAfter(data, data.indexOf(SEQ_KEY));
        const last = seqAfter(data, data.lastIndexOf(SEQ_KEY));
        if (first !== expected) gaps++;
        expected = last + 1;
        if (phase < 0) return;
        const r = recorders[phase];
        r.frames++;
        r.bytes += data.length;
        r.messages += last - first + 1;
        if (!parses) return;
        if (index === 0) {
          const now = performance.now();
          if (lastFrame > 0) r.frameGap.recordValue(Math.max(1, Math.round((now - lastFrame) * 1000)));
          lastFrame = now;
        }
        const frame = JSON.parse(data.toString('utf8')) as WireMessage[];
        r.sampledMessages += frame.length;
        // The oldest event time per symbol in this frame: the oldest change its book messages carry.
        oldest.clear();
        for (const m of frame) {
          const type = m.type;
          r.byType.set(type, (r.byType.get(type) ?? 0) + 1);
          if (m.time === undefined || m.symbol === undefined || type === 'book') continue;
          let h: Histogram;
          if (type === 'execution') h = r.execution;
          else if (type === 'trade') h = r.trade;
          else if (type === 'new_order' || type === 'cancel_order') h = r.orders;
          else continue;
          const us = Math.round((arrived - m.time) * 1000);
          if (us < 0) r.negative++;
          h.recordValue(Math.max(1, us));
          if (type !== 'execution') {
            const seen = oldest.get(m.symbol);
            if (seen === undefined || m.time < seen) oldest.set(m.symbol, m.time);
          }
        }
        for (const m of frame) {
          if (m.type !== 'book' || m.symbol === undefined) continue;
          let since = m.time;
          if (since !== undefined) r.bookTimed++;
          else since = oldest.get(m.symbol);
          if (since === undefined) {
            r.bookUntimed++;
            continue;
          }
          r.book.recordValue(Math.max(1, Math.round((arrived - since) * 1000)));
        }
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (!ready) reject(new Error(`client ${index} closed before its snapshot: ${code} ${reason.toString()}`));
        if (closing) return;
        unexpectedCloses++;
        if (firstClose === '') firstClose = `${code} ${reason.toString()}`;
      });
      ws.on('error', (e: Error) => {
        if (!ready) reject(e);
      });
    });

  port.on('message', (m: ToWorker) => {
    if (m.cmd === 'phase') {
      if (phase >= 0) recorders[phase].end(delay);
      phase = m.phase;
      if (phase >= 0) recorders[phase].begin(delay);
    } else if (m.cmd === 'report') {
      post({ kind: 'report', phases: recorders.map((r) => r.figures()), sampled, gaps, unexpectedCloses, firstClose });
    } else {
      closing = true;
      for (const ws of sockets) ws.terminate();
      delay.disable();
      post({ kind: 'closed' });
      port.close();
    }
  });

  const t0 = performance.now();
  // Connected in batches: 500 upgrades at once would only queue in the server's accept backlog.
  void (async () => {
    try {
      for (let i = 0; i < init.clients; i += 25) {
        const batch: Promise<void>[] = [];
        for (let k = i; k < Math.min(init.clients, i + 25); k++) batch.push(open(k));
        await Promise.all(batch);
      }
      post({ kind: 'ready', connected: sockets.length, ms: performance.now() - t0 });
    } catch (e) {
      post({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  })();
}

// ---------------------------------------------------------------------------------------------
// The main thread: venue, workers, order flow, slow client, figures

class ClientWorker {
  readonly worker: Worker;
  private waiting: ((m: FromWorker) => void) | undefined;
  private readonly inbox: FromWorker[] = [];
  failure: string | undefined;
  readonly clients: number;

  constructor(init: WorkerInit) {
    this.clients = init.clients;
    this.worker = new Worker(fileURLToPath(import.meta.url), { workerData: init });
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'error') this.failure = m.message;
      if (this.waiting !== undefined) {
        const w = this.waiting;
        this.waiting = undefined;
        w(m);
      } else this.inbox.push(m);
    });
    this.worker.on('error', (e) => {
      this.failure = e.message;
      this.waiting?.({ kind: 'error', message: e.message });
    });
  }

  send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  next(timeoutMs: number): Promise<FromWorker> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`a client worker did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }
}

interface PhaseCpu {
  ordersSent: number;
  venueCpuPct: number | undefined;
  benchCpuPct: number;
  otherCpuPct: number | undefined;
}

interface MachineCpu {
  busyMs: number;
}

/**
 * CPU time all cores spent busy since boot, from /proc/stat: user, nice, system, irq, softirq and
 * steal (time the hypervisor gave to other machines, contention too); not idle or iowait, and not
 * guest time, which user already holds.
 */
function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = f.reduce((a, b) => a + b, 0) - f[3] - f[4];
    // Clock ticks are 1/100 s on Linux (USER_HZ).
    return { busyMs: busy * 10 };
  } catch {
    return undefined;
  }
}

/** MB per second, least squares; undefined for fewer than 3 samples. */
function rssSlope(samples: readonly { t: number; mb: number }[]): number | undefined {
  const n = samples.length;
  if (n < 3) return undefined;
  const mt = samples.reduce((a, x) => a + x.t, 0) / n;
  const mm = samples.reduce((a, x) => a + x.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.mb - mm);
    den += (x.t - mt) ** 2;
  }
  return den === 0 ? undefined : num / den;
}

/** Resident memory of a process, MB, from /proc/<pid>/status; undefined where there is none. */
function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Sends `rate` orders a second round-robin over the sessions, from a 2 ms timer, until stopped. */
class Pacer {
  sent = 0;
  private readonly start = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sessions: readonly BenchSession[],
    private readonly rate: number,
  ) {
    this.timer = setInterval(() => this.turn(), 2);
  }

  private turn(): void {
    const due = Math.floor(((performance.now() - this.start) / 1000) * this.rate);
    const batch = due - this.sent;
    const n = this.sessions.length;
    for (let k = 0; k < n && k < batch; k++) this.sessions[(this.sent + k) % n].sendOrders(Math.floor((batch - k - 1) / n) + 1);
    this.sent = Math.max(this.sent, due);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * A client that takes its first frame and then stops reading its socket. With `resyncMs` it also
 * asks for a fresh snapshot that often while it reads nothing, so its backlog grows faster than
 * the market flow alone would make it.
 */
class SlowClient {
  readonly ws: WebSocket;
  private socket: Socket | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  pausedAt = 0;
  closed: { code: number; reason: string; at: number } | undefined;
  readonly firstFrame: Promise<void>;
  firstFrameBytes = 0;
  resyncs = 0;

  constructor(url: string, resyncMs: number) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('upgrade', (res: IncomingMessage) => {
      this.socket = res.socket;
    });
    this.ws.on('open', () => this.ws.send(JSON.stringify({ type: 'subscribe', symbols: ['*'], channels: CHANNELS })));
    this.firstFrame = new Promise((resolve, reject) => {
      this.ws.once('message', (data: Buffer) => {
        this.firstFrameBytes = data.length;
        this.socket?.pause();
        this.pausedAt = performance.now();
        if (resyncMs > 0) {
          this.resyncTimer = setInterval(() => {
            this.resyncs++;
            this.ws.send('{"type":"resync"}');
          }, resyncMs);
        }
        resolve();
      });
      this.ws.once('error', reject);
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      clearInterval(this.resyncTimer);
      this.closed = { code, reason: reason.toString(), at: performance.now() };
    });
    this.ws.on('error', () => {});
  }

  /** Reads again: whatever the kernel and the server still hold, then the close frame if it was sent. */
  resume(): void {
    clearInterval(this.resyncTimer);
    this.socket?.resume();
  }

  destroy(): void {
    clearInterval(this.resyncTimer);
    this.ws.terminate();
  }
}

interface SlowReport {
  cut: boolean;
  /** From the moment it stopped reading to the server counting it dropped. */
  cutAfterSeconds: number | null;
  closeCode: number | null;
  closeReason: string | null;
  serverDroppedSlow: number | null;
  /** Its first frame (a snapshot), the size of every snapshot it asks for after. */
  firstFrameBytes: number;
  resyncsSent: number;
}

interface VenueMemory {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

/** The venue's V8 heap and external memory from its /metrics; undefined when it cannot be read. */
async function venueMemory(httpBase: string): Promise<VenueMemory | undefined> {
  try {
    const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const value = (name: string): number => {
      const m = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
      return m === null ? NaN : Math.round((Number(m[1]) / 1048576) * 10) / 10;
    };
    return { heapUsedMb: value('nodejs_heap_size_used_bytes'), heapTotalMb: value('nodejs_heap_size_total_bytes'), externalMb: value('nodejs_external_memory_bytes') };
  } catch {
    return undefined;
  }
}

/** Clients dropped as slow so far, from the server's /metrics; undefined when it cannot be read. */
async function slowDrops(httpBase: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const m = /^crucible_ws_clients_dropped_total\{reason="slow"\} (\d+)/m.exec(text);
    return m === null ? 0 : Number(m[1]);
  } catch {
    return undefined;
  }
}

function ms(us: number): number {
  return Math.round(us / 100) / 10;
}

interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

function percentiles(h: Histogram): Percentiles {
  return { p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), p999: ms(h.getValueAtPercentile(99.9)), max: ms(h.maxValue), count: h.totalCount };
}

function fmtP(p: Percentiles): string {
  return p.count === 0 ? 'none' : `p50 ${p.p50} ms, p99 ${p.p99} ms, p99.9 ${p.p999} ms, max ${p.max} ms (${fmtInt(p.count)})`;
}

interface PhaseSummary {
  name: string;
  seconds: number;
  messagesPerSec: number;
  framesPerSec: number;
  mbPerSec: number;
  messagesPerClientPerSec: number;
  /** Messages by type per second to one client, from the parsing clients. */
  byTypePerClientPerSec: Record<string, number>;
  execution: Percentiles;
  trade: Percentiles;
  orders: Percentiles;
  bookStaleness: Percentiles;
  bookStalenessSource: 'time' | 'derived' | 'none';
  bookUntimed: number;
  tickMs: number | undefined;
  workerBusyPct: number[];
  workerLoopDelayP99Ms: number[];
  negative: number;
  ordersSent: number;
  venueCpuPct: number | undefined;
  benchCpuPct: number;
  /** Everything else on the machine, in % of one core: what the two measured processes competed with. */
  otherCpuPct: number | undefined;
}

function summarize(name: string, reports: readonly PhaseFigures[], clients: number, sampledClients: number, extra: PhaseCpu): PhaseSummary {
  const merged = { execution: latencyHistogram(), trade: latencyHistogram(), orders: latencyHistogram(), book: latencyHistogram(), frameGap: latencyHistogram() };
  let messages = 0;
  let frames = 0;
  let bytes = 0;
  let bookTimed = 0;
  let bookUntimed = 0;
  let negative = 0;
  let seconds = 0;
  const byType: Record<string, number> = {};
  for (const r of reports) {
    messages += r.messages;
    frames += r.frames;
    bytes += r.bytes;
    bookTimed += r.bookTimed;
    bookUntimed += r.bookUntimed;
    negative += r.negative;
    seconds = Math.max(seconds, r.ms / 1000);
    for (const [t, n] of Object.entries(r.byType)) byType[t] = (byType[t] ?? 0) + n;
    for (const key of ['execution', 'trade', 'orders', 'book', 'frameGap'] as const) merged[key].add(decodeFromCompressedBase64(r[key]));
  }
  const perSec = (n: number): number => (seconds > 0 ? n / seconds : 0);
  const bookCount = merged.book.totalCount;
  return {
    name,
    seconds,
    messagesPerSec: perSec(messages),
    framesPerSec: perSec(frames),
    mbPerSec: perSec(bytes) / 1e6,
    messagesPerClientPerSec: perSec(messages) / clients,
    byTypePerClientPerSec: Object.fromEntries(Object.entries(byType).map(([t, n]) => [t, Math.round(perSec(n) / Math.max(1, sampledClients))])),
    execution: percentiles(merged.execution),
    trade: percentiles(merged.trade),
    orders: percentiles(merged.orders),
    bookStaleness: percentiles(merged.book),
    bookStalenessSource: bookCount === 0 ? 'none' : bookTimed > 0 ? 'time' : 'derived',
    bookUntimed,
    tickMs: merged.frameGap.totalCount === 0 ? undefined : ms(merged.frameGap.getValueAtPercentile(50)),
    workerBusyPct: reports.map((r) => Math.round(r.elu * 100)),
    workerLoopDelayP99Ms: reports.map((r) => Math.round(r.loopDelayP99Ms * 10) / 10),
    negative,
    ...extra,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  const loadStart = loadavg();
  const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  let venue: VenueProcess | undefined;
  const workers: ClientWorker[] = [];
  const sessions: BenchSession[] = [];
  let pacer: Pacer | undefined;
  let slow: SlowClient | undefined;
  const rss: { t: number; mb: number }[] = [];
  let rssTimer: NodeJS.Timeout | undefined;
  try {
    venue = await startVenue(undefined, ['--http-port', '0'], true);
    const pid = venue.child.pid;
    const httpBase = `http://127.0.0.1:${venue.httpPort}`;
    const url = `ws://127.0.0.1:${venue.httpPort}/ws`;
    const t0 = performance.now();
    const sampleRss = (): number | undefined => {
      const mb = rssMb(pid);
      if (mb !== undefined) rss.push({ t: Math.round((performance.now() - t0) / 100) / 10, mb: Math.round(mb * 10) / 10 });
      return mb;
    };
    const rssIdle = sampleRss();
    const heapIdle = await venueMemory(httpBase);
    rssTimer = setInterval(sampleRss, 1000);
    log(
      `bench:ws  ${fmtInt(o.clients)} WebSocket clients in ${o.workers} worker thread${o.workers > 1 ? 's' : ''} -> ${url} (Crucible venue, pid ${pid}); ` +
        `FIX: ${o.sessions} sessions, ${fmtInt(o.rate)} orders/s over ${o.symbols.join(',')}`,
    );
    log(`machine: ${cpus().length} cores, load average ${fmtLoad(loadStart)} (1, 5, 15 min) before the run`);

    const connectStart = performance.now();
    for (let w = 0; w < o.workers; w++) {
      const share = Math.floor(o.clients / o.workers) + (w < o.clients % o.workers ? 1 : 0);
      workers.push(new ClientWorker({ url, clients: share, firstIndex: workers.reduce((n, x) => n + x.clients, 0), parseEvery: o.parseEvery }));
    }
    let connected = 0;
    for (const w of workers) {
      const m = await w.next(120_000);
      if (m.kind !== 'ready') throw new Error(`a client worker failed while connecting: ${m.kind === 'error' ? m.message : m.kind}`);
      connected += m.connected;
    }
    const rssStart = sampleRss();
    const heapStart = await venueMemory(httpBase);
    log(`connected ${fmtInt(connected)} clients, each subscribed to every symbol and channel and holding its snapshot, in ${((performance.now() - connectStart) / 1000).toFixed(1)} s`);

    const times = new TimeCache();
    const shapes = orderShapes(o.symbols);
    const runTag = Date.now().toString(36);
    for (let i = 0; i < o.sessions; i++) {
      const socket = await BenchSession.open('127.0.0.1', venue.port);
      const s = new BenchSession(socket, `WSBENCH${i + 1}`, 'CRUCIBLE', shapes, times, 42 + i, runTag);
      s.selfCheck();
      sessions.push(s);
    }
    await Promise.all(sessions.map((s) => s.logon(10_000)));

    const phaseSend = (phase: number): void => {
      for (const w of workers) w.send({ cmd: 'phase', phase });
    };
    pacer = new Pacer(sessions, o.rate);
    const marks: { sent: number; venueCpu: number | undefined; cpu: NodeJS.CpuUsage; machine: MachineCpu | undefined; at: number }[] = [];
    const mark = (): void => {
      marks.push({ sent: pacer!.sent, venueCpu: cpuTimeMs(pid), cpu: process.cpuUsage(), machine: machineCpu(), at: performance.now() });
    };
    if (o.warmup > 0) {
      phaseSend(0);
      await sleep(o.warmup * 1000);
    }
    log(`phase A: ${o.duration} s with the ${fmtInt(connected)} clients${o.slowClient ? '' : ' (no slow client: --slow-client=false)'}`);
    phaseSend(1);
    mark();
    // Memory in the middle of the counted time: the end of A, or half way through it when A is all.
    let rssMiddle: number | undefined;
    let heapMiddle: VenueMemory | undefined;
    const middle = async (): Promise<void> => {
      rssMiddle = sampleRss();
      heapMiddle = await venueMemory(httpBase);
    };
    if (o.slowClient) {
      await sleep(o.duration * 1000);
      mark();
      await middle();
    } else {
      await sleep((o.duration * 1000) / 2);
      await middle();
      await sleep((o.duration * 1000) / 2);
      mark();
      phaseSend(-1);
    }

    let slowReport: SlowReport | undefined;
    if (o.slowClient) {
      log(`phase B: ${o.duration} s or until the slow client is cut (at most ${o.cutWait} s more): the same plus one client that stops reading after its first frame`);
      const drops0 = (await slowDrops(httpBase)) ?? 0;
      phaseSend(2);
      mark();
      slow = new SlowClient(url, o.slowResync);
      await slow.firstFrame;
      const phaseEnd = performance.now() + o.duration * 1000;
      const lastEnd = phaseEnd + o.cutWait * 1000;
      let cutSeenAt: number | undefined;
      for (;;) {
        const now = performance.now();
        if (now >= lastEnd || (now >= phaseEnd && (cutSeenAt !== undefined || slow.closed !== undefined))) break;
        await sleep(200);
        if (cutSeenAt === undefined) {
          const drops = await slowDrops(httpBase);
          if (drops !== undefined && drops > drops0) {
            cutSeenAt = performance.now();
            slow.resume();
          }
        }
      }
      mark();
      phaseSend(-1);
      // Give the resumed client a moment to read up to the close frame.
      for (let i = 0; i < 20 && slow.closed === undefined && cutSeenAt !== undefined; i++) await sleep(100);
      const drops = await slowDrops(httpBase);
      slowReport = {
        cut: cutSeenAt !== undefined,
        cutAfterSeconds: cutSeenAt === undefined ? null : Math.round((cutSeenAt - slow.pausedAt) / 100) / 10,
        closeCode: slow.closed?.code ?? null,
        closeReason: slow.closed?.reason ?? null,
        serverDroppedSlow: drops === undefined ? null : drops - drops0,
        firstFrameBytes: slow.firstFrameBytes,
        resyncsSent: slow.resyncs,
      };
    }
    pacer.stop();
    const sentTotal = pacer.sent;
    // The last orders' acknowledgements and frames, before the venue stops.
    const drainStart = performance.now();
    while (sessions.some((s) => s.outstanding > 0 && !s.closed) && performance.now() - drainStart < 10_000) await sleep(5);
    await sleep(o.interval * 3);
    const rssEnd = sampleRss();
    const heapEnd = await venueMemory(httpBase);
    clearInterval(rssTimer);
    rssTimer = undefined;
    const loadEnd = loadavg();

    for (const w of workers) w.send({ cmd: 'report' });
    const reports = [];
    for (const w of workers) {
      const m = await w.next(30_000);
      if (m.kind !== 'report') throw new Error(`a client worker did not report: ${m.kind === 'error' ? m.message : m.kind}`);
      reports.push(m);
    }
    /** Figures between two marks: phase A runs from mark 0 to 1, B from 2 to 3. */
    const phaseExtra = (from: number): PhaseCpu => {
      const a = marks[from];
      const b = marks[from + 1];
      const wall = b.at - a.at;
      const venueCpuPct = a.venueCpu === undefined || b.venueCpu === undefined ? undefined : Math.round(((b.venueCpu - a.venueCpu) / wall) * 100);
      const benchCpuPct = Math.round(((b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1000 / wall) * 100);
      const machinePct = a.machine === undefined || b.machine === undefined ? undefined : ((b.machine.busyMs - a.machine.busyMs) / wall) * 100;
      return {
        ordersSent: b.sent - a.sent,
        venueCpuPct,
        benchCpuPct,
        otherCpuPct: machinePct === undefined || venueCpuPct === undefined ? undefined : Math.max(0, Math.round(machinePct - venueCpuPct - benchCpuPct)),
      };
    };
    const sampled = reports.reduce((n, r) => n + r.sampled, 0);
    const phases: PhaseSummary[] = [summarize('A', reports.map((r) => r.phases[1]), o.clients, sampled, phaseExtra(0))];
    if (o.slowClient) phases.push(summarize('B', reports.map((r) => r.phases[2]), o.clients, sampled, phaseExtra(2)));
    const gaps = reports.reduce((n, r) => n + r.gaps, 0);
    const unexpectedCloses = reports.reduce((n, r) => n + r.unexpectedCloses, 0);
    const firstClose = reports.find((r) => r.firstClose !== '')?.firstClose ?? '';

    for (const p of phases) {
      const seconds = p.seconds;
      log(`phase ${p.name} (${seconds.toFixed(1)} s counted): ${fmtInt(p.ordersSent / seconds)} orders/s sent`);
      log(
        `  delivered ${fmtInt(p.messagesPerSec)} messages/s, ${fmtInt(p.framesPerSec)} frames/s, ${p.mbPerSec.toFixed(1)} MB/s to the clients ` +
          `(${fmtInt(p.messagesPerClientPerSec)} messages/s per client: ${Object.entries(p.byTypePerClientPerSec)
            .map(([t, n]) => `${t} ${fmtInt(n)}`)
            .join(', ')})`,
      );
      log(`  executions   ${fmtP(p.execution)}`);
      log(`  trades       ${fmtP(p.trade)}`);
      log(`  order events ${fmtP(p.orders)}`);
      const staleNote =
        p.bookStalenessSource === 'time'
          ? 'from the book messages\' time'
          : p.bookStalenessSource === 'derived'
            ? 'derived: book messages carry no time; oldest event of the symbol in the same frame'
            : 'unavailable';
      log(`  book staleness (${staleNote}): ${p.bookStalenessSource === 'none' ? 'n/a' : `p50 ${p.bookStaleness.p50} ms, p99 ${p.bookStaleness.p99} ms, max ${p.bookStaleness.max} ms (${fmtInt(p.bookStaleness.count)} book messages)`}`);
      log(
        `  frames ${p.tickMs === undefined ? 'n/a' : `${p.tickMs} ms`} apart (median, one client per worker); CPU: venue ${p.venueCpuPct === undefined ? 'n/a' : `${p.venueCpuPct}%`} of a core, ` +
          `this process ${p.benchCpuPct}% (client workers' event loops ${p.workerBusyPct.map((x) => `${x}%`).join(' / ')} busy, delay p99 ${p.workerLoopDelayP99Ms.map((x) => `${x} ms`).join(' / ')}), ` +
          `other processes ${p.otherCpuPct === undefined ? 'n/a' : `${p.otherCpuPct}%`}`,
      );
    }
    log(`clients: ${gaps} sequence gaps, ${unexpectedCloses} disconnected${firstClose !== '' ? ` (first: ${firstClose})` : ''}; messages with time after arrival: ${phases.reduce((n, p) => n + p.negative, 0)}`);
    if (slowReport !== undefined) {
      log(
        `slow client: ${slowReport.cut ? `cut ${slowReport.cutAfterSeconds} s after it stopped reading` : `not cut within ${o.duration + o.cutWait} s`}; ` +
          `close ${slowReport.closeCode === null ? 'not received' : `${slowReport.closeCode} "${slowReport.closeReason}"`}; ` +
          `server's crucible_ws_clients_dropped_total{reason="slow"} +${slowReport.serverDroppedSlow ?? 'n/a'}` +
          ` (${o.slowResync > 0 ? `it asked for ${slowReport.resyncsSent} snapshots of about ${Math.round(slowReport.firstFrameBytes / 1024)} KB while not reading` : 'it only stopped reading'})`,
      );
      const [a, b] = phases;
      const change = (x: number, y: number): string => `${x} -> ${y} ms (${y >= x ? '+' : ''}${x > 0 ? (((y - x) / x) * 100).toFixed(0) : '0'}%)`;
      log(`  the others, A -> B: executions p99 ${change(a.execution.p99, b.execution.p99)}, trades p99 ${change(a.trade.p99, b.trade.p99)}, book staleness p99 ${change(a.bookStaleness.p99, b.bookStaleness.p99)}`);
    }
    const mb = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} MB`);
    const rssMax = rss.reduce((m, s) => Math.max(m, s.mb), 0);
    log(`venue RSS: idle ${mb(rssIdle)}, start (clients connected) ${mb(rssStart)}, middle (${o.slowClient ? 'end of A' : 'half way'}) ${mb(rssMiddle)}, end ${mb(rssEnd)}, max ${mb(rssMax)}`);
    // Least-squares slope of the samples over the counted phases: a leak shows as a steady climb,
    // the garbage collector's saw-tooth does not.
    const countedFrom = (marks[0].at - t0) / 1000 - 0.5;
    const countedTo = (marks[marks.length - 1].at - t0) / 1000 + 0.5;
    const counted = rss.filter((x) => x.t >= countedFrom && x.t <= countedTo);
    const slope = rssSlope(counted);
    log(`  RSS trend over the counted phases: ${slope === undefined ? 'n/a' : `${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MB/s`} (${counted.length} samples, one a second)`);
    const heap = (m: VenueMemory | undefined): string => (m === undefined ? 'n/a' : `${m.heapUsedMb}/${m.heapTotalMb}+${m.externalMb}`);
    log(`venue V8 heap used/total+external (MB, from /metrics): idle ${heap(heapIdle)}, start ${heap(heapStart)}, middle ${heap(heapMiddle)}, end ${heap(heapEnd)}`);
    log(`orders sent ${fmtInt(sentTotal)} in all; load average ${fmtLoad(loadEnd)} after the run`);

    const a = phases[0];
    const execP99 = Math.max(...phases.map((p) => p.execution.p99));
    const staleP99 = Math.max(...phases.map((p) => p.bookStaleness.p99));
    const byPhase = (f: (p: PhaseSummary) => number): string => phases.map((p) => `${p.name} ${f(p)} ms`).join(', ');
    // Flat: the end within 10% (and 16 MB) of the middle, after the clients and the flow were in place.
    const flat = rssMiddle !== undefined && rssEnd !== undefined ? rssEnd - rssMiddle <= Math.max(16, rssMiddle * 0.1) : undefined;
    const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met');
    log('goals:');
    log(`  executions p99 < 50 ms: ${verdict(a.execution.count > 0 ? execP99 < 50 : undefined)} (${byPhase((p) => p.execution.p99)})`);
    log(
      `  book staleness p99 <= conflation interval + 20 ms = ${o.interval + 20} ms: ${verdict(a.bookStalenessSource === 'none' ? undefined : staleP99 <= o.interval + 20)} ` +
        `(${byPhase((p) => p.bookStaleness.p99)}${a.bookStalenessSource === 'derived' ? ', derived' : ''})`,
    );
    log(`  memory flat (end within max(10%, 16 MB) of middle): ${verdict(flat)} (${mb(rssMiddle)} -> ${mb(rssEnd)})`);

    await Promise.all(sessions.map((s) => s.logout(3000)));
    slow?.destroy();
    for (const w of workers) w.send({ cmd: 'close' });
    await Promise.all(workers.map((w) => w.next(5000).catch(() => undefined)));
    const code = await venue.stop();
    if (code !== 0) log(`the venue exited with ${code}${venue.stderrTail.length > 0 ? `:\n  ${venue.stderrTail.slice(-10).join('\n  ')}` : ''}`);

    if (o.json) {
      const round = (x: number): number => Math.round(x);
      log(
        JSON.stringify({
          clients: o.clients,
          workers: o.workers,
          rate: o.rate,
          duration: o.duration,
          symbols: o.symbols,
          loadAverageBefore: loadStart.map((x) => Number(x.toFixed(2))),
          loadAverageAfter: loadEnd.map((x) => Number(x.toFixed(2))),
          phases: phases.map((p) => ({
            ...p,
            seconds: Number(p.seconds.toFixed(2)),
            messagesPerSec: round(p.messagesPerSec),
            framesPerSec: round(p.framesPerSec),
            mbPerSec: Number(p.mbPerSec.toFixed(2)),
            messagesPerClientPerSec: round(p.messagesPerClientPerSec),
            ordersPerSec: round(p.ordersSent / p.seconds),
          })),
          slowClient: slowReport ?? null,
          sequenceGaps: gaps,
          unexpectedCloses,
          rssMb: { idle: rssIdle ?? null, start: rssStart ?? null, middle: rssMiddle ?? null, end: rssEnd ?? null, max: rssMax, series: rss },
          rssSlopeMbPerSec: slope === undefined ? null : Number(slope.toFixed(3)),
          heapMb: { idle: heapIdle ?? null, start: heapStart ?? null, middle: heapMiddle ?? null, end: heapEnd ?? null },
          goals: {
            executionsP99Ms: execP99,
            executionsP99Met: a.execution.count > 0 ? execP99 < 50 : null,
            bookStalenessP99Ms: staleP99,
            bookStalenessSource: a.bookStalenessSource,
            bookStalenessMet: a.bookStalenessSource === 'none' ? null : staleP99 <= o.interval + 20,
            memoryFlat: flat ?? null,
          },
        }),
      );
    }
  } finally {
    pacer?.stop();
    if (rssTimer !== undefined) clearInterval(rssTimer);
    slow?.destroy();
    for (const s of sessions) if (!s.closed) s.socket.destroy();
    for (const w of workers) void w.worker.terminate();
    if (venue !== undefined) await venue.stop();
  }
}

if (isMainThread) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:ws: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
} else {
  runWorker(workerData as WorkerInit);
}
