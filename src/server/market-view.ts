// The public market as the API shows it: price levels, trades, executions and activity counters,
// built only from engine events the venue has released (each command's events arrive once the
// journal has the command on disk, in order). A client never sees a book that a crash could take
// back, and a snapshot taken here plus the events after it is always exactly the engine's book.
//
// It starts from the engine's books as they are when it is attached (before any live command, or
// between commands: the venue tells an observer only about commands applied after it joined, so
// the seed and the events that follow neither overlap nor leave a gap).
import { CancelReason, type CommandKind, type EngineSink, type Instrument, type OrderBook, type OrderType, Side } from '../engine/index.js';
import type { CancelOrderMessage, CancelReasonName, NewOrderMessage, OrderRejectedMessage } from '../protocol/ws.js';
import type { ActivityStats, ExecutionInfo, InstrumentInfo, MarketStats, PriceLevel, SymbolStats, TradeInfo } from '../protocol/common.js';
import type { Clock } from '../shared/clock.js';
import { parseStep, unitsToDecimal } from '../shared/decimal.js';
import { type RejectCode, rejectReason } from '../shared/reject-codes.js';
import type { ListingState } from '../venue/listings.js';

/** What the view reads from the venue: the engine's instruments and books, and the listings. */
export interface MarketSource {
  instrument(symbol: string): Instrument | undefined;
  book(symbol: string): Pick<OrderBook, 'levels' | 'lastPrice'> | undefined;
  listings(): readonly ListingState[];
  /**
   * When the event being told happened (the venue command's time, epoch ms): events arrive once
   * durable, a little later. Absent: the clock's time at arrival.
   */
  eventTime?(): number;
}

export interface MarketViewOptions {
  readonly source: MarketSource;
  readonly clock: Clock;
  /** Trades kept per symbol (default 500). */
  readonly tradesPerSymbol?: number;
  /** Executions kept over all symbols (default 200). */
  readonly recentExecutions?: number;
}

/** A released event that goes out as it is (the book goes out conflated, see `drainBookChanges`). */
export type MarketMessage =
  | { readonly channel: 'orders'; readonly symbol: string; readonly message: Omit<NewOrderMessage, 'seq'> | Omit<CancelOrderMessage, 'seq'> | Omit<OrderRejectedMessage, 'seq'> }
  | { readonly channel: 'executions'; readonly symbol: string; readonly message: { readonly type: 'execution' } & ExecutionInfo }
  | { readonly channel: 'trades'; readonly symbol: string; readonly message: { readonly type: 'trade' } & TradeInfo };

/** The levels of one symbol that changed since the last drain, with their current (absolute) values. */
export interface BookChange {
  readonly symbol: string;
  /** When the oldest change in it happened (epoch ms): its age at receipt is the book's staleness. */
  readonly since: number;
  readonly buy: PriceLevel[];
  readonly sell: PriceLevel[];
}

/** A level in the engine's units. */
export interface RawLevel {
  readonly price: number;
  readonly qty: number;
  readonly count: number;
}

export const DEFAULT_TRADES_PER_SYMBOL = 500;
export const DEFAULT_RECENT_EXECUTIONS = 200;

const CANCEL_REASONS: Readonly<Record<CancelReason, CancelReasonName>> = {
  [CancelReason.User]: 'user',
  [CancelReason.MassCancel]: 'mass_cancel',
  [CancelReason.ImmediateOrCancel]: 'immediate_or_cancel',
  [CancelReason.FillOrKill]: 'fill_or_kill',
  [CancelReason.MarketRemainder]: 'market_remainder',
  [CancelReason.SelfTrade]: 'self_trade',
};

const ORDER_TYPES = ['limit', 'market', 'stop', 'stop_limit'] as const;

/** One side's levels: a map for updates, prices kept sorted for "best N". */
class SideLevels {
  private readonly byPrice = new Map<number, { qty: number; count: number }>();
  /** Ascending; the best bid is the last, the best ask the first. */
  private readonly prices: number[] = [];

  constructor(private readonly bestIsHighest: boolean) {}

  get size(): number {
    return this.prices.length;
  }

  set(price: number, qty: number, count: number): void {
    const level = this.byPrice.get(price);
    if (qty === 0 && count === 0) {
      if (level === undefined) return;
      this.byPrice.delete(price);
      this.prices.splice(this.indexOf(price), 1);
      return;
    }
    if (level !== undefined) {
      level.qty = qty;
      level.count = count;
      return;
    }
    this.byPrice.set(price, { qty, count });
    this.prices.splice(this.indexOf(price), 0, price);
  }

  get(price: number): RawLevel {
    const level = this.byPrice.get(price);
    return { price, qty: level?.qty ?? 0, count: level?.count ?? 0 };
  }

  best(depth: number): RawLevel[] {
    const out: RawLevel[] = [];
    const n = Math.min(depth, this.prices.length);
    for (let i = 0; i < n; i++) {
      const price = this.bestIsHighest ? this.prices[this.prices.length - 1 - i] : this.prices[i];
      const level = this.byPrice.get(price)!;
      out.push({ price, qty: level.qty, count: level.count });
    }
    return out;
  }

  /** Where `price` is, or would go, in the ascending list. */
  private indexOf(price: number): number {
    let lo = 0;
    let hi = this.prices.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.prices[mid] < price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A ring of the newest `capacity` items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.capacity <= 0) return;
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first, at most `limit`, those `keep` accepts. */
  newest(limit: number, keep: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    const n = this.items.length;
    for (let i = 1; i <= n && out.length < limit; i++) {
      const item = this.items[(this.next - i + n) % n];
      if (keep(item)) out.push(item);
    }
    return out;
  }
}

interface Counters {
  trades: number;
  /** Traded quantity in lots. */
  volume: number;
  /** Σ price × qty in ticks × lots. */
  notional: bigint;
  buyTrades: number;
  sellTrades: number;
  orders: number;
  buyOrders: number;
  sellOrders: number;
  cancels: number;
  expired: number;
  rejects: number;
  tradedOrders: number;
}

const zeroCounters = (): Counters => ({
  trades: 0,
  volume: 0,
  notional: 0n,
  buyTrades: 0,
  sellTrades: 0,
  orders: 0,
  buyOrders: 0,
  sellOrders: 0,
  cancels: 0,
  expired: 0,
  rejects: 0,
  tradedOrders: 0,
});

/** Everything kept about one symbol. */
class SymbolMarket {
  readonly bids = new SideLevels(true);
  readonly asks = new SideLevels(false);
  readonly trades: Ring<TradeInfo>;
  readonly counters = zeroCounters();
  /** Levels changed since the last drain: price keys per side. */
  readonly dirtyBids = new Set<number>();
  /** Event time of the first level change since the last drain. */
  dirtySince = 0;
  readonly dirtyAsks = new Set<number>();
  listing: ListingState;
  last = 0;
  high = 0;
  low = 0;
  readonly price: (ticks: number) => string;
  readonly qty: (lots: number) => string;
  readonly tick: { coefficient: bigint; scale: number };
  readonly lot: { coefficient: bigint; scale: number };

  constructor(listing: ListingState, tradesKept: number) {
    this.listing = listing;
    this.trades = new Ring(tradesKept);
    const { tickSize, lotSize } = listing.instrument;
    this.price = formatter(tickSize);
    this.qty = formatter(lotSize);
    this.tick = parseStep(tickSize)!;
    this.lot = parseStep(lotSize)!;
  }

  get symbol(): string {
    return this.listing.instrument.symbol;
  }

  side(side: Side): SideLevels {
    return side === Side.Buy ? this.bids : this.asks;
  }

  /** A level on the wire; a removed level is written [price, "0", 0] whatever the lot size. */
  level(l: RawLevel): PriceLevel {
    return [this.price(l.price), l.qty === 0 && l.count === 0 ? '0' : this.qty(l.qty), l.count];
  }
}

/** Units × step as a decimal string; plain number arithmetic while it is exact. */
function formatter(step: string): (units: number) => string {
  const s = parseStep(step);
  if (s === undefined) throw new RangeError(`not a positive decimal step: ${step}`);
  const coefficient = Number(s.coefficient);
  const scale = s.scale;
  return (units) => {
    const product = units * coefficient;
    if (units < 0 || !Number.isSafeInteger(product)) return unitsToDecimal(units, step);
    if (scale === 0) return String(product);
    const digits = String(product).padStart(scale + 1, '0');
    return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  };
}

/** A non-negative scaled integer (value / 10^scale) as a decimal string. */
function scaledDecimal(value: bigint, scale: number): string {
  const digits = value.toString();
  if (scale === 0) return digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

function trimZeros(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal;
}

/** Extra decimal places a VWAP shows beyond the tick's. */
const VWAP_EXTRA_DECIMALS = 2;

export class MarketView implements EngineSink {
  private readonly markets = new Map<string, SymbolMarket>();
  private readonly executions: Ring<ExecutionInfo>;
  private readonly tradesKept: number;
  private readonly source: MarketSource;
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly messageListeners: Array<(m: MarketMessage) => void> = [];
  private hasAudience: () => boolean = () => true;
  private readonly instrumentListeners: Array<() => void> = [];
  private readonly totals = { rejects: 0 };
  private dirtySymbols = new Set<SymbolMarket>();
  /** Level updates overwritten by a newer value before they went out. */
  conflated = 0;

  constructor(options: MarketViewOptions) {
    this.source = options.source;
    this.clock = options.clock;
    this.startedAt = options.clock.now();
    this.tradesKept = options.tradesPerSymbol ?? DEFAULT_TRADES_PER_SYMBOL;
    this.executions = new Ring(options.recentExecutions ?? DEFAULT_RECENT_EXECUTIONS);
    for (const listing of this.source.listings()) this.seed(listing);
  }

  /** Told every released trade, execution, new order and cancel. */
  onMessage(listener: (m: MarketMessage) => void): void {
    this.messageListeners.push(listener);
  }

  /**
   * Whether anyone would receive event messages now (the hub: a client is connected). Without an
   * audience the view still keeps its state but builds no messages: the venue pays for market
   * data only while someone watches.
   */
  setAudience(hasAudience: () => boolean): void {
    this.hasAudience = hasAudience;
  }

  /** Told when a symbol is listed or halted or resumed. */
  onInstrumentsChanged(listener: () => void): void {
    this.instrumentListeners.push(listener);
  }

  /**
   * Takes in the venue's listings again (a new symbol, a halt, a resume). A symbol listed since the
   * view started begins empty: every event of its book reaches the view.
   */
  refreshListings(): void {
    for (const listing of this.source.listings()) {
      const market = this.markets.get(listing.instrument.symbol);
      if (market === undefined) this.markets.set(listing.instrument.symbol, new SymbolMarket(listing, this.tradesKept));
      else market.listing = listing;
    }
    for (const listener of this.instrumentListeners) listener();
  }

  symbols(): string[] {
    return [...this.markets.keys()];
  }

  has(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  instruments(): InstrumentInfo[] {
    return [...this.markets.values()].map((m) => this.instrumentInfo(m));
  }

  instrument(symbol: string): InstrumentInfo | undefined {
    const m = this.markets.get(symbol);
    return m === undefined ? undefined : this.instrumentInfo(m);
  }

  /** Best `depth` levels of each side in the engine's units. */
  rawLevels(symbol: string, depth = Infinity): { buy: RawLevel[]; sell: RawLevel[] } {
    const m = this.markets.get(symbol);
    if (m === undefined) return { buy: [], sell: [] };
    return { buy: m.bids.best(depth), sell: m.asks.best(depth) };
  }

  /** A level as the wire shows it. */
  formatLevel(symbol: string, level: RawLevel): PriceLevel {
    return this.markets.get(symbol)!.level(level);
  }

  /** Best `depth` levels of each side, best first, as [price, quantity, orders]. */
  book(symbol: string, depth = Infinity): { buy: PriceLevel[]; sell: PriceLevel[] } | undefined {
    const m = this.markets.get(symbol);
    if (m === undefined) return undefined;
    return { buy: m.bids.best(depth).map((l) => m.level(l)), sell: m.asks.best(depth).map((l) => m.level(l)) };
  }

  /** Newest first. */
  trades(symbol: string, limit = this.tradesKept): TradeInfo[] | undefined {
    return this.markets.get(symbol)?.trades.newest(limit);
  }

  /** Newest first, of the symbols `keep` accepts (all by default). */
  recentExecutions(limit = Infinity, keep?: (symbol: string) => boolean): ExecutionInfo[] {
    return this.executions.newest(limit, keep === undefined ? undefined : (e) => keep(e.symbol));
  }

  /**
   * The levels changed since the previous call, one entry per symbol, each level once with its value
   * now: however often a level moved in between, only where it ended up goes out.
   */
  drainBookChanges(): BookChange[] {
    if (this.dirtySymbols.size === 0) return [];
    const out: BookChange[] = [];
    for (const m of this.dirtySymbols) {
      const buy = [...m.dirtyBids].sort((a, b) => b - a).map((p) => m.level(m.bids.get(p)));
      const sell = [...m.dirtyAsks].sort((a, b) => a - b).map((p) => m.level(m.asks.get(p)));
      m.dirtyBids.clear();
      m.dirtyAsks.clear();
      out.push({ symbol: m.symbol, since: m.dirtySince, buy, sell });
    }
    this.dirtySymbols = new Set();
    return out;
  }

  /** Symbols whose levels changed since the last drain. */
  dirty(): string[] {
    return [...this.dirtySymbols].map((m) => m.symbol);
  }

  /** Counters since the view started, per symbol (those `keep` accepts) and over all symbols. */
  stats(keep?: (symbol: string) => boolean): MarketStats {
    const now = this.clock.now();
    const total = zeroCounters();
    total.rejects = this.totals.rejects;
    let scale = 0;
    for (const m of this.markets.values()) scale = Math.max(scale, m.tick.scale + m.lot.scale);
    let totalVolume = 0n;
    let volumeScale = 0;
    for (const m of this.markets.values()) volumeScale = Math.max(volumeScale, m.lot.scale);
    const symbols: SymbolStats[] = [];
    for (const m of this.markets.values()) {
      const c = m.counters;
      total.trades += c.trades;
      total.buyTrades += c.buyTrades;
      total.sellTrades += c.sellTrades;
      total.orders += c.orders;
      total.buyOrders += c.buyOrders;
      total.sellOrders += c.sellOrders;
      total.cancels += c.cancels;
      total.expired += c.expired;
      total.tradedOrders += c.tradedOrders;
      const notionalScale = m.tick.scale + m.lot.scale;
      total.notional += c.notional * m.tick.coefficient * m.lot.coefficient * 10n ** BigInt(scale - notionalScale);
      totalVolume += BigInt(c.volume) * m.lot.coefficient * 10n ** BigInt(volumeScale - m.lot.scale);
      if (keep !== undefined && !keep(m.symbol)) continue;
      symbols.push(this.symbolStats(m));
    }
    return {
      time: now,
      uptime_seconds: Math.max(0, (now - this.startedAt) / 1000),
      // Summed over instruments of different steps: shown without the trailing zeros of the finest one.
      total: activity(total, trimZeros(scaledDecimal(totalVolume, volumeScale)), trimZeros(scaledDecimal(total.notional, scale))),
      symbols,
    };
  }

  // ---- engine events (released, in order) ------------------------------------------------------

  accepted(symbol: string, orderId: number, _account: number, side: Side, type: OrderType, price: number, qty: number): void {
    const m = this.market(symbol);
    if (m === undefined) return;
    const c = m.counters;
    c.orders++;
    if (side === Side.Buy) c.buyOrders++;
    else c.sellOrders++;
    if (!this.hasAudience()) return;
    const orderType = ORDER_TYPES[type] ?? 'limit';
    const priced = (orderType === 'limit' || orderType === 'stop_limit') && price > 0;
    this.emit({
      channel: 'orders',
      symbol,
      message: {
        type: 'new_order',
        time: this.eventTime(),
        symbol,
        order_id: String(orderId),
        side: side === Side.Buy ? 'buy' : 'sell',
        order_type: orderType,
        ...(priced ? { price: m.price(price) } : {}),
        quantity: m.qty(qty),
      },
    });
  }

  rejected(symbol: string, orderId: number, _account: number, command: CommandKind, code: RejectCode): void {
    this.totals.rejects++;
    const m = this.market(symbol);
    if (m === undefined) return;
    m.counters.rejects++;
    // A refused cancel or replace changes nothing in the market; its owner hears of it on FIX.
    if (command !== 'new' || !this.hasAudience()) return;
    this.emit({
      channel: 'orders',
      symbol,
      message: { type: 'order_rejected', time: this.eventTime(), symbol, order_id: String(orderId), reject_code: code, reason: rejectReason(code) },
    });
  }

  fill(
    symbol: string,
    tradeId: number,
    price: number,
    qty: number,
    takerSide: Side,
    takerOrderId: number,
    _takerAccount: number,
    _takerLeaves: number,
    takerCum: number,
    makerOrderId: number,
    _makerAccount: number,
    _makerLeaves: number,
    makerCum: number,
  ): void {
    const m = this.market(symbol);
    if (m === undefined) return;
    const c = m.counters;
    c.trades++;
    c.volume += qty;
    c.notional += BigInt(price) * BigInt(qty);
    if (takerSide === Side.Buy) c.buyTrades++;
    else c.sellTrades++;
    // An order's first fill is the one that brings its cumulative quantity to this fill's.
    if (takerCum === qty) c.tradedOrders++;
    if (makerCum === qty) c.tradedOrders++;
    m.last = price;
    if (m.high === 0 || price > m.high) m.high = price;
    if (m.low === 0 || price < m.low) m.low = price;

    const time = this.eventTime();
    const taker = takerSide === Side.Buy ? 'buy' : 'sell';
    const trade: TradeInfo = { trade_id: String(tradeId), symbol, price: m.price(price), quantity: m.qty(qty), taker_side: taker, time };
    const execution: ExecutionInfo = {
      trade_id: trade.trade_id,
      symbol,
      price: trade.price,
      quantity: trade.quantity,
      taker_side: taker,
      buy_order_id: String(takerSide === Side.Buy ? takerOrderId : makerOrderId),
      sell_order_id: String(takerSide === Side.Buy ? makerOrderId : takerOrderId),
      time,
    };
    m.trades.push(trade);
    this.executions.push(execution);
    if (!this.hasAudience()) return;
    this.emit({ channel: 'executions', symbol, message: { type: 'execution', ...execution } });
    this.emit({ channel: 'trades', symbol, message: { type: 'trade', ...trade } });
  }

  cancelled(symbol: string, orderId: number, _account: number, cancelledQty: number, leavesQty: number, reason: CancelReason): void {
    const m = this.market(symbol);
    if (m === undefined) return;
    m.counters.cancels++;
    this.emitCancel(m, orderId, cancelledQty, leavesQty, CANCEL_REASONS[reason] ?? 'user');
  }

  expired(symbol: string, orderId: number, _account: number, leavesQty: number): void {
    const m = this.market(symbol);
    if (m === undefined) return;
    m.counters.expired++;
    this.emitCancel(m, orderId, leavesQty, 0, 'expired');
  }

  replaced(): void {
    // The book levels it moved arrive as bookLevel events.
  }

  triggered(): void {
    // A triggered stop trades or rests through the events that follow.
  }

  bookLevel(symbol: string, side: Side, price: number, qty: number, orderCount: number): void {
    const m = this.market(symbol);
    if (m === undefined) return;
    m.side(side).set(price, qty, orderCount);
    const dirty = side === Side.Buy ? m.dirtyBids : m.dirtyAsks;
    if (dirty.has(price)) this.conflated++;
    else dirty.add(price);
    if (!this.dirtySymbols.has(m)) {
      m.dirtySince = this.eventTime();
      this.dirtySymbols.add(m);
    }
  }

  topOfBook(): void {
    // Derived from the levels.
  }

  // ---- internals -------------------------------------------------------------------------------

  private seed(listing: ListingState): SymbolMarket {
    const m = new SymbolMarket(listing, this.tradesKept);
    this.markets.set(m.symbol, m);
    const book = this.source.book(m.symbol);
    if (book !== undefined) {
      for (const l of book.levels(Side.Buy, Infinity)) m.bids.set(l.price, l.qty, l.orderCount);
      for (const l of book.levels(Side.Sell, Infinity)) m.asks.set(l.price, l.qty, l.orderCount);
      m.last = book.lastPrice();
    }
    return m;
  }

  /** The symbol's market; one the engine lists but the listings did not name yet starts empty. */
  private market(symbol: string): SymbolMarket | undefined {
    const known = this.markets.get(symbol);
    if (known !== undefined) return known;
    const instrument = this.source.instrument(symbol);
    if (instrument === undefined) return undefined;
    const listing = this.source.listings().find((l) => l.instrument.symbol === symbol) ?? { instrument, assetClass: 'other' as const, halted: false };
    const m = new SymbolMarket(listing, this.tradesKept);
    this.markets.set(symbol, m);
    return m;
  }

  private eventTime(): number {
    return this.source.eventTime?.() ?? this.clock.now();
  }

  private emit(m: MarketMessage): void {
    for (const listener of this.messageListeners) listener(m);
  }

  private emitCancel(m: SymbolMarket, orderId: number, cancelledQty: number, leavesQty: number, reason: CancelReasonName): void {
    if (!this.hasAudience()) return;
    this.emit({
      channel: 'orders',
      symbol: m.symbol,
      message: {
        type: 'cancel_order',
        time: this.eventTime(),
        symbol: m.symbol,
        order_id: String(orderId),
        cancelled_quantity: m.qty(cancelledQty),
        leaves_quantity: m.qty(leavesQty),
        reason,
      },
    });
  }

  private instrumentInfo(m: SymbolMarket): InstrumentInfo {
    const { instrument, assetClass, referencePrice, halted } = m.listing;
    const opt = <K extends string>(key: K, units: number | undefined, fmt: (u: number) => string): Partial<Record<K, string>> =>
      units === undefined ? {} : ({ [key]: fmt(units) } as Record<K, string>);
    return {
      symbol: instrument.symbol,
      asset_class: assetClass,
      tick_size: instrument.tickSize,
      lot_size: instrument.lotSize,
      ...opt('min_quantity', instrument.minQty, m.qty),
      ...opt('max_quantity', instrument.maxQty, m.qty),
      ...opt('min_price', instrument.minPrice, m.price),
      ...opt('max_price', instrument.maxPrice, m.price),
      ...(instrument.bandBps !== undefined && instrument.bandBps > 0 ? { band_bps: instrument.bandBps } : {}),
      ...(referencePrice !== undefined ? { reference_price: referencePrice } : {}),
      ...(m.last > 0 ? { last_price: m.price(m.last) } : {}),
      halted,
    };
  }

  private symbolStats(m: SymbolMarket): SymbolStats {
    const c = m.counters;
    const notional = c.notional * m.tick.coefficient * m.lot.coefficient;
    const stats: SymbolStats = {
      symbol: m.symbol,
      ...activity(c, m.qty(c.volume), scaledDecimal(notional, m.tick.scale + m.lot.scale)),
      ...(c.volume > 0 ? { vwap: vwap(c.notional, c.volume, m.tick) } : {}),
      ...(m.last > 0 ? { last_price: m.price(m.last) } : {}),
      ...(m.high > 0 ? { high: m.price(m.high) } : {}),
      ...(m.low > 0 ? { low: m.price(m.low) } : {}),
      halted: m.listing.halted,
    };
    return stats;
  }
}

function activity(c: Counters, volume: string, notional: string): ActivityStats {
  return {
    trades: c.trades,
    volume,
    notional,
    buy_trades: c.buyTrades,
    sell_trades: c.sellTrades,
    orders: c.orders,
    buy_orders: c.buyOrders,
    sell_orders: c.sellOrders,
    cancels: c.cancels,
    expired: c.expired,
    rejects: c.rejects,
    traded_orders: c.tradedOrders,
    match_rate: c.orders === 0 ? 0 : Math.min(1, c.tradedOrders / c.orders),
  };
}

/** Σ(ticks × lots) / Σ lots, as a price with a few more decimals than the tick, rounded half up. */
function vwap(notional: bigint, volume: number, tick: { coefficient: bigint; scale: number }): string {
  const lots = BigInt(volume);
  const rounded = (notional * tick.coefficient * 10n ** BigInt(VWAP_EXTRA_DECIMALS) * 2n + lots) / (2n * lots);
  return scaledDecimal(rounded, tick.scale + VWAP_EXTRA_DECIMALS);
}
