// A real venue (Venue.open on a temporary data directory, FIX on a free port) with the real HTTP
// server on a free port of 127.0.0.1, for the server tests; and the book hash both sides compare.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Side } from '../../src/engine/index.js';
import { CrucibleServer } from '../../src/server/http-server.js';
import type { ServerConfigInput } from '../../src/server/server-config.js';
import { unitsToDecimal } from '../../src/shared/decimal.js';
import type { OrderEntryRequest } from '../../src/shared/order-gateway.js';
import { resolveVenueConfig, type VenueConfigInput } from '../../src/venue/config.js';
import { Venue } from '../../src/venue/venue.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface Stack {
  readonly venue: Venue;
  readonly server: CrucibleServer;
  readonly base: string;
  readonly wsUrl: string;
  readonly log: string[];
  stop(): Promise<void>;
}

export async function startStack(options: { server?: ServerConfigInput; venue?: VenueConfigInput } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'crucible-server-'));
  const log: string[] = [];
  const config = resolveVenueConfig({ durability: { fsync: 'off' }, ...options.venue, dataDir: dir }, { fixPort: 0 });
  const venue = await Venue.open({ config, log: (l) => log.push(l) });
  const server = await CrucibleServer.create({ venue, token: TOKEN, config: { port: 0, ...options.server }, log: (l) => log.push(l) });
  await venue.start();
  const { port } = await server.listen();
  let stopped = false;
  return {
    venue,
    server,
    base: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await server.close();
        await venue.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Levels as the wire writes them, per symbol: "SYMBOL|side|price|qty|orders" lines, best first. */
export type BookLines = Map<string, { buy: Array<[string, string, number]>; sell: Array<[string, string, number]> }>;

export function hashBooks(books: BookLines, symbols: readonly string[]): string {
  const h = createHash('sha256');
  for (const symbol of [...symbols].sort()) {
    const book = books.get(symbol) ?? { buy: [], sell: [] };
    for (const side of ['buy', 'sell'] as const) for (const [p, q, n] of book[side]) h.update(`${symbol}|${side}|${p}|${q}|${n}\n`);
  }
  return h.digest('hex');
}

/** The engine's own levels, best first, as the wire would write them (depth: best N a side). */
export function engineBooks(venue: Venue, depth = Infinity): BookLines {
  const out: BookLines = new Map();
  for (const instrument of venue.engine.instruments()) {
    const book = venue.engine.book(instrument.symbol)!;
    const fmt = (side: Side): Array<[string, string, number]> =>
      book.levels(side, depth).map((l) => [unitsToDecimal(l.price, instrument.tickSize), unitsToDecimal(l.qty, instrument.lotSize), l.orderCount]);
    out.set(instrument.symbol, { buy: fmt(Side.Buy), sell: fmt(Side.Sell) });
  }
  return out;
}

/** A small deterministic random source (xorshift), so a failing run can be repeated. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * Random order flow on a few symbols: limit orders around a mid (many resting, some crossing),
 * IOC and market orders, and cancels of earlier orders, entered through the order gateway in
 * batches that are in flight together.
 */
export async function randomFlow(venue: Venue, count: number, seed: number, symbols = ['AAPL', 'MSFT', 'BTCUSDT']): Promise<{ accepted: number; refused: number }> {
  const rnd = random(seed);
  const live: string[] = [];
  let accepted = 0;
  let refused = 0;
  const mids: Record<string, number> = { AAPL: 19000, MSFT: 42000, BTCUSDT: 6500000 };
  const lot: Record<string, string> = { AAPL: '1', MSFT: '1', BTCUSDT: '0.00001' };
  const batch = 100;
  for (let done = 0; done < count; done += batch) {
    const work: Array<Promise<void>> = [];
    for (let i = 0; i < Math.min(batch, count - done); i++) {
      const r = rnd();
      if (r < 0.15 && live.length > 0) {
        const id = live.splice(Math.floor(rnd() * live.length), 1)[0];
        work.push(venue.orders.cancel(id).then((res) => void (res.ok ? accepted++ : refused++)));
        continue;
      }
      const symbol = symbols[Math.floor(rnd() * symbols.length)];
      const side = rnd() < 0.5 ? 'buy' : 'sell';
      const mid = mids[symbol] ?? 10000;
      const offset = Math.floor(rnd() * 40) - (side === 'buy' ? 30 : 10);
      const ticks = side === 'buy' ? mid + offset : mid - offset;
      const price = (ticks / 100).toFixed(2);
      const lots = 1 + Math.floor(rnd() * 20);
      const quantity = lot[symbol] === '1' ? String(lots) : (lots / 100000).toFixed(5);
      const kind = rnd();
      const request: OrderEntryRequest =
        kind < 0.05
          ? { account: `acct${Math.floor(rnd() * 5)}`, symbol, side, type: 'market', quantity }
          : { account: `acct${Math.floor(rnd() * 5)}`, symbol, side, type: 'limit', price, quantity, ...(kind < 0.15 ? { timeInForce: 'ioc' as const } : {}) };
      work.push(
        venue.orders.submit(request).then((res) => {
          if (!res.ok) return void refused++;
          accepted++;
          if (res.order.status === 'new' || res.order.status === 'partially_filled') live.push(res.order.orderId);
        }),
      );
    }
    await Promise.all(work);
  }
  return { accepted, refused };
}
