// The multi-symbol matching engine: validates each command against its instrument's rules and its
// book's state, then hands it to that symbol's book. Validation lives here once, so the fast and
// the naive book differ only in how they store and match orders (see docs/ENGINE.md).
import { RejectCode } from '../shared/reject-codes.js';
import { StateHasher } from '../shared/state-hash.js';
import { FastBook } from './book.js';
import type { BookFactory, BookSnapshot, OrderBook, TradeIdSource } from './order-book.js';
import { validateInstrument } from './instrument.js';
import {
  CommandKind,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  type CancelCommand,
  type EndOfDayCommand,
  type EngineCommand,
  type EngineSink,
  type Instrument,
  type MassCancelCommand,
  type NewOrderCommand,
  type OrderView,
  type ReplaceCommand,
} from './types.js';

export interface EngineSnapshot {
  readonly version: 1;
  readonly nextTradeId: number;
  readonly instruments: readonly Instrument[];
  readonly books: readonly BookSnapshot[];
}

export interface EngineOptions {
  readonly sink: EngineSink;
  readonly instruments?: readonly Instrument[];
  /** Which book implementation to use (default: the fast book). */
  readonly bookFactory?: BookFactory;
}

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
const isNonNegativeInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Fast books whose order pool and id index start with room for `initialOrders` live orders. */
export const fastBookFactoryWithCapacity =
  (initialOrders: number): BookFactory =>
  (symbol, sink, tradeIds) =>
    new FastBook(symbol, sink, tradeIds, initialOrders);

export const fastBookFactory: BookFactory = (symbol, sink, tradeIds) => new FastBook(symbol, sink, tradeIds);

interface Market {
  readonly instrument: Instrument;
  readonly book: OrderBook;
  readonly minQty: number;
  readonly maxQty: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly bandBps: number;
}

export class MatchingEngine {
  private readonly sink: EngineSink;
  private readonly bookFactory: BookFactory;
  private readonly markets = new Map<string, Market>();
  private readonly tradeIds: TradeIdSource = { nextTradeId: 1 };

  constructor(options: EngineOptions) {
    this.sink = options.sink;
    this.bookFactory = options.bookFactory ?? fastBookFactory;
    for (const instrument of options.instruments ?? []) {
      const code = this.addInstrument(instrument);
      if (code !== undefined) throw new Error(`instrument ${instrument.symbol}: ${code}`);
    }
  }

  /** Adds a symbol with an empty book. Returns a reject code when the definition is not valid. */
  addInstrument(instrument: Instrument): RejectCode | undefined {
    const code = validateInstrument(instrument);
    if (code !== undefined) return code;
    if (this.markets.has(instrument.symbol)) return RejectCode.DuplicateSymbol;
    const frozen = Object.freeze({ ...instrument });
    this.markets.set(instrument.symbol, {
      instrument: frozen,
      book: this.bookFactory(instrument.symbol, this.sink, this.tradeIds),
      minQty: instrument.minQty ?? 1,
      maxQty: instrument.maxQty ?? Number.MAX_SAFE_INTEGER,
      minPrice: instrument.minPrice ?? 1,
      maxPrice: instrument.maxPrice ?? Number.MAX_SAFE_INTEGER,
      bandBps: instrument.bandBps ?? 0,
    });
    return undefined;
  }

  instruments(): Instrument[] {
    return [...this.markets.values()].map((m) => m.instrument);
  }

  instrument(symbol: string): Instrument | undefined {
    return this.markets.get(symbol)?.instrument;
  }

  /** The symbol's book, for queries (best prices, levels, orders). Mutate only through commands. */
  book(symbol: string): OrderBook | undefined {
    return this.markets.get(symbol)?.book;
  }

  /** The next trade id the engine will assign. */
  nextTradeId(): number {
    return this.tradeIds.nextTradeId;
  }

  apply(cmd: EngineCommand): void {
    switch (cmd?.kind) {
      case 'new':
        return this.newOrder(cmd);
      case 'cancel':
        return this.cancel(cmd);
      case 'replace':
        return this.replace(cmd);
      case 'massCancel':
        return this.massCancel(cmd);
      case 'endOfDay':
        return this.endOfDay(cmd);
      default: {
        const c = (cmd ?? {}) as Partial<NewOrderCommand>;
        this.sink.rejected(String(c.symbol ?? ''), Number(c.orderId ?? 0), Number(c.account ?? 0), CommandKind.New, RejectCode.InvalidCommand);
      }
    }
  }

  newOrder(cmd: NewOrderCommand): void {
    const market = this.markets.get(cmd.symbol);
    const code = market === undefined ? RejectCode.UnknownSymbol : this.checkNewOrder(market, cmd);
    if (code !== undefined) {
      this.sink.rejected(cmd.symbol, cmd.orderId, cmd.account, CommandKind.New, code);
      return;
    }
    market!.book.add(cmd);
  }

  cancel(cmd: CancelCommand): void {
    const market = this.markets.get(cmd.symbol);
    if (market === undefined) {
      this.sink.rejected(cmd.symbol, cmd.orderId, cmd.account, CommandKind.Cancel, RejectCode.UnknownSymbol);
      return;
    }
    if (!isNonNegativeInt(cmd.account) || market.book.ownerOf(cmd.orderId) !== cmd.account) {
      this.sink.rejected(cmd.symbol, cmd.orderId, cmd.account, CommandKind.Cancel, RejectCode.UnknownOrder);
      return;
    }
    market.book.cancel(cmd.orderId, cmd.time);
  }

  replace(cmd: ReplaceCommand): void {
    const market = this.markets.get(cmd.symbol);
    let code: RejectCode | undefined;
    let order: OrderView | undefined;
    if (market === undefined) code = RejectCode.UnknownSymbol;
    else if (!isNonNegativeInt(cmd.account) || market.book.ownerOf(cmd.orderId) !== cmd.account) code = RejectCode.UnknownOrder;
    else {
      order = market.book.order(cmd.orderId)!;
      code = this.checkReplace(market, order, cmd);
    }
    if (code !== undefined) {
      this.sink.rejected(cmd.symbol, cmd.orderId, cmd.account, CommandKind.Replace, code);
      return;
    }
    const hasLimit = order!.type === OrderType.Limit || order!.type === OrderType.StopLimit;
    const pendingStop = order!.stopPrice > 0;
    market!.book.replace(
      cmd.orderId,
      cmd.qty,
      hasLimit ? cmd.price : 0,
      pendingStop ? (cmd.stopPrice ?? order!.stopPrice) : 0,
      cmd.time,
    );
  }

  massCancel(cmd: MassCancelCommand): void {
    const account = cmd.account ?? -1;
    if (cmd.account !== undefined && !isNonNegativeInt(cmd.account)) {
      this.sink.rejected(cmd.symbol ?? '', 0, -1, CommandKind.MassCancel, RejectCode.InvalidAccount);
      return;
    }
    if (cmd.symbol !== undefined) {
      const market = this.markets.get(cmd.symbol);
      if (market === undefined) {
        this.sink.rejected(cmd.symbol, 0, account, CommandKind.MassCancel, RejectCode.UnknownSymbol);
        return;
      }
      market.book.massCancel(account, cmd.time);
      return;
    }
    for (const market of this.sortedMarkets()) market.book.massCancel(account, cmd.time);
  }

  endOfDay(cmd: EndOfDayCommand): void {
    if (cmd.symbol !== undefined) {
      const market = this.markets.get(cmd.symbol);
      if (market === undefined) {
        this.sink.rejected(cmd.symbol, 0, -1, CommandKind.EndOfDay, RejectCode.UnknownSymbol);
        return;
      }
      market.book.endOfDay(cmd.time);
      return;
    }
    for (const market of this.sortedMarkets()) market.book.endOfDay(cmd.time);
  }

  snapshot(): EngineSnapshot {
    const markets = this.sortedMarkets();
    return {
      version: 1,
      nextTradeId: this.tradeIds.nextTradeId,
      instruments: markets.map((m) => m.instrument),
      books: markets.map((m) => m.book.snapshot()),
    };
  }

  /** A fresh engine holding exactly the snapshot's state. */
  static restore(snapshot: EngineSnapshot, options: EngineOptions): MatchingEngine {
    if (snapshot?.version !== 1) throw new Error(`unsupported engine snapshot version ${String(snapshot?.version)}`);
    const engine = new MatchingEngine({ ...options, instruments: snapshot.instruments });
    engine.tradeIds.nextTradeId = snapshot.nextTradeId;
    for (const book of snapshot.books) {
      const market = engine.markets.get(book.symbol);
      if (market === undefined) throw new Error(`snapshot book ${book.symbol} has no instrument`);
      market.book.restore(book);
    }
    return engine;
  }

  /** 64-bit hash (hex) of the whole state; equal states hash equal across book implementations. */
  stateHash(): string {
    return hashEngineSnapshot(this.snapshot());
  }

  private sortedMarkets(): Market[] {
    return [...this.markets.values()].sort((a, b) => (a.instrument.symbol < b.instrument.symbol ? -1 : a.instrument.symbol > b.instrument.symbol ? 1 : 0));
  }

  private checkPrice(market: Market, price: number): RejectCode | undefined {
    if (!isPositiveInt(price)) return RejectCode.InvalidPrice;
    if (price < market.minPrice || price > market.maxPrice) return RejectCode.PriceOutsideBand;
    const last = market.book.lastPrice();
    if (market.bandBps > 0 && last > 0 && Math.abs(price - last) * 10_000 > market.bandBps * last) return RejectCode.PriceOutsideBand;
    return undefined;
  }

  private checkStopPrice(market: Market, side: Side, stopPrice: number | undefined): RejectCode | undefined {
    if (!isPositiveInt(stopPrice)) return RejectCode.InvalidStopPrice;
    if (stopPrice < market.minPrice || stopPrice > market.maxPrice) return RejectCode.PriceOutsideBand;
    const last = market.book.lastPrice();
    if (last > 0 && (side === Side.Buy ? stopPrice <= last : stopPrice >= last)) return RejectCode.StopWouldTriggerImmediately;
    return undefined;
  }

  private checkQty(market: Market, qty: number): RejectCode | undefined {
    if (!isPositiveInt(qty)) return RejectCode.InvalidQty;
    if (qty < market.minQty) return RejectCode.QtyBelowMinimum;
    if (qty > market.maxQty) return RejectCode.QtyAboveMaximum;
    return undefined;
  }

  private wouldCross(market: Market, side: Side, price: number): boolean {
    const opposite = market.book.bestPrice(side === Side.Buy ? Side.Sell : Side.Buy);
    return opposite > 0 && (side === Side.Buy ? price >= opposite : price <= opposite);
  }

  private checkNewOrder(market: Market, cmd: NewOrderCommand): RejectCode | undefined {
    if (!isPositiveInt(cmd.orderId)) return RejectCode.InvalidOrderId;
    if (!isNonNegativeInt(cmd.account)) return RejectCode.InvalidAccount;
    if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return RejectCode.InvalidSide;
    const type = cmd.type;
    if (type !== OrderType.Limit && type !== OrderType.Market && type !== OrderType.Stop && type !== OrderType.StopLimit) return RejectCode.InvalidOrderType;
    const tif = cmd.tif;
    if (tif !== TimeInForce.GTC && tif !== TimeInForce.IOC && tif !== TimeInForce.FOK && tif !== TimeInForce.DAY) return RejectCode.InvalidTimeInForce;
    const stp = cmd.stp ?? StpMode.None;
    if (!Number.isInteger(stp) || stp < StpMode.None || stp > StpMode.DecrementAndCancel) return RejectCode.InvalidStpMode;
    let code = this.checkQty(market, cmd.qty);
    if (code !== undefined) return code;
    const hasLimit = type === OrderType.Limit || type === OrderType.StopLimit;
    const isStop = type === OrderType.Stop || type === OrderType.StopLimit;
    if (hasLimit && (code = this.checkPrice(market, cmd.price)) !== undefined) return code;
    if (isStop && (code = this.checkStopPrice(market, cmd.side, cmd.stopPrice)) !== undefined) {
      // The immediate-trigger check reads book state; report field errors first.
      if (code !== RejectCode.StopWouldTriggerImmediately) return code;
    }
    const display = cmd.displayQty ?? 0;
    if (display !== 0) {
      if (type !== OrderType.Limit) return RejectCode.InvalidOrderType;
      if (!isPositiveInt(display) || display > cmd.qty) return RejectCode.InvalidDisplayQty;
    }
    if (cmd.postOnly !== undefined && typeof cmd.postOnly !== 'boolean') return RejectCode.InvalidCommand;
    if (cmd.postOnly === true && (type !== OrderType.Limit || (tif !== TimeInForce.GTC && tif !== TimeInForce.DAY))) return RejectCode.InvalidOrderType;
    if (market.book.ownerOf(cmd.orderId) !== -1) return RejectCode.DuplicateOrderId;
    if (cmd.postOnly === true && this.wouldCross(market, cmd.side, cmd.price)) return RejectCode.PostOnlyWouldTake;
    if (code !== undefined) return code;
    return undefined;
  }

  private checkReplace(market: Market, order: OrderView, cmd: ReplaceCommand): RejectCode | undefined {
    let code = this.checkQty(market, cmd.qty);
    if (code !== undefined) return code;
    if (cmd.qty <= order.cumQty) return RejectCode.ReplaceQtyNotAboveFilled;
    const hasLimit = order.type === OrderType.Limit || order.type === OrderType.StopLimit;
    if (hasLimit && (code = this.checkPrice(market, cmd.price)) !== undefined) return code;
    if (order.stopPrice > 0 && cmd.stopPrice !== undefined && (code = this.checkStopPrice(market, order.side, cmd.stopPrice)) !== undefined) return code;
    // A pending stop is not in the book yet, so post-only (Limit only) never applies to it.
    if (order.postOnly && this.wouldCross(market, order.side, cmd.price)) return RejectCode.PostOnlyWouldTake;
    return undefined;
  }
}

/** Hashes a snapshot in a canonical order (field by field), so equal states hash equal. */
export function hashEngineSnapshot(snapshot: EngineSnapshot): string {
  const h = new StateHasher();
  h.int(snapshot.version).int(snapshot.nextTradeId).int(snapshot.instruments.length);
  // Instruments are part of the state: the same orders under other rules are not the same venue.
  for (const i of snapshot.instruments) {
    h.str(i.symbol).str(i.tickSize).str(i.lotSize);
    for (const n of [i.minQty, i.maxQty, i.minPrice, i.maxPrice, i.bandBps]) h.int(n ?? -1);
  }
  h.int(snapshot.books.length);
  for (const book of snapshot.books) {
    h.str(book.symbol).int(book.lastPrice);
    for (const list of [book.bids, book.asks, book.buyStops, book.sellStops]) {
      h.int(list.length);
      for (const o of list) {
        h.int(o.orderId).int(o.account).int(o.side).int(o.type).int(o.tif).int(o.stp).bool(o.postOnly);
        h.int(o.price).int(o.stopPrice).int(o.leavesQty).int(o.visibleQty).int(o.displayQty).int(o.cumQty).int(o.time);
      }
    }
  }
  return h.digest();
}
