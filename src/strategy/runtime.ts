// The strategy runtime: hosts strategy instances (several per symbol, each on its own account),
// keeps the reference and venue top of book per symbol, and hands each record to the instances of
// its symbol. Live and backtest differ only in what drives it: a live feed and the system clock, or
// a replayed or synthetic feed and a manual clock moved to each record's time (backtest.ts).
import type { MarketRecord } from '../marketdata/records.js';
import type { ClockScheduler } from '../shared/clock.js';
import type { OrderGateway } from '../shared/order-gateway.js';
import { InstrumentGrid, type InstrumentSpec } from './instrument-grid.js';
import { type Money, parseMoney } from './money.js';
import { type FeeSchedule, NO_FEES } from './portfolio.js';
import { ReferenceQuote } from './reference-quote.js';
import { DEFAULT_RISK_LIMITS } from './risk.js';
import type { Strategy } from './strategy.js';
import { type StrategyHandle, StrategyHost } from './strategy-host.js';
import { VenueBookView, type VenueMarketSource, type VenueTopOfBook, type VenueTrade } from './venue-market.js';

export interface RuntimeOptions {
  readonly gateway: OrderGateway;
  readonly clock: ClockScheduler;
  /** The listings strategies may trade. */
  readonly instruments: readonly InstrumentSpec[];
  readonly log?: (line: string) => void;
  /** Equity curve sampling interval; default 1000 ms. */
  readonly equityIntervalMs?: number;
  /** Fees charged on fills; default none. */
  readonly fees?: FeeSchedule;
  /** Equity before any P&L, for returns; a decimal in the quote currency, default "100000". */
  readonly capital?: string;
  /** Equity points, fills and closed trades kept per instance; default 100,000 (a backtest keeps all). */
  readonly retention?: number;
}

export interface InstanceSpec {
  /** Unique among the runtime's instances ("mm-BTCUSDT"). */
  readonly id: string;
  /** The venue account it trades on; one account per instance. */
  readonly account: string;
  readonly symbol: string;
  readonly strategy: Strategy;
  /** Risk limits (riskLimitsSchema); default DEFAULT_RISK_LIMITS. */
  readonly risk?: unknown;
}

interface SymbolState {
  readonly grid: InstrumentGrid;
  readonly reference: ReferenceQuote;
  readonly venueBook: VenueBookView;
  readonly hosts: StrategyHost[];
}

export const DEFAULT_CAPITAL = '100000';

export class StrategyRuntime {
  readonly clock: ClockScheduler;
  readonly capital: Money;
  readonly equityIntervalMs: number;
  readonly fees: FeeSchedule;
  private readonly gateway: OrderGateway;
  private readonly log: (line: string) => void;
  private readonly retention: number;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly hostList: StrategyHost[] = [];
  /** Records of symbols nobody trades, or off their grid. */
  private ignoredRecords = 0;

  constructor(options: RuntimeOptions) {
    this.gateway = options.gateway;
    this.clock = options.clock;
    this.log = options.log ?? (() => {});
    this.equityIntervalMs = options.equityIntervalMs ?? 1000;
    if (!(this.equityIntervalMs >= 1)) throw new RangeError(`equity interval must be at least 1 ms, got ${this.equityIntervalMs}`);
    this.fees = options.fees ?? NO_FEES;
    const capital = parseMoney(options.capital ?? DEFAULT_CAPITAL);
    if (capital === undefined || capital <= 0n) throw new RangeError(`capital must be a positive decimal, got ${options.capital}`);
    this.capital = capital;
    this.retention = options.retention ?? 100_000;
    for (const spec of options.instruments) {
      const grid = new InstrumentGrid(spec);
      this.symbols.set(spec.symbol, { grid, reference: new ReferenceQuote(grid), venueBook: new VenueBookView(grid), hosts: [] });
    }
  }

  /** Adds an instance, stopped; throws when the id or account is taken, the symbol unknown or the risk limits invalid. */
  add(spec: InstanceSpec): StrategyHandle {
    const s = this.symbols.get(spec.symbol);
    if (s === undefined) throw new Error(`strategy ${spec.id}: ${spec.symbol} is not a listed instrument`);
    if (this.hostList.some((h) => h.id === spec.id)) throw new Error(`strategy ${spec.id}: the id is taken`);
    if (this.hostList.some((h) => h.account === spec.account)) throw new Error(`strategy ${spec.id}: account ${spec.account} already has a strategy`);
    const host = new StrategyHost({
      id: spec.id,
      account: spec.account,
      grid: s.grid,
      strategy: spec.strategy,
      risk: spec.risk ?? DEFAULT_RISK_LIMITS,
      gateway: this.gateway,
      clock: this.clock,
      reference: s.reference,
      venueBook: s.venueBook,
      fees: this.fees,
      capital: this.capital,
      equityIntervalMs: this.equityIntervalMs,
      retention: this.retention,
      log: this.log,
    });
    s.hosts.push(host);
    this.hostList.push(host);
    return host;
  }

  handles(): readonly StrategyHandle[] {
    return this.hostList;
  }

  handle(id: string): StrategyHandle | undefined {
    return this.hostList.find((h) => h.id === id);
  }

  reference(symbol: string): ReferenceQuote | undefined {
    return this.symbols.get(symbol)?.reference;
  }

  venueBook(symbol: string): VenueBookView | undefined {
    return this.symbols.get(symbol)?.venueBook;
  }

  grid(symbol: string): InstrumentGrid | undefined {
    return this.symbols.get(symbol)?.grid;
  }

  get ignored(): number {
    return this.ignoredRecords;
  }

  /** A reference market-data record: the symbol's reference quote first, then its instances. */
  onReference(record: MarketRecord): void {
    const symbol = record.symbol;
    if (symbol === undefined) {
      // A status of the whole feed concerns every symbol.
      for (const s of this.symbols.values()) this.dispatch(s, record);
      return;
    }
    const s = this.symbols.get(symbol);
    if (s === undefined) {
      this.ignoredRecords++;
      return;
    }
    this.dispatch(s, record);
  }

  onVenueTrade(trade: VenueTrade): void {
    const s = this.symbols.get(trade.symbol);
    if (s === undefined || !s.venueBook.applyTrade(trade)) {
      this.ignoredRecords++;
      return;
    }
    for (const h of s.hosts) h.onVenueTrade(trade);
  }

  onVenueBook(book: VenueTopOfBook): void {
    const s = this.symbols.get(book.symbol);
    if (s === undefined || !s.venueBook.apply(book)) {
      this.ignoredRecords++;
      return;
    }
    for (const h of s.hosts) h.onVenueBook(book);
  }

  /** Feeds the venue's prints and top of book to the instances; returns the unsubscribe. */
  connectVenueMarket(source: VenueMarketSource): () => void {
    return source.subscribe({ onVenueTrade: (t) => this.onVenueTrade(t), onVenueBook: (b) => this.onVenueBook(b) });
  }

  /** Some request of some instance awaits its answer. */
  get busy(): boolean {
    for (const h of this.hostList) if (h.busy) return true;
    return false;
  }

  /** Resolves once no instance has a request in flight (answers that set off new requests included). */
  async settled(): Promise<void> {
    while (this.busy) await Promise.all(this.hostList.map((h) => h.settled()));
  }

  startAll(): void {
    for (const h of this.hostList) h.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.hostList.map((h) => h.stop()));
  }

  /** An equity point for every instance now. */
  sampleAll(): void {
    for (const h of this.hostList) h.sample();
  }

  /** Stops listening for order updates (after stopAll). */
  dispose(): void {
    for (const h of this.hostList) h.dispose();
  }

  private dispatch(s: SymbolState, record: MarketRecord): void {
    const topChanged = s.reference.apply(record);
    const hosts = s.hosts;
    for (let i = 0; i < hosts.length; i++) hosts[i].onReference(record, topChanged);
  }
}
