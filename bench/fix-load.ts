// The FIX order flow of the end-to-end benchmarks (bench/fix.ts, bench/ws.ts): sessions that send
// NewOrderSingles over loopback TCP from pre-encoded pieces, paced or windowed, and the venue
// started as its own process from this build.
//
// Orders are GTC limits, buys and sells with equal odds, 1 to 10 lots, priced from 2 ticks below to
// 2 ticks above a fixed mid, so about half of them trade on arrival and the book stays shallow.
//
// The load generator must cost far less than the venue, or it measures itself: each session's
// orders are written from pre-encoded pieces (everything but MsgSeqNum, SendingTime, ClOrdID and
// TransactTime is fixed per symbol, side, price and quantity), with BodyLength and CheckSum summed
// from the pieces, several orders per socket write. At startup one order is checked byte for byte
// against the project's encoder. Replies are read with the project's FixFramer.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Histogram } from 'hdr-histogram-js';
import { FixFramer } from '../src/fix/codec.js';
import { encodeMessage, formatUtcTimestamp, type Field } from '../src/fix/encoder.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Orders from pre-encoded pieces

export const BEGIN_STRING = 'FIX.4.4';
const SOH = 0x01;

/** Bytes and their byte sum (the CheckSum's contribution). */
export interface Piece {
  readonly bytes: Buffer;
  readonly sum: number;
}

export function piece(text: string): Piece {
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
export const MAX_ORDER_BYTES = 320;

/** The fixed tail of an order for one symbol, side, price and quantity: from after ClOrdID to TransactTime's '='. */
export interface OrderShape {
  readonly tail: Piece;
  readonly symbol: string;
  readonly side: '1' | '2';
  readonly price: string;
  readonly qty: string;
}

/** One session's NewOrderSingle: "35=D|34=<seq>|49=<us>|52=<time>|56=<venue>|11=<prefix><n>|21=1|38=..|40=2|44=..|54=..|55=..|59=1|60=<time>|". */
export class OrderWriter {
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
export class TimeCache {
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

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MIDS: Readonly<Record<string, number>> = { AAPL: 10_000, MSFT: 40_000, GOOGL: 17_000, AMZN: 18_000, TSLA: 25_000 };
export const TICK_OFFSETS = [-2, -1, 0, 1, 2];
export const QTYS = 10;

/** Every order shape a session sends: symbol x side x 5 prices x 10 quantities, prices in cents. */
export function orderShapes(symbols: readonly string[]): OrderShape[][] {
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

export const RING = 1 << 20;

export class BenchSession {
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
// The venue as its own process

export interface AcceptorProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly name: string;
  readonly stderrTail: string[];
  stop(): Promise<number | null>;
}

export function watchExit(child: ChildProcess, stop: () => void): () => Promise<number | null> {
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

const here = dirname(fileURLToPath(import.meta.url));

/** The venue process; `httpPort` when it was asked to report its HTTP server. */
export interface VenueProcess extends AcceptorProcess {
  readonly httpPort: number | undefined;
}

/**
 * The venue from this build, on a free port, journaling into a new empty directory that is removed
 * afterwards. `extraArgs` go to `crucible start`; with `waitForHttp` it is ready only once its
 * "HTTP on http://host:port" line is out too.
 */
export async function startVenue(fsync: string | undefined, extraArgs: readonly string[] = [], waitForHttp = false): Promise<VenueProcess> {
  const cli = join(here, '..', 'src', 'cli', 'main.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'crucible-bench-'));
  // The venue alone: no reference feed, no strategies of its own trading beside the load.
  const args = [cli, 'start', '--fix-port', '0', '--data-dir', dataDir, '--feed', 'none', '--no-strategies', ...(fsync !== undefined ? ['--fsync', fsync] : []), ...extraArgs];
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
  const [port, httpPort] = await new Promise<[number, number | undefined]>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the venue did not report its port${waitForHttp ? 's' : ''} within 20 s\n${stderrTail.join('\n')}`)), 20_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const m = /listening for FIX on [^\s:]+:(\d+)/.exec(out);
      const h = waitForHttp ? /HTTP on http:\/\/\S+:(\d+)/.exec(out) : null;
      if (m !== null && (!waitForHttp || h !== null)) {
        clearTimeout(timer);
        resolve([Number(m[1]), h === null ? undefined : Number(h[1])]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the venue exited (${code ?? signal}) before listening\n${stderrTail.join('\n')}`));
    });
  });
  return { child, port, httpPort, name: 'Crucible venue', stderrTail, stop };
}

/** CPU time (user + system) of a process in ms, from /proc; undefined where there is none. */
export function cpuTimeMs(pid: number | undefined): number | undefined {
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
// Pacing and draining

export function totals(sessions: readonly BenchSession[]): { acked: number; execReports: number; fills: number; sent: number } {
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

export async function drain(sessions: readonly BenchSession[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (sessions.some((s) => s.outstanding > 0 && !s.closed)) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}
/**
 * Sends `rate` orders a second over the sessions for `ms`. The loop spins through setImmediate (I/O
 * is read between turns) so that each order goes out close to its due time instead of in bursts a
 * timer tick apart; each order's due time is what latency is measured from.
 */
export async function pace(sessions: readonly BenchSession[], rate: number, ms: number): Promise<{ sent: number; behindMs: number; seconds: number }> {
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

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

