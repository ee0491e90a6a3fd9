// Everything the dashboard knows about the market, rebuilt from the WebSocket's messages: the
// instruments, each symbol's book and candles, the newest executions, the statistics and an
// activity log. It changes only through `apply`, which says which panels need a redraw; the
// panels read it on the next animation frame. Every buffer is bounded. Pure: no DOM.
import type { ExecutionInfo, ExternalTrade, InstrumentInfo, MarketInfo, MarketStats, ServerMessage, SideName } from '../../src/protocol/index.js';
import { BookModel } from './book-model.js';
import { SymbolCandles } from './candles.js';
import { decimalsOf, formatUnits, toUnits } from './units.js';

/** Rows in the execution feed. */
export const FEED_ROWS = 50;
/** Entries kept in the activity log. */
export const LOG_ENTRIES = 300;
/** Reference-market trades kept per symbol. */
export const REFERENCE_TRADES = 50;
/** Orders whose size is remembered, to tell a partial fill from a full one. */
const TRACKED_ORDERS = 20_000;

export interface InstrumentView {
  readonly symbol: string;
  readonly info: InstrumentInfo;
  /** Decimals of the tick size: prices are held in 10^-priceScale units. */
  readonly priceScale: number;
  readonly qtyScale: number;
  /** The tick in price units. */
  readonly tickUnits: number;
}

export type Panel = 'instruments' | 'book' | 'feed' | 'stats' | 'log' | 'chart' | 'last' | 'sessions' | 'market';

export type LogKind = 'order' | 'cancel' | 'trade' | 'reject' | 'listing' | 'session' | 'connection' | 'error' | 'alert';

/** A log line. Its text is written when first shown: most lines of a busy market never are. */
export class LogEntry {
  private made: string | undefined;

  constructor(
    readonly id: number,
    readonly time: number,
    readonly kind: LogKind,
    private readonly make: string | (() => string),
  ) {}

  get text(): string {
    return (this.made ??= typeof this.make === 'string' ? this.make : this.make());
  }
}

export type FillStatus = 'filled' | 'partial' | 'unknown';

export interface FeedRow {
  readonly execution: ExecutionInfo;
  /** What the fill did to the incoming order, when the dashboard saw it arrive. */
  readonly status: FillStatus;
  /** Arrived on the stream (flashes), not in a snapshot. */
  readonly live: boolean;
}

export interface LastTrade {
  readonly price: number;
  readonly side: SideName;
  /** Compared with the trade before: 1 up, -1 down, 0 same. */
  readonly tick: -1 | 0 | 1;
}

/** The outside market of one symbol: the latest `market` message, and its trades gathered, newest first. */
export interface ReferenceSymbol {
  readonly info: Omit<MarketInfo, 'trades'>;
  readonly trades: readonly ExternalTrade[];
  /** The last price against the one before: 1 up, -1 down, 0 same. */
  readonly tick: -1 | 0 | 1;
}

export class MarketState {
  readonly instruments = new Map<string, InstrumentView>();
  readonly books = new Map<string, BookModel>();
  readonly candles = new Map<string, SymbolCandles>();
  readonly lastTrades = new Map<string, LastTrade>();
  feed: FeedRow[] = [];
  stats: MarketStats | undefined;
  /** The reference market per symbol; `referenceAttached` says whether the venue has a feed at all. */
  readonly reference = new Map<string, ReferenceSymbol>();
  referenceAttached = false;
  readonly log: LogEntry[] = [];
  /** Symbols whose trade history should be (re)fetched: set by every snapshot. */
  readonly historyDue = new Set<string>();
  /** Messages applied since the page opened. */
  messages = 0;
  snapshots = 0;
  private dirty = new Set<Panel>();
  /** The set handed out by the last takeDirty, reused for the next one (no garbage per frame). */
  private spare = new Set<Panel>();
  private readonly orders = new Map<string, { qty: number; filled: number }>();
  private nextLogId = 1;

  /** The panels changed since the last call; valid until the next call. */
  takeDirty(): ReadonlySet<Panel> {
    const out = this.dirty;
    this.dirty = this.spare;
    this.dirty.clear();
    this.spare = out;
    return out;
  }

  markDirty(panel: Panel): void {
    this.dirty.add(panel);
  }

  instrument(symbol: string): InstrumentView | undefined {
    return this.instruments.get(symbol);
  }

  /** Adds a line to the activity log (connection events and the like come from outside). */
  note(kind: LogKind, text: string | (() => string), time: number): void {
    this.log.push(new LogEntry(this.nextLogId++, time, kind, text));
    if (this.log.length > LOG_ENTRIES + 50) this.log.splice(0, this.log.length - LOG_ENTRIES);
    this.dirty.add('log');
  }

  apply(message: ServerMessage): void {
    this.messages++;
    switch (message.type) {
      case 'snapshot': {
        this.snapshots++;
        this.setInstruments(message.instruments, message.time, false);
        for (const book of message.books) {
          const model = this.books.get(book.symbol);
          if (model === undefined) continue;
          model.clear();
          model.apply(book.buy_orders, book.sell_orders);
        }
        // A symbol the snapshot leaves out has no levels now.
        const inSnapshot = new Set(message.books.map((b) => b.symbol));
        for (const [symbol, model] of this.books) if (!inSnapshot.has(symbol) && (model.bids.size > 0 || model.asks.size > 0)) model.clear();
        this.feed = mergeFeed(this.feed, message.recent_executions);
        this.stats = message.stats;
        if (message.market !== undefined || this.referenceAttached) {
          this.referenceAttached = message.market !== undefined;
          this.reference.clear();
          for (const m of message.market ?? []) this.setReference(m, m.trades, true);
          this.dirty.add('market');
        }
        for (const symbol of this.instruments.keys()) this.historyDue.add(symbol);
        this.markAll();
        return;
      }
      case 'book': {
        const model = this.books.get(message.symbol);
        if (model === undefined) return;
        model.apply(message.buy_orders, message.sell_orders);
        this.dirty.add('book');
        return;
      }
      case 'trade':
        this.addTrade(message.symbol, message.trade_id, message.price, message.quantity, message.taker_side, message.time);
        return;
      case 'execution':
        this.addExecution(message);
        return;
      case 'new_order': {
        const inst = this.instruments.get(message.symbol);
        if (inst === undefined) return;
        const qty = toUnits(message.quantity, inst.qtyScale);
        this.trackOrder(message.order_id, qty);
        this.note('order', () => {
          const at = message.price !== undefined ? ` @ ${formatUnits(toUnits(message.price, inst.priceScale), inst.priceScale)}` : '';
          return `${message.symbol} #${message.order_id} ${message.side.toUpperCase()} ${message.order_type.replace('_', ' ')} ${formatUnits(qty, inst.qtyScale)}${at}`;
        }, message.time);
        return;
      }
      case 'cancel_order': {
        const inst = this.instruments.get(message.symbol);
        if (inst === undefined) return;
        if (message.leaves_quantity === '0' || toUnits(message.leaves_quantity, inst.qtyScale) === 0) this.orders.delete(message.order_id);
        this.note('cancel', () => `${message.symbol} #${message.order_id} cancelled ${formatUnits(toUnits(message.cancelled_quantity, inst.qtyScale), inst.qtyScale)} (${message.reason.replaceAll('_', ' ')})`, message.time);
        return;
      }
      case 'order_rejected':
        this.note('reject', `${message.symbol} #${message.order_id} rejected: ${message.reason} (${message.reject_code})`, message.time);
        return;
      case 'session':
        this.note('session', `${message.target_comp_id} ${message.event === 'logon' ? 'logged on' : 'logged out'} (${message.begin_string})`, message.time);
        this.dirty.add('sessions');
        return;
      case 'stats':
        this.stats = message;
        this.dirty.add('stats');
        return;
      case 'instruments':
        this.setInstruments(message.instruments, Date.now(), true);
        return;
      case 'market':
        this.setReference(message, message.trades, false);
        this.dirty.add('market');
        return;
      case 'error':
        this.note('error', `server: ${message.message} (${message.code})`, Date.now());
        return;
      case 'pong':
        return;
    }
  }

  /** A trade from the REST history; repeats of what the stream already gave are dropped. */
  addHistoricTrade(symbol: string, tradeId: string, price: string, quantity: string, side: SideName, time: number): void {
    this.addTrade(symbol, tradeId, price, quantity, side, time, true);
  }

  private addTrade(symbol: string, tradeId: string, priceText: string, qtyText: string, side: SideName, time: number, historic = false): void {
    const inst = this.instruments.get(symbol);
    const candles = this.candles.get(symbol);
    if (inst === undefined || candles === undefined) return;
    const price = toUnits(priceText, inst.priceScale);
    const qty = toUnits(qtyText, inst.qtyScale);
    if (!candles.add({ id: Number(tradeId), time, price, qty })) return;
    this.dirty.add('chart');
    if (historic && this.lastTrades.has(symbol)) return;
    const before = this.lastTrades.get(symbol);
    this.lastTrades.set(symbol, { price, side, tick: before === undefined || before.price === price ? (before?.tick ?? 0) : price > before.price ? 1 : -1 });
    this.dirty.add('last');
  }

  private setReference(m: MarketInfo & { type?: string; seq?: number; time?: number }, trades: readonly ExternalTrade[], replace: boolean): void {
    const { type: _type, seq: _seq, time: _time, trades: _trades, ...info } = m;
    const before = this.reference.get(m.symbol);
    const kept = replace || before === undefined ? trades.slice(0, REFERENCE_TRADES) : [...trades, ...before.trades].slice(0, REFERENCE_TRADES);
    const was = before?.info.last_price;
    const now = info.last_price;
    const tick = was === undefined || now === undefined || was === now ? (before?.tick ?? 0) : Number(now) > Number(was) ? 1 : -1;
    this.reference.set(m.symbol, { info, trades: kept, tick });
  }

  private addExecution(e: ExecutionInfo): void {
    const inst = this.instruments.get(e.symbol);
    let status: FillStatus = 'unknown';
    if (inst !== undefined) {
      const qty = toUnits(e.quantity, inst.qtyScale);
      const takerId = e.taker_side === 'buy' ? e.buy_order_id : e.sell_order_id;
      const makerId = e.taker_side === 'buy' ? e.sell_order_id : e.buy_order_id;
      status = this.fill(takerId, qty);
      this.fill(makerId, qty);
      this.note('trade', () => `${e.symbol} ${e.taker_side.toUpperCase()} ${formatUnits(qty, inst.qtyScale)} @ ${formatUnits(toUnits(e.price, inst.priceScale), inst.priceScale)} (#${e.buy_order_id} × #${e.sell_order_id})`, e.time);
    }
    const { type: _type, seq: _seq, ...execution } = e as ExecutionInfo & { type?: string; seq?: number };
    this.feed.unshift({ execution, status, live: true });
    if (this.feed.length > FEED_ROWS) this.feed.length = FEED_ROWS;
    this.dirty.add('feed');
  }

  private trackOrder(orderId: string, qty: number): void {
    this.orders.set(orderId, { qty, filled: 0 });
    if (this.orders.size > TRACKED_ORDERS) {
      // Oldest first: Map keeps insertion order.
      let drop = this.orders.size - TRACKED_ORDERS + 1000;
      for (const id of this.orders.keys()) {
        this.orders.delete(id);
        if (--drop === 0) break;
      }
    }
  }

  private fill(orderId: string, qty: number): FillStatus {
    const order = this.orders.get(orderId);
    if (order === undefined) return 'unknown';
    order.filled += qty;
    if (order.filled >= order.qty) {
      this.orders.delete(orderId);
      return 'filled';
    }
    return 'partial';
  }

  private setInstruments(list: readonly InstrumentInfo[], time: number, announce: boolean): void {
    const next = new Map<string, InstrumentView>();
    for (const info of list) next.set(info.symbol, view(info));
    for (const [symbol, inst] of next) {
      const before = this.instruments.get(symbol);
      if (before === undefined) {
        if (announce) this.note('listing', `${symbol} listed (${inst.info.asset_class}, tick ${inst.info.tick_size}, lot ${inst.info.lot_size})`, time);
      } else if (before.info.halted !== inst.info.halted && announce) {
        this.note('listing', `${symbol} ${inst.info.halted ? 'halted' : 'resumed'}`, time);
      }
      const book = this.books.get(symbol);
      if (book === undefined || before === undefined || before.priceScale !== inst.priceScale || before.qtyScale !== inst.qtyScale) {
        this.books.set(symbol, new BookModel(inst.priceScale, inst.qtyScale));
        this.candles.set(symbol, new SymbolCandles());
        this.historyDue.add(symbol);
      }
      if (!this.lastTrades.has(symbol) && inst.info.last_price !== undefined) {
        this.lastTrades.set(symbol, { price: toUnits(inst.info.last_price, inst.priceScale), side: 'buy', tick: 0 });
      }
    }
    for (const symbol of this.instruments.keys()) {
      if (next.has(symbol)) continue;
      if (announce) this.note('listing', `${symbol} delisted`, time);
      this.books.delete(symbol);
      this.candles.delete(symbol);
      this.lastTrades.delete(symbol);
      this.historyDue.delete(symbol);
    }
    this.instruments.clear();
    for (const [symbol, inst] of next) this.instruments.set(symbol, inst);
    this.dirty.add('instruments');
    this.dirty.add('book');
  }

  private markAll(): void {
    for (const p of ['instruments', 'book', 'feed', 'stats', 'log', 'chart', 'last'] as const) this.dirty.add(p);
  }
}

/**
 * The feed after a snapshot: its recent executions, plus rows already on screen that it no longer
 * holds (a restarted venue remembers none), one row per trade, newest first.
 */
function mergeFeed(shown: readonly FeedRow[], recent: readonly ExecutionInfo[]): FeedRow[] {
  const rows = new Map<string, FeedRow>();
  for (const execution of recent) rows.set(execution.trade_id, { execution, status: 'unknown', live: false });
  for (const row of shown) {
    const fresh = rows.get(row.execution.trade_id);
    // Keep what the dashboard worked out (full or partial fill) for a trade the snapshot repeats.
    rows.set(row.execution.trade_id, fresh === undefined ? { ...row, live: false } : { ...fresh, status: row.status });
  }
  return [...rows.values()]
    .sort((a, b) => b.execution.time - a.execution.time || Number(b.execution.trade_id) - Number(a.execution.trade_id))
    .slice(0, FEED_ROWS);
}

function view(info: InstrumentInfo): InstrumentView {
  const priceScale = decimalsOf(info.tick_size);
  return { symbol: info.symbol, info, priceScale, qtyScale: decimalsOf(info.lot_size), tickUnits: Math.max(1, toUnits(info.tick_size, priceScale)) };
}
