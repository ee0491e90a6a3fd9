// Side-by-side benchmark: Crucible's MatchingEngine (fast book) against nodejs-order-book, the
// JS/TS peer, on the very same pre-generated op stream in one process.
//
//   npm run bench:engine -- [--ops=500000] [--resting=100000] [--seed=42] [--warmup=50000]
//                           [--mem-orders=1000000] [--peer-mem-orders=1000000] [--json]
//
// Per engine: a JIT warm-up on a throwaway book (another seed), a throughput run (no per-op
// timers), a latency run (process.hrtime.bigint() around every op, as ../shared/bench/lob does),
// then heap bytes per resting order. The fast engine goes first so the peer's garbage and
// deoptimisations cannot land in its timed runs.
//
// The op stream extends the shared lob workload with cancel/replace: a replace moves a live order
// to another price with the same total quantity, so in both engines it loses queue priority, may
// trade, and leaves the same quantity; traded quantity therefore has to agree exactly.
import { createRequire } from 'node:module';
import {
  MatchingEngine,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  type CancelCommand,
  type EngineSink,
  type NewOrderCommand,
  type OrderBook,
  type ReplaceCommand,
} from '../src/engine/index.js';

// ---------------------------------------------------------------------------------------------
// Options

class UsageError extends Error {}

interface Options {
  seed: number;
  resting: number;
  ops: number;
  warmup: number;
  memOrders: number;
  peerMemOrders: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (m === null) throw new UsageError(`unexpected argument ${argv[i]}`);
    let value = m[2];
    if (value === undefined && m[1] !== 'json' && i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    raw.set(m[1], value ?? 'true');
  }
  const known = new Set(['seed', 'resting', 'ops', 'warmup', 'mem-orders', 'peer-mem-orders', 'json']);
  for (const k of raw.keys()) if (!known.has(k)) throw new UsageError(`unknown option --${k} (known: ${[...known].map((x) => '--' + x).join(' ')})`);
  const int = (key: string, dflt: number, min: number): number => {
    const v = raw.get(key);
    if (v === undefined) return dflt;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${key} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  return {
    seed: int('seed', 42, 0),
    resting: int('resting', 100_000, 0),
    ops: int('ops', 500_000, 1),
    warmup: int('warmup', 50_000, 0),
    memOrders: int('mem-orders', 1_000_000, 1),
    peerMemOrders: int('peer-mem-orders', 1_000_000, 0),
    json: raw.has('json') && raw.get('json') !== 'false',
  };
}

// ---------------------------------------------------------------------------------------------
// Workload

const OP_LIMIT = 0;
const OP_CANCEL = 1;
const OP_REPLACE = 2;
const OP_MARKET = 3;
const OP_NAMES = ['limit', 'cancel', 'replace', 'market'] as const;

const MID = 100_000;
const BAND = 1_000;
const P_LIMIT = 0.55;
const P_CANCEL = 0.25;
const P_REPLACE = 0.1; // markets: the remaining 0.10
const P_CROSS = 0.2;
const P_REPLACE_CROSS = 0.1;
const CROSS_DEPTH = 20;
const MAX_LIMIT_SIZE = 100;
const MAX_MARKET_SIZE = 200;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Ops 0..resting-1 are non-crossing limits (the resting phase); the rest is the mixed phase.
 * limit: side, price, size, id (new). cancel: id. replace: id, price (new, never the current
 * one), size (the order's total quantity, which Crucible's replace takes). market: side, size.
 */
interface OpStream {
  readonly resting: number;
  readonly total: number;
  readonly type: Uint8Array;
  readonly side: Uint8Array;
  readonly price: Int32Array;
  readonly size: Int32Array;
  readonly id: Int32Array;
  /** idStr[id]: pre-built string ids for the peer, which keys orders by string. */
  readonly idStr: readonly string[];
  readonly counts: { limit: number; crossingLimits: number; cancel: number; replace: number; market: number };
}

function generate(seed: number, resting: number, ops: number): OpStream {
  const rnd = mulberry32(seed);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const total = resting + ops;
  const type = new Uint8Array(total);
  const side = new Uint8Array(total);
  const price = new Int32Array(total);
  const size = new Int32Array(total);
  const id = new Int32Array(total);
  // Ids are 1..limits; per id: side, current price and total quantity, for replaces.
  const idSide = new Uint8Array(total + 1);
  const idPrice = new Int32Array(total + 1);
  const idSize = new Int32Array(total + 1);
  // Ids issued and not yet cancelled by the stream (they may have filled); swap-remove.
  const pool = new Int32Array(total);
  let poolLen = 0;
  let nextId = 1;
  const counts = { limit: 0, crossingLimits: 0, cancel: 0, replace: 0, market: 0 };

  const passivePrice = (s: number): number => (s === Side.Buy ? MID - 1 - ri(BAND) : MID + 1 + ri(BAND));
  const crossingPrice = (s: number): number => (s === Side.Buy ? MID + ri(CROSS_DEPTH) : MID - ri(CROSS_DEPTH));
  const newLimit = (i: number, s: number, p: number): void => {
    const q = 1 + ri(MAX_LIMIT_SIZE);
    type[i] = OP_LIMIT;
    side[i] = s;
    price[i] = p;
    size[i] = q;
    id[i] = nextId;
    idSide[nextId] = s;
    idPrice[nextId] = p;
    idSize[nextId] = q;
    pool[poolLen++] = nextId++;
  };

  let i = 0;
  for (; i < resting; i++) {
    const s = ri(2);
    newLimit(i, s, passivePrice(s));
  }
  for (; i < total; i++) {
    const r = rnd();
    if (r < P_LIMIT || (r < P_LIMIT + P_CANCEL + P_REPLACE && poolLen === 0)) {
      const s = ri(2);
      const cross = rnd() < P_CROSS;
      if (cross) counts.crossingLimits++;
      newLimit(i, s, cross ? crossingPrice(s) : passivePrice(s));
      counts.limit++;
    } else if (r < P_LIMIT + P_CANCEL) {
      const k = ri(poolLen);
      type[i] = OP_CANCEL;
      id[i] = pool[k];
      pool[k] = pool[--poolLen];
      counts.cancel++;
    } else if (r < P_LIMIT + P_CANCEL + P_REPLACE) {
      const target = pool[ri(poolLen)];
      const s = idSide[target];
      let p = rnd() < P_REPLACE_CROSS ? crossingPrice(s) : passivePrice(s);
      // An unchanged price would keep priority in Crucible but not in the peer (its modify always
      // re-queues), and the two books would drift apart.
      if (p === idPrice[target]) p += s === Side.Buy ? -1 : 1;
      type[i] = OP_REPLACE;
      side[i] = s;
      price[i] = p;
      size[i] = idSize[target];
      id[i] = target;
      idPrice[target] = p;
      counts.replace++;
    } else {
      type[i] = OP_MARKET;
      side[i] = ri(2);
      size[i] = 1 + ri(MAX_MARKET_SIZE);
      id[i] = -1;
      counts.market++;
    }
  }
  const idStr = new Array<string>(nextId);
  for (let k = 0; k < nextId; k++) idStr[k] = String(k);
  return { resting, total, type, side, price, size, id, idStr, counts };
}

// ---------------------------------------------------------------------------------------------
// Engines behind one small driver interface

interface Driver {
  readonly name: string;
  /** Returns the quantity traded by this order. */
  limit(side: number, id: number, idStr: string, price: number, size: number): number;
  market(side: number, size: number): number;
  /** True when a live order was removed. */
  cancel(id: number, idStr: string): boolean;
  /** Moves a live order to `price` keeping `totalQty` (its original quantity); returns the quantity traded. */
  replace(id: number, idStr: string, price: number, totalQty: number): number;
  /** Replaces applied so far (a replace of an order that is gone is a miss). */
  replaceHits(): number;
  /** Resting orders (outside timing). */
  count(): number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const SYMBOL = 'BENCH';
const ACCOUNT = 1;
// Market orders never rest, so one id outside the stream's range serves them all; below 2^30 it
// stays a small integer in V8.
const MARKET_ORDER_ID = 0x3fffffff;

class CountingSink implements EngineSink {
  filled = 0;
  cancels = 0;
  replaces = 0;
  accepted(): void {}
  rejected(): void {}
  fill(_symbol: string, _tradeId: number, _price: number, qty: number): void {
    this.filled += qty;
  }
  cancelled(): void {
    this.cancels++;
  }
  replaced(): void {
    this.replaces++;
  }
  triggered(): void {}
  expired(): void {}
  bookLevel(): void {}
  topOfBook(): void {}
}

/** One mutable command object per kind, reused: the engine copies fields and keeps no command. */
class FastDriver implements Driver {
  readonly name = 'crucible-fastbook';
  private readonly sink = new CountingSink();
  private readonly engine = new MatchingEngine({ sink: this.sink, instruments: [{ symbol: SYMBOL, tickSize: '1', lotSize: '1' }] });
  private readonly book: OrderBook = this.engine.book(SYMBOL) as OrderBook;
  private time = 0;
  private readonly newCmd: Mutable<Required<NewOrderCommand>> = {
    kind: 'new',
    time: 0,
    symbol: SYMBOL,
    orderId: 0,
    account: ACCOUNT,
    side: Side.Buy,
    type: OrderType.Limit,
    tif: TimeInForce.GTC,
    price: 0,
    qty: 0,
    stopPrice: 0,
    displayQty: 0,
    postOnly: false,
    stp: StpMode.None,
  };
  private readonly cancelCmd: Mutable<CancelCommand> = { kind: 'cancel', time: 0, symbol: SYMBOL, orderId: 0, account: ACCOUNT };
  private readonly replaceCmd: Mutable<Required<ReplaceCommand>> = {
    kind: 'replace',
    time: 0,
    symbol: SYMBOL,
    orderId: 0,
    account: ACCOUNT,
    qty: 0,
    price: 0,
    stopPrice: 0,
  };

  limit(side: number, id: number, _idStr: string, price: number, size: number): number {
    const before = this.sink.filled;
    const c = this.newCmd;
    c.time = ++this.time;
    c.orderId = id;
    c.side = side as Side;
    c.type = OrderType.Limit;
    c.tif = TimeInForce.GTC;
    c.price = price;
    c.qty = size;
    this.engine.newOrder(c);
    return this.sink.filled - before;
  }

  market(side: number, size: number): number {
    const before = this.sink.filled;
    const c = this.newCmd;
    c.time = ++this.time;
    c.orderId = MARKET_ORDER_ID;
    c.side = side as Side;
    c.type = OrderType.Market;
    c.tif = TimeInForce.IOC;
    c.price = 0;
    c.qty = size;
    this.engine.newOrder(c);
    return this.sink.filled - before;
  }

  cancel(id: number): boolean {
    const before = this.sink.cancels;
    const c = this.cancelCmd;
    c.time = ++this.time;
    c.orderId = id;
    this.engine.cancel(c);
    return this.sink.cancels !== before;
  }

  replace(id: number, _idStr: string, price: number, totalQty: number): number {
    const before = this.sink.filled;
    const c = this.replaceCmd;
    c.time = ++this.time;
    c.orderId = id;
    c.price = price;
    c.qty = totalQty;
    this.engine.replace(c);
    return this.sink.filled - before;
  }

  replaceHits(): number {
    return this.sink.replaces;
  }

  count(): number {
    return this.book.orderCount();
  }
}

// nodejs-order-book ships no usable type declarations ("types" points at a missing file), so the
// few members used here are declared by hand.
interface PeerResult {
  readonly quantityLeft: number;
  readonly err: { readonly message: string } | null;
}
interface PeerOrderBook {
  limit(options: { side: 'buy' | 'sell'; id: string; size: number; price: number }): PeerResult;
  market(options: { side: 'buy' | 'sell'; size: number }): PeerResult;
  modify(id: string, update: { price: number }): PeerResult;
  cancel(id: string): unknown;
  /** Private in its declarations; read for an order's remaining size before a modify. */
  readonly orders: Record<string, { readonly size: number } | undefined>;
  readonly bids: { len(): number };
  readonly asks: { len(): number };
}
const requireCjs = createRequire(import.meta.url);
const peerModule = requireCjs('nodejs-order-book') as { OrderBook: new () => PeerOrderBook };
const peerVersion = (requireCjs('nodejs-order-book/package.json') as { version: string }).version;
const PEER_SIDES = ['buy', 'sell'] as const;

class PeerDriver implements Driver {
  readonly name = `nodejs-order-book@${peerVersion}`;
  private readonly ob = new peerModule.OrderBook();
  private hits = 0;

  limit(side: number, _id: number, idStr: string, price: number, size: number): number {
    const r = this.ob.limit({ side: PEER_SIDES[side], id: idStr, size, price });
    if (r.err !== null) throw new Error(`peer limit: ${r.err.message}`);
    return size - r.quantityLeft;
  }

  market(side: number, size: number): number {
    const r = this.ob.market({ side: PEER_SIDES[side], size });
    if (r.err !== null) throw new Error(`peer market: ${r.err.message}`);
    return size - r.quantityLeft;
  }

  cancel(_id: number, idStr: string): boolean {
    return this.ob.cancel(idStr) !== undefined;
  }

  replace(_id: number, idStr: string, price: number): number {
    // modify keeps the remaining size and reports what is left after matching.
    const order = this.ob.orders[idStr];
    if (order === undefined) return 0;
    const leaves = order.size;
    const r = this.ob.modify(idStr, { price });
    if (r.err !== null) throw new Error(`peer modify: ${r.err.message}`);
    this.hits++;
    return leaves - r.quantityLeft;
  }

  replaceHits(): number {
    return this.hits;
  }

  count(): number {
    return this.ob.bids.len() + this.ob.asks.len();
  }
}

// ---------------------------------------------------------------------------------------------
// Runs

interface Totals {
  traded: number;
  cancelHits: number;
}

function runOps(d: Driver, s: OpStream, from: number, to: number): Totals {
  const { type, side, price, size, id, idStr } = s;
  let traded = 0;
  let cancelHits = 0;
  for (let i = from; i < to; i++) {
    const t = type[i];
    if (t === OP_LIMIT) traded += d.limit(side[i], id[i], idStr[id[i]], price[i], size[i]);
    else if (t === OP_CANCEL) {
      if (d.cancel(id[i], idStr[id[i]])) cancelHits++;
    } else if (t === OP_REPLACE) traded += d.replace(id[i], idStr[id[i]], price[i], size[i]);
    else traded += d.market(side[i], size[i]);
  }
  return { traded, cancelHits };
}

/** As runOps, with the latency of op i (ns) written to lat[i - from]. */
function runOpsTimed(d: Driver, s: OpStream, from: number, to: number, lat: Float64Array): Totals {
  const { type, side, price, size, id, idStr } = s;
  let traded = 0;
  let cancelHits = 0;
  for (let i = from; i < to; i++) {
    const t = type[i];
    const t0 = process.hrtime.bigint();
    if (t === OP_LIMIT) traded += d.limit(side[i], id[i], idStr[id[i]], price[i], size[i]);
    else if (t === OP_CANCEL) {
      if (d.cancel(id[i], idStr[id[i]])) cancelHits++;
    } else if (t === OP_REPLACE) traded += d.replace(id[i], idStr[id[i]], price[i], size[i]);
    else traded += d.market(side[i], size[i]);
    lat[i - from] = Number(process.hrtime.bigint() - t0);
  }
  return { traded, cancelHits };
}

const gcFn = (globalThis as { gc?: () => void }).gc;
function gc(): void {
  if (gcFn !== undefined) {
    gcFn();
    gcFn();
  }
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

interface Percentiles {
  n: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

function percentiles(ns: Float64Array): Percentiles {
  const s = ns.slice().sort();
  const n = s.length;
  if (n === 0) return { n, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  const at = (p: number): number => s[Math.min(n - 1, Math.floor(p * n))] / 1e3;
  return { n, meanUs: sum / n / 1e3, p50Us: at(0.5), p90Us: at(0.9), p99Us: at(0.99), p999Us: at(0.999), maxUs: s[n - 1] / 1e3 };
}

interface EngineResult {
  name: string;
  restOpsPerSec: number;
  opsPerSec: number;
  mixedSeconds: number;
  latency: { all: Percentiles; limit: Percentiles; cancel: Percentiles; replace: Percentiles; market: Percentiles };
  opsPerSecWithTimers: number;
  checksum: { traded: number; cancelHits: number; replaceHits: number; finalResting: number };
  memOrders: number;
  bytesPerRestingOrder: number | null;
}

function checksumOf(d: Driver, t: Totals): EngineResult['checksum'] {
  return { traded: t.traded, cancelHits: t.cancelHits, replaceHits: d.replaceHits(), finalResting: d.count() };
}

function sameChecksum(a: EngineResult['checksum'], b: EngineResult['checksum']): boolean {
  return a.traded === b.traded && a.cancelHits === b.cancelHits && a.replaceHits === b.replaceHits && a.finalResting === b.finalResting;
}

/** Heap plus array-buffer bytes per order, with `orders` non-crossing limits resting. */
function measureMemory(create: () => Driver, mem: OpStream, orders: number): number | null {
  if (orders === 0 || gcFn === undefined) return null;
  gc();
  const m0 = process.memoryUsage();
  const d = create();
  runOps(d, mem, 0, orders);
  gc();
  const m1 = process.memoryUsage();
  // Reading the driver after the second sample keeps the book alive through it.
  const resting = d.count();
  if (resting !== orders) throw new Error(`${d.name}: ${resting} orders resting after the memory phase, expected ${orders}`);
  return (m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers)) / orders;
}

function benchEngine(create: () => Driver, s: OpStream, warm: OpStream, mem: OpStream, memOrders: number, log: (line: string) => void): EngineResult {
  // Warm-up: both loops, each on its own throwaway book.
  runOps(create(), warm, 0, warm.total);
  runOpsTimed(create(), warm, 0, warm.total, new Float64Array(warm.total));
  gc();

  const ops = s.total - s.resting;
  const d1 = create();
  let t0 = process.hrtime.bigint();
  runOps(d1, s, 0, s.resting);
  const restSeconds = seconds(t0);
  gc();
  t0 = process.hrtime.bigint();
  const tputTotals = runOps(d1, s, s.resting, s.total);
  const mixedSeconds = seconds(t0);
  const checksum = checksumOf(d1, tputTotals);
  gc();

  const d2 = create();
  runOps(d2, s, 0, s.resting);
  gc();
  const lat = new Float64Array(ops);
  t0 = process.hrtime.bigint();
  const latTotals = runOpsTimed(d2, s, s.resting, s.total, lat);
  const latSeconds = seconds(t0);
  const latChecksum = checksumOf(d2, latTotals);
  if (!sameChecksum(checksum, latChecksum)) {
    log(`WARNING ${d2.name}: the latency run's checksum ${JSON.stringify(latChecksum)} differs from the throughput run's ${JSON.stringify(checksum)}`);
  }
  const byType = OP_NAMES.map((_, k) => new Float64Array(k === OP_LIMIT ? s.counts.limit : k === OP_CANCEL ? s.counts.cancel : k === OP_REPLACE ? s.counts.replace : s.counts.market));
  const fill = [0, 0, 0, 0];
  for (let i = s.resting; i < s.total; i++) {
    const k = s.type[i];
    byType[k][fill[k]++] = lat[i - s.resting];
  }
  gc();

  const bytes = measureMemory(create, mem, memOrders);
  gc();
  return {
    name: d1.name,
    restOpsPerSec: s.resting / restSeconds,
    opsPerSec: ops / mixedSeconds,
    mixedSeconds,
    latency: {
      all: percentiles(lat),
      limit: percentiles(byType[OP_LIMIT]),
      cancel: percentiles(byType[OP_CANCEL]),
      replace: percentiles(byType[OP_REPLACE]),
      market: percentiles(byType[OP_MARKET]),
    },
    opsPerSecWithTimers: ops / latSeconds,
    checksum,
    memOrders,
    bytesPerRestingOrder: bytes,
  };
}

function timerOverheadNs(): number {
  const a = new Float64Array(100_000);
  for (let i = 0; i < a.length; i++) {
    const t0 = process.hrtime.bigint();
    a[i] = Number(process.hrtime.bigint() - t0);
  }
  return percentiles(a).p50Us * 1e3;
}

// ---------------------------------------------------------------------------------------------
// Main

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  const started = process.hrtime.bigint();
  const log = (line: string): void => console.log(line);
  if (gcFn === undefined) log('note: run with node --expose-gc (as npm run bench:engine does): without it there are no memory figures and no GC between phases');

  const s = generate(opts.seed, opts.resting, opts.ops);
  const warm = generate((opts.seed + 1) | 0, Math.min(20_000, opts.resting), opts.warmup);
  const mem = generate((opts.seed + 2) | 0, Math.max(opts.memOrders, opts.peerMemOrders), 0);
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  const us = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
  const c = s.counts;
  log(
    `bench:engine node=${process.version} seed=${opts.seed} resting=${f(opts.resting)} ops=${f(opts.ops)} ` +
      `(limit ${f(c.limit)} [crossing-priced ${f(c.crossingLimits)}], cancel ${f(c.cancel)}, replace ${f(c.replace)}, market ${f(c.market)}) warm-up=${f(opts.warmup)} ops/engine`,
  );
  const timerNs = timerOverheadNs();

  const report = (r: EngineResult): void => {
    log(`${r.name}`);
    log(`  throughput   rest-phase ${f(r.restOpsPerSec)} ops/s | mixed ${f(r.opsPerSec)} ops/s (${r.mixedSeconds.toFixed(3)} s)`);
    log(`  latency (µs, incl. ~${f(timerNs)} ns timer; ${f(r.opsPerSecWithTimers)} ops/s with timers)`);
    for (const k of ['all', ...OP_NAMES] as const) {
      const p = r.latency[k];
      log(`    ${k.padEnd(8)} p50 ${us(p.p50Us)}  p90 ${us(p.p90Us)}  p99 ${us(p.p99Us)}  p99.9 ${us(p.p999Us)}  max ${us(p.maxUs)}  mean ${us(p.meanUs)}  (n=${f(p.n)})`);
    }
    log(`  checksum     ${JSON.stringify(r.checksum)}`);
    log(
      `  memory       ${r.bytesPerRestingOrder === null ? 'not measured' : `${r.bytesPerRestingOrder.toFixed(1)} bytes per resting order (heapUsed + arrayBuffers, ${f(r.memOrders)} orders resting)`}`,
    );
  };

  const fast = benchEngine(() => new FastDriver(), s, warm, mem, opts.memOrders, log);
  report(fast);
  const peer = benchEngine(() => new PeerDriver(), s, warm, mem, opts.peerMemOrders, log);
  report(peer);

  const match = sameChecksum(fast.checksum, peer.checksum);
  const ratio = fast.opsPerSec / peer.opsPerSec;
  log(
    `ratio fast/peer: mixed ${ratio.toFixed(1)}x, rest-phase ${(fast.restOpsPerSec / peer.restOpsPerSec).toFixed(1)}x; ` +
      `latency peer/fast p50 ${(peer.latency.all.p50Us / fast.latency.all.p50Us).toFixed(1)}x, p99 ${(peer.latency.all.p99Us / fast.latency.all.p99Us).toFixed(1)}x`,
  );
  if (fast.bytesPerRestingOrder !== null && peer.bytesPerRestingOrder !== null) {
    log(`memory fast/peer: ${(fast.bytesPerRestingOrder / peer.bytesPerRestingOrder).toFixed(2)} (${f(fast.memOrders)} vs ${f(peer.memOrders)} resting orders)`);
  }
  log(
    `checksum ${match ? 'MATCH' : 'MISMATCH'} fast traded=${fast.checksum.traded} cancelHits=${fast.checksum.cancelHits} replaceHits=${fast.checksum.replaceHits} finalResting=${fast.checksum.finalResting}` +
      ` | peer traded=${peer.checksum.traded} cancelHits=${peer.checksum.cancelHits} replaceHits=${peer.checksum.replaceHits} finalResting=${peer.checksum.finalResting}`,
  );
  const totalSeconds = seconds(started);
  log(`total ${totalSeconds.toFixed(1)} s`);
  if (!match) process.exitCode = 1;

  if (opts.json) {
    // Flat keys, unit last: p50Us, limitP99Us, peerCancelP999Us, ...
    const lat = (prefix: string, r: EngineResult): Record<string, number> => {
      const out: Record<string, number> = {};
      const join = (a: string, b: string): string => (a === '' ? b : b === '' ? a : a + b[0].toUpperCase() + b.slice(1));
      for (const k of ['all', ...OP_NAMES] as const) {
        const p = r.latency[k];
        const base = join(prefix, k === 'all' ? '' : k);
        for (const m of ['p50Us', 'p90Us', 'p99Us', 'p999Us', 'maxUs', 'meanUs'] as const) out[join(base, m)] = p[m];
      }
      return out;
    };
    console.log(
      JSON.stringify({
        bench: 'engine',
        node: process.version,
        seed: opts.seed,
        resting: opts.resting,
        ops: opts.ops,
        opMix: c,
        warmupOps: opts.warmup,
        engine: fast.name,
        opsPerSec: fast.opsPerSec,
        restOpsPerSec: fast.restOpsPerSec,
        opsPerSecWithTimers: fast.opsPerSecWithTimers,
        ...lat('', fast),
        bytesPerRestingOrder: fast.bytesPerRestingOrder,
        memOrders: fast.memOrders,
        peer: peer.name,
        peerOpsPerSec: peer.opsPerSec,
        peerRestOpsPerSec: peer.restOpsPerSec,
        peerOpsPerSecWithTimers: peer.opsPerSecWithTimers,
        ...lat('peer', peer),
        peerBytesPerRestingOrder: peer.bytesPerRestingOrder,
        peerMemOrders: peer.memOrders,
        ratio,
        restRatio: fast.restOpsPerSec / peer.restOpsPerSec,
        timerOverheadNs: timerNs,
        tradedQty: fast.checksum.traded,
        cancelHits: fast.checksum.cancelHits,
        replaceHits: fast.checksum.replaceHits,
        finalResting: fast.checksum.finalResting,
        peerTradedQty: peer.checksum.traded,
        peerCancelHits: peer.checksum.cancelHits,
        peerReplaceHits: peer.checksum.replaceHits,
        peerFinalResting: peer.checksum.finalResting,
        checksumMatch: match,
        totalSeconds,
      }),
    );
  }
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
