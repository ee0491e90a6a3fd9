// Binance stream names: built for subscriptions, read back from each combined-stream message to
// tell which symbol and channel it carries (partial depth messages name their symbol nowhere else).
import type { BinanceChannel } from './messages.js';

export interface StreamInfo {
  /** Upper case, as in the records ('BTCUSDT'). */
  readonly symbol: string;
  readonly channel: BinanceChannel;
  /** Levels of a partial-depth stream (5, 10 or 20). */
  readonly levels?: number;
}

/** How the order book is followed: diffs with a local book, or the top N levels pushed whole. */
export type DepthMode = 'diff' | 5 | 10 | 20;

export interface StreamSelection {
  readonly depth?: DepthMode | false;
  /** Update speed of depth streams; Binance offers 100 ms and 1000 ms. */
  readonly depthSpeedMs?: 100 | 1000;
  readonly trades?: boolean;
  readonly bookTicker?: boolean;
  /** Rolling 24 h ticker (once a second). */
  readonly ticker?: boolean;
}

/** Stream names for one symbol, in a stable order. */
export function streamNames(symbol: string, sel: StreamSelection): string[] {
  const s = symbol.toLowerCase();
  const speed = sel.depthSpeedMs === 1000 ? '' : '@100ms';
  const names: string[] = [];
  const depth = sel.depth ?? 'diff';
  if (depth === 'diff') names.push(`${s}@depth${speed}`);
  else if (depth !== false) names.push(`${s}@depth${depth}${speed}`);
  if (sel.trades ?? true) names.push(`${s}@trade`);
  if (sel.bookTicker ?? true) names.push(`${s}@bookTicker`);
  if (sel.ticker ?? false) names.push(`${s}@ticker`);
  return names;
}

const CHANNEL = /^([a-z0-9]+)@(depth(5|10|20)?(?:@(?:100|1000)ms)?|trade|bookTicker|ticker)$/;
const known = new Map<string, StreamInfo | null>();

/** The symbol and channel of a stream name; undefined for a stream this adapter does not read. */
export function parseStreamName(stream: string): StreamInfo | undefined {
  let info = known.get(stream);
  if (info === undefined) {
    const m = CHANNEL.exec(stream);
    if (m === null) info = null;
    else {
      const symbol = m[1].toUpperCase();
      const kind = m[2];
      if (kind.startsWith('depth')) info = m[3] !== undefined ? { symbol, channel: 'partialDepth', levels: Number(m[3]) } : { symbol, channel: 'depth' };
      else info = { symbol, channel: kind as 'trade' | 'bookTicker' | 'ticker' };
    }
    // Stream names come from the exchange: bound the cache so a misbehaving peer cannot grow it.
    if (known.size < 4096) known.set(stream, info);
  }
  return info ?? undefined;
}
