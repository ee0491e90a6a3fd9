// Interpreter for QuickFIX's acceptance transcripts (.def files), written from the behaviour of
// QuickFIX's own Ruby tester (Reflector.rb, ReflectorClient.rb, FixParser.rb, Comparator.rb) so a
// transcript passes here exactly when it would pass there:
// - a line is `I`/`E`/`i`/`e`, optionally followed by a one-digit connection id and a comma;
// - <TIME>, <TIME+n>, <TIME-n> become the UTC time when the line runs (YYYYMMDD-HH:MM:SS);
// - a message line without 9= gets a BodyLength, one without 10= a CheckSum (E lines too);
// - an expected message is compared field by field; fields named in fields.fmt by (unanchored)
//   regular expression, the rest exactly;
// - eDISCONNECT waits up to 10 s for the acceptor to close and fails if data arrives instead.
// It deliberately shares no code with src/fix: the tester must not inherit the bugs it looks for.
import { connect, type Socket } from 'node:net';

const SOH = '\x01';
/** SOH as a regular-expression escape (kept out of regex literals, where lint forbids control characters). */
const S = '\\x01';

export type StepKind = 'connect' | 'disconnect' | 'send' | 'expect' | 'expectConnect' | 'expectDisconnect';

export interface TranscriptStep {
  readonly lineNo: number;
  readonly line: string;
  readonly kind: StepKind;
  /** Connection id: the digit after the action letter, 1 when there is none. */
  readonly cid: number;
  /** The message (before <TIME> substitution and completion) for send/expect. */
  readonly body: string;
}

/** Parses a .def file into steps; throws on a line that is not a comment, blank or action. */
export function parseTranscript(source: string): TranscriptStep[] {
  const steps: TranscriptStep[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.length === 0 || line[0] === '#') continue;
    let cid = 1;
    let body: string;
    if (/^[IEie]\d,/.test(line)) {
      cid = line.charCodeAt(1) - 48;
      body = line.slice(3);
    } else {
      body = line.slice(1);
    }
    const action = line[0];
    let kind: StepKind;
    if (action === 'I') kind = 'send';
    else if (action === 'E') kind = 'expect';
    else if (action === 'i' && body === 'CONNECT') kind = 'connect';
    else if (action === 'i' && body === 'DISCONNECT') kind = 'disconnect';
    else if (action === 'e' && body === 'CONNECT') kind = 'expectConnect';
    else if (action === 'e' && body === 'DISCONNECT') kind = 'expectDisconnect';
    else throw new Error(`line ${lineNo}: syntax error: ${line}`);
    steps.push({ lineNo, line, kind, cid, body });
  }
  return steps;
}

/** fields.fmt: one `tag=regex` a line. */
export function parseFieldPatterns(source: string): Map<number, RegExp> {
  const patterns = new Map<number, RegExp>();
  for (const raw of source.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.length === 0) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    patterns.set(Number.parseInt(line.slice(0, eq), 10), new RegExp(line.slice(eq + 1)));
  }
  return patterns;
}

function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** <TIME>, <TIME+n>, <TIME-n> → UTC time shifted by n seconds. */
export function timify(message: string, nowMs: number): string {
  return message.replace(/<TIME(?:([+-])(\d+))?>/g, (_m, sign: string | undefined, n: string | undefined) => {
    const shift = sign === undefined ? 0 : (sign === '+' ? 1 : -1) * Number(n) * 1000;
    return formatTime(nowMs + shift);
  });
}

function byteSum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i) & 0xff;
  return sum & 0xff;
}

/**
 * Reflector.rb's fixify!: adds BodyLength after BeginString when there is no 9= field, and a CheckSum
 * when there is no 10= field. Like the original, a line that already has a CheckSum but no
 * BodyLength gets a BodyLength one short (the SOH before 10= is not counted), so such lines stay
 * garbled as their authors meant.
 */
export function fixify(message: string): string {
  const hasLength = new RegExp(`${S}9=.*?${S}`).test(message);
  const head = new RegExp(`^8=.*?${S}`).exec(message)?.[0];
  if (head === undefined) return message;
  let rest = message.slice(head.length);
  const checksumMatch = new RegExp(`${S}10=.*${S}$`).exec(rest);
  let checksum = checksumMatch?.[0];
  if (checksumMatch !== null) rest = rest.slice(0, checksumMatch.index) + rest.slice(checksumMatch.index + checksumMatch[0].length);
  const length = hasLength ? '' : `9=${rest.length}${SOH}`;
  if (checksum === undefined) checksum = `10=${String(byteSum(head + length + rest)).padStart(3, '0')}${SOH}`;
  return head + length + rest + checksum;
}

/** Comparator.rb: same number of fields, same tags in order, values equal or matching the tag's pattern. */
export function compareMessages(expected: string, actual: string, patterns: ReadonlyMap<number, RegExp>): string | undefined {
  const split = (m: string): string[] => {
    const parts = m.split(SOH);
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    return parts;
  };
  const left = split(expected);
  const right = split(actual);
  if (left.length !== right.length) return 'Number of fields do no match';
  for (let i = 0; i < left.length; i++) {
    const [lTag, lValue] = splitField(left[i]);
    const [rTag, rValue] = splitField(right[i]);
    if (lTag !== rTag) return `Expected field (${lTag}) but found field (${rTag})`;
    const pattern = patterns.get(Number.parseInt(lTag, 10));
    if (pattern === undefined) {
      if (lValue !== rValue) return `Value in field (${lTag}) should be (${lValue}) but was (${rValue})`;
    } else if (!pattern.test(rValue)) {
      return `Field (${lTag}) does not match pattern`;
    }
  }
  return undefined;
}

function splitField(field: string): [string, string] {
  const eq = field.indexOf('=');
  return eq < 0 ? [field, ''] : [field.slice(0, eq), field.slice(eq + 1)];
}

/** One tester connection: reads whole FIX messages the way FixParser.rb does. */
class TesterConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    const end = (): void => {
      this.ended = true;
      this.notify();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(host: string, port: number, timeoutMs: number): Promise<TesterConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new TesterConnection(socket));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  write(data: string): void {
    this.socket.write(Buffer.from(data, 'latin1'));
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private waitForChange(deadline: number): Promise<boolean> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, remaining);
      this.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** The next message: up to "<SOH>9=", the length, that many bytes, then up to the next SOH. */
  async readMessage(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const end = this.messageEnd();
      if (end > 0) {
        const msg = this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(end);
        return msg;
      }
      if (end < 0) throw new Error(`unreadable data from acceptor: ${this.buffer.toString('latin1').split(SOH).join('|')}`);
      if (this.ended) throw new Error(this.buffer.length === 0 ? 'Was disconnected, expected data' : 'Was disconnected in the middle of a message');
      if (!(await this.waitForChange(deadline))) throw new Error(`no message within ${timeoutMs} ms`);
    }
  }

  /** Index after a complete message at the start of the buffer; 0 when incomplete, -1 when unreadable. */
  private messageEnd(): number {
    const b = this.buffer;
    const lengthTag = b.indexOf('\x019=', 0, 'latin1');
    if (lengthTag < 0) return 0;
    const lengthEnd = b.indexOf(0x01, lengthTag + 3);
    if (lengthEnd < 0) return 0;
    const lengthText = b.toString('latin1', lengthTag + 3, lengthEnd);
    if (!/^\d+$/.test(lengthText)) return -1;
    const bodyEnd = lengthEnd + 1 + Number(lengthText);
    if (b.length < bodyEnd) return 0;
    const checksumEnd = b.indexOf(0x01, bodyEnd);
    return checksumEnd < 0 ? 0 : checksumEnd + 1;
  }

  /** Waits for the acceptor to close: 'closed', 'data' if something arrives first, 'timeout'. */
  async waitForDisconnect(timeoutMs: number): Promise<'closed' | 'data' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (this.buffer.length > 0) return 'data';
      if (this.ended) return 'closed';
      if (!(await this.waitForChange(deadline))) return 'timeout';
    }
  }
}

export interface RunOptions {
  readonly host: string;
  readonly port: number;
  readonly patterns: ReadonlyMap<number, RegExp>;
  /** How long an E line waits for its message (QuickFIX's tester waits forever). */
  readonly expectTimeoutMs?: number;
  /** How long eDISCONNECT waits (QuickFIX's tester: 10 s). */
  readonly disconnectTimeoutMs?: number;
  readonly now?: () => number;
}

export interface TranscriptFailure {
  readonly lineNo: number;
  readonly line: string;
  readonly reason: string;
  readonly expected?: string;
  readonly received?: string;
}

export interface TranscriptResult {
  readonly ok: boolean;
  readonly stepsRun: number;
  readonly durationMs: number;
  readonly failure?: TranscriptFailure;
}

const show = (m: string): string => m.split(SOH).join('|');

/** Runs a transcript against an acceptor; never throws for a transcript failure. */
export async function runTranscript(steps: readonly TranscriptStep[], options: RunOptions): Promise<TranscriptResult> {
  const now = options.now ?? Date.now;
  const expectTimeout = options.expectTimeoutMs ?? 20_000;
  const disconnectTimeout = options.disconnectTimeoutMs ?? 10_000;
  const connections = new Map<number, TesterConnection>();
  const started = Date.now();
  let stepsRun = 0;
  const fail = (step: TranscriptStep, reason: string, extra: { expected?: string; received?: string } = {}): TranscriptResult => ({
    ok: false,
    stepsRun,
    durationMs: Date.now() - started,
    failure: { lineNo: step.lineNo, line: show(step.line), reason, ...extra },
  });

  try {
    for (const step of steps) {
      stepsRun++;
      switch (step.kind) {
        case 'connect': {
          try {
            connections.set(step.cid, await TesterConnection.open(options.host, options.port, 5000));
          } catch (e) {
            return fail(step, `failed to connect: ${(e as Error).message}`);
          }
          break;
        }
        case 'disconnect': {
          connections.get(step.cid)?.close();
          connections.delete(step.cid);
          break;
        }
        case 'send': {
          const c = connections.get(step.cid);
          if (c === undefined) return fail(step, 'Unable to send message because connection was dropped');
          c.write(fixify(timify(step.body, now())));
          break;
        }
        case 'expect': {
          const expected = fixify(timify(step.body, now()));
          const c = connections.get(step.cid);
          if (c === undefined) return fail(step, 'no connection to read from', { expected: show(expected) });
          let received: string;
          try {
            received = await c.readMessage(expectTimeout);
          } catch (e) {
            return fail(step, (e as Error).message, { expected: show(expected) });
          }
          const mismatch = compareMessages(expected, received, options.patterns);
          if (mismatch !== undefined) return fail(step, mismatch, { expected: show(expected), received: show(received) });
          break;
        }
        case 'expectConnect':
          break;
        case 'expectDisconnect': {
          const c = connections.get(step.cid);
          if (c === undefined) return fail(step, 'no connection to wait on');
          const outcome = await c.waitForDisconnect(disconnectTimeout);
          if (outcome === 'timeout') return fail(step, `Connection hangs after ${disconnectTimeout / 1000} seconds.`);
          if (outcome === 'data') {
            let received = '';
            try {
              received = show(await c.readMessage(100));
            } catch {
              // whatever arrived is not a whole message; the reason says enough
            }
            return fail(step, 'Expected disconnection, got data', { received });
          }
          break;
        }
      }
    }
    return { ok: true, stepsRun, durationMs: Date.now() - started };
  } finally {
    for (const c of connections.values()) c.close();
  }
}

/** A failure as a few readable lines. */
export function describeFailure(name: string, result: TranscriptResult): string {
  const f = result.failure;
  if (f === undefined) return `${name}: passed`;
  const lines = [`${name}: line ${f.lineNo}: ${f.reason}`, `  line:     ${f.line}`];
  if (f.expected !== undefined) lines.push(`  expected: ${f.expected}`);
  if (f.received !== undefined) lines.push(`  received: ${f.received}`);
  return lines.join('\n');
}
