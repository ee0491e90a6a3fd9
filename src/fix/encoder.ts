// Encoding of outgoing FIX messages straight into a Buffer, plus the field ordering QuickFIX uses
// when it sends, and FIX UTCTimestamp formatting.
import { checksum } from './codec.js';
import { LENGTH_TAG_OF_DATA_TAG, STANDARD_HEADER_TAGS, Tag } from './tags.js';

export type FieldValue = string | number;
export type Field = readonly [number, FieldValue];

const SOH = 0x01;
const EQUALS = 0x3d;
const ZERO = 0x30;

/** Working area for the part after BodyLength; grows to the largest message sent so far. */
let body = Buffer.allocUnsafe(8192);

function ensure(capacity: number, used: number): void {
  if (capacity <= body.length) return;
  let size = body.length * 2;
  while (size < capacity) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  body.copy(bigger, 0, 0, used);
  body = bigger;
}

/** Writes a non-negative integer's decimal digits at `pos`; returns the position after them. */
function writeUint(buf: Buffer, pos: number, n: number): number {
  if (n < 10) {
    buf[pos] = ZERO + n;
    return pos + 1;
  }
  // Tags and most lengths: no digit-counting loop.
  if (n < 100) {
    buf[pos] = ZERO + ((n / 10) | 0);
    buf[pos + 1] = ZERO + (n % 10);
    return pos + 2;
  }
  if (n < 1000) {
    buf[pos] = ZERO + ((n / 100) | 0);
    buf[pos + 1] = ZERO + (((n / 10) | 0) % 10);
    buf[pos + 2] = ZERO + (n % 10);
    return pos + 3;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let p = pos + digits;
  for (let x = n; p > pos; x = Math.floor(x / 10)) buf[--p] = ZERO + (x % 10);
  return pos + digits;
}

function isDataTag(tag: number): boolean {
  return LENGTH_TAG_OF_DATA_TAG.has(tag);
}

/**
 * Writes `tag=value<SOH>` at `pos` and returns the new position. ASCII goes byte by byte (short
 * FIX values are cheaper that way than a native call); anything else is written as UTF-8.
 */
function writeField(pos: number, tag: number, value: FieldValue): number {
  if (typeof value === 'number') {
    ensure(pos + 160, pos);
    pos = tag < 0 ? writeNegativeTag(pos, tag) : writeUint(body, pos, tag);
    body[pos++] = EQUALS;
    if (Number.isSafeInteger(value)) {
      if (value < 0) {
        body[pos++] = 0x2d;
        pos = writeUint(body, pos, -value);
      } else {
        pos = writeUint(body, pos, value);
      }
    } else {
      if (!Number.isFinite(value)) throw new RangeError(`tag ${tag}: ${value} is not a FIX number`);
      pos += body.write(numberToFix(value), pos, 'latin1');
    }
    body[pos++] = SOH;
    return pos;
  }
  const len = value.length;
  ensure(pos + 12 + len * 3, pos);
  pos = tag < 0 ? writeNegativeTag(pos, tag) : writeUint(body, pos, tag);
  body[pos++] = EQUALS;
  const valueStart = pos;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) {
      pos = valueStart + body.write(value, valueStart, 'utf8');
      break;
    }
    if (c === SOH && !isDataTag(tag)) throw new RangeError(`tag ${tag}: a value may not contain SOH`);
    body[pos++] = c;
  }
  body[pos++] = SOH;
  return pos;
}

function writeNegativeTag(pos: number, tag: number): number {
  body[pos++] = 0x2d;
  return writeUint(body, pos, -tag);
}

/** Decimal text without exponent notation (FIX numbers have no exponent). */
function numberToFix(value: number): string {
  const s = String(value);
  if (!s.includes('e')) return s;
  if (Math.abs(value) >= 1) return BigInt(value).toString();
  return value.toFixed(Math.min(100, Math.max(0, -Math.floor(Math.log10(Math.abs(value))) + 15))).replace(/\.?0+$/, '');
}

/** "8=<BeginString><SOH>9=" as bytes, and their byte sum, per BeginString (there are a handful). */
const prefixes = new Map<string, { readonly bytes: Buffer; readonly sum: number }>();

function prefixOf(beginString: string): { readonly bytes: Buffer; readonly sum: number } {
  let prefix = prefixes.get(beginString);
  if (prefix === undefined) {
    const bytes = Buffer.from(`8=${beginString}\x019=`, 'latin1');
    prefix = { bytes, sum: checksum(bytes, 0, bytes.length) };
    if (prefixes.size < 64) prefixes.set(beginString, prefix);
  }
  return prefix;
}

/**
 * Encodes a message: 8, 9 and 35 first, then `header` and `body` fields exactly in the order given,
 * then CheckSum. BodyLength and CheckSum are computed here; do not pass 8, 9, 35 or 10.
 */
export function encodeMessage(
  beginString: string,
  msgType: string,
  header: ReadonlyArray<Field>,
  bodyFields: ReadonlyArray<Field>,
): Buffer {
  let pos = writeField(0, Tag.MsgType, msgType);
  for (let i = 0; i < header.length; i++) pos = writeField(pos, header[i][0], header[i][1]);
  for (let i = 0; i < bodyFields.length; i++) pos = writeField(pos, bodyFields[i][0], bodyFields[i][1]);
  return finish(beginString, pos);
}

/** `encodeMessage` with the body as parallel tag and value arrays. */
export function encodeMessageFlat(
  beginString: string,
  msgType: string,
  header: ReadonlyArray<Field>,
  tags: ReadonlyArray<number>,
  values: ReadonlyArray<FieldValue>,
): Buffer {
  let pos = writeField(0, Tag.MsgType, msgType);
  for (let i = 0; i < header.length; i++) pos = writeField(pos, header[i][0], header[i][1]);
  for (let i = 0; i < tags.length; i++) pos = writeField(pos, tags[i], values[i]);
  return finish(beginString, pos);
}

/** The whole message around the `bodyLength` bytes in the working area. */
function finish(beginString: string, bodyLength: number): Buffer {
  let lengthDigits = 1;
  for (let x = bodyLength; x >= 10; x = Math.floor(x / 10)) lengthDigits++;
  const prefix = prefixOf(beginString);
  const headLength = prefix.bytes.length + lengthDigits + 1;
  const out = Buffer.allocUnsafe(headLength + bodyLength + 7);
  const prefixBytes = prefix.bytes;
  const lengthStart = prefixBytes.length;
  for (let i = 0; i < lengthStart; i++) out[i] = prefixBytes[i];
  let p = writeUint(out, lengthStart, bodyLength);
  out[p++] = SOH;
  body.copy(out, p, 0, bodyLength);
  p += bodyLength;
  const sum = (prefix.sum + checksum(out, lengthStart, p)) & 0xff;
  out[p++] = 0x31;
  out[p++] = 0x30;
  out[p++] = EQUALS;
  out[p++] = ZERO + Math.floor(sum / 100);
  out[p++] = ZERO + (Math.floor(sum / 10) % 10);
  out[p++] = ZERO + (sum % 10);
  out[p++] = SOH;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Send order

/** A repeating group as `sortFieldsForSend` needs to know it. */
export interface GroupShape {
  /** The first field of every entry. */
  delimiter: number;
  /** Every field that may appear in an entry (delimiter and nested count tags included). */
  members: ReadonlySet<number>;
  /** Nested group inside an entry, by its count tag. */
  group(countTag: number): GroupShape | undefined;
}

/** What `sortFieldsForSend` needs to know about a message type; `FixDictionary.layoutFor` gives one. */
export interface FieldLayout {
  isHeaderField(tag: number): boolean;
  /** The repeating group whose count tag this is, at the top level of the message. */
  group(countTag: number): GroupShape | undefined;
}

const DEFAULT_LAYOUT: FieldLayout = {
  isHeaderField: (tag) => STANDARD_HEADER_TAGS.has(tag),
  group: () => undefined,
};

/**
 * Splits fields into header and body in the order QuickFIX sends them: each part in ascending tag
 * order, where a repeating group's count tag sorts by its number and carries its entries behind
 * it in their original order. 8, 9, 35 and 10 are dropped (`encodeMessage` writes them). Without
 * a layout no groups are known, so a message with groups needs the dictionary's layout.
 */
export function sortFieldsForSend(
  fields: ReadonlyArray<Field>,
  layout: FieldLayout = DEFAULT_LAYOUT,
): { header: Field[]; body: Field[] } {
  type Block = { tag: number; seq: number; fields: Field[] };
  const headerBlocks: Block[] = [];
  const bodyBlocks: Block[] = [];
  let i = 0;
  while (i < fields.length) {
    const f = fields[i];
    const tag = f[0];
    if (tag === Tag.BeginString || tag === Tag.BodyLength || tag === Tag.MsgType || tag === Tag.CheckSum) {
      i++;
      continue;
    }
    const block: Block = { tag, seq: i, fields: [f] };
    i++;
    const shape = layout.group(tag);
    if (shape !== undefined) i = takeGroupEntries(fields, i, shape, block.fields);
    (layout.isHeaderField(tag) ? headerBlocks : bodyBlocks).push(block);
  }
  const byTag = (a: Block, b: Block): number => a.tag - b.tag || a.seq - b.seq;
  headerBlocks.sort(byTag);
  bodyBlocks.sort(byTag);
  return { header: headerBlocks.flatMap((b) => b.fields), body: bodyBlocks.flatMap((b) => b.fields) };
}

/** Appends the group entries starting at `i` to `out`; returns the index after them. */
function takeGroupEntries(fields: ReadonlyArray<Field>, i: number, shape: GroupShape, out: Field[]): number {
  if (i >= fields.length || fields[i][0] !== shape.delimiter) return i;
  while (i < fields.length && shape.members.has(fields[i][0])) {
    const f = fields[i++];
    out.push(f);
    const nested = shape.group(f[0]);
    if (nested !== undefined) i = takeGroupEntries(fields, i, nested, out);
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// UTCTimestamp

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

// Every message sent in the same millisecond carries the same SendingTime (and a report its
// command's TransactTime), so the last text is kept; the seconds part changes even less often.
let lastMs = Number.NaN;
let lastWithMillis = '';
let lastSecond = Number.NaN;
let lastSecondText = '';

const MILLIS_TEXT: readonly string[] = Array.from({ length: 1000 }, (_, i) => '.' + String(i).padStart(3, '0'));

/** "YYYYMMDD-HH:MM:SS" or, with millis, "YYYYMMDD-HH:MM:SS.sss", in UTC. */
export function formatUtcTimestamp(ms: number, withMillis: boolean): string {
  if (ms === lastMs) return withMillis ? lastWithMillis : lastSecondText;
  // Outside Date's range (±8.64e15) the text is "NaN..."; not worth a cache entry.
  if (!Number.isInteger(ms) || ms > 8.64e15 || ms < -8.64e15) return formatUncached(ms, withMillis);
  const milli = ((ms % 1000) + 1000) % 1000;
  const second = ms - milli;
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = formatUncached(second, false);
  }
  lastMs = ms;
  lastWithMillis = lastSecondText + MILLIS_TEXT[milli];
  return withMillis ? lastWithMillis : lastSecondText;
}

function formatUncached(ms: number, withMillis: boolean): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const s =
    String(year).padStart(4, '0') +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    '-' +
    pad2(d.getUTCHours()) +
    ':' +
    pad2(d.getUTCMinutes()) +
    ':' +
    pad2(d.getUTCSeconds());
  if (!withMillis) return s;
  const milli = d.getUTCMilliseconds();
  return s + '.' + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli;
}

/**
 * Milliseconds since the epoch for a FIX UTCTimestamp, or undefined. Accepts exactly what
 * QuickFIX's UtcTimeStampConvertor accepts, so a session never judges SendingTime differently
 * from the validator: "YYYYMMDD-HH:MM:SS", optionally "." and up to nine fraction digits (digits
 * beyond milliseconds are truncated); month 1-12, day 1-31 (a day past the month's end rolls
 * over, as in QuickFIX), hour ≤ 23, minute ≤ 59, second ≤ 60 (a leap second).
 */
export function parseUtcTimestamp(s: string): number | undefined {
  // A session's SendingTime is checked by the validator and by the session, and a pipelining
  // client stamps many messages with the same millisecond.
  if (s === lastParsedText) return lastParsed;
  const t = parseUncached(s);
  lastParsedText = s;
  lastParsed = t;
  return t;
}

let lastParsedText: string | undefined;
let lastParsed: number | undefined;

function parseUncached(s: string): number | undefined {
  const len = s.length;
  if (len < 17 || len > 27) return undefined;
  if (s.charCodeAt(8) !== 0x2d || s.charCodeAt(11) !== 0x3a || s.charCodeAt(14) !== 0x3a) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 4, 2);
  const day = digits(s, 6, 2);
  const hour = digits(s, 9, 2);
  const minute = digits(s, 12, 2);
  const second = digits(s, 15, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return undefined;
  }
  let millis = 0;
  if (len > 17) {
    if (s.charCodeAt(17) !== 0x2e) return undefined;
    const fraction = len - 18;
    if (fraction > 0 && digits(s, 18, fraction) < 0) return undefined;
    millis = fraction === 0 ? 0 : Math.floor(digits(s, 18, Math.min(3, fraction)) * 10 ** (3 - Math.min(3, fraction)));
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0..99 to 1900..1999.
  return year < 100 ? new Date(t).setUTCFullYear(year, month - 1, day) : t;
}

/** Decimal value of `count` digits at `start`, or -1 if any is not a digit. */
function digits(s: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
