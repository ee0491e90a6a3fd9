// The reference book: the same semantics as the fast book (docs/ENGINE.md), written to be read
// rather than to be quick. Each side is one array of orders kept sorted by (price priority,
// priority sequence); every aggregate is recomputed by scanning. The differential test holds the
// fast book to whatever this one does, so clarity wins over speed everywhere here.
import type { BookFactory, BookSnapshot, OrderBook, TradeIdSource } from './order-book.js';
import {
  CancelReason,
  OrderType,
  Side,
  StpMode,
  TimeInForce,
  type EngineSink,
  type LevelView,
  type NewOrderCommand,
  type OrderView,
} from './types.js';

interface BookOrder {
  readonly orderId: number;
  readonly account: number;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly stp: StpMode;
  readonly postOnly: boolean;
  price: number;
  /** > 0 exactly while the order is a pending stop. */
  stopPrice: number;
  leavesQty: number;
  visibleQty: number;
  readonly displayQty: number;
  cumQty: number;
  time: number;
  /** Queue position: a fresh, larger number each time the order joins the back of a queue. */
  priority: number;
}

interface TopOfBook {
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
}

const opposite = (side: Side): Side => (side === Side.Buy ? Side.Sell : Side.Buy);

/** Stop-market orders, once triggered, trade as market orders and never rest. */
const tradesAsMarket = (o: BookOrder): boolean => o.type === OrderType.Market || o.type === OrderType.Stop;

const shownQty = (o: BookOrder): number => (o.displayQty > 0 ? Math.min(o.displayQty, o.leavesQty) : o.leavesQty);

function view(o: BookOrder): OrderView {
  return {
    orderId: o.orderId,
    account: o.account,
    side: o.side,
    type: o.type,
    tif: o.tif,
    stp: o.stp,
    postOnly: o.postOnly,
    price: o.price,
    stopPrice: o.stopPrice,
    leavesQty: o.leavesQty,
    visibleQty: o.visibleQty,
    displayQty: o.displayQty,
    cumQty: o.cumQty,
    time: o.time,
  };
}

export class NaiveBook implements OrderBook {
  private last = 0;
  private nextPriority = 1;
  private bids: BookOrder[] = [];
  private asks: BookOrder[] = [];
  private buyStops: BookOrder[] = [];
  private sellStops: BookOrder[] = [];
  private readonly orders = new Map<number, BookOrder>();
  private top: TopOfBook = { bidPrice: 0, bidQty: 0, askPrice: 0, askQty: 0 };

  constructor(
    readonly symbol: string,
    private readonly sink: EngineSink,
    private readonly tradeIds: TradeIdSource,
  ) {}

  // ---- queries ----

  lastPrice(): number {
    return this.last;
  }

  bestPrice(side: Side): number {
    return this.queue(side)[0]?.price ?? 0;
  }

  ownerOf(orderId: number): number {
    return this.orders.get(orderId)?.account ?? -1;
  }

  order(orderId: number): OrderView | undefined {
    const o = this.orders.get(orderId);
    return o === undefined ? undefined : view(o);
  }

  levels(side: Side, depth: number): LevelView[] {
    const out: LevelView[] = [];
    for (const price of this.levelPrices(side)) {
      if (out.length >= depth) break;
      out.push({ price, ...this.level(side, price) });
    }
    return out;
  }

  orderCount(): number {
    return this.orders.size;
  }

  snapshot(): BookSnapshot {
    return {
      symbol: this.symbol,
      lastPrice: this.last,
      bids: this.bids.map(view),
      asks: this.asks.map(view),
      buyStops: this.buyStops.map(view),
      sellStops: this.sellStops.map(view),
    };
  }

  // ---- mutations ----

  add(cmd: NewOrderCommand): void {
    const type = cmd.type;
    const hasLimit = type === OrderType.Limit || type === OrderType.StopLimit;
    const isStop = type === OrderType.Stop || type === OrderType.StopLimit;
    const o: BookOrder = {
      orderId: cmd.orderId,
      account: cmd.account,
      side: cmd.side,
      type,
      tif: cmd.tif,
      stp: cmd.stp ?? StpMode.None,
      postOnly: cmd.postOnly === true,
      price: hasLimit ? cmd.price : 0,
      stopPrice: isStop ? (cmd.stopPrice ?? 0) : 0,
      leavesQty: cmd.qty,
      // Nothing is shown until the order rests: a pending stop is not in the book.
      visibleQty: 0,
      displayQty: type === OrderType.Limit ? (cmd.displayQty ?? 0) : 0,
      cumQty: 0,
      time: cmd.time,
      priority: 0,
    };
    this.sink.accepted(this.symbol, o.orderId, o.account, o.side, o.type, o.price, o.leavesQty);
    this.orders.set(o.orderId, o);
    if (isStop) {
      this.park(o);
    } else {
      this.execute(o, cmd.time);
      this.triggerStops(cmd.time);
    }
    this.publishTop();
  }

  cancel(orderId: number, _time: number): void {
    const o = this.orders.get(orderId)!;
    this.sink.cancelled(this.symbol, o.orderId, o.account, o.leavesQty, 0, CancelReason.User);
    this.orders.delete(orderId);
    if (o.stopPrice > 0) {
      this.unpark(o);
    } else {
      this.removeResting(o);
      this.emitLevel(o.side, o.price);
    }
    this.publishTop();
  }

  replace(orderId: number, qty: number, price: number, stopPrice: number, time: number): void {
    const o = this.orders.get(orderId)!;
    const leaves = qty - o.cumQty;
    if (o.stopPrice > 0) {
      const keepsPlace = price === o.price && stopPrice === o.stopPrice && leaves <= o.leavesQty;
      this.unpark(o);
      o.price = price;
      o.stopPrice = stopPrice;
      o.leavesQty = leaves;
      if (keepsPlace) {
        this.insertSorted(this.stopsOf(o.side), o, this.stopRanksBefore);
      } else {
        o.time = time;
        this.park(o);
      }
      this.sink.replaced(this.symbol, o.orderId, o.account, o.price, o.stopPrice, o.leavesQty, o.cumQty, keepsPlace);
      this.publishTop();
      return;
    }
    if (price === o.price && leaves <= o.leavesQty) {
      o.leavesQty = leaves;
      o.visibleQty = Math.min(o.visibleQty, leaves);
      this.sink.replaced(this.symbol, o.orderId, o.account, o.price, 0, o.leavesQty, o.cumQty, true);
      this.emitLevel(o.side, o.price);
      this.publishTop();
      return;
    }
    this.sink.replaced(this.symbol, o.orderId, o.account, price, 0, leaves, o.cumQty, false);
    this.removeResting(o);
    this.emitLevel(o.side, o.price);
    o.price = price;
    o.leavesQty = leaves;
    o.time = time;
    o.visibleQty = shownQty(o);
    this.matchAndRest(o, time);
    this.triggerStops(time);
    this.publishTop();
  }

  massCancel(account: number, _time: number): void {
    this.removeEverywhere(
      (o) => account === -1 || o.account === account,
      (o) => this.sink.cancelled(this.symbol, o.orderId, o.account, o.leavesQty, 0, CancelReason.MassCancel),
    );
  }

  endOfDay(_time: number): void {
    this.removeEverywhere(
      (o) => o.tif === TimeInForce.DAY,
      (o) => this.sink.expired(this.symbol, o.orderId, o.account, o.leavesQty),
    );
  }

  restore(snapshot: BookSnapshot): void {
    this.last = snapshot.lastPrice;
    this.orders.clear();
    this.nextPriority = 1;
    // The snapshot lists are already in priority order, so numbering them in sequence keeps it.
    const load = (list: readonly OrderView[]): BookOrder[] =>
      list.map((v) => {
        const o: BookOrder = {
          orderId: v.orderId,
          account: v.account,
          side: v.side,
          type: v.type,
          tif: v.tif,
          stp: v.stp,
          postOnly: v.postOnly,
          price: v.price,
          stopPrice: v.stopPrice,
          leavesQty: v.leavesQty,
          visibleQty: v.visibleQty,
          displayQty: v.displayQty,
          cumQty: v.cumQty,
          time: v.time,
          priority: this.nextPriority++,
        };
        this.orders.set(o.orderId, o);
        return o;
      });
    this.bids = load(snapshot.bids);
    this.asks = load(snapshot.asks);
    this.buyStops = load(snapshot.buyStops);
    this.sellStops = load(snapshot.sellStops);
    this.top = this.currentTop();
  }

  // ---- matching ----

  /** Steps 3-5 of docs/ENGINE.md for an incoming order (new or just triggered). */
  private execute(taker: BookOrder, time: number): void {
    if (taker.tif === TimeInForce.FOK && this.fillableQty(taker) < taker.leavesQty) {
      this.sink.cancelled(this.symbol, taker.orderId, taker.account, taker.leavesQty, 0, CancelReason.FillOrKill);
      this.orders.delete(taker.orderId);
      return;
    }
    this.matchAndRest(taker, time);
  }

  /** Steps 4-5: sweep the opposite side, then deal with what is left. */
  private matchAndRest(taker: BookOrder, time: number): void {
    const stoppedBySelfTrade = this.sweep(taker, time);
    if (stoppedBySelfTrade || taker.leavesQty === 0) {
      this.orders.delete(taker.orderId);
      return;
    }
    if (tradesAsMarket(taker)) {
      this.sink.cancelled(this.symbol, taker.orderId, taker.account, taker.leavesQty, 0, CancelReason.MarketRemainder);
      this.orders.delete(taker.orderId);
      return;
    }
    if (taker.tif !== TimeInForce.GTC && taker.tif !== TimeInForce.DAY) {
      this.sink.cancelled(this.symbol, taker.orderId, taker.account, taker.leavesQty, 0, CancelReason.ImmediateOrCancel);
      this.orders.delete(taker.orderId);
      return;
    }
    taker.visibleQty = shownQty(taker);
    this.rest(taker);
    this.emitLevel(taker.side, taker.price);
  }

  private crosses(taker: BookOrder, levelPrice: number): boolean {
    if (tradesAsMarket(taker)) return true;
    return taker.side === Side.Buy ? levelPrice <= taker.price : levelPrice >= taker.price;
  }

  private stpStopsWalk(taker: BookOrder, maker: BookOrder): boolean {
    return (
      maker.account === taker.account &&
      (taker.stp === StpMode.CancelNewest || taker.stp === StpMode.CancelBoth || taker.stp === StpMode.DecrementAndCancel)
    );
  }

  /** How much a FOK taker could fill before it would stop (step 3). */
  private fillableQty(taker: BookOrder): number {
    let before = 0; // full leaves of the levels already walked
    let levelPrice = 0;
    let visibleAhead = 0;
    let fullAhead = 0;
    for (const maker of this.queue(opposite(taker.side))) {
      if (maker.price !== levelPrice) {
        before += fullAhead;
        levelPrice = maker.price;
        visibleAhead = 0;
        fullAhead = 0;
        if (!this.crosses(taker, levelPrice)) return before;
      }
      // A refreshed iceberg peak goes behind the self order, so only what is shown now counts.
      if (this.stpStopsWalk(taker, maker)) return before + visibleAhead;
      if (maker.account === taker.account && taker.stp === StpMode.CancelOldest) continue;
      visibleAhead += maker.visibleQty;
      fullAhead += maker.leavesQty;
    }
    return before + fullAhead;
  }

  /** Step 4. Returns true when self-trade prevention stopped the taker. */
  private sweep(taker: BookOrder, time: number): boolean {
    const makerSide = opposite(taker.side);
    const makers = this.queue(makerSide);
    while (taker.leavesQty > 0) {
      const head = makers[0];
      if (head === undefined || !this.crosses(taker, head.price)) return false;
      const price = head.price;
      let stopped = false;
      while (taker.leavesQty > 0 && !stopped) {
        const maker = makers[0];
        if (maker === undefined || maker.price !== price) break;
        if (maker.account === taker.account && taker.stp !== StpMode.None) {
          stopped = this.preventSelfTrade(taker, maker);
        } else {
          this.trade(taker, maker, price, time);
        }
      }
      this.emitLevel(makerSide, price);
      if (stopped) return true;
    }
    return false;
  }

  /** Applies the taker's STP mode against `maker` (the head of its level). True: the taker stops. */
  private preventSelfTrade(taker: BookOrder, maker: BookOrder): boolean {
    switch (taker.stp) {
      case StpMode.CancelNewest:
        this.cancelForSelfTrade(taker, taker.leavesQty);
        return true;
      case StpMode.CancelOldest:
        this.cancelForSelfTrade(maker, maker.leavesQty);
        this.removeResting(maker);
        return false;
      case StpMode.CancelBoth:
        this.cancelForSelfTrade(maker, maker.leavesQty);
        this.removeResting(maker);
        this.cancelForSelfTrade(taker, taker.leavesQty);
        return true;
      case StpMode.DecrementAndCancel: {
        const q = Math.min(taker.leavesQty, maker.leavesQty);
        if (maker.leavesQty > q) {
          this.cancelForSelfTrade(maker, q);
          maker.visibleQty = Math.min(maker.visibleQty, maker.leavesQty);
        } else {
          this.cancelForSelfTrade(maker, maker.leavesQty);
          this.removeResting(maker);
        }
        this.cancelForSelfTrade(taker, q);
        return taker.leavesQty === 0;
      }
      default:
        throw new Error(`unknown STP mode ${String(taker.stp)}`);
    }
  }

  /** Cancels `qty` of an order for self-trade prevention; the order lives on with what is left. */
  private cancelForSelfTrade(o: BookOrder, qty: number): void {
    o.leavesQty -= qty;
    this.sink.cancelled(this.symbol, o.orderId, o.account, qty, o.leavesQty, CancelReason.SelfTrade);
    if (o.leavesQty === 0) this.orders.delete(o.orderId);
  }

  private trade(taker: BookOrder, maker: BookOrder, price: number, time: number): void {
    const q = Math.min(taker.leavesQty, maker.visibleQty);
    taker.leavesQty -= q;
    taker.cumQty += q;
    maker.leavesQty -= q;
    maker.cumQty += q;
    maker.visibleQty -= q;
    this.last = price;
    const tradeId = this.tradeIds.nextTradeId++;
    this.sink.fill(
      this.symbol,
      tradeId,
      price,
      q,
      taker.side,
      taker.orderId,
      taker.account,
      taker.leavesQty,
      taker.cumQty,
      maker.orderId,
      maker.account,
      maker.leavesQty,
      maker.cumQty,
    );
    if (maker.visibleQty > 0) return;
    this.removeResting(maker);
    if (maker.leavesQty === 0) {
      this.orders.delete(maker.orderId);
      return;
    }
    // Iceberg refresh: a new peak goes to the back of the level with a new time.
    maker.visibleQty = shownQty(maker);
    maker.time = time;
    this.rest(maker);
  }

  /** Step 6: fire pending stops the last price has reached, one at a time, until none is left. */
  private triggerStops(time: number): void {
    // Before the first trade there is no last price, so nothing can have been reached.
    while (this.last > 0) {
      let stop: BookOrder | undefined;
      if (this.buyStops.length > 0 && this.last >= this.buyStops[0].stopPrice) stop = this.buyStops.shift();
      else if (this.sellStops.length > 0 && this.last <= this.sellStops[0].stopPrice) stop = this.sellStops.shift();
      if (stop === undefined) return;
      this.sink.triggered(this.symbol, stop.orderId, stop.account, stop.stopPrice, this.last);
      stop.stopPrice = 0;
      stop.time = time;
      this.execute(stop, time);
    }
  }

  // ---- mass removal ----

  /** Removes every live order `selected` picks, in the canonical order of docs/ENGINE.md. */
  private removeEverywhere(selected: (o: BookOrder) => boolean, report: (o: BookOrder) => void): void {
    for (const side of [Side.Buy, Side.Sell]) {
      // Queue order is the canonical order, and a level's victims are adjacent in it.
      const victims = this.queue(side).filter(selected);
      victims.forEach((o, i) => {
        report(o);
        this.removeResting(o);
        this.orders.delete(o.orderId);
        if (victims[i + 1]?.price !== o.price) this.emitLevel(side, o.price);
      });
    }
    for (const side of [Side.Buy, Side.Sell]) {
      for (const o of this.stopsOf(side).filter(selected)) {
        report(o);
        this.unpark(o);
        this.orders.delete(o.orderId);
      }
    }
    this.publishTop();
  }

  // ---- queues ----

  private queue(side: Side): BookOrder[] {
    return side === Side.Buy ? this.bids : this.asks;
  }

  private stopsOf(side: Side): BookOrder[] {
    return side === Side.Buy ? this.buyStops : this.sellStops;
  }

  private readonly restingRanksBefore = (a: BookOrder, b: BookOrder): boolean => {
    if (a.price !== b.price) return a.side === Side.Buy ? a.price > b.price : a.price < b.price;
    return a.priority < b.priority;
  };

  private readonly stopRanksBefore = (a: BookOrder, b: BookOrder): boolean => {
    if (a.stopPrice !== b.stopPrice) return a.side === Side.Buy ? a.stopPrice < b.stopPrice : a.stopPrice > b.stopPrice;
    return a.priority < b.priority;
  };

  private insertSorted(list: BookOrder[], o: BookOrder, ranksBefore: (a: BookOrder, b: BookOrder) => boolean): void {
    let i = 0;
    while (i < list.length && ranksBefore(list[i], o)) i++;
    list.splice(i, 0, o);
  }

  /** Joins the back of its price level. */
  private rest(o: BookOrder): void {
    o.priority = this.nextPriority++;
    this.insertSorted(this.queue(o.side), o, this.restingRanksBefore);
  }

  /** Joins the pending stops behind those with the same stop price. */
  private park(o: BookOrder): void {
    o.priority = this.nextPriority++;
    this.insertSorted(this.stopsOf(o.side), o, this.stopRanksBefore);
  }

  private removeResting(o: BookOrder): void {
    const list = this.queue(o.side);
    list.splice(list.indexOf(o), 1);
  }

  private unpark(o: BookOrder): void {
    const list = this.stopsOf(o.side);
    list.splice(list.indexOf(o), 1);
  }

  // ---- aggregates ----

  /** Distinct prices of a side, best first. */
  private levelPrices(side: Side): number[] {
    const prices: number[] = [];
    for (const o of this.queue(side)) if (prices[prices.length - 1] !== o.price) prices.push(o.price);
    return prices;
  }

  private level(side: Side, price: number): { qty: number; orderCount: number } {
    let qty = 0;
    let orderCount = 0;
    for (const o of this.queue(side)) {
      if (o.price !== price) continue;
      qty += o.visibleQty;
      orderCount++;
    }
    return { qty, orderCount };
  }

  private emitLevel(side: Side, price: number): void {
    const { qty, orderCount } = this.level(side, price);
    this.sink.bookLevel(this.symbol, side, price, qty, orderCount);
  }

  private currentTop(): TopOfBook {
    const bidPrice = this.bestPrice(Side.Buy);
    const askPrice = this.bestPrice(Side.Sell);
    return {
      bidPrice,
      bidQty: bidPrice === 0 ? 0 : this.level(Side.Buy, bidPrice).qty,
      askPrice,
      askQty: askPrice === 0 ? 0 : this.level(Side.Sell, askPrice).qty,
    };
  }

  /** Step 7: topOfBook only when the best bid or ask (price or visible quantity) moved. */
  private publishTop(): void {
    const now = this.currentTop();
    const was = this.top;
    if (now.bidPrice === was.bidPrice && now.bidQty === was.bidQty && now.askPrice === was.askPrice && now.askQty === was.askQty) return;
    this.top = now;
    this.sink.topOfBook(this.symbol, now.bidPrice, now.bidQty, now.askPrice, now.askQty);
  }
}

export const naiveBookFactory: BookFactory = (symbol, sink, tradeIds) => new NaiveBook(symbol, sink, tradeIds);
