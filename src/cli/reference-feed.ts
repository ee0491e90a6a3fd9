// The outside world's market for `crucible start --feed`: the synthetic market (the default, needs no
// network), live Binance with a fallback when it fails, or a replay of recorded files. One source,
// read once, handed to every consumer (the server's reference market, the strategies) through its
// own queue, so a slow consumer never makes another miss records.
import { BinanceFeed } from '../marketdata/binance/client.js';
import { failoverFeed } from '../marketdata/failover.js';
import { RecordQueue } from '../marketdata/record-queue.js';
import type { BookSnapshotRecord, FeedStatusRecord, MarketFeed } from '../marketdata/records.js';
import { replayFeed } from '../marketdata/replay.js';
import { type SyntheticListing, syntheticFeed } from '../marketdata/synthetic.js';
import type { ClockScheduler } from '../shared/clock.js';
import type { ListedInstrument } from '../venue/instruments.js';

export type FeedSpec =
  | { readonly kind: 'synthetic'; readonly seed: number }
  | { readonly kind: 'binance'; readonly wsUrl: string; readonly restUrl: string; readonly fallback: FallbackSpec }
  | { readonly kind: 'replay'; readonly files: readonly string[]; readonly speed: number }
  | { readonly kind: 'none' };

export type FallbackSpec = { readonly kind: 'synthetic'; readonly seed: number } | { readonly kind: 'replay'; readonly files: readonly string[] } | { readonly kind: 'none' };

export const DEFAULT_BINANCE_WS_URL = 'wss://stream.binance.com:9443';
export const DEFAULT_BINANCE_REST_URL = 'https://api.binance.com';
const DEFAULT_SEED = 1;

export interface FeedFlags {
  readonly feed?: string;
  readonly feedFallback?: string;
  readonly binanceWsUrl?: string;
  readonly binanceRestUrl?: string;
  readonly replaySpeed?: string;
}

/** `--feed synthetic[:seed] | binance | replay:<file>[,<file>...] | none`; throws an Error a user can act on. */
export function parseFeedFlags(flags: FeedFlags): FeedSpec {
  const text = flags.feed ?? 'synthetic';
  const [kind, rest] = splitOnce(text);
  switch (kind) {
    case 'synthetic':
      return { kind: 'synthetic', seed: parseSeed(rest, '--feed synthetic') };
    case 'binance': {
      if (rest !== undefined) throw new Error(`--feed ${text}: binance takes no argument (symbols are the crypto listings; --binance-ws-url and --binance-rest-url set the endpoints)`);
      return {
        kind: 'binance',
        wsUrl: checkUrl(flags.binanceWsUrl ?? DEFAULT_BINANCE_WS_URL, '--binance-ws-url', ['ws:', 'wss:']),
        restUrl: checkUrl(flags.binanceRestUrl ?? DEFAULT_BINANCE_REST_URL, '--binance-rest-url', ['http:', 'https:']),
        fallback: parseFallback(flags.feedFallback ?? 'synthetic'),
      };
    }
    case 'replay': {
      const files = parseFiles(rest, `--feed ${text}`);
      const speed = flags.replaySpeed === undefined ? 1 : Number(flags.replaySpeed);
      if (!(speed > 0 && speed <= 10_000)) throw new Error(`--replay-speed ${JSON.stringify(flags.replaySpeed)}: give a number above 0 (1 is real time)`);
      return { kind: 'replay', files, speed };
    }
    case 'none':
      return { kind: 'none' };
    default:
      throw new Error(`--feed ${JSON.stringify(text)}: use synthetic[:seed], binance, replay:<files> or none`);
  }
}

function parseFallback(text: string): FallbackSpec {
  const [kind, rest] = splitOnce(text);
  if (kind === 'synthetic') return { kind: 'synthetic', seed: parseSeed(rest, '--feed-fallback synthetic') };
  if (kind === 'replay') return { kind: 'replay', files: parseFiles(rest, `--feed-fallback ${text}`) };
  if (kind === 'none') return { kind: 'none' };
  throw new Error(`--feed-fallback ${JSON.stringify(text)}: use synthetic[:seed], replay:<files> or none`);
}

function splitOnce(text: string): [string, string | undefined] {
  const i = text.indexOf(':');
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

function parseSeed(text: string | undefined, flag: string): number {
  if (text === undefined) return DEFAULT_SEED;
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) throw new Error(`${flag}:${text}: the seed is a whole number from 0 to 4294967295`);
  return Number(text);
}

function parseFiles(text: string | undefined, flag: string): string[] {
  const files = (text ?? '').split(',').filter((f) => f !== '');
  if (files.length === 0) throw new Error(`${flag}: name the files or directories to replay, e.g. replay:data/rec/btcusdt.gz`);
  return files;
}

function checkUrl(text: string, flag: string, protocols: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${flag} ${JSON.stringify(text)} is not a URL`);
  }
  if (!protocols.includes(url.protocol)) throw new Error(`${flag} ${JSON.stringify(text)}: use ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return text.replace(/\/+$/, '');
}

/** What the synthetic market needs of the venue's listings (those with a reference price). */
export function syntheticListings(listings: readonly ListedInstrument[]): SyntheticListing[] {
  return listings.flatMap((l) =>
    l.referencePrice === undefined ? [] : [{ symbol: l.instrument.symbol, tickSize: l.instrument.tickSize, lotSize: l.instrument.lotSize, referencePrice: l.referencePrice }],
  );
}

export interface BuiltFeed {
  readonly feed: MarketFeed;
  /** 'synthetic', 'binance' or 'replay'. */
  readonly source: string;
  /** What it is, for the startup line. */
  readonly description: string;
  readonly close: () => void;
}

/** The feed a spec asks for; undefined for `none`. */
export function buildFeed(spec: FeedSpec, listings: readonly ListedInstrument[], clock: ClockScheduler): BuiltFeed | undefined {
  const stop = new AbortController();
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'synthetic':
      return {
        feed: syntheticFeed({ listings: syntheticListings(listings), seed: spec.seed, clock, signal: stop.signal }),
        source: 'synthetic',
        description: `synthetic market (seed ${spec.seed})`,
        close: () => stop.abort(),
      };
    case 'replay':
      return {
        feed: replayFeed({ files: spec.files, speed: spec.speed, clock, signal: stop.signal }),
        source: 'replay',
        description: `replay of ${spec.files.join(', ')} at ${spec.speed}x`,
        close: () => stop.abort(),
      };
    case 'binance': {
      const crypto = listings.filter((l) => l.assetClass === 'crypto').map((l) => l.instrument);
      const binance = new BinanceFeed({
        symbols: crypto.map((i) => i.symbol),
        wsUrl: spec.wsUrl,
        restUrl: spec.restUrl,
        tickSizes: Object.fromEntries(crypto.map((i) => [i.symbol, i.tickSize])),
        clock,
      });
      const fallback = spec.fallback;
      if (fallback.kind === 'none') return { feed: binance, source: 'binance', description: `Binance ${spec.wsUrl}`, close: () => binance.close() };
      const feed = failoverFeed({
        primary: binance,
        fallback: (signal) =>
          fallback.kind === 'synthetic'
            ? syntheticFeed({ listings: syntheticListings(listings), seed: fallback.seed, clock, signal })
            : replayFeed({ files: fallback.files, clock, signal }),
        clock,
        snapshotOf: (symbol) => bookSnapshot(binance, symbol, clock.now()),
      });
      return {
        feed,
        source: 'binance',
        description: `Binance ${spec.wsUrl}, falling back to ${fallback.kind === 'synthetic' ? 'the synthetic market' : 'a replay'}`,
        close: () => {
          feed.close();
          binance.close();
        },
      };
    }
  }
}

function bookSnapshot(binance: BinanceFeed, symbol: string, now: number): BookSnapshotRecord | undefined {
  const book = binance.book(symbol);
  if (book === undefined) return undefined;
  return { type: 'book_snapshot', exchange: 'binance', symbol, bids: book.bids(), asks: book.asks(), lastUpdateId: book.lastUpdateId, localTime: now };
}

/** One reading of `feed`, handed to `consumers` queues, each read at its own pace. */
export function fanOut(feed: MarketFeed, consumers: number): MarketFeed[] {
  const queues = Array.from({ length: consumers }, () => new RecordQueue({ highWaterMark: 100_000 }));
  void (async () => {
    try {
      for await (const r of feed) for (const q of queues) q.push(r);
    } catch (e) {
      // A replay file that breaks off, say: the consumers see the feed go down, with the reason.
      const down: FeedStatusRecord = { type: 'feed_status', exchange: 'feed', state: 'down', reason: 'connection_error', detail: e instanceof Error ? e.message : String(e), localTime: Date.now() };
      for (const q of queues) q.push(down);
    } finally {
      for (const q of queues) q.end();
    }
  })();
  return queues;
}
