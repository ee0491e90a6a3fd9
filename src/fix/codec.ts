// Framing and parsing of FIX tag=value messages.
//
// Framing follows QuickFIX's Parser: find "8=", read BodyLength from "9=", skip that many bytes,
// then take the first "<SOH>10=...<SOH>" found from there. A BodyLength that is too short therefore
// still ends the frame at the message's own CheckSum, and one that is too long swallows the next
// message too; either way the frame fails its BodyLength check and is reported as garbled, which a
// session ignores without consuming a sequence number (QuickFIX's InvalidMessage). The acceptance
// transcripts (2m_BodyLengthValueNotCorrect) depend on exactly this behaviour.
import { FixMessage } from './fix-message.js';
import { LENGTH_TAG_OF_DATA_TAG, Tag } from './tags.js';

const SOH = 0x01;
const EQUALS = 0x3d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const CHAR_8 = 0x38;
const CHAR_9 = 0x39;

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

export type Frame =
  | { kind: 'message'; message: FixMessage }
  | {
      kind: 'garbled';
      /** Why the bytes are not a valid message, for the session's event log. */
      reason: string;
      raw: Buffer;
      /** MsgType (35) if one could be read, so a session can tell a garbled Logon apart. */
      msgType?: string;
    };

export type ParseResult = { ok: true; message: FixMessage } | { ok: false; reason: string };

/** Sum of the bytes in [start, end) modulo 256: the FIX CheckSum (10). */
export function checksum(buf: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += buf[i];
  return sum & 0xff;
}

// ---------------------------------------------------------------------------------------------
// Field scanning

/** For a DATA tag, the LENGTH tag that must precede it; 0 otherwise. Indexed by tag. */
const DATA_LENGTH_TAG = new Int32Array(1024);
for (const [data, length] of LENGTH_TAG_OF_DATA_TAG) DATA_LENGTH_TAG[data] = length;

let scratch = new Int32Array(3 * 128);

/** Unsigned decimal in [start, end), or -1 when empty, non-digit or too long to be a length. */
function parseLength(buf: Uint8Array, start: number, end: number): number {
  if (start >= end || end - start > 9) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < ZERO || c > NINE) return -1;
    n = n * 10 + (c - ZERO);
  }
  return n;
}

/**
 * Splits `buf` into tag=value fields and checks what QuickFIX checks before it will treat bytes as
 * a message at all: 8, 9, 35 are the first three fields, BodyLength counts the bytes from after
 * the BodyLength field up to CheckSum, and CheckSum is the last field and correct.
 */
export function tryParseMessage(buf: Buffer): ParseResult {
  const end = buf.length;
  let n = 0;
  let pos = 0;
  let prevTag = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let lastFieldStart = 0;
  // The CheckSum is summed during the field scan rather than in a second pass over the bytes.
  let sum = 0;
  let sumBeforeLastField = 0;
  while (pos < end) {
    const fieldStart = pos;
    lastFieldStart = fieldStart;
    sumBeforeLastField = sum;
    let negative = false;
    if (buf[pos] === MINUS) {
      negative = true;
      sum += MINUS;
      pos++;
    }
    let tag = 0;
    const digitsStart = pos;
    while (pos < end) {
      const c = buf[pos];
      if (c < ZERO || c > NINE) break;
      tag = tag * 10 + (c - ZERO);
      sum += c;
      pos++;
    }
    const digits = pos - digitsStart;
    if (pos >= end || buf[pos] !== EQUALS || digits === 0 || digits > 9) {
      return { ok: false, reason: `field ${n + 1} at byte ${fieldStart} is not <tag>=<value>` };
    }
    if (negative) tag = -tag;
    sum += EQUALS;
    const valueStart = ++pos;
    let valueEnd = -1;
    if (tag > 0 && tag < 1024 && DATA_LENGTH_TAG[tag] !== 0 && prevTag === DATA_LENGTH_TAG[tag]) {
      const declared = parseLength(buf, prevStart, prevEnd);
      if (declared >= 0 && valueStart + declared < end && buf[valueStart + declared] === SOH) {
        valueEnd = valueStart + declared;
        for (let p = valueStart; p < valueEnd; p++) sum += buf[p];
      }
    }
    if (valueEnd < 0) {
      let p = valueStart;
      while (p < end) {
        const c = buf[p];
        if (c === SOH) break;
        sum += c;
        p++;
      }
      if (p >= end) return { ok: false, reason: `field ${tag} is not terminated by SOH` };
      valueEnd = p;
    }
    sum += SOH;
    if (3 * n + 3 > scratch.length) {
      const bigger = new Int32Array(scratch.length * 2);
      bigger.set(scratch);
      scratch = bigger;
    }
    scratch[3 * n] = tag;
    scratch[3 * n + 1] = valueStart;
    scratch[3 * n + 2] = valueEnd;
    n++;
    prevTag = tag;
    prevStart = valueStart;
    prevEnd = valueEnd;
    pos = valueEnd + 1;
  }

  if (n < 4 || scratch[0] !== Tag.BeginString || scratch[3] !== Tag.BodyLength || scratch[6] !== Tag.MsgType) {
    return { ok: false, reason: 'the first three fields are not BeginString (8), BodyLength (9), MsgType (35)' };
  }
  const last = 3 * (n - 1);
  if (scratch[last] !== Tag.CheckSum) return { ok: false, reason: 'the last field is not CheckSum (10)' };
  const bodyLength = parseLength(buf, scratch[4], scratch[5]);
  const trailerStart = lastFieldStart;
  const actualBodyLength = trailerStart - (scratch[5] + 1);
  if (bodyLength !== actualBodyLength) {
    return { ok: false, reason: `BodyLength (9) is ${buf.toString('latin1', scratch[4], scratch[5])} but the body is ${actualBodyLength} bytes` };
  }
  const declaredSum = parseLength(buf, scratch[last + 1], scratch[last + 2]);
  const actualSum = sumBeforeLastField & 0xff;
  if (declaredSum !== actualSum) {
    return { ok: false, reason: `CheckSum (10) is ${buf.toString('latin1', scratch[last + 1], scratch[last + 2])} but the bytes sum to ${actualSum}` };
  }
  return { ok: true, message: new FixMessage(buf, scratch.slice(0, 3 * n), n) };
}

/** Parses one complete message; undefined when it is not a valid message (see `tryParseMessage`). */
export function parseMessage(buf: Buffer): FixMessage | undefined {
  const r = tryParseMessage(buf);
  return r.ok ? r.message : undefined;
}

/** MsgType (35) of possibly broken bytes, as QuickFIX's identifyType reads it, or undefined. */
export function sniffMsgType(b: Buffer): string | undefined {
  const at = b.indexOf('\x0135=');
  if (at < 0) return undefined;
  const end = b.indexOf(SOH, at + 4);
  if (end < 0) return undefined;
  return b.toString('latin1', at + 4, end);
}

// ---------------------------------------------------------------------------------------------
// Streaming framer

export interface FramerOptions {
  /** Largest BodyLength accepted; a larger one is reported as garbled and skipped. */
  maxMessageSize?: number;
}

const TRAILER_NEEDLE = Buffer.from('\x0110=', 'latin1');
const BEGIN_NEEDLE = Buffer.from('8=', 'latin1');
/** Longest BeginString value or BodyLength digits worth waiting for before calling the bytes garbage. */
const MAX_PREFIX_FIELD = 32;

/**
 * Cuts a TCP byte stream into FIX messages. One per connection: `push()` every chunk received, then
 * call `next()` until it returns undefined. Never throws on any input; bytes that cannot be a
 * message come out as `garbled` frames (or, when they precede any "8=", are dropped and counted in
 * `discardedBytes`).
 */
export class FixFramer {
  readonly maxMessageSize: number;
  /** Bytes dropped while looking for the start of a message. */
  discardedBytes = 0;
  private buf: Buffer;
  private start = 0;
  private end = 0;
  /** True when `start` is known to be a message boundary, so "8=" right there starts a message. */
  private atBoundary = true;

  constructor(options: FramerOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.buf = Buffer.allocUnsafe(4096);
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    const len = chunk.length;
    if (len === 0) return;
    if (this.end + len > this.buf.length) {
      const live = this.end - this.start;
      if (live + len <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        let size = this.buf.length;
        while (size < live + len) size *= 2;
        const bigger = Buffer.allocUnsafe(size);
        this.buf.copy(bigger, 0, this.start, this.end);
        this.buf = bigger;
      }
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += len;
  }

  /** Drops everything buffered, e.g. when the connection is reset. */
  reset(): void {
    this.start = 0;
    this.end = 0;
    this.atBoundary = true;
  }

  next(): Frame | undefined {
    const buf = this.buf;
    const end = this.end;
    if (!this.seekBeginString()) return undefined;
    const start = this.start;

    // BeginString value
    let p = start + 2;
    const beginLimit = Math.min(end, start + 2 + MAX_PREFIX_FIELD);
    while (p < beginLimit && buf[p] !== SOH) p++;
    if (p >= beginLimit) {
      if (p - start - 2 >= MAX_PREFIX_FIELD) return this.skipGarbled('BeginString (8) is not terminated by SOH');
      return undefined;
    }

    // BodyLength must be the second field
    const lengthField = p + 1;
    if (end < lengthField + 2) return undefined;
    if (buf[lengthField] !== CHAR_9 || buf[lengthField + 1] !== EQUALS) {
      return this.skipGarbled('BodyLength (9) is not the second field');
    }
    let q = lengthField + 2;
    const lengthLimit = Math.min(end, q + MAX_PREFIX_FIELD);
    while (q < lengthLimit && buf[q] !== SOH) q++;
    if (q >= lengthLimit) {
      if (q - lengthField - 2 >= MAX_PREFIX_FIELD) return this.skipGarbled('BodyLength (9) is not terminated by SOH');
      return undefined;
    }
    const bodyLength = parseLength(buf, lengthField + 2, q);
    if (bodyLength < 0) {
      return this.skipGarbled(`BodyLength (9) is not a number: ${buf.toString('latin1', lengthField + 2, q)}`);
    }
    if (bodyLength > this.maxMessageSize) {
      return this.skipGarbled(`BodyLength (9) ${bodyLength} exceeds the maximum message size ${this.maxMessageSize}`);
    }

    // CheckSum: the first "<SOH>10=" at or after the end of the declared body
    const bodyStart = q + 1;
    const searchFrom = bodyStart + bodyLength - 1;
    if (end < searchFrom + 4) return undefined;
    // Usually BodyLength is right and "<SOH>10=" sits exactly where it says.
    const t =
      buf[searchFrom] === SOH && buf[searchFrom + 1] === 0x31 && buf[searchFrom + 2] === 0x30 && buf[searchFrom + 3] === EQUALS
        ? searchFrom
        : buf.subarray(0, end).indexOf(TRAILER_NEEDLE, searchFrom);
    if (t < 0) {
      if (end - searchFrom > this.maxMessageSize) return this.skipGarbled('no CheckSum (10) where BodyLength (9) says the body ends');
      return undefined;
    }
    let s = t + 4;
    const sumLimit = Math.min(end, s + MAX_PREFIX_FIELD);
    while (s < sumLimit && buf[s] !== SOH) s++;
    if (s >= sumLimit) {
      if (s - t - 4 >= MAX_PREFIX_FIELD) return this.skipGarbled('CheckSum (10) is not terminated by SOH');
      return undefined;
    }
    const frameEnd = s + 1;
    const raw = Buffer.allocUnsafe(frameEnd - start);
    buf.copy(raw, 0, start, frameEnd);
    this.consume(frameEnd);
    this.atBoundary = true;
    const r = tryParseMessage(raw);
    if (r.ok) return { kind: 'message', message: r.message };
    return garbled(r.reason, raw);
  }

  private consume(to: number): void {
    this.start = to;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  /**
   * Moves `start` to the next plausible "8=". A boundary "8=" is taken as is; elsewhere "8=" must
   * follow an SOH or read "8=FIX", so that "38=" inside the rest of a broken message is not taken
   * for a new one. A false start ("58=FIXED") costs one garbled frame: its second field is not 9.
   * Returns false when more bytes are needed.
   */
  private seekBeginString(): boolean {
    const buf = this.buf;
    const end = this.end;
    const start = this.start;
    if (end - start < 2) return false;
    if (this.atBoundary && buf[start] === CHAR_8 && buf[start + 1] === EQUALS) return true;
    const at = this.findBeginCandidate(start + 1);
    if (at >= 0) {
      this.drop(at);
      return true;
    }
    // Keep what could be the beginning of a candidate split across chunks ("<SOH>8=" or "8=FI").
    this.drop(Math.max(start, end - 5));
    return false;
  }

  /** Index of the first candidate "8=" at or after `from`, or -1 if none is certain yet. */
  private findBeginCandidate(from: number): number {
    const buf = this.buf;
    const end = this.end;
    const view = buf.subarray(0, end);
    while (true) {
      const at = view.indexOf(BEGIN_NEEDLE, from);
      if (at < 0) return -1;
      if (buf[at - 1] === SOH) return at;
      if (end < at + 5) return -1;
      if (buf[at + 2] === 0x46 && buf[at + 3] === 0x49 && buf[at + 4] === 0x58) return at;
      from = at + 1;
    }
  }

  private drop(to: number): void {
    if (to <= this.start) return;
    this.discardedBytes += to - this.start;
    this.start = to;
    this.atBoundary = false;
  }

  /**
   * Reports the bytes from `start` up to the next candidate "8=" as garbled; without one in the
   * buffer, all but the last few bytes (a possible "<SOH>8=" or "8=FI" cut by the chunk boundary).
   */
  private skipGarbled(reason: string): Frame {
    const buf = this.buf;
    const start = this.start;
    const at = this.findBeginCandidate(start + 1);
    const stop = at >= 0 ? at : Math.max(start + 1, this.end - 5);
    const raw = Buffer.allocUnsafe(stop - start);
    buf.copy(raw, 0, start, stop);
    this.consume(stop);
    this.atBoundary = at >= 0;
    return garbled(reason, raw);
  }
}

function garbled(reason: string, raw: Buffer): Frame {
  const msgType = sniffMsgType(raw);
  return msgType === undefined ? { kind: 'garbled', reason, raw } : { kind: 'garbled', reason, raw, msgType };
}
