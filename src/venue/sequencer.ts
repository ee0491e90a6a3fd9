// The single writer. Every command that changes a book passes here, one at a time: it gets the
// next sequence number, a time from the venue clock (never earlier than the previous command's, so
// a wall clock stepping back cannot reorder queue priority), and, for a new order, the next engine
// order id. Then it is applied to the engine, synchronously, and the engine's events for it are
// out before `submit` returns.
//
// Stamping and applying are separate steps on purpose: a write-ahead journal goes in between
// (`beforeApply`), so that a command is on disk before anything observes its effects, and replaying
// the journal's stamped commands into a fresh engine rebuilds the same books.
import type { EngineCommand, NewOrderCommand } from '../engine/index.js';
import type { Clock } from '../shared/clock.js';

/** A command as a gateway builds it: the sequencer adds the time. */
export type Unstamped<C> = C extends EngineCommand ? Omit<C, 'time'> : never;

/** A new order as a gateway builds it: the sequencer adds the time and the engine order id. */
export type OrderEntry = Omit<NewOrderCommand, 'time' | 'orderId'>;

export interface SequencedCommand {
  /** Position in the venue's command stream, from 1, without gaps. */
  readonly seq: number;
  /** The command as applied, `time` (and for a new order `orderId`) filled in. */
  readonly command: EngineCommand;
}

/** What the sequencer applies commands to: the matching engine. */
export interface CommandTarget {
  apply(command: EngineCommand): void;
}

export interface SequencerOptions {
  /** Epoch milliseconds; the venue clock. */
  readonly clock: Clock;
  /** Sequence number of the first command (a restart from a journal continues its numbering). */
  readonly firstSeq?: number;
  /** First engine order id to hand out. */
  readonly firstOrderId?: number;
  /**
   * Runs after stamping, before the engine sees the command: the write-ahead journal's place. If it
   * throws, the command is not applied and the error reaches the caller.
   */
  readonly beforeApply?: (sequenced: SequencedCommand) => void;
}

export class Sequencer {
  private nextSeq: number;
  private nextOrderId: number;
  private lastTime = 0;
  private applying: SequencedCommand | undefined;
  private readonly clock: Clock;
  private readonly beforeApply: ((sequenced: SequencedCommand) => void) | undefined;

  constructor(
    private readonly target: CommandTarget,
    options: SequencerOptions,
  ) {
    this.clock = options.clock;
    this.nextSeq = options.firstSeq ?? 1;
    this.nextOrderId = options.firstOrderId ?? 1;
    this.beforeApply = options.beforeApply;
  }

  /** Sequence number of the last command stamped (0 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** The command whose events are being emitted right now, if any. */
  get current(): SequencedCommand | undefined {
    return this.applying;
  }

  /** Enters a new order under the next engine order id. */
  newOrder(entry: OrderEntry): SequencedCommand {
    return this.run((time) => ({ ...entry, kind: 'new', time, orderId: this.nextOrderId }), true);
  }

  /** Cancel, replace, mass cancel or end of day. */
  submit(command: Unstamped<Exclude<EngineCommand, NewOrderCommand>>): SequencedCommand {
    return this.run((time) => ({ ...command, time }) as EngineCommand);
  }

  private run(stamp: (time: number) => EngineCommand, takesOrderId = false): SequencedCommand {
    // Events are handled synchronously inside apply; a handler that submitted a command there would
    // interleave two commands' events and break the one-at-a-time order the journal relies on.
    if (this.applying !== undefined) throw new Error(`command submitted while command ${this.applying.seq} is being applied`);
    const time = Math.max(this.lastTime, this.clock.now());
    const sequenced: SequencedCommand = { seq: this.nextSeq, command: stamp(time) };
    // Numbers are taken only once the journal has the command, so a failed write leaves no gap.
    this.beforeApply?.(sequenced);
    this.nextSeq++;
    if (takesOrderId) this.nextOrderId++;
    this.lastTime = time;
    this.applying = sequenced;
    try {
      this.target.apply(sequenced.command);
    } finally {
      this.applying = undefined;
    }
    return sequenced;
  }
}
