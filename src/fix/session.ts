// The FIX session layer: sequence numbers, logon and logout, heartbeats and test requests, gap
// detection with ResendRequest, answering resends from the store, SequenceReset, and session-level
// rejects. It follows QuickFIX's Session (Session::next, nextLogon, verify, ...) decision for
// decision and text for text, because counterparties and the acceptance transcripts expect exactly
// that behaviour; the places where it deliberately differs say so.
//
// A Session knows nothing about sockets: it is given a Transport when a connection is attached and
// reports everything it sends through it. Time comes from an injected clock and scheduler, so a test
// can drive heartbeats and timeouts without waiting.
import { timingSafeEqual } from 'node:crypto';
import type { ClockScheduler, TimerHandle } from '../shared/clock.js';
import { type Field, encodeMessage, encodeMessageFlat, formatUtcTimestamp, parseUtcTimestamp } from './encoder.js';
import { parseMessage } from './codec.js';
import type { FixMessage } from './fix-message.js';
import type { MessageStore } from './message-store.js';
import { BUSINESS_REJECT_TEXT, BusinessRejectReason, rejectBodyFields, SessionRejectReason, sessionReject } from './reject-reasons.js';
import { type SessionID, type SessionSettings, sessionKey } from './session-settings.js';
import { ADMIN_MSG_TYPES, MsgType, STANDARD_HEADER_TAGS, Tag } from './tags.js';

// ---------------------------------------------------------------------------------------------
// What an application may throw from its callbacks, and what the session does about it.

/** From fromAdmin on a Logon: refuse it. The session sends a Logout with this text and disconnects. */
export class RejectLogon extends Error {}

/** From toApp: do not send this message (nor resend it; a resend becomes a gap fill). */
export class DoNotSend extends Error {}

/** From fromApp: the application does not handle this message type (BusinessMessageReject 3). */
export class UnsupportedMessageType extends Error {}

/** From fromApp/fromAdmin: a field the application needs is missing. */
export class FieldNotFound extends Error {
  constructor(readonly field: number) {
    super(`field ${field} not found`);
  }
}

/** From fromApp/fromAdmin: a field has a value the application does not accept (Reject 5). */
export class IncorrectTagValue extends Error {
  constructor(readonly field: number) {
    super(`incorrect value for field ${field}`);
  }
}

/** From fromApp/fromAdmin: a field's value is not in its type's format (Reject 6). */
export class IncorrectDataFormat extends Error {
  constructor(readonly field: number) {
    super(`incorrect data format for field ${field}`);
  }
}

/** A message the session refuses at session level (Reject, 35=3), e.g. from the dictionary check. */
export class SessionReject extends Error {
  constructor(
    readonly reason: number,
    readonly field?: number,
  ) {
    super(`session reject ${reason}${field === undefined ? '' : ` (tag ${field})`}`);
  }
}

class UnsupportedVersion extends Error {}

// ---------------------------------------------------------------------------------------------
// Collaborators

/** The connection a session talks through. */
export interface Transport {
  send(data: Buffer): void;
  /** Closes the connection (after what was sent has been flushed, where possible). */
  disconnect(): void;
}

/** The application above the session, as QuickFIX's Application. */
export interface Application {
  onCreate(session: Session): void;
  onLogon(session: Session): void;
  onLogout(session: Session): void;
  /** Every admin message about to be sent; may add fields (e.g. credentials to a Logon). */
  toAdmin(message: OutgoingMessage, session: Session): void;
  /** Every admin message received and accepted by the session. May throw RejectLogon on a Logon. */
  fromAdmin(message: FixMessage, session: Session): void;
  /** Every application message about to be sent, resends included (43=Y); may throw DoNotSend. */
  toApp(message: OutgoingMessage, session: Session): void;
  /** Every application message received in sequence. Never sees admin messages. */
  fromApp(message: FixMessage, session: Session): void;
}

/** An application that accepts sessions and supports no application messages. */
export class BaseApplication implements Application {
  onCreate(_session: Session): void {}
  onLogon(_session: Session): void {}
  onLogout(_session: Session): void {}
  toAdmin(_message: OutgoingMessage, _session: Session): void {}
  fromAdmin(_message: FixMessage, _session: Session): void {}
  toApp(_message: OutgoingMessage, _session: Session): void {}
  fromApp(_message: FixMessage, _session: Session): void {
    throw new UnsupportedMessageType();
  }
}

/** What a dictionary check found wrong with a message. */
export interface ValidationFailure {
  /** SessionRejectReason (373). */
  readonly reason: number;
  /** The offending tag (371), when there is one. */
  readonly refTagId?: number;
  readonly text?: string;
}

/** Checks a received message against a data dictionary; undefined when it passes. */
export type MessageValidator = (message: FixMessage) => ValidationFailure | undefined;

export interface SessionLog {
  onIncoming(raw: Buffer): void;
  onOutgoing(raw: Buffer): void;
  onEvent(text: string): void;
}

export const NULL_LOG: SessionLog = { onIncoming() {}, onOutgoing() {}, onEvent() {} };

// ---------------------------------------------------------------------------------------------
// Outgoing messages

type MutableField = [number, string];

const NO_FIELDS: readonly Field[] = [];

/**
 * A message being built to send. The session fills in BeginString, CompIDs, MsgSeqNum and
 * SendingTime; header fields go out in ascending tag order after 8, 9, 35, body fields in the order
 * they were added (a caller that wants QuickFIX's ascending body order sorts with
 * `sortFieldsForSend`, which keeps repeating groups together).
 */
export class OutgoingMessage {
  readonly header: MutableField[] = [];
  private pairs: MutableField[] | undefined;
  // A body given as parallel tag and value arrays stays that way until something asks for the
  // pairs: the encoder reads it as it is, and no pair is allocated per field.
  private tags: number[] | undefined = undefined;
  private values: string[] | undefined = undefined;

  constructor(
    readonly msgType: string,
    body: Iterable<Field> = [],
  ) {
    const pairs: MutableField[] = [];
    for (const [tag, value] of body) pairs.push([tag, String(value)]);
    this.pairs = pairs;
  }

  /** A message around a body that is already final: values as sent, in send order, not copied. */
  static withBody(msgType: string, tags: number[], values: string[]): OutgoingMessage {
    const m = new OutgoingMessage(msgType, NO_FIELDS);
    m.pairs = undefined;
    m.tags = tags;
    m.values = values;
    return m;
  }

  /** Body fields in send order. */
  get body(): MutableField[] {
    if (this.pairs === undefined) {
      const tags = this.tags ?? [];
      const values = this.values ?? [];
      const pairs: MutableField[] = [];
      for (let i = 0; i < tags.length; i++) pairs.push([tags[i], values[i]]);
      this.pairs = pairs;
      this.tags = undefined;
      this.values = undefined;
    }
    return this.pairs;
  }

  /** The body as parallel arrays, when it was built that way and nothing has asked for pairs since. */
  flatBody(): { readonly tags: readonly number[]; readonly values: readonly string[] } | undefined {
    return this.pairs === undefined && this.tags !== undefined && this.values !== undefined ? { tags: this.tags, values: this.values } : undefined;
  }

  getHeader(tag: number): string | undefined {
    return find(this.header, tag);
  }

  setHeader(tag: number, value: string | number): this {
    put(this.header, tag, String(value));
    return this;
  }

  removeHeader(tag: number): this {
    remove(this.header, tag);
    return this;
  }

  get(tag: number): string | undefined {
    if (this.pairs === undefined && this.tags !== undefined && this.values !== undefined) {
      const i = this.tags.indexOf(tag);
      return i < 0 ? undefined : this.values[i];
    }
    return find(this.body, tag);
  }

  /** Replaces the first occurrence of `tag` in the body, or appends it. */
  set(tag: number, value: string | number): this {
    put(this.body, tag, String(value));
    return this;
  }

  /** Appends a body field even if the tag is already present (repeating groups). */
  append(tag: number, value: string | number): this {
    this.body.push([tag, String(value)]);
    return this;
  }

  remove(tag: number): this {
    remove(this.body, tag);
    return this;
  }
}

function find(fields: MutableField[], tag: number): string | undefined {
  for (const f of fields) if (f[0] === tag) return f[1];
  return undefined;
}

function put(fields: MutableField[], tag: number, value: string): void {
  for (const f of fields) {
    if (f[0] === tag) {
      f[1] = value;
      return;
    }
  }
  fields.push([tag, value]);
}

function remove(fields: MutableField[], tag: number): void {
  if (fields.length === 0) return;
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i][0] === tag) fields.splice(i, 1);
}

const HOP_MEMBERS: ReadonlySet<number> = new Set([Tag.HopCompID, Tag.HopSendingTime, Tag.HopRefID]);

/** Header fields in ascending tag order, the NoHops group kept behind its count. */
function sortHeader(header: readonly MutableField[]): readonly MutableField[] {
  // The session fills its own fields in ascending order, so most headers need no sorting at all.
  let sorted = true;
  for (let i = 0, prev = -1; i < header.length; i++) {
    const tag = header[i][0];
    if (tag < prev || tag === Tag.BeginString || tag === Tag.BodyLength || tag === Tag.MsgType || tag === Tag.CheckSum || tag === Tag.NoHops) {
      sorted = false;
      break;
    }
    prev = tag;
  }
  if (sorted) return header;
  type Block = { tag: number; seq: number; fields: MutableField[] };
  const blocks: Block[] = [];
  for (let i = 0; i < header.length; i++) {
    const f = header[i];
    if (f[0] === Tag.BeginString || f[0] === Tag.BodyLength || f[0] === Tag.MsgType || f[0] === Tag.CheckSum) continue;
    const block: Block = { tag: f[0], seq: i, fields: [f] };
    if (f[0] === Tag.NoHops) while (i + 1 < header.length && HOP_MEMBERS.has(header[i + 1][0])) block.fields.push(header[++i]);
    blocks.push(block);
  }
  blocks.sort((a, b) => a.tag - b.tag || a.seq - b.seq);
  return blocks.flatMap((b) => b.fields);
}

/** Routing fields of a received header turned around for the reply (QuickFIX's reverseRoute). */
const REVERSE_ROUTE: ReadonlyArray<readonly [number, number]> = [
  [Tag.OnBehalfOfCompID, Tag.DeliverToCompID],
  [Tag.OnBehalfOfSubID, Tag.DeliverToSubID],
  [Tag.DeliverToCompID, Tag.OnBehalfOfCompID],
  [Tag.DeliverToSubID, Tag.OnBehalfOfSubID],
];

function reverseRoute(reply: OutgoingMessage, received: FixMessage): void {
  const beginString = received.get(Tag.BeginString);
  if (beginString !== undefined && beginString >= 'FIX.4.1') {
    const onBehalfOfLocation = received.get(Tag.OnBehalfOfLocationID);
    if (onBehalfOfLocation) reply.setHeader(Tag.DeliverToLocationID, onBehalfOfLocation);
    const deliverToLocation = received.get(Tag.DeliverToLocationID);
    if (deliverToLocation) reply.setHeader(Tag.OnBehalfOfLocationID, deliverToLocation);
  }
  for (const [from, to] of REVERSE_ROUTE) {
    const v = received.get(from);
    if (v) reply.setHeader(to, v);
  }
}

// ---------------------------------------------------------------------------------------------
// The session

export interface SessionOptions {
  /** Validated settings (see parseSessionSettings). */
  readonly settings: SessionSettings;
  /** The session's identity; defaults to the settings' CompIDs (which must not be "any" then). */
  readonly id?: SessionID;
  readonly application: Application;
  readonly store: MessageStore;
  readonly clock: ClockScheduler;
  /** An initiator sends the Logon; an acceptor answers one. */
  readonly initiator?: boolean;
  /** Dictionary check for received messages; used when settings.validate is on. */
  readonly validator?: MessageValidator;
  readonly log?: SessionLog;
  /** How often the heartbeat / timeout logic runs while connected (QuickFIX: once a second). */
  readonly timerIntervalMs?: number;
  /** Out-of-order messages held while waiting for a resend; beyond this the session logs out. */
  readonly maxQueuedMessages?: number;
}

const DEFAULT_MAX_QUEUED = 10_000;

export class Session {
  readonly id: SessionID;
  readonly key: string;
  readonly settings: SessionSettings;
  readonly initiator: boolean;

  private readonly application: Application;
  private readonly store: MessageStore;
  private readonly clock: ClockScheduler;
  private readonly validator: MessageValidator | undefined;
  private readonly log: SessionLog;
  private readonly timerIntervalMs: number;
  private readonly maxQueued: number;
  private readonly withMillis: boolean;

  // SessionState
  private enabled = true;
  private receivedLogonFlag = false;
  private sentLogonFlag = false;
  private sentLogoutFlag = false;
  private sentReset = false;
  private receivedReset = false;
  private testRequestCount = 0;
  private resendBegin = 0;
  private resendEnd = 0;
  private heartBtIntSec: number;
  private lastSentTime: number;
  private lastReceivedTime: number;
  private logoutReason = '';
  private readonly queue = new Map<number, FixMessage>();
  private draining = false;

  private transport: Transport | null = null;
  private timer: TimerHandle | null = null;

  constructor(options: SessionOptions) {
    const s = options.settings;
    this.settings = s;
    this.id = options.id ?? { beginString: s.beginString, senderCompID: s.senderCompID, targetCompID: s.targetCompID };
    this.key = sessionKey(this.id);
    this.initiator = options.initiator ?? false;
    this.application = options.application;
    this.store = options.store;
    this.clock = options.clock;
    this.validator = s.validate ? options.validator : undefined;
    this.log = options.log ?? NULL_LOG;
    this.timerIntervalMs = options.timerIntervalMs ?? 1000;
    this.maxQueued = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED;
    this.withMillis = s.millisecondsInTimeStamp && this.id.beginString >= 'FIX.4.2';
    this.heartBtIntSec = this.initiator ? s.heartBtInt : 0;
    const now = this.clock.now();
    this.lastSentTime = now;
    this.lastReceivedTime = now;
    this.application.onCreate(this);
    this.log.onEvent('Created session');
  }

  // -------------------------------------------------------------------------------------------
  // State queries

  isLoggedOn(): boolean {
    return this.receivedLogonFlag && this.sentLogonFlag;
  }

  isConnected(): boolean {
    return this.transport !== null;
  }

  receivedLogon(): boolean {
    return this.receivedLogonFlag;
  }

  sentLogon(): boolean {
    return this.sentLogonFlag;
  }

  sentLogout(): boolean {
    return this.sentLogoutFlag;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  getExpectedSenderNum(): number {
    return this.store.getNextSenderMsgSeqNum();
  }

  getExpectedTargetNum(): number {
    return this.store.getNextTargetMsgSeqNum();
  }

  /** HeartBtInt in force, seconds. */
  get heartBtInt(): number {
    return this.heartBtIntSec;
  }

  /** Messages received ahead of a gap and held until it is filled. */
  get queuedMessages(): number {
    return this.queue.size;
  }

  // -------------------------------------------------------------------------------------------
  // Control

  /** Allows logons again after `logout` (an initiator then logs on at the next timer tick). */
  logon(): void {
    this.enabled = true;
    this.logoutReason = '';
  }

  /** Logs out (at the next timer tick) and refuses logons until `logon`. */
  logout(reason = ''): void {
    this.enabled = false;
    this.logoutReason = reason;
  }

  /** Sends a Logout now (if connected and none was sent); the connection closes on the reply or after logoutTimeout. */
  logoutNow(reason = ''): void {
    if (this.transport === null || this.sentLogoutFlag) return;
    this.generateLogout(reason);
  }

  /** Logs out, disconnects and starts a new sequence-number epoch. */
  reset(): void {
    if (this.transport !== null) this.generateLogout();
    this.disconnect();
    this.store.reset();
  }

  setNextSenderMsgSeqNum(n: number): void {
    this.store.setNextSenderMsgSeqNum(n);
  }

  setNextTargetMsgSeqNum(n: number): void {
    this.store.setNextTargetMsgSeqNum(n);
  }

  /**
   * Attaches a connection. Returns false when one is attached already: a session has at most one
   * counterparty connection at a time.
   */
  connect(transport: Transport): boolean {
    if (this.transport !== null) return false;
    this.transport = transport;
    const now = this.clock.now();
    this.lastReceivedTime = now;
    this.lastSentTime = now;
    this.timer = this.clock.setInterval(() => this.onTimer(), this.timerIntervalMs);
    if (this.initiator) this.onTimer();
    return true;
  }

  /** Drops the connection and ends the logon (QuickFIX's Session::disconnect). */
  disconnect(): void {
    if (this.transport !== null) {
      this.log.onEvent('Disconnecting');
      const t = this.transport;
      this.transport = null;
      t.disconnect();
    }
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
    if (this.receivedLogonFlag || this.sentLogonFlag) {
      this.receivedLogonFlag = false;
      this.sentLogonFlag = false;
      this.application.onLogout(this);
    }
    this.sentLogoutFlag = false;
    this.receivedReset = false;
    this.sentReset = false;
    this.queue.clear();
    this.logoutReason = '';
    if (this.settings.resetOnDisconnect) this.store.reset();
    this.resendBegin = 0;
    this.resendEnd = 0;
  }

  /** Sends an application (or admin) message; PossDupFlag and OrigSendingTime are removed first. */
  send(message: OutgoingMessage): boolean {
    message.removeHeader(Tag.PossDupFlag);
    message.removeHeader(Tag.OrigSendingTime);
    return this.sendRaw(message, 0);
  }

  // -------------------------------------------------------------------------------------------
  // Input

  /** A message framed and parsed from the connection. */
  receive(message: FixMessage): void {
    this.log.onIncoming(message.raw);
    this.next(message, false);
  }

  /**
   * Bytes that are not a valid message (bad BodyLength, CheckSum, structure). They are ignored and
   * consume no sequence number, except that a garbled Logon, or anything garbled before the logon
   * completes, ends the connection (QuickFIX's Session::next and SocketConnection::readMessages).
   */
  receiveGarbled(reason: string, raw: Buffer, msgType?: string): void {
    this.log.onIncoming(raw);
    this.log.onEvent(`Garbled message ignored: ${reason}`);
    if (msgType === MsgType.Logon) {
      this.log.onEvent('Logon message is not valid');
      this.disconnect();
    } else if (!this.isLoggedOn()) {
      this.disconnect();
    }
  }

  /** The periodic check: logon, logout timeout, heartbeat, test request, heartbeat timeout. */
  onTimer(): void {
    if (!this.enabled) {
      if (!this.isLoggedOn()) return;
      if (!this.sentLogoutFlag) {
        this.log.onEvent('Initiated logout request');
        this.generateLogout(this.logoutReason);
      }
    }

    const now = this.clock.now();
    if (!this.receivedLogonFlag) {
      if (this.shouldSendLogon()) {
        this.generateLogon();
        this.log.onEvent('Initiated logon request');
      } else if (this.alreadySentLogon() && now - this.lastReceivedTime >= this.settings.logonTimeout * 1000) {
        this.log.onEvent('Timed out waiting for logon response');
        this.disconnect();
      }
      return;
    }

    const hb = this.heartBtIntSec * 1000;
    if (hb === 0) return;

    if (this.sentLogoutFlag && now - this.lastSentTime >= this.settings.logoutTimeout * 1000) {
      this.log.onEvent('Timed out waiting for logout response');
      this.disconnect();
      // QuickFIX carries on here and may generate a heartbeat for a session that is gone.
      return;
    }

    if (now - this.lastSentTime < hb && now - this.lastReceivedTime < hb) return;

    if (now - this.lastReceivedTime >= 2.4 * hb) {
      this.log.onEvent('Timed out waiting for heartbeat');
      this.disconnect();
    } else if (now - this.lastReceivedTime >= 1.2 * (this.testRequestCount + 1) * hb) {
      this.generateTestRequest('TEST');
      this.testRequestCount++;
      this.log.onEvent('Sent test request TEST');
    } else if (now - this.lastSentTime >= hb && this.testRequestCount === 0) {
      this.generateHeartbeat();
    }
  }

  // -------------------------------------------------------------------------------------------
  // Session::next(const Message&)

  private next(message: FixMessage, queued: boolean): void {
    try {
      this.dispatch(message);
    } catch (e) {
      this.handleError(e, message);
    }
    if (!queued) this.nextQueued();
    if (this.isLoggedOn()) this.onTimer();
  }

  private dispatch(message: FixMessage): void {
    const msgType = message.get(Tag.MsgType);
    if (msgType === undefined) throw new FieldNotFound(Tag.MsgType);
    const beginString = message.get(Tag.BeginString);
    if (beginString === undefined) throw new FieldNotFound(Tag.BeginString);
    if (!message.has(Tag.SenderCompID)) throw new FieldNotFound(Tag.SenderCompID);
    if (!message.has(Tag.TargetCompID)) throw new FieldNotFound(Tag.TargetCompID);
    if (beginString !== this.id.beginString) throw new UnsupportedVersion();

    if (this.validator !== undefined) {
      const failure = this.validator(message);
      if (failure !== undefined) throw new SessionReject(failure.reason, rejectField(failure));
    }

    switch (msgType) {
      case MsgType.Logon:
        return this.nextLogon(message);
      case MsgType.Heartbeat:
        return this.nextHeartbeat(message);
      case MsgType.TestRequest:
        return this.nextTestRequest(message);
      case MsgType.SequenceReset:
        return this.nextSequenceReset(message);
      case MsgType.Logout:
        return this.nextLogout(message);
      case MsgType.ResendRequest:
        return this.nextResendRequest(message);
      case MsgType.Reject:
        return this.nextReject(message);
      default:
        if (!this.verify(message)) return;
        this.store.incrNextTargetMsgSeqNum();
    }
  }

  /** QuickFIX's catch clauses of Session::next. A reject that cannot be sent is only logged (LOGEX). */
  private handleError(e: unknown, message: FixMessage): void {
    const msgType = message.get(Tag.MsgType) ?? '';
    const isApp = msgType !== '' && !ADMIN_MSG_TYPES.has(msgType);
    const logged = (fn: () => void): void => {
      try {
        fn();
      } catch (inner) {
        this.log.onEvent(errorText(inner));
      }
    };
    if (e instanceof SessionReject) {
      logged(() => this.generateReject(message, e.reason, e.field ?? 0));
    } else if (e instanceof FieldNotFound) {
      if (this.id.beginString >= 'FIX.4.2' && isApp) {
        logged(() => this.generateBusinessReject(message, BusinessRejectReason.ConditionallyRequiredFieldMissing, e.field));
      } else {
        logged(() => this.generateReject(message, SessionRejectReason.RequiredTagMissing, e.field));
        if (msgType === MsgType.Logon) {
          this.log.onEvent('Required field missing from logon');
          this.disconnect();
        }
      }
    } else if (e instanceof IncorrectTagValue) {
      logged(() => this.generateReject(message, SessionRejectReason.ValueIsIncorrect, e.field));
    } else if (e instanceof IncorrectDataFormat) {
      logged(() => this.generateReject(message, SessionRejectReason.IncorrectDataFormatForValue, e.field));
    } else if (e instanceof UnsupportedMessageType) {
      if (this.id.beginString >= 'FIX.4.2') logged(() => this.generateBusinessReject(message, BusinessRejectReason.UnsupportedMessageType));
      else logged(() => this.generateTextReject(message, 'Unsupported message type'));
    } else if (e instanceof RejectLogon) {
      this.log.onEvent(e.message);
      this.generateLogout(e.message);
      this.disconnect();
    } else if (e instanceof UnsupportedVersion) {
      if (msgType === MsgType.Logout) {
        logged(() => this.nextLogout(message));
      } else {
        this.generateLogout('Incorrect BeginString');
        this.store.incrNextTargetMsgSeqNum();
      }
    } else {
      // A failing application callback: QuickFIX lets it escape and kill the reading thread. Here
      // the message counts as received (so the sequence does not stall) and an application message
      // is answered with "Application Not Available".
      this.log.onEvent(`Error while processing message: ${errorText(e)}`);
      if (isApp && message.msgSeqNum === this.getExpectedTargetNum()) {
        logged(() => this.generateBusinessReject(message, BusinessRejectReason.ApplicationNotAvailable));
      } else if (message.msgSeqNum === this.getExpectedTargetNum() && this.isLoggedOn()) {
        this.store.incrNextTargetMsgSeqNum();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Per message type

  private nextLogon(logon: FixMessage): void {
    if (!this.enabled) {
      this.log.onEvent('Session is not enabled for logon');
      this.disconnect();
      return;
    }

    const resetSeqNumFlag = logon.get(Tag.ResetSeqNumFlag) === 'Y';
    this.receivedReset = resetSeqNumFlag;
    if (this.receivedReset) {
      this.log.onEvent('Logon contains ResetSeqNumFlag=Y, reseting sequence numbers to 1');
      if (!this.sentReset) this.store.reset();
    }

    if (this.shouldSendLogon() && !this.receivedReset) {
      this.log.onEvent('Received logon response before sending request');
      this.disconnect();
      return;
    }

    if (!this.initiator && this.settings.resetOnLogon) this.store.reset();

    // QuickFIX reads HeartBtInt after verify and fails there; checking first keeps a Logon without a
    // usable HeartBtInt from half-establishing the session.
    const heartBtInt = logon.getInt(Tag.HeartBtInt);
    if (heartBtInt === undefined || heartBtInt < 0) throw new FieldNotFound(Tag.HeartBtInt);

    if (!this.verify(logon, false, true, () => this.checkPassword(logon))) return;
    this.receivedLogonFlag = true;

    if (!this.initiator || (this.receivedReset && !this.sentReset)) {
      this.heartBtIntSec = heartBtInt;
      this.log.onEvent('Received logon request');
      this.generateLogonReply(heartBtInt);
      this.log.onEvent('Responding to logon request');
    } else {
      this.log.onEvent('Received logon response');
    }

    this.sentReset = false;
    this.receivedReset = false;

    const msgSeqNum = logon.msgSeqNum;
    if (this.isTargetTooHigh(msgSeqNum) && !resetSeqNumFlag) {
      this.doTargetTooHigh(logon);
    } else {
      this.store.incrNextTargetMsgSeqNum();
      this.nextQueued();
    }

    if (this.isLoggedOn()) this.application.onLogon(this);
  }

  private nextHeartbeat(heartbeat: FixMessage): void {
    if (!this.verify(heartbeat)) return;
    this.store.incrNextTargetMsgSeqNum();
    this.nextQueued();
  }

  private nextTestRequest(testRequest: FixMessage): void {
    if (!this.verify(testRequest)) return;
    this.generateHeartbeat(testRequest.get(Tag.TestReqID));
    this.store.incrNextTargetMsgSeqNum();
    this.nextQueued();
  }

  private nextLogout(logout: FixMessage): void {
    if (!this.verify(logout, false, false)) return;
    if (!this.sentLogoutFlag) {
      this.log.onEvent('Received logout request');
      this.generateLogout();
      this.log.onEvent('Sending logout response');
    } else {
      this.log.onEvent('Received logout response');
    }
    this.store.incrNextTargetMsgSeqNum();
    if (this.settings.resetOnLogout) this.store.reset();
    this.disconnect();
  }

  private nextReject(reject: FixMessage): void {
    if (!this.verify(reject, false, true)) return;
    this.store.incrNextTargetMsgSeqNum();
    this.nextQueued();
  }

  private nextSequenceReset(sequenceReset: FixMessage): void {
    const isGapFill = sequenceReset.get(Tag.GapFillFlag) === 'Y';
    if (!this.verify(sequenceReset, isGapFill, isGapFill)) return;

    const newSeqNo = sequenceReset.getInt(Tag.NewSeqNo);
    if (newSeqNo === undefined) return;
    const expected = this.getExpectedTargetNum();
    this.log.onEvent(`Received SequenceReset FROM: ${expected} TO: ${newSeqNo}`);
    if (newSeqNo > expected) this.store.setNextTargetMsgSeqNum(newSeqNo);
    else if (newSeqNo < expected) this.generateReject(sequenceReset, SessionRejectReason.ValueIsIncorrect);
  }

  private nextResendRequest(resendRequest: FixMessage): void {
    if (!this.verify(resendRequest, false, false)) return;

    const beginSeqNo = resendRequest.getInt(Tag.BeginSeqNo);
    if (beginSeqNo === undefined) throw new FieldNotFound(Tag.BeginSeqNo);
    let endSeqNo = resendRequest.getInt(Tag.EndSeqNo);
    if (endSeqNo === undefined) throw new FieldNotFound(Tag.EndSeqNo);
    this.log.onEvent(`Received ResendRequest FROM: ${beginSeqNo} TO: ${endSeqNo}`);

    const beginString = this.id.beginString;
    const nextSender = this.getExpectedSenderNum();
    if ((beginString >= 'FIX.4.2' && endSeqNo === 0) || (beginString <= 'FIX.4.2' && endSeqNo === 999999) || endSeqNo >= nextSender) {
      endSeqNo = nextSender - 1;
    }

    if (!this.settings.persistMessages) {
      this.generateSequenceReset(beginSeqNo, Math.min(endSeqNo + 1, nextSender));
    } else {
      this.generateRetransmits(beginSeqNo, endSeqNo);
    }

    const msgSeqNum = resendRequest.msgSeqNum;
    if (!this.isTargetTooHigh(msgSeqNum) && !this.isTargetTooLow(msgSeqNum)) this.store.incrNextTargetMsgSeqNum();
  }

  private generateRetransmits(beginSeqNo: number, endSeqNo: number): void {
    const messages = this.store.get(beginSeqNo, endSeqNo);
    let msgSeqNum = 0;
    let begin = 0;
    let current = beginSeqNo;
    let appMessageJustSent = false;

    for (const stored of messages) {
      appMessageJustSent = false;
      const parsed = parseMessage(stored.raw);
      msgSeqNum = stored.seqNum;
      if (current !== msgSeqNum && begin === 0) begin = current;
      const msgType = parsed?.msgType;
      if (parsed === undefined || msgType === undefined || ADMIN_MSG_TYPES.has(msgType)) {
        if (begin === 0) begin = msgSeqNum;
      } else {
        const resent = this.resend(parsed);
        if (resent !== undefined) {
          if (begin !== 0) this.generateSequenceReset(begin, msgSeqNum);
          this.sendBytes(resent);
          this.log.onEvent(`Resending Message: ${msgSeqNum}`);
          begin = 0;
          appMessageJustSent = true;
        } else if (begin === 0) {
          begin = msgSeqNum;
        }
      }
      current = msgSeqNum + 1;
    }
    if (begin !== 0) this.generateSequenceReset(begin, msgSeqNum + 1);

    if (endSeqNo > msgSeqNum) {
      const newSeqNo = Math.min(endSeqNo + 1, this.store.getNextSenderMsgSeqNum());
      this.generateSequenceReset(appMessageJustSent ? msgSeqNum + 1 : beginSeqNo, newSeqNo);
    }
  }

  /** A stored application message made ready to go again: PossDupFlag, OrigSendingTime, new SendingTime. */
  private resend(stored: FixMessage): Buffer | undefined {
    const message = new OutgoingMessage(stored.msgType);
    for (let i = 0; i < stored.fieldCount; i++) {
      const tag = stored.tagAt(i);
      if (tag === Tag.BeginString || tag === Tag.BodyLength || tag === Tag.MsgType || tag === Tag.CheckSum) continue;
      (STANDARD_HEADER_TAGS.has(tag) ? message.header : message.body).push([tag, stored.valueAt(i)]);
    }
    const sendingTime = message.getHeader(Tag.SendingTime);
    if (sendingTime !== undefined) message.setHeader(Tag.OrigSendingTime, sendingTime);
    message.setHeader(Tag.PossDupFlag, 'Y');
    message.setHeader(Tag.SendingTime, this.timestamp(this.clock.now()));
    try {
      this.application.toApp(message, this);
    } catch (e) {
      if (e instanceof DoNotSend) return undefined;
      throw e;
    }
    return this.encode(message);
  }

  // -------------------------------------------------------------------------------------------
  // verify

  /**
   * The checks every received message passes before it counts: logon state, SendingTime, CompIDs,
   * sequence number (too high: queue and ask for a resend; too low: PossDup handling or logout).
   * On success hands the message to the application. `beforeCallback` runs between the checks and
   * the application callback (used for the Logon password).
   */
  private verify(msg: FixMessage, checkTooHigh = true, checkTooLow = true, beforeCallback?: () => void): boolean {
    const msgType = msg.get(Tag.MsgType) ?? '';
    try {
      const senderCompID = msg.get(Tag.SenderCompID);
      const targetCompID = msg.get(Tag.TargetCompID);
      const sendingTimeText = msg.get(Tag.SendingTime);
      if (senderCompID === undefined || targetCompID === undefined) throw new Error('CompID missing');
      if (sendingTimeText === undefined) throw new Error('SendingTime missing');
      const sendingTime = parseUtcTimestamp(sendingTimeText);
      if (sendingTime === undefined) throw new Error(`SendingTime is not a UTCTimestamp: ${sendingTimeText}`);
      const msgSeqNum = msg.msgSeqNum;
      if ((checkTooHigh || checkTooLow) && Number.isNaN(msgSeqNum)) throw new Error('MsgSeqNum missing');

      if (!this.validLogonState(msgType)) throw new Error('Logon state is not valid for message');

      if (!this.isGoodTime(sendingTime)) {
        this.doBadTime(msg);
        return false;
      }
      if (!this.isCorrectCompID(senderCompID, targetCompID)) {
        this.doBadCompID(msg);
        return false;
      }

      if (checkTooHigh && this.isTargetTooHigh(msgSeqNum)) {
        this.doTargetTooHigh(msg);
        return false;
      } else if (checkTooLow && this.isTargetTooLow(msgSeqNum)) {
        this.doTargetTooLow(msg);
        return false;
      }

      if ((checkTooHigh || checkTooLow) && this.resendRequested() && msgSeqNum >= this.resendEnd) {
        this.log.onEvent(`ResendRequest for messages FROM: ${this.resendBegin} TO: ${this.resendEnd} has been satisfied.`);
        this.resendBegin = 0;
        this.resendEnd = 0;
      }
    } catch (e) {
      this.log.onEvent(errorText(e));
      this.disconnect();
      return false;
    }

    this.lastReceivedTime = this.clock.now();
    this.testRequestCount = 0;

    beforeCallback?.();
    if (ADMIN_MSG_TYPES.has(msgType)) this.application.fromAdmin(msg, this);
    else this.application.fromApp(msg, this);
    return true;
  }

  private validLogonState(msgType: string): boolean {
    if ((msgType === MsgType.Logon && this.sentReset) || this.receivedReset) return true;
    if ((msgType === MsgType.Logon && !this.receivedLogonFlag) || (msgType !== MsgType.Logon && this.receivedLogonFlag)) return true;
    if (msgType === MsgType.Logout && this.sentLogonFlag) return true;
    if (msgType !== MsgType.Logout && this.sentLogoutFlag) return true;
    if (msgType === MsgType.SequenceReset) return true;
    if (msgType === MsgType.Reject) return true;
    return false;
  }

  /** Whole seconds, as QuickFIX's UtcTimeStamp difference: 120.9 s off is still within 120. */
  private isGoodTime(sendingTime: number): boolean {
    if (!this.settings.checkLatency) return true;
    const diff = Math.floor(this.clock.now() / 1000) - Math.floor(sendingTime / 1000);
    return Math.abs(diff) <= this.settings.maxLatency;
  }

  private isCorrectCompID(senderCompID: string, targetCompID: string): boolean {
    if (!this.settings.checkCompId) return true;
    return this.id.senderCompID === targetCompID && this.id.targetCompID === senderCompID;
  }

  private isTargetTooHigh(msgSeqNum: number): boolean {
    return msgSeqNum > this.getExpectedTargetNum();
  }

  private isTargetTooLow(msgSeqNum: number): boolean {
    return msgSeqNum < this.getExpectedTargetNum();
  }

  private resendRequested(): boolean {
    return !(this.resendBegin === 0 && this.resendEnd === 0);
  }

  private doBadTime(msg: FixMessage): void {
    this.generateReject(msg, SessionRejectReason.SendingTimeAccuracyProblem);
    this.generateLogout();
  }

  private doBadCompID(msg: FixMessage): void {
    this.generateReject(msg, SessionRejectReason.CompIdProblem);
    this.generateLogout();
  }

  private doPossDup(msg: FixMessage): boolean {
    if (msg.msgType !== MsgType.SequenceReset) {
      const origText = msg.get(Tag.OrigSendingTime);
      if (origText === undefined) {
        this.generateReject(msg, SessionRejectReason.RequiredTagMissing, Tag.OrigSendingTime);
        return false;
      }
      const orig = parseUtcTimestamp(origText);
      const sending = parseUtcTimestamp(msg.get(Tag.SendingTime) ?? '');
      if (orig === undefined) throw new Error(`OrigSendingTime is not a UTCTimestamp: ${origText}`);
      if (sending !== undefined && orig > sending) {
        this.generateReject(msg, SessionRejectReason.SendingTimeAccuracyProblem);
        this.generateLogout();
        return false;
      }
    }
    return true;
  }

  /** Throws (and so disconnects, from verify) unless the message is a possible duplicate. */
  private doTargetTooLow(msg: FixMessage): boolean {
    if (msg.get(Tag.PossDupFlag) !== 'Y') {
      const text = `MsgSeqNum too low, expecting ${this.getExpectedTargetNum()} but received ${msg.get(Tag.MsgSeqNum) ?? ''}`;
      this.generateLogout(text);
      throw new Error(text);
    }
    return this.doPossDup(msg);
  }

  private doTargetTooHigh(msg: FixMessage): void {
    const msgSeqNum = msg.msgSeqNum;
    this.log.onEvent(`MsgSeqNum too high, expecting ${this.getExpectedTargetNum()} but received ${msgSeqNum}`);
    // Deliberately bounded (QuickFIX's queue is not): a counterparty that keeps skipping ahead
    // cannot make the venue hold an unlimited number of messages.
    if (this.queue.size >= this.maxQueued && !this.queue.has(msgSeqNum)) {
      this.generateLogout('Too many messages received out of sequence');
      throw new Error('queue of out-of-sequence messages is full');
    }
    this.queue.set(msgSeqNum, msg);

    if (this.resendRequested() && !this.settings.sendRedundantResendRequests && msgSeqNum >= this.resendBegin) {
      this.log.onEvent(`Already sent ResendRequest FROM: ${this.resendBegin} TO: ${this.resendEnd}.  Not sending another.`);
      return;
    }
    this.generateResendRequest(msgSeqNum);
  }

  /**
   * Processes held messages while the next expected one is held. Iterative rather than QuickFIX's
   * recursion, so a long queue cannot overflow the stack; the order of processing is the same.
   */
  private nextQueued(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (true) {
        const num = this.getExpectedTargetNum();
        const msg = this.queue.get(num);
        if (msg === undefined) break;
        this.queue.delete(num);
        this.log.onEvent(`Processing QUEUED message: ${num}`);
        const msgType = msg.msgType;
        if (msgType === MsgType.Logon || msgType === MsgType.ResendRequest) this.store.incrNextTargetMsgSeqNum();
        else this.next(msg, true);
      }
    } finally {
      this.draining = false;
    }
  }

  private checkPassword(logon: FixMessage): void {
    const expected = this.settings.password;
    if (expected === undefined || this.initiator) return;
    const given = this.id.beginString >= 'FIX.4.3' ? logon.get(Tag.Password) : logon.get(Tag.RawData);
    if (given === undefined || !sameSecret(given, expected)) throw new RejectLogon('Invalid password');
  }

  // -------------------------------------------------------------------------------------------
  // Output

  private shouldSendLogon(): boolean {
    return this.initiator && !this.sentLogonFlag;
  }

  private alreadySentLogon(): boolean {
    return this.initiator && this.sentLogonFlag;
  }

  private shouldSendReset(): boolean {
    const s = this.settings;
    return (
      this.id.beginString >= 'FIX.4.1' &&
      (s.resetOnLogon || s.resetOnLogout || s.resetOnDisconnect) &&
      this.getExpectedSenderNum() === 1 &&
      this.getExpectedTargetNum() === 1
    );
  }

  private timestamp(ms: number): string {
    return formatUtcTimestamp(ms, this.withMillis);
  }

  /** Session::fill: identity, next sequence number, SendingTime. */
  private fill(message: OutgoingMessage): void {
    const now = this.clock.now();
    this.lastSentTime = now;
    const header = message.header;
    const seq = String(this.getExpectedSenderNum());
    const sendingTime = this.timestamp(now);
    if (header.length === 0) {
      // In ascending tag order, so that encoding needs no sort.
      header.push([Tag.MsgSeqNum, seq], [Tag.SenderCompID, this.id.senderCompID], [Tag.SendingTime, sendingTime], [Tag.TargetCompID, this.id.targetCompID]);
      return;
    }
    message.setHeader(Tag.SenderCompID, this.id.senderCompID);
    message.setHeader(Tag.TargetCompID, this.id.targetCompID);
    message.setHeader(Tag.MsgSeqNum, seq);
    message.setHeader(Tag.SendingTime, sendingTime);
  }

  private encode(message: OutgoingMessage): Buffer {
    const flat = message.flatBody();
    if (flat !== undefined) return encodeMessageFlat(this.id.beginString, message.msgType, sortHeader(message.header), flat.tags, flat.values);
    return encodeMessage(this.id.beginString, message.msgType, sortHeader(message.header), message.body);
  }

  /**
   * Session::sendRaw. With `num`, the message goes out under that sequence number and is not stored
   * (gap fills); otherwise it takes the next number and is stored for resends even when it cannot be
   * sent now.
   */
  private sendRaw(message: OutgoingMessage, num: number): boolean {
    const msgType = message.msgType;
    this.fill(message);
    if (num !== 0) message.setHeader(Tag.MsgSeqNum, num);

    if (ADMIN_MSG_TYPES.has(msgType)) {
      this.application.toAdmin(message, this);
      if (msgType === MsgType.Logon && !this.receivedReset) {
        const resetSeqNumFlag = message.get(Tag.ResetSeqNumFlag) === 'Y';
        if (resetSeqNumFlag) {
          this.store.reset();
          message.setHeader(Tag.MsgSeqNum, this.getExpectedSenderNum());
        }
        this.sentReset = resetSeqNumFlag;
      }
      const raw = this.encode(message);
      if (num === 0) this.persist(message, raw);
      if (
        msgType === MsgType.Logon ||
        msgType === MsgType.Logout ||
        msgType === MsgType.ResendRequest ||
        msgType === MsgType.SequenceReset ||
        this.isLoggedOn()
      ) {
        this.sendBytes(raw);
      }
      return true;
    }

    // Application messages sent before a logon that resets sequence numbers would only be thrown away.
    if (!this.isLoggedOn() && this.shouldSendReset()) return false;
    try {
      this.application.toApp(message, this);
    } catch (e) {
      if (e instanceof DoNotSend) return false;
      throw e;
    }
    const raw = this.encode(message);
    if (num === 0) this.persist(message, raw);
    if (this.isLoggedOn()) this.sendBytes(raw);
    return true;
  }

  private persist(message: OutgoingMessage, raw: Buffer): void {
    const seq = Number(message.getHeader(Tag.MsgSeqNum));
    if (this.settings.persistMessages) this.store.set(seq, raw);
    this.store.incrNextSenderMsgSeqNum();
  }

  private sendBytes(raw: Buffer): boolean {
    const t = this.transport;
    if (t === null) return false;
    this.log.onOutgoing(raw);
    t.send(raw);
    return true;
  }

  private generateLogon(): void {
    const logon = new OutgoingMessage(MsgType.Logon);
    if (this.settings.resetOnLogon) this.store.reset();
    const password = this.settings.password;
    if (password !== undefined && this.id.beginString < 'FIX.4.3') {
      logon.set(Tag.RawDataLength, Buffer.byteLength(password, 'utf8'));
      logon.set(Tag.RawData, password);
    }
    logon.set(Tag.EncryptMethod, 0);
    logon.set(Tag.HeartBtInt, this.settings.heartBtInt);
    if (this.shouldSendReset()) logon.set(Tag.ResetSeqNumFlag, 'Y');
    if (password !== undefined && this.id.beginString >= 'FIX.4.3') logon.set(Tag.Password, password);
    this.heartBtIntSec = this.settings.heartBtInt;
    this.lastReceivedTime = this.clock.now();
    this.testRequestCount = 0;
    this.sentLogonFlag = true;
    this.sendRaw(logon, 0);
  }

  private generateLogonReply(heartBtInt: number): void {
    const logon = new OutgoingMessage(MsgType.Logon);
    logon.set(Tag.EncryptMethod, 0);
    logon.set(Tag.HeartBtInt, heartBtInt);
    if (this.receivedReset) logon.set(Tag.ResetSeqNumFlag, 'Y');
    this.sendRaw(logon, 0);
    this.sentLogonFlag = true;
  }

  private generateResendRequest(msgSeqNum: number): void {
    const beginSeqNo = this.getExpectedTargetNum();
    const beginString = this.id.beginString;
    const endSeqNo = beginString >= 'FIX.4.2' ? 0 : beginString <= 'FIX.4.1' ? 999999 : msgSeqNum - 1;
    const request = new OutgoingMessage(MsgType.ResendRequest, [
      [Tag.BeginSeqNo, beginSeqNo],
      [Tag.EndSeqNo, endSeqNo],
    ]);
    this.sendRaw(request, 0);
    this.log.onEvent(`Sent ResendRequest FROM: ${beginSeqNo} TO: ${endSeqNo}`);
    this.resendBegin = beginSeqNo;
    this.resendEnd = msgSeqNum - 1;
  }

  private generateSequenceReset(beginSeqNo: number, endSeqNo: number): void {
    const reset = new OutgoingMessage(MsgType.SequenceReset, [
      [Tag.NewSeqNo, endSeqNo],
      [Tag.GapFillFlag, 'Y'],
    ]);
    reset.setHeader(Tag.PossDupFlag, 'Y');
    // OrigSendingTime is set equal to the SendingTime `fill` writes: there is no original.
    const sendingTime = this.timestamp(this.clock.now());
    reset.setHeader(Tag.OrigSendingTime, sendingTime);
    this.sendRawAt(reset, beginSeqNo, sendingTime);
    this.log.onEvent(`Sent SequenceReset TO: ${endSeqNo}`);
  }

  /** sendRaw under a fixed number with a SendingTime already chosen (so OrigSendingTime matches it). */
  private sendRawAt(message: OutgoingMessage, num: number, sendingTime: string): void {
    this.fill(message);
    message.setHeader(Tag.MsgSeqNum, num);
    message.setHeader(Tag.SendingTime, sendingTime);
    this.application.toAdmin(message, this);
    this.sendBytes(this.encode(message));
  }

  private generateHeartbeat(testReqID?: string): void {
    const heartbeat = new OutgoingMessage(MsgType.Heartbeat);
    if (testReqID !== undefined) heartbeat.set(Tag.TestReqID, testReqID);
    this.sendRaw(heartbeat, 0);
  }

  private generateTestRequest(id: string): void {
    this.sendRaw(new OutgoingMessage(MsgType.TestRequest, [[Tag.TestReqID, id]]), 0);
  }

  /** Session-level Reject (35=3), QuickFIX's generateReject(message, err, field). */
  private generateReject(message: FixMessage, err: number, field = 0): void {
    const beginString = this.id.beginString;
    const reject = new OutgoingMessage(MsgType.Reject);
    reverseRoute(reject, message);

    const msgType = message.get(Tag.MsgType) ?? '';
    const msgSeqNumText = message.get(Tag.MsgSeqNum);
    if (msgType !== MsgType.Logon && msgType !== MsgType.SequenceReset && message.msgSeqNum === this.getExpectedTargetNum()) {
      this.store.incrNextTargetMsgSeqNum();
    }
    const info = sessionReject(err, field);
    const body = new Map<number, string>();
    for (const [tag, value] of rejectBodyFields(beginString, info, { msgSeqNum: msgSeqNumText, msgType })) body.set(tag, String(value));
    this.log.onEvent(`Message ${msgSeqNumText ?? ''} Rejected${info.text === '' ? '' : `: ${info.text}`}${field !== 0 ? `:${field}` : ''}`);

    if (!this.receivedLogonFlag) throw new Error('Tried to send a reject while not logged on');
    for (const tag of [...body.keys()].sort((a, b) => a - b)) reject.set(tag, body.get(tag) as string);
    this.sendRaw(reject, 0);
  }

  /** Reject with free text (FIX 4.0/4.1 "Unsupported message type"). */
  private generateTextReject(message: FixMessage, text: string): void {
    const reject = new OutgoingMessage(MsgType.Reject);
    reverseRoute(reject, message);
    const msgType = message.get(Tag.MsgType) ?? '';
    reject.set(Tag.RefSeqNum, message.get(Tag.MsgSeqNum) ?? '0');
    reject.set(Tag.Text, text);
    if (this.id.beginString >= 'FIX.4.2') reject.set(Tag.RefMsgType, msgType);
    if (msgType !== MsgType.Logon && msgType !== MsgType.SequenceReset) this.store.incrNextTargetMsgSeqNum();
    this.sendRaw(reject, 0);
  }

  /** BusinessMessageReject (35=j). */
  private generateBusinessReject(message: FixMessage, err: number, field = 0): void {
    const reject = new OutgoingMessage(MsgType.BusinessMessageReject);
    const msgSeqNumText = message.get(Tag.MsgSeqNum) ?? '';
    const reason = BUSINESS_REJECT_TEXT[err];
    reject.set(Tag.RefSeqNum, msgSeqNumText);
    if (reason !== undefined) reject.set(Tag.Text, field !== 0 ? `${reason} (${field})` : reason);
    reject.set(Tag.RefMsgType, message.get(Tag.MsgType) ?? '');
    reject.set(Tag.BusinessRejectReason, err);
    this.store.incrNextTargetMsgSeqNum();
    this.log.onEvent(`Message ${msgSeqNumText} Rejected: ${reason ?? ''}${field !== 0 ? `:${field}` : ''}`);
    this.sendRaw(reject, 0);
  }

  private generateLogout(text = ''): void {
    const logout = new OutgoingMessage(MsgType.Logout);
    if (text.length > 0) logout.set(Tag.Text, text);
    this.sendRaw(logout, 0);
    this.sentLogoutFlag = true;
  }
}

/**
 * The RefTagID a validation failure carries into the Reject. QuickFIX's InvalidMessageType has no
 * field, so its reject carries no 371 even when the validator names tag 35.
 */
function rejectField(failure: ValidationFailure): number | undefined {
  if (failure.reason === SessionRejectReason.InvalidMsgType) return undefined;
  return failure.refTagId;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
