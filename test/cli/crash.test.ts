// Nothing acknowledged is lost, proven with real processes: the built `crucible start` runs on a data
// directory while two FIX clients stream thousands of orders, cancels and replaces at it, recording
// every ExecutionReport; at a random point the venue is killed with SIGKILL. Each time it is
// restarted on the same directory and:
//   - the state hash it reports equals `crucible replay-journal` on the directory it left behind;
//   - the clients log on again with their next sequence numbers (no ResetSeqNumFlag) and the venue
//     resends what they missed;
//   - every order a client holds an acknowledgement for is there, in the state acknowledged; the
//     one way it can differ is by being further along (a command the journal had made durable whose
//     reports the kill stopped on their way out), never by having lost anything.
// Then a torn journal tail is reported and survived, and a clean SIGTERM restart gives back the same
// FIX view and state hash.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { MemoryMessageStore } from '../../src/fix/message-store.js';
import { buildCli, exitOf, projectRoot, startVenueProcess, type BuiltCli, type RunningVenue } from '../support/venue-process.js';
import { TestFixClient } from '../venue/fix-test-client.js';

const scratch = mkdtempSync(join(tmpdir(), 'crucible-crash-'));
const dataDir = join(scratch, 'data');
const configFile = join(scratch, 'venue.json');
let cli: BuiltCli;

beforeAll(() => {
  cli = buildCli('crash');
  // Snapshots every few hundred commands, so recovery restores one and replays the journal after it.
  writeFileSync(configFile, JSON.stringify({ durability: { snapshotEveryCommands: 500 } }));
}, 120_000);

afterAll(() => {
  cli?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

/** mulberry32: the run's seed is printed, so a failing kill point can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.CRUCIBLE_CRASH_SEED ?? Date.now() % 1_000_000);
const random = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

const NOW = (): string => new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');
const SYMBOLS = ['AAPL', 'MSFT'] as const;

/** What the client last heard about one order. */
interface Acked {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: string;
  clOrdId: string;
  ordStatus: string;
  cumQty: number;
  leavesQty: number;
}

const TERMINAL = new Set(['2', '4', 'C']);

/**
 * One trading client: keeps up to `window` requests in flight, records every report, and carries
 * its FIX store (sequence numbers, sent messages) from one venue process to the next.
 */
class Trader {
  readonly store = new MemoryMessageStore();
  readonly orders = new Map<string, Acked>();
  private readonly byClOrdId = new Map<string, Acked>();
  private readonly pending = new Map<string, { symbol: string; side: string }>();
  private next = 0;
  client: TestFixClient | undefined;
  reports = 0;
  possDups = 0;
  logons: FixMessage[] = [];
  private statusReplies: FixMessage[] = [];
  private wake: (() => void) | undefined;

  constructor(readonly compId: string) {}

  async connect(port: number): Promise<void> {
    this.logons = [];
    this.client = await TestFixClient.logon({
      port,
      beginString: 'FIX.4.4',
      senderCompID: this.compId,
      resetOnLogon: false,
      store: this.store,
      logonTimeoutMs: 10_000,
      onIncoming: (m) => {
        if (m.msgType === 'A') this.logons.push(m);
      },
      onMessage: (m) => this.onMessage(m),
    });
  }

  async disconnect(): Promise<void> {
    await this.client?.stop();
    this.client = undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private onMessage(m: FixMessage): void {
    if (m.get(43) === 'Y') this.possDups++;
    if (m.msgType === '8' && m.get(150) === 'I') {
      this.statusReplies.push(m);
    } else if (m.msgType === '8') {
      this.reports++;
      const clOrdId = m.get(11) ?? '';
      const orderId = m.get(37) ?? 'NONE';
      const request = this.pending.get(clOrdId);
      this.pending.delete(clOrdId);
      if (orderId === 'NONE' || m.get(150) === '8') return;
      let order = this.orders.get(orderId);
      if (order === undefined) {
        order = { orderId, symbol: m.get(55) ?? request?.symbol ?? '', side: m.get(54) ?? request?.side ?? '', clOrdId, ordStatus: '', cumQty: 0, leavesQty: 0 };
        this.orders.set(orderId, order);
      }
      order.clOrdId = clOrdId;
      order.ordStatus = m.get(39) ?? '';
      order.cumQty = Number(m.get(14));
      order.leavesQty = Number(m.get(151));
      this.byClOrdId.set(clOrdId, order);
    } else if (m.msgType === '9') {
      this.pending.delete(m.get(11) ?? '');
    }
    this.wake?.();
  }

  /** Sends one random request: mostly new limit orders around 100, some cancels and replaces of live ones. */
  sendOne(): void {
    const c = this.client!;
    const clOrdId = `${this.compId}-${++this.next}`;
    const live = [...this.orders.values()].filter((o) => !TERMINAL.has(o.ordStatus) && !this.pending.has(o.clOrdId));
    const r = random();
    if (r < 0.15 && live.length > 0) {
      const o = pick(live);
      this.pending.set(clOrdId, o);
      c.send('F', [[11, clOrdId], [41, o.clOrdId], [55, o.symbol], [54, o.side], [60, NOW()]]);
      return;
    }
    if (r < 0.3 && live.length > 0) {
      const o = pick(live);
      this.pending.set(clOrdId, o);
      const qty = o.cumQty + 1 + Math.floor(random() * 60);
      c.send('G', [[11, clOrdId], [41, o.clOrdId], [21, '1'], [55, o.symbol], [54, o.side], [60, NOW()], [38, String(qty)], [40, '2'], [44, price(o.side)]]);
      return;
    }
    const symbol = pick(SYMBOLS);
    const side = random() < 0.5 ? '1' : '2';
    this.pending.set(clOrdId, { symbol, side });
    c.send('D', [[11, clOrdId], [21, '1'], [55, symbol], [54, side], [60, NOW()], [38, String(1 + Math.floor(random() * 100))], [40, '2'], [44, price(side)], [59, random() < 0.85 ? '1' : '3']]);
  }

  /** Keeps `window` requests in flight until `stop()` says so. */
  async drive(window: number, stop: () => boolean): Promise<void> {
    while (this.client?.session.isLoggedOn() === true) {
      while (this.pending.size < window) this.sendOne();
      if (stop()) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
      this.wake = undefined;
    }
  }

  /** Forgets requests that were never answered: the venue may or may not have them, and they acknowledge nothing. */
  forgetUnanswered(): number {
    const n = this.pending.size;
    this.pending.clear();
    return n;
  }

  /** OrderStatusRequest for every acknowledged order; the replies in the same order. */
  async statuses(): Promise<FixMessage[]> {
    const orders = [...this.orders.values()];
    this.statusReplies = [];
    for (const o of orders) this.client!.send('H', [[11, o.clOrdId], [55, o.symbol], [54, o.side]]);
    const deadline = Date.now() + 30_000;
    while (this.statusReplies.length < orders.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(this.statusReplies.length, `${this.compId}: status replies`).toBe(orders.length);
    return this.statusReplies;
  }

  /** Waits until nothing has arrived for `ms` (resends after a logon). */
  async settle(ms = 400): Promise<void> {
    let seen = -1;
    while (seen !== this.client!.received.length) {
      seen = this.client!.received.length;
      await new Promise((r) => setTimeout(r, ms));
    }
  }
}

function price(side: string): string {
  // Buyers bid around 99.90-100.10 and sellers offer around the same, so a good share of orders trade.
  const ticks = 9990 + Math.floor(random() * 21) + (side === '1' ? 2 : -2);
  return (ticks / 100).toFixed(2);
}

function replayHash(args: readonly string[] = []): { hash: string; lastSeq: number; records: number; trades: number } {
  const r = spawnSync(process.execPath, [cli.main, 'replay-journal', dataDir, '--json', ...args], { cwd: projectRoot, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const s = JSON.parse(r.stdout) as { stateHash: string; lastSeq: number; records: number; trades: number };
  return { hash: s.stateHash, lastSeq: s.lastSeq, records: s.records, trades: s.trades };
}

function stateOf(venue: RunningVenue): { hash: string; seq: number } {
  const m = /\nstate: .*state hash ([0-9a-f]{16}) \(seq (\d+)\)\n/.exec(venue.stdout());
  expect(m, venue.stdout()).not.toBeNull();
  return { hash: m![1], seq: Number(m![2]) };
}

async function startVenue(): Promise<RunningVenue> {
  const venue = await startVenueProcess(cli, ['--fix-port', '0', '--data-dir', dataDir, '--config', configFile]);
  const deadline = Date.now() + 5000;
  while (!/\nstate: /.test(venue.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return venue;
}

/** Every acknowledged order against its status now: exact, or further along; never behind, never gone. */
async function checkAcknowledged(traders: readonly Trader[]): Promise<{ orders: number; exact: number; further: number }> {
  let orders = 0;
  let exact = 0;
  let further = 0;
  for (const t of traders) {
    const acked = [...t.orders.values()];
    const replies = await t.statuses();
    acked.forEach((o, i) => {
      const s = replies[i];
      const got = { orderId: s.get(37), ordStatus: s.get(39), cumQty: Number(s.get(14)), leavesQty: Number(s.get(151)), clOrdId: s.get(11) };
      const what = `${t.compId} order ${o.orderId} acknowledged as ${JSON.stringify(o)}, status now ${JSON.stringify(got)}`;
      expect(got.orderId, what).toBe(o.orderId);
      orders++;
      if (got.ordStatus === o.ordStatus && got.cumQty === o.cumQty && got.leavesQty === o.leavesQty && got.clOrdId === o.clOrdId) {
        exact++;
        return;
      }
      expect(TERMINAL.has(o.ordStatus), `${what}: a finished order changed`).toBe(false);
      expect(got.cumQty, `${what}: lost fills`).toBeGreaterThanOrEqual(o.cumQty);
      further++;
      // What the status says is now the client's view.
      o.ordStatus = got.ordStatus ?? '';
      o.cumQty = got.cumQty;
      o.leavesQty = got.leavesQty;
      o.clOrdId = got.clOrdId ?? o.clOrdId;
    });
  }
  return { orders, exact, further };
}

describe('crash recovery with real processes', () => {
  it('keeps every acknowledged order through kill -9 at random points, a torn tail and a clean restart', async () => {
    const traders = [new Trader('CRASH-A'), new Trader('CRASH-B')];
    const results: string[] = [`seed ${SEED}`];
    let venue = await startVenue();
    try {
      for (const t of traders) await t.connect(venue.port);
      const KILLS = 3;
      let restoredSnapshot = 0;
      for (let round = 1; round <= KILLS; round++) {
        const before = traders.reduce((n, t) => n + t.reports, 0);
        const killAfter = 2000 + Math.floor(random() * 4000);
        let killed = false;
        let armed = false;
        const stop = (): boolean => {
          if (!armed && traders.reduce((n, t) => n + t.reports, 0) - before >= killAfter) {
            armed = true;
            // Mid-stream: the clients have just topped their windows up, and keep doing so until
            // the kill lands a few random milliseconds later, whatever the venue is doing then.
            setTimeout(() => {
              venue.child.kill('SIGKILL');
              killed = true;
            }, random() * 4);
          }
          return killed;
        };
        const started = Date.now();
        await Promise.race([Promise.all(traders.map((t) => t.drive(48, stop))), new Promise((r) => setTimeout(r, 40_000))]);
        if (!killed) venue.child.kill('SIGKILL');
        expect((await exitOf(venue.child)).signal).toBe('SIGKILL');
        const inFlight = traders.reduce((n, t) => n + t.inFlight, 0);
        for (const t of traders) {
          await t.disconnect();
          t.forgetUnanswered();
        }

        const replay = replayHash();
        if (round === KILLS) {
          // The last kill also leaves half a record at the end of the journal.
          const journal = join(dataDir, 'journal');
          const last = readdirSync(journal).filter((n) => n.startsWith('journal-')).sort().at(-1)!;
          appendFileSync(join(journal, last), Buffer.from('7a3c0000ffff', 'hex'));
        }
        venue = await startVenue();
        const state = stateOf(venue);
        expect(state.hash, `round ${round}: restarted venue vs replay-journal`).toBe(replay.hash);
        expect(state.seq).toBe(replay.lastSeq);
        if (round === KILLS) expect(venue.stderr()).toMatch(/journal: cut off a torn record at its end \(.*journal-\d+\.log at offset \d+, 6 bytes/);
        if (/snapshot restored at seq \d+, replayed \d+ commands/.test(venue.stderr())) restoredSnapshot++;

        for (const t of traders) {
          await t.connect(venue.port);
          // The session carried on: no reset asked for or given, the venue's numbering continued.
          expect(t.logons[0].get(141), `${t.compId} logon`).toBeUndefined();
          expect(t.logons[0].msgSeqNum).toBeGreaterThan(1);
          await t.settle();
        }
        const check = await checkAcknowledged(traders);
        const acked = traders.reduce((n, t) => n + t.reports, 0) - before;
        results.push(
          `kill ${round}: after ${killAfter} reports (${acked} received with resends) in ${Date.now() - started} ms, ${inFlight} requests in flight; ` +
            `journal at seq ${replay.lastSeq}, hash ${replay.hash} = restarted venue; ${check.orders} acknowledged orders all present ` +
            `(${check.exact} exactly as acknowledged, ${check.further} further along); resent after logon: ${traders.map((t) => t.possDups).join('+')}`,
        );
      }

      expect(restoredSnapshot, 'recoveries that restored a snapshot and replayed the journal after it').toBeGreaterThan(0);

      // A clean restart: the FIX view of every order and the state hash are what they were.
      const viewBefore = await Promise.all(traders.map((t) => t.statuses()));
      const fields = (ms: FixMessage[]): string[][] => ms.map((m) => [11, 37, 39, 14, 151, 6, 38, 44].map((tag) => m.get(tag) ?? ''));
      venue.child.kill('SIGTERM');
      expect(await exitOf(venue.child, 20_000)).toEqual({ code: 0, signal: null });
      const stopped = /stopped at seq (\d+), state hash ([0-9a-f]{16})/.exec(venue.stderr());
      expect(stopped, venue.stderr()).not.toBeNull();
      for (const t of traders) await t.disconnect();
      const fromScratch = replayHash(['--from-scratch']);
      const fromSnapshot = replayHash();
      expect(fromScratch.hash).toBe(stopped![2]);
      expect(fromSnapshot.hash).toBe(stopped![2]);
      expect(fromSnapshot.records).toBe(0);
      venue = await startVenue();
      expect(stateOf(venue)).toEqual({ hash: stopped![2], seq: Number(stopped![1]) });
      for (const t of traders) await t.connect(venue.port);
      const viewAfter = await Promise.all(traders.map((t) => t.statuses()));
      expect(viewAfter.map(fields)).toEqual(viewBefore.map(fields));
      results.push(
        `clean restart: seq ${stopped![1]}, hash ${stopped![2]} before and after, FIX view of ${viewAfter.reduce((n, v) => n + v.length, 0)} orders unchanged; ` +
          `replay-journal from scratch: ${fromScratch.records} records, ${fromScratch.trades} trades`,
      );
      console.log(`crash test\n  ${results.join('\n  ')}`);
    } finally {
      for (const t of traders) await t.disconnect().catch(() => {});
      venue.child.kill('SIGKILL');
    }
  }, 180_000);

  it('refuses to start on a journal damaged before its end, naming the file and offset (exit 1)', async () => {
    const dir = join(scratch, 'corrupt');
    const venue = await startVenueProcess(cli, ['--fix-port', '0', '--data-dir', dir]);
    const client = await TestFixClient.logon({ port: venue.port, beginString: 'FIX.4.4', senderCompID: 'CORRUPT' });
    for (let i = 0; i < 50; i++) client.send('D', [[11, `c${i}`], [21, '1'], [55, 'AAPL'], [54, '1'], [60, NOW()], [38, '1'], [40, '2'], [44, '90.00'], [59, '1']]);
    await client.take(50);
    await client.stop();
    venue.child.kill('SIGKILL');
    await exitOf(venue.child);
    rmSync(join(dir, 'snapshots'), { recursive: true });
    const segment = join(dir, 'journal', readdirSync(join(dir, 'journal')).find((n) => n.startsWith('journal-'))!);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(segment);
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    writeFileSync(segment, bytes);
    const r = spawnSync(process.execPath, [cli.main, 'start', '--fix-port', '0', '--data-dir', dir], { cwd: projectRoot, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the journal is damaged before its end: ${segment} at offset `);
    const replay = spawnSync(process.execPath, [cli.main, 'replay-journal', dir], { cwd: projectRoot, encoding: 'utf8' });
    expect(replay.status).toBe(1);
    expect(replay.stderr).toMatch(/the journal is damaged: .* at offset \d+/);
  }, 60_000);
});
