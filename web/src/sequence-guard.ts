// The WebSocket numbers its messages 1, 2, 3... per connection. The guard holds back everything
// until a snapshot has set the scene, and on a gap (a number skipped) asks once for a fresh
// snapshot and holds back again until it arrives: a missed book delta would otherwise leave a
// wrong level on the ladder for good. Pure: no DOM.

export interface GuardVerdict {
  /** Apply the message to the market state. */
  readonly apply: boolean;
  /** Send `resync` now. */
  readonly resync: boolean;
  /** The sequence number expected when a gap was seen. */
  readonly gapFrom?: number;
}

const APPLY: GuardVerdict = { apply: true, resync: false };
const HOLD: GuardVerdict = { apply: false, resync: false };

export class SequenceGuard {
  private expected = 1;
  private waiting = true;
  private resyncAsked = false;

  /** A new connection: numbers start again at 1, a snapshot comes first. */
  reset(): void {
    this.expected = 1;
    this.waiting = true;
    this.resyncAsked = false;
  }

  /** A resync was asked for: hold everything back until its snapshot (numbers go on as before). */
  awaitSnapshot(): void {
    this.waiting = true;
    this.resyncAsked = true;
  }

  /** False while waiting for a snapshot (a new connection, or after a gap or a resync). */
  get synced(): boolean {
    return !this.waiting;
  }

  check(message: { readonly seq: number; readonly type: string }): GuardVerdict {
    const gap = message.seq !== this.expected;
    const gapFrom = this.expected;
    this.expected = message.seq + 1;
    if (message.type === 'snapshot') {
      // A snapshot is the whole state: whatever was missed before it no longer matters.
      this.waiting = false;
      this.resyncAsked = false;
      return APPLY;
    }
    if (gap) {
      this.waiting = true;
      if (this.resyncAsked) return HOLD;
      this.resyncAsked = true;
      return { apply: false, resync: true, gapFrom };
    }
    return this.waiting ? HOLD : APPLY;
  }
}
