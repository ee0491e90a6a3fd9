// A backtest is the live strategy code on a recorded or synthetic feed and a manual clock: the
// clock is moved to each record's receive time (firing the strategies' timers and the equity
// sampling on the way), the record goes to the runtime, and the next record is read only once every
// request the strategies made has its answer. Nothing waits on wall time, and since each record's
// consequences are complete before the next is read, the same feed gives the same run.
import type { MarketFeed } from '../marketdata/records.js';
import type { ManualClock } from '../shared/clock.js';
import type { StrategyRuntime } from './runtime.js';
import type { StrategyStatus } from './strategy-host.js';

export interface BacktestRunOptions {
  readonly feed: MarketFeed;
  /** Moved to each record's time; the runtime and the venue must run on it. */
  readonly clock: ManualClock;
  readonly runtime: StrategyRuntime;
  /** Market time to run from the first record; default: to the feed's end. */
  readonly durationMs?: number;
  /** Told of each record once it is handled (benchmarks). */
  readonly afterRecord?: () => void;
}

export interface BacktestRun {
  readonly records: number;
  /** Market time of the first record and of the end, epoch ms. */
  readonly startTime: number;
  readonly endTime: number;
  /** Each instance's state at the end of the market time, before the final stop (a tripped kill switch shows here). */
  readonly states: readonly StrategyStatus[];
}

/** Runs the feed through the runtime's strategies; they start at the first record and are stopped at the end. */
export async function runBacktest(options: BacktestRunOptions): Promise<BacktestRun> {
  const { feed, clock, runtime, durationMs, afterRecord } = options;
  let records = 0;
  let startTime: number | undefined;
  let endTime: number | undefined;
  for await (const record of feed) {
    const time = Math.floor(record.localTime);
    if (startTime === undefined) {
      // The strategies start at the market's first instant: their timers count from it.
      clock.set(Math.max(clock.now(), time));
      startTime = clock.now();
      runtime.startAll();
      if (runtime.busy) await runtime.settled();
    }
    if (durationMs !== undefined && time > startTime + durationMs) {
      endTime = startTime + durationMs;
      break;
    }
    // Awaited only when something is in flight: most records change no order.
    if (time > clock.now()) {
      clock.advance(time - clock.now());
      if (runtime.busy) await runtime.settled();
    }
    runtime.onReference(record);
    records++;
    if (runtime.busy) await runtime.settled();
    afterRecord?.();
  }
  if (startTime === undefined) throw new Error('the feed held no records');
  endTime ??= clock.now();
  if (endTime > clock.now()) {
    clock.advance(endTime - clock.now());
    if (runtime.busy) await runtime.settled();
  }
  runtime.sampleAll();
  const states = runtime.handles().map((h) => h.state());
  await runtime.stopAll();
  runtime.dispose();
  return { records, startTime, endTime, states };
}
