// The order generator: an ordinary FIX client of the venue (the project's own initiator and
// session) that sends random limit orders around each symbol's price, and cancels and replaces its
// own live orders. Prices follow a random walk per symbol, in integer ticks from the listing's
// reference price, and orders land a few ticks to a few basis points either side of it, so some
// rest and some cross. Every price and quantity is an integer number of ticks and lots inside and an
// exact decimal on the wire.
//
// Orders are paced by timer batches: each timer turn sends every order due by then (one timer per
// order only when the rate is low), so a high rate costs one timer per millisecond, not per order.
// Round-trip latency is measured from the send of a NewOrderSingle to the first ExecutionReport that
// names its ClOrdID.
import { performance } from 'node:perf_hooks';
import { build as buildHistogram, type Histogram } from 'hdr-histogram-js';
import type { FixMessage } from '../fix/fix-message.js';
import { FixInitiator } from '../fix/initiator.js';
import { type Application, OutgoingMessage, type Session } from '../fix/session.js';
import { formatUtcTimestamp } from '../fix/encoder.js';
import { MsgType, Tag } from '../fix/tags.js';
import { parseStep, priceToTicks, qtyToLots, unitsToDecimal } from '../shared/decimal.js';
import { RejectCode } from '../shared/reject-codes.js';
import { type Random, seededRandom } from '../shared/seeded-random.js';
import type { ListedInstrument } from '../venue/instruments.js';

// ---------------------------------------------------------------------------------------------
// Random choices

/** A whole number from lo to hi, both included. */
export function intBetween(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

// ---------------------------------------------------------------------------------------------
// What is traded and in what sizes

export type GeneratorSide = 'buy' | 'sell';

const FIX_SIDE: Readonly<Record<GeneratorSide, string>> = { buy: '1', sell: '2' };

/**
 * Quote-currency value of one size unit for anything but equities: about 10 (USDT), rounded down to
 * a power of ten of the base asset, so BTCUSDT's unit is 0.0001 and the default sizes 10..200 are
 * 0.001..0.02 BTC, as on a real crypto venue.
 */
const UNIT_NOTIONAL = 10;

/** How far either side of the current price orders land: 5 bps of the reference, at least one tick. */
const SPREAD_BPS = 5;

/** Exact decimal text of `units` steps, with Number arithmetic while the product is a safe integer. */
export function stepFormatter(step: string): (units: number) => string {
  const parsed = parseStep(step);
  if (parsed === undefined) throw new RangeError(`not a positive decimal step: ${step}`);
  if (parsed.coefficient > BigInt(Number.MAX_SAFE_INTEGER)) return (units) => unitsToDecimal(units, step);
  const coefficient = Number(parsed.coefficient);
  const scale = parsed.scale;
  return (units) => {
    const product = units * coefficient;
    if (!Number.isSafeInteger(product) || product < 0) return unitsToDecimal(units, step);
    if (scale === 0) return String(product);
    const digits = String(product).padStart(scale + 1, '0');
    return digits.slice(0, -scale) + '.' + digits.slice(-scale);
  };
}

/**
 * Lots in one size unit: one lot for equities; for other listings the power of ten of the base
 * asset worth about UNIT_NOTIONAL at the reference price, and never less than one lot.
 */
export function sizeUnitLots(listing: ListedInstrument): number {
  if (listing.assetClass === 'equity') return 1;
  const reference = Number(listing.referencePrice);
  if (!(reference > 0)) return 1;
  // A choice of scale, not a price on the wire: floating point is fine here.
  const exponent = Math.floor(Math.log10(UNIT_NOTIONAL / reference) + 1e-9);
  const lot = parseStep(listing.instrument.lotSize);
  if (lot === undefined) throw new RangeError(`${listing.instrument.symbol}: lot size ${listing.instrument.lotSize} is not a positive decimal`);
  // 10^exponent / (coefficient / 10^scale) lots, rounded up to a whole lot.
  const power = exponent + lot.scale;
  if (power < 0) return 1;
  const numerator = 10n ** BigInt(power);
  const lots = (numerator + lot.coefficient - 1n) / lot.coefficient;
  if (lots > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${listing.instrument.symbol}: size unit too large`);
  return Math.max(1, Number(lots));
}

/** One symbol as the generator trades it. */
export interface SymbolPlan {
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly referenceTicks: number;
  /** Lots in one size unit (see sizeUnitLots). */
  readonly unitLots: number;
  /** The order sizes, in lots. */
  readonly sizesLots: readonly number[];
  /** Orders land up to twice this far from the current price on the passive side, this far on the aggressive one. */
  readonly spreadTicks: number;
  readonly formatPrice: (ticks: number) => string;
  readonly formatQty: (lots: number) => string;
}

/** A listing with its sizes (in size units) turned into lots. Throws on a listing the generator cannot quote. */
export function planSymbol(listing: ListedInstrument, sizes: readonly number[]): SymbolPlan {
  const { symbol, tickSize, lotSize } = listing.instrument;
  if (listing.referencePrice === undefined) throw new Error(`${symbol} has no reference price to quote around`);
  const reference = priceToTicks(listing.referencePrice, tickSize);
  if (!reference.ok || reference.units <= 0) throw new Error(`${symbol}: reference price ${listing.referencePrice} is not a positive price on the tick ${tickSize}`);
  const unitLots = sizeUnitLots(listing);
  const sizesLots = sizes.map((s) => {
    const lots = s * unitLots;
    if (!Number.isSafeInteger(lots) || lots <= 0) throw new Error(`${symbol}: size ${s} is not a whole positive number of size units`);
    return lots;
  });
  return {
    symbol,
    tickSize,
    lotSize,
    referenceTicks: reference.units,
    unitLots,
    sizesLots,
    spreadTicks: Math.max(1, Math.round((reference.units * SPREAD_BPS) / 10_000)),
    formatPrice: stepFormatter(tickSize),
    formatQty: stepFormatter(lotSize),
  };
}

// ---------------------------------------------------------------------------------------------
// Prices

/** Pull towards the reference per step, so a long run does not wander off. */
const REVERSION = 0.01;

/**
 * A symbol's current price in ticks: a random walk from the reference price with a weak pull back
 * to it, never below a price that leaves room for orders on both sides.
 */
export class PriceWalk {
  private current: number;
  private readonly stepTicks: number;
  private readonly floor: number;

  constructor(
    readonly plan: Pick<SymbolPlan, 'referenceTicks' | 'spreadTicks'>,
    private readonly random: Random,
  ) {
    this.current = plan.referenceTicks;
    this.stepTicks = Math.max(1, Math.round(plan.spreadTicks / 4));
    this.floor = 2 * plan.spreadTicks + 1;
  }

  get mid(): number {
    return this.current;
  }

  /** Moves the price one step; returns the new price in ticks. */
  step(): number {
    const pull = Math.round((this.plan.referenceTicks - this.current) * REVERSION);
    this.current = Math.max(this.floor, this.current + intBetween(this.random, -this.stepTicks, this.stepTicks) + pull);
    return this.current;
  }

  /**
   * A limit price for a new order: mostly on the passive side of the current price (up to two
   * spreads away), sometimes through it (up to one spread), so orders both rest and trade.
   */
  orderPrice(side: GeneratorSide): number {
    const s = this.plan.spreadTicks;
    const away = intBetween(this.random, -s, 2 * s);
    return Math.max(1, side === 'buy' ? this.current - away : this.current + away);
  }
}

// ---------------------------------------------------------------------------------------------
// The generator's own orders, as the execution reports describe them

export interface LiveOrder {
  /** The ClOrdID the venue knows the order by now (a replace renames it). */
  clOrdID: string;
  readonly plan: SymbolPlan;
  readonly side: GeneratorSide;
  orderQtyLots: number;
  cumLots: number;
  priceTicks: number;
  /** The venue has answered the NewOrderSingle. */
  acked: boolean;
  /** ClOrdID of a cancel or replace not answered yet. */
  pending: string | undefined;
  /** Position in OwnOrders' list. */
  index: number;
}

/** Live orders by ClOrdID, with a random pick in constant time. */
export class OwnOrders {
  private readonly byId = new Map<string, LiveOrder>();
  private readonly list: LiveOrder[] = [];

  get size(): number {
    return this.list.length;
  }

  get(clOrdID: string): LiveOrder | undefined {
    return this.byId.get(clOrdID);
  }

  add(order: LiveOrder): void {
    order.index = this.list.length;
    this.list.push(order);
    this.byId.set(order.clOrdID, order);
  }

  remove(order: LiveOrder): void {
    if (this.byId.get(order.clOrdID) !== order) return;
    this.byId.delete(order.clOrdID);
    const last = this.list.pop()!;
    if (last !== order) {
      this.list[order.index] = last;
      last.index = order.index;
    }
  }

  rename(order: LiveOrder, clOrdID: string): void {
    if (this.byId.get(order.clOrdID) === order) this.byId.delete(order.clOrdID);
    order.clOrdID = clOrdID;
    this.byId.set(clOrdID, order);
  }

  /** A random acknowledged order with no cancel or replace in flight, or undefined. */
  pick(random: Random): LiveOrder | undefined {
    const n = this.list.length;
    if (n === 0) return undefined;
    // A few tries keep this O(1); when most orders are busy the caller sends a new order instead.
    for (let tries = 0; tries < 4; tries++) {
      const order = this.list[Math.floor(random() * n)];
      if (order.acked && order.pending === undefined) return order;
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// What to send next

export type Intent =
  | { readonly kind: 'new'; readonly plan: SymbolPlan; readonly side: GeneratorSide; readonly qtyLots: number; readonly priceTicks: number }
  | { readonly kind: 'cancel'; readonly order: LiveOrder }
  | { readonly kind: 'replace'; readonly order: LiveOrder; readonly qtyLots: number; readonly priceTicks: number };

export interface FlowOptions {
  readonly sides: readonly GeneratorSide[];
  /** Share of requests that cancel a live order, 0..1. */
  readonly cancelShare: number;
  /** Share of requests that replace a live order, 0..1; cancelShare + replaceShare ≤ 1. */
  readonly replaceShare: number;
}

/** Chooses each request: a new order in a random symbol, or a cancel or replace of a live one. */
export class OrderFlow {
  readonly walks: ReadonlyMap<string, PriceWalk>;
  private readonly walkList: PriceWalk[];

  constructor(
    readonly plans: readonly SymbolPlan[],
    private readonly options: FlowOptions,
    private readonly random: Random,
  ) {
    if (plans.length === 0) throw new Error('no symbols to trade');
    if (options.sides.length === 0) throw new Error('no sides to trade');
    this.walkList = plans.map((p) => new PriceWalk(p, random));
    this.walks = new Map(plans.map((p, i) => [p.symbol, this.walkList[i]]));
  }

  next(orders: OwnOrders): Intent {
    const roll = this.random();
    const { cancelShare, replaceShare } = this.options;
    if (roll < cancelShare + replaceShare) {
      const order = orders.pick(this.random);
      if (order !== undefined) return roll < cancelShare ? { kind: 'cancel', order } : this.replace(order);
    }
    return this.newOrder();
  }

  newOrder(): Intent & { kind: 'new' } {
    const walk = this.walkList[Math.floor(this.random() * this.walkList.length)];
    const plan = walk.plan as SymbolPlan;
    const sides = this.options.sides;
    const side = sides.length === 1 ? sides[0] : sides[Math.floor(this.random() * sides.length)];
    const qtyLots = plan.sizesLots[Math.floor(this.random() * plan.sizesLots.length)];
    walk.step();
    return { kind: 'new', plan, side, qtyLots, priceTicks: walk.orderPrice(side) };
  }

  /** A new price, a new size, or both; the new total quantity always leaves something to fill. */
  private replace(order: LiveOrder): Intent & { kind: 'replace' } {
    const walk = this.walks.get(order.plan.symbol)!;
    const what = this.random();
    let priceTicks = order.priceTicks;
    let qtyLots = order.orderQtyLots;
    if (what < 2 / 3) priceTicks = walk.orderPrice(order.side);
    if (what >= 1 / 3) {
      const sizes = order.plan.sizesLots;
      qtyLots = order.cumLots + sizes[Math.floor(this.random() * sizes.length)];
    }
    if (priceTicks === order.priceTicks && qtyLots === order.orderQtyLots) {
      // Step one tick to the passive side, so the replace always changes something.
      priceTicks = order.side === 'buy' ? Math.max(1, priceTicks - 1) : priceTicks + 1;
      if (priceTicks === order.priceTicks) priceTicks++;
    }
    return { kind: 'replace', order, qtyLots, priceTicks };
  }
}

// ---------------------------------------------------------------------------------------------
// FIX messages

export interface MessageContext {
  readonly account: string | undefined;
  /** Epoch milliseconds for TransactTime. */
  readonly now: number;
}

const HANDL_INST_AUTOMATED = '1';
const ORD_TYPE_LIMIT = '2';
const TIF_DAY = '0';

/** NewOrderSingle (D): a day limit order; HandlInst is sent because FIX 4.2 requires it. */
export function newOrderSingle(intent: Intent & { kind: 'new' }, clOrdID: string, ctx: MessageContext): OutgoingMessage {
  const tags: number[] = [Tag.ClOrdID];
  const values: string[] = [clOrdID];
  if (ctx.account !== undefined) {
    tags.push(Tag.Account);
    values.push(ctx.account);
  }
  pushDayLimit(tags, values, intent.plan, intent.side, intent.qtyLots, intent.priceTicks, ctx);
  return OutgoingMessage.withBody(MsgType.NewOrderSingle, tags, values);
}

/** The fields a new order and a replace share, in tag order after Account. */
function pushDayLimit(tags: number[], values: string[], plan: SymbolPlan, side: GeneratorSide, qtyLots: number, priceTicks: number, ctx: MessageContext): void {
  tags.push(Tag.HandlInst, Tag.Symbol, Tag.Side, Tag.TransactTime, Tag.OrderQty, Tag.OrdType, Tag.Price, Tag.TimeInForce);
  values.push(HANDL_INST_AUTOMATED, plan.symbol, FIX_SIDE[side], formatUtcTimestamp(ctx.now, true), plan.formatQty(qtyLots), ORD_TYPE_LIMIT, plan.formatPrice(priceTicks), TIF_DAY);
}

/** OrderCancelRequest (F) for a live order, by its current ClOrdID. */
export function orderCancelRequest(order: LiveOrder, clOrdID: string, ctx: MessageContext): OutgoingMessage {
  const tags: number[] = [Tag.OrigClOrdID, Tag.ClOrdID];
  const values: string[] = [order.clOrdID, clOrdID];
  if (ctx.account !== undefined) {
    tags.push(Tag.Account);
    values.push(ctx.account);
  }
  tags.push(Tag.Symbol, Tag.Side, Tag.TransactTime, Tag.OrderQty);
  values.push(order.plan.symbol, FIX_SIDE[order.side], formatUtcTimestamp(ctx.now, true), order.plan.formatQty(order.orderQtyLots));
  return OutgoingMessage.withBody(MsgType.OrderCancelRequest, tags, values);
}

/** OrderCancelReplaceRequest (G): the new total quantity and limit price; type and time in force as entered. */
export function orderCancelReplaceRequest(intent: Intent & { kind: 'replace' }, clOrdID: string, ctx: MessageContext): OutgoingMessage {
  const { order } = intent;
  const tags: number[] = [Tag.OrigClOrdID, Tag.ClOrdID];
  const values: string[] = [order.clOrdID, clOrdID];
  if (ctx.account !== undefined) {
    tags.push(Tag.Account);
    values.push(ctx.account);
  }
  pushDayLimit(tags, values, order.plan, order.side, intent.qtyLots, intent.priceTicks, ctx);
  return OutgoingMessage.withBody(MsgType.OrderCancelReplaceRequest, tags, values);
}

/** The reject's stable part, "<code> <reason>", from a venue Text "<code> <reason>: <detail>". */
export function rejectKey(text: string | undefined): string {
  if (text === undefined || text === '') return '(no reason given)';
  const colon = text.indexOf(':');
  return colon < 0 ? text : text.slice(0, colon);
}

/** Cancel and replace rejects that are the race of a request with a fill, not a fault. */
const RACE_CODES: ReadonlySet<string> = new Set([String(RejectCode.UnknownOrder), String(RejectCode.ReplaceQtyNotAboveFilled)]);

// ---------------------------------------------------------------------------------------------
// Running it

export interface GeneratorConfig {
  readonly host: string;
  readonly port: number;
  readonly senderCompID: string;
  readonly targetCompID: string;
  readonly beginString: 'FIX.4.2' | 'FIX.4.4';
  readonly plans: readonly SymbolPlan[];
  readonly flow: FlowOptions;
  /** Requests (new, cancel and replace) per second. */
  readonly rate: number;
  /** Stop after this many requests. */
  readonly count?: number;
  /** Stop after this many seconds. */
  readonly durationSeconds?: number;
  readonly seed: number;
  readonly account?: string;
  /** Requests sent and not answered, at most; pacing waits beyond it. */
  readonly maxInFlight: number;
  /** Longest wait for outstanding answers once sending stops. */
  readonly drainMs: number;
  readonly logonTimeoutMs: number;
  /** Prefix of every ClOrdID; unique per run, because the venue remembers a session's ClOrdIDs. */
  readonly clOrdIdPrefix: string;
}

/** A request as sent, for the per-order output. */
export interface SentRequest {
  readonly time: number;
  readonly kind: 'new' | 'cancel' | 'replace';
  readonly symbol: string;
  readonly side: GeneratorSide;
  /** Decimal quantity (the new total for a replace, the order's for a cancel). */
  readonly qty: string;
  /** Decimal limit price; undefined for a cancel. */
  readonly price: string | undefined;
  readonly clOrdID: string;
  readonly origClOrdID: string | undefined;
}

/** An ExecutionReport or OrderCancelReject as received, for the per-order output. */
export interface ReceivedAnswer {
  readonly time: number;
  readonly msgType: string;
  readonly clOrdID: string;
  readonly origClOrdID: string | undefined;
  readonly execType: string | undefined;
  readonly ordStatus: string | undefined;
  readonly symbol: string | undefined;
  readonly lastQty: string | undefined;
  readonly lastPx: string | undefined;
  readonly leavesQty: string | undefined;
  readonly text: string | undefined;
}

export interface GeneratorEvents {
  /** Every request, when the caller prints them. */
  readonly sent?: (request: SentRequest) => void;
  /** Every ExecutionReport and OrderCancelReject, when the caller prints them. */
  readonly received?: (answer: ReceivedAnswer) => void;
  /** Connection and session events worth a line. */
  readonly info?: (text: string) => void;
}

export type StopReason = 'count' | 'duration' | 'signal' | 'disconnected';

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface GeneratorReport {
  readonly seed: number;
  readonly fixVersion: string;
  readonly symbols: readonly string[];
  readonly stoppedBy: StopReason;
  /** Requests sent: NewOrderSingle, OrderCancelRequest and OrderCancelReplaceRequest. */
  readonly sent: number;
  readonly newOrders: number;
  readonly cancels: number;
  readonly replaces: number;
  readonly targetRate: number;
  readonly seconds: number;
  /** Requests per second over the sending phase. */
  readonly achievedRate: number;
  /** Requests answered (ExecutionReport or OrderCancelReject naming their ClOrdID). */
  readonly acked: number;
  readonly unacked: number;
  readonly executionReports: number;
  readonly fills: number;
  readonly liveOrders: number;
  readonly rejects: {
    readonly total: number;
    /** Everything but cancel/replace rejects that lost a race with a fill. */
    readonly unexpected: number;
    /** NewOrderSingles refused (ExecutionReport 150=8). */
    readonly orders: number;
    /** OrderCancelRejects. */
    readonly cancelReplace: number;
    /** Session-level Rejects (35=3) and BusinessMessageRejects (35=j). */
    readonly session: number;
    readonly byReason: Readonly<Record<string, number>>;
  };
  /** NewOrderSingle send → first ExecutionReport for its ClOrdID, microseconds. */
  readonly latencyMicros: LatencySummary | null;
}

/** Connection refused, logon refused or timed out: nothing was traded. */
export class ConnectError extends Error {}

interface Awaiting {
  readonly kind: 'new' | 'cancel' | 'replace';
  readonly sentAt: number;
  readonly order: LiveOrder;
}

/** Counters the progress line reads. */
export interface GeneratorProgress {
  readonly sent: number;
  readonly acked: number;
  readonly fills: number;
  readonly rejects: number;
  readonly inFlight: number;
  readonly elapsedMs: number;
}

const LONGEST_TIMER_MS = 1000;
/** Most requests sent in one timer turn: leaves the event loop free to read answers during a catch-up. */
const MAX_BATCH = 2000;

export class OrderGenerator {
  private readonly random: Random;
  private readonly flow: OrderFlow;
  private readonly orders = new OwnOrders();
  private readonly awaiting = new Map<string, Awaiting>();
  private readonly histogram: Histogram;
  private readonly byReason = new Map<string, number>();
  private initiator: FixInitiator | null = null;
  private nextId = 1;
  private startedAt = 0;
  private sendingEndedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending = false;
  private stopReason: StopReason | null = null;
  private stopSending: (() => void) | null = null;
  private drained: (() => void) | null = null;
  /** connecting: until the logon; trading: a drop is the venue's doing; closing: our own logout. */
  private phase: 'connecting' | 'trading' | 'closing' = 'connecting';
  private lastLogoutText: string | undefined;

  private newOrders = 0;
  private cancels = 0;
  private replaces = 0;
  private acked = 0;
  private executionReports = 0;
  private fills = 0;
  private orderRejects = 0;
  private cancelRejects = 0;
  private raceRejects = 0;
  private sessionRejects = 0;

  constructor(
    readonly config: GeneratorConfig,
    private readonly events: GeneratorEvents = {},
  ) {
    this.random = seededRandom(config.seed);
    this.flow = new OrderFlow(config.plans, config.flow, this.random);
    this.histogram = buildHistogram({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  }

  get sent(): number {
    return this.newOrders + this.cancels + this.replaces;
  }

  progress(): GeneratorProgress {
    return {
      sent: this.sent,
      acked: this.acked,
      fills: this.fills,
      rejects: this.orderRejects + this.cancelRejects + this.sessionRejects,
      inFlight: this.awaiting.size,
      elapsedMs: this.startedAt === 0 ? 0 : performance.now() - this.startedAt,
    };
  }

  /** Connects and logs on; throws ConnectError when the venue cannot be reached or refuses the logon. */
  async connect(): Promise<void> {
    const c = this.config;
    let fail: (e: Error) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fail = reject));
    failed.catch(() => {});
    const initiator = new FixInitiator({
      settings: {
        beginString: c.beginString,
        senderCompID: c.senderCompID,
        targetCompID: c.targetCompID,
        heartBtInt: 30,
        resetOnLogon: true,
        // A generator never needs its own orders resent; a ResendRequest is answered with a gap fill.
        persistMessages: false,
        validate: false,
        logonTimeout: Math.max(1, Math.ceil(c.logonTimeoutMs / 1000)),
      },
      host: c.host,
      port: c.port,
      application: this.application(),
      // One attempt: a generator that cannot connect says so instead of retrying quietly.
      reconnectIntervalMs: 3_600_000,
      onEvent: (text) => {
        if (this.phase === 'trading' && text.startsWith('connection closed')) this.onDisconnected(text);
        if (this.phase !== 'connecting') return;
        if (text.startsWith('connect to ')) {
          const why = text.slice(text.indexOf(' failed: ') + ' failed: '.length);
          fail(new ConnectError(`cannot connect to the venue at ${c.host}:${c.port}: ${why} (is \`crucible start\` running there?)`));
        } else if (text.startsWith('connection closed')) {
          const why =
            this.lastLogoutText !== undefined && this.lastLogoutText !== ''
              ? `: ${this.lastLogoutText}`
              : ' without a reason (check --target-comp-id, --sender-comp-id and --fix-version)';
          fail(new ConnectError(`the venue at ${c.host}:${c.port} refused the logon of ${c.senderCompID} → ${c.targetCompID} (${c.beginString})${why}`));
        }
      },
    });
    this.initiator = initiator;
    initiator.start();
    try {
      await Promise.race([initiator.waitForLogon(c.logonTimeoutMs), failed]);
    } catch (e) {
      await initiator.stop(500);
      if (e instanceof ConnectError) throw e;
      throw new ConnectError(`no logon reply from ${c.host}:${c.port} within ${c.logonTimeoutMs} ms (is it a FIX acceptor with SenderCompID ${c.targetCompID}?)`);
    }
    this.phase = 'trading';
    this.events.info?.(`logged on to ${c.host}:${c.port} as ${c.senderCompID} → ${c.targetCompID} (${c.beginString})`);
  }

  /**
   * Sends until the count or duration is reached, `stop` is called or the connection drops; then
   * waits (up to drainMs) for outstanding answers, logs out and reports.
   */
  async run(): Promise<GeneratorReport> {
    if (this.initiator === null) await this.connect();
    const stopped = new Promise<void>((resolve) => (this.stopSending = resolve));
    this.startedAt = performance.now();
    this.sending = true;
    this.pace();
    await stopped;
    await this.drain();
    // Our own logout closes the connection; that is not the venue dropping us. After a drop, stopping
    // the initiator still matters: it cancels the reconnect.
    this.phase = 'closing';
    await this.initiator?.stop(2000);
    return this.report();
  }

  /** Stops sending (SIGINT, SIGTERM); `run` then drains, logs out and reports. A second call stops waiting for answers. */
  stop(reason: StopReason = 'signal'): void {
    if (this.sending) this.finishSending(reason);
    else this.drained?.();
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  private pace(): void {
    this.timer = null;
    if (!this.sending) return;
    const { rate, count, durationSeconds, maxInFlight } = this.config;
    const elapsed = performance.now() - this.startedAt;
    if (durationSeconds !== undefined && elapsed >= durationSeconds * 1000) return this.finishSending('duration');
    // The first request goes at once, then one every 1/rate seconds.
    let due = Math.floor((elapsed * rate) / 1000) + 1;
    if (count !== undefined) due = Math.min(due, count);
    let batch = Math.min(due - this.sent, MAX_BATCH, maxInFlight - this.awaiting.size);
    while (batch-- > 0 && this.sending) this.sendOne();
    if (!this.sending) return;
    if (count !== undefined && this.sent >= count) return this.finishSending('count');
    let delay: number;
    if (this.sent < due) delay = 1; // the window is full or the batch was capped: look again soon
    else delay = (this.sent * 1000) / rate - elapsed;
    if (durationSeconds !== undefined) delay = Math.min(delay, durationSeconds * 1000 - elapsed);
    this.timer = setTimeout(() => this.pace(), Math.min(LONGEST_TIMER_MS, Math.max(0, delay)));
  }

  private finishSending(reason: StopReason): void {
    if (!this.sending) return;
    this.sending = false;
    this.stopReason = reason;
    this.sendingEndedAt = performance.now();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.stopSending?.();
  }

  private sendOne(): void {
    const session = this.initiator!.session;
    const intent = this.flow.next(this.orders);
    const clOrdID = `${this.config.clOrdIdPrefix}${this.nextId++}`;
    const ctx: MessageContext = { account: this.config.account, now: Date.now() };
    let message: OutgoingMessage;
    let order: LiveOrder;
    switch (intent.kind) {
      case 'new':
        message = newOrderSingle(intent, clOrdID, ctx);
        order = { clOrdID, plan: intent.plan, side: intent.side, orderQtyLots: intent.qtyLots, cumLots: 0, priceTicks: intent.priceTicks, acked: false, pending: undefined, index: -1 };
        this.orders.add(order);
        this.newOrders++;
        break;
      case 'cancel':
        order = intent.order;
        message = orderCancelRequest(order, clOrdID, ctx);
        order.pending = clOrdID;
        this.cancels++;
        break;
      case 'replace':
        order = intent.order;
        message = orderCancelReplaceRequest(intent, clOrdID, ctx);
        order.pending = clOrdID;
        this.replaces++;
        break;
    }
    if (this.events.sent !== undefined) {
      const plan = order.plan;
      this.events.sent({
        time: ctx.now,
        kind: intent.kind,
        symbol: plan.symbol,
        side: order.side,
        qty: plan.formatQty(intent.kind === 'cancel' ? order.orderQtyLots : intent.qtyLots),
        price: intent.kind === 'cancel' ? undefined : plan.formatPrice(intent.priceTicks),
        clOrdID,
        origClOrdID: intent.kind === 'new' ? undefined : order.clOrdID,
      });
    }
    this.awaiting.set(clOrdID, { kind: intent.kind, sentAt: performance.now(), order });
    session.send(message);
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  private application(): Application {
    return {
      onCreate: () => {},
      onLogon: () => {},
      onLogout: () => {},
      toAdmin: () => {},
      toApp: () => {},
      fromAdmin: (message: FixMessage) => {
        if (message.msgType === MsgType.Logout) this.lastLogoutText = message.get(Tag.Text);
        else if (message.msgType === MsgType.Reject) this.onSessionReject('session reject', message);
      },
      fromApp: (message: FixMessage, _session: Session) => {
        switch (message.msgType) {
          case MsgType.ExecutionReport:
            return this.onExecutionReport(message);
          case MsgType.OrderCancelReject:
            return this.onCancelReject(message);
          case MsgType.BusinessMessageReject:
            return this.onSessionReject('business reject', message);
          default:
            // Anything else (market data, news) is not the generator's business; no reject is sent.
            return;
        }
      },
    };
  }

  private answered(clOrdID: string): void {
    const waiting = this.awaiting.get(clOrdID);
    if (waiting === undefined) return;
    this.awaiting.delete(clOrdID);
    this.acked++;
    if (waiting.kind === 'new') {
      waiting.order.acked = true;
      this.histogram.recordValue(Math.max(1, Math.round((performance.now() - waiting.sentAt) * 1000)));
    } else if (waiting.order.pending === clOrdID) {
      waiting.order.pending = undefined;
    }
    if (this.awaiting.size === 0) this.drained?.();
  }

  private onExecutionReport(m: FixMessage): void {
    this.executionReports++;
    const clOrdID = m.get(Tag.ClOrdID) ?? '';
    const origClOrdID = m.get(Tag.OrigClOrdID);
    const execType = m.get(Tag.ExecType);
    const ordStatus = m.get(Tag.OrdStatus);
    this.show(m, clOrdID, origClOrdID, execType, ordStatus);
    const order = this.orders.get(clOrdID) ?? (origClOrdID !== undefined ? this.orders.get(origClOrdID) : undefined);
    switch (execType) {
      case '8': // rejected
        this.orderRejects++;
        this.countReason(rejectKey(m.get(Tag.Text)));
        if (order !== undefined && order.clOrdID === clOrdID) this.orders.remove(order);
        break;
      case 'F': // trade (4.4)
      case '1': // partial fill (4.2)
      case '2': // fill (4.2)
        this.fills++;
        if (order !== undefined) this.track(order, m);
        break;
      case '5': // replaced
        if (order !== undefined) {
          if (order.clOrdID !== clOrdID) this.orders.rename(order, clOrdID);
          const price = m.get(Tag.Price);
          if (price !== undefined) {
            const p = priceToTicks(price, order.plan.tickSize);
            if (p.ok) order.priceTicks = p.units;
          }
          this.track(order, m);
        }
        break;
      case '4': // canceled
      case 'C': // expired
        if (order !== undefined) this.orders.remove(order);
        break;
      default:
        if (order !== undefined) this.track(order, m);
    }
    this.answered(clOrdID);
  }

  /** Quantities from a report; the order leaves the book of live orders when nothing is left to fill. */
  private track(order: LiveOrder, m: FixMessage): void {
    const lot = order.plan.lotSize;
    const leaves = m.get(Tag.LeavesQty);
    const cum = m.get(Tag.CumQty);
    const qty = m.get(Tag.OrderQty);
    if (cum !== undefined) {
      const r = qtyToLots(cum, lot);
      if (r.ok) order.cumLots = r.units;
    }
    if (qty !== undefined) {
      const r = qtyToLots(qty, lot);
      if (r.ok) order.orderQtyLots = r.units;
    }
    if (leaves !== undefined) {
      const r = qtyToLots(leaves, lot);
      if (r.ok && r.units === 0) this.orders.remove(order);
    }
  }

  private onCancelReject(m: FixMessage): void {
    const clOrdID = m.get(Tag.ClOrdID) ?? '';
    this.show(m, clOrdID, m.get(Tag.OrigClOrdID), undefined, m.get(Tag.OrdStatus));
    this.cancelRejects++;
    const key = rejectKey(m.get(Tag.Text));
    // A request that met a fill on the way, or the same with "too late" (CxlRejReason 0).
    if (m.get(Tag.CxlRejReason) === '0' || RACE_CODES.has(key.split(' ')[0])) this.raceRejects++;
    this.countReason(key);
    this.answered(clOrdID);
  }

  private onSessionReject(kind: string, m: FixMessage): void {
    this.sessionRejects++;
    const text = m.get(Tag.Text);
    const reason = m.get(Tag.SessionRejectReason) ?? m.get(Tag.BusinessRejectReason) ?? '?';
    this.countReason(`${kind}: ${text ?? `reason ${reason}`}`);
    this.events.info?.(`${kind} from the venue: ${m.toString()}`);
  }

  private countReason(key: string): void {
    this.byReason.set(key, (this.byReason.get(key) ?? 0) + 1);
  }

  private show(m: FixMessage, clOrdID: string, origClOrdID: string | undefined, execType: string | undefined, ordStatus: string | undefined): void {
    if (this.events.received === undefined) return;
    this.events.received({
      time: Date.now(),
      msgType: m.msgType,
      clOrdID,
      origClOrdID,
      execType,
      ordStatus,
      symbol: m.get(Tag.Symbol),
      lastQty: m.get(Tag.LastQty),
      lastPx: m.get(Tag.LastPx),
      leavesQty: m.get(Tag.LeavesQty),
      text: m.get(Tag.Text),
    });
  }

  private onDisconnected(text: string): void {
    const logout = this.lastLogoutText;
    this.events.info?.(logout !== undefined && logout !== '' ? `the venue logged the session out: ${logout}` : `the venue closed the connection ${text.replace(/^connection closed /, '')}`);
    this.phase = 'closing';
    this.finishSending('disconnected');
    this.stopReason = 'disconnected';
    this.drained?.();
  }

  private async drain(): Promise<void> {
    if (this.awaiting.size === 0 || this.stopReason === 'disconnected') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.config.drainMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.drained = done;
    });
    this.drained = null;
  }

  // -------------------------------------------------------------------------------------------
  // The report

  report(): GeneratorReport {
    const end = this.sendingEndedAt === 0 ? performance.now() : this.sendingEndedAt;
    const sent = this.sent;
    // A count-limited run ends just after its last send; count that last interval too.
    const seconds = Math.max((end - this.startedAt) / 1000, sent / this.config.rate);
    const h = this.histogram;
    // A percentile is the top of its histogram bucket, which can lie just above the largest value recorded.
    const us = (v: number): number => Math.round(Math.min(v, h.maxValue));
    const byReason: Record<string, number> = {};
    for (const [k, v] of [...this.byReason].sort((a, b) => b[1] - a[1])) byReason[k] = v;
    const total = this.orderRejects + this.cancelRejects + this.sessionRejects;
    return {
      seed: this.config.seed,
      fixVersion: this.config.beginString,
      symbols: this.config.plans.map((p) => p.symbol),
      stoppedBy: this.stopReason ?? 'signal',
      sent,
      newOrders: this.newOrders,
      cancels: this.cancels,
      replaces: this.replaces,
      targetRate: this.config.rate,
      seconds: Math.round(seconds * 1000) / 1000,
      achievedRate: seconds > 0 ? Math.round((sent / seconds) * 10) / 10 : 0,
      acked: this.acked,
      unacked: this.awaiting.size,
      executionReports: this.executionReports,
      fills: this.fills,
      liveOrders: this.orders.size,
      rejects: {
        total,
        unexpected: total - this.raceRejects,
        orders: this.orderRejects,
        cancelReplace: this.cancelRejects,
        session: this.sessionRejects,
        byReason,
      },
      latencyMicros:
        h.totalCount === 0
          ? null
          : {
              count: h.totalCount,
              p50: us(h.getValueAtPercentile(50)),
              p90: us(h.getValueAtPercentile(90)),
              p99: us(h.getValueAtPercentile(99)),
              p999: us(h.getValueAtPercentile(99.9)),
              max: us(h.maxValue),
              mean: us(h.mean),
            },
    };
  }
}
