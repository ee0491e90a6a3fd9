// The session state machine driven directly: messages in, bytes out through an in-memory transport,
// time from a ManualClock, so heartbeats and timeouts are tested in microseconds. The acceptance
// transcripts (transcripts.test.ts) cover the same rules over TCP against QuickFIX's expectations;
// these tests pin each rule on its own, plus the parts the transcripts never reach (initiator,
// passwords, DoNotSend, queue limits).
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { parseMessage } from '../../src/fix/codec.js';
import { encodeMessage, formatUtcTimestamp, type Field } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { MemoryMessageStore } from '../../src/fix/message-store.js';
import { dictionaryValidator } from '../../src/fix/reflector.js';
import {
  BaseApplication,
  DoNotSend,
  OutgoingMessage,
  RejectLogon,
  Session,
  type Transport,
} from '../../src/fix/session.js';
import { parseSessionSettings, type SessionSettingsInput } from '../../src/fix/session-settings.js';

class MemoryTransport implements Transport {
  readonly sent: FixMessage[] = [];
  disconnected = false;
  send(data: Buffer): void {
    const m = parseMessage(data);
    if (m === undefined) throw new Error(`session sent an invalid message: ${data.toString('latin1')}`);
    this.sent.push(m);
  }
  disconnect(): void {
    this.disconnected = true;
  }
  /** Messages sent since the last call. */
  take(): FixMessage[] {
    return this.sent.splice(0);
  }
}

class RecordingApp extends BaseApplication {
  readonly events: string[] = [];
  readonly app: FixMessage[] = [];
  readonly admin: FixMessage[] = [];
  override onLogon(): void {
    this.events.push('logon');
  }
  override onLogout(): void {
    this.events.push('logout');
  }
  override fromAdmin(m: FixMessage): void {
    this.admin.push(m);
  }
  override fromApp(m: FixMessage, session: Session): void {
    if (m.msgType !== 'D') return super.fromApp(m, session);
    this.app.push(m);
  }
}

const BEGIN = 'FIX.4.4';

function setup(
  settings: Partial<SessionSettingsInput> = {},
  opts: { initiator?: boolean; validate?: boolean; app?: RecordingApp; maxQueued?: number; beginString?: 'FIX.4.2' | 'FIX.4.4' } = {},
) {
  const clock = new ManualClock();
  const store = new MemoryMessageStore(() => clock.now());
  const app = opts.app ?? new RecordingApp();
  const beginString = opts.beginString ?? BEGIN;
  const session = new Session({
    settings: parseSessionSettings({
      beginString,
      senderCompID: 'ISLD',
      targetCompID: 'TW',
      validate: opts.validate ?? false,
      ...settings,
    }),
    application: app,
    store,
    clock,
    initiator: opts.initiator ?? false,
    validator: dictionaryValidator(beginString),
    ...(opts.maxQueued !== undefined ? { maxQueuedMessages: opts.maxQueued } : {}),
  });
  const transport = new MemoryTransport();
  session.connect(transport);

  const ts = (offsetSec = 0): string => formatUtcTimestamp(clock.now() + offsetSec * 1000, true);
  /** A message from the counterparty TW. */
  const inbound = (msgType: string, seq: number | string, body: Field[] = [], header: Field[] = [], sendingTime = ts()): FixMessage => {
    const raw = encodeMessage(beginString, msgType, [[34, seq], [49, 'TW'], [52, sendingTime], [56, 'ISLD'], ...header], body);
    const m = parseMessage(raw);
    if (m === undefined) throw new Error('test built an invalid message');
    return m;
  };
  const receive = (msgType: string, seq: number | string, body: Field[] = [], header: Field[] = [], sendingTime?: string): void =>
    session.receive(inbound(msgType, seq, body, header, sendingTime));
  const logon = (seq = 1, body: Field[] = [[98, 0], [108, 30]]): void => receive('A', seq, body);
  const order = (seq: number, clOrdID = `o${seq}`, header: Field[] = []): void =>
    receive('D', seq, [[11, clOrdID], [21, 1], [38, 100], [40, 1], [54, 1], [55, 'AAPL'], [60, ts()]], header);
  return { clock, store, app, session, transport, ts, inbound, receive, logon, order };
}

const field = (m: FixMessage, tag: number): string | undefined => m.get(tag);
const types = (ms: FixMessage[]): string => ms.map((m) => m.msgType).join(',');

describe('Session: logon', () => {
  it('answers a Logon with a Logon carrying the counterparty HeartBtInt, and reports the logon', () => {
    const t = setup();
    t.logon(1, [[98, 0], [108, 17]]);
    const [reply] = t.transport.take();
    expect(reply.msgType).toBe('A');
    expect(reply.msgSeqNum).toBe(1);
    expect(field(reply, 49)).toBe('ISLD');
    expect(field(reply, 56)).toBe('TW');
    expect(field(reply, 98)).toBe('0');
    expect(field(reply, 108)).toBe('17');
    expect(field(reply, 52)).toMatch(/^\d{8}-\d{2}:\d{2}:\d{2}\.\d{3}$/);
    expect(t.session.isLoggedOn()).toBe(true);
    expect(t.session.heartBtInt).toBe(17);
    expect(t.app.events).toEqual(['logon']);
    expect(t.session.getExpectedTargetNum()).toBe(2);
    expect(t.session.getExpectedSenderNum()).toBe(2);
  });

  it('disconnects silently when the first message is not a Logon', () => {
    const t = setup();
    t.receive('0', 1);
    expect(t.transport.take()).toEqual([]);
    expect(t.transport.disconnected).toBe(true);
    expect(t.session.isConnected()).toBe(false);
  });

  it('disconnects without a reply when the Logon SendingTime is off by more than 120 s', () => {
    const t = setup();
    t.receive('A', 1, [[98, 0], [108, 30]], [], t.ts(-121));
    expect(t.transport.take()).toEqual([]);
    expect(t.transport.disconnected).toBe(true);
  });

  it('answers a Logon with MsgSeqNum too high and then asks for the gap', () => {
    const t = setup();
    t.logon(5);
    const out = t.transport.take();
    expect(types(out)).toBe('A,2');
    expect([field(out[1], 7), field(out[1], 16)]).toEqual(['1', '0']);
    expect(t.session.isLoggedOn()).toBe(true);
  });

  it('with ResetOnLogon starts every logon at sequence number 1', () => {
    const t = setup({ resetOnLogon: true });
    t.logon();
    t.receive('1', 2, [[112, 'x']]);
    t.receive('5', 3);
    expect(t.transport.take().map((m) => m.msgSeqNum)).toEqual([1, 2, 3]);
    expect(t.transport.disconnected).toBe(true);

    const again = new MemoryTransport();
    t.session.connect(again);
    t.logon(1);
    expect(again.take().map((m) => [m.msgType, m.msgSeqNum])).toEqual([['A', 1]]);
    expect(t.session.isLoggedOn()).toBe(true);
  });

  it('answers a Logon with ResetSeqNumFlag=Y in the middle of a session with a reset Logon', () => {
    const t = setup();
    t.logon();
    t.receive('0', 2);
    t.receive('0', 3);
    t.transport.take();
    t.logon(1, [[98, 0], [108, 30], [141, 'Y']]);
    const [reply] = t.transport.take();
    expect([reply.msgType, reply.msgSeqNum, field(reply, 141)]).toEqual(['A', 1, 'Y']);
    expect(t.session.getExpectedTargetNum()).toBe(2);
  });

  it('checks the password: Password (554) in FIX 4.4', () => {
    const ok = setup({ password: 's3cret' });
    ok.logon(1, [[98, 0], [108, 30], [554, 's3cret']]);
    expect(ok.session.isLoggedOn()).toBe(true);

    const bad = setup({ password: 's3cret' });
    bad.logon(1, [[98, 0], [108, 30], [554, 'guess']]);
    const out = bad.transport.take();
    expect(types(out)).toBe('5');
    expect(field(out[0], 58)).toBe('Invalid password');
    expect(bad.transport.disconnected).toBe(true);
    expect(bad.app.events).toEqual([]);

    const missing = setup({ password: 's3cret' });
    missing.logon(1);
    expect(types(missing.transport.take())).toBe('5');
    expect(missing.transport.disconnected).toBe(true);
  });

  it('checks the password: RawData (96) in FIX 4.2', () => {
    const ok = setup({ password: 'pw' }, { beginString: 'FIX.4.2' });
    ok.logon(1, [[95, 2], [96, 'pw'], [98, 0], [108, 30]]);
    expect(ok.session.isLoggedOn()).toBe(true);
    const bad = setup({ password: 'pw' }, { beginString: 'FIX.4.2' });
    bad.logon(1, [[95, 2], [96, 'no'], [98, 0], [108, 30]]);
    expect(bad.session.isLoggedOn()).toBe(false);
    expect(bad.transport.disconnected).toBe(true);
  });

  it('lets the application refuse a Logon with RejectLogon', () => {
    class Refuse extends RecordingApp {
      override fromAdmin(m: FixMessage): void {
        if (m.msgType === 'A') throw new RejectLogon('not today');
      }
    }
    const t = setup({}, { app: new Refuse() });
    t.logon();
    const out = t.transport.take();
    expect(types(out)).toBe('5');
    expect(field(out[0], 58)).toBe('not today');
    expect(t.transport.disconnected).toBe(true);
  });
});

describe('Session: sequence numbers', () => {
  it('queues messages after a gap, asks for a resend once, and processes the queue in order when the gap fills', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.order(4);
    t.order(5);
    const out = t.transport.take();
    expect(types(out)).toBe('2');
    expect([field(out[0], 7), field(out[0], 16)]).toEqual(['2', '0']);
    expect(t.session.queuedMessages).toBe(2);
    t.order(2);
    t.order(3);
    expect(t.app.app.map((m) => m.msgSeqNum)).toEqual([2, 3, 4, 5]);
    expect(t.session.getExpectedTargetNum()).toBe(6);
    expect(t.session.queuedMessages).toBe(0);
  });

  it('logs out and disconnects on a MsgSeqNum too low without PossDupFlag', () => {
    const t = setup();
    t.logon();
    t.receive('0', 2);
    t.receive('0', 3);
    t.transport.take();
    t.receive('0', 2);
    const out = t.transport.take();
    expect(types(out)).toBe('5');
    expect(field(out[0], 58)).toBe('MsgSeqNum too low, expecting 4 but received 2');
    expect(t.transport.disconnected).toBe(true);
    expect(t.app.events).toEqual(['logon', 'logout']);
  });

  it('ignores a possible duplicate that was already received', () => {
    const t = setup();
    t.logon();
    t.order(2);
    t.transport.take();
    t.receive('D', 2, [[11, 'o2'], [21, 1], [40, 1], [54, 1], [55, 'X'], [60, t.ts()]], [[43, 'Y'], [122, t.ts(-1)]]);
    expect(t.transport.take()).toEqual([]);
    expect(t.app.app).toHaveLength(1);
    expect(t.session.getExpectedTargetNum()).toBe(3);
  });

  it('rejects a possible duplicate without OrigSendingTime (Required tag missing, 371=122) and keeps the sequence', () => {
    const t = setup();
    t.logon();
    t.order(2);
    t.transport.take();
    t.receive('D', 2, [[11, 'o2'], [21, 1], [40, 1], [54, 1], [55, 'X'], [60, t.ts()]], [[43, 'Y']]);
    const [reject] = t.transport.take();
    expect(reject.msgType).toBe('3');
    expect([field(reject, 45), field(reject, 58), field(reject, 371), field(reject, 372), field(reject, 373)]).toEqual([
      '2',
      'Required tag missing',
      '122',
      'D',
      '1',
    ]);
    expect(t.session.getExpectedTargetNum()).toBe(3);
  });

  it('rejects and logs out a possible duplicate whose OrigSendingTime is after its SendingTime', () => {
    const t = setup();
    t.logon();
    t.order(2);
    t.order(3);
    t.transport.take();
    t.receive('D', 2, [[11, 'o2'], [21, 1], [40, 1], [54, 1], [55, 'X'], [60, t.ts()]], [[43, 'Y'], [122, t.ts(10)]]);
    const out = t.transport.take();
    expect(types(out)).toBe('3,5');
    expect([field(out[0], 58), field(out[0], 373), field(out[0], 371)]).toEqual(['SendingTime accuracy problem', '10', undefined]);
  });

  it('applies a SequenceReset-GapFill and a SequenceReset-Reset, and rejects a reset to a lower number', () => {
    const t = setup();
    t.logon();
    t.receive('4', 2, [[36, 10], [123, 'Y']]);
    expect(t.session.getExpectedTargetNum()).toBe(10);
    t.receive('4', 0, [[36, 20]]);
    expect(t.session.getExpectedTargetNum()).toBe(20);
    t.transport.take();
    t.receive('4', 0, [[36, 5]]);
    const [reject] = t.transport.take();
    expect([reject.msgType, field(reject, 45), field(reject, 58), field(reject, 371), field(reject, 372), field(reject, 373)]).toEqual([
      '3',
      '0',
      'Value is incorrect (out of range) for this tag',
      undefined,
      '4',
      '5',
    ]);
    expect(t.session.getExpectedTargetNum()).toBe(20);
  });

  it('treats a garbled message as never received: no reply, no sequence number consumed', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.session.receiveGarbled('CheckSum (10) is 0 but the bytes sum to 17', Buffer.from('8=FIX.4.4\x019=5\x0135=0\x0110=000\x01'), '0');
    expect(t.transport.take()).toEqual([]);
    expect(t.transport.disconnected).toBe(false);
    t.receive('1', 2, [[112, 'after']]);
    const [hb] = t.transport.take();
    expect([hb.msgType, field(hb, 112)]).toEqual(['0', 'after']);
  });

  it('disconnects on a garbled Logon', () => {
    const t = setup();
    t.session.receiveGarbled('BodyLength', Buffer.from('8=FIX.4.4\x019=40\x0135=A\x01'), 'A');
    expect(t.transport.disconnected).toBe(true);
  });

  it('logs out when too many messages wait behind a gap', () => {
    const t = setup({}, { maxQueued: 3 });
    t.logon();
    t.transport.take();
    for (let seq = 10; seq < 14; seq++) t.receive('0', seq);
    const out = t.transport.take();
    expect(types(out)).toBe('2,5');
    expect(field(out[1], 58)).toBe('Too many messages received out of sequence');
    expect(t.transport.disconnected).toBe(true);
  });
});

describe('Session: resend', () => {
  it('resends application messages with PossDupFlag and OrigSendingTime and gap-fills admin messages', () => {
    const t = setup();
    t.logon();
    t.receive('1', 2, [[112, 'a']]); // our 2: heartbeat
    t.session.send(new OutgoingMessage('D', [[11, 'x'], [55, 'AAPL']])); // our 3
    t.session.send(new OutgoingMessage('D', [[11, 'y'], [55, 'MSFT']])); // our 4
    t.receive('1', 3, [[112, 'b']]); // our 5: heartbeat
    const original = t.transport.take();
    t.clock.advance(1500);
    t.receive('2', 4, [[7, 1], [16, 0]]);
    const out = t.transport.take();
    expect(out.map((m) => [m.msgType, m.msgSeqNum, field(m, 36)])).toEqual([
      ['4', 1, '3'],
      ['D', 3, undefined],
      ['D', 4, undefined],
      ['4', 5, '6'],
    ]);
    const resent = out[1];
    expect(field(resent, 43)).toBe('Y');
    expect(field(resent, 122)).toBe(field(original.find((m) => m.msgSeqNum === 3)!, 52));
    expect(field(resent, 52)).not.toBe(field(resent, 122));
    expect(field(resent, 11)).toBe('x');
    expect([field(out[0], 43), field(out[0], 123)]).toEqual(['Y', 'Y']);
    expect(resent.toString()).toMatch(/^8=FIX\.4\.4\|9=\d+\|35=D\|34=3\|43=Y\|49=ISLD\|52=[^|]+\|56=TW\|122=[^|]+\|11=x\|55=AAPL\|10=\d{3}\|$/);
    expect(t.session.getExpectedSenderNum()).toBe(6);
    expect(t.session.getExpectedTargetNum()).toBe(5);
  });

  it('turns a message the application will not resend (DoNotSend) into a gap fill', () => {
    class NoResend extends RecordingApp {
      override toApp(m: OutgoingMessage): void {
        if (m.getHeader(43) === 'Y') throw new DoNotSend();
      }
    }
    const t = setup({}, { app: new NoResend() });
    t.logon();
    t.session.send(new OutgoingMessage('D', [[11, 'x']]));
    t.transport.take();
    t.receive('2', 2, [[7, 2], [16, 2]]);
    const out = t.transport.take();
    expect(out.map((m) => [m.msgType, m.msgSeqNum, field(m, 36)])).toEqual([['4', 2, '3']]);
  });
});

describe('Session: heartbeats and test requests', () => {
  it('sends a Heartbeat after HeartBtInt of silence, a TestRequest after 1.2 intervals without input, and disconnects after 2.4', () => {
    const t = setup();
    t.logon(1, [[98, 0], [108, 10]]);
    t.transport.take();
    t.clock.advance(9_000);
    expect(t.transport.take()).toEqual([]);
    t.clock.advance(1_000);
    expect(types(t.transport.take())).toBe('0');
    t.clock.advance(2_000);
    const [tr] = t.transport.take();
    expect([tr.msgType, field(tr, 112)]).toEqual(['1', 'TEST']);
    t.clock.advance(11_000);
    expect(t.transport.disconnected).toBe(false);
    t.clock.advance(1_000);
    expect(t.transport.disconnected).toBe(true);
    expect(t.app.events).toEqual(['logon', 'logout']);
  });

  it('answers a TestRequest with its TestReqID; incoming traffic resets the test request', () => {
    const t = setup();
    t.logon(1, [[98, 0], [108, 10]]);
    t.transport.take();
    t.receive('1', 2, [[112, 'ping']]);
    const [hb] = t.transport.take();
    expect([hb.msgType, field(hb, 112)]).toEqual(['0', 'ping']);
    for (let i = 0; i < 10; i++) {
      t.clock.advance(5_000);
      t.receive('0', 3 + i);
    }
    expect(t.transport.disconnected).toBe(false);
    expect(t.transport.take().every((m) => m.msgType === '0')).toBe(true);
  });

  it('logout(): sends a Logout on the next tick and disconnects when no reply comes within logoutTimeout', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.session.logout('closing time');
    t.clock.advance(1_000);
    const [logout] = t.transport.take();
    expect([logout.msgType, field(logout, 58)]).toEqual(['5', 'closing time']);
    t.clock.advance(1_000);
    expect(t.transport.disconnected).toBe(false);
    t.clock.advance(1_000);
    expect(t.transport.disconnected).toBe(true);
  });

  it('answers a Logout with a Logout and disconnects', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.receive('5', 2);
    expect(types(t.transport.take())).toBe('5');
    expect(t.transport.disconnected).toBe(true);
  });
});

describe('Session: rejects', () => {
  it('answers an application message the application does not support with BusinessMessageReject 3', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.receive('8', 2, [[37, 'id']]);
    const [bmr] = t.transport.take();
    expect([bmr.msgType, field(bmr, 45), field(bmr, 58), field(bmr, 372), field(bmr, 380)]).toEqual(['j', '2', 'Unsupported Message Type', '8', '3']);
    expect(t.session.getExpectedTargetNum()).toBe(3);
  });

  it('never shows admin messages to fromApp', () => {
    const t = setup();
    t.logon();
    t.receive('0', 2);
    t.receive('1', 3, [[112, 'x']]);
    t.order(4);
    expect(t.app.app.map((m) => m.msgType)).toEqual(['D']);
    expect(t.app.admin.map((m) => m.msgType)).toEqual(['A', '0', '1']);
  });

  it('rejects a wrong CompID (373=9) and logs out', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.session.receive(
      parseMessage(encodeMessage(BEGIN, '0', [[34, 2], [49, 'XX'], [52, t.ts()], [56, 'ISLD']], []))!,
    );
    const out = t.transport.take();
    expect(types(out)).toBe('3,5');
    expect([field(out[0], 58), field(out[0], 373)]).toEqual(['CompID problem', '9']);
  });

  it('rejects a SendingTime more than 120 s away (373=10) and logs out', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.receive('0', 2, [], [], t.ts(125));
    const out = t.transport.take();
    expect(types(out)).toBe('3,5');
    expect(field(out[0], 373)).toBe('10');
  });

  it('answers a wrong BeginString with a Logout "Incorrect BeginString"', () => {
    const t = setup();
    t.logon();
    t.transport.take();
    t.session.receive(parseMessage(encodeMessage('FIX.4.2', '0', [[34, 2], [49, 'TW'], [52, t.ts()], [56, 'ISLD']], []))!);
    const [logout] = t.transport.take();
    expect([logout.msgType, field(logout, 58)]).toEqual(['5', 'Incorrect BeginString']);
  });

  it('with validation on, rejects a dictionary violation with QuickFIX reason and text, reversing the route', () => {
    const t = setup({}, { validate: true });
    t.logon();
    t.transport.take();
    t.receive('D', 2, [[11, 'a'], [21, 1], [38, 100], [40, 'w'], [54, 1], [55, 'X'], [60, t.ts().slice(0, 17)]], [[115, 'CLIENT']]);
    const [reject] = t.transport.take();
    expect(reject.toString().split('|').slice(2, -2).join('|')).toMatch(
      /^35=3\|34=2\|49=ISLD\|52=[^|]+\|56=TW\|128=CLIENT\|45=2\|58=Value is incorrect \(out of range\) for this tag\|371=40\|372=D\|373=5$/,
    );
    expect(t.session.getExpectedTargetNum()).toBe(3);
  });
});

describe('Session: initiator', () => {
  it('sends its Logon on connect (with ResetSeqNumFlag under ResetOnLogon) and logs on when answered', () => {
    const t = setup({ resetOnLogon: true, heartBtInt: 20 }, { initiator: true });
    const [logon] = t.transport.take();
    expect([logon.msgType, logon.msgSeqNum, field(logon, 108), field(logon, 141)]).toEqual(['A', 1, '20', 'Y']);
    t.logon(1, [[98, 0], [108, 20], [141, 'Y']]);
    expect(t.session.isLoggedOn()).toBe(true);
    expect(t.transport.take()).toEqual([]);
  });

  it('sends Password (554) in its FIX 4.4 Logon', () => {
    const t = setup({ password: 'pw' }, { initiator: true });
    expect(field(t.transport.take()[0], 554)).toBe('pw');
  });

  it('gives up when the Logon is not answered within logonTimeout', () => {
    const t = setup({ logonTimeout: 5 }, { initiator: true });
    t.clock.advance(4_000);
    expect(t.transport.disconnected).toBe(false);
    t.clock.advance(1_000);
    expect(t.transport.disconnected).toBe(true);
  });
});

describe('MemoryMessageStore', () => {
  it('keeps sent messages by sequence number and resets to 1', () => {
    const store = new MemoryMessageStore(() => 1000);
    store.set(3, Buffer.from('c'));
    store.set(1, Buffer.from('a'));
    store.set(7, Buffer.from('g'));
    expect(store.get(1, 5).map((m) => m.seqNum)).toEqual([1, 3]);
    expect(store.get(2, 1_000_000).map((m) => m.seqNum)).toEqual([3, 7]);
    store.incrNextSenderMsgSeqNum();
    store.setNextTargetMsgSeqNum(9);
    expect([store.getNextSenderMsgSeqNum(), store.getNextTargetMsgSeqNum()]).toEqual([2, 9]);
    store.reset();
    expect([store.getNextSenderMsgSeqNum(), store.getNextTargetMsgSeqNum(), store.size]).toEqual([1, 1, 0]);
    expect(() => store.setNextSenderMsgSeqNum(0)).toThrow();
  });
});

describe('session settings', () => {
  it('fills QuickFIX defaults and rejects bad values with every problem named', () => {
    const s = parseSessionSettings({ beginString: 'FIX.4.4', senderCompID: 'A', targetCompID: 'B' });
    expect([s.heartBtInt, s.resetOnLogon, s.validate, s.maxLatency, s.logonTimeout]).toEqual([30, false, true, 120, 10]);
    expect(() => parseSessionSettings({ beginString: 'FIX.4.3', senderCompID: 'A=', targetCompID: 'B', heartBtInt: -1 })).toThrow(
      /beginString.*senderCompID.*heartBtInt/,
    );
    expect(() => parseSessionSettings({ beginString: 'FIX.4.4', senderCompID: 'A', targetCompID: 'B', extra: 1 })).toThrow(/extra|Unrecognized/);
  });
});

describe('ManualClock', () => {
  it('fires timers in time order as it advances, intervals repeatedly, cancelled ones never', () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`t300@${clock.now()}`), 300);
    const every = clock.setInterval(() => log.push(`i100@${clock.now()}`), 100);
    const never = clock.setTimeout(() => log.push('never'), 50);
    never.cancel();
    clock.advance(350);
    every.cancel();
    clock.advance(1000);
    expect(log).toEqual(['i100@100', 'i100@200', 't300@300', 'i100@300']);
    expect(clock.now()).toBe(1350);
  });
});
