// `crucible replay-journal <dir>`: rebuilds the books from a venue's journal, through the same apply
// path the venue ran, and prints their state hash and a summary. It is the deterministic replay a
// user runs to reproduce a day, and the check that a restarted venue recovered what it should have:
// its startup state hash and this one agree. It only reads: a torn tail is reported, not cut off.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Side } from '../engine/index.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { JournalCorruptError } from '../venue/journal.js';
import { type Recovered, recover, RecoveryError } from '../venue/recovery.js';
import { dataLayout } from '../venue/storage.js';

export interface ReplayOptions {
  readonly fromScratch?: boolean;
  readonly json?: boolean;
}

export interface ReplaySummary {
  readonly dir: string;
  readonly fromSnapshotSeq: number;
  readonly records: number;
  readonly lastSeq: number;
  readonly stateHash: string;
  readonly trades: number;
  readonly tradesReplayed: number;
  readonly truncatedTail?: string;
  readonly symbols: ReadonlyArray<{
    readonly symbol: string;
    readonly resting: number;
    readonly bids: number;
    readonly asks: number;
    readonly stops: number;
    readonly bestBid?: string;
    readonly bestAsk?: string;
    readonly lastPrice?: string;
  }>;
}

/** Replays a data directory (or a bare journal directory) into a fresh venue core. */
export function replayJournal(dir: string, options: ReplayOptions = {}): ReplaySummary {
  const root = resolve(dir);
  const layout = dataLayout(root);
  // A data directory has journal/ and snapshots/ in it; a bare journal directory is its own journal.
  const isDataDir = existsSync(layout.journal);
  const journalDir = isDataDir ? layout.journal : root;
  if (!existsSync(journalDir)) throw new RecoveryError(`${root} does not exist`);
  const recovered: Recovered = recover({
    journalDir,
    ...(isDataDir && options.fromScratch !== true ? { snapshotDir: layout.snapshots } : {}),
    truncate: false,
    recentOrders: Number.MAX_SAFE_INTEGER,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const engine = recovered.core.engine.snapshot();
  return {
    dir: root,
    fromSnapshotSeq: recovered.snapshotSeq,
    records: recovered.replayed,
    lastSeq: recovered.sequencer.lastSeq,
    stateHash: recovered.stateHash,
    trades: engine.nextTradeId - 1,
    tradesReplayed: recovered.tradesReplayed,
    ...(recovered.truncatedTail !== undefined ? { truncatedTail: recovered.truncatedTail } : {}),
    symbols: engine.books.map((book) => {
      const instrument = engine.instruments.find((i) => i.symbol === book.symbol);
      const tick = instrument?.tickSize ?? '1';
      const price = (p: number): string | undefined => (p > 0 ? unitsToDecimal(p, tick) : undefined);
      const best = (side: Side): number => (side === Side.Buy ? (book.bids[0]?.price ?? 0) : (book.asks[0]?.price ?? 0));
      const bestBid = price(best(Side.Buy));
      const bestAsk = price(best(Side.Sell));
      const lastPrice = price(book.lastPrice);
      return {
        symbol: book.symbol,
        resting: book.bids.length + book.asks.length,
        bids: book.bids.length,
        asks: book.asks.length,
        stops: book.buyStops.length + book.sellStops.length,
        ...(bestBid !== undefined ? { bestBid } : {}),
        ...(bestAsk !== undefined ? { bestAsk } : {}),
        ...(lastPrice !== undefined ? { lastPrice } : {}),
      };
    }),
  };
}

export function formatSummary(s: ReplaySummary): string {
  const from = s.fromSnapshotSeq > 0 ? `from the snapshot at seq ${s.fromSnapshotSeq}` : 'from scratch';
  const lines = [
    `replayed ${s.records} journal records ${from} in ${s.dir}; last seq ${s.lastSeq}`,
    `state hash ${s.stateHash}`,
    `trades ${s.trades} (${s.tradesReplayed} in the replayed records)`,
    `symbols ${s.symbols.length}:`,
  ];
  const width = Math.max(6, ...s.symbols.map((x) => x.symbol.length));
  for (const x of s.symbols) {
    const quote = `bid ${x.bestBid ?? '-'} ask ${x.bestAsk ?? '-'} last ${x.lastPrice ?? '-'}`;
    lines.push(`  ${x.symbol.padEnd(width)}  resting ${x.resting} (${x.bids} bids, ${x.asks} asks), stops ${x.stops}, ${quote}`);
  }
  if (s.truncatedTail !== undefined) lines.push(`the journal ends in a torn record (${s.truncatedTail}); it was left as it is and not replayed`);
  return `${lines.join('\n')}\n`;
}

export function replayJournalCommand(dir: string, options: ReplayOptions): void {
  let summary: ReplaySummary;
  try {
    summary = replayJournal(dir, options);
  } catch (e) {
    if (e instanceof JournalCorruptError) {
      process.stderr.write(`crucible replay-journal: the journal is damaged: ${e.file} at offset ${e.offset} (${e.reason})\n`);
    } else {
      process.stderr.write(`crucible replay-journal: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.exit(1);
  }
  process.stdout.write(options.json === true ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
}
