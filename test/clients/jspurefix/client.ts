// A jspurefix initiator driven by the same Step scenarios as the QuickFIX client
// (../quickfix/scenario.ts). It runs in-process: jspurefix is pure TypeScript, and its session
// layer (logon, heartbeats, sequence numbers, logout) is what is being exercised.
// jspurefix's DI (tsyringe) needs the Reflect metadata polyfill loaded before it.
import 'reflect-metadata';
import {
  AsciiSession,
  JsFixLoggerFactory,
  SessionLauncher,
  SessionState,
  type EngineFactory,
  type IJsFixConfig,
  type IJsFixLogger,
  type ISessionDescription,
  type JsFixLogFields,
  type MsgView,
} from 'jspurefix';
import type { BeginString, ClientEvent, ClientRun, FixMessage, Step } from '../quickfix/scenario.js';
import { ordTypeCode, parseFixMessage, sideCode, tifCode } from '../quickfix/scenario.js';

export interface JspurefixClientOptions {
  readonly host?: string;
  readonly port: number;
  readonly beginString: BeginString;
  readonly senderCompId: string;
  /** defaults to CRUCIBLE */
  readonly targetCompId?: string;
  readonly steps: readonly Step[];
  readonly heartBtInt?: number;
  /** send ResetSeqNumFlag=Y on logon; default true */
  readonly resetSeqNumFlag?: boolean;
  /**
   * Check every received message against the dictionary (checksum, unknown or misplaced tags,
   * missing required tags) and answer failures with a session Reject, as jspurefix acceptors do.
   * jspurefix initiators skip this by default; the harness turns it on so a malformed venue
   * message shows up as a `sent` Reject instead of passing silently. Default true.
   */
  readonly validate?: boolean;
  /** jspurefix dictionary alias or path; default 'qf42' / 'qf44' (QuickFIX XML shipped inside the package) */
  readonly dictionary?: string;
  readonly logonTimeoutMs?: number;
  /** bound on the whole run; the session is stopped and the promise rejects past it. Default 60 s. */
  readonly timeoutMs?: number;
}

/** Exit codes shared with the QuickFIX client (test/clients/README.md). */
const EXIT = { ok: 0, noLogon: 3, badScenario: 4, sessionLost: 5 } as const;

type Loose = Record<string, unknown>;

class CapturingLogFactory extends JsFixLoggerFactory {
  public text = '';

  public logger(type: string, _context?: JsFixLogFields): IJsFixLogger {
    const write = (level: string, message: string): void => {
      this.text += `${new Date().toISOString()} ${level} [${type}] ${message}\n`;
      if (this.text.length > 256 * 1024) this.text = this.text.slice(-256 * 1024);
    };
    return {
      info: (m) => write('info', m),
      warning: (m) => write('warn', m),
      debug: () => {},
      error: (e) => write('error', e?.stack ?? String(e)),
    };
  }

  public plain(_fileName: string, _maxSize?: number): IJsFixLogger {
    return this.logger('plain');
  }
}

class Recorder {
  readonly events: ClientEvent[] = [];
  inbound = 0;
  loggedOn = false;
  loggedOut = false;
  exitCode: number = EXIT.ok;
  private waiters: Array<() => void> = [];

  push(e: ClientEvent): void {
    this.events.push(e);
    if (e.event === 'message') this.inbound++;
    for (const w of this.waiters) w();
  }

  /** Resolves with the inbound count once it reaches `count`, the session ends, or the time is up. */
  waitForInbound(count: number, timeoutMs: number, ended: () => boolean): Promise<number> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (this.inbound >= count || ended()) {
          finish();
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(this.inbound);
      };
      if (!check()) this.waiters.push(check);
    });
  }

  notify(): void {
    for (const w of this.waiters) w();
  }
}

class HarnessSession extends AsciiSession {
  private lastDecoded = '';
  private peerLogonMsg: FixMessage | null = null;
  private logoutText = '';
  private stopped = false;

  constructor(
    config: IJsFixConfig,
    private readonly recorder: Recorder,
    private readonly options: JspurefixClientOptions,
  ) {
    super(config);
    this.checkMsgIntegrity = options.validate ?? true;
  }

  // 'decoded' fires synchronously just before the message itself, so this is the wire text of
  // the message onMsg is about to see.
  protected onDecoded(_msgType: string, txt: string): void {
    this.lastDecoded = txt;
  }

  protected onEncoded(msgType: string, txt: string): void {
    if (msgType === '0' || msgType === '1') return;
    this.recorder.push({ event: 'sent', ...parseFixMessage(txt) });
  }

  protected override onMsg(msgType: string, view: MsgView): void {
    if (msgType === '3') this.recorder.push({ event: 'message', ...this.wire(view) });
    else if (msgType === 'A') this.peerLogonMsg = this.wire(view);
    else if (msgType === '5') this.logoutText = view.getString(58) ?? '';
    super.onMsg(msgType, view);
  }

  protected onApplicationMsg(_msgType: string, view: MsgView): void {
    this.recorder.push({ event: 'message', ...this.wire(view) });
  }

  protected onLogon(_view: MsgView, _user: string, _password: string): boolean {
    return true;
  }

  protected onReady(_view: MsgView): void {
    this.recorder.loggedOn = true;
    this.recorder.push({ event: 'logon', ...(this.peerLogonMsg ?? {}) });
    void this.runSteps();
  }

  protected onStopped(error?: Error): void {
    this.stopped = true;
    if (this.recorder.loggedOn) this.recorder.loggedOut = true;
    this.recorder.push({ event: 'logout', wasLoggedOn: this.recorder.loggedOn, text: this.logoutText });
    if (error) this.recorder.push({ event: 'error', message: error.message });
    if (!this.recorder.loggedOn) this.recorder.exitCode = EXIT.noLogon;
    this.recorder.notify();
  }

  private wire(view: MsgView): FixMessage {
    if (this.lastDecoded) return parseFixMessage(this.lastDecoded);
    const msgType = view.getString(35) ?? '';
    return parseFixMessage(`35=${msgType}|`);
  }

  private async runSteps(): Promise<void> {
    const fix44 = this.options.beginString === 'FIX.4.4';
    for (const step of this.options.steps) {
      if (this.stopped) {
        // As with the QuickFIX client, a peer that ended the session before our own logout is fine.
        if (step.kind === 'logout') return;
        this.recorder.push({ event: 'error', message: `session ended before: ${JSON.stringify(step)}` });
        this.recorder.exitCode = EXIT.sessionLost;
        return;
      }
      try {
        switch (step.kind) {
          case 'wait':
            await new Promise((resolve) => setTimeout(resolve, step.ms));
            break;
          case 'await': {
            const got = await this.recorder.waitForInbound(step.count, step.timeoutMs ?? 5000, () => this.stopped);
            if (got < step.count) {
              this.recorder.push({ event: 'timeout', command: `await ${step.count}`, expected: step.count, received: got });
            }
            break;
          }
          case 'logout':
            this.logout(step.text);
            return;
          default: {
            const [msgType, body] = this.message(step, fix44);
            this.send(msgType, body);
          }
        }
      } catch (e) {
        this.recorder.push({ event: 'error', message: (e as Error).message });
        this.recorder.exitCode = EXIT.badScenario;
        this.logout('scenario error');
        return;
      }
    }
    this.logout();
  }

  private logout(text?: string): void {
    const state = this.sessionState.state;
    const active =
      state === SessionState.ActiveNormalSession ||
      state === SessionState.InitiationLogonResponse ||
      state === SessionState.InitiationLogonReceived;
    if (text === undefined || !active) {
      this.done();
      return;
    }
    // done() would send jspurefix's own Logout text; this is the same transition with ours.
    this.setState(SessionState.WaitingLogoutConfirm);
    this.sessionState.logoutSentAt = new Date();
    this.sendLogout(text);
  }

  private message(step: Exclude<Step, { kind: 'wait' | 'await' | 'logout' }>, fix44: boolean): [string, Loose] {
    // FIX 4.4 nests Symbol in the Instrument component and OrderQty in OrderQtyData.
    const instrument = (symbol: string): Loose => (fix44 ? { Instrument: { Symbol: symbol } } : { Symbol: symbol });
    const quantity = (qty: string | undefined): Loose =>
      qty === undefined ? {} : fix44 ? { OrderQtyData: { OrderQty: qty } } : { OrderQty: qty };
    const optional = (name: string, value: string | undefined): Loose => (value === undefined ? {} : { [name]: value });
    switch (step.kind) {
      case 'new':
        return [
          'D',
          {
            ClOrdID: step.clOrdId,
            HandlInst: '1',
            ...instrument(step.symbol),
            Side: sideCode(step.side),
            TransactTime: new Date(),
            ...quantity(step.qty),
            OrdType: ordTypeCode(step.ordType),
            ...optional('Price', step.price),
            ...optional('StopPx', step.stopPx),
            ...optional('TimeInForce', step.tif === undefined ? undefined : tifCode(step.tif)),
          },
        ];
      case 'cancel':
        return [
          'F',
          {
            OrigClOrdID: step.origClOrdId,
            ClOrdID: step.clOrdId,
            ...instrument(step.symbol),
            Side: sideCode(step.side),
            TransactTime: new Date(),
            ...quantity(step.qty),
          },
        ];
      case 'replace':
        return [
          'G',
          {
            OrigClOrdID: step.origClOrdId,
            ClOrdID: step.clOrdId,
            HandlInst: '1',
            ...instrument(step.symbol),
            Side: sideCode(step.side),
            TransactTime: new Date(),
            ...quantity(step.qty),
            OrdType: ordTypeCode(step.ordType ?? 'limit'),
            ...optional('Price', step.price),
            ...optional('TimeInForce', step.tif === undefined ? undefined : tifCode(step.tif)),
          },
        ];
      case 'status':
        return ['H', { ClOrdID: step.clOrdId, ...instrument(step.symbol), Side: sideCode(step.side) }];
      case 'raw':
        return [step.msgType, this.rawBody(step.msgType, step.fields)];
    }
  }

  // jspurefix encodes by field name following the dictionary's layout, so each tag has to be put
  // where the dictionary nests it (e.g. 55 inside Instrument for FIX 4.4).
  private rawBody(msgType: string, fields: ReadonlyArray<readonly [number, string]>): Loose {
    const message = this.config.definitions.message.get(msgType);
    if (!message) throw new Error(`msgType ${msgType} is not in the jspurefix dictionary`);
    interface FieldSet {
      localTag: Record<number, { name: string } | undefined>;
      tagToField: Record<number, { name: string; type: number } | undefined>;
      components: Map<string, FieldSet>;
    }
    const body: Loose = {};
    for (const [tag, rawValue] of fields) {
      const value = rawValue === 'now' ? new Date() : rawValue;
      let set = message as unknown as FieldSet;
      let target = body;
      for (;;) {
        const simple = set.localTag[tag];
        if (simple) {
          target[simple.name] = value;
          break;
        }
        const field = set.tagToField[tag];
        if (!field) throw new Error(`tag ${tag} is not part of ${message.name} in the jspurefix dictionary`);
        if (field.type === 1 /* ContainedFieldType.Group */) {
          throw new Error(`tag ${tag} sits in repeating group ${field.name}; raw steps cannot build groups for jspurefix`);
        }
        target = (target[field.name] ??= {}) as Loose;
        const next = set.components.get(field.name);
        if (!next) throw new Error(`component ${field.name} of ${message.name} not found in the jspurefix dictionary`);
        set = next;
      }
    }
    return body;
  }
}

class HarnessLauncher extends SessionLauncher {
  constructor(
    description: ISessionDescription,
    logFactory: JsFixLoggerFactory,
    private readonly makeSession: (config: IJsFixConfig) => HarnessSession,
  ) {
    super(description, null, logFactory);
  }

  protected override makeFactory(_config: IJsFixConfig): EngineFactory {
    return { makeSession: (config: IJsFixConfig) => this.makeSession(config) };
  }
}

/**
 * Runs a jspurefix initiator through one scenario and resolves once its session has ended.
 * Concurrent runs in one process share jspurefix's global DI container, so their logs may mix.
 */
export async function runJspurefixClient(options: JspurefixClientOptions): Promise<ClientRun> {
  const recorder = new Recorder();
  const logFactory = new CapturingLogFactory();
  const description = {
    application: {
      type: 'initiator',
      name: `crucible-${options.senderCompId}`,
      protocol: 'ascii',
      dictionary: options.dictionary ?? (options.beginString === 'FIX.4.2' ? 'qf42' : 'qf44'),
      reconnectSeconds: 1,
      connectTimeoutSeconds: Math.max(1, Math.ceil((options.logonTimeoutMs ?? 10_000) / 1000)),
      resilient: false,
      tcp: { host: options.host ?? '127.0.0.1', port: options.port },
    },
    BeginString: options.beginString,
    SenderCompId: options.senderCompId,
    TargetCompID: options.targetCompId ?? 'CRUCIBLE',
    HeartBtInt: options.heartBtInt ?? 30,
    ResetSeqNumFlag: options.resetSeqNumFlag ?? true,
  } as unknown as ISessionDescription;

  let session: HarnessSession | null = null;
  const launcher = new HarnessLauncher(description, logFactory, (config) => {
    session = new HarnessSession(config, recorder, options);
    return session;
  });

  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const running = session as HarnessSession | null;
      running?.requestStop('harness timeout');
      launcher.stop();
      reject(new Error(`jspurefix client still running after ${timeoutMs} ms\n${describeRun(recorder.events, logFactory.text)}`));
    }, timeoutMs);
  });
  try {
    await Promise.race([launcher.run(), timedOut]);
  } catch (e) {
    if ((e as Error).message.startsWith('jspurefix client still running')) throw e;
    const message = (e as Error).message;
    // onStopped has usually reported the same failure already.
    if (!recorder.events.some((ev) => ev.event === 'error' && ev.message === message)) recorder.push({ event: 'error', message });
    if (!recorder.loggedOn) recorder.exitCode = EXIT.noLogon;
  } finally {
    clearTimeout(timer);
  }
  if (recorder.loggedOn && !recorder.loggedOut && recorder.exitCode === EXIT.ok) recorder.exitCode = EXIT.sessionLost;

  const received: FixMessage[] = [];
  const sent: FixMessage[] = [];
  for (const e of recorder.events) {
    if (e.event === 'message' || e.event === 'sent') {
      (e.event === 'message' ? received : sent).push({ msgType: e.msgType, name: e.name, fields: e.fields, raw: e.raw });
    }
  }
  return {
    events: recorder.events,
    received,
    sent,
    loggedOn: recorder.loggedOn,
    loggedOut: recorder.loggedOut,
    exitCode: recorder.exitCode,
    log: logFactory.text,
  };
}

function describeRun(events: readonly ClientEvent[], log: string): string {
  const tail = log.length > 8000 ? '...' + log.slice(-8000) : log;
  return `events:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nlog:\n${tail}`;
}
