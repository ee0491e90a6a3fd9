// QuickFIX's acceptance transcripts (../shared/fix-acceptance/definitions/server) against the
// reflector over real TCP. Each transcript gets its own acceptor on 127.0.0.1 port 0, so they can run
// side by side: the slow ones wait on real heartbeat intervals (6_SendTestRequest needs about 35 s).
// One test per transcript; the pass count per version is printed at the end. A transcript that
// cannot pass yet belongs in KNOWN_FAILING with the reason; it then runs as `it.fails`, so it turns
// the suite red the moment it starts passing and the list has to be kept honest.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createReflector } from '../../src/fix/reflector.js';
import {
  compareMessages,
  describeFailure,
  fixify,
  parseFieldPatterns,
  parseTranscript,
  runTranscript,
  timify,
  type TranscriptResult,
} from './transcript-runner.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const acceptanceDir = resolve(root, '..', 'shared', 'fix-acceptance', 'definitions');
const serverDir = join(acceptanceDir, 'server');
const available = existsSync(join(serverDir, 'fix42')) && existsSync(join(serverDir, 'fix44'));

/** `version/file.def` → why it cannot pass yet. */
const KNOWN_FAILING: ReadonlyMap<string, string> = new Map([]);

/** Transcripts that wait on real heartbeat intervals; started first so they overlap the rest. */
const SLOW = ['6_SendTestRequest.def', '4a_NoDataSentDuringHeartBtInt.def'];

interface Transcript {
  readonly version: 'fix42' | 'fix44';
  readonly file: string;
  readonly name: string;
}

function listTranscripts(): Transcript[] {
  const out: Transcript[] = [];
  for (const version of ['fix42', 'fix44'] as const) {
    for (const file of readdirSync(join(serverDir, version)).filter((f) => f.endsWith('.def'))) {
      out.push({ version, file, name: `${version}/${file}` });
    }
  }
  const rank = (t: Transcript): number => (SLOW.includes(t.file) ? SLOW.indexOf(t.file) : SLOW.length);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

const CLI_TRANSCRIPTS = ['fix42/1a_ValidLogonWithCorrectMsgSeqNum.def', 'fix44/8_AdminAndApplicationMessages.def', 'fix44/14e_IncorrectEnumValue.def'];

/** The port `crucible fix-reflector` prints ("... listening on 127.0.0.1:<port> ..."). */
function reportedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`fix-reflector did not report a port: ${out}${err}`)), 15_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /127\.0\.0\.1:(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fix-reflector exited (${code}): ${out}${err}`));
    });
  });
}

async function runAgainstReflector(t: Transcript, patterns: ReadonlyMap<number, RegExp>): Promise<TranscriptResult> {
  const steps = parseTranscript(readFileSync(join(serverDir, t.version, t.file), 'latin1'));
  const { acceptor } = createReflector();
  const port = await acceptor.listen(0);
  try {
    return await runTranscript(steps, { host: '127.0.0.1', port, patterns });
  } finally {
    await acceptor.close();
  }
}

// The interpreter itself: a tester that passes everything proves nothing.
describe('transcript runner', () => {
  const SOH = String.fromCharCode(1);
  const fix = (s: string): string => s.split('|').join(SOH);
  const sum = (s: string): number => [...Buffer.from(s, 'latin1')].reduce((a, b) => a + b, 0) % 256;

  it('parses actions, connection ids and comments', () => {
    const steps = parseTranscript(['# comment', '', 'iCONNECT', 'I8=FIX.4.2|35=0|', 'E2,8=FIX.4.2|35=0|', 'e2,DISCONNECT', 'i1,DISCONNECT'].join('\n'));
    expect(steps.map((s) => [s.kind, s.cid, s.lineNo])).toEqual([
      ['connect', 1, 3],
      ['send', 1, 4],
      ['expect', 2, 5],
      ['expectDisconnect', 2, 6],
      ['disconnect', 1, 7],
    ]);
    expect(() => parseTranscript('X8=FIX.4.2|')).toThrow(/syntax error/);
  });

  it('substitutes <TIME>, <TIME+n>, <TIME-n> with the UTC time', () => {
    const t = Date.UTC(2024, 0, 31, 23, 59, 30, 500);
    expect(timify('52=<TIME>|122=<TIME-121>|60=<TIME+45>|', t)).toBe('52=20240131-23:59:30|122=20240131-23:57:29|60=20240201-00:00:15|');
  });

  it('completes BodyLength and CheckSum as the QuickFIX tester does, and leaves given ones alone', () => {
    const body = '35=0|34=2|49=A|56=B|';
    const head = `8=FIX.4.2|9=${body.length}|`;
    expect(fixify(fix(`8=FIX.4.2|${body}`))).toBe(fix(`${head}${body}10=${String(sum(fix(head + body))).padStart(3, '0')}|`));
    expect(fixify(fix(`8=FIX.4.2|9=5|${body}`)).startsWith(fix(`8=FIX.4.2|9=5|${body}10=`))).toBe(true);
    // A given (wrong) CheckSum stays, and the BodyLength added next to it is one short, as in Reflector.rb.
    expect(fixify(fix(`8=FIX.4.2|${body}10=256|`))).toBe(fix(`8=FIX.4.2|9=${body.length - 1}|${body}10=256|`));
    expect(fixify(fix('35=0|8=FIX.4.2|'))).toBe(fix('35=0|8=FIX.4.2|'));
  });

  it('compares field by field, by pattern for the fields.fmt tags', () => {
    const patterns = new Map([[52, /\d{8}-\d{2}:\d{2}:\d{2}/]]);
    const expected = fix('8=FIX.4.2|35=0|52=00000000-00:00:00.000|58=a|');
    expect(compareMessages(expected, fix('8=FIX.4.2|35=0|52=20240101-10:00:00.123|58=a|'), patterns)).toBeUndefined();
    expect(compareMessages(expected, fix('8=FIX.4.2|35=0|52=soon|58=a|'), patterns)).toBe('Field (52) does not match pattern');
    expect(compareMessages(expected, fix('8=FIX.4.2|35=0|52=20240101-10:00:00|58=b|'), patterns)).toBe('Value in field (58) should be (a) but was (b)');
    expect(compareMessages(expected, fix('8=FIX.4.2|35=0|52=20240101-10:00:00|'), patterns)).toBe('Number of fields do no match');
    expect(compareMessages(expected, fix('8=FIX.4.2|35=0|58=a|52=20240101-10:00:00|'), patterns)).toBe('Expected field (52) but found field (58)');
  });

  it('fails a transcript whose expectation the acceptor does not meet, naming the line', async () => {
    const { acceptor } = createReflector();
    const port = await acceptor.listen(0);
    try {
      const source = [
        'iCONNECT',
        'I8=FIX.4.2|35=A|34=1|49=TW42|52=<TIME>|56=ISLD|98=0|108=30|',
        'E8=FIX.4.2|9=63|35=A|34=1|49=ISLD|52=00000000-00:00:00.000|56=TW42|98=0|108=31|10=0|',
      ].join('\n');
      const result = await runTranscript(parseTranscript(fix(source)), { host: '127.0.0.1', port, patterns: new Map([[52, /./], [10, /./]]) });
      expect(result.ok).toBe(false);
      expect(result.failure?.lineNo).toBe(3);
      expect(result.failure?.reason).toBe('Value in field (108) should be (31) but was (30)');

      const hang = await runTranscript(parseTranscript(fix('iCONNECT\nI8=FIX.4.2|35=A|34=1|49=TW42|52=<TIME>|56=ISLD|98=0|108=30|\neDISCONNECT')), {
        host: '127.0.0.1',
        port,
        patterns: new Map(),
        disconnectTimeoutMs: 300,
      });
      expect(hang.failure?.reason).toBe('Expected disconnection, got data');
    } finally {
      await acceptor.close();
    }
  });
});

if (!available) {
  const notice = `FIX acceptance transcripts not found at ${serverDir}`;
  if (process.env.CI === 'true') {
    it('has the FIX acceptance transcripts', () => {
      throw new Error(`${notice} (required under CI)`);
    });
  } else {
    console.warn(`\n*** ${notice}: skipping the transcript suite ***\n`);
    it.skip(`FIX acceptance transcripts (${notice})`, () => {});
  }
} else {
  const patterns = parseFieldPatterns(readFileSync(join(acceptanceDir, 'fields.fmt'), 'latin1'));
  const transcripts = listTranscripts();
  const passed = { fix42: 0, fix44: 0 };
  const total = { fix42: 0, fix44: 0 };
  const failures: string[] = [];

  describe.concurrent('QuickFIX acceptance transcripts against the reflector', () => {
    afterAll(() => {
      const line = (v: 'fix42' | 'fix44'): string => `${v === 'fix42' ? 'FIX.4.2' : 'FIX.4.4'} ${passed[v]}/${total[v]}`;
      console.log(
        `\nFIX acceptance transcripts passed: ${passed.fix42 + passed.fix44}/${total.fix42 + total.fix44} (${line('fix42')}, ${line('fix44')})` +
          (KNOWN_FAILING.size > 0 ? `\nknown failing:\n${[...KNOWN_FAILING].map(([n, why]) => `  ${n}: ${why}`).join('\n')}` : '') +
          (failures.length > 0 ? `\nfailures:\n${failures.join('\n')}` : ''),
      );
    });

    // The same reflector as a real process through the built CLI, as a counterparty would run it. It
    // runs alongside the transcripts, so the build overlaps their heartbeat waits.
    it('crucible fix-reflector (built CLI) passes transcripts as a real process', async () => {
      const outDir = join(root, 'node_modules', '.cache', 'crucible-fix-reflector-test');
      // A private build: test/cli builds dist/ at the same time, and a half-written file must not be run.
      // Asynchronous, so the transcripts running meanwhile keep their timing.
      await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
        cwd: root,
      });
      const child = spawn(process.execPath, [join(outDir, 'src', 'cli', 'main.js'), 'fix-reflector', '--port', '0'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const port = await reportedPort(child);
        for (const name of CLI_TRANSCRIPTS) {
          const steps = parseTranscript(readFileSync(join(serverDir, name), 'latin1'));
          const result = await runTranscript(steps, { host: '127.0.0.1', port, patterns });
          expect(result.ok, describeFailure(`${name} (CLI)`, result)).toBe(true);
        }
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      expect(child.exitCode).toBe(0);
    }, 60_000);

    for (const t of transcripts) {
      total[t.version]++;
      const knownReason = KNOWN_FAILING.get(t.name);
      const body = async (): Promise<void> => {
        const result = await runAgainstReflector(t, patterns);
        if (result.ok) passed[t.version]++;
        else failures.push(describeFailure(t.name, result));
        expect(result.ok, describeFailure(t.name, result)).toBe(true);
      };
      if (knownReason === undefined) it(t.name, body, 60_000);
      else it.fails(`${t.name} (known failing: ${knownReason})`, body, 60_000);
    }
  });
}
