// The fast order book. Orders live in one pooled Float64Array, a fixed-size record per slot
// (recycled through a free list), so touching an order costs one or two cache lines, not one per
// field. Each price level is an intrusive doubly-linked queue of slots; each side keeps its levels
// in a sorted typed array with the best price at the end, so taking or emptying the best level is
// O(1) and joining near the touch moves few elements. Orders are found by id through an
// open-addressing index, which makes cancel O(1). Nothing is allocated per order on the hot path.
//
// The semantics are exactly those of docs/ENGINE.md; book-naive.ts is the reference it is compared
// against command by command.
import type { BookSnapshot, OrderBook, TradeIdSource } from './order-book.js';
import { OrderIndex } from './order-index.js';
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

const NIL = -1;
const INITIAL_ORDERS = 1024;
const INITIAL_LEVELS = 256;

// Order record layout: the fields matching and cancelling touch come first (one cache line).
const O_NEXT = 0;
const O_PREV = 1;
/** Level number, NIL for a pending stop. */
const O_LEVEL = 2;
const O_ID = 3;
const O_ACCOUNT = 4;
const O_LEAVES = 5;
const O_VISIBLE = 6;
const O_CUM = 7;
/** side | type << 1 | tif << 3 | stp << 5 | postOnly << 8 */
const O_FLAGS = 8;
const O_PRICE = 9;
const O_DISPLAY = 10;
const O_STOP = 11;
const O_TIME = 12;
const O_SIZE = 13;

// Level record layout.
const L_PRICE = 0;
const L_QTY = 1;
const L_COUNT = 2;
const L_HEAD = 3;
const L_TAIL = 4;
const L_SIZE = 5;

const packFlags = (side: number, type: number, tif: number, stp: number, postOnly: number): number =>
  side | (type << 1) | (tif << 3) | (stp << 5) | (postOnly << 8);
const flagSide = (f: number): Side => (f & 1) as Side;
const flagType = (f: number): OrderType => ((f >>> 1) & 3) as OrderType;
const flagTif = (f: number): TimeInForce => ((f >>> 3) & 3) as TimeInForce;
const flagStp = (f: number): StpMode => ((f >>> 5) & 7) as StpMode;
const flagPostOnly = (f: number): number => (f >>> 8) & 1;

function grownF64(a: Float64Array<ArrayBuffer>, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}

export class FastBook implements OrderBook {
  readonly symbol: string;
  private readonly sink: EngineSink;
  private readonly tradeIds: TradeIdSource;
  private last = 0;

  private o = new Float64Array(0);
  private orderCap = 0;
  private freeOrder = NIL;
  private readonly initialOrders: number;
  private readonly slotById: OrderIndex;
  /** The highest order id this book has ever held. */
  private maxOrderId = 0;

  private l = new Float64Array(0);
  private levelCap = 0;
  private freeLevel = NIL;

  // Per side, levels sorted by key ascending (key = price for bids, -price for asks): best at the end.
  private bidKeys = new Float64Array(INITIAL_LEVELS);
  private bidLevels = new Int32Array(INITIAL_LEVELS);
  private bidLen = 0;
  private askKeys = new Float64Array(INITIAL_LEVELS);
  private askLevels = new Int32Array(INITIAL_LEVELS);
  private askLen = 0;
  // Price -> level per side, so joining an existing level costs one probe, not a binary search.
  private readonly bidLevelByPrice = new OrderIndex(INITIAL_LEVELS);
  private readonly askLevelByPrice = new OrderIndex(INITIAL_LEVELS);

  // Pending stops as slots in trigger order: buys by ascending stop, sells by descending stop.
  private buyStops: number[] = [];
  private sellStops: number[] = [];

  // The incoming order being matched ("taker registers"), so matching needs no objects.
  private tId = 0;
  private tAccount = 0;
  private tSide: Side = Side.Buy;
  private tType: OrderType = OrderType.Limit;
  private tTif: TimeInForce = TimeInForce.GTC;
  private tStp: StpMode = StpMode.None;
  private tPostOnly = 0;
  private tPrice = 0;
  private tLeaves = 0;
  private tCum = 0;
  private tDisplay = 0;
  private tMarket = false;

  // Top of book as last reported, to report only changes.
  private topBidPrice = 0;
  private topBidQty = 0;
  private topAskPrice = 0;
  private topAskQty = 0;

  /**
   * `initialOrders` sizes the order pool and id index up front. Both double when full, and a
   * doubling copies the pool and rehashes the index (tens of milliseconds at a million orders),
   * so a venue that knows its peak book size sets it to keep that pause off the trading path.
   */
  constructor(symbol: string, sink: EngineSink, tradeIds: TradeIdSource, initialOrders = INITIAL_ORDERS) {
    this.symbol = symbol;
    this.sink = sink;
    this.tradeIds = tradeIds;
    this.initialOrders = Math.max(16, Math.min(1 << 26, Math.floor(initialOrders) || INITIAL_ORDERS));
    this.slotById = new OrderIndex(this.initialOrders * 2);
    this.growOrders(this.initialOrders);
    this.growLevels(INITIAL_LEVELS);
  }

  // ---- queries -------------------------------------------------------------------------------

  lastPrice(): number {
    return this.last;
  }

  bestPrice(side: Side): number {
    if (side === Side.Buy) return this.bidLen > 0 ? this.l[this.bidLevels[this.bidLen - 1] * L_SIZE + L_PRICE] : 0;
    return this.askLen > 0 ? this.l[this.askLevels[this.askLen - 1] * L_SIZE + L_PRICE] : 0;
  }

  ownerOf(orderId: number): number {
    // Ids arrive in increasing order from the sequencer, so an id above every id this book has
    // held cannot be live: new orders skip the index probe (a likely cache miss).
    if (!(orderId > 0) || orderId > this.maxOrderId) return -1;
    const slot = this.slotById.get(orderId);
    return slot === NIL ? -1 : this.o[slot * O_SIZE + O_ACCOUNT];
  }

  order(orderId: number): OrderView | undefined {
    const slot = orderId > 0 ? this.slotById.get(orderId) : NIL;
    return slot === NIL ? undefined : this.view(slot);
  }

  levels(side: Side, depth: number): LevelView[] {
    const levels = side === Side.Buy ? this.bidLevels : this.askLevels;
    const len = side === Side.Buy ? this.bidLen : this.askLen;
    const l = this.l;
    const out: LevelView[] = [];
    for (let i = len - 1; i >= 0 && out.length < depth; i--) {
      const b = levels[i] * L_SIZE;
      out.push({ price: l[b + L_PRICE], qty: l[b + L_QTY], orderCount: l[b + L_COUNT] });
    }
    return out;
  }

  orderCount(): number {
    return this.slotById.size;
  }

  snapshot(): BookSnapshot {
    return {
      symbol: this.symbol,
      lastPrice: this.last,
      bids: this.sideViews(Side.Buy),
      asks: this.sideViews(Side.Sell),
      buyStops: this.buyStops.map((s) => this.view(s)),
      sellStops: this.sellStops.map((s) => this.view(s)),
    };
  }

  // ---- commands ------------------------------------------------------------------------------

  add(cmd: NewOrderCommand): void {
    const type = cmd.type;
    const hasLimit = type === OrderType.Limit || type === OrderType.StopLimit;
    this.sink.accepted(this.symbol, cmd.orderId, cmd.account, cmd.side, type, hasLimit ? cmd.price : 0, cmd.qty);
    if (type === OrderType.Stop || type === OrderType.StopLimit) {
      this.parkStop(cmd);
      return;
    }
    this.tId = cmd.orderId;
    this.tAccount = cmd.account;
    this.tSide = cmd.side;
    this.tType = type;
    this.tTif = cmd.tif;
    this.tStp = cmd.stp ?? StpMode.None;
    this.tPostOnly = cmd.postOnly === true ? 1 : 0;
    this.tPrice = hasLimit ? cmd.price : 0;
    this.tLeaves = cmd.qty;
    this.tCum = 0;
    this.tDisplay = cmd.displayQty ?? 0;
    this.tMarket = type === OrderType.Market;
    this.takeThenRest(cmd.time);
    this.runStops(cmd.time);
    this.reportTop();
  }

  cancel(orderId: number, _time: number): void {
    const slot = this.slotById.get(orderId);
    if (slot === NIL) return;
    const b = slot * O_SIZE;
    this.sink.cancelled(this.symbol, orderId, this.o[b + O_ACCOUNT], this.o[b + O_LEAVES], 0, CancelReason.User);
    if (this.o[b + O_LEVEL] === NIL) {
      this.removeStop(slot);
      this.slotById.delete(orderId);
    } else {
      this.removeResting(slot);
    }
    this.releaseOrder(slot);
    this.reportTop();
  }

  replace(orderId: number, qty: number, price: number, stopPrice: number, time: number): void {
    const slot = this.slotById.get(orderId);
    if (slot === NIL) return;
    const o = this.o;
    const b = slot * O_SIZE;
    const cum = o[b + O_CUM];
    const leaves = qty - cum;
    const account = o[b + O_ACCOUNT];
    const lv = o[b + O_LEVEL];
    if (lv === NIL) {
      const keep = price === o[b + O_PRICE] && stopPrice === o[b + O_STOP] && leaves <= o[b + O_LEAVES];
      o[b + O_PRICE] = price;
      o[b + O_LEAVES] = leaves;
      if (!keep) {
        this.removeStop(slot);
        o[b + O_STOP] = stopPrice;
        o[b + O_TIME] = time;
        this.insertStop(slot);
      }
      this.sink.replaced(this.symbol, orderId, account, price, stopPrice, leaves, cum, keep);
      return;
    }
    const flags = o[b + O_FLAGS];
    const side = flagSide(flags);
    if (price === o[b + O_PRICE] && leaves <= o[b + O_LEAVES]) {
      const visible = o[b + O_VISIBLE];
      const newVisible = visible < leaves ? visible : leaves;
      o[b + O_LEAVES] = leaves;
      o[b + O_VISIBLE] = newVisible;
      const lb = lv * L_SIZE;
      this.l[lb + L_QTY] -= visible - newVisible;
      this.sink.replaced(this.symbol, orderId, account, price, 0, leaves, cum, true);
      this.sink.bookLevel(this.symbol, side, price, this.l[lb + L_QTY], this.l[lb + L_COUNT]);
      this.reportTop();
      return;
    }
    this.sink.replaced(this.symbol, orderId, account, price, 0, leaves, cum, false);
    this.removeResting(slot);
    this.tId = orderId;
    this.tAccount = account;
    this.tSide = side;
    this.tType = flagType(flags);
    this.tTif = flagTif(flags);
    this.tStp = flagStp(flags);
    this.tPostOnly = flagPostOnly(flags);
    this.tPrice = price;
    this.tLeaves = leaves;
    this.tCum = cum;
    this.tDisplay = o[b + O_DISPLAY];
    this.tMarket = false;
    this.releaseOrder(slot);
    this.takeThenRest(time);
    this.runStops(time);
    this.reportTop();
  }

  massCancel(account: number, _time: number): void {
    this.sweepOut(account, false);
  }

  endOfDay(_time: number): void {
    this.sweepOut(-1, true);
  }

  restore(snapshot: BookSnapshot): void {
    if (snapshot.symbol !== this.symbol) throw new Error(`snapshot is for ${snapshot.symbol}, not ${this.symbol}`);
    this.clear();
    this.last = snapshot.lastPrice;
    this.restoreSide(Side.Buy, snapshot.bids);
    this.restoreSide(Side.Sell, snapshot.asks);
    for (const view of snapshot.buyStops) this.buyStops.push(this.restoreOrder(view, NIL));
    for (const view of snapshot.sellStops) this.sellStops.push(this.restoreOrder(view, NIL));
    const l = this.l;
    this.topBidPrice = this.bestPrice(Side.Buy);
    this.topBidQty = this.bidLen > 0 ? l[this.bidLevels[this.bidLen - 1] * L_SIZE + L_QTY] : 0;
    this.topAskPrice = this.bestPrice(Side.Sell);
    this.topAskQty = this.askLen > 0 ? l[this.askLevels[this.askLen - 1] * L_SIZE + L_QTY] : 0;
  }

  // ---- matching ------------------------------------------------------------------------------

  /** Runs the taker registers through FOK check, sweep and remainder handling. */
  private takeThenRest(time: number): void {
    if (this.tTif === TimeInForce.FOK && !this.fillable()) {
      this.sink.cancelled(this.symbol, this.tId, this.tAccount, this.tLeaves, 0, CancelReason.FillOrKill);
      return;
    }
    if (this.sweep(time)) return;
    if (this.tLeaves === 0) return;
    if (this.tMarket) {
      this.sink.cancelled(this.symbol, this.tId, this.tAccount, this.tLeaves, 0, CancelReason.MarketRemainder);
    } else if (this.tTif === TimeInForce.IOC || this.tTif === TimeInForce.FOK) {
      const reason = this.tTif === TimeInForce.IOC ? CancelReason.ImmediateOrCancel : CancelReason.FillOrKill;
      this.sink.cancelled(this.symbol, this.tId, this.tAccount, this.tLeaves, 0, reason);
    } else {
      this.rest(time);
    }
  }

  /** Can the taker be filled in full now? The walk mirrors sweep() without changing anything. */
  private fillable(): boolean {
    const buying = this.tSide === Side.Buy;
    const keys = buying ? this.askKeys : this.bidKeys;
    const levels = buying ? this.askLevels : this.bidLevels;
    const len = buying ? this.askLen : this.bidLen;
    const stp = this.tStp;
    const selfStops = stp === StpMode.CancelNewest || stp === StpMode.CancelBoth || stp === StpMode.DecrementAndCancel;
    const limitKey = buying ? -this.tPrice : this.tPrice;
    const o = this.o;
    let reachable = 0;
    for (let i = len - 1; i >= 0; i--) {
      if (!this.tMarket && keys[i] < limitKey) break;
      // Visible quantity ahead of a self order that would stop the taker at this level.
      let visibleAhead = 0;
      let full = 0;
      for (let s = this.l[levels[i] * L_SIZE + L_HEAD]; s !== NIL; s = o[s * O_SIZE + O_NEXT]) {
        const b = s * O_SIZE;
        if (stp !== StpMode.None && o[b + O_ACCOUNT] === this.tAccount) {
          if (selfStops) return reachable + visibleAhead >= this.tLeaves;
          continue; // CancelOldest: it would be cancelled, not traded
        }
        visibleAhead += o[b + O_VISIBLE];
        full += o[b + O_LEAVES];
      }
      reachable += full;
      if (reachable >= this.tLeaves) return true;
    }
    return reachable >= this.tLeaves;
  }

  /** Matches the taker against the opposite side. Returns true when self-trade prevention stopped it. */
  private sweep(time: number): boolean {
    const buying = this.tSide === Side.Buy;
    const makerSide: Side = buying ? Side.Sell : Side.Buy;
    const symbol = this.symbol;
    const sink = this.sink;
    const o = this.o;
    const l = this.l;
    while (this.tLeaves > 0) {
      const len = buying ? this.askLen : this.bidLen;
      if (len === 0) return false;
      const lv = buying ? this.askLevels[len - 1] : this.bidLevels[len - 1];
      const lb = lv * L_SIZE;
      const levelPrice = l[lb + L_PRICE];
      if (!this.tMarket && (buying ? levelPrice > this.tPrice : levelPrice < this.tPrice)) return false;
      let stopped = false;
      while (this.tLeaves > 0) {
        const maker = l[lb + L_HEAD];
        if (maker === NIL) break;
        const mb = maker * O_SIZE;
        if (this.tStp !== StpMode.None && o[mb + O_ACCOUNT] === this.tAccount) {
          stopped = this.preventSelfTrade(maker, lv);
          if (stopped) break;
          continue;
        }
        const visible = o[mb + O_VISIBLE];
        const qty = this.tLeaves < visible ? this.tLeaves : visible;
        const makerVisible = visible - qty;
        const makerLeaves = o[mb + O_LEAVES] - qty;
        const makerCum = o[mb + O_CUM] + qty;
        o[mb + O_VISIBLE] = makerVisible;
        o[mb + O_LEAVES] = makerLeaves;
        o[mb + O_CUM] = makerCum;
        l[lb + L_QTY] -= qty;
        this.tLeaves -= qty;
        this.tCum += qty;
        this.last = levelPrice;
        sink.fill(symbol, this.tradeIds.nextTradeId++, levelPrice, qty, this.tSide, this.tId, this.tAccount, this.tLeaves, this.tCum, o[mb + O_ID], o[mb + O_ACCOUNT], makerLeaves, makerCum);
        if (makerVisible === 0) {
          if (makerLeaves > 0) {
            // Iceberg refresh: a new tranche goes to the back of the queue.
            const display = o[mb + O_DISPLAY];
            const tranche = display < makerLeaves ? display : makerLeaves;
            o[mb + O_VISIBLE] = tranche;
            o[mb + O_TIME] = time;
            l[lb + L_QTY] += tranche;
            this.unlink(lv, maker);
            this.append(lv, maker);
          } else {
            this.unlink(lv, maker);
            l[lb + L_COUNT]--;
            this.slotById.delete(o[mb + O_ID]);
            this.releaseOrder(maker);
          }
        }
      }
      // Done with this level: report it, and drop it when emptied (it is the last of its array).
      const count = l[lb + L_COUNT];
      if (count === 0) {
        sink.bookLevel(symbol, makerSide, levelPrice, 0, 0);
        if (buying) {
          this.askLen--;
          this.askLevelByPrice.delete(levelPrice);
        } else {
          this.bidLen--;
          this.bidLevelByPrice.delete(levelPrice);
        }
        this.releaseLevel(lv);
      } else {
        sink.bookLevel(symbol, makerSide, levelPrice, l[lb + L_QTY], count);
      }
      if (stopped) return true;
    }
    return false;
  }

  /** Applies the taker's STP mode against its own resting `maker`. Returns true when the taker stops. */
  private preventSelfTrade(maker: number, lv: number): boolean {
    const symbol = this.symbol;
    const mode = this.tStp;
    const o = this.o;
    const mb = maker * O_SIZE;
    if (mode === StpMode.CancelNewest) {
      this.sink.cancelled(symbol, this.tId, this.tAccount, this.tLeaves, 0, CancelReason.SelfTrade);
      this.tLeaves = 0;
      return true;
    }
    if (mode === StpMode.CancelOldest || mode === StpMode.CancelBoth) {
      this.sink.cancelled(symbol, o[mb + O_ID], o[mb + O_ACCOUNT], o[mb + O_LEAVES], 0, CancelReason.SelfTrade);
      this.dropMaker(maker, lv);
      if (mode === StpMode.CancelOldest) return false;
      this.sink.cancelled(symbol, this.tId, this.tAccount, this.tLeaves, 0, CancelReason.SelfTrade);
      this.tLeaves = 0;
      return true;
    }
    // Decrement and cancel: both shrink by the smaller quantity, with no trade.
    const makerLeaves = o[mb + O_LEAVES];
    const qty = this.tLeaves < makerLeaves ? this.tLeaves : makerLeaves;
    if (makerLeaves > qty) {
      const left = makerLeaves - qty;
      const visible = o[mb + O_VISIBLE];
      const newVisible = visible < left ? visible : left;
      o[mb + O_LEAVES] = left;
      o[mb + O_VISIBLE] = newVisible;
      this.l[lv * L_SIZE + L_QTY] -= visible - newVisible;
      this.sink.cancelled(symbol, o[mb + O_ID], o[mb + O_ACCOUNT], qty, left, CancelReason.SelfTrade);
    } else {
      this.sink.cancelled(symbol, o[mb + O_ID], o[mb + O_ACCOUNT], makerLeaves, 0, CancelReason.SelfTrade);
      this.dropMaker(maker, lv);
    }
    this.tLeaves -= qty;
    this.sink.cancelled(symbol, this.tId, this.tAccount, qty, this.tLeaves, CancelReason.SelfTrade);
    return this.tLeaves === 0;
  }

  /** Removes a resting maker from the level being swept (the sweep settles the level itself). */
  private dropMaker(maker: number, lv: number): void {
    const mb = maker * O_SIZE;
    const lb = lv * L_SIZE;
    this.unlink(lv, maker);
    this.l[lb + L_COUNT]--;
    this.l[lb + L_QTY] -= this.o[mb + O_VISIBLE];
    this.slotById.delete(this.o[mb + O_ID]);
    this.releaseOrder(maker);
  }

  private rest(time: number): void {
    const slot = this.allocOrder();
    const o = this.o; // after allocOrder, which may grow the pool
    const b = slot * O_SIZE;
    const leaves = this.tLeaves;
    const display = this.tDisplay;
    const visible = display > 0 && display < leaves ? display : leaves;
    const side = this.tSide;
    const price = this.tPrice;
    o[b + O_ID] = this.tId;
    o[b + O_ACCOUNT] = this.tAccount;
    o[b + O_LEAVES] = leaves;
    o[b + O_VISIBLE] = visible;
    o[b + O_CUM] = this.tCum;
    o[b + O_FLAGS] = packFlags(side, this.tType, this.tTif, this.tStp, this.tPostOnly);
    o[b + O_PRICE] = price;
    o[b + O_DISPLAY] = display;
    o[b + O_STOP] = 0;
    o[b + O_TIME] = time;
    const lv = this.levelAt(side, price);
    o[b + O_LEVEL] = lv;
    this.append(lv, slot);
    const l = this.l;
    const lb = lv * L_SIZE;
    const count = ++l[lb + L_COUNT];
    const qty = (l[lb + L_QTY] += visible);
    this.slotById.set(this.tId, slot);
    if (this.tId > this.maxOrderId) this.maxOrderId = this.tId;
    this.sink.bookLevel(this.symbol, side, price, qty, count);
  }

  // ---- stops ---------------------------------------------------------------------------------

  private parkStop(cmd: NewOrderCommand): void {
    const slot = this.allocOrder();
    const o = this.o;
    const b = slot * O_SIZE;
    o[b + O_ID] = cmd.orderId;
    o[b + O_ACCOUNT] = cmd.account;
    o[b + O_LEAVES] = cmd.qty;
    o[b + O_VISIBLE] = 0;
    o[b + O_CUM] = 0;
    o[b + O_FLAGS] = packFlags(cmd.side, cmd.type, cmd.tif, cmd.stp ?? StpMode.None, 0);
    o[b + O_PRICE] = cmd.type === OrderType.StopLimit ? cmd.price : 0;
    o[b + O_DISPLAY] = 0;
    o[b + O_STOP] = cmd.stopPrice ?? 0;
    o[b + O_TIME] = cmd.time;
    o[b + O_LEVEL] = NIL;
    this.slotById.set(cmd.orderId, slot);
    if (cmd.orderId > this.maxOrderId) this.maxOrderId = cmd.orderId;
    this.insertStop(slot);
  }

  /** Inserts behind every stop of the same side that triggers no later. */
  private insertStop(slot: number): void {
    const o = this.o;
    const stop = o[slot * O_SIZE + O_STOP];
    if (flagSide(o[slot * O_SIZE + O_FLAGS]) === Side.Buy) {
      const list = this.buyStops;
      let i = list.length;
      while (i > 0 && o[list[i - 1] * O_SIZE + O_STOP] > stop) i--;
      list.splice(i, 0, slot);
    } else {
      const list = this.sellStops;
      let i = list.length;
      while (i > 0 && o[list[i - 1] * O_SIZE + O_STOP] < stop) i--;
      list.splice(i, 0, slot);
    }
  }

  private removeStop(slot: number): void {
    const list = flagSide(this.o[slot * O_SIZE + O_FLAGS]) === Side.Buy ? this.buyStops : this.sellStops;
    list.splice(list.indexOf(slot), 1);
  }

  /** Triggers pending stops touched by the last trade price, one at a time, cascading. */
  private runStops(time: number): void {
    for (;;) {
      const o = this.o; // re-read: a triggered order that rests may grow the pool
      const last = this.last;
      if (last === 0) return;
      let slot: number;
      if (this.buyStops.length > 0 && o[this.buyStops[0] * O_SIZE + O_STOP] <= last) slot = this.buyStops.shift()!;
      else if (this.sellStops.length > 0 && o[this.sellStops[0] * O_SIZE + O_STOP] >= last) slot = this.sellStops.shift()!;
      else return;
      const b = slot * O_SIZE;
      const flags = o[b + O_FLAGS];
      const type = flagType(flags);
      this.sink.triggered(this.symbol, o[b + O_ID], o[b + O_ACCOUNT], o[b + O_STOP], last);
      this.tId = o[b + O_ID];
      this.tAccount = o[b + O_ACCOUNT];
      this.tSide = flagSide(flags);
      this.tType = type;
      this.tTif = flagTif(flags);
      this.tStp = flagStp(flags);
      this.tPostOnly = 0;
      this.tPrice = type === OrderType.StopLimit ? o[b + O_PRICE] : 0;
      this.tLeaves = o[b + O_LEAVES];
      this.tCum = o[b + O_CUM];
      this.tDisplay = 0;
      this.tMarket = type === OrderType.Stop;
      this.slotById.delete(this.tId);
      this.releaseOrder(slot);
      this.takeThenRest(time);
    }
  }

  // ---- mass cancel and expiry ----------------------------------------------------------------

  /** Removes every live order of `account` (-1: all), or every DAY order when `expiring`, in canonical order. */
  private sweepOut(account: number, expiring: boolean): void {
    this.sweepOutSide(Side.Buy, account, expiring);
    this.sweepOutSide(Side.Sell, account, expiring);
    for (const list of [this.buyStops, this.sellStops]) {
      for (let i = 0; i < list.length; ) {
        const slot = list[i];
        if (this.outgoing(slot, account, expiring)) {
          this.reportGone(slot, expiring);
          list.splice(i, 1);
          this.slotById.delete(this.o[slot * O_SIZE + O_ID]);
          this.releaseOrder(slot);
        } else i++;
      }
    }
    this.reportTop();
  }

  private sweepOutSide(side: Side, account: number, expiring: boolean): void {
    const levels = side === Side.Buy ? this.bidLevels : this.askLevels;
    const o = this.o;
    const l = this.l;
    for (let i = (side === Side.Buy ? this.bidLen : this.askLen) - 1; i >= 0; i--) {
      const lv = levels[i];
      const lb = lv * L_SIZE;
      let changed = false;
      for (let slot = l[lb + L_HEAD]; slot !== NIL; ) {
        const b = slot * O_SIZE;
        const next = o[b + O_NEXT];
        if (this.outgoing(slot, account, expiring)) {
          this.reportGone(slot, expiring);
          this.unlink(lv, slot);
          l[lb + L_COUNT]--;
          l[lb + L_QTY] -= o[b + O_VISIBLE];
          this.slotById.delete(o[b + O_ID]);
          this.releaseOrder(slot);
          changed = true;
        }
        slot = next;
      }
      if (!changed) continue;
      const count = l[lb + L_COUNT];
      this.sink.bookLevel(this.symbol, side, l[lb + L_PRICE], count === 0 ? 0 : l[lb + L_QTY], count);
      if (count === 0) this.removeLevelAt(side, i, lv);
    }
  }

  private outgoing(slot: number, account: number, expiring: boolean): boolean {
    const b = slot * O_SIZE;
    return expiring ? flagTif(this.o[b + O_FLAGS]) === TimeInForce.DAY : account === -1 || this.o[b + O_ACCOUNT] === account;
  }

  private reportGone(slot: number, expiring: boolean): void {
    const b = slot * O_SIZE;
    const o = this.o;
    if (expiring) this.sink.expired(this.symbol, o[b + O_ID], o[b + O_ACCOUNT], o[b + O_LEAVES]);
    else this.sink.cancelled(this.symbol, o[b + O_ID], o[b + O_ACCOUNT], o[b + O_LEAVES], 0, CancelReason.MassCancel);
  }

  // ---- levels --------------------------------------------------------------------------------

  /** The level for `price` on `side`, created (and inserted in price order) when missing. */
  private levelAt(side: Side, price: number): number {
    const byPrice = side === Side.Buy ? this.bidLevelByPrice : this.askLevelByPrice;
    const existing = byPrice.get(price);
    if (existing !== NIL) return existing;
    const key = side === Side.Buy ? price : -price;
    let keys = side === Side.Buy ? this.bidKeys : this.askKeys;
    let levels = side === Side.Buy ? this.bidLevels : this.askLevels;
    const len = side === Side.Buy ? this.bidLen : this.askLen;
    // Most orders join at or near the touch, which is the end of the array.
    let lo: number;
    if (len === 0 || key > keys[len - 1]) lo = len;
    else if (key === keys[len - 1]) return levels[len - 1];
    else {
      lo = 0;
      let hi = len - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      if (keys[lo] === key) return levels[lo];
    }
    if (len === keys.length) {
      const grownKeys = new Float64Array(len * 2);
      const grownLevels = new Int32Array(len * 2);
      grownKeys.set(keys);
      grownLevels.set(levels);
      keys = grownKeys;
      levels = grownLevels;
      if (side === Side.Buy) {
        this.bidKeys = keys;
        this.bidLevels = levels;
      } else {
        this.askKeys = keys;
        this.askLevels = levels;
      }
    }
    if (lo < len) {
      keys.copyWithin(lo + 1, lo, len);
      levels.copyWithin(lo + 1, lo, len);
    }
    const lv = this.allocLevel(price);
    byPrice.set(price, lv);
    keys[lo] = key;
    levels[lo] = lv;
    if (side === Side.Buy) this.bidLen = len + 1;
    else this.askLen = len + 1;
    return lv;
  }

  /** Index of a live level in its side's sorted array. */
  private levelIndex(side: Side, lv: number): number {
    const price = this.l[lv * L_SIZE + L_PRICE];
    const key = side === Side.Buy ? price : -price;
    const keys = side === Side.Buy ? this.bidKeys : this.askKeys;
    let lo = 0;
    let hi = (side === Side.Buy ? this.bidLen : this.askLen) - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private removeLevelAt(side: Side, index: number, lv: number): void {
    (side === Side.Buy ? this.bidLevelByPrice : this.askLevelByPrice).delete(this.l[lv * L_SIZE + L_PRICE]);
    if (side === Side.Buy) {
      if (index < this.bidLen - 1) {
        this.bidKeys.copyWithin(index, index + 1, this.bidLen);
        this.bidLevels.copyWithin(index, index + 1, this.bidLen);
      }
      this.bidLen--;
    } else {
      if (index < this.askLen - 1) {
        this.askKeys.copyWithin(index, index + 1, this.askLen);
        this.askLevels.copyWithin(index, index + 1, this.askLen);
      }
      this.askLen--;
    }
    this.releaseLevel(lv);
  }

  /** Takes a resting order out of its level and the id map, reports the level, drops it when emptied. */
  private removeResting(slot: number): void {
    const o = this.o;
    const l = this.l;
    const b = slot * O_SIZE;
    const lv = o[b + O_LEVEL];
    const lb = lv * L_SIZE;
    const side = flagSide(o[b + O_FLAGS]);
    this.unlink(lv, slot);
    const count = --l[lb + L_COUNT];
    const qty = (l[lb + L_QTY] -= o[b + O_VISIBLE]);
    this.slotById.delete(o[b + O_ID]);
    this.sink.bookLevel(this.symbol, side, l[lb + L_PRICE], count === 0 ? 0 : qty, count);
    if (count === 0) {
      const len = side === Side.Buy ? this.bidLen : this.askLen;
      const levels = side === Side.Buy ? this.bidLevels : this.askLevels;
      this.removeLevelAt(side, levels[len - 1] === lv ? len - 1 : this.levelIndex(side, lv), lv);
    }
  }

  private reportTop(): void {
    const l = this.l;
    let bidPrice = 0;
    let bidQty = 0;
    let askPrice = 0;
    let askQty = 0;
    if (this.bidLen > 0) {
      const lb = this.bidLevels[this.bidLen - 1] * L_SIZE;
      bidPrice = l[lb + L_PRICE];
      bidQty = l[lb + L_QTY];
    }
    if (this.askLen > 0) {
      const lb = this.askLevels[this.askLen - 1] * L_SIZE;
      askPrice = l[lb + L_PRICE];
      askQty = l[lb + L_QTY];
    }
    if (bidPrice !== this.topBidPrice || bidQty !== this.topBidQty || askPrice !== this.topAskPrice || askQty !== this.topAskQty) {
      this.topBidPrice = bidPrice;
      this.topBidQty = bidQty;
      this.topAskPrice = askPrice;
      this.topAskQty = askQty;
      this.sink.topOfBook(this.symbol, bidPrice, bidQty, askPrice, askQty);
    }
  }

  // ---- intrusive queue -----------------------------------------------------------------------

  private append(lv: number, slot: number): void {
    const o = this.o;
    const l = this.l;
    const lb = lv * L_SIZE;
    const tail = l[lb + L_TAIL];
    o[slot * O_SIZE + O_PREV] = tail;
    o[slot * O_SIZE + O_NEXT] = NIL;
    if (tail === NIL) l[lb + L_HEAD] = slot;
    else o[tail * O_SIZE + O_NEXT] = slot;
    l[lb + L_TAIL] = slot;
  }

  private unlink(lv: number, slot: number): void {
    const o = this.o;
    const l = this.l;
    const lb = lv * L_SIZE;
    const prev = o[slot * O_SIZE + O_PREV];
    const next = o[slot * O_SIZE + O_NEXT];
    if (prev === NIL) l[lb + L_HEAD] = next;
    else o[prev * O_SIZE + O_NEXT] = next;
    if (next === NIL) l[lb + L_TAIL] = prev;
    else o[next * O_SIZE + O_PREV] = prev;
  }

  // ---- pools ---------------------------------------------------------------------------------

  private allocOrder(): number {
    if (this.freeOrder === NIL) this.growOrders(this.orderCap * 2);
    const slot = this.freeOrder;
    this.freeOrder = this.o[slot * O_SIZE + O_NEXT];
    return slot;
  }

  private releaseOrder(slot: number): void {
    this.o[slot * O_SIZE + O_NEXT] = this.freeOrder;
    this.freeOrder = slot;
  }

  private growOrders(cap: number): void {
    const old = this.orderCap;
    this.o = grownF64(this.o, cap * O_SIZE);
    // Growth happens only when the free list is empty; new slots join it in ascending order.
    for (let s = cap - 1; s >= old; s--) {
      this.o[s * O_SIZE + O_NEXT] = this.freeOrder;
      this.freeOrder = s;
    }
    this.orderCap = cap;
  }

  private allocLevel(price: number): number {
    if (this.freeLevel === NIL) this.growLevels(this.levelCap * 2);
    const lv = this.freeLevel;
    const l = this.l;
    const lb = lv * L_SIZE;
    this.freeLevel = l[lb + L_HEAD];
    l[lb + L_PRICE] = price;
    l[lb + L_QTY] = 0;
    l[lb + L_COUNT] = 0;
    l[lb + L_HEAD] = NIL;
    l[lb + L_TAIL] = NIL;
    return lv;
  }

  private releaseLevel(lv: number): void {
    this.l[lv * L_SIZE + L_HEAD] = this.freeLevel;
    this.freeLevel = lv;
  }

  private growLevels(cap: number): void {
    const old = this.levelCap;
    this.l = grownF64(this.l, cap * L_SIZE);
    for (let lv = cap - 1; lv >= old; lv--) {
      this.l[lv * L_SIZE + L_HEAD] = this.freeLevel;
      this.freeLevel = lv;
    }
    this.levelCap = cap;
  }

  // ---- snapshot helpers ----------------------------------------------------------------------

  private view(slot: number): OrderView {
    const o = this.o;
    const b = slot * O_SIZE;
    const flags = o[b + O_FLAGS];
    return {
      orderId: o[b + O_ID],
      account: o[b + O_ACCOUNT],
      side: flagSide(flags),
      type: flagType(flags),
      tif: flagTif(flags),
      stp: flagStp(flags),
      postOnly: flagPostOnly(flags) === 1,
      price: o[b + O_PRICE],
      stopPrice: o[b + O_STOP],
      leavesQty: o[b + O_LEAVES],
      visibleQty: o[b + O_VISIBLE],
      displayQty: o[b + O_DISPLAY],
      cumQty: o[b + O_CUM],
      time: o[b + O_TIME],
    };
  }

  private sideViews(side: Side): OrderView[] {
    const levels = side === Side.Buy ? this.bidLevels : this.askLevels;
    const out: OrderView[] = [];
    for (let i = (side === Side.Buy ? this.bidLen : this.askLen) - 1; i >= 0; i--) {
      for (let s = this.l[levels[i] * L_SIZE + L_HEAD]; s !== NIL; s = this.o[s * O_SIZE + O_NEXT]) out.push(this.view(s));
    }
    return out;
  }

  private clear(): void {
    this.slotById.clear();
    this.maxOrderId = 0;
    this.bidLevelByPrice.clear();
    this.askLevelByPrice.clear();
    this.o = new Float64Array(0);
    this.orderCap = 0;
    this.freeOrder = NIL;
    this.growOrders(this.initialOrders);
    this.l = new Float64Array(0);
    this.levelCap = 0;
    this.freeLevel = NIL;
    this.growLevels(INITIAL_LEVELS);
    this.bidLen = 0;
    this.askLen = 0;
    this.buyStops = [];
    this.sellStops = [];
  }

  private restoreOrder(view: OrderView, lv: number): number {
    if (this.slotById.has(view.orderId)) throw new Error(`snapshot of ${this.symbol} has order ${view.orderId} twice`);
    const slot = this.allocOrder();
    const o = this.o;
    const b = slot * O_SIZE;
    o[b + O_ID] = view.orderId;
    o[b + O_ACCOUNT] = view.account;
    o[b + O_LEAVES] = view.leavesQty;
    o[b + O_VISIBLE] = view.visibleQty;
    o[b + O_CUM] = view.cumQty;
    o[b + O_FLAGS] = packFlags(view.side, view.type, view.tif, view.stp, view.postOnly ? 1 : 0);
    o[b + O_PRICE] = view.price;
    o[b + O_DISPLAY] = view.displayQty;
    o[b + O_STOP] = view.stopPrice;
    o[b + O_TIME] = view.time;
    o[b + O_LEVEL] = lv;
    this.slotById.set(view.orderId, slot);
    if (view.orderId > this.maxOrderId) this.maxOrderId = view.orderId;
    return slot;
  }

  /** Rebuilds one side from orders listed best price first, queue order within a price. */
  private restoreSide(side: Side, orders: readonly OrderView[]): void {
    const bestFirst: number[] = [];
    let lv = NIL;
    let levelPrice = 0;
    for (const view of orders) {
      if (view.side !== side) throw new Error(`snapshot of ${this.symbol} lists order ${view.orderId} on the wrong side`);
      if (lv === NIL || levelPrice !== view.price) {
        if (lv !== NIL && (side === Side.Buy ? view.price > levelPrice : view.price < levelPrice)) {
          throw new Error(`snapshot of ${this.symbol} is not in price priority at order ${view.orderId}`);
        }
        lv = this.allocLevel(view.price);
        levelPrice = view.price;
        (side === Side.Buy ? this.bidLevelByPrice : this.askLevelByPrice).set(levelPrice, lv);
        bestFirst.push(lv);
      }
      const slot = this.restoreOrder(view, lv);
      this.append(lv, slot);
      const lb = lv * L_SIZE;
      this.l[lb + L_COUNT]++;
      this.l[lb + L_QTY] += view.visibleQty;
    }
    const n = bestFirst.length;
    const keys = new Float64Array(Math.max(INITIAL_LEVELS, n));
    const levels = new Int32Array(keys.length);
    for (let i = 0; i < n; i++) {
      const level = bestFirst[n - 1 - i];
      const price = this.l[level * L_SIZE + L_PRICE];
      keys[i] = side === Side.Buy ? price : -price;
      levels[i] = level;
    }
    if (side === Side.Buy) {
      this.bidKeys = keys;
      this.bidLevels = levels;
      this.bidLen = n;
    } else {
      this.askKeys = keys;
      this.askLevels = levels;
      this.askLen = n;
    }
  }
}
