// Rebuilding the venue's state from its data directory: the newest snapshot that checks out, then
// every journal record after it, through the same apply path the commands took live. The venue runs
// this on startup and `crucible replay-journal` runs it on a copy of a day, so both arrive at the
// same books and the same state hash.
import { readJournal, type TruncatedTail } from './journal.js';
import { ExecIdSource } from './execution-reports.js';
import { INITIAL_SEQUENCER_STATE, Sequencer, type SequencerState } from './sequencer.js';
import { listSnapshots, readSnapshot, type VenueSnapshot } from './storage.js';
import { decodeVenueCommand, type SequencedCommand } from './venue-commands.js';
import { VenueCore } from './venue-core.js';

export interface RecoverOptions {
  readonly journalDir: string;
  /** Where snapshots are; undefined replays the journal from its first record. */
  readonly snapshotDir?: string;
  /** Cut a torn tail off the journal (the venue does; a read-only replay does not). */
  readonly truncate: boolean;
  readonly recentOrders: number;
  readonly log?: (line: string) => void;
}

export interface Recovered {
  readonly core: VenueCore;
  readonly sequencer: SequencerState;
  /** Sequence number of the snapshot restored; 0 when none was. */
  readonly snapshotSeq: number;
  /** Journal records applied after the snapshot. */
  readonly replayed: number;
  readonly stateHash: string;
  /** What a torn tail looked like when one was found (and, when truncating, cut off). */
  readonly truncatedTail?: string;
  /** Trades made by the replayed records. */
  readonly tradesReplayed: number;
}

export class RecoveryError extends Error {}

export function recover(options: RecoverOptions): Recovered {
  const log = options.log ?? (() => {});
  const execIds = new ExecIdSource();
  let core: VenueCore | undefined;
  let state: SequencerState = INITIAL_SEQUENCER_STATE;
  let snapshotSeq = 0;
  if (options.snapshotDir !== undefined) {
    for (const file of listSnapshots(options.snapshotDir)) {
      try {
        const snapshot = readSnapshot(file.path);
        core = restoreCore(snapshot, options, execIds, log);
        state = snapshot.sequencer;
        snapshotSeq = snapshot.seq;
        break;
      } catch (e) {
        log(`snapshot ${file.path} cannot be used (${e instanceof Error ? e.message : String(e)}); trying an older one`);
      }
    }
  }
  core ??= new VenueCore({ recentOrders: options.recentOrders, execIds, log });
  const replayer = new Sequencer({ clock: { now: () => 0 }, state, apply: (s: SequencedCommand) => core.apply(s) });
  let replayed = 0;
  let expected = snapshotSeq + 1;
  const tradesBefore = core.engine.snapshot().nextTradeId;
  const result = readJournal(options.journalDir, {
    afterSeq: snapshotSeq,
    truncate: options.truncate,
    onRecord: (record) => {
      if (record.seq <= snapshotSeq) return;
      if (record.seq !== expected) {
        throw new RecoveryError(
          expected === snapshotSeq + 1 && snapshotSeq > 0
            ? `the journal in ${options.journalDir} does not continue the snapshot at seq ${snapshotSeq}: its next record is seq ${record.seq}`
            : `the journal in ${options.journalDir} skips from seq ${expected - 1} to ${record.seq}`,
        );
      }
      let command;
      try {
        command = decodeVenueCommand(record.type, record.payload);
      } catch (e) {
        throw new RecoveryError(`journal record seq ${record.seq} in ${options.journalDir} cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      }
      const sequenced: SequencedCommand = { seq: record.seq, time: record.time, command };
      replayer.advance(sequenced);
      core.apply(sequenced);
      expected++;
      replayed++;
    },
  });
  if (snapshotSeq > 0 && result.lastSeq > 0 && result.lastSeq < snapshotSeq) {
    // Snapshots are written only once the journal holds their commands, so the journal lost records
    // it had made durable; it could not be continued without a gap.
    const text = `the journal in ${options.journalDir} ends at seq ${result.lastSeq}, before the snapshot at seq ${snapshotSeq}: it has lost records`;
    if (options.truncate) throw new RecoveryError(text);
    log(`${text}; the snapshot stands`);
  }
  const engine = core.engine.snapshot();
  return {
    core,
    sequencer: replayer.state,
    snapshotSeq,
    replayed,
    stateHash: core.engine.stateHash(),
    tradesReplayed: engine.nextTradeId - tradesBefore,
    ...(result.truncatedTail !== undefined ? { truncatedTail: describeTail(result.truncatedTail) } : {}),
  };
}

function restoreCore(snapshot: VenueSnapshot, options: RecoverOptions, execIds: ExecIdSource, log: (line: string) => void): VenueCore {
  const core = new VenueCore({
    engine: snapshot.engine,
    registry: snapshot.registry,
    accounts: snapshot.accounts,
    ...(snapshot.listings !== undefined ? { listings: snapshot.listings } : {}),
    recentOrders: options.recentOrders,
    execIds,
    log,
  });
  const hash = core.engine.stateHash();
  if (hash !== snapshot.stateHash) throw new Error(`restored state hash ${hash} is not the ${snapshot.stateHash} it was written with`);
  return core;
}

function describeTail(tail: TruncatedTail): string {
  return `${tail.file} at offset ${tail.offset}, ${tail.bytes} bytes: ${tail.reason}`;
}
