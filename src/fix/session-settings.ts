// Per-counterparty FIX session settings, checked once when a session is configured so a typo in a
// config file fails at startup instead of surfacing as a puzzling disconnect hours later. Names and
// defaults follow QuickFIX's settings of the same meaning (ResetOnLogon, HeartBtInt, MaxLatency...).
import { z } from 'zod';

export const SUPPORTED_BEGIN_STRINGS = ['FIX.4.2', 'FIX.4.4'] as const;
export type BeginString = (typeof SUPPORTED_BEGIN_STRINGS)[number];

/** A TargetCompID that accepts any counterparty: one session is created per SenderCompID seen. */
export const ANY_COMP_ID = 'any';

// A CompID travels in every header and names sessions in logs and files; SOH or '=' would break the
// tag=value framing, and control characters make logs lie.
const compId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .refine((s) => !s.includes('='), 'may not contain "="');

export const sessionSettingsSchema = z
  .strictObject({
    beginString: z.enum(SUPPORTED_BEGIN_STRINGS),
    senderCompID: compId,
    /** The counterparty's CompID, or "any". */
    targetCompID: compId,
    /**
     * Seconds between heartbeats. An initiator sends it in its Logon; an acceptor uses what the
     * counterparty's Logon asks for, as QuickFIX does.
     */
    heartBtInt: z.number().int().min(0).max(3600).default(30),
    /** Both sequence numbers back to 1 on every Logon. */
    resetOnLogon: z.boolean().default(false),
    resetOnLogout: z.boolean().default(false),
    resetOnDisconnect: z.boolean().default(false),
    /**
     * When set, a Logon must carry it: Password (554) in FIX 4.4, RawData (96) in FIX 4.2, which has no
     * Password field. An initiator sends it.
     */
    password: z.string().min(1).max(256).optional(),
    /** Validate received messages against the version's data dictionary. */
    validate: z.boolean().default(true),
    /** Largest BodyLength accepted, in bytes; a longer message is dropped as garbled. */
    maxMessageSize: z
      .number()
      .int()
      .min(256)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /** Seconds to wait for a Logon (acceptor) or the Logon reply (initiator) before disconnecting. */
    logonTimeout: z.number().positive().max(3600).default(10),
    /** Seconds to wait for the reply to a Logout before disconnecting. */
    logoutTimeout: z.number().positive().max(3600).default(2),
    /** Reject messages whose SendingTime is further than `maxLatency` seconds from now. */
    checkLatency: z.boolean().default(true),
    maxLatency: z.number().int().positive().max(86_400).default(120),
    /** Reject messages whose SenderCompID/TargetCompID do not match the session. */
    checkCompId: z.boolean().default(true),
    /** Send a new ResendRequest even when one covering the gap is outstanding. */
    sendRedundantResendRequests: z.boolean().default(false),
    /** Keep sent messages for resends; without it a ResendRequest is answered with one gap fill. */
    persistMessages: z.boolean().default(true),
    /** Milliseconds in SendingTime and OrigSendingTime (FIX 4.2 and later). */
    millisecondsInTimeStamp: z.boolean().default(true),
  })
  .refine((s) => s.senderCompID !== ANY_COMP_ID, { message: 'senderCompID may not be "any"', path: ['senderCompID'] });

/** Settings as written in a config (defaults optional). */
export type SessionSettingsInput = z.input<typeof sessionSettingsSchema>;
/** Settings after validation, every default filled in. */
export type SessionSettings = z.output<typeof sessionSettingsSchema>;

/** Validates settings; throws an Error listing every problem. */
export function parseSessionSettings(input: unknown): SessionSettings {
  const r = sessionSettingsSchema.safeParse(input);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`);
    throw new Error(`invalid FIX session settings: ${problems.join('; ')}`);
  }
  return r.data;
}

/** The identity of one session: version plus the two CompIDs, from this side's point of view. */
export interface SessionID {
  readonly beginString: string;
  readonly senderCompID: string;
  readonly targetCompID: string;
}

export function sessionKey(id: SessionID): string {
  return `${id.beginString}:${id.senderCompID}->${id.targetCompID}`;
}
