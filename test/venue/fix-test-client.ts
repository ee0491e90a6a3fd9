// A FIX client for venue tests, built from the project's own initiator and session. It checks
// every message the venue sends against the version's data dictionary, as a QuickFIX client with
// UseDataDictionary=Y would: a report the dictionary refuses never reaches `next()` and shows up
// in `sessionRejects` instead.
import { getDictionary, isSupportedVersion } from '../../src/fix/dictionary.js';
import type { FieldValue } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { FixInitiator } from '../../src/fix/initiator.js';
import type { MessageStore } from '../../src/fix/message-store.js';
import { BaseApplication, OutgoingMessage, type Session } from '../../src/fix/session.js';
import { MsgType, Tag } from '../../src/fix/tags.js';
import { parseMessage } from '../../src/fix/codec.js';
import { validateMessage } from '../../src/fix/validator.js';

export type Version = 'FIX.4.2' | 'FIX.4.4';

export interface ClientOptions {
  readonly port: number;
  readonly beginString: Version;
  readonly senderCompID: string;
  readonly targetCompID?: string;
  readonly logonTimeoutMs?: number;
  /** Default true: sequence numbers start at 1 on every logon (ResetSeqNumFlag=Y). */
  readonly resetOnLogon?: boolean;
  /** Sequence numbers and sent messages; pass the same store to a later client to carry on where this one stopped. */
  readonly store?: MessageStore;
  /** Every message the session receives, admin ones included (Logon, ResendRequest, SequenceReset...). */
  readonly onIncoming?: (message: FixMessage) => void;
  /** Every application message (and session Reject) as it is received, before `next` sees it. */
  readonly onMessage?: (message: FixMessage) => void;
}

class Collector extends BaseApplication {
  readonly received: FixMessage[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly onMessage?: (message: FixMessage) => void) {
    super();
  }

  override fromApp(message: FixMessage): void {
    this.received.push(message);
    this.onMessage?.(message);
    this.wake();
  }

  override fromAdmin(message: FixMessage, _session: Session): void {
    // Session-level rejects from the venue are answers too (a request the dictionary refused).
    if (message.msgType === MsgType.Reject) {
      this.received.push(message);
      this.onMessage?.(message);
      this.wake();
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class TestFixClient {
  private read = 0;

  private constructor(
    readonly initiator: FixInitiator,
    private readonly app: Collector,
    /** Session Rejects this client sent: venue messages its dictionary refused. */
    readonly sessionRejects: string[],
  ) {}

  static async logon(options: ClientOptions): Promise<TestFixClient> {
    const app = new Collector(options.onMessage);
    const dictionary = isSupportedVersion(options.beginString) ? getDictionary(options.beginString) : undefined;
    const sessionRejects: string[] = [];
    const initiator = new FixInitiator({
      settings: {
        beginString: options.beginString,
        senderCompID: options.senderCompID,
        targetCompID: options.targetCompID ?? 'CRUCIBLE',
        heartBtInt: 30,
        resetOnLogon: options.resetOnLogon ?? true,
      },
      port: options.port,
      application: app,
      ...(options.store !== undefined ? { store: options.store } : {}),
      reconnectIntervalMs: 60_000,
      ...(dictionary !== undefined ? { validator: (m: FixMessage) => validateMessage(m, dictionary) } : {}),
      log: {
        onIncoming(raw) {
          if (options.onIncoming === undefined) return;
          const m = parseMessage(raw);
          if (m !== undefined) options.onIncoming(m);
        },
        onOutgoing(raw) {
          const m = parseMessage(raw);
          if (m?.msgType === MsgType.Reject) sessionRejects.push(m.toString());
        },
        onEvent() {},
      },
    });
    const client = new TestFixClient(initiator, app, sessionRejects);
    initiator.start();
    await initiator.waitForLogon(options.logonTimeoutMs ?? 5000);
    return client;
  }

  get session(): Session {
    return this.initiator.session;
  }

  /** Everything received so far (application messages and session Rejects). */
  get received(): readonly FixMessage[] {
    return this.app.received;
  }

  send(msgType: string, fields: ReadonlyArray<readonly [number, FieldValue]>): void {
    this.session.send(new OutgoingMessage(msgType, fields));
  }

  /** The next message not yet returned, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<FixMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.app.received.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (received so far: ${this.app.received.map((m) => m.toString()).join('\n')})`);
      await Promise.race([this.app.changed(), new Promise((resolve) => setTimeout(resolve, left))]);
    }
    return this.app.received[this.read++];
  }

  /** The next `count` messages. */
  async take(count: number, timeoutMs = 5000): Promise<FixMessage[]> {
    const out: FixMessage[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** True when nothing arrives within `ms`. */
  async quiet(ms = 200): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.read >= this.app.received.length;
  }

  async stop(): Promise<void> {
    await this.initiator.stop(2000);
  }
}

/** The fields of a message as a tag → value record (first occurrence), for readable assertions. */
export function fieldsOf(message: FixMessage): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [tag, value] of message.fields()) if (!(tag in out)) out[tag] = value;
  return out;
}

/** Picks the given tags of a message; absent tags come out as undefined. */
export function pick(message: FixMessage, tags: readonly number[]): Record<number, string | undefined> {
  const out: Record<number, string | undefined> = {};
  for (const tag of tags) out[tag] = message.get(tag);
  return out;
}

export { Tag, MsgType };
