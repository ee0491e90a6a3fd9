// The two kinds of market-data file a replay reads, and the one the recorder writes:
//
//   Binance capture   gzip text, one WebSocket message per line: "<local receive time, ns> <JSON>",
//                     the JSON exactly as Binance sent it on /stream (plus REST depth snapshots).
//   Crucible recording  gzip JSON lines: a header naming the format and version, then one normalized
//                     record per line (docs/MARKETDATA.md, "Recordings").
//
// Both are read line by line and every line is checked; a line that does not fit stops the read with a
// CaptureFileError naming the file and the line, never with a bare exception from deep inside.
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { basename } from 'node:path';
import { z } from 'zod';
import { BinanceParseError, parseCombinedObject, parseDepthSnapshot } from './binance/parse.js';
import { FEED_STATES, type MarketRecord } from './records.js';

/** A capture or recording that cannot be read: the message names the file and, when known, the line. */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';

  constructor(
    readonly file: string,
    /** 1-based number of the line at fault; undefined when the file as a whole is. */
    readonly line: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lines

export interface TextLine {
  /** 1-based, counting every line of the decompressed text, blank ones included. */
  readonly number: number;
  readonly text: string;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function gzipProblem(e: NodeJS.ErrnoException): string {
  if (e.code === 'Z_BUF_ERROR') return 'the gzip data stops short (a truncated file); the lines before this one were read';
  return `corrupt gzip data (${e.message}); the lines before this one were read`;
}

/**
 * The non-blank lines of a text file, gzip-compressed (any number of concatenated gzip members) or
 * plain. A file that breaks off inside its gzip data yields every complete line before the damage and
 * then throws a CaptureFileError naming the line where reading stopped; the torn line is never yielded.
 */
export async function* readLines(path: string): AsyncGenerator<TextLine> {
  let gzipped: boolean;
  try {
    const fd = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      const { bytesRead } = await fd.read(head, 0, 2, 0);
      gzipped = bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    } finally {
      await fd.close();
    }
  } catch (e) {
    throw new CaptureFileError(path, undefined, `cannot open: ${(e as Error).message}`);
  }
  const raw = createReadStream(path);
  // pipeline tears both streams down when the reader stops early or either side fails.
  const source: AsyncIterable<Buffer> = gzipped ? pipeline(raw, createGunzip(), () => {}) : raw;

  let lineNumber = 0;
  let pending: Buffer[] = [];
  const lineOf = (piece: Buffer): TextLine | undefined => {
    lineNumber++;
    const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
    pending = [];
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    return end === 0 ? undefined : { number: lineNumber, text: bytes.toString('utf8', 0, end) };
  };

  try {
    for await (const chunk of source) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
        const line = lineOf(chunk.subarray(start, nl));
        start = nl + 1;
        if (line !== undefined) yield line;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (e) {
    if (e instanceof CaptureFileError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new CaptureFileError(path, lineNumber + 1, err.code?.startsWith('Z_') ? gzipProblem(err) : `cannot read: ${err.message}`);
  }
  if (pending.length > 0) {
    const line = lineOf(Buffer.alloc(0));
    if (line !== undefined) yield line;
  }
}

// ---------------------------------------------------------------------------------------------
// Crucible recordings

export const RECORDING_FORMAT = 'crucible-marketdata';
export const RECORDING_VERSION = 1;

/** The first line of every recording file. */
export interface RecordingHeader {
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  /** Where the records came from ('binance', 'synthetic', 'replay'). */
  readonly source: string;
  /** Symbols the recorder was asked for, when it was told. */
  readonly symbols?: readonly string[];
  /** When the file was opened, ms since the epoch. */
  readonly openedAt: number;
}

const headerSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  version: z.number().int().positive(),
  source: z.string().min(1).max(64),
  symbols: z.array(z.string().min(1).max(32)).optional(),
  openedAt: z.number().finite(),
});

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a plain unsigned decimal');
const level = z.tuple([decimal, decimal]);
const time = z.number().finite().nonnegative();
const updateId = z.number().int().nonnegative();
const exchange = z.string().min(1).max(32);
const symbol = z.string().min(1).max(32);

const recordSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('trade'),
    exchange,
    symbol,
    tradeId: z.string().min(1).max(64),
    price: decimal,
    quantity: decimal,
    side: z.enum(['buy', 'sell']),
    exchangeTime: time,
    localTime: time,
  }),
  z.strictObject({
    type: z.literal('book_snapshot'),
    exchange,
    symbol,
    bids: z.array(level),
    asks: z.array(level),
    lastUpdateId: updateId,
    depth: z.number().int().positive().optional(),
    exchangeTime: time.optional(),
    localTime: time,
  }),
  z.strictObject({
    type: z.literal('book_change'),
    exchange,
    symbol,
    bids: z.array(level),
    asks: z.array(level),
    firstUpdateId: updateId,
    lastUpdateId: updateId,
    exchangeTime: time,
    localTime: time,
  }),
  z.strictObject({
    type: z.literal('ticker'),
    exchange,
    symbol,
    bestBidPrice: decimal,
    bestBidQuantity: decimal,
    bestAskPrice: decimal,
    bestAskQuantity: decimal,
    lastPrice: decimal.optional(),
    lastQuantity: decimal.optional(),
    open24h: decimal.optional(),
    high24h: decimal.optional(),
    low24h: decimal.optional(),
    volume24h: decimal.optional(),
    quoteVolume24h: decimal.optional(),
    updateId: updateId.optional(),
    exchangeTime: time.optional(),
    localTime: time,
  }),
  z.strictObject({
    type: z.literal('feed_status'),
    exchange,
    symbol: symbol.optional(),
    state: z.enum(FEED_STATES as [string, ...string[]]),
    reason: z.string().min(1).max(64),
    detail: z.string().max(10_000).optional(),
    localTime: time,
  }),
]);

const issuesText = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length === 0 ? '(record)' : i.path.join('.')}: ${i.message}`).join('; ');

/** The header line of a recording file. */
export function encodeHeader(header: RecordingHeader): string {
  return JSON.stringify(header);
}

/** One record as a line of a recording (without the newline). */
export function encodeRecord(record: MarketRecord): string {
  return JSON.stringify(record);
}

function parseJson(file: string, line: TextLine): unknown {
  try {
    return JSON.parse(line.text);
  } catch (e) {
    throw new CaptureFileError(file, line.number, `not JSON (${(e as Error).message}): ${excerpt(line.text)}`);
  }
}

const excerpt = (text: string): string => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

function recordingHeader(file: string, line: TextLine): RecordingHeader {
  const r = headerSchema.safeParse(parseJson(file, line));
  if (!r.success) throw new CaptureFileError(file, line.number, `not a recording header: ${issuesText(r.error)}`);
  if (r.data.version !== RECORDING_VERSION) {
    throw new CaptureFileError(file, line.number, `recording format version ${r.data.version}; this build reads version ${RECORDING_VERSION}`);
  }
  return r.data as RecordingHeader;
}

function recordingLine(file: string, line: TextLine): MarketRecord {
  const r = recordSchema.safeParse(parseJson(file, line));
  if (!r.success) throw new CaptureFileError(file, line.number, `not a market-data record: ${issuesText(r.error)}`);
  return r.data as MarketRecord;
}

// ---------------------------------------------------------------------------------------------
// Binance captures

const CAPTURE_LINE = /^(\d{1,20}) (.+)$/;

/** "<ns>" → ms since the epoch, keeping the sub-millisecond part as a fraction. */
function nanosToMillis(ns: string): number {
  return ns.length <= 6 ? Number(ns) / 1e6 : Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
}

/**
 * Reads captured lines into records. The REST depth snapshot names no symbol: it belongs to the one
 * symbol the file has carried so far, or else to the symbol the file name starts with
 * ("btcusdt_20240808.gz").
 */
class BinanceCaptureReader {
  private readonly symbols = new Set<string>();

  constructor(private readonly file: string) {}

  read(line: TextLine): MarketRecord | undefined {
    const m = CAPTURE_LINE.exec(line.text);
    if (m === null) throw new CaptureFileError(this.file, line.number, `not a capture line ("<receive time in ns> <JSON>"): ${excerpt(line.text)}`);
    const localTime = nanosToMillis(m[1]);
    const json = parseJson(this.file, { number: line.number, text: m[2] });
    const message = json as Record<string, unknown>;
    if (typeof message === 'object' && message !== null && !('stream' in message) && 'lastUpdateId' in message) {
      const parsed = parseDepthSnapshot(message, this.snapshotSymbol(line), localTime, depthOf(message));
      if (parsed instanceof BinanceParseError) throw new CaptureFileError(this.file, line.number, parsed.message);
      return parsed;
    }
    const parsed = parseCombinedObject(json, localTime);
    if (parsed instanceof BinanceParseError) throw new CaptureFileError(this.file, line.number, parsed.message);
    // Replies to subscribe requests are part of the conversation, not market data.
    if (parsed.type === 'method_reply') return undefined;
    if (parsed.type !== 'feed_status') this.symbols.add(parsed.symbol);
    return parsed;
  }

  private snapshotSymbol(line: TextLine): string {
    if (this.symbols.size === 1) return [...this.symbols][0];
    const named = /^([a-z0-9]+)_/i.exec(basename(this.file));
    if (named !== null) return named[1].toUpperCase();
    throw new CaptureFileError(this.file, line.number, 'a REST depth snapshot whose symbol cannot be told: the file carries several symbols and its name does not start with one');
  }
}

/** A REST snapshot is the top N levels, N the limit asked for: the longer side shows it. */
function depthOf(message: Record<string, unknown>): number | undefined {
  const n = Math.max(Array.isArray(message.bids) ? message.bids.length : 0, Array.isArray(message.asks) ? message.asks.length : 0);
  return n > 0 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// Either kind

/**
 * The records of one file in file order. Which kind of file it is shows on its first line: a
 * recording header, or a receive time followed by Binance JSON.
 */
export async function* readCaptureFile(file: string): AsyncGenerator<MarketRecord> {
  let read: ((line: TextLine) => MarketRecord | undefined) | undefined;
  for await (const line of readLines(file)) {
    if (read === undefined) {
      if (CAPTURE_LINE.test(line.text)) {
        const reader = new BinanceCaptureReader(file);
        read = (l) => reader.read(l);
      } else if (line.text.startsWith('{') && line.text.includes(RECORDING_FORMAT)) {
        recordingHeader(file, line);
        read = (l) => recordingLine(file, l);
        continue;
      } else {
        throw new CaptureFileError(
          file,
          line.number,
          `neither a Binance capture ("<receive time in ns> <JSON>" lines) nor a ${RECORDING_FORMAT} recording (a header line first): ${excerpt(line.text)}`,
        );
      }
    }
    const record = read(line);
    if (record !== undefined) yield record;
  }
}
