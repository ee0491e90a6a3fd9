// The connecting side of FIX: opens a TCP connection, logs on, and reconnects after a drop (QuickFIX's
// SocketInitiator with its ReconnectInterval). One initiator drives one session; the session keeps
// its sequence numbers across reconnects unless its settings reset them.
import { type Socket, connect } from 'node:net';
import { type ClockScheduler, type TimerHandle, systemClock } from '../shared/clock.js';
import { DEFAULT_MAX_WRITE_BUFFER_BYTES, FixConnection } from './acceptor.js';
import type { FixMessage } from './fix-message.js';
import { type MessageStore, MemoryMessageStore } from './message-store.js';
import { type Application, type MessageValidator, type OutgoingMessage, Session, type SessionLog } from './session.js';
import { type SessionSettings, type SessionSettingsInput, parseSessionSettings } from './session-settings.js';

export interface InitiatorOptions {
  readonly settings: SessionSettingsInput | SessionSettings;
  readonly port: number;
  readonly host?: string;
  readonly application: Application;
  readonly clock?: ClockScheduler;
  readonly store?: MessageStore;
  readonly validator?: MessageValidator;
  readonly log?: SessionLog;
  /** Wait between a drop (or a failed connect) and the next attempt. QuickFIX's default is 30 s. */
  readonly reconnectIntervalMs?: number;
  readonly maxWriteBufferBytes?: number;
  readonly onEvent?: (text: string) => void;
}

export class FixInitiator {
  readonly session: Session;
  private readonly clock: ClockScheduler;
  private readonly host: string;
  private readonly port: number;
  private readonly reconnectIntervalMs: number;
  private readonly maxWriteBufferBytes: number;
  private connection: FixConnection | null = null;
  private connecting: Socket | null = null;
  private reconnectTimer: TimerHandle | null = null;
  private running = false;
  private logonWaiters: Array<() => void> = [];
  private closeWaiters: Array<() => void> = [];
  /** Connection attempts made, the first one included. */
  attempts = 0;

  constructor(private readonly options: InitiatorOptions) {
    const settings = parseSessionSettings(options.settings);
    if (settings.targetCompID === 'any') throw new Error('an initiator needs a concrete TargetCompID');
    this.clock = options.clock ?? systemClock;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.reconnectIntervalMs = options.reconnectIntervalMs ?? 30_000;
    this.maxWriteBufferBytes = options.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    this.session = new Session({
      settings,
      application: this.observe(options.application),
      store: options.store ?? new MemoryMessageStore(() => this.clock.now()),
      clock: this.clock,
      initiator: true,
      ...(options.validator !== undefined ? { validator: options.validator } : {}),
      ...(options.log !== undefined ? { log: options.log } : {}),
    });
  }

  /** Connects (and keeps reconnecting after drops) until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.session.logon();
    this.connectNow();
  }

  /** Resolves once the session is logged on; rejects after `timeoutMs`. */
  waitForLogon(timeoutMs: number): Promise<void> {
    if (this.session.isLoggedOn()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logonWaiters = this.logonWaiters.filter((w) => w !== done);
        reject(new Error(`${this.session.key}: not logged on within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.logonWaiters.push(done);
    });
  }

  /** Logs out (waiting up to `timeoutMs` for the reply), closes the connection, stops reconnecting. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.running = false;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.connecting?.destroy();
    this.connecting = null;
    const conn = this.connection;
    if (conn === null || conn.isClosed) return;
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.session.isLoggedOn()) this.session.logoutNow();
    else conn.close('shutdown');
    const timer = setTimeout(() => conn.destroy('shutdown'), timeoutMs);
    await closed;
    clearTimeout(timer);
  }

  get isConnected(): boolean {
    return this.connection !== null && !this.connection.isClosed;
  }

  private event(text: string): void {
    this.options.onEvent?.(text);
  }

  private connectNow(): void {
    if (!this.running) return;
    this.attempts++;
    const socket = connect({ host: this.host, port: this.port });
    this.connecting = socket;
    const failed = (e: Error): void => {
      if (this.connecting !== socket) return;
      this.connecting = null;
      this.event(`connect to ${this.host}:${this.port} failed: ${e.message}`);
      socket.destroy();
      this.scheduleReconnect();
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.off('error', failed);
      if (this.connecting !== socket) return;
      this.connecting = null;
      const conn = new FixConnection(socket, this.clock, this.maxWriteBufferBytes, this.session.settings.maxMessageSize, () => {}, {
        onEvent: (text) => this.event(text),
        onClose: (reason) => this.onClosed(conn, reason),
      });
      this.connection = conn;
      this.event(`connected to ${this.host}:${this.port}`);
      if (!conn.attach(this.session)) conn.destroy('duplicate');
    });
  }

  private onClosed(conn: FixConnection, reason: string): void {
    if (this.connection === conn) this.connection = null;
    this.event(`connection closed (${reason})`);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer !== null) return;
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = null;
      this.connectNow();
    }, this.reconnectIntervalMs);
  }

  /** The user's application, with logon notifications for `waitForLogon`. */
  private observe(app: Application): Application {
    return {
      onCreate: (s) => app.onCreate(s),
      onLogon: (s) => {
        app.onLogon(s);
        const waiters = this.logonWaiters;
        this.logonWaiters = [];
        for (const w of waiters) w();
      },
      onLogout: (s) => app.onLogout(s),
      toAdmin: (m: OutgoingMessage, s) => app.toAdmin(m, s),
      fromAdmin: (m: FixMessage, s) => app.fromAdmin(m, s),
      toApp: (m: OutgoingMessage, s) => app.toApp(m, s),
      fromApp: (m: FixMessage, s) => app.fromApp(m, s),
    };
  }
}
