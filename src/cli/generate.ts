// `crucible generate`: random orders into a running venue over FIX, as any client would send them.
// Two ways to run it. Without --rate it is the seed tool: one request every --interval seconds, a
// line per request sent and per report received. With --rate it is a load generator: requests are
// pipelined at that rate, a progress line goes to stderr every second, and a report (rates, answers,
// rejects by reason, round-trip latency percentiles) ends the run. --json puts the report on the last
// stdout line as one JSON object, for scripts.
//
// Exit codes: 0 after a clean stop (count, duration, Ctrl-C), 1 when the venue cannot be reached,
// refuses the logon or drops the connection, 2 for options that do not make sense.
import { randomInt } from 'node:crypto';
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_LISTINGS, type ListedInstrument } from '../venue/instruments.js';
import {
  ConnectError,
  type GeneratorConfig,
  type GeneratorReport,
  type GeneratorSide,
  OrderGenerator,
  planSymbol,
  type ReceivedAnswer,
  type SentRequest,
} from './order-generator.js';

export interface GenerateFlags {
  readonly host: string;
  readonly port: string;
  readonly senderCompId: string;
  readonly targetCompId: string;
  readonly fixVersion: string;
  readonly symbols?: string;
  readonly interval: string;
  readonly rate?: string;
  readonly sizes: string;
  readonly sides: string;
  readonly cancelShare: string;
  readonly replaceShare: string;
  readonly count?: string;
  readonly duration?: string;
  readonly seed?: string;
  readonly account?: string;
  readonly maxInFlight: string;
  readonly json?: boolean;
}

/** A flag with a value the generator cannot use; the message names the flag. */
export class OptionError extends Error {}

export interface GeneratePlan {
  readonly config: GeneratorConfig;
  /** Load mode (--rate): progress and a report instead of a line per message. */
  readonly load: boolean;
  readonly json: boolean;
}

// ---------------------------------------------------------------------------------------------
// Options

const plainNumber = z
  .string()
  .trim()
  .regex(/^(\d+(\.\d*)?|\.\d+)$/, 'must be a plain non-negative number')
  .transform(Number);
const wholeNumber = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n), 'is too large');
const fixText = z
  .string()
  .min(1, 'may not be empty')
  .max(64, 'is longer than 64 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .refine((s) => !s.includes('='), 'may not contain "="');

function flag<T>(name: string, schema: z.ZodType<T, string>, value: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new OptionError(`${name} ${r.error.issues[0]?.message ?? 'is not valid'}, got ${JSON.stringify(value)}`);
  return r.data;
}

/** A plain decimal number from min to max (exclusive of min when `open`); the message says what the flag wants. */
function numberIn(name: string, value: string, min: number, max: number, what: string, open = false): number {
  const r = plainNumber.safeParse(value);
  const n = r.success ? r.data : Number.NaN;
  if (!(open ? n > min : n >= min) || !(n <= max)) throw new OptionError(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  return n;
}

function list(name: string, value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new OptionError(`${name} needs at least one item (a comma-separated list), got ${JSON.stringify(value)}`);
  return items;
}

function parseSymbols(value: string | undefined, listings: readonly ListedInstrument[]): ListedInstrument[] {
  if (value === undefined) return [...listings];
  const chosen: ListedInstrument[] = [];
  for (const name of list('--symbols', value)) {
    const listing = listings.find((l) => l.instrument.symbol.toUpperCase() === name.toUpperCase());
    if (listing === undefined) {
      throw new OptionError(`--symbols: unknown symbol ${name}; the listed symbols are ${listings.map((l) => l.instrument.symbol).join(', ')}`);
    }
    if (!chosen.includes(listing)) chosen.push(listing);
  }
  return chosen;
}

function parseSides(value: string): GeneratorSide[] {
  const sides: GeneratorSide[] = [];
  for (const s of list('--sides', value)) {
    const side = s.toLowerCase();
    if (side !== 'buy' && side !== 'sell') throw new OptionError(`--sides takes buy and/or sell, got ${JSON.stringify(s)}`);
    if (!sides.includes(side)) sides.push(side);
  }
  return sides;
}

function parseFixVersion(value: string): 'FIX.4.2' | 'FIX.4.4' {
  const v = value.trim().toUpperCase().replace(/^FIX\./, '');
  if (v === '4.4') return 'FIX.4.4';
  if (v === '4.2') return 'FIX.4.2';
  throw new OptionError(`--fix-version must be 4.4 or 4.2, got ${JSON.stringify(value)}`);
}

/** Checks every flag; throws OptionError naming the first bad one. */
export function parseGenerateFlags(flags: GenerateFlags, listings: readonly ListedInstrument[] = DEFAULT_LISTINGS): GeneratePlan {
  const host = flags.host.trim();
  if (host === '' || /\s/.test(host)) throw new OptionError(`--host must be a host name or address, got ${JSON.stringify(flags.host)}`);
  const port = flag('--port', wholeNumber, flags.port);
  if (port < 1 || port > 65535) throw new OptionError(`--port must be a TCP port 1..65535, got ${JSON.stringify(flags.port)}`);
  const senderCompID = flag('--sender-comp-id', fixText, flags.senderCompId);
  const targetCompID = flag('--target-comp-id', fixText, flags.targetCompId);
  const beginString = parseFixVersion(flags.fixVersion);
  const symbols = parseSymbols(flags.symbols, listings);
  const interval = numberIn('--interval', flags.interval, 0, 86_400, 'a positive number of seconds (at most a day)', true);
  const rate = flags.rate === undefined ? undefined : numberIn('--rate', flags.rate, 0, 1_000_000, 'a positive number of orders per second (at most 1000000)', true);
  const sizes = list('--sizes', flags.sizes).map((s) => {
    const n = flag('--sizes', wholeNumber, s);
    if (n < 1 || n > 1_000_000_000) throw new OptionError(`--sizes must be whole numbers of size units from 1 to 1000000000, got ${JSON.stringify(s)}`);
    return n;
  });
  const sides = parseSides(flags.sides);
  const cancelShare = numberIn('--cancel-share', flags.cancelShare, 0, 1, 'a share from 0 to 1');
  const replaceShare = numberIn('--replace-share', flags.replaceShare, 0, 1, 'a share from 0 to 1');
  if (cancelShare + replaceShare > 1) throw new OptionError(`--cancel-share and --replace-share add up to more than 1 (${cancelShare} + ${replaceShare})`);
  const count = flags.count === undefined ? undefined : flag('--count', wholeNumber, flags.count);
  if (count !== undefined && count < 1) throw new OptionError(`--count must be at least 1, got ${JSON.stringify(flags.count)}`);
  const durationSeconds = flags.duration === undefined ? undefined : numberIn('--duration', flags.duration, 0, 31_536_000, 'a positive number of seconds', true);
  const seed = flags.seed === undefined ? randomInt(2 ** 32) : flag('--seed', wholeNumber, flags.seed);
  if (seed > 2 ** 32 - 1) throw new OptionError(`--seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(flags.seed)}`);
  const account = flags.account === undefined ? undefined : flag('--account', fixText, flags.account);
  const maxInFlight = flag('--max-in-flight', wholeNumber, flags.maxInFlight);
  if (maxInFlight < 1) throw new OptionError(`--max-in-flight must be at least 1, got ${JSON.stringify(flags.maxInFlight)}`);

  let plans;
  try {
    plans = symbols.map((l) => planSymbol(l, sizes));
  } catch (e) {
    throw new OptionError(`--sizes: ${e instanceof Error ? e.message : String(e)}`);
  }
  const config: GeneratorConfig = {
    host,
    port,
    senderCompID,
    targetCompID,
    beginString,
    plans,
    flow: { sides, cancelShare, replaceShare },
    rate: rate ?? 1 / interval,
    ...(count !== undefined ? { count } : {}),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    seed,
    ...(account !== undefined ? { account } : {}),
    maxInFlight,
    drainMs: 5000,
    logonTimeoutMs: 10_000,
    // The venue remembers every ClOrdID a session has used, across restarts: each run gets its own prefix.
    clOrdIdPrefix: `G${Date.now().toString(36)}-`,
  };
  return { config, load: rate !== undefined, json: flags.json === true };
}

// ---------------------------------------------------------------------------------------------
// Output

const EXEC_TYPES: Readonly<Record<string, string>> = {
  '0': 'new',
  '1': 'partial fill',
  '2': 'fill',
  '4': 'canceled',
  '5': 'replaced',
  '8': 'rejected',
  C: 'expired',
  D: 'restated',
  F: 'trade',
  I: 'status',
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, HH:MM:SS.mmm. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function sentLine(r: SentRequest): string {
  const what = r.kind === 'new' ? 'new    ' : r.kind === 'cancel' ? 'cancel ' : 'replace';
  const order = r.price === undefined ? `${r.side.padEnd(4)} ${r.symbol} ${r.qty}` : `${r.side.padEnd(4)} ${r.symbol} ${r.qty} @ ${r.price}`;
  return `${clockTime(r.time)} > ${what} ${order}  ${r.clOrdID}${r.origClOrdID !== undefined ? ` (orig ${r.origClOrdID})` : ''}`;
}

export function receivedLine(a: ReceivedAnswer): string {
  const ids = `${a.clOrdID}${a.origClOrdID !== undefined && a.origClOrdID !== a.clOrdID ? ` (orig ${a.origClOrdID})` : ''}`;
  if (a.msgType === '9') return `${clockTime(a.time)} < cancel reject ${ids}: ${a.text ?? ''}`;
  const kind = EXEC_TYPES[a.execType ?? ''] ?? `ExecType ${a.execType ?? '?'}`;
  const trade = a.lastQty !== undefined && a.lastPx !== undefined ? ` ${a.lastQty} @ ${a.lastPx}` : '';
  const leaves = a.leavesQty !== undefined ? ` leaves ${a.leavesQty}` : '';
  const text = a.execType === '8' && a.text !== undefined ? `: ${a.text}` : '';
  return `${clockTime(a.time)} < ${kind} ${a.symbol ?? ''}${trade}${leaves}  ${ids}${text}`;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** The end-of-run report as text. */
export function reportText(r: GeneratorReport): string {
  const lines: string[] = [];
  const why = { count: 'count reached', duration: 'duration reached', signal: 'stopped by signal', disconnected: 'the venue closed the connection' }[r.stoppedBy];
  lines.push(`generate: ${why}; seed ${r.seed}, ${r.fixVersion}, ${r.symbols.join(',')}`);
  lines.push(`  sent        ${fmt(r.sent)} (new ${fmt(r.newOrders)}, cancel ${fmt(r.cancels)}, replace ${fmt(r.replaces)}) in ${r.seconds.toFixed(3)} s`);
  lines.push(`  rate        ${fmt(r.achievedRate)}/s achieved, ${fmt(Math.round(r.targetRate * 1000) / 1000)}/s asked`);
  lines.push(`  answered    ${fmt(r.acked)} of ${fmt(r.sent)}${r.unacked > 0 ? ` (${fmt(r.unacked)} unanswered)` : ''}`);
  lines.push(`  reports     ${fmt(r.executionReports)} execution reports, ${fmt(r.fills)} fills; ${fmt(r.liveOrders)} orders left live`);
  const rj = r.rejects;
  lines.push(`  rejects     ${fmt(rj.total)} (${fmt(rj.unexpected)} unexpected): orders ${fmt(rj.orders)}, cancel/replace ${fmt(rj.cancelReplace)}, session ${fmt(rj.session)}`);
  for (const [reason, n] of Object.entries(rj.byReason)) lines.push(`              ${fmt(n).padStart(8)}  ${reason}`);
  const l = r.latencyMicros;
  lines.push(
    l === null
      ? '  latency     no NewOrderSingle answered'
      : `  latency     NewOrderSingle → first ExecutionReport, µs: p50 ${fmt(l.p50)}  p90 ${fmt(l.p90)}  p99 ${fmt(l.p99)}  p99.9 ${fmt(l.p999)}  max ${fmt(l.max)}  (${fmt(l.count)} orders)`,
  );
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// The command

const say = (line: string): void => void process.stderr.write(`${line}\n`);

export async function runGenerate(flags: GenerateFlags): Promise<void> {
  let plan: GeneratePlan;
  try {
    plan = parseGenerateFlags(flags);
  } catch (e) {
    if (!(e instanceof OptionError)) throw e;
    say(`crucible generate: ${e.message}`);
    process.exit(2);
  }
  // A reader that goes away (`crucible generate | head`) ends the run; it is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const { config, load, json } = plan;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const generator = new OrderGenerator(
    config,
    load
      ? { info: say }
      : {
          info: say,
          sent: (r) => out(sentLine(r)),
          received: (a) => out(receivedLine(a)),
        },
  );

  const pace = load ? `${fmt(config.rate)} requests/s` : `one request every ${1 / config.rate} s`;
  const limits = [config.count !== undefined ? `${fmt(config.count)} requests` : '', config.durationSeconds !== undefined ? `${config.durationSeconds} s` : '']
    .filter((s) => s !== '')
    .join(' or ');
  say(
    `crucible generate: ${pace}${limits !== '' ? `, stopping after ${limits}` : ' until Ctrl-C'}; ` +
      `${config.plans.map((p) => p.symbol).join(',')}; seed ${config.seed}`,
  );

  try {
    await generator.connect();
  } catch (e) {
    if (!(e instanceof ConnectError)) throw e;
    say(`crucible generate: ${e.message}`);
    process.exit(1);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    say(signals === 1 ? `${signal}: stopping; waiting up to ${config.drainMs / 1000} s for outstanding answers` : `${signal}: not waiting for answers`);
    generator.stop('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let progress: NodeJS.Timeout | undefined;
  if (load) {
    let last = generator.progress();
    progress = setInterval(() => {
      const p = generator.progress();
      const seconds = (p.elapsedMs - last.elapsedMs) / 1000;
      const rate = seconds > 0 ? Math.round((p.sent - last.sent) / seconds) : 0;
      say(
        `${(p.elapsedMs / 1000).toFixed(1).padStart(6)} s  sent ${fmt(p.sent)}  acked ${fmt(p.acked)}  fills ${fmt(p.fills)}  ` +
          `rejects ${fmt(p.rejects)}  in flight ${fmt(p.inFlight)}  ${fmt(rate)}/s`,
      );
      last = p;
    }, 1000);
  }

  const report = await generator.run();
  if (progress !== undefined) clearInterval(progress);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const text = reportText(report);
  if (json) {
    process.stderr.write(text);
    out(JSON.stringify(report));
  } else {
    process.stdout.write(text);
  }
  process.exitCode = report.stoppedBy === 'disconnected' ? 1 : 0;
}

export function generateCommand(): Command {
  return new Command('generate')
    .summary('send random orders to a running venue over FIX (seed tool and load generator)')
    .description(
      'connect to the venue as a FIX client and send random day limit orders around each symbol\'s price ' +
        '(a random walk from its reference price, a few ticks to a few basis points either side, so orders both ' +
        'rest and trade), plus cancels and replaces of its own live orders. Without --rate: one request every ' +
        '--interval seconds and a line per request sent and per report received. With --rate: requests pipelined ' +
        'at that rate, progress every second on stderr, and a report at the end (rate achieved, answers, rejects ' +
        'by reason, NewOrderSingle → first ExecutionReport latency percentiles). Stops after --count requests or ' +
        '--duration seconds or on Ctrl-C, waits up to 5 s for outstanding answers and logs out. Exit 0 when done, ' +
        '1 when the venue cannot be reached or refuses the logon, 2 for bad options. Sizes are in size units: one ' +
        'lot for equities; for crypto the power of ten of the base asset worth about 10 USDT (BTCUSDT 0.0001, ' +
        'ETHUSDT 0.001, BNBUSDT and SOLUSDT 0.01)',
    )
    .option('--host <host>', 'the venue host', '127.0.0.1')
    .option('--port <port>', 'the venue FIX port', '9878')
    .option('--sender-comp-id <compId>', 'our SenderCompID', 'GENERATOR')
    .option('--target-comp-id <compId>', "the venue's CompID", 'CRUCIBLE')
    .option('--fix-version <version>', '4.4 or 4.2', '4.4')
    .option('--symbols <list>', 'comma-separated symbols (default: every listed symbol)')
    .option('--interval <seconds>', 'seconds between requests without --rate', '2')
    .option('--rate <n>', 'requests per second, pipelined (load mode; overrides --interval)')
    .option('--sizes <list>', 'order sizes in size units, picked at random', '10,25,50,100,200')
    .option('--sides <list>', 'buy, sell or both', 'buy,sell')
    .option('--cancel-share <share>', 'share of requests that cancel a live order', '0.1')
    .option('--replace-share <share>', 'share of requests that replace a live order (new price and/or size)', '0.05')
    .option('--count <n>', 'stop after this many requests (new, cancel and replace)')
    .option('--duration <seconds>', 'stop after this many seconds')
    .option('--seed <n>', 'seed for the random choices, 0..4294967295 (default: a random one, printed)')
    .option('--account <account>', 'Account (1) on every request')
    .option('--max-in-flight <n>', 'most requests awaiting an answer; sending pauses beyond it', '5000')
    .option('--json', 'print the final report as one JSON object on the last stdout line')
    .showHelpAfterError('(crucible generate --help lists the options)')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(runGenerate);
}
