// The dashboard's frame times under load:
//
//   npm run bench:dashboard -- [--rate=2000] [--seconds=10] [--warmup=3] [--symbol=AAPL] [--json]
//
// Starts the built venue (`crucible start`, free ports, a temporary data directory, fsync off),
// drives it with `crucible generate --rate <rate>` over FIX, opens the dashboard the venue serves
// in Debian's chromium (headless, 1440×900) and, after --warmup seconds, records the gap between
// consecutive requestAnimationFrame callbacks for --seconds. A gap is a frame time: 16.7 ms means
// the page kept up with a 60 Hz display; a long one is a visible stutter. Also reported: the
// WebSocket messages the page received per second, long tasks (> 50 ms on the main thread), the
// renderer's CPU time (main thread and whole process: on a loaded machine a frame gap includes time
// spent waiting for a core, CPU time is the page's own cost), and the JS heap before and after (it
// must not grow without bound).
//
// The 2-core machine runs venue, generator and browser together: figures are for comparing
// versions of the dashboard on the same machine, not absolute. --json prints one JSON line last.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CDPSession, chromium } from 'playwright-core';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'bench-dashboard-0123456789';

interface Options {
  rate: number;
  seconds: number;
  warmup: number;
  symbol: string;
  json: boolean;
}

interface PageSample {
  deltas: number[];
  messages: number;
  seconds: number;
  longTasks: number;
  longestTaskMs: number;
  heapBefore: number | undefined;
  heapAfter: number | undefined;
}

/**
 * Runs in the page (a string: this file compiles without the DOM's types): rAF gaps for
 * `seconds`, messages received meanwhile (the dashboard's own counter), long tasks, JS heap.
 */
const FRAME_PROBE = `async (seconds) => {
  const probe = window.__crucible;
  const memory = performance.memory;
  let longTasks = 0;
  let longestTaskMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longTasks++;
      longestTaskMs = Math.max(longestTaskMs, entry.duration);
    }
  });
  observer.observe({ type: 'longtask', buffered: false });
  const heapBefore = memory?.usedJSHeapSize;
  const deltas = [];
  const messagesBefore = probe.received();
  const started = performance.now();
  await new Promise((done) => {
    let last = -1;
    const tick = (now) => {
      if (last >= 0) deltas.push(now - last);
      last = now;
      if (now - started < seconds * 1000) requestAnimationFrame(tick);
      else done();
    };
    requestAnimationFrame(tick);
  });
  observer.disconnect();
  const elapsed = (performance.now() - started) / 1000;
  return { deltas, messages: probe.received() - messagesBefore, seconds: elapsed, longTasks, longestTaskMs, heapBefore, heapAfter: memory?.usedJSHeapSize };
}`;

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { rate: 2000, seconds: 10, warmup: 3, symbol: 'AAPL', json: false };
  for (const arg of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m === null) throw new Error(`unexpected argument ${arg}`);
    const [, key, value] = m;
    const number = (): number => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${key} needs a positive number, got ${value}`);
      return n;
    };
    if (key === 'rate') opts.rate = number();
    else if (key === 'seconds') opts.seconds = number();
    else if (key === 'warmup') opts.warmup = number();
    else if (key === 'symbol' && value !== undefined) opts.symbol = value;
    else if (key === 'json') opts.json = true;
    else throw new Error(`unknown option --${key}`);
  }
  return opts;
}

/** dist/bench/dashboard-frames.js → the project root. */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliMain = join(projectRoot, 'dist', 'src', 'cli', 'main.js');

/** Starts `crucible start` and waits for its HTTP line; resolves with the two ports. */
async function startVenue(dataDir: string): Promise<{ child: ChildProcess; fixPort: number; httpPort: number }> {
  const child = spawn(process.execPath, [cliMain, 'start', '--fix-port', '0', '--http-port', '0', '--data-dir', dataDir, '--fsync', 'off', '--api-token', TOKEN, '--feed', 'none', '--no-strategies'], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolvePorts, reject) => {
    const timer = setTimeout(() => reject(new Error(`the venue did not start within 20 s\n${err}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const fix = /listening for FIX on 127\.0\.0\.1:(\d+)/.exec(out);
      const http = /HTTP on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (fix !== null && http !== null) {
        clearTimeout(timer);
        resolvePorts({ child, fixPort: Number(fix[1]), httpPort: Number(http[1]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the venue exited with ${code}\n${err}`));
    });
  });
}

function startGenerator(fixPort: number, rate: number, seconds: number): { child: ChildProcess; report: Promise<Record<string, unknown> | undefined> } {
  const child = spawn(
    process.execPath,
    [cliMain, 'generate', '--port', String(fixPort), '--rate', String(rate), '--duration', String(seconds), '--seed', '42', '--account', 'bench', '--json'],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const report = new Promise<Record<string, unknown> | undefined>((resolveReport) => {
    child.once('exit', () => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolveReport(JSON.parse(last) as Record<string, unknown>);
      } catch {
        resolveReport(undefined);
      }
    });
  });
  return { child, report };
}

/** Seconds of CPU the renderer's main thread and whole process have used so far. */
async function rendererCpu(cdp: CDPSession): Promise<{ thread: number; process: number }> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const value = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  return { thread: value('ThreadTime'), process: value('ProcessTime') };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: bash scripts/setup-chromium.sh installs Debian's chromium`);
  if (!existsSync(join(projectRoot, 'web', 'dist', 'index.html'))) throw new Error('web/dist is not built: run npm run build');
  const dataDir = mkdtempSync(join(tmpdir(), 'crucible-bench-dashboard-'));
  const children: ChildProcess[] = [];
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    const venue = await startVenue(dataDir);
    children.push(venue.child);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.addInitScript(`localStorage.setItem('crucible.dashboard', ${JSON.stringify(JSON.stringify({ symbol: opts.symbol }))})`);
    await page.goto(`http://127.0.0.1:${venue.httpPort}/`);
    await page.waitForFunction("document.querySelector('[data-testid=connection] .status-text')?.textContent === 'Connected'", null, { timeout: 15_000 });
    const firstDataMs = (await page.evaluate('window.__crucible.firstSnapshotMs()')) as number;

    const generator = startGenerator(venue.fixPort, opts.rate, opts.warmup + opts.seconds + 2);
    children.push(generator.child);
    await new Promise((r) => setTimeout(r, opts.warmup * 1000));

    // The renderer's CPU time (CDP Performance metrics) over the same window: on a loaded machine
    // frame gaps include time the renderer waited for a core; CPU time is the page's own cost.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpuBefore = await rendererCpu(cdp);
    const sample = (await page.evaluate(`(${FRAME_PROBE})(${opts.seconds})`)) as PageSample;
    const cpuAfter = await rendererCpu(cdp);

    const generated = await generator.report;
    const sorted = [...sample.deltas].sort((a, b) => a - b);
    const result = {
      rate: opts.rate,
      /** Navigation start to the first snapshot on screen, with an idle venue. */
      firstDataMs: Math.round(firstDataMs),
      seconds: round(sample.seconds),
      frames: sample.deltas.length,
      fps: round(sample.deltas.length / sample.seconds, 1),
      p50Ms: round(percentile(sorted, 50)),
      p95Ms: round(percentile(sorted, 95)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted[sorted.length - 1] ?? Number.NaN),
      /** Frames that took longer than two 60 Hz frames: a visible stutter. */
      over33Ms: sample.deltas.filter((d) => d > 33.4).length,
      messagesPerSecond: Math.round(sample.messages / sample.seconds),
      longTasks: sample.longTasks,
      longestTaskMs: round(sample.longestTaskMs, 0),
      /** Main-thread CPU time per second of wall time (1000 = a whole core). */
      mainThreadCpuMsPerS: Math.round(((cpuAfter.thread - cpuBefore.thread) * 1000) / sample.seconds),
      rendererCpuMsPerS: Math.round(((cpuAfter.process - cpuBefore.process) * 1000) / sample.seconds),
      heapBeforeMb: sample.heapBefore !== undefined ? round(sample.heapBefore / 2 ** 20, 1) : null,
      heapAfterMb: sample.heapAfter !== undefined ? round(sample.heapAfter / 2 ** 20, 1) : null,
      generatorAchievedRate: typeof generated?.achievedRate === 'number' ? Math.round(generated.achievedRate) : null,
      generatorFills: typeof generated?.fills === 'number' ? generated.fills : null,
    };

    const lines = [
      `dashboard frames: ${opts.symbol} on screen, crucible generate --rate ${opts.rate} (achieved ${result.generatorAchievedRate ?? '?'}/s), ${result.seconds} s measured after ${opts.warmup} s warm-up`,
      `  frame time      p50 ${result.p50Ms} ms   p95 ${result.p95Ms} ms   p99 ${result.p99Ms} ms   max ${result.maxMs} ms`,
      `  frames          ${result.frames} (${result.fps} fps), ${result.over33Ms} longer than 33 ms`,
      `  long tasks      ${result.longTasks} (longest ${result.longestTaskMs} ms)`,
      `  page CPU        main thread ${result.mainThreadCpuMsPerS} ms/s, renderer process ${result.rendererCpuMsPerS} ms/s (1000 = one core)`,
      `  messages        ${result.messagesPerSecond.toLocaleString('en-US')}/s received over the WebSocket`,
      `  first data      ${result.firstDataMs} ms after navigation (idle venue)`,
      `  JS heap         ${result.heapBeforeMb ?? '?'} MB → ${result.heapAfterMb ?? '?'} MB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:dashboard: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
