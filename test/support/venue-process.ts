// The built `crucible start` as a real process, for tests that must meet the venue exactly as
// `npm start` runs it. Each caller compiles the CLI into a directory of its own, so no test reads
// JavaScript another test file is rewriting in dist/.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BuiltCli {
  /** Path of the compiled src/cli/main.js. */
  readonly main: string;
  remove(): void;
}

/** Compiles the project into dist/.test-<name>-<pid> (inside the project, so node_modules resolve). */
export function buildCli(name: string): BuiltCli {
  const outDir = join(projectRoot, 'dist', `.test-${name}-${process.pid}`);
  const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: projectRoot, stdio: 'pipe' });
  return { main: join(outDir, 'src', 'cli', 'main.js'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface RunningVenue {
  readonly child: ChildProcess;
  /** The first stdout line, which says where the venue listens. */
  readonly line: string;
  readonly port: number;
  /** The data directory it runs on. */
  readonly dataDir: string;
  /** Everything on stdout so far (the second line is the recovered state with its hash). */
  stdout(): string;
  stderr(): string;
}

/**
 * Starts `crucible start <args>` and waits (bounded) for its startup line. Without --data-dir in
 * `args` the venue gets a new temporary data directory, removed when it exits, so no test reads
 * another's journal.
 */
export async function startVenueProcess(cli: BuiltCli, givenArgs: readonly string[]): Promise<RunningVenue> {
  // Tests count every order and fill they see: the venue runs without its own market makers and
  // reference feed unless a test asks for them (`--feed ...`, or `--strategies` for the default population).
  const args = [
    ...givenArgs.filter((a) => a !== '--strategies'),
    ...(givenArgs.includes('--feed') ? [] : ['--feed', 'none']),
    ...(givenArgs.includes('--strategies') ? [] : ['--no-strategies']),
  ];
  const own = args.includes('--data-dir') ? undefined : mkdtempSync(join(tmpdir(), 'crucible-venue-'));
  const dataDir = own ?? args[args.indexOf('--data-dir') + 1];
  const child = spawn(process.execPath, [cli.main, 'start', ...args, ...(own !== undefined ? ['--data-dir', own] : [])], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  if (own !== undefined) child.once('exit', () => rmSync(own, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const line = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no startup line within 15 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 15_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolveLine(stdout.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening\nstderr: ${stderr}`));
    });
  });
  const m = /listening for FIX on 127\.0\.0\.1:(\d+) /.exec(line);
  if (m === null) throw new Error(`unexpected startup line: ${line}`);
  return { child, line, port: Number(m[1]), dataDir, stdout: () => stdout, stderr: () => stderr };
}

/** Exit code and signal, killing the process when it has not exited after `ms`. */
export async function exitOf(child: ChildProcess, ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal };
}
