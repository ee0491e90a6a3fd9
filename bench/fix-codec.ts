// Throughput of the FIX codec on its two hot paths, for a NewOrderSingle and an ExecutionReport
// (FIX.4.4), side by side with jspurefix (the pure-JS FIX engine on npm) in the same process when
// it is installed:
//
//   npm run bench:fix-codec -- [--msgs=200000] [--rounds=5] [--json]
//
// parse:  a byte stream of back-to-back messages through FixFramer (find "8=", BodyLength, CheckSum
//         verified, every field located, one FixMessage per message), reading MsgType and ClOrdID
//         of each. jspurefix: its AsciiParser on the same bytes, building its message view, reading
//         the same two fields.
// encode: one complete message per call from a header and body field list (BodyLength and CheckSum
//         computed). jspurefix: what its transmitter does per message sent (encoder reset, then
//         AsciiMsgTransmitter.encodeMessage from a message object, which also builds the header
//         from its session settings and formats SendingTime).
//
// Each figure is the median of the measured rounds, after a warm-up round per case. Ours run first
// so the peer's garbage cannot land in our timed rounds.
import { createRequire } from 'node:module';
import { FixFramer } from '../src/fix/codec.js';
import { encodeMessage, type Field } from '../src/fix/encoder.js';

interface Options {
  msgs: number;
  rounds: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { msgs: 200_000, rounds: 5, json: false };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    if (key === 'json') opts.json = value === undefined || value !== 'false';
    else if (key === 'msgs' || key === 'rounds') {
      const n = Number((value ?? '').replace(/_/g, ''));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${key} must be a positive integer, got ${value}`);
      opts[key] = n;
    } else throw new Error(`unknown option --${key} (known: --msgs --rounds --json)`);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// The two messages

const SENDING_TIME = '20240102-03:04:05.678';
const header = (seq: number): Field[] => [
  [34, seq],
  [49, 'ISLD'],
  [52, SENDING_TIME],
  [56, 'TW44'],
];

const NEW_ORDER_SINGLE: Field[] = [
  [1, 'ACC-0001'],
  [11, 'ORD-20240102-000001'],
  [21, '1'],
  [38, 100],
  [40, '2'],
  [44, '101.25'],
  [54, '1'],
  [55, 'AAPL'],
  [59, '0'],
  [60, SENDING_TIME],
];

const EXECUTION_REPORT: Field[] = [
  [1, 'ACC-0001'],
  [6, '101.25'],
  [11, 'ORD-20240102-000001'],
  [14, 40],
  [17, 'EXEC-000000000042'],
  [31, '101.25'],
  [32, 40],
  [37, 'OID-000000000017'],
  [38, 100],
  [39, '1'],
  [40, '2'],
  [44, '101.25'],
  [54, '1'],
  [55, 'AAPL'],
  [59, '0'],
  [60, SENDING_TIME],
  [150, 'F'],
  [151, 60],
];

interface Case {
  name: 'newOrderSingle' | 'executionReport';
  msgType: string;
  body: Field[];
  /** The same message as a jspurefix object (FIX.4.4 field names, components nested). */
  peerObject: Record<string, unknown>;
}

const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
const CASES: Case[] = [
  {
    name: 'newOrderSingle',
    msgType: 'D',
    body: NEW_ORDER_SINGLE,
    peerObject: {
      Account: 'ACC-0001',
      ClOrdID: 'ORD-20240102-000001',
      HandlInst: '1',
      OrderQtyData: { OrderQty: 100 },
      OrdType: '2',
      Price: 101.25,
      Side: '1',
      Instrument: { Symbol: 'AAPL' },
      TimeInForce: '0',
      TransactTime: when,
    },
  },
  {
    name: 'executionReport',
    msgType: '8',
    body: EXECUTION_REPORT,
    peerObject: {
      Account: 'ACC-0001',
      AvgPx: 101.25,
      ClOrdID: 'ORD-20240102-000001',
      CumQty: 40,
      ExecID: 'EXEC-000000000042',
      LastPx: 101.25,
      LastQty: 40,
      OrderID: 'OID-000000000017',
      OrderQtyData: { OrderQty: 100 },
      OrdStatus: '1',
      OrdType: '2',
      Price: 101.25,
      Side: '1',
      Instrument: { Symbol: 'AAPL' },
      TimeInForce: '0',
      TransactTime: when,
      ExecType: 'F',
      LeavesQty: 60,
    },
  },
];

/** 1000 back-to-back copies with increasing MsgSeqNum: the bytes one parse pass reads. */
const STREAM_COPIES = 1000;
function stream(c: Case): Buffer {
  const parts: Buffer[] = [];
  for (let i = 1; i <= STREAM_COPIES; i++) parts.push(encodeMessage('FIX.4.4', c.msgType, header(i), c.body));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Timing

let sink = 0;

/** Runs `pass` (which handles `perPass` messages) until `msgs` messages; returns messages per second. */
function measure(msgs: number, perPass: number, pass: () => void): number {
  const passes = Math.max(1, Math.round(msgs / perPass));
  const start = process.hrtime.bigint();
  for (let i = 0; i < passes; i++) pass();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (passes * perPass) / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rounds(opts: Options, perPass: number, pass: () => void): number {
  measure(Math.min(opts.msgs, 50_000), perPass, pass);
  const results: number[] = [];
  for (let r = 0; r < opts.rounds; r++) results.push(measure(opts.msgs, perPass, pass));
  return Math.round(median(results));
}

// ---------------------------------------------------------------------------------------------
// Crucible

function ourParse(bytes: Buffer): () => void {
  return () => {
    const framer = new FixFramer();
    framer.push(bytes);
    let n = 0;
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      if (f.kind !== 'message') throw new Error(`garbled frame: ${f.reason}`);
      n += f.message.msgType.length + (f.message.get(11)?.length ?? 0);
    }
    sink += n;
  };
}

function ourEncode(c: Case): () => void {
  let seq = 1;
  return () => {
    for (let i = 0; i < 100; i++) sink += encodeMessage('FIX.4.4', c.msgType, header(seq++), c.body).length;
  };
}

// ---------------------------------------------------------------------------------------------
// jspurefix, loosely typed: it is an optional peer and its types are not ours to depend on

interface PeerView {
  getString(tag: number): string | null;
}
interface PeerParser {
  on(event: 'msg', listener: (msgType: string, view: PeerView) => void): void;
  parseBuffer(buf: Buffer): void;
}
interface PeerTransmitter {
  time: Date | null;
  encoder: { reset(): void };
  buffer: { toString(): string };
  encodeMessage(msgType: string, obj: Record<string, unknown>): unknown;
}
interface Peer {
  version: string;
  makeParser(): Promise<PeerParser>;
  transmitter: PeerTransmitter;
}

async function loadPeer(): Promise<Peer | undefined> {
  const require = createRequire(import.meta.url);
  try {
    require('reflect-metadata');
    const jsp = require('jspurefix');
    const { makeSessionScope } = require('jspurefix/dist/runtime/session-scope');
    const { AsciiParser } = require('jspurefix/dist/buffer/ascii/ascii-parser');
    const { AsciiMsgTransmitter } = require('jspurefix/dist/transport/ascii/ascii-msg-transmitter');
    const { DITokens } = require('jspurefix/dist/runtime/di-tokens');
    const version: string = require('jspurefix/package.json').version;
    const system = new jsp.SessionContainer();
    system.registerGlobal('error');
    const container = await system.makeSystem({
      application: { type: 'initiator', name: 'bench', tcp: { host: '127.0.0.1', port: 1 }, protocol: 'ascii', dictionary: 'qf44' },
      SenderCompId: 'ISLD',
      TargetCompID: 'TW44',
      BeginString: 'FIX.4.4',
      HeartBtInt: 30,
    });
    const config = container.resolve(DITokens.IJsFixConfig);
    config.definitions = await new jsp.DefinitionFactory().getDefinitions('qf44');
    config.delimiter = 1;
    const transmitter: PeerTransmitter = new AsciiMsgTransmitter(config);
    transmitter.time = when;
    const makeParser = async (): Promise<PeerParser> => {
      const scoped = makeSessionScope(config);
      const c = scoped.sessionContainer;
      return new AsciiParser(scoped, null, c.resolve(DITokens.ParseBuffer), c.resolve(DITokens.maxMessageLen));
    };
    return { version, makeParser, transmitter };
  } catch (e) {
    console.error(`jspurefix not compared: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

async function peerParse(peer: Peer, bytes: Buffer): Promise<() => void> {
  const parser = await peer.makeParser();
  let n = 0;
  parser.on('msg', (msgType, view) => {
    n += msgType.length + (view.getString(11)?.length ?? 0);
  });
  // The peer reports a message when the byte after its CheckSum arrives (or at the end of a
  // buffer), so one pass over the stream yields every message.
  return () => {
    parser.parseBuffer(bytes);
    sink += n;
  };
}

function peerEncode(peer: Peer, c: Case): () => void {
  return () => {
    for (let i = 0; i < 100; i++) {
      // As its own send path does before every message.
      peer.transmitter.encoder.reset();
      peer.transmitter.encodeMessage(c.msgType, c.peerObject);
      sink += 1;
    }
  };
}

// ---------------------------------------------------------------------------------------------

type PerMessage = Record<Case['name'], number>;

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const streams = new Map(CASES.map((c) => [c.name, stream(c)]));
  const parse = {} as PerMessage;
  const encode = {} as PerMessage;
  const sizes = {} as PerMessage;
  for (const c of CASES) {
    const bytes = streams.get(c.name)!;
    sizes[c.name] = Math.round((bytes.length / STREAM_COPIES) * 10) / 10;
    parse[c.name] = rounds(opts, STREAM_COPIES, ourParse(bytes));
    encode[c.name] = rounds(opts, 100, ourEncode(c));
  }

  const peer = await loadPeer();
  let peerResult: { name: string; version: string; parseMsgsPerSec: PerMessage; encodeMsgsPerSec: PerMessage } | null = null;
  if (peer !== undefined) {
    const peerParseRate = {} as PerMessage;
    const peerEncodeRate = {} as PerMessage;
    for (const c of CASES) {
      const bytes = streams.get(c.name)!;
      const check = await peer.makeParser();
      let seen = 0;
      check.on('msg', () => seen++);
      check.parseBuffer(bytes);
      if (seen !== STREAM_COPIES) throw new Error(`jspurefix parsed ${seen} of ${STREAM_COPIES} ${c.name} messages`);
      peerParseRate[c.name] = rounds(opts, STREAM_COPIES, await peerParse(peer, bytes));
      peerEncodeRate[c.name] = rounds(opts, 100, peerEncode(peer, c));
    }
    peerResult = { name: 'jspurefix', version: peer.version, parseMsgsPerSec: peerParseRate, encodeMsgsPerSec: peerEncodeRate };
  }

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(`FIX codec throughput, node ${process.version}, median of ${opts.rounds} rounds of ${opts.msgs.toLocaleString('en-US')} messages`);
  console.log(`${'message'.padEnd(18)}${'bytes'.padStart(7)}${'parse/s'.padStart(12)}${'encode/s'.padStart(12)}` + (peerResult ? `${'jspurefix parse/s'.padStart(19)}${'encode/s'.padStart(12)}` : ''));
  for (const c of CASES) {
    let line = `${c.name.padEnd(18)}${String(sizes[c.name]).padStart(7)}${fmt(parse[c.name])}${fmt(encode[c.name])}`;
    if (peerResult) line += `${fmt(peerResult.parseMsgsPerSec[c.name]).padStart(19)}${fmt(peerResult.encodeMsgsPerSec[c.name])}`;
    console.log(line);
  }
  if (sink === 0) console.log('');
  if (opts.json) {
    console.log(
      JSON.stringify({
        bench: 'fix-codec',
        node: process.version,
        rounds: opts.rounds,
        msgsPerRound: opts.msgs,
        avgMessageBytes: sizes,
        parseMsgsPerSec: parse,
        encodeMsgsPerSec: encode,
        peer: peerResult,
      }),
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
