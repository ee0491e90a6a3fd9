// The TCP side of FIX: an acceptor that listens on 127.0.0.1 and gives every connection its own
// framer, and hands complete messages to the Session the connection logged on to. Like QuickFIX's
// SocketAcceptor, the first message on a connection picks the session (BeginString and the two
// CompIDs, seen from our side) and must be a Logon; anything else, an unknown counterparty, or a
// session that already has a connection, is dropped without a word.
//
// Connections are isolated: a connection is only ever read and written by its own handlers, a
// reader that stops reading is cut off once its unsent data passes a cap (it never makes the
// acceptor wait), a connection that has not completed a logon is closed after a timeout, and there
// is a cap on how many such unauthenticated connections may exist at once.
import { type Server, type Socket, createServer } from 'node:net';
import { type ClockScheduler, type TimerHandle, systemClock } from '../shared/clock.js';
import { FixFramer } from './codec.js';
import type { FixMessage } from './fix-message.js';
import { type MessageStoreFactory, MemoryMessageStoreFactory } from './message-store.js';
import { type Application, type MessageValidator, Session, type SessionLog, type Transport } from './session.js';
import {
  ANY_COMP_ID,
  type SessionID,
  type SessionSettings,
  type SessionSettingsInput,
  parseSessionSettings,
  sessionKey,
} from './session-settings.js';
import { MsgType, Tag } from './tags.js';

export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_UNAUTHENTICATED = 64;

/** Why a connection ended, for the acceptor's event log and for tests. */
export type CloseReason =
  | 'session'
  | 'peer'
  | 'error'
  | 'unknown-session'
  | 'not-logon'
  | 'duplicate'
  | 'garbled-before-logon'
  | 'logon-timeout'
  | 'unauthenticated-limit'
  | 'slow-consumer'
  | 'message-too-large'
  | 'shutdown';

/** Ends of a connection that are part of normal operation, not refusals. */
const ORDINARY_CLOSE: ReadonlySet<CloseReason> = new Set(['session', 'peer', 'error', 'shutdown']);

/**
 * Holds socket writes until the end of the event-loop turn, then runs `beforeRelease` and lets them
 * all go. A venue whose message store writes in batches passes its store's flush there: a message
 * then reaches the store's file before it reaches the counterparty, so a process killed mid-turn
 * can never have sent a sequence number it will hand out again after the restart. It also turns a
 * burst of reports into one write per connection.
 */
export class WriteBatcher {
  private readonly held = new Set<FixConnection>();
  private scheduled = false;

  constructor(private readonly beforeRelease: () => void = () => {}) {}

  hold(connection: FixConnection): void {
    this.held.add(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  release(): void {
    this.scheduled = false;
    try {
      this.beforeRelease();
    } finally {
      for (const connection of this.held) connection.flushHeld();
      this.held.clear();
    }
  }
}

export interface ConnectionEvents {
  onEvent?(text: string): void;
  /** After each frame handed to the attached session. */
  onFrame?(conn: FixConnection): void;
  onClose?(reason: CloseReason): void;
}

/**
 * One TCP connection carrying one FIX session: framing on the way in, a bounded write buffer on the
 * way out. Shared by the acceptor and the initiator.
 */
export class FixConnection {
  readonly framer: FixFramer;
  session: Session | null = null;
  private closed = false;
  private attached = false;
  private destroyTimer: TimerHandle | null = null;
  /** Writes waiting for the batcher's release. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private closeReason: CloseReason = 'peer';
  /** What a session gets to talk through; disconnecting through it does not call back into the session. */
  readonly transport: Transport = {
    send: (data) => this.write(data),
    disconnect: () => {
      this.attached = false;
      this.close('session');
    },
  };

  constructor(
    readonly socket: Socket,
    private readonly clock: ClockScheduler,
    private readonly maxWriteBufferBytes: number,
    maxMessageSize: number,
    /** Called for every frame while no session is attached. */
    private readonly onUnattachedFrame: (conn: FixConnection, message: FixMessage | null, garbledReason?: string) => void,
    private readonly events: ConnectionEvents = {},
    private readonly batcher?: WriteBatcher,
  ) {
    this.framer = new FixFramer({ maxMessageSize });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      this.closeReason = this.closed ? this.closeReason : 'error';
      this.events.onEvent?.(`socket error: ${e.message}`);
    });
    socket.on('close', () => this.onSocketClose());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get reason(): CloseReason {
    return this.closeReason;
  }

  /** Binds the session: from now on frames go to it and it writes through this connection. */
  attach(session: Session): boolean {
    if (!session.connect(this.transport)) return false;
    this.session = session;
    this.attached = true;
    return true;
  }

  write(data: Buffer): void {
    if (this.closed) return;
    if (this.batcher !== undefined) {
      // Kept here rather than in a corked socket: one Buffer per turn costs the stream far less
      // than a buffered write per message.
      this.held.push(data);
      this.heldBytes += data.length;
      this.batcher.hold(this);
    } else {
      this.socket.write(data);
    }
    const unsent = this.socket.writableLength + this.heldBytes;
    if (unsent > this.maxWriteBufferBytes) {
      this.events.onEvent?.(`slow consumer: ${unsent} bytes unsent, disconnecting`);
      this.destroy('slow-consumer');
    }
  }

  /** Hands what the batcher held to the socket, in one write. */
  flushHeld(): void {
    const held = this.held;
    if (held.length === 0) return;
    const data = held.length === 1 ? held[0] : Buffer.concat(held, this.heldBytes);
    this.held = [];
    this.heldBytes = 0;
    if (!this.socket.destroyed && !this.socket.writableEnded) this.socket.write(data);
  }

  /** Flushes what was written, then closes; a peer that does not read is cut off after a grace period. */
  close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    // As end() would flush a corked socket: what was written goes out before the FIN.
    this.flushHeld();
    this.socket.end();
    this.destroyTimer = this.clock.setTimeout(() => this.socket.destroy(), 2000);
    this.detach();
  }

  /** Closes at once, discarding unsent data. */
  destroy(reason: CloseReason): void {
    if (!this.closed) {
      this.closed = true;
      this.closeReason = reason;
    }
    this.held = [];
    this.heldBytes = 0;
    this.socket.destroy();
    this.detach();
  }

  private detach(): void {
    const s = this.session;
    if (s !== null && this.attached) {
      this.attached = false;
      s.disconnect();
    }
  }

  private onSocketClose(): void {
    this.destroyTimer?.cancel();
    this.destroyTimer = null;
    this.closed = true;
    this.detach();
    this.events.onClose?.(this.closeReason);
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.framer.push(chunk);
    while (!this.closed) {
      const frame = this.framer.next();
      if (frame === undefined) break;
      if (frame.kind === 'garbled' && declaredBodyLength(frame.raw) > this.framer.maxMessageSize) {
        this.events.onEvent?.(`message larger than ${this.framer.maxMessageSize} bytes, disconnecting`);
        if (this.session !== null && this.attached) this.session.logoutNow('Message too large');
        this.close('message-too-large');
        break;
      }
      if (this.session === null || !this.attached) {
        this.onUnattachedFrame(this, frame.kind === 'message' ? frame.message : null, frame.kind === 'garbled' ? frame.reason : undefined);
      } else {
        if (frame.kind === 'message') this.session.receive(frame.message);
        else this.session.receiveGarbled(frame.reason, frame.raw, frame.msgType);
        this.events.onFrame?.(this);
      }
    }
  }
}

/** BodyLength declared at the start of possibly broken bytes ("8=...<SOH>9=<digits><SOH>"), or -1. */
function declaredBodyLength(raw: Buffer): number {
  if (raw.length < 6 || raw[0] !== 0x38 || raw[1] !== 0x3d) return -1;
  const afterBegin = raw.indexOf(0x01, 2);
  if (afterBegin < 0 || raw[afterBegin + 1] !== 0x39 || raw[afterBegin + 2] !== 0x3d) return -1;
  let n = 0;
  let digits = 0;
  for (let i = afterBegin + 3; i < raw.length && digits <= 12; i++, digits++) {
    const c = raw[i];
    if (c === 0x01) return digits === 0 ? -1 : n;
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------

export interface AcceptorOptions {
  /** One entry per counterparty; TargetCompID "any" accepts every counterparty for that SenderCompID. */
  readonly sessions: ReadonlyArray<SessionSettingsInput | SessionSettings>;
  readonly application: Application;
  readonly clock?: ClockScheduler;
  readonly storeFactory?: MessageStoreFactory;
  /** Dictionary check per BeginString, for sessions whose settings say validate. */
  readonly validatorFor?: (beginString: string) => MessageValidator | undefined;
  readonly logFor?: (id: SessionID) => SessionLog;
  /** Acceptor events (connections refused, slow consumers, ...). */
  readonly onEvent?: (text: string) => void;
  /** Connections that have not completed a logon, at most. */
  readonly maxUnauthenticated?: number;
  /** Unsent bytes a connection may accumulate before it is dropped as a slow consumer. */
  readonly maxWriteBufferBytes?: number;
  /** How long a new connection has to log on; defaults to the smallest session logonTimeout. */
  readonly logonTimeoutMs?: number;
  /** Socket writes wait for the end of the turn and this hook (see WriteBatcher). */
  readonly beforeSocketWrites?: () => void;
}

interface Template {
  readonly settings: SessionSettings;
}

export class FixAcceptor {
  private readonly clock: ClockScheduler;
  private readonly storeFactory: MessageStoreFactory;
  private readonly templates: Template[];
  private readonly sessionsByKey = new Map<string, Session>();
  private readonly connections = new Set<FixConnection>();
  private readonly unauthenticated = new Map<FixConnection, TimerHandle>();
  private readonly dynamic = new Set<Session>();
  private readonly loggedOnOnce = new Set<Session>();
  private readonly maxUnauthenticated: number;
  private readonly maxWriteBufferBytes: number;
  private readonly logonTimeoutMs: number;
  private readonly maxMessageSize: number;
  private server: Server | null = null;
  private listeningPort = 0;
  private readonly batcher: WriteBatcher | undefined;
  /** Connections the acceptor refused or cut off (not ordinary logouts and drops), by reason. */
  readonly refused = new Map<CloseReason, number>();

  constructor(private readonly options: AcceptorOptions) {
    if (options.sessions.length === 0) throw new Error('an acceptor needs at least one session');
    this.clock = options.clock ?? systemClock;
    this.storeFactory = options.storeFactory ?? new MemoryMessageStoreFactory(() => this.clock.now());
    this.templates = options.sessions.map((s) => ({ settings: parseSessionSettings(s) }));
    this.maxUnauthenticated = options.maxUnauthenticated ?? DEFAULT_MAX_UNAUTHENTICATED;
    this.maxWriteBufferBytes = options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    this.logonTimeoutMs = options.logonTimeoutMs ?? Math.min(...this.templates.map((t) => t.settings.logonTimeout)) * 1000;
    this.maxMessageSize = Math.max(...this.templates.map((t) => t.settings.maxMessageSize));
    this.batcher = options.beforeSocketWrites !== undefined ? new WriteBatcher(options.beforeSocketWrites) : undefined;
    for (const t of this.templates) {
      if (t.settings.targetCompID !== ANY_COMP_ID) this.createSession(t.settings, t.settings.targetCompID);
    }
  }

  /** Starts listening on 127.0.0.1 (port 0 picks a free port); resolves with the port. */
  listen(port = 0, host = '127.0.0.1'): Promise<number> {
    if (this.server !== null) return Promise.reject(new Error('already listening'));
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        const address = server.address();
        this.listeningPort = typeof address === 'object' && address !== null ? address.port : port;
        resolve(this.listeningPort);
      });
    });
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Every session, configured or created for an "any" counterparty. */
  get sessions(): Session[] {
    return [...this.sessionsByKey.values()];
  }

  getSession(id: SessionID): Session | undefined {
    return this.sessionsByKey.get(sessionKey(id));
  }

  /**
   * The session with this key, created (not connected) when a template accepts its counterparty:
   * an application with something to tell a counterparty that has not logged on since a restart
   * sends it there, the store keeps it, and a resend delivers it after the logon.
   */
  sessionByKey(key: string): Session | undefined {
    const existing = this.sessionsByKey.get(key);
    if (existing !== undefined) return existing;
    for (const t of this.templates) {
      const prefix = `${t.settings.beginString}:${t.settings.senderCompID}->`;
      if (t.settings.targetCompID !== ANY_COMP_ID || !key.startsWith(prefix) || key.length === prefix.length) continue;
      const session = this.createSession(t.settings, key.slice(prefix.length));
      // Kept like a session that has logged on: it holds what the counterparty has yet to read.
      this.loggedOnOnce.add(session);
      return session;
    }
    return undefined;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get unauthenticatedCount(): number {
    return this.unauthenticated.size;
  }

  /** Logs out every logged-on session, closes every connection and stops listening. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const session of this.sessionsByKey.values()) if (session.isLoggedOn()) session.logoutNow('Acceptor shutting down');
    for (const conn of [...this.connections]) conn.close('shutdown');
    for (const timer of this.unauthenticated.values()) timer.cancel();
    this.unauthenticated.clear();
    if (server !== null) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() waits for connections to go; a peer that never reads is cut off after the grace period.
      const hard = setTimeout(() => {
        for (const conn of this.connections) conn.destroy('shutdown');
      }, 2500);
      hard.unref();
      await closed;
      clearTimeout(hard);
    }
  }

  private event(text: string): void {
    this.options.onEvent?.(text);
  }

  private count(reason: CloseReason): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
  }

  private onConnection(socket: Socket): void {
    if (this.unauthenticated.size >= this.maxUnauthenticated) {
      this.event(`refusing connection from ${socket.remoteAddress}:${socket.remotePort}: ${this.unauthenticated.size} connections have not logged on`);
      this.count('unauthenticated-limit');
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const conn = new FixConnection(
      socket,
      this.clock,
      this.maxWriteBufferBytes,
      this.maxMessageSize,
      (c, message, garbled) => this.onFirstFrame(c, message, garbled),
      {
        onEvent: (text) => this.event(text),
        onFrame: (c) => this.checkLoggedOn(c),
        onClose: (reason) => {
          if (!ORDINARY_CLOSE.has(reason)) this.count(reason);
          this.connections.delete(conn);
          this.unauthenticated.get(conn)?.cancel();
          this.unauthenticated.delete(conn);
          this.forgetIfNeverLoggedOn(conn.session);
        },
      },
      this.batcher,
    );
    this.connections.add(conn);
    this.unauthenticated.set(
      conn,
      this.clock.setTimeout(() => {
        if (!this.unauthenticated.has(conn)) return;
        this.event('no logon in time, disconnecting');
        conn.destroy('logon-timeout');
      }, this.logonTimeoutMs),
    );
  }

  /** SocketConnection::read for a connection without a session, plus the acceptor's lookup. */
  private onFirstFrame(conn: FixConnection, message: FixMessage | null, garbled?: string): void {
    if (conn.session !== null) {
      // The session ended (logout) while more data was in flight; nothing more is read.
      return;
    }
    if (message === null) {
      this.event(`garbled message before logon (${garbled ?? ''}), disconnecting`);
      return this.refuse(conn, 'garbled-before-logon');
    }
    const beginString = message.beginString;
    const theirCompID = message.get(Tag.SenderCompID);
    const ourCompID = message.get(Tag.TargetCompID);
    if (theirCompID === undefined || ourCompID === undefined) return this.refuse(conn, 'unknown-session');
    if (message.msgType !== MsgType.Logon) {
      this.event(`first message from ${theirCompID} is not a Logon (35=${message.msgType}), disconnecting`);
      return this.refuse(conn, 'not-logon');
    }
    const session = this.findSession(beginString, ourCompID, theirCompID);
    if (session === undefined) {
      this.event(`no session for ${beginString} ${theirCompID}->${ourCompID}, disconnecting`);
      return this.refuse(conn, 'unknown-session');
    }
    if (session.isConnected()) {
      this.event(`session ${session.key} is already connected, disconnecting the new connection`);
      return this.refuse(conn, 'duplicate');
    }
    conn.attach(session);
    session.receive(message);
    this.checkLoggedOn(conn);
  }

  /** A connection stops counting as unauthenticated once its session is logged on. */
  private checkLoggedOn(conn: FixConnection): void {
    const session = conn.session;
    if (session === null || !session.isLoggedOn()) return;
    this.loggedOnOnce.add(session);
    const timer = this.unauthenticated.get(conn);
    if (timer === undefined) return;
    timer.cancel();
    this.unauthenticated.delete(conn);
  }

  /**
   * Sessions made for an "any" counterparty are kept only once they have logged on, so a stream of
   * failed logons under made-up CompIDs cannot fill the session table.
   */
  private forgetIfNeverLoggedOn(session: Session | null): void {
    if (session === null || this.loggedOnOnce.has(session) || !this.dynamic.has(session) || session.isConnected()) return;
    this.dynamic.delete(session);
    this.sessionsByKey.delete(session.key);
  }

  private refuse(conn: FixConnection, reason: CloseReason): void {
    conn.destroy(reason);
  }

  private findSession(beginString: string, ourCompID: string, theirCompID: string): Session | undefined {
    const key = sessionKey({ beginString, senderCompID: ourCompID, targetCompID: theirCompID });
    const existing = this.sessionsByKey.get(key);
    if (existing !== undefined) return existing;
    const template = this.templates.find(
      (t) => t.settings.targetCompID === ANY_COMP_ID && t.settings.beginString === beginString && t.settings.senderCompID === ourCompID,
    );
    if (template === undefined) return undefined;
    const session = this.createSession(template.settings, theirCompID);
    this.dynamic.add(session);
    return session;
  }

  private createSession(settings: SessionSettings, targetCompID: string): Session {
    const id: SessionID = { beginString: settings.beginString, senderCompID: settings.senderCompID, targetCompID };
    const key = sessionKey(id);
    const session = new Session({
      settings,
      id,
      application: this.options.application,
      store: this.storeFactory.create(key),
      clock: this.clock,
      initiator: false,
      validator: this.options.validatorFor?.(settings.beginString),
      ...(this.options.logFor !== undefined ? { log: this.options.logFor(id) } : {}),
    });
    this.sessionsByKey.set(key, session);
    return session;
  }
}
