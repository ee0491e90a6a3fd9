// The reflector: the application QuickFIX's acceptance transcripts are written against (QuickFIX's
// own test/at Application). It echoes every NewOrderSingle (35=D) and SecurityDefinition (35=d)
// back as a new message (same fields, new header), drops a PossResend=Y order whose ClOrdID this
// session has already seen, and answers any other application message with a BusinessMessageReject.
// Running the session layer under it is how the venue proves it behaves like QuickFIX.
import { sortFieldsForSend } from './encoder.js';
import { FixAcceptor, type AcceptorOptions } from './acceptor.js';
import { type FixVersion, getDictionary, isSupportedVersion } from './dictionary.js';
import type { FixMessage } from './fix-message.js';
import { BaseApplication, FieldNotFound, type MessageValidator, OutgoingMessage, type Session, UnsupportedMessageType } from './session.js';
import type { SessionSettingsInput } from './session-settings.js';
import { MsgType, Tag } from './tags.js';
import { validateMessage } from './validator.js';

/** Header fields the session writes itself (or removes, for an echo that is not a resend). */
const REPLACED_HEADER_TAGS: ReadonlySet<number> = new Set([
  Tag.BeginString,
  Tag.BodyLength,
  Tag.MsgType,
  Tag.SenderCompID,
  Tag.TargetCompID,
  Tag.MsgSeqNum,
  Tag.SendingTime,
  Tag.PossDupFlag,
  Tag.OrigSendingTime,
  Tag.CheckSum,
]);

export class ReflectorApplication extends BaseApplication {
  /** ClOrdIDs seen per session; forgotten when the session logs out, as QuickFIX's reflector does. */
  private readonly seenOrders = new Map<string, Set<string>>();
  /** Messages echoed, for tests and the CLI's summary. */
  echoed = 0;

  override onLogout(session: Session): void {
    this.seenOrders.delete(session.key);
  }

  override fromApp(message: FixMessage, session: Session): void {
    switch (message.msgType) {
      case MsgType.NewOrderSingle:
        return this.processOrder(message, session);
      case MsgType.SecurityDefinition:
        return this.echo(message, session);
      default:
        throw new UnsupportedMessageType();
    }
  }

  private processOrder(message: FixMessage, session: Session): void {
    const clOrdID = message.get(Tag.ClOrdID);
    if (clOrdID === undefined) throw new FieldNotFound(Tag.ClOrdID);
    let seen = this.seenOrders.get(session.key);
    if (seen === undefined) {
      seen = new Set();
      this.seenOrders.set(session.key, seen);
    }
    if (message.get(Tag.PossResend) === 'Y' && seen.has(clOrdID)) return;
    seen.add(clOrdID);
    this.echo(message, session);
  }

  /** The received message as a new one: its header minus what the session fills, its body as QuickFIX orders it. */
  private echo(message: FixMessage, session: Session): void {
    const version = session.id.beginString;
    const layout = isSupportedVersion(version) ? getDictionary(version).layoutFor(message.msgType) : undefined;
    const { header, body } = sortFieldsForSend(message.fields(), layout);
    const out = new OutgoingMessage(message.msgType, body);
    for (const [tag, value] of header) if (!REPLACED_HEADER_TAGS.has(tag)) out.header.push([tag, String(value)]);
    session.send(out);
    this.echoed++;
  }
}

/** A dictionary check for the reflector's sessions: QuickFIX's DataDictionary::validate. */
export function dictionaryValidator(beginString: string): MessageValidator | undefined {
  if (!isSupportedVersion(beginString)) return undefined;
  const dictionary = getDictionary(beginString as FixVersion);
  return (message) => validateMessage(message, dictionary);
}

export interface ReflectorOptions {
  /** Acceptor SenderCompID (the transcripts expect ISLD). */
  readonly senderCompID?: string;
  /** Counterparties per version (the transcripts log on as TW42 and TW44). */
  readonly counterparties?: ReadonlyArray<{ beginString: 'FIX.4.2' | 'FIX.4.4'; targetCompID: string }>;
  /** Extra settings applied to every session (e.g. validate: false). */
  readonly settings?: Partial<SessionSettingsInput>;
  readonly acceptor?: Partial<Omit<AcceptorOptions, 'sessions' | 'application'>>;
}

export const REFLECTOR_COUNTERPARTIES = [
  { beginString: 'FIX.4.2', targetCompID: 'TW42' },
  { beginString: 'FIX.4.4', targetCompID: 'TW44' },
] as const;

/** An acceptor running the reflector with the settings the transcripts assume (ResetOnLogon=Y, validation on). */
export function createReflector(options: ReflectorOptions = {}): { acceptor: FixAcceptor; application: ReflectorApplication } {
  const application = new ReflectorApplication();
  const senderCompID = options.senderCompID ?? 'ISLD';
  const sessions = (options.counterparties ?? REFLECTOR_COUNTERPARTIES).map((c) => ({
    beginString: c.beginString,
    senderCompID,
    targetCompID: c.targetCompID,
    resetOnLogon: true,
    validate: true,
    ...options.settings,
  }));
  const acceptor = new FixAcceptor({
    validatorFor: dictionaryValidator,
    ...options.acceptor,
    sessions,
    application,
  });
  return { acceptor, application };
}
