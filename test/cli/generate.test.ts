// `crucible generate` as a user runs it: the built CLI as a real process against a real
// `crucible start` on a free port, over TCP. Counts are small and every run is bounded; nothing
// here asserts on speed.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateFlags, OptionError, parseGenerateFlags } from '../../src/cli/generate.js';
import { priceToTicks, qtyToLots } from '../../src/shared/decimal.js';
import { DEFAULT_LISTINGS } from '../../src/venue/instruments.js';
import { buildCli, exitOf, projectRoot, startVenueProcess, type BuiltCli, type RunningVenue } from '../support/venue-process.js';

let cli: BuiltCli;
let venue: RunningVenue;

beforeAll(async () => {
  cli = buildCli('cli-generate');
  venue = await startVenueProcess(cli, ['--fix-port', '0']);
}, 120_000);

afterAll(async () => {
  if (venue !== undefined) {
    venue.child.kill('SIGTERM');
    await exitOf(venue.child);
  }
  cli?.remove();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function generate(args: readonly string[], options: { timeoutMs?: number; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  const child = spawn(process.execPath, [cli.main, 'generate', ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    options.onStderr?.(stderr, child);
  });
  return exitOf(child, options.timeoutMs ?? 30_000).then(({ code }) => ({ code, stdout, stderr }));
}

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

const listing = (symbol: string) => DEFAULT_LISTINGS.find((l) => l.instrument.symbol === symbol)!.instrument;

describe('crucible generate against a running venue', () => {
  it('sends 200 pipelined requests at a rate, all answered, some trading, and reports latency as JSON', async () => {
    const run = await generate(['--port', String(venue.port), '--count', '200', '--rate', '500', '--seed', '7', '--json', '--sender-comp-id', 'GEN-LOAD']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(lastLine(run.stdout));
    expect(report).toMatchObject({ stoppedBy: 'count', seed: 7, fixVersion: 'FIX.4.4', sent: 200, acked: 200, unacked: 0, targetRate: 500 });
    expect(report.newOrders + report.cancels + report.replaces).toBe(200);
    expect(report.cancels).toBeGreaterThan(0);
    expect(report.replaces).toBeGreaterThan(0);
    expect(report.fills).toBeGreaterThan(0);
    expect(report.executionReports).toBeGreaterThanOrEqual(200);
    expect(report.rejects).toMatchObject({ unexpected: 0, orders: 0, session: 0 });
    expect(report.achievedRate).toBeGreaterThan(0);
    const l = report.latencyMicros;
    expect(l.count).toBe(report.newOrders);
    expect(l.p50).toBeGreaterThan(0);
    expect([l.p50 <= l.p90, l.p90 <= l.p99, l.p99 <= l.p999, l.p999 <= l.max]).toEqual([true, true, true, true]);
    // The human-readable report goes to stderr when stdout carries the JSON.
    expect(run.stderr).toMatch(/sent +200 \(new \d+, cancel \d+, replace \d+\)/);
    expect(run.stderr).toMatch(/latency +NewOrderSingle → first ExecutionReport, µs: p50 [\d,]+ +p90 [\d,]+ +p99 [\d,]+ +p99\.9 [\d,]+ +max [\d,]+/);
  });

  it('runs FIX 4.2 as well, every request answered without a reject the generator caused', async () => {
    const run = await generate(['--port', String(venue.port), '--fix-version', '4.2', '--count', '100', '--rate', '400', '--seed', '11', '--json', '--sender-comp-id', 'GEN-42', '--account', 'ACC42']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(lastLine(run.stdout));
    expect(report).toMatchObject({ fixVersion: 'FIX.4.2', sent: 100, acked: 100, rejects: { unexpected: 0, orders: 0, session: 0 } });
    expect(report.fills).toBeGreaterThan(0);
  });

  it('prints a line per request and per report in interval mode, prices and sizes on the grid', async () => {
    const run = await generate(['--port', String(venue.port), '--interval', '0.05', '--count', '10', '--seed', '3', '--symbols', 'AAPL,btcusdt', '--sender-comp-id', 'GEN-LINES']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const sent = lines
      .map((l) => /^\d\d:\d\d:\d\d\.\d{3} > (new|cancel|replace) +(buy|sell) +(AAPL|BTCUSDT) ([\d.]+)(?: @ ([\d.]+))? {2}(\S+)/.exec(l))
      .filter((m) => m !== null);
    expect(sent).toHaveLength(10);
    expect(sent[0][1]).toBe('new');
    for (const [, kind, , symbol, qty, price, clOrdID] of sent) {
      const { tickSize, lotSize } = listing(symbol);
      expect(qtyToLots(qty, lotSize).ok, `${symbol} ${qty}`).toBe(true);
      if (kind !== 'cancel') expect(priceToTicks(price, tickSize).ok, `${symbol} ${price}`).toBe(true);
      // Every request has its answer printed.
      expect(lines.some((l) => / < /.test(l) && l.includes(`  ${clOrdID}`))).toBe(true);
    }
    const btc = sent.filter((m) => m[3] === 'BTCUSDT' && m[1] === 'new');
    for (const m of btc) expect(['0.00100', '0.00250', '0.00500', '0.01000', '0.02000']).toContain(m[4]);
    expect(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} < new (AAPL|BTCUSDT) leaves [\d.]+ {2}\S+$/.test(l))).toBe(true);
    expect(run.stdout).toMatch(/^generate: count reached; seed 3, FIX\.4\.4, AAPL,BTCUSDT$/m);
    expect(run.stdout).toMatch(/answered +10 of 10\n/);
  });

  it('stops on SIGINT, waits for the answers, logs out and exits 0', async () => {
    let signalled = false;
    const run = await generate(['--port', String(venue.port), '--rate', '200', '--seed', '5', '--sender-comp-id', 'GEN-SIGINT'], {
      onStderr: (text, child) => {
        // The first progress line comes a second after the logon.
        if (!signalled && / s {2}sent \d+/.test(text)) {
          signalled = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(signalled).toBe(true);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/SIGINT: stopping; waiting up to 5 s for outstanding answers/);
    expect(run.stdout).toMatch(/^generate: stopped by signal;/m);
    const m = /answered +(\d+) of (\d+)\n/.exec(run.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(m![2]);
    expect(Number(m![2])).toBeGreaterThan(0);
  });
});

describe('crucible generate refusing to start', () => {
  it.each([
    [['--rate', '-5'], /--rate must be a positive number of orders per second \(at most 1000000\), got "-5"/],
    [['--rate', '0'], /--rate must be a positive number/],
    [['--symbols', 'AAPL,NOPE'], /--symbols: unknown symbol NOPE; the listed symbols are AAPL, MSFT/],
    [['--interval', 'soon'], /--interval must be a positive number of seconds/],
    [['--sizes', '10,0'], /--sizes must be whole numbers of size units from 1/],
    [['--sides', 'buy,hold'], /--sides takes buy and\/or sell, got "hold"/],
    [['--cancel-share', '0.8', '--replace-share', '0.3'], /--cancel-share and --replace-share add up to more than 1/],
    [['--fix-version', '5.0'], /--fix-version must be 4\.4 or 4\.2/],
    [['--port', '70000'], /--port must be a TCP port 1\.\.65535/],
    [['--count', '0'], /--count must be at least 1/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('exits 2 for %j', async (args, message) => {
    const run = await generate(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('exits 1 with a clear message when nothing listens on the port', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const run = await generate(['--port', String(port), '--count', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`cannot connect to the venue at 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });

  it('reports and exits 1 when the venue goes away mid-run, without waiting to reconnect', async () => {
    const doomed = await startVenueProcess(cli, ['--fix-port', '0']);
    try {
      let stopped = false;
      const run = await generate(['--port', String(doomed.port), '--rate', '50', '--seed', '2'], {
        timeoutMs: 20_000,
        onStderr: (text) => {
          if (!stopped && /logged on to/.test(text)) {
            stopped = true;
            setTimeout(() => doomed.child.kill('SIGTERM'), 300);
          }
        },
      });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/the venue (logged the session out|closed the connection)/);
      expect(run.stdout).toMatch(/^generate: the venue closed the connection;/m);
      expect(run.stdout).toMatch(/sent +\d+ \(new \d+/);
    } finally {
      doomed.child.kill('SIGKILL');
    }
  });

  it('exits 1 when the venue does not take the logon', async () => {
    const run = await generate(['--port', String(venue.port), '--target-comp-id', 'SOMEONE-ELSE', '--count', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused the logon of GENERATOR → SOMEONE-ELSE \(FIX\.4\.4\)/);
  });
});

describe('option parsing', () => {
  const defaults: GenerateFlags = {
    host: '127.0.0.1',
    port: '9878',
    senderCompId: 'GENERATOR',
    targetCompId: 'CRUCIBLE',
    fixVersion: '4.4',
    interval: '2',
    sizes: '10,25,50,100,200',
    sides: 'buy,sell',
    cancelShare: '0.1',
    replaceShare: '0.05',
    maxInFlight: '5000',
  };

  it('defaults to every listing, one request every 2 s, the line-per-order mode', () => {
    const { config, load, json } = parseGenerateFlags(defaults);
    expect([load, json, config.rate, config.port, config.beginString]).toEqual([false, false, 0.5, 9878, 'FIX.4.4']);
    expect(config.plans.map((p) => p.symbol)).toEqual(DEFAULT_LISTINGS.map((l) => l.instrument.symbol));
    expect(config.flow).toEqual({ sides: ['buy', 'sell'], cancelShare: 0.1, replaceShare: 0.05 });
    expect(config.count).toBeUndefined();
    expect(config.seed >= 0 && config.seed < 2 ** 32).toBe(true);
  });

  it('takes --rate over --interval and switches to load mode', () => {
    const { config, load } = parseGenerateFlags({ ...defaults, rate: '20000', interval: '5', duration: '5', seed: '42', symbols: 'msft, AAPL', json: true });
    expect([load, config.rate, config.durationSeconds, config.seed]).toEqual([true, 20000, 5, 42]);
    expect(config.plans.map((p) => p.symbol)).toEqual(['MSFT', 'AAPL']);
  });

  it('names the flag in every refusal', () => {
    const refusal = (flags: Partial<GenerateFlags>): string => {
      try {
        parseGenerateFlags({ ...defaults, ...flags });
      } catch (e) {
        if (e instanceof OptionError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(refusal({ seed: '4294967296' })).toMatch(/^--seed must be a whole number from 0 to 4294967295/);
    expect(refusal({ seed: '-1' })).toMatch(/^--seed must be a whole number/);
    expect(refusal({ duration: '0' })).toMatch(/^--duration must be a positive number of seconds/);
    expect(refusal({ senderCompId: 'A=B' })).toMatch(/^--sender-comp-id may not contain "="/);
    expect(refusal({ account: 'two words' })).toMatch(/^--account must be printable ASCII without spaces/);
    expect(refusal({ maxInFlight: '0' })).toMatch(/^--max-in-flight must be at least 1/);
    expect(refusal({ host: ' ' })).toMatch(/^--host must be a host name/);
    expect(refusal({ sides: 'SELL' })).toBe('accepted');
  });
});
