// The single writer. Every command that can change the venue's state passes here, one at a time:
// it gets the next sequence number, a time from the venue clock (never earlier than the previous
// command's, so a wall clock stepping back cannot reorder queue priority) and, for a new order, the
// next engine order id. Then it is written to the journal, and only then applied, synchronously:
// the engine's events and the reports they make exist before `submit` returns, but nobody sees
// them until the journal says the command is on disk (outbox.ts).
//
// Recovery feeds the journal's records to the same apply function and then hands the counters on
// (`resume`), so the numbering continues where the journal ends and ids are never handed out twice.
import type { Clock } from '../shared/clock.js';
import type { NewOrderVenueCommand, SequencedCommand, UnsequencedCommand, VenueCommand } from './venue-commands.js';

/** Where a stamped command goes before it is applied. Throws when it cannot take it. */
export interface CommandLog {
  write(sequenced: SequencedCommand): void;
}

/** Sequencer counters: what a snapshot stores and recovery restores. */
export interface SequencerState {
  /** Sequence number of the last command (0 before the first). */
  readonly lastSeq: number;
  /** Time of the last command (0 before the first). */
  readonly lastTime: number;
  readonly nextOrderId: number;
}

export const INITIAL_SEQUENCER_STATE: SequencerState = { lastSeq: 0, lastTime: 0, nextOrderId: 1 };

export interface SequencerOptions<Context, Result> {
  /** Epoch milliseconds; the venue clock. */
  readonly clock: Clock;
  readonly state?: SequencerState;
  /** The write-ahead journal; absent, commands live in memory only. */
  readonly log?: CommandLog;
  /** Applies a command (live, with the context of the request it came from). Must not throw. */
  readonly apply: (sequenced: SequencedCommand, context: Context | undefined) => Result;
}

export class Sequencer<Context = unknown, Result = unknown> {
  private lastSeqNo: number;
  private lastTimeMs: number;
  private nextOrderId: number;
  private applying: SequencedCommand | undefined;
  private readonly clock: Clock;
  private readonly log: CommandLog | undefined;
  private readonly applyFn: (sequenced: SequencedCommand, context: Context | undefined) => Result;

  constructor(options: SequencerOptions<Context, Result>) {
    this.clock = options.clock;
    const state = options.state ?? INITIAL_SEQUENCER_STATE;
    this.lastSeqNo = state.lastSeq;
    this.lastTimeMs = state.lastTime;
    this.nextOrderId = state.nextOrderId;
    this.log = options.log;
    this.applyFn = options.apply;
  }

  get lastSeq(): number {
    return this.lastSeqNo;
  }

  get state(): SequencerState {
    return { lastSeq: this.lastSeqNo, lastTime: this.lastTimeMs, nextOrderId: this.nextOrderId };
  }

  /** The command whose effects are being applied right now, if any. */
  get current(): SequencedCommand | undefined {
    return this.applying;
  }

  /** Stamps, journals and applies one command; returns it as applied, with what apply returned. */
  submit(command: UnsequencedCommand, context?: Context): { sequenced: SequencedCommand; result: Result } {
    // Apply runs synchronously and reports go to an outbox; a handler that submitted from inside it
    // would interleave two commands and break the one-at-a-time order the journal relies on.
    if (this.applying !== undefined) throw new Error(`command submitted while command ${this.applying.seq} is being applied`);
    const time = Math.max(this.lastTimeMs, this.clock.now());
    const full: VenueCommand = command.kind === 'new' ? ({ ...command, orderId: this.nextOrderId } as NewOrderVenueCommand) : command;
    const sequenced: SequencedCommand = { seq: this.lastSeqNo + 1, time, command: full };
    // Numbers are taken only once the journal has the command, so a failed write leaves no gap.
    this.log?.write(sequenced);
    this.advance(sequenced);
    this.applying = sequenced;
    try {
      return { sequenced, result: this.applyFn(sequenced, context) };
    } finally {
      this.applying = undefined;
    }
  }

  /** Moves the counters past a command applied from the journal (recovery). */
  advance(sequenced: SequencedCommand): void {
    this.lastSeqNo = sequenced.seq;
    this.lastTimeMs = Math.max(this.lastTimeMs, sequenced.time);
    if (sequenced.command.kind === 'new') this.nextOrderId = Math.max(this.nextOrderId, sequenced.command.orderId + 1);
  }
}
