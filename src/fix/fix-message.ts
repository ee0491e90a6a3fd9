// A received FIX message, read in place: the raw bytes plus the position of every field. Field
// values become strings only when asked for, so a session that looks at five header fields of a
// forty-field ExecutionReport pays for five strings, not forty.
import { Tag } from './tags.js';

const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

export class FixMessage {
  /** The complete message as received, from `8=` through the SOH after CheckSum. */
  readonly raw: Buffer;
  /** Number of fields, 8 (BeginString) and 10 (CheckSum) included. */
  readonly fieldCount: number;
  /** (tag, valueStart, valueEnd) per field in wire order; offsets index `raw`. */
  private readonly layout: Int32Array;
  private cachedMsgType: string | undefined;
  private cachedSeqNum: number | undefined;

  constructor(raw: Buffer, layout: Int32Array, fieldCount: number) {
    this.raw = raw;
    this.layout = layout;
    this.fieldCount = fieldCount;
  }

  tagAt(i: number): number {
    return this.layout[i * 3];
  }

  valueStartAt(i: number): number {
    return this.layout[i * 3 + 1];
  }

  valueEndAt(i: number): number {
    return this.layout[i * 3 + 2];
  }

  valueAt(i: number): string {
    const l = this.layout;
    const start = l[i * 3 + 1];
    const end = l[i * 3 + 2];
    return start === end ? '' : this.raw.toString('utf8', start, end);
  }

  /** Byte length of field i's value (0 for a tag sent without a value). */
  valueLengthAt(i: number): number {
    return this.layout[i * 3 + 2] - this.layout[i * 3 + 1];
  }

  /** Index of the first field with this tag at or after `from`, or -1. */
  indexOf(tag: number, from = 0): number {
    const l = this.layout;
    for (let i = from, n = this.fieldCount; i < n; i++) if (l[i * 3] === tag) return i;
    return -1;
  }

  /** Value of the first occurrence of `tag`. */
  get(tag: number): string | undefined {
    const i = this.indexOf(tag);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /**
   * Value of the first occurrence of `tag` as an integer, or undefined when absent or not an
   * integer in FIX's sense (optional '-' then digits; no '+', no spaces, no decimals).
   */
  getInt(tag: number): number | undefined {
    const i = this.indexOf(tag);
    return i < 0 ? undefined : this.intAt(i);
  }

  /** Field i's value as an integer, or undefined when it is not one. */
  intAt(i: number): number | undefined {
    const raw = this.raw;
    let p = this.layout[i * 3 + 1];
    const end = this.layout[i * 3 + 2];
    let negative = false;
    if (p < end && raw[p] === MINUS) {
      negative = true;
      p++;
    }
    if (p === end || end - p > 15) return undefined;
    let n = 0;
    for (; p < end; p++) {
      const c = raw[p];
      if (c < ZERO || c > NINE) return undefined;
      n = n * 10 + (c - ZERO);
    }
    return negative ? -n : n;
  }

  has(tag: number): boolean {
    return this.indexOf(tag) >= 0;
  }

  count(tag: number): number {
    const l = this.layout;
    let c = 0;
    for (let i = 0, n = this.fieldCount; i < n; i++) if (l[i * 3] === tag) c++;
    return c;
  }

  get msgType(): string {
    if (this.cachedMsgType === undefined) this.cachedMsgType = this.get(Tag.MsgType) ?? '';
    return this.cachedMsgType;
  }

  get beginString(): string {
    return this.fieldCount > 0 && this.tagAt(0) === Tag.BeginString ? this.valueAt(0) : (this.get(Tag.BeginString) ?? '');
  }

  /** MsgSeqNum (34), NaN when missing or not a positive integer. */
  get msgSeqNum(): number {
    if (this.cachedSeqNum === undefined) {
      const n = this.getInt(Tag.MsgSeqNum);
      this.cachedSeqNum = n === undefined || n < 0 ? Number.NaN : n;
    }
    return this.cachedSeqNum;
  }

  /** The message as text with SOH shown as '|', for logs and test failures. */
  toString(): string {
    let s = this.raw.toString('utf8');
    if (s.includes('\x01')) s = s.split('\x01').join('|');
    return s;
  }

  fields(): Array<[number, string]> {
    const out: Array<[number, string]> = new Array(this.fieldCount);
    for (let i = 0; i < this.fieldCount; i++) out[i] = [this.tagAt(i), this.valueAt(i)];
    return out;
  }

  /** True when field i's value is byte-for-byte `text` (ASCII), without building a string. */
  valueEquals(i: number, text: string): boolean {
    const start = this.layout[i * 3 + 1];
    const end = this.layout[i * 3 + 2];
    if (end - start !== text.length) return false;
    const raw = this.raw;
    for (let k = 0; k < text.length; k++) if (raw[start + k] !== text.charCodeAt(k)) return false;
    return true;
  }
}
