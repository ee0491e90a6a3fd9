// The acceptor and initiator over real sockets on 127.0.0.1: many sessions at once, a reader that
// stops reading, oversized messages, connections that never log on, reconnects. Every wait has a
// deadline so a regression fails instead of hanging.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FixAcceptor } from '../../src/fix/acceptor.js';
import { FixFramer } from '../../src/fix/codec.js';
import { encodeMessage, formatUtcTimestamp, type Field } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { FixInitiator } from '../../src/fix/initiator.js';
import { ReflectorApplication } from '../../src/fix/reflector.js';
import { BaseApplication, OutgoingMessage, type Session } from '../../src/fix/session.js';
import type { SessionSettingsInput } from '../../src/fix/session-settings.js';

const VENUE = 'VENUE';
const ANY: SessionSettingsInput = { beginString: 'FIX.4.4', senderCompID: VENUE, targetCompID: 'any', resetOnLogon: true };

/** A FIX client written against the wire, to do what a well-behaved initiator would not. */
class RawClient {
  private readonly framer = new FixFramer();
  private readonly inbox: FixMessage[] = [];
  private wake: (() => void) | null = null;
  private seq = 1;
  ended = false;

  private constructor(
    readonly socket: Socket,
    readonly compId: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) if (f.kind === 'message') this.inbox.push(f.message);
      this.notify();
    });
    const end = (): void => {
      this.ended = true;
      this.notify();
    };
    socket.on('close', end);
    socket.on('end', end);
    socket.on('error', end);
  }

  static open(port: number, compId: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new RawClient(socket, compId)));
      socket.once('error', reject);
    });
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  encode(msgType: string, body: Field[], seq = this.seq++): Buffer {
    const header: Field[] = [
      [34, seq],
      [49, this.compId],
      [52, formatUtcTimestamp(Date.now(), true)],
      [56, VENUE],
    ];
    return encodeMessage('FIX.4.4', msgType, header, body);
  }

  send(msgType: string, body: Field[] = []): void {
    this.socket.write(this.encode(msgType, body));
  }

  logon(heartBtInt = 30): void {
    this.send('A', [
      [98, 0],
      [108, heartBtInt],
    ]);
  }

  async next(timeoutMs = 5000): Promise<FixMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      if (this.ended) throw new Error(`${this.compId}: connection closed while waiting for a message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.compId}: no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.inbox.shift()!;
  }

  async closed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      // A closed connection may still hold messages for us; reading them lets the FIN through.
      this.inbox.length = 0;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.compId}: still connected after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function startAcceptor(options: Partial<ConstructorParameters<typeof FixAcceptor>[0]> = {}): Promise<{ acceptor: FixAcceptor; port: number; events: string[] }> {
  const events: string[] = [];
  const acceptor = new FixAcceptor({ sessions: [ANY], application: new BaseApplication(), onEvent: (e) => events.push(e), ...options });
  const port = await acceptor.listen(0);
  cleanup.push(() => acceptor.close());
  return { acceptor, port, events };
}

describe('FixAcceptor', () => {
  it('binds 127.0.0.1 on the port it reports', async () => {
    const { port } = await startAcceptor();
    expect(port).toBeGreaterThan(0);
    const c = await RawClient.open(port, 'C1');
    expect(c.socket.remoteAddress).toBe('127.0.0.1');
    c.destroy();
  });

  it('runs 200 concurrent sessions that log on and exchange heartbeats', async () => {
    let heartbeatsSeen = 0;
    class CountHeartbeats extends BaseApplication {
      override fromAdmin(m: FixMessage): void {
        if (m.msgType === '0') heartbeatsSeen++;
      }
    }
    const { acceptor, port } = await startAcceptor({ application: new CountHeartbeats(), maxUnauthenticated: 256 });
    const N = 200;
    const started = Date.now();
    const initiators = Array.from(
      { length: N },
      (_, i) =>
        new FixInitiator({
          settings: { beginString: 'FIX.4.4', senderCompID: `C${i}`, targetCompID: VENUE, heartBtInt: 1, resetOnLogon: true },
          port,
          application: new BaseApplication(),
          reconnectIntervalMs: 200,
        }),
    );
    cleanup.push(() => Promise.all(initiators.map((i) => i.stop())).then(() => undefined));
    for (const i of initiators) i.start();
    await Promise.all(initiators.map((i) => i.waitForLogon(15_000)));
    const loggedOnAfter = Date.now() - started;
    expect(acceptor.sessions.filter((s) => s.isLoggedOn())).toHaveLength(N);

    // HeartBtInt=1: within ~2.5 s every session has sent heartbeats both ways.
    const before = heartbeatsSeen;
    await waitFor('heartbeats from every session', () => heartbeatsSeen - before >= 2 * N, 8000);
    for (const s of acceptor.sessions) expect(s.getExpectedTargetNum()).toBeGreaterThan(2);
    for (const i of initiators) expect(i.session.getExpectedTargetNum()).toBeGreaterThan(2);
    expect(acceptor.sessions.every((s) => s.isLoggedOn())).toBe(true);
    console.log(`200 sessions logged on in ${loggedOnAfter} ms`);
  }, 40_000);

  it('cuts off a reader that stops reading, without stalling the other sessions', async () => {
    const { acceptor, port, events } = await startAcceptor({
      sessions: [{ ...ANY, validate: false }],
      application: new ReflectorApplication(),
      maxWriteBufferBytes: 4 * 1024 * 1024,
    });
    const slow = await RawClient.open(port, 'SLOW');
    const fast = await RawClient.open(port, 'FAST');
    cleanup.push(() => {
      slow.destroy();
      fast.destroy();
    });
    slow.logon();
    fast.logon();
    expect((await slow.next()).msgType).toBe('A');
    expect((await fast.next()).msgType).toBe('A');

    // The slow client stops reading and sends orders that the reflector echoes back at it.
    slow.socket.pause();
    const text = 'x'.repeat(16 * 1024);
    let n = 0;
    const order = (): Buffer =>
      slow.encode('D', [
        [11, `o${++n}`],
        [38, 1],
        [40, 1],
        [54, 1],
        [55, 'X'],
        [58, text],
        [60, formatUtcTimestamp(Date.now(), false)],
      ]);
    // Phase 1: 3 MB of echoes the slow client does not read, below the 4 MB cap: it is stuck, not cut off.
    for (let i = 0; i < 192; i++) slow.socket.write(order());
    const slowSession = (): Session | undefined => acceptor.sessions.find((s) => s.id.targetCompID === 'SLOW');
    await waitFor('the stuck orders to be echoed', () => (slowSession()?.getExpectedTargetNum() ?? 0) > 193, 10_000);

    // Meanwhile the fast client's test requests are answered promptly.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      fast.send('1', [[112, `ping${i}`]]);
      const hb = await fast.next(2000);
      expect([hb.msgType, hb.get(112)]).toEqual(['0', `ping${i}`]);
      latencies.push(Date.now() - t0);
    }
    expect(Math.max(...latencies)).toBeLessThan(500);
    expect(slowSession()?.isLoggedOn()).toBe(true);

    // Phase 2: it keeps sending; once its unsent echoes pass the cap it is cut off.
    const flood = (): void => {
      while (!slow.socket.destroyed && n < 20_000) {
        if (!slow.socket.write(order())) {
          slow.socket.once('drain', flood);
          return;
        }
      }
    };
    flood();
    await waitFor('the slow consumer to be cut off', () => acceptor.refused.get('slow-consumer') === 1, 20_000);
    expect(events.some((e) => e.includes('slow consumer'))).toBe(true);
    await waitFor('the slow session to be disconnected', () => slowSession()?.isConnected() === false);
    fast.send('1', [[112, 'after']]);
    expect((await fast.next(2000)).get(112)).toBe('after');
    expect(acceptor.sessions.find((s) => s.id.targetCompID === 'FAST')?.isLoggedOn()).toBe(true);
  }, 40_000);

  it('logs out and disconnects a session that sends a message over the size limit', async () => {
    const { port } = await startAcceptor({ sessions: [{ ...ANY, maxMessageSize: 4096, validate: false }] });
    const c = await RawClient.open(port, 'BIG');
    cleanup.push(() => c.destroy());
    c.logon();
    expect((await c.next()).msgType).toBe('A');
    c.send('1', [[112, 'y'.repeat(8000)]]);
    const logout = await c.next();
    expect([logout.msgType, logout.get(58)]).toEqual(['5', 'Message too large']);
    await c.closed();
  });

  it('drops an oversized first message without a reply', async () => {
    const { port, acceptor } = await startAcceptor({ sessions: [{ ...ANY, maxMessageSize: 4096 }] });
    const c = await RawClient.open(port, 'BIG');
    cleanup.push(() => c.destroy());
    c.send('A', [
      [98, 0],
      [108, 30],
      [58, 'z'.repeat(5000)],
    ]);
    await c.closed();
    await waitFor('the refusal to be counted', () => acceptor.refused.get('message-too-large') === 1);
  });

  it('caps connections that have not logged on, and closes them after the logon timeout', async () => {
    const { acceptor, port } = await startAcceptor({ maxUnauthenticated: 3, logonTimeoutMs: 400 });
    const idle = await Promise.all([1, 2, 3].map((i) => RawClient.open(port, `IDLE${i}`)));
    cleanup.push(() => idle.forEach((c) => c.destroy()));
    await waitFor('3 unauthenticated connections', () => acceptor.unauthenticatedCount === 3);
    const refused = await RawClient.open(port, 'FOURTH');
    await refused.closed(2000);
    expect(acceptor.refused.get('unauthenticated-limit')).toBe(1);

    // Idle connections are closed at the logon timeout, which frees the slots.
    const t0 = Date.now();
    await Promise.all(idle.map((c) => c.closed(3000)));
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor('the timeouts to be counted', () => acceptor.refused.get('logon-timeout') === 3);
    const late = await RawClient.open(port, 'LATE');
    cleanup.push(() => late.destroy());
    late.logon();
    expect((await late.next()).msgType).toBe('A');
    expect(acceptor.unauthenticatedCount).toBe(0);
  });

  it('drops a connection whose first message is not a Logon, or names an unknown session, or a session already connected', async () => {
    const { acceptor, port } = await startAcceptor({
      sessions: [{ beginString: 'FIX.4.4', senderCompID: VENUE, targetCompID: 'KNOWN' }],
    });
    const notLogon = await RawClient.open(port, 'KNOWN');
    notLogon.send('0');
    await notLogon.closed();

    const stranger = await RawClient.open(port, 'STRANGER');
    stranger.logon();
    await stranger.closed();

    const first = await RawClient.open(port, 'KNOWN');
    cleanup.push(() => first.destroy());
    first.logon();
    expect((await first.next()).msgType).toBe('A');
    const second = await RawClient.open(port, 'KNOWN');
    second.logon();
    await second.closed();
    expect(first.ended).toBe(false);
    await waitFor('the refusals to be counted', () => acceptor.refused.get('duplicate') === 1);
    expect([acceptor.refused.get('not-logon'), acceptor.refused.get('unknown-session'), acceptor.refused.get('duplicate')]).toEqual([1, 1, 1]);
    expect(acceptor.sessions).toHaveLength(1);
  });

  it('forgets an "any" session whose logon failed', async () => {
    const { acceptor, port } = await startAcceptor({ sessions: [{ ...ANY, password: 'pw' }] });
    const c = await RawClient.open(port, 'WHO');
    c.logon();
    expect((await c.next()).get(58)).toBe('Invalid password');
    await c.closed();
    await waitFor('the failed session to be forgotten', () => acceptor.sessions.length === 0);
  });

  it('makes a session for a key an "any" template accepts, keeps what is sent to it, and the counterparty logs on to it', async () => {
    const { acceptor, port } = await startAcceptor({ sessions: [{ ...ANY, resetOnLogon: false }] });
    expect(acceptor.sessionByKey('FIX.4.2:VENUE->LATER')).toBeUndefined();
    expect(acceptor.sessionByKey('FIX.4.4:OTHER->LATER')).toBeUndefined();
    expect(acceptor.sessionByKey('FIX.4.4:VENUE->')).toBeUndefined();
    const session = acceptor.sessionByKey('FIX.4.4:VENUE->LATER')!;
    expect(session.id).toEqual({ beginString: 'FIX.4.4', senderCompID: VENUE, targetCompID: 'LATER' });
    expect(acceptor.sessionByKey('FIX.4.4:VENUE->LATER')).toBe(session);
    expect(session.getExpectedSenderNum()).toBe(1);
    // Unconnected: stored under the next sequence number, waiting for a resend.
    session.send(new OutgoingMessage('8', [[37, 'x']]));
    expect(session.getExpectedSenderNum()).toBe(2);
    const c = await RawClient.open(port, 'LATER');
    c.logon();
    const logon = await c.next();
    expect([logon.msgType, logon.msgSeqNum]).toEqual(['A', 2]);
    expect(acceptor.sessions).toEqual([session]);
  });

  it('holds socket writes until the end of the turn and runs the hook first', async () => {
    const order: string[] = [];
    const { port } = await startAcceptor({
      sessions: [ANY],
      beforeSocketWrites: () => order.push('hook'),
      logFor: () => ({ onIncoming() {}, onOutgoing: () => void order.push('write'), onEvent() {} }),
    });
    const c = await RawClient.open(port, 'HELD');
    c.logon();
    expect((await c.next()).msgType).toBe('A');
    expect(order.slice(0, 2)).toEqual(['write', 'hook']);
  });
});

describe('FixInitiator', () => {
  it('keeps trying until the acceptor is up, logs on, and logs on again after being disconnected', async () => {
    // Find a free port, then start the initiator before anything listens there.
    const probe = new FixAcceptor({ sessions: [ANY], application: new BaseApplication() });
    const port = await probe.listen(0);
    await probe.close();

    const logons: string[] = [];
    class Track extends BaseApplication {
      override onLogon(s: Session): void {
        logons.push(s.key);
      }
    }
    const initiator = new FixInitiator({
      settings: { beginString: 'FIX.4.4', senderCompID: 'INIT', targetCompID: VENUE, heartBtInt: 5 },
      port,
      application: new Track(),
      reconnectIntervalMs: 100,
    });
    cleanup.push(() => initiator.stop());
    initiator.start();
    await new Promise((r) => setTimeout(r, 350));
    expect(initiator.session.isLoggedOn()).toBe(false);
    expect(initiator.attempts).toBeGreaterThan(1);

    const { acceptor } = await startAcceptorOn(port);
    await initiator.waitForLogon(5000);
    expect(logons).toHaveLength(1);

    // The venue drops the connection; the initiator reconnects and logs on again, sequence numbers kept.
    const seqBefore = initiator.session.getExpectedSenderNum();
    acceptor.sessions[0].disconnect();
    await waitFor('a second logon', () => logons.length === 2, 5000);
    expect(initiator.session.getExpectedSenderNum()).toBeGreaterThan(seqBefore);

    await initiator.stop();
    expect(initiator.isConnected).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(initiator.isConnected).toBe(false);
  }, 20_000);
});

async function startAcceptorOn(port: number): Promise<{ acceptor: FixAcceptor }> {
  const acceptor = new FixAcceptor({ sessions: [{ beginString: 'FIX.4.4', senderCompID: VENUE, targetCompID: 'any' }], application: new BaseApplication() });
  await acceptor.listen(port);
  cleanup.push(() => acceptor.close());
  return { acceptor };
}
