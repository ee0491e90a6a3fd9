// SessionRejectReason (373) values and the Text (58) QuickFIX sends with each. Counterparties and
// conformance transcripts compare these texts exactly, so they are copied letter for letter.
import type { Field } from './encoder.js';
import { Tag } from './tags.js';

export const SessionRejectReason = {
  InvalidTagNumber: 0,
  RequiredTagMissing: 1,
  TagNotDefinedForThisMessageType: 2,
  UndefinedTag: 3,
  TagSpecifiedWithoutAValue: 4,
  ValueIsIncorrect: 5,
  IncorrectDataFormatForValue: 6,
  DecryptionProblem: 7,
  SignatureProblem: 8,
  CompIdProblem: 9,
  SendingTimeAccuracyProblem: 10,
  InvalidMsgType: 11,
  XmlValidationError: 12,
  TagAppearsMoreThanOnce: 13,
  TagSpecifiedOutOfRequiredOrder: 14,
  RepeatingGroupFieldsOutOfOrder: 15,
  IncorrectNumInGroupCountForRepeatingGroup: 16,
  NonDataValueIncludesFieldDelimiter: 17,
  Other: 99,
} as const;

export type SessionRejectReasonCode = (typeof SessionRejectReason)[keyof typeof SessionRejectReason];

/**
 * The standard text of each reason. QuickFIX's Session::generateReject sends a Text only for the
 * reasons in `QUICKFIX_TEXTED_REASONS`; `sessionReject` follows it.
 */
export const SESSION_REJECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Invalid tag number',
  1: 'Required tag missing',
  2: 'Tag not defined for this message type',
  3: 'Undefined Tag',
  4: 'Tag specified without a value',
  5: 'Value is incorrect (out of range) for this tag',
  6: 'Incorrect data format for value',
  7: 'Decryption problem',
  8: 'Signature problem',
  9: 'CompID problem',
  10: 'SendingTime accuracy problem',
  11: 'Invalid MsgType',
  12: 'XML Validation error',
  13: 'Tag appears more than once',
  14: 'Tag specified out of required order',
  15: 'Repeating group fields out of order',
  16: 'Incorrect NumInGroup count for repeating group',
  17: 'Non Data value includes field delimiter (SOH character)',
  99: 'Other',
};

/** Why an inbound message is rejected at session level: what a Reject (35=3) reports. */
export interface SessionRejectInfo {
  /** SessionRejectReason (373). */
  reason: number;
  /** RefTagID (371): the offending tag, when there is one. */
  refTagId?: number;
  /** Text (58). */
  text: string;
}

/** Reasons QuickFIX's generateReject gives a Text; the others go out without 58. */
export const QUICKFIX_TEXTED_REASONS: ReadonlySet<number> = new Set([0, 1, 2, 4, 5, 6, 9, 10, 11, 13, 14, 16]);

/** A reject as QuickFIX would word it: its text for the reason, or none for reasons it leaves bare. */
export function sessionReject(reason: number, refTagId?: number): SessionRejectInfo {
  const text = QUICKFIX_TEXTED_REASONS.has(reason) ? SESSION_REJECT_TEXT[reason] : '';
  return refTagId === undefined ? { reason, text } : { reason, refTagId, text };
}

/** BusinessRejectReason (380) values. */
export const BusinessRejectReason = {
  Other: 0,
  UnknownId: 1,
  UnknownSecurity: 2,
  UnsupportedMessageType: 3,
  ApplicationNotAvailable: 4,
  ConditionallyRequiredFieldMissing: 5,
  NotAuthorized: 6,
  DeliverToFirmNotAvailableAtThisTime: 7,
  InvalidPriceIncrement: 18,
} as const;

/** Texts of QuickFIX's Session::generateBusinessReject (its Values.h spelling). */
export const BUSINESS_REJECT_TEXT: Readonly<Record<number, string>> = {
  0: 'Other',
  1: 'Unknown ID',
  2: 'Unknown Security',
  3: 'Unsupported Message Type',
  4: 'Application Not Available',
  5: 'Conditionally Required Field Missing',
  6: 'Not Authorized',
  7: 'Deliver to firm not available at this time',
  18: 'Invalid price increment',
};

/**
 * Body fields of a session Reject (35=3) for `info`, as QuickFIX's Session::generateReject writes
 * them for the session's BeginString:
 * - RefSeqNum (45) when the rejected message carried a MsgSeqNum;
 * - from FIX.4.2: RefMsgType (372) when it carried a MsgType, and SessionRejectReason (373) except
 *   that FIX.4.2 only sends 373 for reasons up to 11 (Invalid MsgType), the last one FIX.4.2 defined;
 * - RefTagID (371) and the bare text from FIX.4.2, or "text (tag)" in the Text before it; a RefTagID
 *   of 0 means "no tag" except for "Invalid tag number" (a message may really carry tag 0).
 * Order is irrelevant: `sortFieldsForSend` puts them in ascending tag order.
 */
export function rejectBodyFields(
  beginString: string,
  info: SessionRejectInfo,
  rejected: { msgSeqNum?: string; msgType?: string },
): Field[] {
  const fields: Field[] = [];
  if (rejected.msgSeqNum !== undefined && rejected.msgSeqNum !== '') fields.push([Tag.RefSeqNum, rejected.msgSeqNum]);
  const fix42OrLater = beginString >= 'FIX.4.2';
  if (fix42OrLater) {
    if (rejected.msgType !== undefined && rejected.msgType !== '') fields.push([Tag.RefMsgType, rejected.msgType]);
    if ((beginString === 'FIX.4.2' && info.reason <= SessionRejectReason.InvalidMsgType) || beginString > 'FIX.4.2') {
      fields.push([Tag.SessionRejectReason, info.reason]);
    }
  }
  const tag = info.refTagId ?? 0;
  if (info.text !== '' && (tag !== 0 || info.reason === SessionRejectReason.InvalidTagNumber)) {
    if (fix42OrLater) {
      fields.push([Tag.RefTagID, tag]);
      fields.push([Tag.Text, info.text]);
    } else {
      fields.push([Tag.Text, `${info.text} (${tag})`]);
    }
  } else if (info.text !== '') {
    fields.push([Tag.Text, info.text]);
  }
  return fields;
}
