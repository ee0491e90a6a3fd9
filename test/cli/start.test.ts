// Runs the built `crucible start` as a real process: a FIX client logs on to the port it reports,
// trades, and the process shuts down cleanly on SIGTERM and SIGINT. The CLI is compiled into a
// directory of its own so this file never reads JavaScript another test file is rewriting.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, exitOf, projectRoot, startVenueProcess, type BuiltCli } from '../support/venue-process.js';
import { TestFixClient } from '../venue/fix-test-client.js';

const scratch = mkdtempSync(join(tmpdir(), 'crucible-start-'));
let cli: BuiltCli;

beforeAll(() => {
  cli = buildCli('cli-start');
}, 120_000);

afterAll(() => {
  cli?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

const startCli = (args: readonly string[]) => startVenueProcess(cli, args);

describe('crucible start', () => {
  it('runs the FIX venue: a client logs on, gets an ExecutionReport, and SIGTERM logs it out and exits 0', async () => {
    const run = await startCli(['--fix-port', '0']);
    expect(run.stdout().split('\n')[1]).toMatch(/^state: new, state hash [0-9a-f]{16} \(seq 0\)$/);
    expect(run.line).toMatch(/^Crucible venue listening for FIX on 127\.0\.0\.1:\d+ \(FIX\.4\.2 and FIX\.4\.4, SenderCompID CRUCIBLE, any client CompID\); trading AAPL, MSFT, GOOGL, AMZN, TSLA, BTCUSDT, ETHUSDT, BNBUSDT, SOLUSDT$/);

    const client = await TestFixClient.logon({ port: run.port, beginString: 'FIX.4.4', senderCompID: 'CLI-TEST' });
    try {
      client.send('D', [
        [11, 'cli-1'],
        [55, 'AAPL'],
        [54, '1'],
        [60, new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '')],
        [38, '100'],
        [40, '2'],
        [44, '101.25'],
        [59, '1'],
      ]);
      const er = await client.next();
      expect([er.msgType, er.get(11), er.get(150), er.get(39), er.get(44), er.get(38), er.get(151)]).toEqual(['8', 'cli-1', '0', '0', '101.25', '100', '100']);

      run.child.kill('SIGTERM');
      expect(await exitOf(run.child)).toEqual({ code: 0, signal: null });
      expect(run.stderr()).toMatch(/SIGTERM: logging out 1 session and stopping/);
      expect(run.stderr()).toMatch(/logon FIX\.4\.4 CLI-TEST/);
      const deadline = Date.now() + 5000;
      while (client.session.isLoggedOn() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(client.session.isLoggedOn()).toBe(false);
    } finally {
      await client.stop();
      run.child.kill('SIGKILL');
    }
  });

  it('takes a config file, lets flags override it, and exits 0 on SIGINT', async () => {
    const file = join(scratch, 'venue.json');
    writeFileSync(
      file,
      JSON.stringify({
        fix: { port: 1, senderCompID: 'FROMFILE', beginStrings: ['FIX.4.4'] },
        selfTradePrevention: 'cancelNewest',
        instruments: [{ symbol: 'XBTUSD', assetClass: 'crypto', tickSize: '0.5', lotSize: '1' }],
      }),
    );
    const run = await startCli(['--config', file, '--fix-port', '0', '--sender-comp-id', 'VENUE2']);
    try {
      expect(run.line).toMatch(/on 127\.0\.0\.1:\d+ \(FIX\.4\.4, SenderCompID VENUE2, any client CompID, self-trade prevention cancelNewest\); trading XBTUSD$/);
      const client = await TestFixClient.logon({ port: run.port, beginString: 'FIX.4.4', senderCompID: 'C2', targetCompID: 'VENUE2' });
      await client.stop();
      run.child.kill('SIGINT');
      expect(await exitOf(run.child)).toEqual({ code: 0, signal: null });
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('refuses a bad flag or config with a message and exit code 2', async () => {
    const badPort = spawn(process.execPath, [cli.main, 'start', '--fix-port', '99999'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    badPort.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    expect(await exitOf(badPort)).toEqual({ code: 2, signal: null });
    expect(stderr).toMatch(/--fix-port must be a whole number from 0 to 65535, got "99999"/);

    const file = join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify({ fix: { prot: 1 } }));
    const badConfig = spawn(process.execPath, [cli.main, 'start', '--config', file], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    stderr = '';
    badConfig.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    expect(await exitOf(badConfig)).toEqual({ code: 2, signal: null });
    expect(stderr).toContain(`venue config ${file}: fix: Unrecognized key: "prot"`);
  });

  it('keeps its state in the data directory: a restart recovers it, --fresh moves it aside, replay-journal reads it', async () => {
    const dataDir = join(scratch, 'data');
    const first = await startCli(['--fix-port', '0', '--data-dir', dataDir]);
    const client = await TestFixClient.logon({ port: first.port, beginString: 'FIX.4.4', senderCompID: 'KEEP' });
    client.send('D', [[11, 'k1'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20240102-14:30:00'], [38, '10'], [40, '2'], [44, '99.50'], [59, '1']]);
    expect((await client.next()).get(150)).toBe('0');
    await client.stop();
    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toEqual({ code: 0, signal: null });
    const stopped = /stopped at seq (\d+), state hash ([0-9a-f]{16})/.exec(first.stderr());
    expect(stopped, first.stderr()).not.toBeNull();
    const [, seq, hash] = stopped!;

    const second = await startCli(['--fix-port', '0', '--data-dir', dataDir]);
    try {
      expect(second.stdout().split('\n')[1]).toBe(`state: snapshot restored at seq ${seq}, replayed 0 commands, state hash ${hash} (seq ${seq})`);
      expect(second.stderr()).toContain(`data directory ${dataDir}: snapshot restored at seq ${seq}, replayed 0 commands, state hash ${hash}`);
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }

    const fresh = await startCli(['--fix-port', '0', '--data-dir', dataDir, '--fresh']);
    try {
      const moved = /--fresh: moved the previous data directory to (\S+); starting empty/.exec(fresh.stderr());
      expect(moved, fresh.stderr()).not.toBeNull();
      expect(fresh.stdout().split('\n')[1]).toMatch(/^state: new, /);
      const replay = spawnSync(process.execPath, [cli.main, 'replay-journal', moved![1], '--from-scratch'], { cwd: projectRoot, encoding: 'utf8' });
      expect(replay.status, replay.stderr).toBe(0);
      expect(replay.stdout).toContain(`state hash ${hash}\n`);
      expect(replay.stdout).toMatch(/replayed \d+ journal records from scratch in .*; last seq \d+/);
      expect(replay.stdout).toMatch(/ {2}AAPL +resting 1 \(1 bids, 0 asks\), stops 0, bid 99\.50 ask - last -\n/);
      expect(existsSync(join(moved![1], 'journal'))).toBe(true);
    } finally {
      fresh.child.kill('SIGTERM');
      await exitOf(fresh.child);
    }
  });

  it('lists the data directory flags in its help', () => {
    const help = spawnSync(process.execPath, [cli.main, 'start', '--help'], { cwd: projectRoot, encoding: 'utf8' });
    for (const flag of ['--data-dir <dir>', '--fresh', '--fsync <mode>']) expect(help.stdout).toContain(flag);
    const replayHelp = spawnSync(process.execPath, [cli.main, 'replay-journal', '--help'], { cwd: projectRoot, encoding: 'utf8' });
    expect(replayHelp.stdout).toContain('--from-scratch');
  });
});
