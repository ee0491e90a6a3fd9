// The venue's FIX application: what the session layer hands application messages to, and what the
// engine reports its events to. Inbound, it checks a request against the session's orders,
// decodes it (fix-order-entry.ts) and passes the resulting engine command to the sequencer.
// Outbound, it turns each engine event into the report the owning session expects
// (execution-reports.ts) and delivers the reports once the command is through the engine.
//
// Every request is answered: an ExecutionReport, an OrderCancelReject or an OrderMassCancelReport
// for the order-entry messages it handles, a BusinessMessageReject (via the session) for any other
// application message, and "Application Not Available" from the session should a handler fail.
import type { EngineSink, Instrument, StpMode } from '../engine/index.js';
import { CancelReason, CommandKind, OrderType, Side } from '../engine/index.js';
import type { FixMessage } from '../fix/fix-message.js';
import { type Application, FieldNotFound, type OutgoingMessage, type Session, UnsupportedMessageType } from '../fix/session.js';
import { MsgType, Tag } from '../fix/tags.js';
import type { Clock } from '../shared/clock.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { RejectCode } from '../shared/reject-codes.js';
import {
  CxlRejResponseTo,
  type ExecIdSource,
  executionReport,
  type FixVersion,
  massCancelReport,
  orderCancelReject,
  orderRejectedReport,
  type ReportKind,
  type ReportOptions,
  rejectText,
  unknownOrderStatusReport,
} from './execution-reports.js';
import {
  type CancelRequest,
  decodeCancel,
  decodeMassCancel,
  decodeNewOrder,
  decodeReplace,
  decodeStatus,
  FIX_SIDE,
  type NewOrderRequest,
  type ReplaceRequest,
} from './fix-order-entry.js';
import { type AccountDirectory, isDone, OrdStatus, type OrderRecord, type OrderRegistry, recordFill, workingStatus } from './order-registry.js';
import type { Sequencer } from './sequencer.js';

/** The part of a FIX session the application talks to. */
export type OrderSession = Pick<Session, 'key' | 'id' | 'send'>;

export interface FixApplicationOptions {
  readonly instrumentOf: (symbol: string) => Instrument | undefined;
  readonly sequencer: Sequencer;
  readonly registry: OrderRegistry;
  readonly accounts: AccountDirectory;
  readonly execIds: ExecIdSource;
  /** For reports that no command stamps (status, rejects at the edge). */
  readonly clock: Clock;
  /** Self-trade prevention for every order. */
  readonly stp: StpMode;
  /** Session events and anything that went wrong while reporting. */
  readonly log?: (text: string) => void;
}

/** The request a command in the engine came from; its events are read in that light. */
type Request =
  | { readonly kind: 'new'; readonly session: OrderSession; readonly message: FixMessage; readonly order: NewOrderRequest; readonly accountId: number }
  | { readonly kind: 'cancel'; readonly session: OrderSession; readonly request: CancelRequest; readonly record: OrderRecord }
  | { readonly kind: 'replace'; readonly session: OrderSession; readonly request: ReplaceRequest; readonly record: OrderRecord }
  | { readonly kind: 'massCancel'; readonly record: OrderRecord };

const CANCEL_TEXT: Readonly<Record<CancelReason, string | undefined>> = {
  [CancelReason.User]: undefined,
  [CancelReason.MassCancel]: 'mass cancel',
  [CancelReason.ImmediateOrCancel]: 'immediate or cancel: the quantity not filled at once is cancelled',
  [CancelReason.FillOrKill]: 'fill or kill: the order could not be filled in full, nothing traded',
  [CancelReason.MarketRemainder]: 'market order: no more liquidity to trade against, the rest is cancelled',
  [CancelReason.SelfTrade]: 'self-trade prevention',
};

export const versionOf = (session: OrderSession): FixVersion => (session.id.beginString === 'FIX.4.2' ? 'FIX.4.2' : 'FIX.4.4');

export class FixVenueApplication implements Application, EngineSink {
  private readonly sessions = new Map<string, OrderSession>();
  private readonly outbox: Array<{ readonly session: OrderSession; readonly message: OutgoingMessage }> = [];
  private request: Request | undefined;
  private readonly log: (text: string) => void;

  constructor(private readonly options: FixApplicationOptions) {
    this.log = options.log ?? (() => {});
  }

  // -------------------------------------------------------------------------------------------
  // Session callbacks

  onCreate(_session: Session): void {}

  onLogon(session: Session): void {
    this.sessions.set(session.key, session);
    this.log(`logon ${session.id.beginString} ${session.id.targetCompID}`);
  }

  onLogout(session: Session): void {
    // The session stays known: its orders live on and it may log on again to manage them.
    this.log(`logout ${session.id.beginString} ${session.id.targetCompID}`);
  }

  toAdmin(): void {}
  fromAdmin(): void {}
  toApp(): void {}

  fromApp(message: FixMessage, session: Session): void {
    this.handle(message, session);
  }

  /** fromApp for anything that looks like a session (tests drive it without sockets). */
  handle(message: FixMessage, session: OrderSession): void {
    // Reports go to sessions by key; a session is known from its first message on.
    if (!this.sessions.has(session.key)) this.sessions.set(session.key, session);
    switch (message.msgType) {
      case MsgType.NewOrderSingle:
        return this.onNewOrder(message, session);
      case MsgType.OrderCancelRequest:
        return this.onCancel(message, session);
      case MsgType.OrderCancelReplaceRequest:
        return this.onReplace(message, session);
      case MsgType.OrderStatusRequest:
        return this.onStatus(message, session);
      case MsgType.OrderMassCancelRequest:
        // FIX 4.2 has no OrderMassCancelReport to answer with.
        if (versionOf(session) === 'FIX.4.4') return this.onMassCancel(message, session);
        throw new UnsupportedMessageType();
      default:
        throw new UnsupportedMessageType();
    }
  }

  /** Runs a command that no FIX request asked for (end of day, an operator's mass cancel) and delivers its reports. */
  runVenueCommand(submit: () => void): void {
    this.execute(undefined, submit);
  }

  // -------------------------------------------------------------------------------------------
  // Requests

  private onNewOrder(message: FixMessage, session: OrderSession): void {
    const version = versionOf(session);
    const clOrdID = requiredClOrdID(message);
    const reject = (code: RejectCode, detail: string): void =>
      this.sendNow(session, orderRejectedReport(version, message, undefined, code, detail, { execId: this.execId(), transactTime: this.now() }));
    if (!this.options.registry.reserveClOrdId(session.key, clOrdID)) return reject(RejectCode.DuplicateClOrdId, `ClOrdID ${clOrdID}`);
    const decoded = decodeNewOrder(message, this.options.instrumentOf);
    if (!decoded.ok) {
      this.options.registry.spendClOrdId(session.key, clOrdID);
      return reject(decoded.code, decoded.detail);
    }
    const order = decoded.request;
    const accountId = this.options.accounts.idFor(order.account ?? session.id.targetCompID);
    this.execute({ kind: 'new', session, message, order, accountId }, () =>
      this.options.sequencer.newOrder({
        kind: 'new',
        symbol: order.instrument.symbol,
        account: accountId,
        side: order.side,
        type: order.type,
        tif: order.tif,
        price: order.price,
        qty: order.qty,
        ...(order.stopPrice > 0 ? { stopPrice: order.stopPrice } : {}),
        ...(order.displayQty > 0 ? { displayQty: order.displayQty } : {}),
        ...(order.postOnly ? { postOnly: true } : {}),
        stp: this.options.stp,
      }),
    );
  }

  private onCancel(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const target = this.options.registry.reserveClOrdId(session.key, clOrdID) ? this.resolveTarget(message, session) : duplicate(clOrdID);
    if (!target.ok) return this.refuseChange(session, CxlRejResponseTo.Cancel, message, clOrdID, target);
    const { record, ids } = target;
    this.execute({ kind: 'cancel', session, request: ids, record }, () =>
      this.options.sequencer.submit({ kind: 'cancel', symbol: record.instrument.symbol, orderId: record.orderId, account: record.accountId }),
    );
  }

  private onReplace(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const target = this.options.registry.reserveClOrdId(session.key, clOrdID) ? this.resolveTarget(message, session) : duplicate(clOrdID);
    if (!target.ok) return this.refuseChange(session, CxlRejResponseTo.Replace, message, clOrdID, target);
    const decoded = decodeReplace(message, target.record);
    if (!decoded.ok) return this.refuseChange(session, CxlRejResponseTo.Replace, message, clOrdID, { ...decoded, record: target.record });
    const { record } = target;
    const change = decoded.request;
    this.execute({ kind: 'replace', session, request: change, record }, () =>
      this.options.sequencer.submit({
        kind: 'replace',
        symbol: record.instrument.symbol,
        orderId: record.orderId,
        account: record.accountId,
        qty: change.qty,
        price: change.price,
        ...(change.stopPrice !== undefined ? { stopPrice: change.stopPrice } : {}),
      }),
    );
  }

  private onStatus(message: FixMessage, session: OrderSession): void {
    const version = versionOf(session);
    const request = decodeStatus(message);
    const found = this.lookUp(session, request.clOrdID, request.orderID);
    const options = { execId: this.execId(), transactTime: this.now() };
    if (found === undefined) {
      const text = rejectText(RejectCode.UnknownOrder, `no order with ClOrdID ${request.clOrdID} in this session`);
      return this.sendNow(session, unknownOrderStatusReport(version, request, { ...options, text }));
    }
    this.sendNow(session, executionReport(version, found, 'status', options));
  }

  private onMassCancel(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const registry = this.options.registry;
    const requestType = message.get(Tag.MassCancelRequestType) ?? '';
    const report = (affected: number | undefined, extra: { symbol?: string; side?: string; code?: RejectCode; detail?: string }): void =>
      this.sendNow(
        session,
        massCancelReport({ reportId: this.execId(), clOrdID, requestType: requestType === '' ? '7' : requestType, affected, transactTime: this.now(), ...extra }),
      );
    if (!registry.reserveClOrdId(session.key, clOrdID)) return report(undefined, { code: RejectCode.DuplicateClOrdId, detail: `ClOrdID ${clOrdID}` });
    registry.spendClOrdId(session.key, clOrdID);
    const decoded = decodeMassCancel(message, this.options.instrumentOf);
    if (!decoded.ok) return report(undefined, { code: decoded.code, detail: decoded.detail });
    const { symbol, side, sideText } = decoded.request;
    const targets = registry
      .liveOrders(session.key)
      .filter((r) => (symbol === undefined || r.instrument.symbol === symbol) && (side === undefined || r.side === side));
    let affected = 0;
    // One engine cancel per order: the request covers this session's orders, and an engine
    // mass cancel would reach every order of the account, whichever session entered it.
    for (const record of targets) {
      this.execute({ kind: 'massCancel', record }, () =>
        this.options.sequencer.submit({ kind: 'cancel', symbol: record.instrument.symbol, orderId: record.orderId, account: record.accountId }),
      );
      if (record.status === OrdStatus.Canceled) affected++;
    }
    report(affected, { ...(symbol !== undefined ? { symbol } : {}), ...(sideText !== undefined ? { side: sideText } : {}) });
  }

  /**
   * The session's order a cancel or replace names (OrigClOrdID, else OrderID), or why it cannot be
   * acted on: unknown, not matching Symbol and Side, or already done ("too late").
   */
  private resolveTarget(message: FixMessage, session: OrderSession): Target {
    const decoded = decodeCancel(message);
    if (!decoded.ok) return decoded;
    const ids = decoded.request;
    const record = this.lookUp(session, ids.origClOrdID, ids.orderID);
    if (record === undefined) return { ok: false, code: RejectCode.UnknownOrder, detail: `no order with OrigClOrdID ${ids.origClOrdID} in this session` };
    if (record.instrument.symbol !== ids.symbol || FIX_SIDE[record.side] !== ids.side) {
      const side = record.side === Side.Buy ? 'buy' : 'sell';
      return { ok: false, code: RejectCode.UnknownOrder, detail: `OrigClOrdID ${ids.origClOrdID} is a ${side} order in ${record.instrument.symbol}; Symbol and Side must match it` };
    }
    if (isDone(record)) {
      const state = record.status === OrdStatus.Filled ? 'filled' : record.status === OrdStatus.Expired ? 'expired' : 'cancelled';
      return { ok: false, code: RejectCode.UnknownOrder, detail: `order ${record.orderId} is already ${state}`, record, tooLate: true };
    }
    return { ok: true, record, ids };
  }

  private lookUp(session: OrderSession, clOrdID: string, orderID: string | undefined): OrderRecord | undefined {
    const registry = this.options.registry;
    const byClOrdId = clOrdID === '' ? undefined : registry.byClOrdId(session.key, clOrdID);
    if (byClOrdId !== undefined) return byClOrdId;
    if (orderID === undefined || !/^\d{1,15}$/.test(orderID)) return undefined;
    const byOrderId = registry.byId(Number(orderID));
    return byOrderId?.sessionKey === session.key ? byOrderId : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Command execution and delivery

  /** Applies one command with the request it came from in view, then delivers its reports. */
  private execute(request: Request | undefined, submit: () => void): void {
    this.request = request;
    try {
      submit();
    } finally {
      this.request = undefined;
      this.flush();
    }
  }

  private flush(): void {
    const pending = this.outbox.splice(0);
    for (const { session, message } of pending) this.sendNow(session, message);
  }

  private sendNow(session: OrderSession, message: OutgoingMessage): void {
    try {
      session.send(message);
    } catch (e) {
      this.log(`could not send ${message.msgType} to ${session.key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Answers a cancel or replace that cannot go ahead; its ClOrdID stays taken (unless it was a duplicate). */
  private refuseChange(
    session: OrderSession,
    responseTo: (typeof CxlRejResponseTo)[keyof typeof CxlRejResponseTo],
    message: FixMessage,
    clOrdID: string,
    failure: { code: RejectCode; detail: string; record?: OrderRecord | undefined; tooLate?: boolean | undefined },
  ): void {
    if (failure.code !== RejectCode.DuplicateClOrdId) this.options.registry.spendClOrdId(session.key, clOrdID);
    const account = message.get(Tag.Account);
    this.sendNow(
      session,
      orderCancelReject(versionOf(session), {
        responseTo,
        clOrdID: message.get(Tag.ClOrdID) ?? '',
        origClOrdID: message.get(Tag.OrigClOrdID) ?? '',
        record: failure.record,
        code: failure.code,
        detail: failure.detail,
        ...(failure.tooLate === true ? { tooLate: true } : {}),
        ...(account !== undefined && account !== '' ? { account } : {}),
        transactTime: this.transactTime(),
      }),
    );
  }

  private execId(): string {
    return this.options.execIds.take();
  }

  private now(): number {
    return this.options.clock.now();
  }

  /** The stamped time of the command being applied, else now. */
  private transactTime(): number {
    return this.options.sequencer.current?.command.time ?? this.now();
  }

  // -------------------------------------------------------------------------------------------
  // Engine events (EngineSink). They arrive inside the engine's apply, so a handler must never
  // throw: an exception here would leave a book half-way through a command. Failures are logged.

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`reporting ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  accepted(symbol: string, orderId: number, _account: number, _side: Side, _type: OrderType, _price: number, qty: number): void {
    this.guard(`accepted ${symbol} ${orderId}`, () => {
      const request = this.request;
      // An order entered other than through FIX has no session to report to.
      if (request?.kind !== 'new') return;
      const { order, session, accountId } = request;
      const record: OrderRecord = {
        orderId,
        sessionKey: session.key,
        account: order.account,
        accountId,
        instrument: order.instrument,
        side: order.side,
        type: order.type,
        tif: order.tif,
        postOnly: order.postOnly,
        displayQty: order.displayQty,
        clOrdID: order.clOrdID,
        clOrdIDs: [order.clOrdID],
        price: order.price,
        stopPrice: order.stopPrice,
        orderQty: qty,
        leavesQty: qty,
        cumQty: 0,
        notional: 0n,
        status: OrdStatus.New,
      };
      this.options.registry.add(record);
      this.queueReport(record, 'new');
    });
  }

  rejected(symbol: string, orderId: number, _account: number, command: CommandKind, code: RejectCode): void {
    this.guard(`rejected ${command} ${symbol} ${orderId}`, () => {
      const request = this.request;
      const registry = this.options.registry;
      if (command === CommandKind.New && request?.kind === 'new') {
        const { session, message } = request;
        registry.spendClOrdId(session.key, request.order.clOrdID);
        const report = orderRejectedReport(versionOf(session), message, orderId, code, undefined, { execId: this.execId(), transactTime: this.transactTime() });
        this.queueMessage(session, report);
        return;
      }
      if ((command === CommandKind.Cancel && request?.kind === 'cancel') || (command === CommandKind.Replace && request?.kind === 'replace')) {
        const { session, request: ids, record } = request;
        registry.spendClOrdId(session.key, ids.clOrdID);
        const responseTo = command === CommandKind.Cancel ? CxlRejResponseTo.Cancel : CxlRejResponseTo.Replace;
        const reject = orderCancelReject(versionOf(session), {
          responseTo,
          clOrdID: ids.clOrdID,
          origClOrdID: ids.origClOrdID,
          record,
          code,
          transactTime: this.transactTime(),
        });
        this.queueMessage(session, reject);
        return;
      }
      this.log(`engine rejected ${command} ${symbol} order ${orderId}: ${rejectText(code)}`);
    });
  }

  fill(
    symbol: string,
    tradeId: number,
    price: number,
    qty: number,
    _takerSide: Side,
    takerOrderId: number,
    _takerAccount: number,
    takerLeaves: number,
    takerCum: number,
    makerOrderId: number,
    _makerAccount: number,
    makerLeaves: number,
    makerCum: number,
  ): void {
    this.guard(`trade ${tradeId} in ${symbol}`, () => {
      // The taker's report first: it is the order that caused the trade.
      for (const [orderId, leaves, cum] of [
        [takerOrderId, takerLeaves, takerCum],
        [makerOrderId, makerLeaves, makerCum],
      ] as const) {
        const record = this.options.registry.byId(orderId);
        if (record === undefined) continue;
        recordFill(record, price, qty, leaves, cum);
        this.queueReport(record, 'fill', { lastPx: price, lastQty: qty });
        if (record.leavesQty === 0) this.options.registry.finish(record);
      }
    });
  }

  cancelled(symbol: string, orderId: number, _account: number, cancelledQty: number, leavesQty: number, reason: CancelReason): void {
    this.guard(`cancel of ${symbol} ${orderId}`, () => {
      const registry = this.options.registry;
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
      const request = this.request;
      let origClOrdID: string | undefined;
      let text = CANCEL_TEXT[reason];
      if (reason === CancelReason.User && request?.kind === 'cancel' && request.record === record) {
        origClOrdID = registry.rename(record, request.request.clOrdID);
      } else if (reason === CancelReason.User && request?.kind === 'massCancel') {
        text = CANCEL_TEXT[CancelReason.MassCancel];
      }
      record.leavesQty = 0;
      record.status = OrdStatus.Canceled;
      this.queueReport(record, 'canceled', { ...(origClOrdID !== undefined ? { origClOrdID } : {}), ...(text !== undefined ? { text } : {}) });
      registry.finish(record);
    });
  }

  replaced(symbol: string, orderId: number, _account: number, price: number, stopPrice: number, leavesQty: number, cumQty: number): void {
    this.guard(`replace of ${symbol} ${orderId}`, () => {
      const registry = this.options.registry;
      const record = registry.byId(orderId);
      if (record === undefined) return;
      const request = this.request;
      const origClOrdID = request?.kind === 'replace' && request.record === record ? registry.rename(record, request.request.clOrdID) : undefined;
      record.price = price;
      if (stopPrice > 0) record.stopPrice = stopPrice;
      record.leavesQty = leavesQty;
      record.cumQty = cumQty;
      record.orderQty = leavesQty + cumQty;
      record.status = workingStatus(record);
      this.queueReport(record, 'replaced', origClOrdID !== undefined ? { origClOrdID } : {});
    });
  }

  triggered(): void {
    // A triggered stop reports through what it then does: fills, a rest (no report) or a cancel.
  }

  expired(symbol: string, orderId: number): void {
    this.guard(`expiry of ${symbol} ${orderId}`, () => {
      const record = this.options.registry.byId(orderId);
      if (record === undefined) return;
      record.leavesQty = 0;
      record.status = OrdStatus.Expired;
      this.queueReport(record, 'expired', { text: 'day order expired at the end of the trading day' });
      this.options.registry.finish(record);
    });
  }

  bookLevel(): void {}

  topOfBook(): void {}

  /** Queues a report on an order for delivery after the command. */
  private queueReport(record: OrderRecord, kind: ReportKind, extra: Omit<ReportOptions, 'execId' | 'transactTime'> = {}): void {
    const session = this.sessions.get(record.sessionKey);
    if (session === undefined) return;
    const message = executionReport(versionOf(session), record, kind, { execId: this.execId(), transactTime: this.transactTime(), ...extra });
    this.outbox.push({ session, message });
  }

  private queueMessage(session: OrderSession, message: OutgoingMessage): void {
    this.outbox.push({ session, message });
  }
}

/** A cancel or replace target, or why there is none. */
type Target =
  | { readonly ok: true; readonly record: OrderRecord; readonly ids: CancelRequest }
  | { readonly ok: false; readonly code: RejectCode; readonly detail: string; readonly record?: OrderRecord; readonly tooLate?: boolean };

const duplicate = (clOrdID: string): Target => ({ ok: false, code: RejectCode.DuplicateClOrdId, detail: `ClOrdID ${clOrdID}` });

function requiredClOrdID(message: FixMessage): string {
  const clOrdID = message.get(Tag.ClOrdID);
  // The session answers a missing required field with a reject naming the tag.
  if (clOrdID === undefined || clOrdID === '') throw new FieldNotFound(Tag.ClOrdID);
  return clOrdID;
}
