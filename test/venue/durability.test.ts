// The venue with a data directory, in-process: a clean restart gives back the same books, the same
// order registry and the same FIX view; snapshots and the journal rebuild the state the venue had;
// FIX sessions carry on with their sequence numbers and get what they missed; ExecIDs stay unique.
// test/cli/crash.test.ts kills real venue processes with kill -9.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../src/fix/message-store.js';
import { resolveVenueConfig, type VenueConfigInput } from '../../src/venue/config.js';
import { JournalCorruptError, type JournalRecord, JournalWriter, readJournal } from '../../src/venue/journal.js';
import { recover } from '../../src/venue/recovery.js';
import { dataLayout, DataDirInUse, listSnapshots } from '../../src/venue/storage.js';
import { Venue } from '../../src/venue/venue.js';
import { TestFixClient } from './fix-test-client.js';
import type { FixMessage } from '../../src/fix/fix-message.js';

const scratch = mkdtempSync(join(tmpdir(), 'crucible-durability-'));
const clients: TestFixClient[] = [];
const venues: Venue[] = [];
let dirs = 0;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(venues.splice(0).map((v) => v.stop()));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const newDataDir = (): string => join(scratch, `data-${++dirs}`);

async function open(dataDir: string, extra: VenueConfigInput = {}, fresh = false): Promise<{ venue: Venue; port: number; log: string[] }> {
  const log: string[] = [];
  const config = resolveVenueConfig({ ...extra, durability: { maxBatchDelayMs: 0, ...(extra.durability ?? {}) } }, { fixPort: 0, dataDir });
  const venue = await Venue.open({ config, fresh, log: (l) => log.push(l) });
  venues.push(venue);
  const { port } = await venue.start();
  return { venue, port, log };
}

async function stop(venue: Venue): Promise<void> {
  await venue.stop();
  venues.splice(venues.indexOf(venue), 1);
}

interface ClientOptions {
  readonly store?: MemoryMessageStore;
  readonly reset?: boolean;
  readonly incoming?: FixMessage[];
}

async function logon(port: number, compId: string, options: ClientOptions = {}): Promise<TestFixClient> {
  const c = await TestFixClient.logon({
    port,
    beginString: 'FIX.4.4',
    senderCompID: compId,
    resetOnLogon: options.reset ?? true,
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.incoming !== undefined ? { onIncoming: (m: FixMessage) => options.incoming!.push(m) } : {}),
  });
  clients.push(c);
  return c;
}

async function logout(c: TestFixClient): Promise<void> {
  await c.stop();
  clients.splice(clients.indexOf(c), 1);
}

const NOW = (): string => new Date().toISOString().replace(/-/g, '').replace('T', '-').replace('Z', '');

function order(c: TestFixClient, clOrdID: string, symbol: string, side: '1' | '2', qty: string, price: string | undefined, extra: Array<[number, string]> = []): void {
  c.send('D', [[11, clOrdID], [21, '1'], [55, symbol], [54, side], [60, NOW()], [38, qty], [40, price === undefined ? '1' : '2'], ...(price !== undefined ? ([[44, price]] as Array<[number, string]>) : []), ...extra]);
}

function cancel(c: TestFixClient, clOrdID: string, orig: string, symbol: string, side: '1' | '2'): void {
  c.send('F', [[11, clOrdID], [41, orig], [55, symbol], [54, side], [60, NOW()]]);
}

function replace(c: TestFixClient, clOrdID: string, orig: string, symbol: string, side: '1' | '2', qty: string, price: string): void {
  c.send('G', [[11, clOrdID], [41, orig], [21, '1'], [55, symbol], [54, side], [60, NOW()], [38, qty], [40, '2'], [44, price]]);
}

/** What an order looks like over FIX: its status report's fields that describe it. */
async function statusView(c: TestFixClient, clOrdIDs: ReadonlyArray<readonly [string, string, '1' | '2']>): Promise<string[][]> {
  for (const [id, symbol, side] of clOrdIDs) c.send('H', [[11, id], [55, symbol], [54, side]]);
  const replies = await c.take(clOrdIDs.length);
  return replies.map((m) => [11, 37, 39, 38, 44, 14, 151, 6, 99, 111].map((t) => m.get(t) ?? ''));
}

/** A morning of trading between two sessions: rests, fills, partial fills, a replace, cancels, refusals, an iceberg and a stop. */
async function trade(a: TestFixClient, b: TestFixClient): Promise<void> {
  order(a, 'a1', 'AAPL', '2', '100', '101.25', [[59, '1']]);
  order(a, 'a2', 'AAPL', '2', '50', '101.30', [[59, '1']]);
  order(a, 'a3', 'MSFT', '1', '30', '400.00', [[59, '1'], [111, '10']]);
  a.send('D', [[11, 'a4'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, NOW()], [38, '5'], [40, '3'], [99, '105.00'], [59, '1']]);
  order(a, 'bad', 'NOPE', '1', '1', '1.00');
  await a.take(5);
  // b1 takes a1 and part of a2; b2 takes two tranches of the iceberg a3.
  order(b, 'b1', 'AAPL', '1', '120', '101.30', [[59, '3']]);
  order(b, 'b2', 'MSFT', '2', '15', '400.00', [[59, '1']]);
  await b.take(6);
  await a.take(4);
  replace(a, 'a5', 'a2', 'AAPL', '2', '80', '101.40');
  cancel(a, 'a6', 'a3', 'MSFT', '1');
  cancel(a, 'a7', 'never', 'AAPL', '2');
  order(a, 'a8', 'BTCUSDT', '1', '0.5', '43000.01', [[59, '1']]);
  await a.take(4);
}

const A_ORDERS = [
  ['a1', 'AAPL', '2'],
  ['a5', 'AAPL', '2'],
  ['a6', 'MSFT', '1'],
  ['a4', 'AAPL', '1'],
  ['bad', 'NOPE', '1'],
  ['a8', 'BTCUSDT', '1'],
] as const;
const B_ORDERS = [
  ['b1', 'AAPL', '1'],
  ['b2', 'MSFT', '2'],
] as const;

describe('a clean restart', () => {
  it('gives back the same books, registry and FIX view, and the sessions carry on without a reset', async () => {
    const dataDir = newDataDir();
    const first = await open(dataDir);
    expect(first.venue.startup).toMatchObject({ snapshotSeq: 0, replayed: 0, lastSeq: 0 });
    const storeA = new MemoryMessageStore();
    const storeB = new MemoryMessageStore();
    let a = await logon(first.port, 'DUR-A', { store: storeA, reset: false });
    let b = await logon(first.port, 'DUR-B', { store: storeB, reset: false });
    await trade(a, b);
    const viewA = await statusView(a, A_ORDERS);
    const viewB = await statusView(b, B_ORDERS);
    expect(viewA.map((r) => r[2])).toEqual(['2', '1', '4', '0', '8', '0']);
    const engine = first.venue.engine.snapshot();
    const registry = first.venue.registry.snapshot();
    const hash = first.venue.engine.stateHash();
    const execIds = new Set([...a.received, ...b.received].map((m) => m.get(17)).filter((id) => id !== undefined));
    await logout(a);
    await logout(b);
    const seqBefore = [storeA.getNextSenderMsgSeqNum(), storeA.getNextTargetMsgSeqNum()];
    await stop(first.venue);
    expect(listSnapshots(dataLayout(dataDir).snapshots)).toHaveLength(1);

    const second = await open(dataDir);
    const startup = second.venue.startup!;
    expect(startup.stateHash).toBe(hash);
    expect(startup.replayed).toBe(0);
    expect(startup.snapshotSeq).toBe(startup.lastSeq);
    expect(second.venue.engine.snapshot()).toEqual(engine);
    expect(second.venue.registry.snapshot()).toEqual(registry);

    const logons: FixMessage[] = [];
    a = await logon(second.port, 'DUR-A', { store: storeA, reset: false, incoming: logons });
    b = await logon(second.port, 'DUR-B', { store: storeB, reset: false });
    // No reset: the logon carried on from where the sessions were.
    expect(logons[0].get(141)).toBeUndefined();
    expect(logons[0].msgSeqNum).toBe(seqBefore[1]);
    expect(a.session.getExpectedSenderNum()).toBe(seqBefore[0] + 1);
    expect(await statusView(a, A_ORDERS)).toEqual(viewA);
    expect(await statusView(b, B_ORDERS)).toEqual(viewB);

    // The books trade on: a2's replacement a5 (80 at 101.40, 20 filled) fills, and order ids continue.
    order(b, 'b3', 'AAPL', '1', '60', '101.40');
    const [b3New, b3Fill] = await b.take(2);
    expect([b3Fill.get(150), b3Fill.get(39), b3Fill.get(31), b3Fill.get(32)]).toEqual(['F', '2', '101.40', '60']);
    expect(Number(b3New.get(37))).toBeGreaterThan(Math.max(...registry.orders.map((o) => o.orderId)));
    const [a5Fill] = await a.take(1);
    expect([a5Fill.get(11), a5Fill.get(39), a5Fill.get(14)]).toEqual(['a5', '2', '80']);
    for (const m of [...a.received, ...b.received]) {
      const id = m.get(17);
      if (id === undefined || m.get(150) === 'I') continue;
      expect(execIds.has(id), `ExecID ${id} handed out twice`).toBe(false);
      execIds.add(id);
    }
  });
});

describe('snapshots and the journal', () => {
  it('rebuild the running state: from the newest snapshot, from an older one when the newest is damaged, and from scratch', async () => {
    const dataDir = newDataDir();
    const { venue, port } = await open(dataDir, { durability: { snapshotEveryCommands: 4 } });
    const a = await logon(port, 'SNAP-A');
    const b = await logon(port, 'SNAP-B');
    await trade(a, b);
    await venue.snapshot();
    order(a, 'late1', 'TSLA', '2', '10', '250.00', [[59, '1']]);
    order(b, 'late2', 'TSLA', '1', '4', '250.00');
    await a.take(2);
    await b.take(2);
    const layout = dataLayout(dataDir);
    const snapshots = listSnapshots(layout.snapshots);
    expect(snapshots).toHaveLength(2);
    const hash = venue.engine.stateHash();
    const lastSeq = venue.sequencer.lastSeq;

    const fromSnapshot = recover({ journalDir: layout.journal, snapshotDir: layout.snapshots, truncate: false, recentOrders: 1000 });
    expect([fromSnapshot.stateHash, fromSnapshot.sequencer.lastSeq, fromSnapshot.snapshotSeq]).toEqual([hash, lastSeq, snapshots[0].seq]);
    expect(fromSnapshot.replayed).toBe(lastSeq - snapshots[0].seq);
    expect(fromSnapshot.core.registry.snapshot()).toEqual(venue.registry.snapshot());

    const fromScratch = recover({ journalDir: layout.journal, truncate: false, recentOrders: 1000 });
    expect([fromScratch.stateHash, fromScratch.replayed, fromScratch.snapshotSeq]).toEqual([hash, lastSeq, 0]);
    expect(fromScratch.core.registry.snapshot()).toEqual(venue.registry.snapshot());

    // A damaged newest snapshot is passed over for the one before it.
    const newest = readFileSync(snapshots[0].path);
    newest[newest.length - 10] ^= 0x20;
    writeFileSync(snapshots[0].path, newest);
    const said: string[] = [];
    const fromOlder = recover({ journalDir: layout.journal, snapshotDir: layout.snapshots, truncate: false, recentOrders: 1000, log: (l) => said.push(l) });
    expect([fromOlder.stateHash, fromOlder.snapshotSeq]).toEqual([hash, snapshots[1].seq]);
    expect(said.join('\n')).toMatch(/snapshot-\d+\.snap cannot be used \(checksum mismatch\); trying an older one/);
  });

  it('refuses to open a journal damaged before its end, and opens one with a torn tail', async () => {
    const dataDir = newDataDir();
    const { venue, port } = await open(dataDir);
    const a = await logon(port, 'TORN-A');
    for (let i = 0; i < 20; i++) order(a, `t${i}`, 'AAPL', '2', '1', `${100 + i}.00`, [[59, '1']]);
    await a.take(20);
    const hash = venue.engine.stateHash();
    await logout(a);
    await stop(venue);
    const layout = dataLayout(dataDir);
    // No snapshot: recovery has to read the journal.
    for (const s of listSnapshots(layout.snapshots)) rmSync(s.path);
    const segment = join(layout.journal, readdirSync(layout.journal).filter((n) => n.startsWith('journal-'))[0]);

    appendFileSync(segment, Buffer.from([0x11, 0x22, 0x33, 0x44, 0x05, 0, 0]));
    const torn = await open(dataDir);
    expect(torn.venue.startup!.truncatedTail).toMatch(/at offset \d+, 7 bytes/);
    expect(torn.venue.startup!.stateHash).toBe(hash);
    await stop(torn.venue);
    for (const s of listSnapshots(layout.snapshots)) rmSync(s.path);

    const bytes = readFileSync(segment);
    bytes[Math.floor(bytes.length / 3)] ^= 0x01;
    writeFileSync(segment, bytes);
    const config = resolveVenueConfig({}, { fixPort: 0, dataDir });
    const failure = await Venue.open({ config }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JournalCorruptError);
    expect(failure).toMatchObject({ file: segment });
    // The lock was let go: the directory can be opened again once repaired (here: started afresh).
    const fresh = await open(dataDir, {}, true);
    expect(fresh.venue.startup).toMatchObject({ lastSeq: 0, movedAside: expect.stringMatching(/data-\d+\.old-\d{8}-\d{6}$/) });
    expect(existsSync(fresh.venue.startup!.movedAside!)).toBe(true);
  });

  it('refuses a journal that ends before the newest snapshot', async () => {
    const dataDir = newDataDir();
    const { venue, port } = await open(dataDir);
    const a = await logon(port, 'SHORT-A');
    for (let i = 0; i < 5; i++) order(a, `s${i}`, 'AAPL', '2', '1', '120.00', [[59, '1']]);
    await a.take(5);
    await logout(a);
    await stop(venue);
    const layout = dataLayout(dataDir);
    const records: JournalRecord[] = [];
    readJournal(layout.journal, { onRecord: (r) => void records.push(r) });
    rmSync(layout.journal, { recursive: true });
    const journal = JournalWriter.open({ dir: layout.journal });
    for (const r of records.slice(0, 3)) journal.append(r.seq, r.time, r.type, r.payload);
    await journal.close();
    const config = resolveVenueConfig({}, { fixPort: 0, dataDir });
    await expect(Venue.open({ config })).rejects.toThrow(/ends at seq 3, before the snapshot at seq \d+: it has lost records/);
  });

  it('will not share its data directory with a live process', async () => {
    const dataDir = newDataDir();
    const { venue } = await open(dataDir);
    await stop(venue);
    writeFileSync(dataLayout(dataDir).lock, `${process.ppid}\n`);
    const config = resolveVenueConfig({}, { fixPort: 0, dataDir });
    await expect(Venue.open({ config })).rejects.toThrow(DataDirInUse);
    await expect(Venue.open({ config, fresh: true })).rejects.toThrow(/in use by process/);
  });
});

describe('FIX sessions across a restart', () => {
  it('store what happened to a session while it was away, and resend it when it logs on with its next sequence number', async () => {
    const dataDir = newDataDir();
    const first = await open(dataDir);
    const storeA = new MemoryMessageStore();
    let a = await logon(first.port, 'AWAY-A', { store: storeA, reset: false });
    order(a, 'rest', 'AMZN', '2', '10', '150.00', [[59, '1']]);
    await a.take(1);
    await logout(a);
    await stop(first.venue);

    // A's session has not logged on to this run when B fills its order.
    const second = await open(dataDir);
    const b = await logon(second.port, 'AWAY-B');
    order(b, 'take', 'AMZN', '1', '10', '150.00');
    await b.take(2);

    const incoming: FixMessage[] = [];
    a = await logon(second.port, 'AWAY-A', { store: storeA, reset: false, incoming });
    const [fill] = await a.take(1);
    expect([fill.get(11), fill.get(150), fill.get(39), fill.get(32), fill.get(43)]).toEqual(['rest', 'F', '2', '10', 'Y']);
    const types = incoming.map((m) => m.msgType);
    expect(types[0]).toBe('A');
    expect(incoming[0].get(141)).toBeUndefined();
    // The gap was asked for by A and filled by the venue's store.
    expect(types).toContain('8');
    expect(a.session.isLoggedOn()).toBe(true);
  });
});
