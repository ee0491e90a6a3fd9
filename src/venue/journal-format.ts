// The journal's bytes, and nothing else: segment names, the segment header, the record frame and
// their checksums. docs/JOURNAL.md describes the same layout for someone holding a hex dump; change
// the two together, and bump FORMAT_VERSION when old files would read differently.
//
// All integers are little-endian. Checksums are CRC-32 (ISO-HDLC, the zlib/PNG/Ethernet one) from
// node:zlib: computed in native code, so a record costs one call, not a byte loop in JavaScript.
import { listDirOrEmpty } from '../shared/durable-files.js';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('CRUCJRNL', 'latin1');
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 64;
/** Checksum algorithm id in the header, so a later format can change it without guessing. */
export const CHECKSUM_CRC32 = 1;

// Segment header offsets.
const H_MAGIC = 0;
const H_VERSION = 8;
const H_HEADER_BYTES = 10;
const H_FLAGS = 12;
const H_FIRST_SEQ = 16;
const H_CREATED_AT = 24;
const H_PID = 32;
const H_CHECKSUM_ID = 36;
const H_CRC = 60;

// Record frame offsets. The checksum comes first and covers everything after it, length included,
// so one contiguous range is checked and a flipped length bit cannot pass as a shorter record.
export const R_CRC = 0;
export const R_LENGTH = 4;
export const R_SEQ = 8;
export const R_TIME = 16;
export const R_TYPE = 24;
export const RECORD_HEADER_BYTES = 25;

/**
 * Largest payload a record may carry. A reader treats a larger length as damage instead of
 * trying to buffer gigabytes because one length field lost a high bit.
 */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const TWO_32 = 4294967296;

const SEGMENT_NAME = /^journal-(\d{20})\.log$/;

/** `journal-00000000000000000001.log`: zero-padded so names sort in sequence order. */
export function segmentName(firstSeq: number): string {
  return `journal-${String(firstSeq).padStart(20, '0')}.log`;
}

export interface SegmentFile {
  readonly name: string;
  readonly path: string;
  readonly firstSeq: number;
}

/** The directory's segments in sequence order; other files are not the journal's and are left alone. */
export function listSegments(dir: string): SegmentFile[] {
  const segments: SegmentFile[] = [];
  for (const name of listDirOrEmpty(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m === null) continue;
    segments.push({ name, path: join(dir, name), firstSeq: Number(m[1]) });
  }
  return segments.sort((a, b) => a.firstSeq - b.firstSeq);
}

export class JournalCorruptError extends Error {
  readonly code = 'JOURNAL_CORRUPT' as const;
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`journal corrupt: ${file} at offset ${offset}: ${reason}`);
    this.name = 'JournalCorruptError';
  }
}

export interface SegmentHeader {
  readonly version: number;
  readonly firstSeq: number;
  readonly createdAt: number;
  readonly pid: number;
}

export function encodeSegmentHeader(firstSeq: number, createdAt: number, pid: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(b, H_MAGIC);
  b.writeUInt16LE(FORMAT_VERSION, H_VERSION);
  b.writeUInt16LE(SEGMENT_HEADER_BYTES, H_HEADER_BYTES);
  b.writeUInt32LE(0, H_FLAGS);
  writeU64(b, H_FIRST_SEQ, firstSeq);
  b.writeDoubleLE(createdAt, H_CREATED_AT);
  b.writeUInt32LE(pid >>> 0, H_PID);
  b.writeUInt32LE(CHECKSUM_CRC32, H_CHECKSUM_ID);
  b.writeUInt32LE(crc32(b.subarray(0, H_CRC)), H_CRC);
  return b;
}

/** The header, or why these bytes are not one (short, wrong magic, bad checksum, unknown version). */
export function decodeSegmentHeader(b: Buffer): SegmentHeader | string {
  if (b.length < SEGMENT_HEADER_BYTES) return `segment header is ${b.length} of ${SEGMENT_HEADER_BYTES} bytes`;
  if (!b.subarray(H_MAGIC, H_MAGIC + MAGIC.length).equals(MAGIC)) return 'segment header has the wrong magic';
  if (b.readUInt32LE(H_CRC) !== crc32(b.subarray(0, H_CRC))) return 'segment header checksum mismatch';
  const version = b.readUInt16LE(H_VERSION);
  // Checked after the checksum: a version number only means something in a header that is intact.
  if (version !== FORMAT_VERSION) return `segment format version ${version} is not supported (this build reads ${FORMAT_VERSION})`;
  if (b.readUInt16LE(H_HEADER_BYTES) !== SEGMENT_HEADER_BYTES) return 'segment header length is not 64';
  if (b.readUInt32LE(H_CHECKSUM_ID) !== CHECKSUM_CRC32) return 'unknown record checksum algorithm';
  return { version, firstSeq: readU64(b, H_FIRST_SEQ), createdAt: b.readDoubleLE(H_CREATED_AT), pid: b.readUInt32LE(H_PID) };
}

/** Writes one record frame at `offset` (the caller made room: RECORD_HEADER_BYTES + payload.length); returns its end. */
export function encodeRecord(b: Buffer, offset: number, seq: number, time: number, type: number, payload: Buffer): number {
  const end = offset + RECORD_HEADER_BYTES + payload.length;
  b.writeUInt32LE(payload.length, offset + R_LENGTH);
  writeU64(b, offset + R_SEQ, seq);
  b.writeDoubleLE(time, offset + R_TIME);
  b[offset + R_TYPE] = type;
  payload.copy(b, offset + RECORD_HEADER_BYTES);
  b.writeUInt32LE(crc32(b.subarray(offset + R_LENGTH, end)), offset + R_CRC);
  return end;
}

/**
 * What `checkRecord` found at an offset: a whole record's end offset, or `-1` when the bytes run
 * out before the frame does, or `-2` when the frame is there but wrong (length out of range,
 * checksum mismatch).
 */
export const INCOMPLETE = -1;
export const DAMAGED = -2;

export function checkRecord(b: Buffer, offset: number, limit: number): number {
  if (limit - offset < RECORD_HEADER_BYTES) return INCOMPLETE;
  const length = b.readUInt32LE(offset + R_LENGTH);
  if (length > MAX_PAYLOAD_BYTES) return DAMAGED;
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > limit) return INCOMPLETE;
  if (b.readUInt32LE(offset + R_CRC) !== crc32(b.subarray(offset + R_LENGTH, end))) return DAMAGED;
  return end;
}

export function recordSeq(b: Buffer, offset: number): number {
  return readU64(b, offset + R_SEQ);
}

export function recordTime(b: Buffer, offset: number): number {
  return b.readDoubleLE(offset + R_TIME);
}

export function recordType(b: Buffer, offset: number): number {
  return b[offset + R_TYPE];
}

// Sequence numbers are JavaScript numbers, integers below 2^53, stored as u64 so the format does
// not depend on that limit. Two u32 halves instead of BigInt keep the hot path free of BigInt.
function writeU64(b: Buffer, offset: number, value: number): void {
  b.writeUInt32LE(value >>> 0, offset);
  b.writeUInt32LE(Math.floor(value / TWO_32), offset + 4);
}

function readU64(b: Buffer, offset: number): number {
  return b.readUInt32LE(offset + 4) * TWO_32 + b.readUInt32LE(offset);
}
