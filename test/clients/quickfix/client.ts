// TypeScript side of the QuickFIX C++ harness: makes sure the binaries exist (installing
// QuickFIX through scripts/setup-quickfix.sh when needed), runs the client with a scenario and
// collects its JSON-line events, and starts the echo acceptor fixture.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BeginString, ClientEvent, ClientRun, FixMessage, Step } from './scenario.js';
import { toQuickfixLine } from './scenario.js';

export const QUICKFIX_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(QUICKFIX_DIR, '..', '..', '..');
export const SETUP_SCRIPT = join(REPO_ROOT, 'scripts', 'setup-quickfix.sh');
export const QUICKFIX_CLIENT_BIN = join(QUICKFIX_DIR, 'build', 'crucible-qf-client');
export const QUICKFIX_ECHO_ACCEPTOR_BIN = join(QUICKFIX_DIR, 'build', 'crucible-qf-echo-acceptor');

const LOG_LIMIT = 256 * 1024;

let setupDone: Promise<string> | null = null;

/**
 * Runs scripts/setup-quickfix.sh once per process: it installs libquickfix-dev and g++ with
 * apt-get if they are missing and (re)builds the binaries if they are stale, and otherwise does
 * nothing. Resolves to the script's output.
 */
export function ensureQuickfixClients(timeoutMs = 170_000): Promise<string> {
  setupDone ??= new Promise<string>((resolvePromise, reject) => {
    execFile('bash', [SETUP_SCRIPT], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        setupDone = null;
        reject(new Error(`${SETUP_SCRIPT} failed (${error.message}):\n${stdout}${stderr}`));
      } else {
        resolvePromise(stdout + stderr);
      }
    });
  });
  return setupDone;
}

/**
 * Where QuickFIX's own FIX42.xml / FIX44.xml data dictionaries are. Debian's libquickfix-dev
 * does not ship them; the project's shared/ folder (beside the repository) holds QuickFIX's
 * copies. CRUCIBLE_FIX_SPEC_DIR overrides. Null: none found, run without validation.
 */
export function quickfixSpecDir(): string | null {
  const candidates = [
    process.env.CRUCIBLE_FIX_SPEC_DIR,
    join(REPO_ROOT, '..', 'shared', 'fix-acceptance', 'spec'),
    '/usr/share/quickfix',
  ];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'FIX42.xml')) && existsSync(join(dir, 'FIX44.xml'))) return dir;
  }
  return null;
}

export function quickfixDictionary(beginString: BeginString): string | null {
  const dir = quickfixSpecDir();
  return dir === null ? null : join(dir, beginString === 'FIX.4.2' ? 'FIX42.xml' : 'FIX44.xml');
}

export interface QuickfixClientOptions {
  readonly host?: string;
  readonly port: number;
  readonly beginString: BeginString;
  readonly senderCompId: string;
  /** defaults to CRUCIBLE */
  readonly targetCompId?: string;
  readonly steps: readonly Step[];
  /** a QuickFIX data dictionary to validate everything received; null: no validation; default: quickfixDictionary() */
  readonly dictionary?: string | null;
  readonly heartBtInt?: number;
  /** send ResetSeqNumFlag=Y on logon (QuickFIX ResetOnLogon); default true */
  readonly resetOnLogon?: boolean;
  readonly logonTimeoutMs?: number;
  /** extra QuickFIX session settings, e.g. { ValidateUserDefinedFields: 'N' } */
  readonly settings?: Readonly<Record<string, string>>;
  /** bound on the whole run; the process is killed and the promise rejects past it. Default 60 s. */
  readonly timeoutMs?: number;
}

/** Runs the QuickFIX C++ client through one scenario; resolves when the process exits. */
export async function runQuickfixClient(options: QuickfixClientOptions): Promise<ClientRun> {
  await ensureQuickfixClients();
  const dictionary = options.dictionary === undefined ? quickfixDictionary(options.beginString) : options.dictionary;
  const args = [
    '--host', options.host ?? '127.0.0.1',
    '--port', String(options.port),
    '--begin', options.beginString,
    '--sender', options.senderCompId,
    '--target', options.targetCompId ?? 'CRUCIBLE',
    '--dict', dictionary ?? 'none',
    '--heartbeat', String(options.heartBtInt ?? 30),
    '--reset', options.resetOnLogon === false ? 'N' : 'Y',
    '--logon-timeout-ms', String(options.logonTimeoutMs ?? 10_000),
  ];
  for (const [key, value] of Object.entries(options.settings ?? {})) args.push('--set', `${key}=${value}`);
  const script = options.steps.map(toQuickfixLine).join('\n') + '\n';

  const child = spawn(QUICKFIX_CLIENT_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = collect<ClientEvent>(child);
  // The client reads its scenario only once logged on; if it gives up first the pipe breaks.
  child.stdin.on('error', () => {});
  child.stdin.end(script);

  const timeoutMs = options.timeoutMs ?? 60_000;
  const exitCode = await new Promise<number>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`QuickFIX client still running after ${timeoutMs} ms\n${explainEvents(output.events, output.log())}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${QUICKFIX_CLIENT_BIN}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise(code ?? (signal ? 128 : -1));
    });
  });
  return summarize(output.events, exitCode, output.log());
}

export interface EchoAcceptorOptions {
  /** every (BeginString, client SenderCompID) pair that may log on; QuickFIX C++ has no wildcard sessions */
  readonly clients: ReadonlyArray<{ readonly beginString: BeginString; readonly compId: string }>;
  /** defaults to CRUCIBLE */
  readonly senderCompId?: string;
  /** default: a free port */
  readonly port?: number;
  /** a folder with FIX42.xml and FIX44.xml; null: no validation; default: quickfixSpecDir() */
  readonly specDir?: string | null;
}

/** The echo acceptor's JSON-line events; sessionId is QuickFIX's, e.g. "FIX.4.4:CRUCIBLE->QF44". */
export type AcceptorEvent =
  | { readonly event: 'listening'; readonly port: number }
  | { readonly event: 'stopped' }
  | { readonly event: 'logon' | 'logout'; readonly sessionId: string }
  /** 'message': received (application and admin, except heartbeats); 'sent': sent, likewise */
  | ({ readonly event: 'message' | 'sent'; readonly sessionId: string } & FixMessage)
  | { readonly event: 'error'; readonly message: string };

export interface EchoAcceptor {
  readonly port: number;
  /** what the acceptor saw and sent, in order */
  readonly events: readonly AcceptorEvent[];
  log(): string;
  stop(): Promise<void>;
}

/** Starts the QuickFIX echo acceptor on 127.0.0.1 and resolves once it is listening. */
export async function startEchoAcceptor(options: EchoAcceptorOptions): Promise<EchoAcceptor> {
  await ensureQuickfixClients();
  const specDir = options.specDir === undefined ? quickfixSpecDir() : options.specDir;
  let lastError = '';
  // A free port found here can be taken before QuickFIX binds it; try a few.
  for (let attempt = 0; attempt < (options.port === undefined ? 5 : 1); attempt++) {
    const port = options.port ?? (await freePort());
    const args = ['--port', String(port), '--sender', options.senderCompId ?? 'CRUCIBLE'];
    if (specDir) args.push('--spec-dir', specDir);
    for (const c of options.clients) args.push('--client', `${c.beginString}:${c.compId}`);
    const child = spawn(QUICKFIX_ECHO_ACCEPTOR_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    const output = collect<AcceptorEvent>(child);
    const started = await new Promise<boolean>((resolvePromise) => {
      const timer = setTimeout(() => resolvePromise(false), 10_000);
      const check = (): void => {
        if (output.events.some((e) => e.event === 'listening')) {
          clearTimeout(timer);
          resolvePromise(true);
        }
      };
      output.onEvent = check;
      child.on('close', () => {
        clearTimeout(timer);
        resolvePromise(false);
      });
      check();
    });
    if (started) {
      const exited = new Promise<void>((resolvePromise) => {
        if (child.exitCode !== null || child.signalCode !== null) resolvePromise();
        else child.on('close', () => resolvePromise());
      });
      return {
        port,
        events: output.events,
        log: output.log,
        async stop() {
          child.stdin.end('stop\n');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    child.kill('SIGKILL');
    lastError = explainEvents(output.events, output.log());
  }
  throw new Error(`QuickFIX echo acceptor did not start:\n${lastError}`);
}

export async function freePort(): Promise<number> {
  return await new Promise<number>((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

interface Collected<E> {
  readonly events: E[];
  log(): string;
  onEvent: (() => void) | null;
}

function collect<E>(child: ChildProcessWithoutNullStreams): Collected<E> {
  let log = '';
  const append = (text: string): void => {
    log += text;
    if (log.length > LOG_LIMIT) log = log.slice(log.length - LOG_LIMIT);
  };
  const collected: Collected<E> = { events: [], log: () => log, onEvent: null };
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      collected.events.push(JSON.parse(line) as E);
      collected.onEvent?.();
    } catch {
      append(`stdout: ${line}\n`);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => append(chunk));
  return collected;
}

function fixMessage(e: FixMessage): FixMessage {
  return { msgType: e.msgType, name: e.name, fields: e.fields, raw: e.raw };
}

function summarize(events: readonly ClientEvent[], exitCode: number, log: string): ClientRun {
  const received: FixMessage[] = [];
  const sent: FixMessage[] = [];
  let loggedOn = false;
  let loggedOut = false;
  for (const e of events) {
    if (e.event === 'message') received.push(fixMessage(e));
    else if (e.event === 'sent') sent.push(fixMessage(e));
    else if (e.event === 'logon') loggedOn = true;
    else if (e.event === 'logout' && loggedOn) loggedOut = true;
  }
  return { events, received, sent, loggedOn, loggedOut, exitCode, log };
}

/** A failure message with the events so far and the tail of the engine log. */
export function explainEvents(events: readonly unknown[], log: string): string {
  const tail = log.length > 8000 ? '...' + log.slice(log.length - 8000) : log;
  return `events:\n${events.map((e) => JSON.stringify(e)).join('\n')}\nlog:\n${tail}`;
}
