// Throws well over 100,000 mutated, truncated and garbled FIX messages at the venue's real FIX
// acceptor (the venue as `crucible start` runs it, journaling to a temporary directory) over
// loopback TCP, then proves that nothing broke: the venue is still up, a clean new session logs on
// and gets its order acknowledged, and every fuzzed connection either answered a final probe or was
// disconnected by the venue within a deadline (none is left hanging).
//
// Every connection's byte stream, including where it is cut into TCP writes, is a pure function of
// the seed and the connection's index, so a failure names a seed and a connection that reproduce
// it. The seed defaults to a fixed value and is overridden with FUZZ_SEED (decimal or 0x hex);
// FUZZ_MESSAGES changes how many messages are sent (default 100,000).
//
// The venue runs in this process, so a synchronous endless loop in it could not be caught by a
// test timeout; a watchdog thread reads a heartbeat the main thread writes to shared memory and
// kills the process, naming the seed and the connections in flight, if the event loop stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixFramer, checksum } from '../../src/fix/codec.js';
import { formatUtcTimestamp } from '../../src/fix/encoder.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { resolveVenueConfig } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';

const SEED = parseSeed(process.env.FUZZ_SEED);
const TARGET_MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 100_000);
const VENUE_COMP_ID = 'CRUCIBLE';
const BEGIN = 'FIX.4.4';
/** Fuzzed connections open at once. */
const CONCURRENCY = 8;
/** No more connections than this, however early the venue cuts them off (a connection carries about 140 messages on average). */
const MAX_CONNECTIONS = Math.ceil(TARGET_MESSAGES / 30);
/** How long a connection has, after its last fuzz byte, to answer the probe or be closed. */
const PROBE_DEADLINE_MS = 6000;
/** The venue's logon timeout here, shortened so that silent connections are cut off within the test. */
const LOGON_TIMEOUT_S = 2;
/** The venue's default largest BodyLength; the probe's filler must be longer to end any half-read frame. */
const MAX_MESSAGE_SIZE = 64 * 1024;

function parseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return 0xc0ffee;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${text}`);
  return n >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: small, fast, and the same sequence on every platform. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

function connectionSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Building messages. A message is a list of raw fields, the text between SOHs ("tag=value"), so a
// mutation can produce anything: a tag that is not a number, a field without '=', an SOH inside a
// value. `frame` adds BeginString, BodyLength and CheckSum, right or deliberately wrong.

type Fields = string[];

interface FrameOptions {
  begin?: string;
  bodyLength?: string;
  checkSum?: string;
}

function frame(fields: Fields, options: FrameOptions = {}): Buffer {
  const body = Buffer.from(fields.map((f) => f + '\x01').join(''), 'latin1');
  const head = Buffer.from(`8=${options.begin ?? BEGIN}\x019=${options.bodyLength ?? body.length}\x01`, 'latin1');
  const sum = (checksum(head, 0, head.length) + checksum(body, 0, body.length)) & 0xff;
  const trailer = Buffer.from(`10=${options.checkSum ?? String(sum).padStart(3, '0')}\x01`, 'latin1');
  return Buffer.concat([head, body, trailer]);
}

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'BTCUSDT', 'ETHUSDT'];
const MID: Record<string, number> = { AAPL: 100, MSFT: 400, TSLA: 250, BTCUSDT: 60_000, ETHUSDT: 3000 };

const WEIRD_VALUES = [
  '',
  ' ',
  'abc',
  '-1',
  '0',
  '-0',
  '+5',
  '1e3',
  '1e400',
  'NaN',
  'Infinity',
  '0x10',
  '99999999999999999999999',
  '1.0000000000000000000001',
  '.5',
  '5.',
  '1..2',
  '=',
  '==',
  'a=b',
  '\x00',
  '\x7f\x80\xff',
  '\xc3\x28',
  '\xef\xbc\x91\xef\xbc\x92',
  'Y',
  'N',
  '20240230-25:61:61',
  '19000101-00:00:00',
  '20991231-23:59:59.999999999',
];

const WEIRD_TAGS = ['', 'abc', '-5', '0', '00035', '35 ', ' 35', '9999999999', '4294967297', '1.5', 'x35', '-0', '2147483648'];

const ODD_FIELDS = ['', '=', '=x', 'x', '35', '10=000', '8=FIX.4.4', '9=5', '58=a=b', '58=', '=\x01=', '1=\x01', '95=3', '96=abc', '93=4', '89=ab'];

const NUMERIC_EDGES = ['0', '0.0', '0.001', '0.0000001', '1', '100.001', '100.005', '99999999999', '9007199254740993', '99999999999999999999', '-100', '1000000000.01'];

const ORDER_EDGES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['38', NUMERIC_EDGES],
  ['44', NUMERIC_EDGES],
  ['99', NUMERIC_EDGES],
  ['111', NUMERIC_EDGES],
  ['55', ['AAPL', 'aapl', 'NOPE', 'BTC/USDT', 'A'.repeat(64), 'AAPL ', '']],
  ['54', ['1', '2', '3', '5', '6', '9', 'B']],
  ['40', ['1', '2', '3', '4', '5', 'P', 'K']],
  ['59', ['0', '1', '2', '3', '4', '5', '6', '7']],
  ['18', ['6', '1', 'G', '6 1', 'M']],
  ['1', ['ACC1', 'FZ0', '', 'X'.repeat(64)]],
  ['37', ['1', '2', '3', '0', '-1', '99999999999', '1.5']],
  ['41', ['c0', 'c1', 'c2', 'r0', 'x0', 'nope', '']],
  ['11', ['c0', 'c1', 'dup', 'clean-1', 'X'.repeat(64)]],
  ['530', ['1', '7', '9', '0', 'x']],
];

const MSG_TYPES = ['D', 'F', 'G', 'H', 'q', '0', '1', '2', '3', '4', 'j', 'ZZ', 'A', '5', '', 'd', 'AE', '8', 'x'];

/**
 * One connection's messages. It tracks the sequence number it believes is next, so clean messages
 * and most re-framed mutations arrive in sequence and reach the dictionary check and the venue's
 * order handling, rather than stopping at the sequence check.
 */
class MessageMaker {
  seq = 1;
  private orders: Array<{ id: string; symbol: string; side: string }> = [];
  private orderNo = 0;

  constructor(
    private readonly rng: Rng,
    readonly compId: string,
    readonly begin: string,
    private readonly sendingTime: string,
  ) {}

  /** The other version the venue speaks, for a BeginString that is valid but not this session's. */
  get otherBegin(): string {
    return this.begin === 'FIX.4.4' ? 'FIX.4.2' : 'FIX.4.4';
  }

  frame(fields: Fields, options: FrameOptions = {}): Buffer {
    return frame(fields, { begin: this.begin, ...options });
  }

  header(msgType: string, seq = this.seq): Fields {
    return [`35=${msgType}`, `34=${seq}`, `49=${this.compId}`, `52=${this.sendingTime}`, `56=${VENUE_COMP_ID}`];
  }

  logon(heartBtInt: number): Fields {
    return [...this.header('A', 1), '98=0', `108=${heartBtInt}`, '141=Y'];
  }

  private price(symbol: string): string {
    const mid = MID[symbol];
    const p = mid * (1 + (this.rng.next() - 0.5) / 50);
    return p.toFixed(2);
  }

  private qty(symbol: string): string {
    return symbol.endsWith('USDT') ? (this.rng.range(1, 50) / 1000).toFixed(3) : String(this.rng.range(1, 500));
  }

  /** A clean application or admin message; consumes a sequence number. */
  clean(): Fields {
    const r = this.rng.next();
    const rng = this.rng;
    let fields: Fields;
    if (r < 0.45) {
      const symbol = rng.pick(SYMBOLS);
      const side = rng.pick(['1', '2']);
      const id = `c${this.orderNo++}`;
      const ordType = rng.chance(0.85) ? '2' : rng.pick(['1', '3', '4', 'P']);
      const tif = rng.pick(['0', '1', '3', '4', '6']);
      fields = [...this.header('D'), `11=${id}`, '21=1', `38=${this.qty(symbol)}`, `40=${ordType}`];
      if (ordType !== '1') fields.push(`44=${this.price(symbol)}`);
      fields.push(`54=${side}`, `55=${symbol}`, `59=${tif}`, `60=${this.sendingTime}`);
      if (ordType === '3' || ordType === '4') fields.push(`99=${this.price(symbol)}`);
      if (rng.chance(0.05)) fields.push(`111=${rng.range(1, 10)}`);
      if (rng.chance(0.05)) fields.push('18=6');
      this.orders.push({ id, symbol, side });
      if (this.orders.length > 64) this.orders.shift();
    } else if (r < 0.6 && this.orders.length > 0) {
      const o = rng.pick(this.orders);
      fields = [...this.header('F'), `11=x${this.orderNo++}`, `38=${this.qty(o.symbol)}`, `41=${o.id}`, `54=${o.side}`, `55=${o.symbol}`, `60=${this.sendingTime}`];
    } else if (r < 0.7 && this.orders.length > 0) {
      const o = rng.pick(this.orders);
      const id = `r${this.orderNo++}`;
      fields = [
        ...this.header('G'),
        `11=${id}`,
        '21=1',
        `38=${this.qty(o.symbol)}`,
        '40=2',
        `41=${o.id}`,
        `44=${this.price(o.symbol)}`,
        `54=${o.side}`,
        `55=${o.symbol}`,
        `60=${this.sendingTime}`,
      ];
      this.orders.push({ id, symbol: o.symbol, side: o.side });
    } else if (r < 0.75 && this.orders.length > 0) {
      const o = rng.pick(this.orders);
      fields = [...this.header('H'), `11=${o.id}`, `54=${o.side}`, `55=${o.symbol}`];
    } else if (r < 0.78) {
      fields = [...this.header('q'), `11=m${this.orderNo++}`, `530=${rng.pick(['1', '7', '9'])}`, `55=${rng.pick(SYMBOLS)}`, `60=${this.sendingTime}`];
    } else if (r < 0.86) {
      fields = this.header('0');
    } else if (r < 0.92) {
      fields = [...this.header('1'), `112=t${this.seq}`];
    } else if (r < 0.95) {
      fields = [...this.header('2'), `7=${rng.range(1, this.seq)}`, '16=0'];
    } else if (r < 0.97) {
      fields = [...this.header('j'), `45=${rng.range(1, 5)}`, '372=8', '380=0'];
    } else {
      fields = [...this.header(rng.pick(['ZZ', 'AE', 'd', 'B'])), '58=what is this'];
    }
    this.seq++;
    return fields;
  }

  /**
   * Brings the venue's expected sequence number up to ours (SequenceReset-Reset is not itself
   * sequence-checked), so one lost message does not leave the rest of the stream queued forever.
   */
  resync(): Fields {
    return [...this.header('4'), `36=${this.seq}`];
  }

  /** A clean message with 1 to 3 structural mutations. */
  mutated(): Fields {
    const rng = this.rng;
    const fields = rng.chance(0.02) ? this.logon(rng.pick([0, 1, 30])) : this.clean();
    const n = rng.range(1, 3);
    for (let k = 0; k < n; k++) mutateFields(rng, fields, this.seq);
    return fields;
  }
}

function valueOf(field: string): string {
  const eq = field.indexOf('=');
  return eq < 0 ? '' : field.slice(eq + 1);
}

function tagOf(field: string): string {
  const eq = field.indexOf('=');
  return eq < 0 ? field : field.slice(0, eq);
}

function setField(fields: Fields, tag: string, value: string): void {
  const i = fields.findIndex((f) => tagOf(f) === tag);
  if (i >= 0) fields[i] = `${tag}=${value}`;
  else fields.push(`${tag}=${value}`);
}

function mutateFields(rng: Rng, fields: Fields, seq: number): void {
  const at = (): number => rng.int(fields.length);
  switch (rng.int(19)) {
    case 0:
      if (fields.length > 1) fields.splice(at(), 1);
      return;
    case 1: {
      const f = fields[at()];
      fields.splice(rng.int(fields.length + 1), 0, f);
      return;
    }
    case 2: {
      const i = at();
      const j = at();
      [fields[i], fields[j]] = [fields[j], fields[i]];
      return;
    }
    case 3:
      for (let i = fields.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [fields[i], fields[j]] = [fields[j], fields[i]];
      }
      return;
    case 4:
    case 5: {
      const i = at();
      fields[i] = `${tagOf(fields[i])}=${rng.pick(WEIRD_VALUES)}`;
      return;
    }
    case 6: {
      const i = at();
      fields[i] = `${rng.pick(WEIRD_TAGS)}=${valueOf(fields[i])}`;
      return;
    }
    case 7:
      fields.splice(rng.int(fields.length + 1), 0, rng.pick(ODD_FIELDS));
      return;
    case 8: {
      // A data field whose declared length does not match, or whose value holds an SOH.
      const value = rng.pick(['abc', 'a\x01b', 'a=b\x01c', '', 'x'.repeat(rng.range(1, 40))]);
      const declared = rng.pick([String(value.length), String(value.length + rng.range(1, 5)), String(Math.max(0, value.length - 1)), '-1', 'x', '99999999']);
      fields.splice(rng.int(fields.length + 1), 0, `95=${declared}`, `96=${value}`);
      return;
    }
    case 9:
      setField(fields, '34', rng.pick([String(seq + rng.range(1, 20)), '0', '-1', 'x', '', '00000000001', String(seq), '1e3', '99999999999']));
      return;
    case 10:
      setField(fields, '52', rng.pick(WEIRD_VALUES.concat(['20000101-00:00:00', formatUtcTimestamp(Date.now() + 3_600_000, true)])));
      return;
    case 11:
      // A wrong CompID ends the session (Reject, then Logout), so it is kept rare.
      if (rng.chance(0.2)) setField(fields, rng.pick(['49', '56']), rng.pick(['', 'OTHER', 'any', VENUE_COMP_ID]));
      return;
    case 12:
      setField(fields, '35', rng.pick(MSG_TYPES));
      return;
    case 13: {
      const i = at();
      fields[i] = `${tagOf(fields[i])}=${'V'.repeat(rng.range(200, 20_000))}`;
      return;
    }
    case 14:
      // A repeating group with a count that does not match its entries.
      fields.push(`453=${rng.pick(['2', '0', '-1', '999', 'x'])}`, '448=P1', '447=D', `452=${rng.pick(['1', '3', 'x'])}`, rng.pick(['448=P2', '452=3', '447=D']));
      return;
    case 16:
    case 17: {
      // Well-formed but extreme order values: these pass the dictionary and reach the venue's decoding.
      const [tag, values] = rng.pick(ORDER_EDGES);
      setField(fields, tag, rng.pick(values));
      return;
    }
    case 18: {
      // Very many fields: thousands of party entries (count right or wrong), or one tag repeated.
      const n = rng.range(300, 3000);
      if (rng.chance(0.5)) {
        fields.push(`453=${rng.chance(0.7) ? n : n + 1}`);
        for (let k = 0; k < n; k++) fields.push(`448=P${k}`, '447=D', '452=3');
      } else {
        for (let k = 0; k < n; k++) fields.push(`58=${k}`);
      }
      return;
    }
    default: {
      // An SOH or '=' inside a value.
      const i = at();
      fields[i] = `${fields[i]}${rng.pick(['\x01', '=', '\x01=', '\x0110=000', '\x018=FIX.4.4', '\x01\x01'])}${rng.pick(['', 'x', '58=y'])}`;
    }
  }
}

const SPECIAL_BYTES = [0x01, 0x3d, 0x30, 0x31, 0x38, 0x39, 0x00, 0xff, 0x7f, 0x20];

function flipBytes(rng: Rng, buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  const n = rng.range(1, 4);
  for (let k = 0; k < n; k++) {
    const i = rng.int(out.length);
    out[i] = rng.chance(0.5) ? rng.pick(SPECIAL_BYTES) : out[i] ^ (1 << rng.int(8));
  }
  return out;
}

function garbage(rng: Rng): Buffer {
  const pieces = ['\x01', '=', '8=', '8=FIX.4.4\x01', '9=', '\x0110=', '35=D\x01', '10=000\x01', 'FIX', '\x00', '\xff'];
  let s = '';
  const len = rng.range(1, 400);
  while (s.length < len) {
    if (rng.chance(0.2)) s += rng.pick(pieces);
    else s += String.fromCharCode(rng.chance(0.7) ? rng.range(0x20, 0x7e) : rng.int(256));
  }
  return Buffer.from(s, 'latin1');
}

/** One piece of a fuzz stream: its bytes and what it is, for the counts. */
interface Item {
  bytes: Buffer;
  kind: string;
}

/**
 * The next item of a logged-on connection's stream. Items that cannot be valid messages reuse the
 * current sequence number instead of taking one, since the venue will not count them either.
 */
function nextItem(rng: Rng, maker: MessageMaker): Item {
  const r = rng.next();
  if (r < 0.34) return { bytes: maker.frame(maker.clean()), kind: 'clean' };
  if (r < 0.62) {
    const fields = maker.mutated();
    const good = rng.chance(0.8);
    return { bytes: good ? maker.frame(fields) : badlyFramed(rng, maker, fields), kind: good ? 'mutated-fields' : 'mutated-fields-bad-frame' };
  }
  const base = frameOfCurrent(maker);
  if (r < 0.75) return { bytes: flipBytes(rng, base), kind: 'byte-flips' };
  if (r < 0.83) return { bytes: base.subarray(0, rng.int(base.length)), kind: 'truncated' };
  if (r < 0.88) return { bytes: garbage(rng), kind: 'garbage' };
  if (r < 0.93) return { bytes: badlyFramedBytes(rng, base), kind: 'bad-length-or-checksum' };
  if (r < 0.97) {
    const cut = rng.int(base.length);
    const insert = rng.chance(0.5) ? garbage(rng) : frameOfCurrent(maker);
    return { bytes: Buffer.concat([base.subarray(0, cut), insert, base.subarray(cut)]), kind: 'spliced' };
  }
  if (r < 0.975) {
    const begin = rng.pick([maker.otherBegin, 'FIX.5.0', '', 'FIXT.1.1', 'FIX.4.4\x01', 'F'.repeat(40)]);
    return { bytes: frame(maker.clean(), { begin }), kind: 'wrong-begin-string' };
  }
  if (r < 0.999) return { bytes: oddlyFramed(rng, base), kind: 'odd-framing' };
  // BodyLength beyond the largest message: the venue logs the session out and disconnects.
  return { bytes: maker.frame(maker.header('0'), { bodyLength: rng.pick(['70000', '99999999', '999999999999']) }), kind: 'huge-body-length' };
}

/** A clean message under the current sequence number, without taking it. */
function frameOfCurrent(maker: MessageMaker): Buffer {
  const seq = maker.seq;
  const fields = maker.clean();
  maker.seq = seq;
  return maker.frame(fields);
}

/** Framing the codec must resynchronise after: a repeated or missing BeginString, a trailer too early. */
function oddlyFramed(rng: Rng, msg: Buffer): Buffer {
  const text = msg.toString('latin1');
  const afterBegin = text.indexOf('\x01') + 1;
  switch (rng.int(6)) {
    case 0:
      return Buffer.from('8=FIX.4.4\x01' + text, 'latin1');
    case 1:
      return Buffer.from(text.slice(afterBegin), 'latin1');
    case 2:
      return Buffer.from(text.slice(0, afterBegin) + '10=000\x01' + text.slice(afterBegin), 'latin1');
    case 3:
      return Buffer.from(text.replace('\x0110=', '\x01\x0110='), 'latin1');
    case 4:
      return Buffer.from(text.slice(0, -1), 'latin1');
    default:
      return Buffer.from('8=' + text, 'latin1');
  }
}

function badlyFramed(rng: Rng, maker: MessageMaker, fields: Fields): Buffer {
  return rng.chance(0.5)
    ? maker.frame(fields, { bodyLength: String(Buffer.byteLength(fields.join('\x01'), 'latin1') + 1 + rng.pick([-3, -1, 1, 2, 50])) })
    : maker.frame(fields, { checkSum: rng.pick(['000', '256', 'abc', '', '1000', '12', '-1']) });
}

function badlyFramedBytes(rng: Rng, msg: Buffer): Buffer {
  const text = msg.toString('latin1');
  const lengthStart = text.indexOf('\x019=') + 3;
  const lengthEnd = text.indexOf('\x01', lengthStart);
  const len = Number(text.slice(lengthStart, lengthEnd));
  const newLength = rng.pick([String(len + 1), String(len - 1), '0', '-5', 'abc', '', ' 12', String(len * 2), '0'.repeat(20) + String(len)]);
  let out = text.slice(0, lengthStart) + newLength + text.slice(lengthEnd);
  // The trailer is "10=NNN<SOH>": its last four characters are the value and the SOH.
  if (rng.chance(0.5)) out = `${out.slice(0, -4)}${rng.pick(['000', 'x', '999'])}\x01`;
  return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------------------------------------
// Connection plans

interface Plan {
  index: number;
  /**
   * 'session' logs on cleanly first; 'prelogon' starts with something that is not a clean logon;
   * 'silent' sends part of a logon and then nothing, so only the venue's logon timeout can end it.
   */
  kind: 'session' | 'prelogon' | 'silent';
  compId: string;
  begin: string;
  items: Item[];
  /** Write boundaries in the concatenated stream, ascending, ending at its length. */
  cuts: number[];
}

function planConnection(seed: number, index: number, sendingTime: string): Plan {
  const rng = new Rng(connectionSeed(seed, index));
  const compId = `FZ${index}`;
  const begin = rng.chance(0.25) ? 'FIX.4.2' : 'FIX.4.4';
  const maker = new MessageMaker(rng, compId, begin, sendingTime);
  const items: Item[] = [];
  const heartBtInt = rng.chance(0.1) ? 1 : 30;
  let kind: Plan['kind'];
  const r = rng.next();
  if (r < 0.01) {
    kind = 'silent';
    items.push({ bytes: maker.frame(maker.logon(30)).subarray(0, rng.int(80)), kind: 'silent-partial-logon' });
  } else if (r < 0.85) {
    kind = 'session';
    items.push({ bytes: maker.frame(maker.logon(heartBtInt)), kind: 'logon' });
    maker.seq = 2;
    const n = rng.range(100, 700);
    let sinceResync = 0;
    for (let i = 0; i < n; i++) {
      if (++sinceResync >= 25 && rng.chance(0.2)) {
        items.push({ bytes: maker.frame(maker.resync()), kind: 'resync' });
        sinceResync = 0;
        continue;
      }
      items.push(nextItem(rng, maker));
    }
  } else {
    kind = 'prelogon';
    const logon = maker.logon(30);
    const first = rng.int(8);
    if (first === 0) items.push({ bytes: garbage(rng), kind: 'garbage' });
    else if (first === 1) items.push({ bytes: frameOfCurrent(maker), kind: 'not-logon-first' });
    else if (first === 2) items.push({ bytes: maker.frame(logon).subarray(0, rng.int(60)), kind: 'truncated-logon' });
    else if (first === 3) items.push({ bytes: flipBytes(rng, maker.frame(logon)), kind: 'byte-flipped-logon' });
    else if (first === 4) items.push({ bytes: maker.frame(logon, { begin: rng.pick([maker.otherBegin, 'FIX.4.3', 'FIXT.1.1', '']) }), kind: 'logon-other-version' });
    else if (first === 5) {
      setField(logon, '56', rng.pick(['NOPE', 'any', '']));
      items.push({ bytes: maker.frame(logon), kind: 'logon-unknown-target' });
    } else if (first === 6) {
      setField(logon, '49', `FZ${Math.max(0, index - rng.range(1, 4))}`);
      items.push({ bytes: maker.frame(logon), kind: 'logon-maybe-duplicate' });
    } else {
      for (let k = rng.range(1, 3); k > 0; k--) mutateFields(rng, logon, 1);
      items.push({ bytes: maker.frame(logon), kind: 'mutated-logon' });
    }
    maker.seq = 2;
    for (let i = rng.int(10); i > 0; i--) items.push(nextItem(rng, maker));
  }

  const total = items.reduce((s, it) => s + it.bytes.length, 0);
  const cuts: number[] = [];
  let pos = 0;
  while (pos < total) {
    pos += rng.chance(0.3) ? rng.range(1, 40) : rng.range(100, 6000);
    cuts.push(Math.min(pos, total));
  }
  return { index, kind, compId, begin, items, cuts };
}

// ---------------------------------------------------------------------------------------------
// Running a connection

type Outcome = 'answered' | 'closed' | 'hung';

interface ConnectionResult {
  index: number;
  kind: Plan['kind'];
  /** Messages whose last byte was written before the venue closed the connection. */
  delivered: number;
  deliveredKinds: Map<string, number>;
  outcome: Outcome;
  /** When the venue closed the connection: during the fuzz stream or during the probe. */
  closedDuring: 'stream' | 'probe' | 'never';
  received: Map<string, number>;
  detail: string;
}

/** The connection indexes in flight, for the watchdog's report. */
const inFlight = new Set<number>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class FuzzSocket {
  readonly framer = new FixFramer({ maxMessageSize: 1 << 24 });
  readonly received = new Map<string, number>();
  readonly messages: FixMessage[] = [];
  ended = false;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) {
        const type = f.kind === 'message' ? f.message.msgType : 'garbled';
        this.received.set(type, (this.received.get(type) ?? 0) + 1);
        if (f.kind === 'message') {
          this.messages.push(f.message);
          if (this.messages.length > 64) this.messages.shift();
        }
      }
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number): Promise<FuzzSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new FuzzSocket(socket)));
      socket.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `done()` holds or the connection ends; false on timeout. */
  async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  /** Writes, waiting for the socket to drain when it is backed up; false once the venue has closed. */
  async write(data: Buffer): Promise<boolean> {
    if (this.ended) return false;
    if (!this.socket.write(data)) {
      await this.until(() => this.socket.writableLength === 0, 10_000);
    }
    return !this.ended;
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }
}

async function runConnection(port: number, plan: Plan): Promise<ConnectionResult> {
  const client = await FuzzSocket.open(port);
  const stream = Buffer.concat(plan.items.map((i) => i.bytes));
  const ends: number[] = [];
  let acc = 0;
  for (const item of plan.items) ends.push((acc += item.bytes.length));

  let written = 0;
  let writes = 0;
  for (const cut of plan.cuts) {
    if (!(await client.write(stream.subarray(written, cut)))) break;
    written = cut;
    // Yielding lets the venue read this piece on its own, so the split falls inside its reads too.
    if (++writes % 4 === 0) await new Promise((r) => setImmediate(r));
  }
  const closedInStream = client.ended;
  let delivered = 0;
  const deliveredKinds = new Map<string, number>();
  for (let i = 0; i < plan.items.length && ends[i] <= written; i++) {
    delivered++;
    const k = plan.items[i].kind;
    deliveredKinds.set(k, (deliveredKinds.get(k) ?? 0) + 1);
  }

  // The probe. Filler longer than any BodyLength the venue accepts, then an SOH-10= trailer, ends
  // whatever half-frame the stream left behind; then something that must be answered.
  let outcome: Outcome = 'closed';
  let detail = '';
  if (plan.kind === 'silent') {
    if (!(await client.until(() => false, LOGON_TIMEOUT_S * 1000 + PROBE_DEADLINE_MS))) {
      outcome = 'hung';
      detail = `not disconnected ${LOGON_TIMEOUT_S} s after a partial logon`;
    }
  } else if (!client.ended) {
    const probeId = `PROBE-${plan.index}`;
    const now = formatUtcTimestamp(Date.now(), true);
    const filler = Buffer.concat([Buffer.alloc(MAX_MESSAGE_SIZE + 512, 'X'), Buffer.from('\x0110=000\x01', 'latin1')]);
    const probeSeq = 1_000_000_000 + plan.index;
    const common = (t: string, seq: number): Fields => [`35=${t}`, `34=${seq}`, `49=${plan.compId}`, `52=${now}`, `56=${VENUE_COMP_ID}`];
    const probe =
      plan.kind === 'session'
        ? Buffer.concat([frame([...common('4', probeSeq), `36=${probeSeq}`], { begin: plan.begin }), frame([...common('1', probeSeq), `112=${probeId}`], { begin: plan.begin })])
        : frame([...common('A', 1), '98=0', '108=30', '141=Y'], { begin: plan.begin });
    const answered = (): boolean =>
      client.messages.some((m) => (plan.kind === 'session' ? m.msgType === '0' && m.get(112) === probeId : m.msgType === 'A'));
    if ((await client.write(filler)) && (await client.write(probe))) {
      const ok = await client.until(answered, PROBE_DEADLINE_MS);
      if (answered()) outcome = 'answered';
      else if (client.ended) outcome = 'closed';
      else {
        outcome = 'hung';
        detail = ok ? '' : `no answer to the probe within ${PROBE_DEADLINE_MS} ms; last received: ${client.messages.slice(-3).map(String).join(' / ')}`;
      }
    }
  }
  const closedDuring = closedInStream ? 'stream' : client.ended ? 'probe' : 'never';
  await client.close();
  return { index: plan.index, kind: plan.kind, delivered, deliveredKinds, outcome, closedDuring, received: client.received, detail };
}

// ---------------------------------------------------------------------------------------------
// Watchdog

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = workerData.beat;
let last = -1;
let since = Date.now();
setInterval(() => {
  const now = Date.now();
  const b = Atomics.load(beat, 0);
  if (b !== last) { last = b; since = now; return; }
  if (now - since < workerData.limitMs) return;
  const busy = [];
  for (let i = 1; i < beat.length; i++) if (beat[i] !== 0) busy.push(beat[i] - 1);
  writeSync(2, '\\nFIX fuzz: the event loop has not run for ' + (now - since) + ' ms; the venue is stuck. ' +
    'FUZZ_SEED=' + workerData.seed + ', connections in flight: ' + busy.join(', ') + '\\n');
  process.kill(process.pid, 'SIGKILL');
}, 1000);
`;

function startWatchdog(limitMs: number): { beat: Int32Array; stop: () => Promise<void> } {
  const beat = new Int32Array(new SharedArrayBuffer(4 * (1 + CONCURRENCY * 4)));
  const worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { beat, limitMs, seed: SEED } });
  worker.unref();
  const tick = setInterval(() => {
    Atomics.add(beat, 0, 1);
    let i = 1;
    for (const c of inFlight) if (i < beat.length) Atomics.store(beat, i++, c + 1);
    for (; i < beat.length; i++) Atomics.store(beat, i, 0);
  }, 200);
  tick.unref();
  return {
    beat,
    stop: async () => {
      clearInterval(tick);
      await worker.terminate();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The test

function add(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function fmt(m: Map<string, number>): string {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

describe('FIX acceptor fuzz', () => {
  let venue: Venue;
  let port = 0;
  const venueLog: string[] = [];
  let socketErrors = 0;
  let watchdog: ReturnType<typeof startWatchdog>;
  const dataDir = mkdtempSync(join(tmpdir(), 'crucible-fuzz-'));

  beforeAll(async () => {
    watchdog = startWatchdog(20_000);
    // As `crucible start` runs it: journal, outbox and FIX session store on disk, default durability.
    venue = await Venue.open({
      config: resolveVenueConfig({ fix: { port: 0, session: { logonTimeout: LOGON_TIMEOUT_S } }, dataDir }),
      log: (line) => {
        // A peer that hangs up while the venue is still answering makes its socket report EPIPE; that
        // is the peer's doing. Refusals are expected too. Anything else that failed is a finding.
        if (line.startsWith('fix: socket error:')) socketErrors++;
        else if (/fail|error|exception|could not/i.test(line) && venueLog.length < 200) venueLog.push(line);
      },
    });
    port = (await venue.start()).port;
  });

  afterAll(async () => {
    await venue?.stop();
    await watchdog?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`survives ${TARGET_MESSAGES.toLocaleString('en-US')}+ mutated messages (FUZZ_SEED=${SEED}) and still serves a clean session`, async () => {
    const started = Date.now();
    const sendingTime = formatUtcTimestamp(started, true);
    const results: ConnectionResult[] = [];
    let delivered = 0;
    let nextIndex = 0;

    const worker = async (): Promise<void> => {
      while (delivered < TARGET_MESSAGES && nextIndex < MAX_CONNECTIONS) {
        const index = nextIndex++;
        const plan = planConnection(SEED, index, sendingTime);
        inFlight.add(index);
        try {
          const r = await runConnection(port, plan);
          results.push(r);
          delivered += r.delivered;
        } finally {
          inFlight.delete(index);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const fuzzMs = Date.now() - started;

    // The venue is still up: it accepts, and a clean session gets its order acknowledged.
    const clean = await FuzzSocket.open(port);
    const now = (): string => formatUtcTimestamp(Date.now(), true);
    const hdr = (t: string, seq: number): Fields => [`35=${t}`, `34=${seq}`, '49=CLEAN', `52=${now()}`, `56=${VENUE_COMP_ID}`];
    await clean.write(frame([...hdr('A', 1), '98=0', '108=30', '141=Y']));
    await clean.until(() => clean.messages.some((m) => m.msgType === 'A'), 5000);
    await clean.write(frame([...hdr('D', 2), '11=clean-1', '21=1', '38=10', '40=2', '44=99.50', '54=1', '55=AAPL', '59=0', `60=${now()}`]));
    const ack = (): FixMessage | undefined => clean.messages.find((m) => m.msgType === '8' && m.get(11) === 'clean-1');
    await clean.until(() => ack() !== undefined, 5000);
    await clean.write(frame([...hdr('5', 3)]));
    await clean.until(() => clean.messages.some((m) => m.msgType === '5'), 5000);
    const cleanMessages = clean.messages.map((m) => m.toString());
    await clean.close();

    // Nothing left behind: every connection is gone from the acceptor.
    const deadline = Date.now() + 5000;
    while (venue.acceptor.connectionCount > 0 && Date.now() < deadline) await sleep(50);

    const byOutcome = new Map<string, number>();
    const byKind = new Map<string, number>();
    const received = new Map<string, number>();
    const closedDuring = new Map<string, number>();
    for (const r of results) {
      byOutcome.set(`${r.kind}/${r.outcome}`, (byOutcome.get(`${r.kind}/${r.outcome}`) ?? 0) + 1);
      closedDuring.set(r.closedDuring, (closedDuring.get(r.closedDuring) ?? 0) + 1);
      add(byKind, r.deliveredKinds);
      add(received, r.received);
    }
    const hung = results.filter((r) => r.outcome === 'hung');
    console.log(
      [
        `FIX fuzz (FUZZ_SEED=${SEED}): ${delivered.toLocaleString('en-US')} messages over ${results.length} connections in ${(fuzzMs / 1000).toFixed(1)} s`,
        `  sent by kind: ${fmt(byKind)}`,
        `  connections: ${fmt(byOutcome)}; closed by the venue during: ${fmt(closedDuring)}`,
        `  venue answers: ${fmt(received)}`,
        `  acceptor refusals: ${fmt(new Map([...venue.acceptor.refused].map(([k, v]) => [k, v])))}`,
        `  socket errors after the peer hung up: ${socketErrors}`,
        `  venue log lines reporting failures: ${venueLog.length}${venueLog.length > 0 ? '\n    ' + venueLog.slice(0, 20).join('\n    ') : ''}`,
      ].join('\n'),
    );

    expect(delivered).toBeGreaterThanOrEqual(TARGET_MESSAGES);
    expect(hung.map((r) => `connection ${r.index} (${r.kind}): ${r.detail}`)).toEqual([]);
    expect(ack(), `clean session: ${cleanMessages.join('\n')}`).toBeDefined();
    expect(ack()?.get(150)).toBe('0');
    expect(venue.acceptor.connectionCount).toBe(0);
    expect(venue.acceptor.unauthenticatedCount).toBe(0);
    expect(venue.acceptor.sessions.filter((s) => s.isConnected()).map((s) => s.key)).toEqual([]);
    expect(venueLog).toEqual([]);
  }, 120_000);
});
