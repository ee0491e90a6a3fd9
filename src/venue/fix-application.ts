// The venue's FIX application: what the session layer hands application messages to. It decides,
// for each request, which venue command it becomes (fix-order-entry.ts decodes, the registry says
// whether the ClOrdID is free and which order a cancel names) and hands that to the sequencer;
// applying the command and reporting its effects is venue-core.ts's, the same code recovery runs.
//
// Every request is answered: an ExecutionReport, an OrderCancelReject or an OrderMassCancelReport
// for the order-entry messages it handles, a BusinessMessageReject (via the session) for any other
// application message, and "Application Not Available" from the session should a handler fail.
// Answers go through the outbox like reports do, so a session reads them in the order they were made
// and never before the journal holds what they describe.
import type { StpMode } from '../engine/index.js';
import { Side } from '../engine/index.js';
import type { FixMessage } from '../fix/fix-message.js';
import { BUSINESS_REJECT_TEXT, BusinessRejectReason } from '../fix/reject-reasons.js';
import { type Application, FieldNotFound, OutgoingMessage, type Session, UnsupportedMessageType } from '../fix/session.js';
import { MsgType, Tag } from '../fix/tags.js';
import type { Clock } from '../shared/clock.js';
import { RejectCode } from '../shared/reject-codes.js';
import {
  CxlRejResponseTo,
  executionReport,
  type FixVersion,
  massCancelReport,
  orderCancelReject,
  orderRejectedReport,
  rejectText,
  unknownOrderStatusReport,
} from './execution-reports.js';
import { type CancelRequest, decodeCancel, decodeMassCancel, decodeNewOrder, decodeReplace, decodeStatus, FIX_SIDE } from './fix-order-entry.js';
import { isDone, OrdStatus, type OrderRecord } from './order-registry.js';
import type { Outbox } from './outbox.js';
import type { Sequencer } from './sequencer.js';
import type { ApplyResult, LiveContext, VenueCore } from './venue-core.js';
import type { SequencedCommand, UnsequencedCommand } from './venue-commands.js';

/** The part of a FIX session the application talks to. */
export type OrderSession = Pick<Session, 'key' | 'id' | 'send'>;

export type VenueSequencer = Sequencer<LiveContext, ApplyResult>;

export interface FixApplicationOptions {
  readonly core: VenueCore;
  readonly sequencer: VenueSequencer;
  readonly outbox: Outbox;
  /** For answers that no command stamps (status, duplicate ClOrdIDs). */
  readonly clock: Clock;
  /** Self-trade prevention for every order. */
  readonly stp: StpMode;
  /**
   * A session the application has not met in this run (its orders are older than the restart), so
   * that reports on them are stored for it and can be resent; undefined when there is none.
   */
  readonly sessionFor?: (sessionKey: string) => OrderSession | undefined;
  /** Session events and anything that went wrong while reporting. */
  readonly log?: (text: string) => void;
  /** New orders and replaces a session may send per second; more are rejected (2003). Absent: no limit. */
  readonly maxOrdersPerSecond?: number;
  /** Told when a session logs on or off (activity logs, dashboards). */
  readonly onSessionState?: (session: OrderSession, state: 'logon' | 'logout') => void;
}

export const versionOf = (session: OrderSession): FixVersion => (session.id.beginString === 'FIX.4.2' ? 'FIX.4.2' : 'FIX.4.4');

/** Thrown into the session while the venue shuts down: the session answers "Application Not Available". */
export class VenueClosing extends Error {}

export class FixVenueApplication implements Application {
  private readonly sessions = new Map<string, OrderSession>();
  private readonly rateWindows = new Map<string, { start: number; count: number }>();
  private readonly log: (text: string) => void;
  private closing = false;

  constructor(private readonly options: FixApplicationOptions) {
    this.log = options.log ?? (() => {});
    options.core.startReporting(options.outbox, (key, message) => this.deliver(key, message));
  }

  /** Refuses every request from now on; the venue is draining. */
  close(): void {
    this.closing = true;
  }

  // -------------------------------------------------------------------------------------------
  // Session callbacks

  onCreate(_session: Session): void {}

  onLogon(session: Session): void {
    this.sessions.set(session.key, session);
    this.log(`logon ${session.id.beginString} ${session.id.targetCompID}`);
    this.options.onSessionState?.(session, 'logon');
  }

  onLogout(session: Session): void {
    // The session stays known: its orders live on and it may log on again to manage them.
    this.log(`logout ${session.id.beginString} ${session.id.targetCompID}`);
    this.options.onSessionState?.(session, 'logout');
  }

  toAdmin(): void {}
  fromAdmin(): void {}
  toApp(): void {}

  fromApp(message: FixMessage, session: Session): void {
    try {
      this.handle(message, session);
    } catch (e) {
      // The session would answer these at once, ahead of reports still waiting for the journal;
      // queued like every other answer, the client reads them in the order it asked.
      const reason =
        e instanceof UnsupportedMessageType
          ? BusinessRejectReason.UnsupportedMessageType
          : e instanceof FieldNotFound
            ? BusinessRejectReason.ConditionallyRequiredFieldMissing
            : undefined;
      if (reason === undefined) throw e;
      const field = e instanceof FieldNotFound ? e.field : undefined;
      this.answer(session, () => businessMessageReject(message, reason, field));
    }
  }

  /** fromApp for anything that looks like a session (tests drive it without sockets). */
  handle(message: FixMessage, session: OrderSession): void {
    // Reports go to sessions by key; a session is known from its first message on.
    if (!this.sessions.has(session.key)) this.sessions.set(session.key, session);
    if (this.closing) throw new VenueClosing('the venue is shutting down');
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

  // -------------------------------------------------------------------------------------------
  // Requests

  private onNewOrder(message: FixMessage, session: OrderSession): void {
    const version = versionOf(session);
    const clOrdID = requiredClOrdID(message);
    const reject = (code: RejectCode, detail: string) => (execId: string, transactTime: number) =>
      orderRejectedReport(version, message, undefined, code, detail, { execId, transactTime });
    if (this.options.core.registry.isClOrdIdUsed(session.key, clOrdID)) return this.answer(session, reject(RejectCode.DuplicateClOrdId, `ClOrdID ${clOrdID}`));
    if (this.overRate(session)) return this.refuse(session, clOrdID, reject(RejectCode.OrderRateExceeded, this.rateText()));
    const decoded = decodeNewOrder(message, (symbol) => this.options.core.instrument(symbol));
    if (!decoded.ok) return this.refuse(session, clOrdID, reject(decoded.code, decoded.detail));
    const order = decoded.request;
    this.submit(
      {
        kind: 'new',
        session: session.key,
        clOrdId: clOrdID,
        ...(order.account !== undefined ? { account: order.account } : {}),
        accountName: order.account ?? session.id.targetCompID,
        symbol: order.instrument.symbol,
        side: order.side,
        type: order.type,
        tif: order.tif,
        price: order.price,
        qty: order.qty,
        stopPrice: order.stopPrice,
        displayQty: order.displayQty,
        postOnly: order.postOnly,
        stp: this.options.stp,
      },
      { message },
    );
  }

  private onCancel(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const target = this.options.core.registry.isClOrdIdUsed(session.key, clOrdID) ? duplicate(clOrdID) : this.resolveTarget(message, session);
    if (!target.ok) return this.refuseChange(session, CxlRejResponseTo.Cancel, message, clOrdID, target);
    const { record, ids } = target;
    this.submit({ kind: 'cancel', session: session.key, clOrdId: clOrdID, origClOrdId: ids.origClOrdID, orderId: record.orderId });
  }

  private onReplace(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const target = this.options.core.registry.isClOrdIdUsed(session.key, clOrdID) ? duplicate(clOrdID) : this.resolveTarget(message, session);
    if (!target.ok) return this.refuseChange(session, CxlRejResponseTo.Replace, message, clOrdID, target);
    if (this.overRate(session)) return this.refuseChange(session, CxlRejResponseTo.Replace, message, clOrdID, { code: RejectCode.OrderRateExceeded, detail: this.rateText(), record: target.record });
    const decoded = decodeReplace(message, target.record);
    if (!decoded.ok) return this.refuseChange(session, CxlRejResponseTo.Replace, message, clOrdID, { ...decoded, record: target.record });
    const change = decoded.request;
    this.submit({
      kind: 'replace',
      session: session.key,
      clOrdId: clOrdID,
      origClOrdId: change.origClOrdID,
      orderId: target.record.orderId,
      qty: change.qty,
      price: change.price,
      ...(change.stopPrice !== undefined ? { stopPrice: change.stopPrice } : {}),
    });
  }

  private onStatus(message: FixMessage, session: OrderSession): void {
    const version = versionOf(session);
    const request = decodeStatus(message);
    const found = this.lookUp(session, request.clOrdID, request.orderID);
    if (found === undefined) {
      const text = rejectText(RejectCode.UnknownOrder, `no order with ClOrdID ${request.clOrdID} in this session`);
      return this.answer(session, (execId, transactTime) => unknownOrderStatusReport(version, request, { execId, transactTime, text }));
    }
    this.answer(session, (execId, transactTime) => executionReport(version, found, 'status', { execId, transactTime }));
  }

  private onMassCancel(message: FixMessage, session: OrderSession): void {
    const clOrdID = requiredClOrdID(message);
    const requestType = message.get(Tag.MassCancelRequestType) ?? '';
    const report =
      (extra: { symbol?: string; side?: string; code?: RejectCode; detail?: string }, affected?: number) =>
      (reportId: string, transactTime: number): OutgoingMessage =>
        massCancelReport({ reportId, clOrdID, requestType: requestType === '' ? '7' : requestType, affected, transactTime, ...extra });
    if (this.options.core.registry.isClOrdIdUsed(session.key, clOrdID)) return this.answer(session, report({ code: RejectCode.DuplicateClOrdId, detail: `ClOrdID ${clOrdID}` }));
    const decoded = decodeMassCancel(message, (symbol) => this.options.core.instrument(symbol));
    if (!decoded.ok) return this.refuse(session, clOrdID, report({ code: decoded.code, detail: decoded.detail }));
    const { symbol, side, sideText } = decoded.request;
    const { sequenced, result } = this.submit({
      kind: 'massCancel',
      session: session.key,
      clOrdId: clOrdID,
      ...(symbol !== undefined ? { symbol } : {}),
      ...(side !== undefined ? { side } : {}),
    });
    const extra = { ...(symbol !== undefined ? { symbol } : {}), ...(sideText !== undefined ? { side: sideText } : {}) };
    this.answerAfter(sequenced, session, report(extra, result.affected ?? 0));
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
    const registry = this.options.core.registry;
    const byClOrdId = clOrdID === '' ? undefined : registry.byClOrdId(session.key, clOrdID);
    if (byClOrdId !== undefined) return byClOrdId;
    if (orderID === undefined || !/^\d{1,15}$/.test(orderID)) return undefined;
    const byOrderId = registry.byId(Number(orderID));
    return byOrderId?.sessionKey === session.key ? byOrderId : undefined;
  }

  /** Answers a cancel or replace that cannot go ahead; its ClOrdID stays taken (unless it was a duplicate). */
  /**
   * Counts a new order or replace against the session's limit, in one-second windows; true when it
   * is over. Cancels are never limited: a client must always be able to get out.
   */
  private overRate(session: OrderSession): boolean {
    const limit = this.options.maxOrdersPerSecond;
    if (limit === undefined) return false;
    const now = this.options.clock.now();
    let window = this.rateWindows.get(session.key);
    if (window === undefined) this.rateWindows.set(session.key, (window = { start: now, count: 0 }));
    else if (now - window.start >= 1000) {
      window.start = now;
      window.count = 0;
    }
    return ++window.count > limit;
  }

  private rateText(): string {
    return `more than ${this.options.maxOrdersPerSecond} new orders and replaces in a second on this session; slow down and resend`;
  }

  private refuseChange(
    session: OrderSession,
    responseTo: (typeof CxlRejResponseTo)[keyof typeof CxlRejResponseTo],
    message: FixMessage,
    clOrdID: string,
    failure: { code: RejectCode; detail: string; record?: OrderRecord | undefined; tooLate?: boolean | undefined },
  ): void {
    const account = message.get(Tag.Account);
    const reject = (_execId: string, transactTime: number): OutgoingMessage =>
      orderCancelReject(versionOf(session), {
        responseTo,
        clOrdID: message.get(Tag.ClOrdID) ?? '',
        origClOrdID: message.get(Tag.OrigClOrdID) ?? '',
        record: failure.record,
        code: failure.code,
        detail: failure.detail,
        ...(failure.tooLate === true ? { tooLate: true } : {}),
        ...(account !== undefined && account !== '' ? { account } : {}),
        transactTime,
      });
    if (failure.code === RejectCode.DuplicateClOrdId) this.answer(session, reject);
    else this.refuse(session, clOrdID, reject);
  }

  // -------------------------------------------------------------------------------------------
  // Commands and answers

  private submit(command: UnsequencedCommand, context: LiveContext = {}): { sequenced: SequencedCommand; result: ApplyResult } {
    return this.options.sequencer.submit(command, context);
  }

  /** A refused request: its ClOrdID is spent (a journaled command), and the answer follows that command. */
  private refuse(session: OrderSession, clOrdID: string, build: (execId: string, transactTime: number) => OutgoingMessage): void {
    const { sequenced } = this.submit({ kind: 'refuse', session: session.key, clOrdId: clOrdID });
    this.answerAfter(sequenced, session, build);
  }

  private answerAfter(sequenced: SequencedCommand, session: OrderSession, build: (execId: string, transactTime: number) => OutgoingMessage): void {
    const message = build(this.options.core.execIds.take(sequenced.seq), sequenced.time);
    this.options.outbox.push(sequenced.seq, () => this.sendNow(session, message));
  }

  /** An answer that changes nothing: it describes the state after the last command, so it waits for that one. */
  private answer(session: OrderSession, build: (execId: string, transactTime: number) => OutgoingMessage): void {
    const seq = this.options.sequencer.lastSeq;
    const message = build(this.options.core.execIds.take(seq), this.options.clock.now());
    this.options.outbox.push(seq, () => this.sendNow(session, message));
  }

  private deliver(sessionKey: string, message: OutgoingMessage): void {
    let session = this.sessions.get(sessionKey);
    if (session === undefined) {
      session = this.options.sessionFor?.(sessionKey);
      if (session === undefined) {
        this.log(`no session ${sessionKey} to send ${message.msgType} to; dropped`);
        return;
      }
      this.sessions.set(sessionKey, session);
    }
    this.sendNow(session, message);
  }

  private sendNow(session: OrderSession, message: OutgoingMessage): void {
    try {
      session.send(message);
    } catch (e) {
      this.log(`could not send ${message.msgType} to ${session.key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** A cancel or replace target, or why there is none. */
type Target =
  | { readonly ok: true; readonly record: OrderRecord; readonly ids: CancelRequest }
  | { readonly ok: false; readonly code: RejectCode; readonly detail: string; readonly record?: OrderRecord; readonly tooLate?: boolean };

/** BusinessMessageReject (j) as the session layer words it (QuickFIX's texts). */
function businessMessageReject(message: FixMessage, reason: number, field: number | undefined): OutgoingMessage {
  const text = BUSINESS_REJECT_TEXT[reason];
  const reject = new OutgoingMessage(MsgType.BusinessMessageReject);
  reject.set(Tag.RefSeqNum, message.get(Tag.MsgSeqNum) ?? '');
  if (text !== undefined) reject.set(Tag.Text, field !== undefined ? `${text} (${field})` : text);
  reject.set(Tag.RefMsgType, message.msgType);
  reject.set(Tag.BusinessRejectReason, reason);
  return reject;
}

const duplicate = (clOrdID: string): Target => ({ ok: false, code: RejectCode.DuplicateClOrdId, detail: `ClOrdID ${clOrdID}` });

function requiredClOrdID(message: FixMessage): string {
  const clOrdID = message.get(Tag.ClOrdID);
  // The session answers a missing required field with a reject naming the tag.
  if (clOrdID === undefined || clOrdID === '') throw new FieldNotFound(Tag.ClOrdID);
  return clOrdID;
}
