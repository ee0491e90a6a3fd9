// Drives the built `crucible console` as a real process: JSON lines on stdin, JSON lines on stdout.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: Array<Record<string, unknown>>;
  readonly stdout: string;
  readonly stderr: string;
}

async function runCli(args: readonly string[], lines: readonly string[] | null): Promise<Run> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (lines !== null) child.stdin.end(lines.map((l) => l + '\n').join(''));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return {
    code,
    signal,
    stdout,
    stderr,
    get out() {
      return stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

const order = (fields: Record<string, unknown>): string =>
  JSON.stringify({ kind: 'new', account: 1, type: 'limit', tif: 'gtc', ...fields });

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
});

describe('crucible console (engine console)', () => {
  it('prints the banner with the default instruments and exits 0 at end of input', async () => {
    const run = await runCli(['console'], []);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    for (const symbol of ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'TSLA', 'BTCUSDT', 'ETHUSDT', 'BNBUSDT', 'SOLUSDT']) expect(run.stderr).toContain(symbol);
  });

  it('rests a limit order and shows it in the book, prices as decimals', async () => {
    const run = await runCli(['console'], [
      order({ symbol: 'AAPL', orderId: 1, side: 'buy', price: '101.25', qty: '100' }),
      JSON.stringify({ kind: 'book', symbol: 'AAPL' }),
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      { type: 'accepted', symbol: 'AAPL', orderId: 1, account: 1, side: 'buy', orderType: 'limit', price: '101.25', qty: '100' },
      { type: 'bookLevel', symbol: 'AAPL', side: 'buy', price: '101.25', qty: '100', orderCount: 1 },
      { type: 'topOfBook', symbol: 'AAPL', bidPrice: '101.25', bidQty: '100', askPrice: null, askQty: null },
      { type: 'book', symbol: 'AAPL', lastPrice: null, bids: [{ price: '101.25', qty: '100', orderCount: 1 }], asks: [] },
    ]);
  });

  it('matches a crossing order at the resting price, with fractional lots', async () => {
    const run = await runCli(['console'], [
      order({ symbol: 'BTCUSDT', orderId: 1, account: 7, side: 'sell', price: '65000.50', qty: '0.25' }),
      order({ symbol: 'BTCUSDT', orderId: 2, account: 8, side: 'buy', price: '65010', qty: '0.10001' }),
    ]);
    expect(run.code).toBe(0);
    const fills = run.out.filter((e) => e.type === 'fill');
    expect(fills).toEqual([
      {
        type: 'fill',
        symbol: 'BTCUSDT',
        tradeId: 1,
        price: '65000.50',
        qty: '0.10001',
        takerSide: 'buy',
        takerOrderId: 2,
        takerAccount: 8,
        takerLeaves: '0.00000',
        takerCum: '0.10001',
        makerOrderId: 1,
        makerAccount: 7,
        makerLeaves: '0.14999',
        makerCum: '0.10001',
      },
    ]);
    expect(run.out.at(-1)).toEqual({ type: 'topOfBook', symbol: 'BTCUSDT', bidPrice: null, bidQty: null, askPrice: '65000.50', askQty: '0.14999' });
  });

  it('answers malformed lines with a coded error and keeps going', async () => {
    const run = await runCli(['console'], [
      'this is not json',
      JSON.stringify({ kind: 'launch' }),
      order({ symbol: 'AAPL', orderId: 1, side: 'buy', price: '101.255', qty: '1' }),
      order({ symbol: 'AAPL', orderId: 1, side: 'buy', price: 101.25, qty: '1' }),
      order({ symbol: 'AAPL', orderId: 1, side: 'buy', price: '101.25', qty: '1', colour: 'red' }),
      order({ symbol: 'NOPE', orderId: 1, side: 'buy', price: '1', qty: '1' }),
      order({ symbol: 'AAPL', orderId: 2, side: 'sell', price: '101.30', qty: '3' }),
    ]);
    expect(run.code).toBe(0);
    const [notJson, badKind, offTick, numberPrice, unknownKey, unknownSymbol, accepted] = run.out;
    expect(notJson).toMatchObject({ type: 'error', line: 1, code: 3020, reason: 'malformed command' });
    expect(badKind).toMatchObject({ type: 'error', line: 2, code: 3020, field: 'kind' });
    expect(offTick).toMatchObject({ type: 'error', line: 3, code: 1002, field: 'price', reason: 'price is not a multiple of the instrument tick size' });
    expect(numberPrice).toMatchObject({ type: 'error', line: 4, code: 3020, field: 'price' });
    expect(unknownKey).toMatchObject({ type: 'error', line: 5, code: 3020, field: 'colour' });
    expect(unknownSymbol).toMatchObject({ type: 'rejected', symbol: 'NOPE', command: 'new', code: 3001, reason: 'unknown symbol' });
    expect(accepted).toMatchObject({ type: 'accepted', symbol: 'AAPL', orderId: 2, price: '101.30', qty: '3' });
  });

  it('exits 0 on SIGTERM while waiting for input', async () => {
    const child = spawn(process.execPath, [cli, 'console'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    // The banner is written once the console is set up, signal handlers included.
    await once(child.stderr, 'data');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'close')) as [number | null];
    expect(code).toBe(0);
  });

  it('lists its commands with --help', async () => {
    const run = await runCli(['--help'], []);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: crucible/);
    expect(run.stdout).toMatch(/start \[options\]\s+run the venue/);
    expect(run.stdout).toMatch(/console\s+the engine console/);
  });
});
