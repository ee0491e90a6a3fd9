import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MatchingEngine, NullSink } from '../../src/engine/index.js';
import { ExecIdSource } from '../../src/venue/execution-reports.js';
import { DEFAULT_INSTRUMENTS } from '../../src/venue/instruments.js';
import { AccountDirectory, OrderRegistry } from '../../src/venue/order-registry.js';
import {
  dataLayout,
  encodeSnapshot,
  hasVenueData,
  listSnapshots,
  lockDataDir,
  moveAside,
  readSnapshot,
  removeTemporarySnapshots,
  snapshotName,
  type VenueSnapshot,
  writeSnapshot,
} from '../../src/venue/storage.js';
import { VenueCore } from '../../src/venue/venue-core.js';

const scratch = mkdtempSync(join(tmpdir(), 'crucible-storage-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function snapshotAt(seq: number): VenueSnapshot {
  const engine = new MatchingEngine({ sink: new NullSink(), instruments: DEFAULT_INSTRUMENTS });
  return {
    format: 'crucible-venue-snapshot',
    version: 1,
    seq,
    sequencer: { lastSeq: seq, lastTime: 1_700_000_000_000, nextOrderId: 5 },
    stateHash: engine.stateHash(),
    engine: engine.snapshot(),
    registry: new OrderRegistry().snapshot(),
    accounts: new AccountDirectory().snapshot(),
    writtenAt: '2024-01-02T00:00:00.000Z',
  };
}

describe('snapshot files', () => {
  it('are written atomically, read back exactly, and only the newest few are kept', async () => {
    const dir = join(scratch, 'snaps');
    const layout = dataLayout(join(scratch, 'd1'));
    lockDataDir(layout)();
    for (const seq of [5, 12, 40]) await writeSnapshot(layout.snapshots, seq, encodeSnapshot(snapshotAt(seq)), 2);
    expect(listSnapshots(layout.snapshots).map((s) => s.seq)).toEqual([40, 12]);
    expect(readdirSync(layout.snapshots).sort()).toEqual([snapshotName(12), snapshotName(40)]);
    expect(readSnapshot(join(layout.snapshots, snapshotName(40)))).toEqual(snapshotAt(40));
    writeFileSync(join(layout.snapshots, `${snapshotName(41)}.tmp`), 'half');
    removeTemporarySnapshots(layout.snapshots);
    expect(readdirSync(layout.snapshots)).toHaveLength(2);
    expect(listSnapshots(dir)).toEqual([]);
  });

  it('carry each listing’s details and halt, and older snapshots without them still restore', async () => {
    const layout = dataLayout(join(scratch, 'listings'));
    lockDataDir(layout)();
    const snapshot: VenueSnapshot = {
      ...snapshotAt(9),
      listings: [
        { symbol: 'AAPL', assetClass: 'equity', referencePrice: '190.00', halted: true },
        { symbol: 'BTCUSDT', assetClass: 'crypto', halted: false },
      ],
    };
    await writeSnapshot(layout.snapshots, 9, encodeSnapshot(snapshot), 2);
    const read = readSnapshot(join(layout.snapshots, snapshotName(9)));
    expect(read).toEqual(snapshot);
    const restore = (s: VenueSnapshot): VenueCore =>
      new VenueCore({ engine: s.engine, registry: s.registry, accounts: s.accounts, ...(s.listings !== undefined ? { listings: s.listings } : {}), recentOrders: 10, execIds: new ExecIdSource() });

    const core = restore(read);
    const listings = core.listings.states((symbol) => core.instrument(symbol));
    expect(listings.slice(0, 2)).toEqual([
      { instrument: { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' }, assetClass: 'equity', referencePrice: '190.00', halted: true },
      { instrument: { symbol: 'BTCUSDT', tickSize: '0.01', lotSize: '0.00001' }, assetClass: 'crypto', halted: false },
    ]);
    // Instruments the snapshot's listings do not name are listed all the same.
    expect(listings.map((l) => l.instrument.symbol).sort()).toEqual(DEFAULT_INSTRUMENTS.map((i) => i.symbol).sort());

    const old = restore(snapshotAt(5));
    expect(old.listings.snapshot()).toEqual(
      [...DEFAULT_INSTRUMENTS].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)).map((i) => ({ symbol: i.symbol, assetClass: 'other', halted: false })),
    );
  });

  it('are refused when damaged, truncated, or not what their name says', () => {
    const dir = join(scratch, 'bad');
    const layout = dataLayout(dir);
    lockDataDir(layout)();
    const path = join(layout.snapshots, snapshotName(7));
    const bytes = encodeSnapshot(snapshotAt(7));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 1;
    writeFileSync(path, flipped);
    expect(() => readSnapshot(path)).toThrow('checksum mismatch');
    writeFileSync(path, bytes.subarray(0, bytes.length - 1));
    expect(() => readSnapshot(path)).toThrow(/body is \d+ bytes, the header says/);
    writeFileSync(path, 'hello\n{}');
    expect(() => readSnapshot(path)).toThrow('bad header');
    writeFileSync(join(layout.snapshots, snapshotName(8)), bytes);
    expect(() => readSnapshot(join(layout.snapshots, snapshotName(8)))).toThrow(/holds seq 7/);
  });
});

describe('the data directory', () => {
  it('is created with its parts on first use, locked, and moved aside for a fresh start', () => {
    const layout = dataLayout(join(scratch, 'fresh', 'data'));
    expect(moveAside(layout, Date.UTC(2024, 0, 2, 3, 4, 5))).toBeUndefined();
    const unlock = lockDataDir(layout);
    expect(readFileSync(layout.lock, 'utf8').trim()).toBe(String(process.pid));
    expect(hasVenueData(layout)).toBe(false);
    writeFileSync(join(layout.journal, 'journal-00000000000000000001.log'), 'x');
    expect(hasVenueData(layout)).toBe(true);
    unlock();
    expect(existsSync(layout.lock)).toBe(false);
    expect(moveAside(layout, Date.UTC(2024, 0, 2, 3, 4, 5))).toBe(`${layout.root}.old-20240102-030405`);
    expect(existsSync(layout.root)).toBe(false);
    lockDataDir(layout)();
    writeFileSync(join(layout.journal, 'journal-00000000000000000001.log'), 'x');
    expect(moveAside(layout, Date.UTC(2024, 0, 2, 3, 4, 5))).toBe(`${layout.root}.old-20240102-030405-2`);
  });

  it('takes over the lock of a process that is gone', () => {
    const layout = dataLayout(join(scratch, 'stale'));
    lockDataDir(layout)();
    // Well above any pid the system hands out.
    writeFileSync(layout.lock, '4000000\n');
    const unlock = lockDataDir(layout);
    expect(readFileSync(layout.lock, 'utf8').trim()).toBe(String(process.pid));
    unlock();
  });
});
