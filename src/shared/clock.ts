// Time as a dependency. Code that needs the time or a timer takes a Clock (and a Scheduler) instead
// of calling Date.now or setTimeout, so a test can stand still, jump ahead a minute, or replay a day
// without waiting for it.

/** The current time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface TimerHandle {
  /** Stops the timer; safe to call more than once, and from inside its own callback. */
  cancel(): void;
}

/** Timers driven by whatever time the scheduler keeps. */
export interface Scheduler {
  /** Runs `fn` once, `delayMs` from now. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Runs `fn` every `periodMs`, first `periodMs` from now, until cancelled. */
  setInterval(fn: () => void, periodMs: number): TimerHandle;
}

export type ClockScheduler = Clock & Scheduler;

/**
 * Wall-clock time and Node's timers. Timers are unref'd: a pending heartbeat must not keep a process
 * alive once its sockets and servers are gone.
 */
export const systemClock: ClockScheduler = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, periodMs) {
    const t = setInterval(fn, periodMs);
    t.unref();
    return { cancel: () => clearInterval(t) };
  },
};

interface ManualTimer {
  due: number;
  /** Creation order, so timers due at the same instant run in the order they were set. */
  order: number;
  period: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. `advance` runs every timer that falls due on the way, in
 * time order, with `now()` reading each timer's due time while it runs.
 */
export class ManualClock implements ClockScheduler {
  private time: number;
  private timers: ManualTimer[] = [];
  private created = 0;

  constructor(startMs = Date.UTC(2024, 0, 2, 9, 30, 0)) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add(fn, Math.max(0, delayMs), 0);
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`interval period must be positive, got ${periodMs}`);
    return this.add(fn, periodMs, periodMs);
  }

  /** Number of timers still waiting to fire. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('time does not go backwards');
    const target = this.time + ms;
    while (true) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.time = next.due;
      if (next.period > 0) next.due += next.period;
      else next.cancelled = true;
      next.fn();
    }
    this.time = target;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  /** Sets the time without firing timers (a wall-clock jump). */
  set(ms: number): void {
    this.time = ms;
  }

  private add(fn: () => void, delay: number, period: number): TimerHandle {
    const timer: ManualTimer = { due: this.time + delay, order: this.created++, period, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  private nextDue(limit: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.due > limit) continue;
      if (best === undefined || t.due < best.due || (t.due === best.due && t.order < best.order)) best = t;
    }
    return best;
  }
}
