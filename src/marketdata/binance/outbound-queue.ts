// Binance closes a connection that sends more than 5 messages a second (JSON requests, pings and
// pongs all count). Everything this client sends goes through here: at most `perSecond` sends in any
// window of `windowMs`, the rest wait their turn in order. The window is a little longer than a
// second by default: messages sent a second apart can arrive less than a second apart.
import type { ClockScheduler, TimerHandle } from '../../shared/clock.js';

export class OutboundQueue {
  private readonly pending: Array<() => void> = [];
  /** Times of the most recent sends, oldest first (at most perSecond of them). */
  private readonly sentAt: number[] = [];
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: ClockScheduler,
    private readonly perSecond: number,
    private readonly windowMs = 1100,
  ) {
    if (!(perSecond >= 1)) throw new RangeError(`perSecond must be at least 1, got ${perSecond}`);
  }

  get waiting(): number {
    return this.pending.length;
  }

  /** Runs `send` now if the window allows, else as soon as it does. */
  enqueue(send: () => void): void {
    this.pending.push(send);
    this.drain();
  }

  /** Forgets waiting sends (the connection they were for is gone) but remembers the window. */
  clear(): void {
    this.pending.length = 0;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private drain(): void {
    if (this.timer !== undefined) return;
    while (this.pending.length > 0) {
      const now = this.clock.now();
      while (this.sentAt.length > 0 && now - this.sentAt[0] >= this.windowMs) this.sentAt.shift();
      if (this.sentAt.length >= this.perSecond) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, this.windowMs - (now - this.sentAt[0]));
        return;
      }
      this.sentAt.push(now);
      const send = this.pending.shift() as () => void;
      send();
    }
  }
}
