// The fast book against the naive reference: the same random command streams through two engines
// must give identical events after every command and identical state hashes, snapshots and
// restored continuations. Commands are generated abstractly ("cancel the k-th live order") and
// made concrete against the current book, so cancels and replaces mostly hit live orders.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { naiveBookFactory } from '../../src/engine/book-naive.js';
import { EventRecorder, type EngineEvent } from '../../src/engine/event-recorder.js';
import { MatchingEngine, type EngineSnapshot } from '../../src/engine/matching-engine.js';
import { OrderType, Side, StpMode, TimeInForce, type EngineCommand, type Instrument } from '../../src/engine/types.js';

const SEED = Number(process.env.DIFF_SEED ?? 20_240_611);
const RUNS = Number(process.env.DIFF_RUNS ?? 400);
const MAX_COMMANDS = 1_000;
const MIN_TOTAL_COMMANDS = 100_000;
const DEEP_RUNS = 5;
// Growth needs long streams, so these do not shrink below a few thousand commands.
const DEEP_MIN_COMMANDS = 3_000;
const DEEP_MAX_COMMANDS = 10_000;

const instruments: Instrument[] = [
  // Static and dynamic price bands (6% around the last trade) and a quantity ceiling.
  { symbol: 'AAA', tickSize: '0.01', lotSize: '1', minPrice: 93, maxPrice: 107, maxQty: 40, bandBps: 600 },
  // No bands; a quantity floor.
  { symbol: 'BBB', tickSize: '0.5', lotSize: '0.001', minQty: 2 },
];
const SYMBOLS = ['AAA', 'BBB', 'NOPE'];
// BBB trades far above 2^32 ticks, so no implementation can get away with 32-bit prices.
const PRICE_BASE = [0, 2 ** 40, 0];
// Specs name accounts by index; one account number is beyond 32 bits as well.
const ACCOUNTS = [0, 7, 2 ** 40 + 3];

// ---- abstract commands ----

/** Where a new order's id comes from. */
const IdMode = {
  Next: 0,
  /** An id of an order of this symbol that is done (ids need only be unique among live orders). */
  ReuseFinished: 1,
  /** An id live in the other symbol's book. */
  LiveElsewhere: 2,
  /** Beyond 2^32, up to 2^53 - 1. */
  Huge: 3,
  /** Out of sequence. */
  Scattered: 4,
} as const;

/** One deliberate defect in an otherwise sensible new order (0: none). */
const NewJunk = {
  None: 0,
  UnknownSymbol: 1,
  BadOrderId: 2,
  BadAccount: 3,
  BadSide: 4,
  BadType: 5,
  BadTif: 6,
  BadStp: 7,
  ZeroQty: 8,
  FractionalQty: 9,
  HugeQty: 10,
  BadPrice: 11,
  FarPrice: 12,
  MissingStopPrice: 13,
  BadDisplay: 14,
  PostOnlyMisfit: 15,
  DuplicateId: 16,
  PostOnlyNotBoolean: 17,
} as const;

interface NewSpec {
  readonly kind: 'new';
  readonly sym: number;
  readonly account: number;
  readonly side: number;
  readonly type: number;
  readonly tif: number;
  readonly price: number;
  readonly qty: number;
  /** Distance of the stop price from the last trade, in the triggering direction (≤ 0: would trigger now). */
  readonly stopOffset: number;
  readonly displayQty: number;
  readonly postOnly: boolean;
  readonly stp: number;
  readonly idMode: number;
  readonly junk: number;
}

type Target = 'live' | 'stop' | 'any' | 'unknown';

interface CancelSpec {
  readonly kind: 'cancel';
  readonly sym: number;
  readonly pick: number;
  readonly target: Target;
  readonly wrongAccount: boolean;
}

interface ReplaceSpec {
  readonly kind: 'replace';
  readonly sym: number;
  readonly pick: number;
  readonly target: Target;
  readonly wrongAccount: boolean;
  readonly qtyDelta: number;
  readonly priceDelta: number;
  /** undefined: stopPrice left out (unchanged). */
  readonly stopDelta: number | undefined;
}

interface MassCancelSpec {
  readonly kind: 'massCancel';
  readonly sym: number | undefined;
  readonly account: number | undefined;
}

interface EndOfDaySpec {
  readonly kind: 'endOfDay';
  readonly sym: number | undefined;
}

type Spec = NewSpec | CancelSpec | ReplaceSpec | MassCancelSpec | EndOfDaySpec;

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

const symArb = fc.oneof(w(60, fc.constant(0)), w(40, fc.constant(1)));
const accountArb = fc.integer({ min: 0, max: 2 });

const tifArb = fc.oneof(w(40, fc.constant(TimeInForce.GTC)), w(18, fc.constant(TimeInForce.IOC)), w(14, fc.constant(TimeInForce.FOK)), w(28, fc.constant(TimeInForce.DAY)));

const typeArb = fc.oneof(w(55, fc.constant(OrderType.Limit)), w(12, fc.constant(OrderType.Market)), w(16, fc.constant(OrderType.Stop)), w(17, fc.constant(OrderType.StopLimit)));

interface NewOrderShape {
  readonly sym: fc.Arbitrary<number>;
  readonly price: fc.Arbitrary<number>;
  readonly qty: fc.Arbitrary<number>;
  readonly type?: fc.Arbitrary<number>;
  readonly tif?: fc.Arbitrary<number>;
}

const newOrderArb = (shape: NewOrderShape): fc.Arbitrary<NewSpec> =>
  fc.record({
    kind: fc.constant('new' as const),
    sym: shape.sym,
    account: accountArb,
    side: fc.integer({ min: 0, max: 1 }),
    type: shape.type ?? typeArb,
    tif: shape.tif ?? tifArb,
    price: shape.price,
    qty: shape.qty,
    stopOffset: fc.oneof(w(90, fc.integer({ min: 1, max: 4 })), w(10, fc.integer({ min: -1, max: 0 }))),
    displayQty: fc.oneof(w(72, fc.constant(0)), w(28, fc.integer({ min: 1, max: 6 }))),
    postOnly: fc.oneof(w(85, fc.constant(false)), w(15, fc.constant(true))),
    stp: fc.oneof(w(30, fc.constant(StpMode.None)), w(70, fc.integer({ min: 1, max: 4 }))),
    idMode: fc.oneof(w(86, fc.constant(IdMode.Next)), w(5, fc.constant(IdMode.ReuseFinished)), w(4, fc.constant(IdMode.LiveElsewhere)), w(3, fc.constant(IdMode.Huge)), w(2, fc.constant(IdMode.Scattered))),
    junk: fc.oneof(w(88, fc.constant(NewJunk.None)), w(12, fc.integer({ min: 1, max: 17 }))),
  });

// Eleven ticks around 100: orders cross, stops fire and icebergs refresh all the time.
const newArb = newOrderArb({
  sym: symArb,
  price: fc.integer({ min: 95, max: 105 }),
  qty: fc.oneof(w(80, fc.integer({ min: 1, max: 12 })), w(20, fc.integer({ min: 13, max: 40 }))),
});

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  w(70, fc.constant('live' as const)),
  w(15, fc.constant('stop' as const)),
  w(12, fc.constant('any' as const)),
  w(3, fc.constant('unknown' as const)),
);

const cancelArbOn = (sym: fc.Arbitrary<number>): fc.Arbitrary<CancelSpec> => fc.record({
  kind: fc.constant('cancel' as const),
  sym,
  pick: fc.nat(1_000),
  target: targetArb,
  wrongAccount: fc.oneof(w(92, fc.constant(false)), w(8, fc.constant(true))),
});

const replaceArbOn = (sym: fc.Arbitrary<number>): fc.Arbitrary<ReplaceSpec> => fc.record({
  kind: fc.constant('replace' as const),
  sym,
  pick: fc.nat(1_000),
  target: targetArb,
  wrongAccount: fc.oneof(w(95, fc.constant(false)), w(5, fc.constant(true))),
  qtyDelta: fc.oneof(w(85, fc.integer({ min: -4, max: 5 })), w(10, fc.integer({ min: -40, max: -5 })), w(5, fc.constant(60))),
  priceDelta: fc.oneof(w(35, fc.constant(0)), w(60, fc.integer({ min: -3, max: 3 })), w(5, fc.integer({ min: -12, max: 12 }))),
  stopDelta: fc.oneof(w(40, fc.constant(undefined)), w(60, fc.integer({ min: -3, max: 3 }))),
});

const massCancelArb: fc.Arbitrary<MassCancelSpec> = fc.record({
  kind: fc.constant('massCancel' as const),
  sym: fc.oneof(w(40, fc.constant(undefined)), w(55, symArb), w(5, fc.constant(2))),
  account: fc.oneof(w(25, fc.constant(undefined)), w(70, accountArb), w(5, fc.constant(-1))),
});

const endOfDayArb: fc.Arbitrary<EndOfDaySpec> = fc.record({
  kind: fc.constant('endOfDay' as const),
  sym: fc.oneof(w(50, fc.constant(undefined)), w(45, symArb), w(5, fc.constant(2))),
});

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  w(660, newArb),
  w(130, cancelArbOn(fc.oneof(w(97, symArb), w(3, fc.constant(2))))),
  w(190, replaceArbOn(fc.oneof(w(98, symArb), w(2, fc.constant(2))))),
  w(12, massCancelArb),
  w(8, endOfDayArb),
);

// Deep books: one unbanded symbol, prices spread over hundreds of levels, few cancels, so the
// fast book's order pool (1024) and level arrays (256) have to grow, and large orders sweep far.
// No mass cancels here: they would keep the books shallow.
const BBB = fc.constant(1);
const deepSpecArb: fc.Arbitrary<Spec> = fc.oneof(
  w(
    860,
    newOrderArb({
      sym: BBB,
      price: fc.noBias(fc.integer({ min: 0, max: 599 })),
      qty: fc.oneof(w(99, fc.integer({ min: 2, max: 30 })), w(1, fc.integer({ min: 100, max: 2_000 }))),
      type: fc.oneof(w(82, fc.constant(OrderType.Limit)), w(6, fc.constant(OrderType.Market)), w(6, fc.constant(OrderType.Stop)), w(6, fc.constant(OrderType.StopLimit))),
      tif: fc.oneof(w(80, fc.constant(TimeInForce.GTC)), w(20, tifArb)),
    })
      // Bids 1..600 and asks 571..1170 ticks above the base: most orders rest, the overlap and market orders trade.
      .map((spec) => ({ ...spec, price: spec.side === Side.Buy ? 1 + spec.price : 571 + spec.price })),
  ),
  w(25, cancelArbOn(BBB)),
  w(60, replaceArbOn(BBB)),
  w(4, endOfDayArb),
);

// ---- from abstract to concrete ----

/** Turns specs into commands against the current state of `reference` (the books are equal while the test passes). */
class CommandMaker {
  private nextOrderId = 1;
  // Epoch milliseconds, as the sequencer stamps them.
  private time = 1_700_000_000_000;
  private readonly issued: number[][] = [[], [], []];

  constructor(private reference: MatchingEngine) {}

  /** Continue against another engine holding the same state (after a restore). */
  follow(engine: MatchingEngine): void {
    this.reference = engine;
  }

  make(spec: Spec): EngineCommand {
    const time = (this.time += 1);
    switch (spec.kind) {
      case 'new':
        return this.newOrder(spec, time);
      case 'cancel': {
        const { symbol, orderId, account } = this.target(spec);
        return { kind: 'cancel', time, symbol, orderId, account };
      }
      case 'replace':
        return this.replace(spec, time);
      case 'massCancel': {
        const symbol = spec.sym === undefined ? undefined : SYMBOLS[spec.sym];
        const account = spec.account === undefined ? undefined : (ACCOUNTS[spec.account] ?? spec.account);
        return { kind: 'massCancel', time, ...(symbol === undefined ? {} : { symbol }), ...(account === undefined ? {} : { account }) };
      }
      case 'endOfDay': {
        const symbol = spec.sym === undefined ? undefined : SYMBOLS[spec.sym];
        return { kind: 'endOfDay', time, ...(symbol === undefined ? {} : { symbol }) };
      }
    }
  }

  /** The last `n` ids sent to a symbol, live or not. */
  recentIds(sym: number, n: number): number[] {
    return this.issued[sym].slice(-n);
  }

  private liveIds(sym: number): number[] {
    const book = this.reference.book(SYMBOLS[sym]);
    return book === undefined ? [] : this.issued[sym].filter((id) => book.ownerOf(id) !== -1);
  }

  private newOrder(s: NewSpec, time: number): EngineCommand {
    const symbol = SYMBOLS[s.sym];
    const base = PRICE_BASE[s.sym];
    const last = this.reference.book(symbol)!.lastPrice() || base + 100;
    const isStop = s.type === OrderType.Stop || s.type === OrderType.StopLimit;
    let orderId = this.orderIdFor(s);
    const cmd: Record<string, unknown> = {
      kind: 'new',
      time,
      symbol,
      orderId,
      account: ACCOUNTS[s.account],
      side: s.side,
      type: s.type,
      tif: s.tif,
      // Market and stop orders carry a stray price too: the book must ignore it.
      price: base + s.price,
      qty: s.qty,
      stp: s.stp,
    };
    if (isStop) cmd.stopPrice = s.side === Side.Buy ? last + s.stopOffset : last - s.stopOffset;
    if (s.displayQty > 0 && s.type === OrderType.Limit) cmd.displayQty = Math.min(s.displayQty, s.qty);
    if (s.postOnly && s.type === OrderType.Limit && (s.tif === TimeInForce.GTC || s.tif === TimeInForce.DAY)) cmd.postOnly = true;
    else if (s.postOnly) cmd.postOnly = false;
    switch (s.junk) {
      case NewJunk.UnknownSymbol:
        cmd.symbol = 'NOPE';
        break;
      case NewJunk.BadOrderId:
        cmd.orderId = [0, -3, 1.5, Number.MAX_SAFE_INTEGER + 2][orderId % 4];
        break;
      case NewJunk.BadAccount:
        cmd.account = orderId % 2 === 0 ? -1 : 0.5;
        break;
      case NewJunk.BadSide:
        cmd.side = 2;
        break;
      case NewJunk.BadType:
        cmd.type = 7;
        break;
      case NewJunk.BadTif:
        cmd.tif = 9;
        break;
      case NewJunk.BadStp:
        cmd.stp = orderId % 2 === 0 ? 5 : -1;
        break;
      case NewJunk.ZeroQty:
        cmd.qty = 0;
        break;
      case NewJunk.FractionalQty:
        cmd.qty = s.qty + 0.5;
        break;
      case NewJunk.HugeQty:
        cmd.qty = 41 + (orderId % 5);
        break;
      case NewJunk.BadPrice:
        cmd.price = [0, -100, 100.5][orderId % 3];
        break;
      case NewJunk.FarPrice:
        cmd.price = base + (orderId % 2 === 0 ? 90 : 111);
        break;
      case NewJunk.MissingStopPrice:
        if (isStop) delete cmd.stopPrice;
        else cmd.stopPrice = 100;
        break;
      case NewJunk.BadDisplay:
        cmd.displayQty = s.type === OrderType.Limit ? s.qty + 1 + (orderId % 2) * 0.5 : 1;
        break;
      case NewJunk.PostOnlyMisfit:
        cmd.postOnly = true;
        if (s.type === OrderType.Limit) cmd.tif = orderId % 2 === 0 ? TimeInForce.IOC : TimeInForce.FOK;
        break;
      case NewJunk.DuplicateId: {
        const live = this.liveIds(s.sym);
        if (live.length > 0) {
          orderId = live[orderId % live.length];
          cmd.orderId = orderId;
        }
        break;
      }
      case NewJunk.PostOnlyNotBoolean:
        cmd.postOnly = 'yes';
        break;
    }
    const symIndex = SYMBOLS.indexOf(cmd.symbol as string);
    if (Number.isSafeInteger(cmd.orderId) && !this.issued[symIndex].includes(cmd.orderId as number)) this.issued[symIndex].push(cmd.orderId as number);
    return cmd as unknown as EngineCommand;
  }

  private orderIdFor(s: NewSpec): number {
    const seq = this.nextOrderId++;
    const pickFrom = (ids: number[]) => (ids.length > 0 ? ids[seq % ids.length] : seq);
    switch (s.idMode) {
      case IdMode.ReuseFinished: {
        const book = this.reference.book(SYMBOLS[s.sym])!;
        return pickFrom(this.issued[s.sym].filter((id) => id > 0 && book.ownerOf(id) === -1));
      }
      case IdMode.LiveElsewhere:
        return pickFrom(this.liveIds(1 - s.sym));
      case IdMode.Huge:
        return [2 ** 32 + seq, 2 ** 52 + seq, Number.MAX_SAFE_INTEGER - seq][seq % 3];
      case IdMode.Scattered:
        return 1 + ((seq * 2_654_435_761) % 2_147_483_647);
      default:
        return seq;
    }
  }

  private target(s: CancelSpec | ReplaceSpec): { symbol: string; orderId: number; account: number } {
    const symbol = SYMBOLS[s.sym];
    const book = this.reference.book(symbol);
    let orderId = 1_000_000 + s.pick;
    if (book !== undefined && s.target !== 'unknown') {
      const live = this.liveIds(s.sym);
      const stops = live.filter((id) => book.order(id)!.stopPrice > 0);
      const pool = s.target === 'any' ? this.issued[s.sym] : s.target === 'stop' && stops.length > 0 ? stops : live;
      if (pool.length > 0) orderId = pool[s.pick % pool.length];
    }
    const owner = book?.ownerOf(orderId) ?? -1;
    const other = ACCOUNTS[(ACCOUNTS.indexOf(owner) + 1 + (s.pick % 2)) % 3];
    const account = owner === -1 ? ACCOUNTS[s.pick % 3] : s.wrongAccount ? other : owner;
    return { symbol, orderId, account };
  }

  private replace(s: ReplaceSpec, time: number): EngineCommand {
    const { symbol, orderId, account } = this.target(s);
    const order = this.reference.book(symbol)?.order(orderId);
    const around = PRICE_BASE[s.sym] + 100;
    const base = order ?? { price: around, stopPrice: 0, leavesQty: 5, cumQty: 0 };
    const cmd: Record<string, unknown> = {
      kind: 'replace',
      time,
      symbol,
      orderId,
      account,
      qty: s.qtyDelta === 60 ? 60 : base.cumQty + base.leavesQty + s.qtyDelta,
      // A stop-market's limit price is ignored, so it gets a stray one.
      price: (base.price || around) + s.priceDelta,
    };
    if (s.stopDelta !== undefined) cmd.stopPrice = (base.stopPrice || around) + s.stopDelta;
    return cmd as unknown as EngineCommand;
  }
}

// ---- running a stream ----

interface Side2Side {
  readonly engine: MatchingEngine;
  readonly events: EventRecorder;
}

const open = (bookFactory?: typeof naiveBookFactory): Side2Side => {
  const events = new EventRecorder();
  return { engine: new MatchingEngine({ sink: events, instruments, ...(bookFactory ? { bookFactory } : {}) }), events };
};

const reopen = (snapshot: EngineSnapshot, bookFactory?: typeof naiveBookFactory): Side2Side => {
  const events = new EventRecorder();
  // Through JSON: a snapshot must survive leaving the process.
  const plain = JSON.parse(JSON.stringify(snapshot)) as EngineSnapshot;
  return { engine: MatchingEngine.restore(plain, { sink: events, ...(bookFactory ? { bookFactory } : {}) }), events };
};

let commandsRun = 0;
/** What the streams exercised, so a generator that stops reaching a rule fails loudly. */
const seen = new Map<string, number>();
const tally = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);

function tallyEvents(events: readonly EngineEvent[]): void {
  for (const e of events) {
    tally(e.type);
    if (e.type === 'rejected') tally(`rejected ${e.command} ${e.code}`);
    else if (e.type === 'cancelled') tally(`cancelled reason ${e.reason}${e.leavesQty > 0 ? ' partial' : ''}`);
    else if (e.type === 'replaced') tally(`replaced kept=${e.keptPriority} ${e.stopPrice > 0 ? 'stop' : 'resting'}`);
    else if (e.type === 'accepted') tally(`accepted type ${e.orderType}`);
  }
}

function divergence(what: string, history: readonly EngineCommand[], cause: unknown): Error {
  let message = cause instanceof Error ? cause.message : String(cause);
  if (cause !== null && typeof cause === 'object' && 'actual' in cause && 'expected' in cause) {
    const clip = (v: unknown) => JSON.stringify(v).slice(0, 6_000);
    message += `\n  expected (naive): ${clip(cause.expected)}\n  actual:           ${clip(cause.actual)}`;
  }
  const lines = history.map((c) => '  ' + JSON.stringify(c));
  return new Error(`${what} after ${history.length} commands:\n${lines.join('\n')}\n${message}`);
}

/** Applies `cmd` to every engine and requires the same events everywhere (the naive book is the reference). */
function step(engines: readonly Side2Side[], cmd: EngineCommand, history: EngineCommand[]): void {
  history.push(cmd);
  commandsRun++;
  for (const e of engines) e.engine.apply(cmd);
  const expected: EngineEvent[] = engines[0].events.take();
  tallyEvents(expected);
  for (let i = 1; i < engines.length; i++) {
    const actual = engines[i].events.take();
    try {
      expect(actual).toEqual(expected);
    } catch (err) {
      throw divergence(`events differ (engine ${i} against the naive book)`, history, err);
    }
  }
}

function sameHash(engines: readonly Side2Side[], history: readonly EngineCommand[]): void {
  const expected = engines[0].engine.stateHash();
  for (let i = 1; i < engines.length; i++) {
    try {
      expect(engines[i].engine.stateHash()).toBe(expected);
    } catch (err) {
      throw divergence(`state hash differs (engine ${i})`, history, err);
    }
  }
}

/** The books' query methods must agree too, for live, finished and never-seen ids. */
function sameQueries(engines: readonly Side2Side[], maker: CommandMaker, history: readonly EngineCommand[]): void {
  for (const [sym, symbol] of ['AAA', 'BBB'].entries()) {
    const ids = [0, -1, 987_654_321, ...maker.recentIds(sym, 60)];
    const answers = engines.map(({ engine }) => {
      const book = engine.book(symbol)!;
      return {
        bestBid: book.bestPrice(Side.Buy),
        bestAsk: book.bestPrice(Side.Sell),
        last: book.lastPrice(),
        orderCount: book.orderCount(),
        bids: book.levels(Side.Buy, 12),
        asks: book.levels(Side.Sell, 12),
        owners: ids.map((id) => book.ownerOf(id)),
        orders: ids.map((id) => book.order(id) ?? null),
      };
    });
    for (let i = 1; i < engines.length; i++) {
      try {
        expect(answers[i]).toEqual(answers[0]);
      } catch (err) {
        throw divergence(`${symbol} queries differ (engine ${i})`, history, err);
      }
    }
  }
}

interface Depth {
  orders: number;
  levels: number;
}

/** Runs one stream through both books, then restores the final snapshot and runs `tail` on all four engines. */
function runStream(specs: readonly Spec[], tail: readonly Spec[], depth?: Depth): void {
  const naive = open(naiveBookFactory);
  const fast = open();
  const maker = new CommandMaker(fast.engine);
  const history: EngineCommand[] = [];
  specs.forEach((spec, i) => {
    step([naive, fast], maker.make(spec), history);
    if ((i + 1) % 100 === 0) {
      sameHash([naive, fast], history);
      sameQueries([naive, fast], maker, history);
      if (depth !== undefined) {
        for (const symbol of ['AAA', 'BBB']) {
          const book = fast.engine.book(symbol)!;
          depth.orders = Math.max(depth.orders, book.orderCount());
          depth.levels = Math.max(depth.levels, book.levels(Side.Buy, Infinity).length, book.levels(Side.Sell, Infinity).length);
        }
      }
    }
  });
  sameHash([naive, fast], history);
  sameQueries([naive, fast], maker, history);

  const snapshot = fast.engine.snapshot();
  try {
    expect(snapshot).toEqual(naive.engine.snapshot());
  } catch (err) {
    throw divergence('snapshots differ', history, err);
  }
  const fastAgain = reopen(snapshot);
  const naiveAgain = reopen(snapshot, naiveBookFactory);
  try {
    expect(fastAgain.engine.stateHash()).toBe(fast.engine.stateHash());
    expect(fastAgain.engine.snapshot()).toEqual(snapshot);
    expect(naiveAgain.engine.snapshot()).toEqual(snapshot);
  } catch (err) {
    throw divergence('restore did not rebuild the snapshot', history, err);
  }
  maker.follow(fastAgain.engine);
  const all = [naive, fast, fastAgain, naiveAgain];
  sameQueries(all, maker, history);
  for (const spec of tail) step(all, maker.make(spec), history);
  sameHash(all, history);
  sameQueries(all, maker, history);
}

/** Every event kind, cancel reason, replace outcome and reject the streams are meant to reach. */
const MUST_SEE = [
  ...[0, 1, 2, 3].map((t) => `accepted type ${t}`),
  'fill',
  'bookLevel',
  'topOfBook',
  'triggered',
  'expired',
  ...[0, 1, 2, 3, 4, 5].map((r) => `cancelled reason ${r}`),
  'cancelled reason 5 partial',
  ...['true', 'false'].flatMap((kept) => [`replaced kept=${kept} resting`, `replaced kept=${kept} stop`]),
  ...[3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3010, 3011, 3012, 3013, 3014, 3015, 3017, 3018, 3019, 3020].map((c) => `rejected new ${c}`),
  ...[3001, 3009].map((c) => `rejected cancel ${c}`),
  ...[3001, 3003, 3004, 3005, 3007, 3009, 3010, 3013, 3016].map((c) => `rejected replace ${c}`),
  ...[3001, 3018].map((c) => `rejected massCancel ${c}`),
  'rejected endOfDay 3001',
];

const defaultRun = process.env.DIFF_RUNS === undefined;

describe('fast book against the naive reference', () => {
  it(`gives identical events, hashes and snapshots (seed ${SEED})`, () => {
    const before = commandsRun;
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' }), fc.array(specArb, { maxLength: 40, size: 'max' }), (specs, tail) => {
        runStream(specs, tail);
      }),
      // The time limit bounds shrinking of a long failing stream; the count check below catches a run cut short.
      { seed: SEED, numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(30_000)] },
    );
    if (!defaultRun) return;
    // Lengths are random: make sure the default run really pushed this many commands through.
    expect(commandsRun - before).toBeGreaterThanOrEqual(MIN_TOTAL_COMMANDS);
    expect(MUST_SEE.filter((key) => !seen.has(key))).toEqual([]);
  });

  it(`grows deep books identically (seed ${SEED})`, () => {
    const depth: Depth = { orders: 0, levels: 0 };
    fc.assert(
      fc.property(fc.array(deepSpecArb, { minLength: DEEP_MIN_COMMANDS, maxLength: DEEP_MAX_COMMANDS, size: 'max' }), fc.array(deepSpecArb, { maxLength: 40, size: 'max' }), (specs, tail) => {
        runStream(specs, tail, depth);
      }),
      { seed: SEED, numRuns: DEEP_RUNS, plugins: [fc.interruptAfterTimeLimit(15_000)] },
    );
    if (!defaultRun) return;
    expect(depth.orders).toBeGreaterThan(1_024);
    expect(depth.levels).toBeGreaterThan(256);
  });

  it('state hash follows the book and survives snapshot/restore', () => {
    const fast = open();
    const naive = open(naiveBookFactory);
    const both = (cmd: EngineCommand) => {
      fast.engine.apply(cmd);
      naive.engine.apply(cmd);
      expect(fast.engine.stateHash()).toBe(naive.engine.stateHash());
      return fast.engine.stateHash();
    };
    const order = (orderId: number, side: Side, price: number, qty: number, account = 1): EngineCommand => ({
      kind: 'new',
      time: 10 + orderId,
      symbol: 'AAA',
      orderId,
      account,
      side,
      type: OrderType.Limit,
      tif: TimeInForce.GTC,
      price,
      qty,
    });

    const empty = fast.engine.stateHash();
    expect(empty).toMatch(/^[0-9a-f]{16}$/);
    const withBid = both(order(1, Side.Buy, 99, 5));
    expect(withBid).not.toBe(empty);
    const cancelled = both({ kind: 'cancel', time: 20, symbol: 'AAA', orderId: 1, account: 1 });
    expect(cancelled).toBe(empty);

    const h1 = both(order(2, Side.Buy, 99, 5));
    const h2 = both(order(3, Side.Buy, 99, 5));
    expect(h2).not.toBe(h1);
    // Same orders, other queue order: a different state.
    const requeued = both({ kind: 'replace', time: 30, symbol: 'AAA', orderId: 2, account: 1, qty: 6, price: 99 });
    expect(requeued).not.toBe(h2);
    const traded = both(order(4, Side.Sell, 99, 2, 2));
    expect(traded).not.toBe(requeued);

    const restored = reopen(fast.engine.snapshot());
    expect(restored.engine.stateHash()).toBe(traded);
    expect(reopen(restored.engine.snapshot(), naiveBookFactory).engine.stateHash()).toBe(traded);
    // Restoring publishes nothing and leaves the top of book where it was.
    expect(restored.events.events).toEqual([]);
    const probe = order(5, Side.Buy, 98, 1);
    fast.events.take();
    restored.engine.apply(probe);
    fast.engine.apply(probe);
    expect(restored.events.take()).toEqual(fast.events.take());
    expect(restored.engine.stateHash()).toBe(fast.engine.stateHash());
  });
});
