// The file-backed message store on real files in a temporary directory: state that survives a new
// factory, torn tails, resets, resend ranges, a child process killed with SIGKILL mid-stream, and a
// FIX client that reconnects to a restarted acceptor without a reset. Every wait has a deadline.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FixAcceptor } from '../../src/fix/acceptor.js';
import { parseMessage } from '../../src/fix/codec.js';
import { encodeMessage, formatUtcTimestamp } from '../../src/fix/encoder.js';
import {
  FileMessageStore,
  FileMessageStoreFactory,
  type FileMessageStoreOptions,
  type FsyncMode,
  sessionFileName,
} from '../../src/fix/file-message-store.js';
import type { FixMessage } from '../../src/fix/fix-message.js';
import { FixInitiator } from '../../src/fix/initiator.js';
import { MemoryMessageStore } from '../../src/fix/message-store.js';
import { ReflectorApplication } from '../../src/fix/reflector.js';
import { BaseApplication, OutgoingMessage, type SessionLog } from '../../src/fix/session.js';
import { projectRoot } from '../support/venue-process.js';

const KEY = 'FIX.4.4:VENUE->CLIENT';

/** A real FIX message for sequence number `seq`, with a body whose size varies. */
function fixMessage(seq: number, pad = seq % 37): Buffer {
  return encodeMessage(
    'FIX.4.4',
    '8',
    [
      [34, seq],
      [49, 'VENUE'],
      [52, '20240102-03:04:05.678'],
      [56, 'CLIENT'],
    ],
    [
      [11, `O${seq}`],
      [58, 'x'.repeat(pad)],
    ],
  );
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crucible-fix-store-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function factory(dir: string, options: Partial<FileMessageStoreOptions> = {}): FileMessageStoreFactory {
  const f = new FileMessageStoreFactory({ dir, ...options });
  cleanup.push(() => f.close().catch(() => {}));
  return f;
}

/** Stores messages 1..n as a session would: store, then move the next sender number on. */
function send(store: FileMessageStore, from: number, to: number): void {
  for (let seq = from; seq <= to; seq++) {
    store.set(seq, fixMessage(seq));
    store.incrNextSenderMsgSeqNum();
  }
}

function seqs(store: FileMessageStore, begin = 1, end = 1_000_000_000): number[] {
  return store.get(begin, end).map((m) => m.seqNum);
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FileMessageStore', () => {
  it('starts at 1 and 1, and creates no file until something changes', async () => {
    const dir = tempDir();
    const f = factory(dir, { now: () => 1_700_000_000_000 });
    const store = f.create(KEY);
    expect(store.getNextSenderMsgSeqNum()).toBe(1);
    expect(store.getNextTargetMsgSeqNum()).toBe(1);
    expect(store.getCreationTime()).toBe(1_700_000_000_000);
    expect(store.get(1, 100)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    store.incrNextTargetMsgSeqNum();
    await f.flush();
    expect(readdirSync(dir)).toEqual([sessionFileName(KEY)]);
    expect(f.pathOf(KEY)).toBe(join(dir, sessionFileName(KEY)));
  });

  it('creates missing directories on the first write, and refuses an unknown fsync mode', async () => {
    const dir = join(tempDir(), 'data', 'fix');
    const f = factory(dir);
    send(f.create(KEY), 1, 1);
    await f.close();
    expect(readdirSync(dir)).toEqual([sessionFileName(KEY)]);
    expect(() => new FileMessageStoreFactory({ dir, fsync: 'sometimes' as FsyncMode })).toThrow(/fsync must be one of batch, always, off/);
  });

  it('gives a new factory the same sequence numbers, messages and creation time', async () => {
    const dir = tempDir();
    const f1 = factory(dir, { now: () => 1_700_000_000_123 });
    const s1 = f1.create(KEY);
    send(s1, 1, 100);
    for (let i = 0; i < 57; i++) s1.incrNextTargetMsgSeqNum();
    await f1.close();

    const f2 = factory(dir, { now: () => 1_800_000_000_000 });
    const s2 = f2.create(KEY);
    expect(s2.getNextSenderMsgSeqNum()).toBe(101);
    expect(s2.getNextTargetMsgSeqNum()).toBe(58);
    expect(s2.getCreationTime()).toBe(1_700_000_000_123);
    const all = s2.get(1, 100);
    expect(all.map((m) => m.seqNum)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const m of all) expect(m.raw.equals(fixMessage(m.seqNum))).toBe(true);
    expect(s2.size).toBe(100);
  });

  it('answers ranges in ascending order, leaves gaps out, and keeps the latest copy of a number', async () => {
    const dir = tempDir();
    const f1 = factory(dir);
    const s1 = f1.create(KEY);
    for (const seq of [1, 2, 3, 5, 6, 8, 9, 10]) s1.set(seq, fixMessage(seq));
    s1.set(5, fixMessage(5, 200));
    // Far outside the run (after a manual sequence reset), and below where it started.
    s1.set(5_000_000, fixMessage(5_000_000));
    const check = (s: FileMessageStore): void => {
      expect(seqs(s, 3, 8)).toEqual([3, 5, 6, 8]);
      expect(seqs(s, 4, 4)).toEqual([]);
      expect(seqs(s, 8, 3)).toEqual([]);
      expect(seqs(s, 9, 20)).toEqual([9, 10]);
      expect(seqs(s, 11, 4_999_999)).toEqual([]);
      expect(seqs(s)).toEqual([1, 2, 3, 5, 6, 8, 9, 10, 5_000_000]);
      expect(s.get(5, 5)[0].raw.equals(fixMessage(5, 200))).toBe(true);
      expect(s.size).toBe(9);
    };
    // Answered before the queued records were written, and again from a fresh load.
    check(s1);
    await f1.close();
    const s2 = factory(dir).create(KEY);
    check(s2);
    s2.set(4, fixMessage(4));
    s2.set(1, fixMessage(1, 5));
    expect(seqs(s2, 1, 10)).toEqual([1, 2, 3, 4, 5, 6, 8, 9, 10]);
    expect(s2.get(1, 1)[0].raw.equals(fixMessage(1, 5))).toBe(true);
  });

  it('reads back a message larger than its read chunk, among small ones', async () => {
    const dir = tempDir();
    const f1 = factory(dir);
    const s1 = f1.create(KEY);
    const big = fixMessage(2, 3 * 1024 * 1024);
    s1.set(1, fixMessage(1));
    s1.set(2, big);
    s1.set(3, fixMessage(3));
    await f1.close();
    const s2 = factory(dir).create(KEY);
    const got = s2.get(1, 3);
    expect(got.map((m) => m.seqNum)).toEqual([1, 2, 3]);
    expect(got[1].raw.equals(big)).toBe(true);
    expect(got[2].raw.equals(fixMessage(3))).toBe(true);
  });

  it('writes once per event-loop turn in batch and off modes, and before returning in always mode', async () => {
    for (const fsync of ['batch', 'off', 'always'] as const) {
      const dir = tempDir();
      const f = factory(dir, { fsync });
      const store = f.create(KEY);
      store.incrNextTargetMsgSeqNum();
      await f.flush();
      const path = f.pathOf(KEY);
      const before = statSync(path).size;
      send(store, 1, 500);
      const sameTurn = statSync(path).size;
      await nextTurn();
      const nextTurnSize = statSync(path).size;
      if (fsync === 'always') {
        expect(sameTurn, fsync).toBeGreaterThan(before);
      } else {
        expect(sameTurn, fsync).toBe(before);
        expect(nextTurnSize, fsync).toBeGreaterThan(before);
      }
      await f.flush();
      expect(statSync(path).size).toBe(nextTurnSize);
    }
  });

  it('writeNow writes the queued records before it returns', async () => {
    const dir = tempDir();
    const f = factory(dir);
    const store = f.create(KEY);
    store.incrNextTargetMsgSeqNum();
    f.writeNow();
    const before = statSync(store.path).size;
    send(store, 1, 3);
    expect(statSync(store.path).size).toBe(before);
    f.writeNow();
    const after = statSync(store.path).size;
    expect(after).toBeGreaterThan(before);
    await nextTurn();
    await f.flush();
    expect(statSync(store.path).size).toBe(after);
  });

  it('appends one sequence-number record per batch, not one per change', async () => {
    const dir = tempDir();
    const f = factory(dir);
    const store = f.create(KEY);
    store.incrNextTargetMsgSeqNum();
    await f.flush();
    const before = statSync(f.pathOf(KEY)).size;
    for (let i = 0; i < 1000; i++) store.incrNextTargetMsgSeqNum();
    await f.flush();
    // 20 bytes of record header, 16 of payload.
    expect(statSync(f.pathOf(KEY)).size - before).toBe(36);
  });

  it('keeps an explicitly lowered sender number', async () => {
    const dir = tempDir();
    const f1 = factory(dir);
    const s1 = f1.create(KEY);
    send(s1, 1, 10);
    s1.setNextSenderMsgSeqNum(5);
    s1.setNextTargetMsgSeqNum(42);
    await f1.close();
    const s2 = factory(dir).create(KEY);
    expect(s2.getNextSenderMsgSeqNum()).toBe(5);
    expect(s2.getNextTargetMsgSeqNum()).toBe(42);
  });

  describe('a torn tail', () => {
    /** Messages 1..19 with their sequence numbers, then message 20 alone (its numbers never written). */
    async function damagedStore(damage: (path: string, endOf19: number, endOf20: number) => void): Promise<{
      dir: string;
      endOf19: number;
      endOf20: number;
      events: string[];
      store: FileMessageStore;
    }> {
      const dir = tempDir();
      const f1 = factory(dir);
      const s1 = f1.create(KEY);
      send(s1, 1, 19);
      s1.setNextTargetMsgSeqNum(7);
      await f1.flush();
      const path = f1.pathOf(KEY);
      const endOf19 = statSync(path).size;
      s1.set(20, fixMessage(20));
      await f1.close();
      const endOf20 = statSync(path).size;
      damage(path, endOf19, endOf20);
      const events: string[] = [];
      const store = factory(dir, { onEvent: (e) => events.push(e) }).create(KEY);
      return { dir, endOf19, endOf20, events, store };
    }

    it.each([
      ['cut inside the last payload', (p: string, _a: number, b: number) => truncateSync(p, b - 5)],
      ['cut inside the last record header', (p: string, a: number) => truncateSync(p, a + 7)],
      ['last record failing its checksum', (p: string, _a: number, b: number) => flipByte(p, b - 3)],
    ])('%s: the record is dropped and the file cut back', async (_name, damage) => {
      const { endOf19, events, store } = await damagedStore(damage);
      expect(seqs(store)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
      expect(store.getNextSenderMsgSeqNum()).toBe(20);
      expect(store.getNextTargetMsgSeqNum()).toBe(7);
      expect(statSync(store.path).size).toBe(endOf19);
      expect(events.join('\n')).toMatch(/cut \d+ bytes of incomplete records/);
    });

    it.each([
      ['garbage', Buffer.from('8=FIX.4.4\x019=12\x0135=0\x01garbage that is no record')],
      ['zeros', Buffer.alloc(4096)],
      ['a record header promising more than the file holds', Buffer.from([1, 2, 3, 4, 0xff, 0xff, 0, 0, 2, 0, 0, 0])],
    ])('%s after the last record: cut off, and the last message still counts', async (_name, tail) => {
      const { endOf20, events, store } = await damagedStore((p) => appendFileSync(p, tail));
      expect(seqs(store)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // Message 20 reached the disk but its sequence numbers did not: it may have been sent, so
      // its number is not used again.
      expect(store.getNextSenderMsgSeqNum()).toBe(21);
      expect(statSync(store.path).size).toBe(endOf20);
      expect(events).toHaveLength(1);
    });

    it('is forgotten once cut: later writes and a further reopen see a clean file', async () => {
      const { dir, store } = await damagedStore((p, _a, b) => truncateSync(p, b - 1));
      send(store, 20, 25);
      store.incrNextTargetMsgSeqNum();
      await store.close();
      const events: string[] = [];
      const again = factory(dir, { onEvent: (e) => events.push(e) }).create(KEY);
      expect(seqs(again)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(again.getNextSenderMsgSeqNum()).toBe(26);
      expect(again.getNextTargetMsgSeqNum()).toBe(8);
      expect(events).toEqual([]);
    });
  });

  it('reset starts a new file with a new creation time, also across a reopen', async () => {
    const dir = tempDir();
    let now = 1_700_000_000_000;
    const f1 = factory(dir, { now: () => now });
    const s1 = f1.create(KEY);
    send(s1, 1, 200);
    for (let i = 0; i < 30; i++) s1.incrNextTargetMsgSeqNum();
    await f1.flush();
    const sizeBefore = statSync(s1.path).size;

    now = 1_700_000_999_000;
    s1.reset();
    expect(s1.getNextSenderMsgSeqNum()).toBe(1);
    expect(s1.getNextTargetMsgSeqNum()).toBe(1);
    expect(s1.getCreationTime()).toBe(now);
    expect(s1.get(1, 1000)).toEqual([]);
    // The logon of the new epoch, in the same turn as the reset.
    s1.set(1, fixMessage(1, 3));
    s1.incrNextSenderMsgSeqNum();
    s1.incrNextTargetMsgSeqNum();
    expect(seqs(s1)).toEqual([1]);
    await f1.close();
    expect(statSync(s1.path).size).toBeLessThan(sizeBefore / 20);
    expect(readdirSync(dir)).toEqual([sessionFileName(KEY)]);

    const s2 = factory(dir, { now: () => 0 }).create(KEY);
    expect(s2.getNextSenderMsgSeqNum()).toBe(2);
    expect(s2.getNextTargetMsgSeqNum()).toBe(2);
    expect(s2.getCreationTime()).toBe(1_700_000_999_000);
    expect(s2.get(1, 1000).map((m) => m.raw.toString('latin1'))).toEqual([fixMessage(1, 3).toString('latin1')]);
  });

  it('a reset with nothing after it is kept', async () => {
    const dir = tempDir();
    const f1 = factory(dir, { fsync: 'always' });
    const s1 = f1.create(KEY);
    send(s1, 1, 5);
    s1.reset();
    await f1.close();
    const s2 = factory(dir).create(KEY);
    expect([s2.getNextSenderMsgSeqNum(), s2.getNextTargetMsgSeqNum(), s2.size]).toEqual([1, 1, 0]);
  });

  it('refresh re-reads what is on disk', async () => {
    const dir = tempDir();
    const store = factory(dir).create(KEY);
    send(store, 1, 3);
    store.refresh();
    expect(store.getNextSenderMsgSeqNum()).toBe(4);
    expect(seqs(store)).toEqual([1, 2, 3]);
    send(store, 4, 4);
    expect(seqs(store)).toEqual([1, 2, 3, 4]);
  });

  it('names files safely: one per session, inside the directory, distinct even where a filesystem folds case', async () => {
    const dir = tempDir();
    const keys = [
      'FIX.4.4:VENUE->client',
      'FIX.4.4:VENUE->CLIENT',
      'FIX.4.4:VENUE->../../etc/passwd',
      'FIX.4.4:VENUE->a/b',
      'FIX.4.4:VENUE->a_b',
      'FIX.4.2:VEN:UE->C*?<>|"\\',
    ];
    const names = keys.map(sessionFileName);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(keys.length);
    for (const n of names) expect(n).toMatch(/^FIX\.4\.[24]-[A-Za-z0-9._-]+-[0-9a-f]{12}\.store$/);
    expect(sessionFileName('FIX.4.4:VENUE->CLIENT')).toMatch(/^FIX\.4\.4-VENUE-CLIENT-[0-9a-f]{12}\.store$/);

    const f1 = factory(dir);
    keys.forEach((k, i) => send(f1.create(k), 1, i + 1));
    await f1.close();
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
    const f2 = factory(dir);
    keys.forEach((k, i) => expect(seqs(f2.create(k))).toEqual(Array.from({ length: i + 1 }, (_, j) => j + 1)));
  });

  it('one writer per file: the same store for the same key, and a second factory refused while it is open', async () => {
    const dir = tempDir();
    const f1 = factory(dir);
    const s1 = f1.create(KEY);
    expect(f1.create(KEY)).toBe(s1);
    const f2 = factory(dir);
    expect(() => f2.create(KEY)).toThrow(/already open/);
    await f1.close();
    expect(() => f1.create(KEY)).toThrow(/closed/);
    expect(() => s1.incrNextSenderMsgSeqNum()).toThrow(/closed/);
    expect(f2.create(KEY)).toBeInstanceOf(FileMessageStore);
  });

  it('release closes one store; creating it again loads it from disk', async () => {
    const dir = tempDir();
    const f = factory(dir);
    const s1 = f.create(KEY);
    send(s1, 1, 4);
    await f.release(KEY);
    expect(s1.isClosed).toBe(true);
    const s2 = f.create(KEY);
    expect(s2).not.toBe(s1);
    expect(s2.getNextSenderMsgSeqNum()).toBe(5);
  });

  it('refuses a file that belongs to another session, and sets aside a file without a header', async () => {
    const dir = tempDir();
    const f1 = factory(dir);
    send(f1.create(KEY), 1, 2);
    await f1.close();
    const other = 'FIX.4.4:VENUE->OTHER';
    copyFileSync(join(dir, sessionFileName(KEY)), join(dir, sessionFileName(other)));
    expect(() => factory(dir).create(other)).toThrow(/holds session FIX\.4\.4:VENUE->CLIENT/);

    const third = 'FIX.4.4:VENUE->THIRD';
    writeFileSync(join(dir, sessionFileName(third)), 'not a store at all');
    const events: string[] = [];
    const store = factory(dir, { onEvent: (e) => events.push(e) }).create(third);
    expect(store.getNextSenderMsgSeqNum()).toBe(1);
    expect(events.join('\n')).toMatch(/no valid header/);
    const aside = readdirSync(dir).filter((n) => n.startsWith(sessionFileName(third) + '.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe('not a store at all');
  });

  it('stops taking changes once a write fails, and says so', async () => {
    const dir = tempDir();
    const errors: string[] = [];
    const f = factory(dir, { onError: (e, key) => errors.push(`${key}: ${e.message}`) });
    const store = f.create(KEY);
    send(store, 1, 1);
    await f.flush();
    // Swap the store's descriptor for a read-only one on the same file: its next write fails (EBADF).
    const file = (store as unknown as { file: { fd: number } }).file;
    const original = file.fd;
    file.fd = openSync(store.path, 'r');
    closeSync(original);
    send(store, 2, 2);
    await nextTurn();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/FIX\.4\.4:VENUE->CLIENT: .*cannot write/);
    expect(() => store.incrNextTargetMsgSeqNum()).toThrow(/cannot write/);
    await expect(f.flush()).rejects.toThrow(/cannot write/);
    expect(() => f.writeNow()).toThrow(/cannot write/);
    expect(seqs(store)).toEqual([1]);
  });

  it('reloads 100k messages quickly, holding an index rather than the messages', async () => {
    const dir = tempDir();
    const f1 = factory(dir, { fsync: 'off' });
    const s1 = f1.create(KEY);
    const N = 100_000;
    for (let seq = 1; seq <= N; seq++) {
      s1.set(seq, fixMessage(seq));
      s1.incrNextSenderMsgSeqNum();
      s1.incrNextTargetMsgSeqNum();
      if (seq % 10_000 === 0) await nextTurn();
    }
    await f1.close();
    const started = performance.now();
    const s2 = factory(dir).create(KEY);
    const loadMs = performance.now() - started;
    expect(s2.getNextSenderMsgSeqNum()).toBe(N + 1);
    expect(s2.size).toBe(N);
    const some = s2.get(N - 99, N + 50);
    expect(some).toHaveLength(100);
    expect(some[99].raw.equals(fixMessage(N))).toBe(true);
    console.log(`reloaded ${N} messages (${(statSync(s2.path).size / 1e6).toFixed(1)} MB) in ${loadMs.toFixed(0)} ms`);
    expect(loadMs).toBeLessThan(5000);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------

describe('FileMessageStore killed with SIGKILL', () => {
  let buildDir = '';
  let moduleUrl = '';

  beforeAll(() => {
    // Only the store and what it imports are compiled (it needs nothing but node: modules), into a
    // directory of this test's own: fast, and unaffected by other parts of the project being edited.
    buildDir = mkdtempSync(join(tmpdir(), 'crucible-fix-store-build-'));
    const tsc = join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      process.execPath,
      [
        tsc,
        ...['--outDir', buildDir, '--rootDir', join(projectRoot, 'src'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
        ...['--target', 'ES2022', '--lib', 'ES2023', '--types', 'node', '--strict', '--skipLibCheck'],
        join(projectRoot, 'src', 'fix', 'file-message-store.ts'),
      ],
      { cwd: projectRoot, stdio: 'pipe' },
    );
    writeFileSync(join(buildDir, 'package.json'), '{"type":"module"}\n');
    moduleUrl = pathToFileURL(join(buildDir, 'fix', 'file-message-store.js')).href;
    // The child: store messages as a session would, and report a sequence number only once the
    // store says it is safe (after flush(), or on return in 'always' mode).
    writeFileSync(
      join(buildDir, 'child.mjs'),
      `const [moduleUrl, dir, mode] = process.argv.slice(2);
const { FileMessageStoreFactory } = await import(moduleUrl);
const factory = new FileMessageStoreFactory({ dir, fsync: mode });
const store = factory.create(${JSON.stringify(KEY)});
const body = (seq) => Buffer.from('8=FIX.4.4\\x0135=8\\x0134=' + seq + '\\x0158=' + 'x'.repeat(seq % 41) + '\\x01');
let seq = store.getNextSenderMsgSeqNum();
for (;;) {
  for (let i = 0; i < 7; i++, seq++) {
    store.set(seq, body(seq));
    store.incrNextSenderMsgSeqNum();
    store.incrNextTargetMsgSeqNum();
    if (mode === 'always') process.stdout.write(seq + '\\n');
  }
  if (mode === 'always') await new Promise((r) => setImmediate(r));
  else {
    await factory.flush();
    process.stdout.write(seq - 1 + '\\n');
  }
}
`,
    );
  }, 60_000);

  afterAll(() => {
    if (buildDir !== '') rmSync(buildDir, { recursive: true, force: true });
  });

  it.each(['batch', 'always', 'off'] as FsyncMode[])('%s: everything reported stored is there after the kill', async (mode) => {
    const dir = tempDir();
    const child = spawn(process.execPath, [join(buildDir, 'child.mjs'), moduleUrl, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = once(child, 'exit');
    const lastReported = (): number => {
      const lines = out.split('\n');
      lines.pop();
      return lines.length === 0 ? 0 : Number(lines[lines.length - 1]);
    };
    await waitFor(`the child to store (stderr: ${err})`, () => lastReported() >= 2000 || child.exitCode !== null, 15_000);
    child.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(signal, err).toBe('SIGKILL');
    const reported = lastReported();
    expect(reported).toBeGreaterThanOrEqual(2000);

    const store = factory(dir).create(KEY);
    const next = store.getNextSenderMsgSeqNum();
    expect(next).toBeGreaterThan(reported);
    expect(store.getNextTargetMsgSeqNum()).toBeGreaterThan(reported);
    const all = store.get(1, next + 100);
    expect(all.length).toBe(next - 1);
    all.forEach((m, i) => {
      expect(m.seqNum).toBe(i + 1);
      expect(m.raw.toString('latin1')).toBe(`8=FIX.4.4\x0135=8\x0134=${i + 1}\x0158=${'x'.repeat((i + 1) % 41)}\x01`);
    });
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

describe('FileMessageStore under a restarted acceptor', () => {
  it('lets a client reconnect without a reset and answers its ResendRequest from disk', async () => {
    const dir = tempDir();
    const venueSettings = { beginString: 'FIX.4.4', senderCompID: 'VENUE', targetCompID: 'CLIENT', validate: false } as const;
    const venueId = { beginString: 'FIX.4.4', senderCompID: 'VENUE', targetCompID: 'CLIENT' };
    const clientSettings = { beginString: 'FIX.4.4', senderCompID: 'CLIENT', targetCompID: 'VENUE', heartBtInt: 30, validate: false } as const;

    // The client keeps its sequence numbers across both connections, as a real one would on disk.
    const clientStore = new MemoryMessageStore();
    const incoming: FixMessage[] = [];
    const log: SessionLog = {
      onIncoming: (raw) => {
        const m = parseMessage(raw);
        if (m !== undefined) incoming.push(m);
      },
      onOutgoing() {},
      onEvent() {},
    };
    const echoes: FixMessage[] = [];
    class Client extends BaseApplication {
      override fromApp(m: FixMessage): void {
        echoes.push(m);
      }
    }
    const order = (id: string): OutgoingMessage =>
      new OutgoingMessage('D', [
        [11, id],
        [21, '1'],
        [55, 'BTC-USD'],
        [54, '1'],
        [60, formatUtcTimestamp(Date.now(), true)],
        [38, '1'],
        [40, '2'],
        [44, '100'],
      ]);
    const startVenue = async (): Promise<{ acceptor: FixAcceptor; storeFactory: FileMessageStoreFactory; port: number }> => {
      const storeFactory = factory(dir);
      const acceptor = new FixAcceptor({ sessions: [venueSettings], application: new ReflectorApplication(), storeFactory });
      cleanup.push(() => acceptor.close());
      return { acceptor, storeFactory, port: await acceptor.listen(0) };
    };
    const startClient = async (port: number): Promise<FixInitiator> => {
      const client = new FixInitiator({ settings: clientSettings, port, application: new Client(), store: clientStore, log, reconnectIntervalMs: 60_000 });
      cleanup.push(() => client.stop());
      client.start();
      await client.waitForLogon(5000);
      return client;
    };

    // First life: log on, three orders echoed back, the client logs out, the venue shuts down.
    const first = await startVenue();
    const client1 = await startClient(first.port);
    for (const id of ['O1', 'O2', 'O3']) client1.session.send(order(id));
    await waitFor('three echoes', () => echoes.length === 3);
    await client1.stop();
    const venueSession1 = first.acceptor.getSession(venueId)!;
    const venueNextSender = venueSession1.getExpectedSenderNum();
    const venueNextTarget = venueSession1.getExpectedTargetNum();
    await first.acceptor.close();
    await first.storeFactory.close();
    // Logon, three echoes, Logout: the venue's next number is 6, and the client agrees.
    expect(venueNextSender).toBe(6);
    expect(clientStore.getNextTargetMsgSeqNum()).toBe(venueNextSender);
    expect(clientStore.getNextSenderMsgSeqNum()).toBe(venueNextTarget);
    const firstEchoes = echoes.map((m) => ({ seq: m.msgSeqNum, clOrdID: m.get(11), sendingTime: m.get(52) }));
    expect(firstEchoes.map((e) => e.clOrdID)).toEqual(['O1', 'O2', 'O3']);

    // Second life: a new acceptor and store factory on the same directory.
    const second = await startVenue();
    expect(second.acceptor.getSession(venueId)!.getExpectedSenderNum()).toBe(venueNextSender);
    expect(second.acceptor.getSession(venueId)!.getExpectedTargetNum()).toBe(venueNextTarget);
    incoming.length = 0;
    const client2 = await startClient(second.port);
    const logon = incoming.find((m) => m.msgType === 'A')!;
    expect(logon.msgSeqNum).toBe(venueNextSender);
    expect(logon.get(141)).toBeUndefined();
    client2.session.send(order('O4'));
    await waitFor('the fourth echo', () => echoes.length === 4);
    expect(echoes[3].msgSeqNum).toBe(venueNextSender + 1);

    // The gap the client asks for was sent by the first acceptor; only the disk has it now.
    incoming.length = 0;
    client2.session.send(new OutgoingMessage('2', [
      [7, 1],
      [16, 0],
    ]));
    await waitFor('the resent orders', () => incoming.filter((m) => m.msgType === 'D').length === 4);
    const resent = incoming.filter((m) => m.msgType === 'D');
    expect(resent.map((m) => m.get(11))).toEqual(['O1', 'O2', 'O3', 'O4']);
    for (const m of resent) expect(m.get(43)).toBe('Y');
    resent.slice(0, 3).forEach((m, i) => {
      expect(m.msgSeqNum).toBe(firstEchoes[i].seq);
      expect(m.get(122)).toBe(firstEchoes[i].sendingTime);
    });
    // Admin messages in the range (both Logons, the Logout) come back as gap fills.
    const gapFills = incoming.filter((m) => m.msgType === '4');
    expect(gapFills.length).toBeGreaterThan(0);
    for (const g of gapFills) expect([g.get(123), g.get(43)]).toEqual(['Y', 'Y']);
    // Neither side saw a gap in the other's numbers.
    expect(incoming.some((m) => m.msgType === '2' || m.msgType === '5')).toBe(false);
    expect(client2.session.isLoggedOn()).toBe(true);
    expect(second.acceptor.getSession(venueId)!.isLoggedOn()).toBe(true);
  }, 30_000);
});

function flipByte(path: string, at: number): void {
  const data = readFileSync(path);
  data[at] ^= 0xff;
  writeFileSync(path, data);
}
