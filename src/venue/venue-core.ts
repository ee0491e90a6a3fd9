// Applying a sequenced venue command: the order registry, the account directory and the matching
// engine change here and nowhere else. The same code runs live and in recovery; live, the engine's
// events also become the reports each order's session expects, queued in the outbox under the
// command's sequence number; in recovery nothing is reported (those reports went out, or were
// never allowed to, before the crash).
//
// Everything here must be deterministic in the journal's terms: the records and their order decide
// the outcome, never the configuration of the run (recentOrders only decides what is forgotten, and
// nothing that touches a book depends on a forgotten order).
import { CancelReason, CommandKind, type EngineSink, type EngineSnapshot, type Instrument, MatchingEngine } from '../engine/index.js';
import type { FixMessage } from '../fix/fix-message.js';
import type { OutgoingMessage } from '../fix/session.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import {
  CxlRejResponseTo,
  type ExecIdSource,
  executionReport,
  type FixVersion,
  orderCancelReject,
  orderRejectedReport,
  type ReportKind,
  type ReportOptions,
  rejectText,
} from './execution-reports.js';
import { AccountDirectory, OrdStatus, type OrderRecord, OrderRegistry, recordFill, type RegistrySnapshot, type AccountsSnapshot, workingStatus } from './order-registry.js';
import { Listings, type ListingsSnapshot } from './listings.js';
import type { Outbox } from './outbox.js';
import type { SequencedCommand, VenueCommand } from './venue-commands.js';

/** What only a live command has: the request as the client sent it (a reject echoes its fields). */
export interface LiveContext {
  readonly message?: FixMessage;
}

/** What applying a command tells the gateway, beyond the reports. */
export interface ApplyResult {
  /** Orders a mass cancel cancelled. */
  readonly affected?: number;
  /** Why the command's own order, cancel, replace or listing was refused. */
  readonly rejected?: RejectCode;
  /** The order a 'new' command entered, as it stands after the command. */
  readonly order?: OrderRecord;
}

/**
 * Orders entered in-process (the order gateway) belong to a session keyed "API:<account>". Nobody
 * reads FIX reports there: the gateway answers from the registry, so the core builds none for them.
 */
export const API_SESSION_PREFIX = 'API:';
export const apiSessionKey = (account: string): string => API_SESSION_PREFIX + account;
export const isApiSession = (sessionKey: string): boolean => sessionKey.startsWith(API_SESSION_PREFIX);

/** A fill as an in-process order's owner is told of it (engine units). */
export interface ApiFill {
  readonly tradeId: number;
  readonly price: number;
  readonly qty: number;
  readonly liquidity: 'maker' | 'taker';
}

/**
 * What the order gateway tells the owner of an API order about a change: built at once (the order
 * changes again before it goes out), delivered once durable; undefined when nobody listens.
 */
export type ApiReporter = (record: OrderRecord, kind: ReportKind, fill: ApiFill | undefined, time: number) => (() => void) | undefined;

/** Where a report goes: a session, by key, when the outbox releases it. */
export type Deliver = (sessionKey: string, message: OutgoingMessage) => void;

const CANCEL_TEXT: Readonly<Record<CancelReason, string | undefined>> = {
  [CancelReason.User]: undefined,
  [CancelReason.MassCancel]: 'mass cancel',
  [CancelReason.ImmediateOrCancel]: 'immediate or cancel: the quantity not filled at once is cancelled',
  [CancelReason.FillOrKill]: 'fill or kill: the order could not be filled in full, nothing traded',
  [CancelReason.MarketRemainder]: 'market order: no more liquidity to trade against, the rest is cancelled',
  [CancelReason.SelfTrade]: 'self-trade prevention',
};

/** The FIX version of a session, from its key ("FIX.4.2:CRUCIBLE->CLIENT"). */
export const versionOfKey = (sessionKey: string): FixVersion => (sessionKey.startsWith('FIX.4.2:') ? 'FIX.4.2' : 'FIX.4.4');

export interface VenueCoreOptions {
  /** The engine's state to start from (a snapshot); absent: empty books, instruments come with `start`. */
  readonly engine?: EngineSnapshot;
  readonly registry?: RegistrySnapshot;
  readonly accounts?: AccountsSnapshot;
  /** Listing details and halts; absent (older snapshots): every engine instrument, not halted. */
  readonly listings?: ListingsSnapshot;
  /** Done orders remembered (see OrderRegistry). */
  readonly recentOrders: number;
  readonly execIds: ExecIdSource;
  readonly log?: (line: string) => void;
}

export class VenueCore implements EngineSink {
  readonly engine: MatchingEngine;
  readonly registry: OrderRegistry;
  readonly accounts: AccountDirectory;
  readonly listings: Listings;
  readonly execIds: ExecIdSource;
  private readonly log: (line: string) => void;
  private readonly observers: EngineSink[] = [];
  /** Reporting target; undefined while replaying. */
  private outbox: Outbox | undefined;
  private deliver: Deliver = () => {};
  private current: SequencedCommand | undefined;
  private live: LiveContext | undefined;
  private reports: Array<() => void> = [];
  /** Set by the order gateway (order-gateway.ts). */
  apiReporter: ApiReporter | undefined;
  private releasedTime = 0;
  /** The order a mass cancel is cancelling right now. */
  private massCancelTarget: OrderRecord | undefined;
  /** A halt is cancelling its symbol's orders. */
  private halting = false;
  /** What the command did to its own order (ApplyResult). */
  private rejectedCode: RejectCode | undefined;
  private entered: OrderRecord | undefined;

  constructor(options: VenueCoreOptions) {
    this.log = options.log ?? (() => {});
    this.execIds = options.execIds;
    this.engine = options.engine !== undefined ? MatchingEngine.restore(options.engine, { sink: this }) : new MatchingEngine({ sink: this });
    this.registry =
      options.registry !== undefined
        ? OrderRegistry.restore(options.registry, options.recentOrders, (s) => this.engine.instrument(s))
        : new OrderRegistry(options.recentOrders);
    this.accounts = options.accounts !== undefined ? AccountDirectory.restore(options.accounts) : new AccountDirectory();
    this.listings = Listings.restore(options.listings, this.engine.instruments());
  }

  /** From now on, commands report: through the outbox, to sessions via `deliver`. */
  startReporting(outbox: Outbox, deliver: Deliver): void {
    this.outbox = outbox;
    this.deliver = deliver;
  }

  /** Also shown every engine event of live commands, once they are durable (market data, dashboards). */
  addObserver(sink: EngineSink): void {
    this.observers.push(sink);
  }

  instrument(symbol: string): Instrument | undefined {
    return this.engine.instrument(symbol);
  }

  /**
   * Applies one command; once reporting has started its effects are reported, before that
   * (recovery) they are not. Never throws: a command the journal holds has happened.
   */
  apply(sequenced: SequencedCommand, context?: LiveContext): ApplyResult {
    this.current = sequenced;
    this.live = this.outbox !== undefined ? (context ?? {}) : undefined;
    try {
      const result = this.run(sequenced.command, sequenced.time);
      const rejected = this.rejectedCode;
      const order = this.entered;
      if (rejected === undefined && order === undefined) return result;
      return { ...result, ...(rejected !== undefined ? { rejected } : {}), ...(order !== undefined ? { order } : {}) };
    } catch (e) {
      this.log(`applying command ${sequenced.seq} (${sequenced.command.kind}) failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return {};
    } finally {
      const reports = this.reports;
      this.reports = [];
      this.current = undefined;
      this.live = undefined;
      this.massCancelTarget = undefined;
      this.halting = false;
      this.rejectedCode = undefined;
      this.entered = undefined;
      const outbox = this.outbox;
      // One outbox entry per command: its reports go out together, in order, when it is durable.
      if (outbox !== undefined && reports.length > 0) outbox.push(sequenced.seq, reports.length === 1 ? reports[0] : () => this.release(reports));
    }
  }

  private release(reports: ReadonlyArray<() => void>): void {
    for (const report of reports) {
      try {
        report();
      } catch (e) {
        this.log(`delivery failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private run(command: VenueCommand, time: number): ApplyResult {
    const { registry, engine } = this;
    switch (command.kind) {
      case 'start': {
        for (const instrument of command.instruments) {
          const existing = engine.instrument(instrument.symbol);
          if (existing === undefined) {
            const code = engine.addInstrument(instrument);
            if (code !== undefined) this.log(`instrument ${instrument.symbol} not listed: ${rejectText(code)}`);
            else this.listings.ensure(instrument.symbol);
          } else if (JSON.stringify(existing) !== JSON.stringify(instrument)) {
            this.log(`instrument ${instrument.symbol}: the books keep the definition they were built with; the changed one in the configuration is ignored`);
          }
        }
        for (const details of command.listings ?? []) if (engine.instrument(details.symbol) !== undefined) this.listings.describe(details);
        return {};
      }
      case 'list': {
        const code = engine.addInstrument(command.instrument);
        if (code !== undefined) {
          this.rejectedCode = code;
          this.log(`instrument ${command.instrument.symbol} not listed: ${rejectText(code)}`);
          return {};
        }
        const { symbol } = command.instrument;
        this.listings.describe({ symbol, assetClass: command.assetClass, ...(command.referencePrice !== undefined ? { referencePrice: command.referencePrice } : {}) });
        return {};
      }
      case 'halt':
      case 'resume': {
        if (engine.instrument(command.symbol) === undefined) {
          this.rejectedCode = RejectCode.UnknownSymbol;
          this.log(`${command.kind} of ${command.symbol}, which is not listed`);
          return {};
        }
        this.listings.setHalted(command.symbol, command.kind === 'halt');
        if (command.kind === 'resume') return {};
        // Every account's orders, pending stops included, in the engine's canonical order.
        this.halting = true;
        engine.apply({ kind: 'massCancel', time, symbol: command.symbol });
        return {};
      }
      case 'new': {
        registry.reserveClOrdId(command.session, command.clOrdId);
        if (this.listings.isHalted(command.symbol)) {
          this.rejected(command.symbol, command.orderId, this.accounts.idFor(command.accountName), CommandKind.New, RejectCode.SymbolHalted);
          return {};
        }
        engine.apply({
          kind: 'new',
          time,
          symbol: command.symbol,
          orderId: command.orderId,
          account: this.accounts.idFor(command.accountName),
          side: command.side,
          type: command.type,
          tif: command.tif,
          price: command.price,
          qty: command.qty,
          // Undefined rather than left out: the engine reads them with ?? and === true, and one
          // object shape is cheaper per order than spreading optional parts in.
          stopPrice: command.stopPrice > 0 ? command.stopPrice : undefined,
          displayQty: command.displayQty > 0 ? command.displayQty : undefined,
          postOnly: command.postOnly ? true : undefined,
          stp: command.stp,
        });
        return {};
      }
      case 'cancel':
      case 'replace': {
        registry.reserveClOrdId(command.session, command.clOrdId);
        const record = registry.byId(command.orderId);
        if (record === undefined) {
          // The gateway only sends live orders; a journal that says otherwise is not this registry's.
          registry.spendClOrdId(command.session, command.clOrdId);
          this.log(`${command.kind} of order ${command.orderId}, which the registry does not know`);
          return {};
        }
        const target = { symbol: record.instrument.symbol, orderId: record.orderId, account: record.accountId };
        if (command.kind === 'replace' && this.listings.isHalted(target.symbol)) {
          this.rejected(target.symbol, target.orderId, target.account, CommandKind.Replace, RejectCode.SymbolHalted);
          return {};
        }
        if (command.kind === 'cancel') engine.apply({ kind: 'cancel', time, ...target });
        else engine.apply({ kind: 'replace', time, ...target, qty: command.qty, price: command.price, ...(command.stopPrice !== undefined ? { stopPrice: command.stopPrice } : {}) });
        return {};
      }
      case 'massCancel': {
        registry.reserveClOrdId(command.session, command.clOrdId);
        registry.spendClOrdId(command.session, command.clOrdId);
        const targets = registry
          .liveOrders(command.session)
          .filter((r) => (command.symbol === undefined || r.instrument.symbol === command.symbol) && (command.side === undefined || r.side === command.side));
        let affected = 0;
        // One engine cancel per order: the request covers this session's orders, and an engine
        // mass cancel would reach every order of the account, whichever session entered it.
        for (const record of targets) {
          this.massCancelTarget = record;
          engine.apply({ kind: 'cancel', time, symbol: record.instrument.symbol, orderId: record.orderId, account: record.accountId });
          if (record.status === OrdStatus.Canceled) affected++;
        }
        this.massCancelTarget = undefined;
        return { affected };
      }
      case 'refuse':
        registry.reserveClOrdId(command.session, command.clOrdId);
        registry.spendClOrdId(command.session, command.clOrdId);
        return {};
      case 'endOfDay':
        engine.apply({ kind: 'endOfDay', time, ...(command.symbol !== undefined ? { symbol: command.symbol } : {}) });
        return {};
    }
  }

  private report(sessionKey: string, message: OutgoingMessage): void {
    this.reports.push(() => this.deliver(sessionKey, message));
  }

  /** The time of the command being applied. */
  private get time(): number {
    return this.current?.time ?? 0;
  }

  private execId(): string {
    return this.execIds.take(this.current?.seq ?? 0);
  }

  // -------------------------------------------------------------------------------------------
  // Engine events. They arrive inside the engine's apply, so a handler must never throw: an
  // exception here would leave a book half-way through a command. Failures are logged.

  // `what` is only worked out on a failure: events come several per order.
  private guard(what: () => string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`handling ${what()} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  // One delivery per event for all observers, carrying the command's time: an observer told the
  // event later, once durable, still knows when it happened.
  private observe(deliver: (sink: EngineSink) => void): void {
    if (this.live === undefined || this.observers.length === 0) return;
    const time = this.current?.time ?? 0;
    this.reports.push(() => {
      this.releasedTime = time;
      for (const sink of this.observers) {
        try {
          deliver(sink);
        } catch (e) {
          this.log(`engine event observer failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    });
  }

  /** Time (epoch ms) of the command whose events observers are being told right now. */
  get eventTime(): number {
    return this.releasedTime;
  }

  accepted(...a: Parameters<EngineSink['accepted']>): void {
    const [symbol, orderId, , , , , qty] = a;
    this.guard(() => `accepted ${symbol} ${orderId}`, () => {
      const command = this.current?.command;
      // An order entered other than through a session has nobody to report to.
      if (command?.kind !== 'new') return;
      const instrument = this.engine.instrument(symbol);
      if (instrument === undefined) return;
      const record: OrderRecord = {
        orderId,
        sessionKey: command.session,
        account: command.account,
        accountId: this.accounts.idFor(command.accountName),
        instrument,
        side: command.side,
        type: command.type,
        tif: command.tif,
        postOnly: command.postOnly,
        displayQty: command.displayQty,
        clOrdID: command.clOrdId,
        clOrdIDs: [command.clOrdId],
        updatedAt: this.time,
        price: command.price,
        stopPrice: command.stopPrice,
        orderQty: qty,
        leavesQty: qty,
        cumQty: 0,
        notional: 0n,
        status: OrdStatus.New,
      };
      this.registry.add(record);
      if (command.orderId === orderId) this.entered = record;
      this.queueReport(record, 'new');
    });
    this.observe((s) => s.accepted(...a));
  }

  rejected(...a: Parameters<EngineSink['rejected']>): void {
    const [symbol, orderId, , kind, code] = a;
    this.guard(() => `rejected ${kind} ${symbol} ${orderId}`, () => {
      const command = this.current?.command;
      const registry = this.registry;
      if (kind === CommandKind.New && command?.kind === 'new') {
        this.rejectedCode = code;
        registry.spendClOrdId(command.session, command.clOrdId);
        const message = this.live?.message;
        if (message !== undefined) {
          this.report(command.session, orderRejectedReport(versionOfKey(command.session), message, orderId, code, undefined, { execId: this.execId(), transactTime: this.time }));
        }
        return;
      }
      if ((kind === CommandKind.Cancel && command?.kind === 'cancel') || (kind === CommandKind.Replace && command?.kind === 'replace')) {
        this.rejectedCode = code;
        registry.spendClOrdId(command.session, command.clOrdId);
        if (this.live === undefined || isApiSession(command.session)) return;
        this.report(
          command.session,
          orderCancelReject(versionOfKey(command.session), {
            responseTo: kind === CommandKind.Cancel ? CxlRejResponseTo.Cancel : CxlRejResponseTo.Replace,
            clOrdID: command.clOrdId,
            origClOrdID: command.origClOrdId,
            record: registry.byId(orderId),
            code,
            transactTime: this.time,
          }),
        );
        return;
      }
      this.log(`engine rejected ${kind} ${symbol} order ${orderId}: ${rejectText(code)}`);
    });
    this.observe((s) => s.rejected(...a));
  }

  fill(...a: Parameters<EngineSink['fill']>): void {
    const [symbol, tradeId, price, qty, , takerOrderId, , takerLeaves, takerCum, makerOrderId, , makerLeaves, makerCum] = a;
    this.guard(() => `trade ${tradeId} in ${symbol}`, () => {
      // The taker's report first: it is the order that caused the trade.
      this.fillSide(takerOrderId, tradeId, price, qty, takerLeaves, takerCum, 'taker');
      this.fillSide(makerOrderId, tradeId, price, qty, makerLeaves, makerCum, 'maker');
    });
    this.observe((s) => s.fill(...a));
  }

  private fillSide(orderId: number, tradeId: number, price: number, qty: number, leaves: number, cum: number, liquidity: 'maker' | 'taker'): void {
    const record = this.registry.byId(orderId);
    if (record === undefined) return;
    recordFill(record, price, qty, leaves, cum);
    this.queueReport(record, 'fill', { lastPx: price, lastQty: qty }, { tradeId, price, qty, liquidity });
    if (record.leavesQty === 0) this.registry.finish(record);
  }

  cancelled(...a: Parameters<EngineSink['cancelled']>): void {
    const [symbol, orderId, , cancelledQty, leavesQty, reason] = a;
    this.guard(() => `cancel of ${symbol} ${orderId}`, () => {
      const registry = this.registry;
      const record = registry.byId(orderId);
      if (record === undefined) return;
      if (leavesQty > 0) {
        // Self-trade prevention took part of the order; the rest stays in the book.
        record.orderQty -= cancelledQty;
        record.leavesQty = leavesQty;
        record.status = workingStatus(record);
        const lot = record.instrument.lotSize;
        this.queueReport(record, 'restated', { text: `self-trade prevention: ${unitsToDecimal(cancelledQty, lot)} cancelled, ${unitsToDecimal(leavesQty, lot)} left` });
        return;
      }
      const command = this.current?.command;
      let origClOrdID: string | undefined;
      let text = CANCEL_TEXT[reason];
      if (reason === CancelReason.User && command?.kind === 'cancel' && command.orderId === orderId) {
        origClOrdID = registry.rename(record, command.clOrdId);
      } else if (reason === CancelReason.User && this.massCancelTarget === record) {
        text = CANCEL_TEXT[CancelReason.MassCancel];
      } else if (reason === CancelReason.MassCancel && this.halting) {
        text = rejectReason(RejectCode.SymbolHalted);
      }
      record.leavesQty = 0;
      record.status = OrdStatus.Canceled;
      this.queueReport(record, 'canceled', { ...(origClOrdID !== undefined ? { origClOrdID } : {}), ...(text !== undefined ? { text } : {}) });
      registry.finish(record);
    });
    this.observe((s) => s.cancelled(...a));
  }

  replaced(...a: Parameters<EngineSink['replaced']>): void {
    const [symbol, orderId, , price, stopPrice, leavesQty, cumQty] = a;
    this.guard(() => `replace of ${symbol} ${orderId}`, () => {
      const registry = this.registry;
      const record = registry.byId(orderId);
      if (record === undefined) return;
      const command = this.current?.command;
      const origClOrdID = command?.kind === 'replace' && command.orderId === orderId ? registry.rename(record, command.clOrdId) : undefined;
      record.price = price;
      if (stopPrice > 0) record.stopPrice = stopPrice;
      record.leavesQty = leavesQty;
      record.cumQty = cumQty;
      record.orderQty = leavesQty + cumQty;
      record.status = workingStatus(record);
      this.queueReport(record, 'replaced', origClOrdID !== undefined ? { origClOrdID } : {});
    });
    this.observe((s) => s.replaced(...a));
  }

  triggered(...a: Parameters<EngineSink['triggered']>): void {
    // A triggered stop reports through what it then does: fills, a rest (no report) or a cancel.
    this.observe((s) => s.triggered(...a));
  }

  expired(...a: Parameters<EngineSink['expired']>): void {
    const [symbol, orderId] = a;
    this.guard(() => `expiry of ${symbol} ${orderId}`, () => {
      const record = this.registry.byId(orderId);
      if (record === undefined) return;
      record.leavesQty = 0;
      record.status = OrdStatus.Expired;
      this.queueReport(record, 'expired', { text: 'day order expired at the end of the trading day' });
      this.registry.finish(record);
    });
    this.observe((s) => s.expired(...a));
  }

  bookLevel(...a: Parameters<EngineSink['bookLevel']>): void {
    this.observe((s) => s.bookLevel(...a));
  }

  topOfBook(...a: Parameters<EngineSink['topOfBook']>): void {
    this.observe((s) => s.topOfBook(...a));
  }

  /** Builds the report now (the record changes again later in the command) and queues it. */
  private queueReport(record: OrderRecord, kind: ReportKind, extra: Omit<ReportOptions, 'execId' | 'transactTime'> = {}, fill?: ApiFill): void {
    record.updatedAt = this.time;
    if (this.live === undefined) return;
    if (isApiSession(record.sessionKey)) {
      const deliver = this.apiReporter?.(record, kind, fill, this.time);
      if (deliver !== undefined) this.reports.push(deliver);
      return;
    }
    const message = executionReport(versionOfKey(record.sessionKey), record, kind, { execId: this.execId(), transactTime: this.time, ...extra });
    this.report(record.sessionKey, message);
  }
}
