// The venue's data directory and its snapshot files.
//
//   <dataDir>/LOCK        the pid of the venue using the directory: two writers would interleave
//                         two histories in one journal
//   <dataDir>/journal/    the write-ahead journal (journal.ts)
//   <dataDir>/snapshots/  snapshot-<seq>.snap, the newest few
//   <dataDir>/fix/        FIX session state: sequence numbers and sent messages (file-message-store.ts)
//
// A snapshot is the venue's whole state after one command: the engine's snapshot, the order
// registry, the account directory, the listings' details and halts and the sequencer's counters, as JSON behind a one-line header
// with the body's length and CRC-32. It is written under a temporary name, fsynced, renamed into
// place and the directory fsynced, so a crash leaves either the old set of snapshots or the new one,
// never half a file under a snapshot's name. The engine's state hash goes in too, and recovery checks
// the restored engine against it before trusting the rest.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EngineSnapshot } from '../engine/index.js';
import type { ListingsSnapshot } from './listings.js';
import type { AccountsSnapshot, RegistrySnapshot } from './order-registry.js';
import type { SequencerState } from './sequencer.js';
import { listDirOrEmpty, syncDir } from '../shared/durable-files.js';

export interface DataLayout {
  readonly root: string;
  readonly journal: string;
  readonly snapshots: string;
  readonly fix: string;
  readonly lock: string;
}

export function dataLayout(dataDir: string): DataLayout {
  const root = resolve(dataDir);
  return { root, journal: join(root, 'journal'), snapshots: join(root, 'snapshots'), fix: join(root, 'fix'), lock: join(root, 'LOCK') };
}

/** True when the directory holds anything of a venue's (a journal, snapshots or FIX state). */
export function hasVenueData(layout: DataLayout): boolean {
  return [layout.journal, layout.snapshots, layout.fix].some((d) => existsSync(d) && readdirSync(d).length > 0);
}

export class DataDirInUse extends Error {}

/**
 * Takes the directory for this process, creating it when it is new. A LOCK left by a process that
 * is gone (killed) is taken over; one held by a live process is refused.
 */
export function lockDataDir(layout: DataLayout): () => void {
  for (const d of [layout.root, layout.journal, layout.snapshots, layout.fix]) mkdirSync(d, { recursive: true });
  const holder = lockHolder(layout);
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
    throw new DataDirInUse(`data directory ${layout.root} is in use by process ${holder} (remove ${layout.lock} if that is not a venue)`);
  }
  writeFileSync(layout.lock, `${process.pid}\n`);
  return () => {
    if (lockHolder(layout) === process.pid) rmSync(layout.lock, { force: true });
  };
}

function lockHolder(layout: DataLayout): number | undefined {
  try {
    const pid = Number(readFileSync(layout.lock, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `--fresh`: the old directory is moved aside (never deleted: it may be the only record of a day),
 * to `<dataDir>.old-<UTC time>`. Returns where it went, or undefined when there was nothing to move.
 */
export function moveAside(layout: DataLayout, now: number): string | undefined {
  if (!existsSync(layout.root)) return undefined;
  const holder = lockHolder(layout);
  if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
    throw new DataDirInUse(`data directory ${layout.root} is in use by process ${holder}; stop that venue before starting fresh`);
  }
  if (readdirSync(layout.root).length === 0) return undefined;
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
  let target = `${layout.root}.old-${stamp}`;
  for (let n = 2; existsSync(target); n++) target = `${layout.root}.old-${stamp}-${n}`;
  renameSync(layout.root, target);
  return target;
}

// ---------------------------------------------------------------------------------------------
// Snapshots

export interface VenueSnapshot {
  readonly format: 'crucible-venue-snapshot';
  readonly version: 1;
  /** The last command the state includes. */
  readonly seq: number;
  readonly sequencer: SequencerState;
  readonly stateHash: string;
  readonly engine: EngineSnapshot;
  readonly registry: RegistrySnapshot;
  readonly accounts: AccountsSnapshot;
  /** Asset class, reference price and halt of each listing; absent in snapshots from before run-time listings. */
  readonly listings?: ListingsSnapshot;
  /** Wall-clock time of writing, for people. */
  readonly writtenAt: string;
}

const HEADER = 'crucible-venue-snapshot';
const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;

export const snapshotName = (seq: number): string => `snapshot-${String(seq).padStart(20, '0')}.snap`;

export interface SnapshotFile {
  readonly path: string;
  readonly seq: number;
}

/** Snapshot files, newest first. */
export function listSnapshots(dir: string): SnapshotFile[] {
  const out: SnapshotFile[] = [];
  for (const name of listDirOrEmpty(dir)) {
    const m = SNAPSHOT_NAME.exec(name);
    if (m !== null) out.push({ path: join(dir, name), seq: Number(m[1]) });
  }
  return out.sort((a, b) => b.seq - a.seq);
}

export function encodeSnapshot(snapshot: VenueSnapshot): Buffer {
  const body = Buffer.from(JSON.stringify(snapshot), 'utf8');
  const header = Buffer.from(`${HEADER} 1 ${crc32(body).toString(16).padStart(8, '0')} ${body.length}\n`, 'latin1');
  return Buffer.concat([header, body]);
}

/** Reads and checks a snapshot file's frame and shape; throws saying what is wrong. */
export function readSnapshot(path: string): VenueSnapshot {
  const bytes = readFileSync(path);
  const nl = bytes.indexOf(0x0a);
  const header = nl < 0 ? '' : bytes.subarray(0, nl).toString('latin1');
  const m = /^crucible-venue-snapshot 1 ([0-9a-f]{8}) (\d+)$/.exec(header);
  if (m === null) throw new Error('not a venue snapshot (bad header)');
  const body = bytes.subarray(nl + 1);
  if (body.length !== Number(m[2])) throw new Error(`body is ${body.length} bytes, the header says ${m[2]}`);
  if (crc32(body) !== parseInt(m[1], 16)) throw new Error('checksum mismatch');
  const snapshot = JSON.parse(body.toString('utf8')) as VenueSnapshot;
  if (snapshot?.format !== HEADER || snapshot.version !== 1) throw new Error('unknown snapshot format or version');
  if (!Number.isSafeInteger(snapshot.seq) || snapshot.sequencer?.lastSeq !== snapshot.seq) throw new Error('snapshot sequence numbers do not agree');
  if (basename(path) !== snapshotName(snapshot.seq)) throw new Error(`holds seq ${snapshot.seq}, which its name does not say`);
  return snapshot;
}

/** Writes an encoded snapshot atomically (tmp, fsync, rename, fsync dir), then keeps only the newest `keep`. */
export async function writeSnapshot(dir: string, seq: number, bytes: Buffer, keep: number): Promise<string> {
  const path = join(dir, snapshotName(seq));
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  syncDir(dirname(path));
  for (const old of listSnapshots(dir).slice(keep)) await rm(old.path, { force: true });
  return path;
}

/** Leftovers of a snapshot write a crash interrupted. */
export function removeTemporarySnapshots(dir: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.endsWith('.snap.tmp')) rmSync(join(dir, name), { force: true });
}

