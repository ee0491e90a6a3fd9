// File-system steps every durable store needs (journal, snapshots, FIX session logs), kept in
// one place so they cannot drift apart.
import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';

/** Makes a rename or a new entry in `dir` durable. Windows cannot open a directory; NTFS journals it. */
export function syncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The names in `dir`, or none when it does not exist yet (a store that has never written). */
export function listDirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
