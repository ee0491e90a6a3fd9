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
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import {
  type AcceptorProcess,
  BEGIN_STRING,
  BenchSession,
  cpuTimeMs,
  drain,
  fmtInt,
  MIDS,
  mulberry32,
  orderShapes,
  pace,
  QTYS,
  sleep,
  startVenue,
  TICK_OFFSETS,
  TimeCache,
  totals,
  watchExit,
} from './fix-load.js';

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

// ---------------------------------------------------------------------------------------------
// Phases


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

// ---------------------------------------------------------------------------------------------

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
