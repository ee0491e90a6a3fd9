// End-to-end FIX benchmark: N sessions send NewOrderSingles over loopback TCP to the running venue,
// which matches them for real and answers with ExecutionReports.
//
//   npm run bench:fix -- [--sessions=4] [--window=256] [--duration=10] [--warmup=2]
//                        [--rate=10000] [--latency-duration=5] [--mode=all|throughput|latency]
//                        [--port=9878 [--host=127.0.0.1] [--venue-pid=N]] [--symbols=AAPL,MSFT,TSLA]
//                        [--target=CRUCIBLE] [--fsync=batch|off] [--acceptor=venue|quickfix]
//                        [--client=lean|quickfix] [--orders=50000] [--json]
//
// Without --port the venue is started as its own process (`crucible start --fix-port 0` from the
// build, journaling into a new temporary data directory, with --fsync passed on when given), so
// the venue and this load generator each get a core; it is stopped and its directory removed at
// the end. With --port the bench uses a venue (or any FIX.4.4 acceptor that acknowledges orders,
// logging on as BENCH1..BENCHn) that is already running there; --venue-pid lets it report that
// process's CPU.
//
// For comparison with QuickFIX (both from test/clients/quickfix; build with
// `bash test/clients/quickfix/build.sh`): --acceptor=quickfix starts QuickFIX's echo acceptor
// (acknowledges every order, never matches) instead of the venue; --client=quickfix replaces these
// sessions with the harness's QuickFIX C++ client on one session, sending --orders orders pipelined
// and timing round trips per second (no latency histogram). That client prints a JSON line per
// message, which limits how fast it reads: against the matching venue (an acknowledgement plus fill
// reports per order) it falls behind and is disconnected as a slow consumer, so use it against the
// echo acceptor, as the reference pair.
//
// throughput  Every session keeps `window` orders outstanding: it sends that many, and tops the
//             window up as the acknowledgements (ExecutionReport 150=0, or 150=8 for a reject) come
//             back. Counted over `duration` seconds after `warmup` seconds of the same: orders
//             acknowledged per second, and ExecutionReports received per second (acks plus the
//             fill reports of both sides of every trade).
// latency     Orders are sent at a fixed total `rate`, spread evenly over the sessions, without
//             waiting for answers. Round trip = the time the order was due to be sent (so a client
//             that falls behind does not hide a stall) to the arrival of its acknowledgement, in a
//             high-dynamic-range histogram.
//
// Orders are GTC limits, buys and sells with equal odds, 1 to 10 lots, priced from 2 ticks below to
// 2 ticks above a fixed mid, so about half of them trade on arrival and the book stays shallow.
// Sessions share the symbols, and self-trade prevention is off by default, so they trade with
// each other and with themselves.
//
// The load generator must cost far less than the venue, or it measures itself: each session's
// orders are written from pre-encoded pieces (everything but MsgSeqNum, SendingTime, ClOrdID and
// TransactTime is fixed per symbol, side, price and quantity), with BodyLength and CheckSum summed
// from the pieces, several orders per socket write. At startup one order is checked byte for byte
// against the project's encoder. Replies are read with the project's FixFramer.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import { FixFramer } from '../src/fix/codec.js';
import { encodeMessage, formatUtcTimestamp, type Field } from '../src/fix/encoder.js';

interface Options {
  sessions: number;
  window: number;
  duration: number;
  warmup: number;
  rate: number;
  latencyDuration: number;
  mode: 'all' | 'throughput' | 'latency';
  /** What to start when no --port is given. */
  acceptor: 'venue' | 'quickfix';
  /** The load generator: this file's sessions, or the QuickFIX C++ client of the harness. */
  client: 'lean' | 'quickfix';
  /** Orders the QuickFIX client sends. */
  orders: number;
  /** The venue's --fsync mode; undefined: its default. */
  fsync: string | undefined;
  port: number | undefined;
  /** With --port: the acceptor's process id, for its CPU time. */
  venuePid: number | undefined;
  host: string;
  symbols: string[];
  target: string;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    sessions: 4,
    window: 256,
    duration: 10,
    warmup: 2,
    rate: 10_000,
    latencyDuration: 5,
    mode: 'all',
    acceptor: 'venue',
    client: 'lean',
    orders: 50_000,
    fsync: undefined,
    port: undefined,
    venuePid: undefined,
    host: '127.0.0.1',
    symbols: ['AAPL', 'MSFT', 'TSLA'],
    target: 'CRUCIBLE',
    json: false,
  };
  const positive = (key: string, value: string | undefined, integer: boolean): number => {
    const n = Number((value ?? '').replace(/_/g, ''));
    if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
      throw new Error(`--${key} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
    }
    return n;
  };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    switch (key) {
      case 'json':
        opts.json = value === undefined || value !== 'false';
        break;
      case 'sessions':
      case 'window':
      case 'orders':
        opts[key] = positive(key, value, true);
        break;
      case 'rate':
        opts.rate = positive(key, value, true);
        break;
      case 'duration':
      case 'warmup':
        opts[key] = key === 'warmup' && value === '0' ? 0 : positive(key, value, false);
        break;
      case 'latency-duration':
        opts.latencyDuration = positive(key, value, false);
        break;
      case 'port':
        opts.port = positive(key, value, true);
        if (opts.port > 65535) throw new Error(`--port must be at most 65535, got ${value}`);
        break;
      case 'venue-pid':
        opts.venuePid = positive(key, value, true);
        break;
      case 'host':
      case 'target':
      case 'fsync':
        if (value === undefined || value === '') throw new Error(`--${key} needs a value`);
        opts[key] = value;
        break;
      case 'symbols':
        opts.symbols = (value ?? '').split(',').filter((s) => s !== '');
        if (opts.symbols.length === 0) throw new Error('--symbols needs at least one symbol');
        break;
      case 'acceptor':
        if (value !== 'venue' && value !== 'quickfix') throw new Error(`--acceptor must be venue or quickfix, got ${value}`);
        opts.acceptor = value;
        break;
      case 'client':
        if (value !== 'lean' && value !== 'quickfix') throw new Error(`--client must be lean or quickfix, got ${value}`);
        opts.client = value;
        break;
      case 'mode':
        if (value !== 'all' && value !== 'throughput' && value !== 'latency') throw new Error(`--mode must be all, throughput or latency, got ${value}`);
        opts.mode = value;
        break;
      default:
        throw new Error(`unknown option --${key} (known: --sessions --window --duration --warmup --rate --latency-duration --mode --acceptor --client --orders --fsync --port --venue-pid --host --symbols --target --json)`);
    }
  }
  return opts;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Orders from pre-encoded pieces

const BEGIN_STRING = 'FIX.4.4';
const SOH = 0x01;

/** Bytes and their byte sum (the CheckSum's contribution). */
interface Piece {
  readonly bytes: Buffer;
  readonly sum: number;
}

function piece(text: string): Piece {
  const bytes = Buffer.from(text, 'latin1');
  let sum = 0;
  for (const b of bytes) sum += b;
  return { bytes, sum };
}

/** Writes the decimal digits of n at pos; returns the position after them. */
function writeDigits(buf: Buffer, pos: number, n: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let p = pos + digits;
  for (let x = n; p > pos; x = Math.floor(x / 10)) buf[--p] = 0x30 + (x % 10);
  return pos + digits;
}

function digitCount(n: number): number {
  let d = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) d++;
  return d;
}

function digitSum(n: number): number {
  let s = 0;
  let x = n;
  do {
    s += 0x30 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return s;
}

const HEAD = piece(`8=${BEGIN_STRING}\x019=`);
/** Largest order written, for sizing write buffers (checked when the pieces are built). */
const MAX_ORDER_BYTES = 320;

/** The fixed tail of an order for one symbol, side, price and quantity: from after ClOrdID to TransactTime's '='. */
interface OrderShape {
  readonly tail: Piece;
  readonly symbol: string;
  readonly side: '1' | '2';
  readonly price: string;
  readonly qty: string;
}

/** One session's NewOrderSingle: "35=D|34=<seq>|49=<us>|52=<time>|56=<venue>|11=<prefix><n>|21=1|38=..|40=2|44=..|54=..|55=..|59=1|60=<time>|". */
class OrderWriter {
  private readonly p0: Piece;
  private readonly p1: Piece;
  private readonly p2: Piece;
  private readonly end = piece('\x01');

  constructor(
    readonly senderCompID: string,
    readonly targetCompID: string,
    readonly clOrdPrefix: string,
  ) {
    this.p0 = piece('35=D\x0134=');
    this.p1 = piece(`\x0149=${senderCompID}\x0152=`);
    this.p2 = piece(`\x0156=${targetCompID}\x0111=${clOrdPrefix}`);
    // Sixteen digits each for BodyLength, MsgSeqNum and ClOrdID, 24 per timestamp, 80 for the tail.
    const longest = HEAD.bytes.length + 16 + 1 + this.p0.bytes.length + 16 + this.p1.bytes.length + 24 + this.p2.bytes.length + 16 + 80 + 24 + 1 + 7;
    if (longest > MAX_ORDER_BYTES) throw new Error(`CompIDs too long for the order buffer (${longest} > ${MAX_ORDER_BYTES} bytes)`);
  }

  static shape(symbol: string, side: '1' | '2', price: string, qty: string): OrderShape {
    if (symbol.length > 32) throw new Error(`symbol ${symbol} is longer than 32 characters`);
    return { tail: piece(`\x0121=1\x0138=${qty}\x0140=2\x0144=${price}\x0154=${side}\x0155=${symbol}\x0159=1\x0160=`), symbol, side, price, qty };
  }

  /** Writes one order at `pos`; returns the position after it. */
  write(out: Buffer, pos: number, seq: number, clOrdNo: number, time: Piece, shape: OrderShape): number {
    const { p0, p1, p2, end } = this;
    const tail = shape.tail;
    const bodyLength =
      p0.bytes.length + digitCount(seq) + p1.bytes.length + time.bytes.length + p2.bytes.length + digitCount(clOrdNo) + tail.bytes.length + time.bytes.length + end.bytes.length;
    let p = pos + HEAD.bytes.copy(out, pos);
    p = writeDigits(out, p, bodyLength);
    out[p++] = SOH;
    p += p0.bytes.copy(out, p);
    p = writeDigits(out, p, seq);
    p += p1.bytes.copy(out, p);
    p += time.bytes.copy(out, p);
    p += p2.bytes.copy(out, p);
    p = writeDigits(out, p, clOrdNo);
    p += tail.bytes.copy(out, p);
    p += time.bytes.copy(out, p);
    p += end.bytes.copy(out, p);
    const sum =
      (HEAD.sum + digitSum(bodyLength) + SOH + p0.sum + digitSum(seq) + p1.sum + time.sum + p2.sum + digitSum(clOrdNo) + tail.sum + time.sum + end.sum) & 0xff;
    out[p++] = 0x31;
    out[p++] = 0x30;
    out[p++] = 0x3d;
    out[p++] = 0x30 + Math.floor(sum / 100);
    out[p++] = 0x30 + (Math.floor(sum / 10) % 10);
    out[p++] = 0x30 + (sum % 10);
    out[p++] = SOH;
    return p;
  }

  /** The same order through the project's encoder. */
  reference(seq: number, clOrdNo: number, time: string, shape: OrderShape): Buffer {
    const header: Field[] = [
      [34, seq],
      [49, this.senderCompID],
      [52, time],
      [56, this.targetCompID],
    ];
    const body: Field[] = [
      [11, `${this.clOrdPrefix}${clOrdNo}`],
      [21, '1'],
      [38, shape.qty],
      [40, '2'],
      [44, shape.price],
      [54, shape.side],
      [55, shape.symbol],
      [59, '1'],
      [60, time],
    ];
    return encodeMessage(BEGIN_STRING, 'D', header, body);
  }
}

/** SendingTime for the current millisecond, formatted once per millisecond at most. */
class TimeCache {
  private ms = -1;
  private current: Piece = piece('');
  get(): Piece {
    const now = Date.now();
    if (now !== this.ms) {
      this.ms = now;
      this.current = piece(formatUtcTimestamp(now, true));
    }
    return this.current;
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MIDS: Readonly<Record<string, number>> = { AAPL: 10_000, MSFT: 40_000, GOOGL: 17_000, AMZN: 18_000, TSLA: 25_000 };
const TICK_OFFSETS = [-2, -1, 0, 1, 2];
const QTYS = 10;

/** Every order shape a session sends: symbol x side x 5 prices x 10 quantities, prices in cents. */
function orderShapes(symbols: readonly string[]): OrderShape[][] {
  return symbols.map((symbol) => {
    const mid = MIDS[symbol] ?? 10_000;
    const shapes: OrderShape[] = [];
    for (const side of ['1', '2'] as const) {
      for (const off of TICK_OFFSETS) {
        const cents = mid + off;
        const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        for (let q = 1; q <= QTYS; q++) shapes.push(OrderWriter.shape(symbol, side, price, String(q)));
      }
    }
    return shapes;
  });
}

// ---------------------------------------------------------------------------------------------
// A session

const RING = 1 << 20;

class BenchSession {
  private readonly framer = new FixFramer();
  private readonly writer: OrderWriter;
  private readonly rng: () => number;
  private seq = 1;
  /** Orders sent so far (also the next ClOrdID number). */
  sent = 0;
  /** Orders acknowledged (ExecType 0) or rejected (ExecType 8). */
  acked = 0;
  execReports = 0;
  fills = 0;
  rejects = 0;
  sessionRejects = 0;
  businessRejects = 0;
  firstReject = '';
  /** When each order was (due to be) sent, by ClOrdID number modulo RING. */
  readonly sendTimes = new Float64Array(RING);
  /** Latency histogram to record into, while the latency phase runs. */
  histogram: Histogram | null = null;
  /** Orders to keep outstanding while the throughput phase runs; 0 otherwise. */
  window = 0;
  private loggedOn: (() => void) | null = null;
  private loggedOut: (() => void) | null = null;
  closed = false;

  constructor(
    readonly socket: Socket,
    readonly compId: string,
    readonly targetCompID: string,
    private readonly shapes: OrderShape[][],
    private readonly times: TimeCache,
    seed: number,
    runTag: string,
  ) {
    this.writer = new OrderWriter(compId, targetCompID, `${runTag}-`);
    this.rng = mulberry32(seed);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.loggedOut?.();
    });
    socket.on('error', () => {});
  }

  static open(host: string, port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  /** Checks the piecewise encoding against the project's encoder. */
  selfCheck(): void {
    const shape = this.shapes[0][7];
    const time = '20240102-03:04:05.678';
    const out = Buffer.alloc(MAX_ORDER_BYTES);
    const len = this.writer.write(out, 0, 12345, 678, piece(time), shape);
    const expected = this.writer.reference(12345, 678, time, shape);
    if (!out.subarray(0, len).equals(expected)) {
      throw new Error(`order encoding differs from encodeMessage:\n  ${out.subarray(0, len).toString('latin1')}\n  ${expected.toString('latin1')}`);
    }
  }

  private admin(msgType: string, body: Field[]): void {
    const header: Field[] = [
      [34, this.seq++],
      [49, this.compId],
      [52, formatUtcTimestamp(Date.now(), true)],
      [56, this.targetCompID],
    ];
    this.socket.write(encodeMessage(BEGIN_STRING, msgType, header, body));
  }

  logon(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.compId}: no Logon reply within ${timeoutMs} ms`)), timeoutMs);
      this.loggedOn = () => {
        clearTimeout(timer);
        resolve();
      };
      this.admin('A', [
        [98, 0],
        [108, 30],
        [141, 'Y'],
      ]);
    });
  }

  logout(timeoutMs: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, timeoutMs);
      this.loggedOut = () => {
        clearTimeout(timer);
        this.socket.end();
        resolve();
      };
      this.admin('5', []);
    });
  }

  /** Sends `n` orders in one write. `dueAt` (performance.now() ms) is when each was due; default now. */
  sendOrders(n: number, dueAt?: number, dueStep = 0): void {
    if (n <= 0 || this.closed) return;
    const out = Buffer.allocUnsafe(n * MAX_ORDER_BYTES);
    const time = this.times.get();
    const now = performance.now();
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const bySymbol = this.shapes[this.sent % this.shapes.length];
      const shape = bySymbol[Math.floor(this.rng() * bySymbol.length)];
      this.sendTimes[this.sent & (RING - 1)] = dueAt === undefined ? now : dueAt + i * dueStep;
      pos = this.writer.write(out, pos, this.seq++, this.sent++, time, shape);
    }
    this.socket.write(out.subarray(0, pos));
  }

  get outstanding(): number {
    return this.sent - this.acked;
  }

  private onData(chunk: Buffer): void {
    const arrived = performance.now();
    this.framer.push(chunk);
    for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) {
      if (f.kind !== 'message') continue;
      const m = f.message;
      const type = m.msgType;
      if (type === '8') {
        this.execReports++;
        const i = m.indexOf(150);
        const execType = i < 0 ? '' : m.valueAt(i);
        if (execType === '0' || execType === '8') {
          this.acked++;
          if (execType === '8') {
            this.rejects++;
            if (this.firstReject === '') this.firstReject = m.get(58) ?? '';
          }
          const h = this.histogram;
          if (h !== null) {
            const clOrdID = m.get(11) ?? '';
            const n = Number(clOrdID.slice(clOrdID.lastIndexOf('-') + 1));
            // Nanoseconds: performance.now() is in milliseconds with sub-microsecond resolution.
            h.recordValue(Math.max(1, Math.round((arrived - this.sendTimes[n & (RING - 1)]) * 1e6)));
          }
        } else if (execType === 'F' || execType === '1' || execType === '2') {
          this.fills++;
        }
      } else if (type === '3') {
        this.sessionRejects++;
        if (this.firstReject === '') this.firstReject = `session reject: ${m.get(58) ?? ''}`;
      } else if (type === 'j') {
        this.businessRejects++;
        if (this.firstReject === '') this.firstReject = `business reject: ${m.get(58) ?? ''}`;
      } else if (type === 'A') {
        this.loggedOn?.();
      } else if (type === '1') {
        this.admin('0', [[112, m.get(112) ?? '']]);
      } else if (type === '5') {
        this.loggedOut?.();
      }
    }
    const w = this.window;
    if (w > 0) {
      const deficit = w - (this.sent - this.acked);
      // Topping up in batches keeps the writes few without letting the window run dry.
      if (deficit >= Math.max(1, w >> 3)) this.sendOrders(deficit);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The acceptor process: the venue, or QuickFIX's echo acceptor for comparison

const here = dirname(fileURLToPath(import.meta.url));
/** The checkout this build belongs to: the nearest directory above it with a package.json and test/clients. */
const repoRoot = ((): string => {
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'test', 'clients'))) return dir;
  }
  return join(here, '..', '..');
})();
const QUICKFIX_BUILD = join(repoRoot, 'test', 'clients', 'quickfix', 'build');

interface AcceptorProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly name: string;
  readonly stderrTail: string[];
  stop(): Promise<number | null>;
}

function watchExit(child: ChildProcess, stop: () => void): () => Promise<number | null> {
  const killOnExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.off('exit', killOnExit);
      return child.exitCode;
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    stop();
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(hard);
    process.off('exit', killOnExit);
    return code;
  };
}

/** The venue from this build, on a free port, journaling into a new empty directory that is removed afterwards. */
async function startVenue(fsync: string | undefined): Promise<AcceptorProcess> {
  const cli = join(here, '..', 'src', 'cli', 'main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'crucible-bench-'));
  const args = [cli, 'start', '--fix-port', '0', '--data-dir', dataDir, ...(fsync !== undefined ? ['--fsync', fsync] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line !== '') stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.splice(0, stderrTail.length - 40);
  });
  const stopProcess = watchExit(child, () => child.kill('SIGTERM'));
  const stop = async (): Promise<number | null> => {
    const code = await stopProcess();
    rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the venue did not report its port within 20 s\n${stderrTail.join('\n')}`)), 20_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const m = /listening for FIX on [^\s:]+:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the venue exited (${code ?? signal}) before listening\n${stderrTail.join('\n')}`));
    });
  });
  return { child, port, name: 'Crucible venue', stderrTail, stop };
}

/** Where the QuickFIX data dictionaries are, looked up as the client harnesses do. */
function quickfixSpecDir(): string | undefined {
  const candidates = [process.env.CRUCIBLE_FIX_SPEC_DIR, join(repoRoot, '..', 'shared', 'fix-acceptance', 'spec'), '/usr/share/quickfix'];
  return candidates.find((d) => d !== undefined && existsSync(join(d, 'FIX42.xml')) && existsSync(join(d, 'FIX44.xml')));
}

function quickfixBinary(name: string): string {
  const path = join(QUICKFIX_BUILD, name);
  if (!existsSync(path)) throw new Error(`${path} is missing; build it with: bash test/clients/quickfix/build.sh`);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The echo acceptor of the QuickFIX client harness (test/clients/quickfix): a QuickFIX C++
 * acceptor that answers every NewOrderSingle with ExecutionReport New and never matches. It logs
 * every message (a JSON line on stdout, QuickFIX's log on stderr); both go to /dev/null here, the
 * cheapest it can run. It validates against the data dictionaries when they are found, as the venue
 * does. QuickFIX C++ listens on every interface, not only loopback; it runs for the bench only.
 */
async function startQuickfixEchoAcceptor(compIds: readonly string[]): Promise<AcceptorProcess> {
  const port = await freePort();
  const specDir = quickfixSpecDir();
  const args = ['--port', String(port), ...(specDir !== undefined ? ['--spec-dir', specDir] : []), ...compIds.flatMap((c) => ['--client', `${BEGIN_STRING}:${c}`])];
  const child = spawn(quickfixBinary('crucible-qf-echo-acceptor'), args, { stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin?.on('error', () => {});
  const stop = watchExit(child, () => child.stdin?.end('stop\n'));
  // It binds before it would print "listening", which goes to /dev/null here, so poll the port.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the QuickFIX echo acceptor exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const probe = connect({ host: '127.0.0.1', port });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('the QuickFIX echo acceptor did not listen within 10 s');
    }
    await sleep(50);
  }
  return { child, port, name: `QuickFIX echo acceptor${specDir === undefined ? ' (no data dictionary)' : ''}`, stderrTail: [], stop };
}

// ---------------------------------------------------------------------------------------------
// The QuickFIX C++ client of the harness, for comparison

/**
 * `orders` NewOrderSingles through test/clients/quickfix's crucible-qf-client on one session: the
 * whole scenario is written to its stdin at once, so it sends as fast as it reads. Its stdout (one
 * JSON line per message) carries no times, so the lines are timed here as they arrive: from the
 * first order sent to the last acknowledgement.
 */
async function runQuickfixClient(host: string, port: number, target: string, orders: number, symbols: readonly string[]): Promise<{ acks: number; seconds: number }> {
  const specDir = quickfixSpecDir();
  const args = ['--host', host, '--port', String(port), '--begin', BEGIN_STRING, '--sender', 'QF1', '--target', target, '--dict', specDir === undefined ? 'none' : join(specDir, 'FIX44.xml')];
  const child = spawn(quickfixBinary('crucible-qf-client'), args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const stop = watchExit(child, () => child.kill('SIGTERM'));
  const rng = mulberry32(42);
  const lines: string[] = [];
  for (let i = 0; i < orders; i++) {
    const symbol = symbols[i % symbols.length];
    const mid = MIDS[symbol] ?? 10_000;
    const cents = mid + TICK_OFFSETS[Math.floor(rng() * TICK_OFFSETS.length)];
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    lines.push(`new q${i} ${symbol} ${rng() < 0.5 ? 'buy' : 'sell'} limit ${price} ${1 + Math.floor(rng() * QTYS)} gtc`);
  }
  // Its await counts every message received, fills included, so it waits for more than will come
  // and is stopped once every order has been acknowledged.
  lines.push(`await ${orders * 10} 120000`, 'logout', '');
  let first = 0;
  let last = 0;
  let acks = 0;
  let allAcked: () => void = () => {};
  const done = new Promise<void>((resolve) => (allAcked = resolve));
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    if (first === 0 && line.startsWith('{"event":"sent"') && line.includes('"msgType":"D"')) first = performance.now();
    else if (line.startsWith('{"event":"message"') && line.includes('"msgType":"8"') && (line.includes('"150":"0"') || line.includes('"150":"8"'))) {
      acks++;
      last = performance.now();
      if (acks === orders) allAcked();
    }
  });
  child.stdin?.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end(lines.join('\n'));
  let deadline: NodeJS.Timeout | undefined;
  await Promise.race([done, exited, new Promise<void>((resolve) => (deadline = setTimeout(resolve, 60_000 + orders)))]);
  clearTimeout(deadline);
  const code = await stop();
  if (acks < orders) {
    throw new Error(
      `crucible-qf-client ended (${code}) after ${acks} of ${orders} acknowledgements. It writes a JSON line per message ` +
        'received and reads the socket no faster than that; the venue disconnects a reader that leaves 8 MB unsent ' +
        '(its log says "slow consumer"), which 2.5 reports per order reach within a few tens of thousands of orders.',
    );
  }
  return { acks, seconds: (last - first) / 1000 };
}

/** CPU time (user + system) of a process in ms, from /proc; undefined where there is none. */
function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Phases

function totals(sessions: readonly BenchSession[]): { acked: number; execReports: number; fills: number; sent: number } {
  let acked = 0;
  let execReports = 0;
  let fills = 0;
  let sent = 0;
  for (const s of sessions) {
    acked += s.acked;
    execReports += s.execReports;
    fills += s.fills;
    sent += s.sent;
  }
  return { acked, execReports, fills, sent };
}

async function drain(sessions: readonly BenchSession[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (sessions.some((s) => s.outstanding > 0 && !s.closed)) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

interface ThroughputResult {
  ordersPerSec: number;
  execReportsPerSec: number;
  fillsPerSec: number;
  seconds: number;
  orders: number;
  venueCpuPct: number | undefined;
  clientCpuPct: number;
}

async function throughput(sessions: readonly BenchSession[], o: Options, venuePid: number | undefined): Promise<ThroughputResult> {
  for (const s of sessions) {
    s.window = o.window;
    s.sendOrders(o.window - s.outstanding);
  }
  await sleep(o.warmup * 1000);
  const a = totals(sessions);
  const t0 = performance.now();
  const venueCpu0 = cpuTimeMs(venuePid);
  const clientCpu0 = process.cpuUsage();
  await sleep(o.duration * 1000);
  const b = totals(sessions);
  const seconds = (performance.now() - t0) / 1000;
  const venueCpu1 = cpuTimeMs(venuePid);
  const clientCpu = process.cpuUsage(clientCpu0);
  for (const s of sessions) s.window = 0;
  if (!(await drain(sessions, 10_000))) throw new Error('orders still unanswered 10 s after the throughput phase');
  return {
    ordersPerSec: (b.acked - a.acked) / seconds,
    execReportsPerSec: (b.execReports - a.execReports) / seconds,
    fillsPerSec: (b.fills - a.fills) / seconds,
    seconds,
    orders: b.acked - a.acked,
    venueCpuPct: venueCpu0 === undefined || venueCpu1 === undefined ? undefined : ((venueCpu1 - venueCpu0) / (seconds * 1000)) * 100,
    clientCpuPct: ((clientCpu.user + clientCpu.system) / 1000 / (seconds * 1000)) * 100,
  };
}

interface LatencyResult {
  histogram: Histogram;
  orders: number;
  achievedRate: number;
  behindMs: number;
  /** Share of a core the acceptor used while orders were paced (and answered). */
  venueCpuPct: number | undefined;
}

/**
 * Paced sending. The loop spins through setImmediate (I/O is read between turns) so that each
 * order goes out close to its due time instead of in bursts a timer tick apart.
 */
async function latency(sessions: readonly BenchSession[], o: Options, venuePid: number | undefined): Promise<LatencyResult> {
  const histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: 3 });
  // A short unrecorded stretch at the same rate first, so the venue is not measured going from idle to paced.
  const warm = Math.min(1, o.latencyDuration / 5);
  await pace(sessions, o.rate, warm * 1000);
  await drain(sessions, 5000);
  for (const s of sessions) s.histogram = histogram;
  const cpu0 = cpuTimeMs(venuePid);
  const t0 = performance.now();
  const { sent, behindMs, seconds } = await pace(sessions, o.rate, o.latencyDuration * 1000);
  if (!(await drain(sessions, 10_000))) throw new Error('orders still unanswered 10 s after the latency phase');
  const cpu1 = cpuTimeMs(venuePid);
  const venueCpuPct = cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) / (performance.now() - t0)) * 100;
  for (const s of sessions) s.histogram = null;
  return { histogram, orders: sent, achievedRate: sent / seconds, behindMs, venueCpuPct };
}

async function pace(sessions: readonly BenchSession[], rate: number, ms: number): Promise<{ sent: number; behindMs: number; seconds: number }> {
  const interval = 1000 / rate;
  const n = sessions.length;
  const start = performance.now();
  const total = Math.floor((ms / 1000) * rate);
  let sent = 0;
  let behindMs = 0;
  await new Promise<void>((resolve) => {
    const turn = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      // Orders due now go out round-robin, each session's batch in one write.
      while (sent < due) {
        const firstDue = start + sent * interval;
        behindMs = Math.max(behindMs, now - firstDue);
        const batch = due - sent;
        for (let k = 0; k < n && k < batch; k++) {
          const count = Math.floor((batch - k - 1) / n) + 1;
          sessions[(sent + k) % n].sendOrders(count, start + (sent + k) * interval, interval * n);
        }
        sent = due;
      }
      if (sent >= total) resolve();
      else setImmediate(turn);
    };
    turn();
  });
  return { sent, behindMs, seconds: (performance.now() - start) / 1000 };
}

// ---------------------------------------------------------------------------------------------

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function us(ns: number): number {
  return Math.round(ns / 100) / 10;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  let acceptor: AcceptorProcess | undefined;
  const sessions: BenchSession[] = [];
  try {
    const compIds = o.client === 'quickfix' ? ['QF1'] : Array.from({ length: o.sessions }, (_, i) => `BENCH${i + 1}`);
    if (o.port === undefined) acceptor = o.acceptor === 'quickfix' ? await startQuickfixEchoAcceptor(compIds) : await startVenue(o.fsync);
    const port = o.port ?? acceptor!.port;
    const where = acceptor === undefined ? 'already running' : `${acceptor.name}, started as pid ${acceptor.child.pid}`;
    const result: Record<string, unknown> = {
      acceptor: acceptor === undefined ? 'external' : o.acceptor,
      client: o.client,
      sessions: o.client === 'quickfix' ? 1 : o.sessions,
    };

    if (o.client === 'quickfix') {
      log(`bench:fix  QuickFIX C++ client (test/clients/quickfix), 1 session -> ${o.host}:${port} (${where}), ${fmtInt(o.orders)} orders pipelined`);
      const r = await runQuickfixClient(o.host, port, o.target, o.orders, o.symbols);
      const perSec = r.acks / r.seconds;
      log(`  ${fmtInt(perSec)} round trips/s: ${fmtInt(r.acks)} orders acknowledged in ${r.seconds.toFixed(2)} s`);
      Object.assign(result, { ordersPerSec: Math.round(perSec), orders: r.acks, seconds: Number(r.seconds.toFixed(3)) });
    } else {
      log(`bench:fix  ${o.sessions} sessions -> ${o.host}:${port} (${where}), symbols ${o.symbols.join(',')}`);
      const times = new TimeCache();
      const shapes = orderShapes(o.symbols);
      const runTag = Date.now().toString(36);
      for (const compId of compIds) {
        const socket = await BenchSession.open(o.host, port);
        const s = new BenchSession(socket, compId, o.target, shapes, times, 42 + sessions.length, runTag);
        s.selfCheck();
        sessions.push(s);
      }
      await Promise.all(sessions.map((s) => s.logon(10_000)));
      Object.assign(result, { window: o.window, rate: o.rate });
      if (o.mode !== 'latency') {
        log(`throughput: window ${o.window} orders per session, ${o.warmup} s warm-up, ${o.duration} s measured`);
        const t = await throughput(sessions, o, acceptor?.child.pid ?? o.venuePid);
        log(`  ${fmtInt(t.ordersPerSec)} orders/s acknowledged, ${fmtInt(t.execReportsPerSec)} ExecutionReports/s (${fmtInt(t.fillsPerSec)} fill reports/s); ${fmtInt(t.orders)} orders in ${t.seconds.toFixed(2)} s`);
        log(`  CPU: acceptor ${t.venueCpuPct === undefined ? 'n/a' : `${t.venueCpuPct.toFixed(0)}%`} of a core, load generator ${t.clientCpuPct.toFixed(0)}%`);
        Object.assign(result, {
          ordersPerSec: Math.round(t.ordersPerSec),
          execReportsPerSec: Math.round(t.execReportsPerSec),
          fillReportsPerSec: Math.round(t.fillsPerSec),
          throughputSeconds: Number(t.seconds.toFixed(3)),
          venueCpuPct: t.venueCpuPct === undefined ? null : Math.round(t.venueCpuPct),
          clientCpuPct: Math.round(t.clientCpuPct),
        });
      }
      if (o.mode !== 'throughput') {
        log(`latency: ${fmtInt(o.rate)} orders/s in total for ${o.latencyDuration} s, order due -> its acknowledgement`);
        const l = await latency(sessions, o, acceptor?.child.pid ?? o.venuePid);
        const h = l.histogram;
        const p = (q: number): number => us(h.getValueAtPercentile(q));
        log(
          `  p50 ${p(50)} µs, p90 ${p(90)} µs, p99 ${p(99)} µs, p99.9 ${p(99.9)} µs, max ${us(h.maxValue)} µs over ${fmtInt(h.totalCount)} orders` +
            ` (${fmtInt(l.achievedRate)}/s achieved; sender at most ${l.behindMs.toFixed(2)} ms behind schedule)`,
        );
        if (l.venueCpuPct !== undefined) log(`  CPU: acceptor ${l.venueCpuPct.toFixed(0)}% of a core until the last answer`);
        Object.assign(result, {
          p50Us: p(50),
          p90Us: p(90),
          p99Us: p(99),
          p999Us: p(99.9),
          maxUs: us(h.maxValue),
          meanUs: us(h.mean),
          latencyOrders: h.totalCount,
          achievedRate: Math.round(l.achievedRate),
          senderBehindMs: Number(l.behindMs.toFixed(3)),
          latencyVenueCpuPct: l.venueCpuPct === undefined ? null : Math.round(l.venueCpuPct),
        });
      }
      const all = sessions.reduce(
        (acc, s) => ({
          rejects: acc.rejects + s.rejects,
          sessionRejects: acc.sessionRejects + s.sessionRejects,
          businessRejects: acc.businessRejects + s.businessRejects,
          firstReject: acc.firstReject || s.firstReject,
        }),
        { rejects: 0, sessionRejects: 0, businessRejects: 0, firstReject: '' },
      );
      const t = totals(sessions);
      log(`orders sent ${fmtInt(t.sent)}, acknowledged ${fmtInt(t.acked)}, fill reports ${fmtInt(t.fills)}, rejected ${all.rejects}, session rejects ${all.sessionRejects}, business rejects ${all.businessRejects}`);
      if (all.firstReject !== '') log(`  first reject: ${all.firstReject}`);
      Object.assign(result, { ordersSent: t.sent, fills: t.fills, rejects: all.rejects + all.sessionRejects + all.businessRejects });
      await Promise.all(sessions.map((s) => s.logout(3000)));
    }

    if (acceptor !== undefined) {
      const code = await acceptor.stop();
      if (code !== 0) log(`the ${acceptor.name} exited with ${code}${acceptor.stderrTail.length > 0 ? `:\n  ${acceptor.stderrTail.slice(-10).join('\n  ')}` : ''}`);
    }
    if (o.json) log(JSON.stringify(result));
  } finally {
    for (const s of sessions) if (!s.closed) s.socket.destroy();
    if (acceptor !== undefined) await acceptor.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:fix: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
