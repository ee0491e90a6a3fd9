// A live feed with a stand-in: while the primary (Binance) is healthy its records pass through;
// when it has not been live for `failAfterMs` (down, stale, its circuit open, or silent) the
// fallback (a replay or the synthetic market) is started and its records pass instead; once the
// primary has been live again for `recoverAfterMs` the fallback is stopped and the primary takes
// back over, starting with a snapshot of each of its books so a consumer's book is replaced, not
// patched with diffs from another market. Each switch is a feed_status record saying why.
import type { ClockScheduler, TimerHandle } from '../shared/clock.js';
import { RecordQueue } from './record-queue.js';
import type { BookSnapshotRecord, FeedStatusRecord, MarketFeed, MarketRecord } from './records.js';

export type FeedSide = 'primary' | 'fallback';

export interface FailoverFeedOptions {
  readonly primary: MarketFeed;
  /** Starts the fallback; it must end when the signal aborts. */
  readonly fallback: (signal: AbortSignal) => MarketFeed;
  readonly clock: ClockScheduler;
  /** The primary not live for this long hands over to the fallback (default 5 s). */
  readonly failAfterMs?: number;
  /** The primary live again for this long takes back over (default 3 s). */
  readonly recoverAfterMs?: number;
  /** The primary's current book of a symbol, sent when it takes back over. */
  readonly snapshotOf?: (symbol: string) => BookSnapshotRecord | undefined;
  /** Told each switch. */
  readonly onSwitch?: (to: FeedSide, detail: string) => void;
}

export interface FailoverFeed extends MarketFeed {
  /** Which source the records come from now. */
  readonly active: FeedSide;
  /** Stops both sources and ends the feed. */
  close(): void;
}

const CHECK_EVERY_MS = 250;

export function failoverFeed(options: FailoverFeedOptions): FailoverFeed {
  const { clock } = options;
  const failAfter = options.failAfterMs ?? 5_000;
  const recoverAfter = options.recoverAfterMs ?? 3_000;
  const queue = new RecordQueue();
  let active: FeedSide = 'primary';
  let fallbackStop: AbortController | undefined;
  let started = false;
  let closed = false;
  let timer: TimerHandle | undefined;
  // The primary's health: live since when (undefined: not live), and when it last said anything.
  let liveSince: number | undefined;
  let notLiveSince = clock.now();
  let lastRecordAt = clock.now();
  let why = 'no data yet';
  const symbols = new Set<string>();

  const status = (state: FeedStatusRecord['state'], reason: FeedStatusRecord['reason'], detail: string): FeedStatusRecord => ({
    type: 'feed_status',
    exchange: 'failover',
    state,
    reason,
    detail,
    localTime: clock.now(),
  });

  const primaryHealth = (r: MarketRecord): void => {
    lastRecordAt = clock.now();
    if (r.type !== 'feed_status') return;
    // A symbol's own status speaks for that symbol; the connection's for the whole feed.
    if (r.state === 'live') {
      liveSince ??= clock.now();
    } else if (r.symbol === undefined || r.reason === 'circuit_open') {
      if (liveSince !== undefined) notLiveSince = clock.now();
      liveSince = undefined;
      why = `${r.state} (${r.reason}${r.detail !== undefined ? `: ${r.detail}` : ''})`;
    }
  };

  const toFallback = (detail: string): void => {
    active = 'fallback';
    const stop = (fallbackStop = new AbortController());
    queue.push(status('live', 'failover', detail));
    options.onSwitch?.('fallback', detail);
    void (async () => {
      try {
        for await (const r of options.fallback(stop.signal)) {
          if (stop.signal.aborted || closed) break;
          queue.push(r);
        }
      } catch (e) {
        if (!stop.signal.aborted) queue.push(status('down', 'connection_error', `fallback failed: ${e instanceof Error ? e.message : String(e)}`));
      }
    })();
  };

  const toPrimary = (): void => {
    active = 'primary';
    fallbackStop?.abort();
    fallbackStop = undefined;
    const detail = 'the live source is healthy again';
    queue.push(status('live', 'failback', detail));
    options.onSwitch?.('primary', detail);
    for (const symbol of symbols) {
      const snapshot = options.snapshotOf?.(symbol);
      if (snapshot !== undefined) queue.push(snapshot);
    }
  };

  const check = (): void => {
    if (closed) return;
    const now = clock.now();
    if (now - lastRecordAt >= failAfter && liveSince !== undefined) {
      liveSince = undefined;
      notLiveSince = lastRecordAt;
      why = `silent for ${now - lastRecordAt} ms`;
    }
    if (active === 'primary' && liveSince === undefined && now - notLiveSince >= failAfter) toFallback(`the live source is not live: ${why}`);
    else if (active === 'fallback' && liveSince !== undefined && now - liveSince >= recoverAfter) toPrimary();
  };

  const start = (): void => {
    started = true;
    timer = clock.setInterval(check, Math.min(CHECK_EVERY_MS, failAfter, recoverAfter));
    void (async () => {
      try {
        for await (const r of options.primary) {
          if (closed) break;
          primaryHealth(r);
          if ('symbol' in r && r.symbol !== undefined && r.type !== 'feed_status') symbols.add(r.symbol);
          if (active === 'primary') queue.push(r);
        }
        primaryHealth(status('down', 'source_ended', 'the live source ended'));
      } catch (e) {
        primaryHealth(status('down', 'connection_error', e instanceof Error ? e.message : String(e)));
      }
    })();
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    timer?.cancel();
    fallbackStop?.abort();
    queue.end();
  };

  return {
    get active() {
      return active;
    },
    close,
    [Symbol.asyncIterator]() {
      if (!started) start();
      return queue;
    },
  };
}
