// Session-level validation of a parsed message against a data dictionary, reproducing QuickFIX's
// Message::setString (structure and repeating groups) and DataDictionary::validate (the checks and
// the order in which the first failure is chosen). The first failure becomes the session Reject:
//
// 1. a header field after the body, or a body field after the trailer  → 14, the first such tag
// 2. MsgType not in the dictionary                                    → 11
// 3. required fields: header (by tag), trailer, body (by tag), then group entries → 1
// 4. every field of the header, then the trailer, then the body, each part in QuickFIX's sorted
//    order (8, 9, 35 first in the header; ascending tags elsewhere; repeats stay adjacent):
//    repeated tag → 13, empty value → 4, data format → 6, enum value → 5, unknown tag → 0,
//    and for body fields: not in this message → 2, NumInGroup count ≠ entries → 16.
//
// Like QuickFIX (C++), fields inside repeating groups are checked only for presence of required
// members: their values, formats and tags are not validated, and nested group counts are not
// compared. BeginString is the session's to check (QuickFIX answers it with a Logout, not a Reject).
import type { FixDictionary, GroupDef, MessageDef } from './dictionary.js';
import { parseUtcTimestamp } from './encoder.js';
import type { FixMessage } from './fix-message.js';
import { SESSION_REJECT_TEXT, SessionRejectReason, sessionReject, type SessionRejectInfo } from './reject-reasons.js';
import { Tag } from './tags.js';

export type { SessionRejectInfo } from './reject-reasons.js';

/** QuickFIX session settings that change validation, with QuickFIX's defaults. */
export interface ValidationOptions {
  /** ValidateFieldsOutOfOrder (default true): header after body, or body after trailer → 14. */
  checkFieldsOutOfOrder?: boolean;
  /** ValidateFieldsHaveValues (default true): an empty value → 4. */
  checkFieldsHaveValues?: boolean;
  /** ValidateUserDefinedFields (default true): tags ≥ 5000 must be in the dictionary. */
  checkUserDefinedFields?: boolean;
  /** AllowUnknownMsgFields (default false): tags < 5000 that the dictionary lacks are let through. */
  allowUnknownMessageFields?: boolean;
  /**
   * Not a QuickFIX (C++) check: reject a group entry that does not start with the group's
   * delimiter field → 15 "Repeating group fields out of order" (QuickFIX/J does this). Default false.
   */
  checkGroupDelimiters?: boolean;
}

const USER_MIN = 5000;

/** Entries of each repeating group found in one field map (message body, header, or a group entry). */
type GroupEntries = Map<number, GroupEntry[]>;

interface GroupEntry {
  /** Tags set in this entry (group members only; nested entries are in `groups`). */
  tags: Set<number>;
  groups: GroupEntries;
}

/** A message split the way QuickFIX's Message::setString splits it. */
interface Structure {
  header: number[];
  body: number[];
  trailer: number[];
  headerGroups: GroupEntries;
  bodyGroups: GroupEntries;
  /** First tag found out of header/body/trailer order, or undefined. */
  outOfOrderTag: number | undefined;
  /** First field that started a group entry without being the delimiter, or undefined. */
  entryWithoutDelimiter: number | undefined;
}

export function validateMessage(msg: FixMessage, dict: FixDictionary, options: ValidationOptions = {}): SessionRejectInfo | undefined {
  const checkOrder = options.checkFieldsOutOfOrder ?? true;
  const checkValues = options.checkFieldsHaveValues ?? true;
  const checkUserDefined = options.checkUserDefinedFields ?? true;
  const allowUnknown = options.allowUnknownMessageFields ?? false;

  // Nearly every message is valid: one pass proves it without building the structure the full check
  // needs. Any doubt (a group, an unusual tag, a failure) goes the full way, which alone decides which
  // reject QuickFIX would send.
  if (checkOrder && checkValues && checkUserDefined && !allowUnknown) {
    const def = dict.message(msg.msgType);
    if (def !== undefined && isPlainlyValid(msg, dict, def)) return undefined;
  }
  return validateMessageFully(msg, dict, options);
}

/** validateMessage without the one-pass proof: every check, in QuickFIX's order. */
export function validateMessageFully(msg: FixMessage, dict: FixDictionary, options: ValidationOptions = {}): SessionRejectInfo | undefined {
  const checkOrder = options.checkFieldsOutOfOrder ?? true;
  const checkValues = options.checkFieldsHaveValues ?? true;
  const checkUserDefined = options.checkUserDefinedFields ?? true;
  const allowUnknown = options.allowUnknownMessageFields ?? false;
  const msgType = msg.msgType;
  const s = splitMessage(msg, dict, msgType);

  if (checkOrder && s.outOfOrderTag !== undefined) {
    return sessionReject(SessionRejectReason.TagSpecifiedOutOfRequiredOrder, s.outOfOrderTag);
  }
  if (options.checkGroupDelimiters && s.entryWithoutDelimiter !== undefined) {
    return {
      reason: SessionRejectReason.RepeatingGroupFieldsOutOfOrder,
      refTagId: s.entryWithoutDelimiter,
      text: SESSION_REJECT_TEXT[SessionRejectReason.RepeatingGroupFieldsOutOfOrder],
    };
  }
  const def = dict.message(msgType);
  if (def === undefined) return sessionReject(SessionRejectReason.InvalidMsgType);

  const missing = firstMissingRequired(msg, dict, s, def.requiredFields, def.groups);
  if (missing !== undefined) return sessionReject(SessionRejectReason.RequiredTagMissing, missing);

  const checkField = (i: number, inBody: boolean): SessionRejectInfo | undefined => {
    const tag = msg.tagAt(i);
    if (checkValues && msg.valueLengthAt(i) === 0) return sessionReject(SessionRejectReason.TagSpecifiedWithoutAValue, tag);
    const field = dict.field(tag);
    if (field !== undefined) {
      const format = byteFormatOk(field.type, msg, i);
      if (format === false) return sessionReject(SessionRejectReason.IncorrectDataFormatForValue, tag);
      if (format === undefined || field.values !== undefined) {
        const value = msg.valueAt(i);
        if (format === undefined && !hasValidFormat(field.type, value)) return sessionReject(SessionRejectReason.IncorrectDataFormatForValue, tag);
        if (field.values !== undefined && !dict.isValidValue(tag, value)) return sessionReject(SessionRejectReason.ValueIsIncorrect, tag);
      }
    }
    const checkTag = tag < USER_MIN ? !allowUnknown : checkUserDefined;
    if (!checkTag) return undefined;
    if (field === undefined) return sessionReject(SessionRejectReason.InvalidTagNumber, tag);
    if (!inBody) return undefined;
    if (!def.fields.has(tag)) return sessionReject(SessionRejectReason.TagNotDefinedForThisMessageType, tag);
    if (def.groups.has(tag)) {
      const entries = s.bodyGroups.get(tag)?.length ?? 0;
      if (msg.intAt(i) !== entries) return sessionReject(SessionRejectReason.IncorrectNumInGroupCountForRepeatingGroup, tag);
    }
    return undefined;
  };

  const parts: Array<[number[], boolean]> = [
    [sortHeader(msg, s.header), false],
    [sortTrailer(msg, s.trailer), false],
    [sortByTag(msg, s.body), true],
  ];
  for (const [fields, inBody] of parts) {
    let last = 0;
    for (let k = 0; k < fields.length; k++) {
      const i = fields[k];
      const tag = msg.tagAt(i);
      if (k > 0 && tag === last) return sessionReject(SessionRejectReason.TagAppearsMoreThanOnce, tag);
      const reject = checkField(i, inBody);
      if (reject !== undefined) return reject;
      last = tag;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The one-pass proof of validity (default options only)

/** Tags at or above this go the full way; the dictionaries' fields all lie below it. */
const TABLE_TAGS = 10_000;
const PART_BODY = 0;
const PART_HEADER = 1;
const PART_TRAILER = 2;

const KIND_ANY = 0;
const KIND_INT = 1;
const KIND_DECIMAL = 2;
const KIND_CHAR = 3;
const KIND_BOOLEAN = 4;
/** Checked on the decoded string (timestamps, dates). */
const KIND_TEXT = 5;
/** Not in the dictionary. */
const KIND_UNKNOWN = 6;

interface DictionaryTables {
  readonly part: Uint8Array;
  readonly kind: Uint8Array;
  /** Header tags that start a repeating group. */
  readonly headerGroup: Uint8Array;
  /** One-byte enum values allowed, per tag, 128 flags each; undefined: not a one-character enum. */
  readonly charEnums: Array<Uint8Array | undefined>;
  /** Enumerated fields whose values are not all single ASCII characters (checked on the string). */
  readonly textEnum: Uint8Array;
  readonly required: Int32Array;
}

interface MessageTables {
  /** 1: allowed at the top level of the body; 2: a group's count tag. */
  readonly fields: Uint8Array;
  readonly required: Int32Array;
}

const dictionaryTables = new WeakMap<FixDictionary, DictionaryTables>();
const messageTables = new WeakMap<MessageDef, MessageTables>();

function tablesOf(dict: FixDictionary): DictionaryTables {
  let t = dictionaryTables.get(dict);
  if (t !== undefined) return t;
  const part = new Uint8Array(TABLE_TAGS);
  const kind = new Uint8Array(TABLE_TAGS).fill(KIND_UNKNOWN);
  const headerGroup = new Uint8Array(TABLE_TAGS);
  const textEnum = new Uint8Array(TABLE_TAGS);
  const charEnums: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(TABLE_TAGS).fill(undefined);
  for (let tag = 1; tag < TABLE_TAGS; tag++) {
    if (dict.isHeaderField(tag)) part[tag] = PART_HEADER;
    else if (dict.isTrailerField(tag)) part[tag] = PART_TRAILER;
    if (dict.headerGroups.has(tag)) headerGroup[tag] = 1;
    const field = dict.field(tag);
    if (field === undefined) continue;
    kind[tag] = kindOf(field.type);
    if (field.values === undefined) continue;
    const values = [...field.values.keys()];
    if (!dict.isMultipleValueField(tag) && values.every((v) => v.length === 1 && v.charCodeAt(0) < 0x80)) {
      const allowed = new Uint8Array(128);
      for (const v of values) allowed[v.charCodeAt(0)] = 1;
      charEnums[tag] = allowed;
    } else {
      textEnum[tag] = 1;
    }
  }
  const required = Int32Array.from([...requiredOf(dict.headerFields), ...requiredOf(dict.trailerFields)]);
  t = { part, kind, headerGroup, charEnums, textEnum, required };
  dictionaryTables.set(dict, t);
  return t;
}

function kindOf(type: string): number {
  switch (type) {
    case 'INT':
    case 'NUMINGROUP':
    case 'SEQNUM':
    case 'LENGTH':
    case 'DAYOFMONTH':
      return KIND_INT;
    case 'PRICE':
    case 'AMT':
    case 'QTY':
    case 'FLOAT':
    case 'PRICEOFFSET':
    case 'PERCENTAGE':
      return KIND_DECIMAL;
    case 'CHAR':
      return KIND_CHAR;
    case 'BOOLEAN':
      return KIND_BOOLEAN;
    case 'UTCTIMESTAMP':
    case 'UTCTIMEONLY':
    case 'UTCDATE':
    case 'UTCDATEONLY':
      return KIND_TEXT;
    default:
      return KIND_ANY;
  }
}

function messageTablesOf(def: MessageDef): MessageTables {
  let t = messageTables.get(def);
  if (t !== undefined) return t;
  const fields = new Uint8Array(TABLE_TAGS);
  for (const tag of def.fields) if (tag < TABLE_TAGS) fields[tag] = 1;
  for (const tag of def.groups.keys()) if (tag < TABLE_TAGS) fields[tag] = 2;
  t = { fields, required: Int32Array.from(ascendingOf(def.requiredFields)) };
  messageTables.set(def, t);
  return t;
}

// Tags seen in the message being checked: a tag was seen when its stamp equals the current one.
const seenStamp = new Int32Array(TABLE_TAGS);
let stamp = 0;

/**
 * True only when the full check would find nothing wrong: every field known, in its part, once,
 * with a value of the right format and enumeration, no repeating group, every required tag there.
 * False means "not proven", never "invalid".
 */
function isPlainlyValid(msg: FixMessage, dict: FixDictionary, def: MessageDef): boolean {
  const t = tablesOf(dict);
  const m = messageTablesOf(def);
  if (stamp === 0x7fffffff) {
    seenStamp.fill(0);
    stamp = 0;
  }
  const now = ++stamp;
  const raw = msg.raw;
  let part = PART_HEADER;
  for (let i = 0, n = msg.fieldCount; i < n; i++) {
    const tag = msg.tagAt(i);
    if (tag <= 0 || tag >= TABLE_TAGS || seenStamp[tag] === now) return false;
    seenStamp[tag] = now;
    const start = msg.valueStartAt(i);
    const end = msg.valueEndAt(i);
    if (end === start) return false;
    const fieldPart = t.part[tag];
    if (fieldPart === PART_HEADER) {
      if (part !== PART_HEADER || t.headerGroup[tag] === 1) return false;
    } else if (fieldPart === PART_TRAILER) {
      part = PART_TRAILER;
    } else {
      if (part === PART_TRAILER || m.fields[tag] !== 1) return false;
      part = PART_BODY;
    }
    switch (t.kind[tag]) {
      case KIND_ANY:
        break;
      case KIND_INT:
        if (!isIntBytes(raw, start, end)) return false;
        break;
      case KIND_DECIMAL:
        if (!isDecimalBytes(raw, start, end)) return false;
        break;
      case KIND_CHAR:
        if (end - start !== 1 || raw[start] >= 0x80) return false;
        break;
      case KIND_BOOLEAN:
        if (end - start !== 1 || (raw[start] !== 0x59 && raw[start] !== 0x4e)) return false;
        break;
      case KIND_TEXT:
        if (!hasValidFormat(dict.field(tag)!.type, msg.valueAt(i))) return false;
        break;
      default:
        return false;
    }
    const allowed = t.charEnums[tag];
    if (allowed !== undefined) {
      if (end - start !== 1 || raw[start] >= 0x80 || allowed[raw[start]] !== 1) return false;
    } else if (t.textEnum[tag] === 1 && !dict.isValidValue(tag, msg.valueAt(i))) {
      return false;
    }
  }
  for (let k = 0; k < t.required.length; k++) if (seenStamp[t.required[k]] !== now) return false;
  for (let k = 0; k < m.required.length; k++) if (seenStamp[m.required[k]] !== now) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Structure (Message::setString and Message::setGroup)

function splitMessage(msg: FixMessage, dict: FixDictionary, msgType: string): Structure {
  const s: Structure = {
    header: [],
    body: [],
    trailer: [],
    headerGroups: new Map(),
    bodyGroups: new Map(),
    outOfOrderTag: undefined,
    entryWithoutDelimiter: undefined,
  };
  const bodyGroupDefs = dict.message(msgType)?.groups;
  let part: 'header' | 'body' | 'trailer' = 'header';
  const n = msg.fieldCount;
  let i = 0;
  while (i < n) {
    const tag = msg.tagAt(i);
    if (dict.isHeaderField(tag)) {
      if (part !== 'header' && s.outOfOrderTag === undefined) s.outOfOrderTag = tag;
      s.header.push(i++);
      const g = dict.headerGroups.get(tag);
      if (g !== undefined) i = readGroup(msg, g, i, s.headerGroups, s);
    } else if (dict.isTrailerField(tag)) {
      part = 'trailer';
      s.trailer.push(i++);
    } else {
      if (part === 'trailer' && s.outOfOrderTag === undefined) s.outOfOrderTag = tag;
      part = 'body';
      s.body.push(i++);
      const g = bodyGroupDefs?.get(tag);
      if (g !== undefined) i = readGroup(msg, g, i, s.bodyGroups, s);
    }
  }
  return s;
}

/**
 * Reads the entries of group `def` starting at field `i`; returns the index of the first field
 * that is not part of the group. As in QuickFIX, an entry starts at the delimiter, or at any
 * member field when there is no entry yet or the current entry already has that field.
 */
function readGroup(msg: FixMessage, def: GroupDef, i: number, into: GroupEntries, s: Structure): number {
  const n = msg.fieldCount;
  let entry: GroupEntry | undefined;
  while (i < n) {
    const tag = msg.tagAt(i);
    const member = def.fields.has(tag);
    if (tag === def.delimiter || (member && (entry === undefined || entry.tags.has(tag)))) {
      if (tag !== def.delimiter && s.entryWithoutDelimiter === undefined) s.entryWithoutDelimiter = tag;
      entry = { tags: new Set(), groups: new Map() };
      const list = into.get(def.countTag);
      if (list === undefined) into.set(def.countTag, [entry]);
      else list.push(entry);
    } else if (!member || entry === undefined) {
      return i;
    }
    entry.tags.add(tag);
    i++;
    const nested = def.groups.get(tag);
    if (nested !== undefined) i = readGroup(msg, nested, i, entry.groups, s);
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Required fields (DataDictionary::checkHasRequired)

function firstMissingRequired(
  msg: FixMessage,
  dict: FixDictionary,
  s: Structure,
  bodyRequired: ReadonlySet<number>,
  bodyGroupDefs: ReadonlyMap<number, GroupDef>,
): number | undefined {
  for (const tag of requiredOf(dict.headerFields)) if (!hasTag(msg, s.header, tag)) return tag;
  for (const tag of requiredOf(dict.trailerFields)) if (!hasTag(msg, s.trailer, tag)) return tag;
  for (const tag of ascendingOf(bodyRequired)) if (!hasTag(msg, s.body, tag)) return tag;
  return s.bodyGroups.size === 0 ? undefined : firstMissingInGroups(s.bodyGroups, bodyGroupDefs);
}

// A part holds a dozen fields or so: a scan costs less than building a Set of them per message.
function hasTag(msg: FixMessage, indices: readonly number[], tag: number): boolean {
  for (let k = 0; k < indices.length; k++) if (msg.tagAt(indices[k]) === tag) return true;
  return false;
}

// The dictionary's tables never change once loaded, so their sorted forms are worked out once.
const sortedSets = new WeakMap<ReadonlySet<number>, readonly number[]>();
const sortedRequired = new WeakMap<ReadonlyMap<number, boolean>, readonly number[]>();

function ascendingOf(tags: ReadonlySet<number>): readonly number[] {
  let sorted = sortedSets.get(tags);
  if (sorted === undefined) {
    sorted = ascending(tags);
    sortedSets.set(tags, sorted);
  }
  return sorted;
}

/** The tags a part's field table marks required, ascending. */
function requiredOf(fields: ReadonlyMap<number, boolean>): readonly number[] {
  let sorted = sortedRequired.get(fields);
  if (sorted === undefined) {
    sorted = ascending(fields.keys()).filter((tag) => fields.get(tag) === true);
    sortedRequired.set(fields, sorted);
  }
  return sorted;
}

function firstMissingInGroups(groups: GroupEntries, defs: ReadonlyMap<number, GroupDef>): number | undefined {
  for (const countTag of ascending(groups.keys())) {
    const def = defs.get(countTag);
    if (def === undefined) continue;
    const required = ascendingOf(def.requiredFields);
    for (const entry of groups.get(countTag)!) {
      for (const tag of required) if (!entry.tags.has(tag)) return tag;
      const nested = firstMissingInGroups(entry.groups, def.groups);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function ascending(tags: Iterable<number>): number[] {
  return [...tags].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// QuickFIX's field orders (message_order): header 8, 9, 35 then by tag; trailer by tag, CheckSum
// last; body by tag. Stable, so repeats stay adjacent in wire order.

function headerRank(tag: number): number {
  return tag === Tag.BeginString ? 1 : tag === Tag.BodyLength ? 2 : tag === Tag.MsgType ? 3 : 0;
}

function sortHeader(msg: FixMessage, indices: number[]): number[] {
  return indices.sort((a, b) => {
    const ta = msg.tagAt(a);
    const tb = msg.tagAt(b);
    const ra = headerRank(ta);
    const rb = headerRank(tb);
    if (ra !== 0 || rb !== 0) {
      if (ra !== 0 && rb !== 0) return ra - rb || a - b;
      return ra !== 0 ? -1 : 1;
    }
    return ta - tb || a - b;
  });
}

function sortTrailer(msg: FixMessage, indices: number[]): number[] {
  return indices.sort((a, b) => {
    const ta = msg.tagAt(a);
    const tb = msg.tagAt(b);
    if (ta === Tag.CheckSum || tb === Tag.CheckSum) {
      if (ta === tb) return a - b;
      return ta === Tag.CheckSum ? 1 : -1;
    }
    return ta - tb || a - b;
  });
}

function sortByTag(msg: FixMessage, indices: number[]): number[] {
  return indices.sort((a, b) => msg.tagAt(a) - msg.tagAt(b) || a - b);
}

// ---------------------------------------------------------------------------------------------
// Data formats (QuickFIX's FieldConvertors)

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The format check of field i read from its bytes, for the types whose rule is plain ASCII:
 * undefined when the type needs the string (hasValidFormat). Any byte ≥ 0x80 fails these types
 * either way, so the bytes give the same answer the decoded string would.
 */
function byteFormatOk(type: string, msg: FixMessage, i: number): boolean | undefined {
  switch (kindOf(type)) {
    case KIND_INT:
      return isIntBytes(msg.raw, msg.valueStartAt(i), msg.valueEndAt(i));
    case KIND_DECIMAL:
      return isDecimalBytes(msg.raw, msg.valueStartAt(i), msg.valueEndAt(i));
    case KIND_CHAR:
    case KIND_BOOLEAN:
    case KIND_TEXT:
      return undefined;
    default:
      return true;
  }
}

/** INT above, on bytes. */
function isIntBytes(raw: Buffer, p: number, end: number): boolean {
  if (p < end && raw[p] === MINUS) p++;
  if (p === end) return false;
  for (; p < end; p++) if (raw[p] < ZERO || raw[p] > NINE) return false;
  return true;
}

/** DECIMAL above, on bytes: digits with at most one '.', at least one digit, before the '.' if it ends the value. */
function isDecimalBytes(raw: Buffer, p: number, end: number): boolean {
  if (p < end && raw[p] === MINUS) p++;
  let digits = 0;
  let dot = false;
  for (; p < end; p++) {
    const c = raw[p];
    if (c >= ZERO && c <= NINE) digits++;
    else if (c === DOT && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

const INT = /^-?\d+$/;
const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)$/;

/** Whether `value` converts to `type` the way QuickFIX's field convertors accept it. */
export function hasValidFormat(type: string, value: string): boolean {
  switch (type) {
    case 'INT':
    case 'NUMINGROUP':
    case 'SEQNUM':
    case 'LENGTH':
    case 'DAYOFMONTH':
      return INT.test(value);
    case 'PRICE':
    case 'AMT':
    case 'QTY':
    case 'FLOAT':
    case 'PRICEOFFSET':
    case 'PERCENTAGE':
      return DECIMAL.test(value);
    case 'CHAR':
      return value.length === 1;
    case 'BOOLEAN':
      return value === 'Y' || value === 'N';
    case 'UTCTIMESTAMP':
      return parseUtcTimestamp(value) !== undefined;
    case 'UTCTIMEONLY':
      return isUtcTimeOnly(value);
    case 'UTCDATE':
    case 'UTCDATEONLY':
      return isUtcDate(value);
    default:
      return true;
  }
}

function digitsAt(s: string, start: number, count: number): boolean {
  for (let i = start; i < start + count; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function num(s: string, start: number, count: number): number {
  return Number(s.slice(start, start + count));
}

/** Up to nine fraction digits after a '.', or none at all, as QuickFIX's time convertors accept. */
function fractionOk(s: string, at: number): boolean {
  if (s.length === at) return true;
  return s[at] === '.' && digitsAt(s, at + 1, s.length - at - 1);
}

function isUtcTimeOnly(s: string): boolean {
  if (s.length < 8 || s.length > 18) return false;
  if (!digitsAt(s, 0, 2) || s[2] !== ':' || !digitsAt(s, 3, 2) || s[5] !== ':' || !digitsAt(s, 6, 2)) return false;
  if (num(s, 0, 2) > 23 || num(s, 3, 2) > 59 || num(s, 6, 2) > 60) return false;
  return fractionOk(s, 8);
}

function isUtcDate(s: string): boolean {
  if (s.length !== 8 || !digitsAt(s, 0, 8)) return false;
  const month = num(s, 4, 2);
  const day = num(s, 6, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
