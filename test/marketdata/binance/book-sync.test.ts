import { describe, expect, it } from 'vitest';
import { BinanceBookSync } from '../../../src/marketdata/binance/book-sync.js';
import { BinanceParseError, parseCombinedMessage, parseDepthSnapshot } from '../../../src/marketdata/binance/parse.js';
import type { BookChangeRecord, BookSnapshotRecord, PriceLevel } from '../../../src/marketdata/records.js';
import { loadCapture, rebuildFromCapture, requireCaptures } from '../../support/fake-binance.js';

const haveCaptures = requireCaptures('book sync over a captured day');

const diff = (U: number, u: number, bids: PriceLevel[] = [], asks: PriceLevel[] = []): BookChangeRecord => ({
  type: 'book_change', exchange: 'binance', symbol: 'BTCUSDT', bids, asks, firstUpdateId: U, lastUpdateId: u, exchangeTime: 1, localTime: 1,
});
const snapshot = (lastUpdateId: number, bids: PriceLevel[] = [['100', '1']], asks: PriceLevel[] = [['101', '1']]): BookSnapshotRecord => ({
  type: 'book_snapshot', exchange: 'binance', symbol: 'BTCUSDT', bids, asks, lastUpdateId, localTime: 1,
});

describe('BinanceBookSync', () => {
  it('buffers diffs until the snapshot, drops those it contains, applies the rest', () => {
    const sync = new BinanceBookSync('BTCUSDT', { tickSize: '0.01' });
    expect(sync.onDiff(diff(1, 5, [['99', '1']])).kind).toBe('buffered');
    expect(sync.onDiff(diff(6, 9, [['98', '1']])).kind).toBe('buffered');
    expect(sync.onDiff(diff(10, 12, [['97', '1']])).kind).toBe('buffered');
    expect(sync.buffered).toBe(3);
    const out = sync.onSnapshot(snapshot(8));
    // 1..5 is inside the snapshot; 6..9 straddles 9 = lastUpdateId + 1 and applies, then 10..12.
    expect(out).toMatchObject({ kind: 'synced' });
    expect(out.kind === 'synced' && out.applied.map((d) => d.firstUpdateId)).toEqual([6, 10]);
    expect(sync.state).toBe('live');
    expect(sync.book.lastUpdateId).toBe(12);
    expect(sync.book.bids().map(([p]) => p)).toEqual(['100.00', '98.00', '97.00']);
  });

  it('after a snapshot newer than every buffered diff, the next diff must straddle it', () => {
    const sync = new BinanceBookSync('BTCUSDT');
    sync.onDiff(diff(1, 5));
    expect(sync.onSnapshot(snapshot(20))).toEqual({ kind: 'synced', applied: [] });
    expect(sync.onDiff(diff(6, 19)).kind).toBe('stale');
    expect(sync.onDiff(diff(20, 25)).kind).toBe('applied');
    expect(sync.onDiff(diff(26, 26)).kind).toBe('applied');
    expect(sync.onDiff(diff(28, 30))).toEqual({ kind: 'gap', expectedFirstUpdateId: 27, firstUpdateId: 28 });
  });

  it('a first diff beyond lastUpdateId + 1 is a gap', () => {
    const sync = new BinanceBookSync('BTCUSDT');
    sync.onSnapshot(snapshot(20));
    expect(sync.onDiff(diff(22, 25))).toMatchObject({ kind: 'gap', expectedFirstUpdateId: 21 });
  });

  it('says a snapshot older than the buffered diffs is too old, and keeps buffering', () => {
    const sync = new BinanceBookSync('BTCUSDT');
    sync.onDiff(diff(50, 60));
    expect(sync.onSnapshot(snapshot(40))).toEqual({ kind: 'too_old', lastUpdateId: 40, firstBufferedUpdateId: 50 });
    expect(sync.state).toBe('buffering');
    expect(sync.buffered).toBe(1);
    expect(sync.onSnapshot(snapshot(55))).toMatchObject({ kind: 'synced' });
    expect(sync.book.lastUpdateId).toBe(60);
  });

  it('on a gap clears the book and buffers from the diff that broke the chain', () => {
    const sync = new BinanceBookSync('BTCUSDT');
    sync.onSnapshot(snapshot(10));
    sync.onDiff(diff(11, 12, [['99', '1']]));
    expect(sync.onDiff(diff(15, 16)).kind).toBe('gap');
    expect(sync.state).toBe('buffering');
    expect(sync.book.bidLevels).toBe(0);
    expect(sync.buffered).toBe(1);
    expect(sync.onSnapshot(snapshot(15))).toMatchObject({ kind: 'synced' });
    expect(sync.book.lastUpdateId).toBe(16);
  });

  it('restarts the buffer at a break inside it', () => {
    const sync = new BinanceBookSync('BTCUSDT');
    sync.onDiff(diff(1, 2));
    sync.onDiff(diff(5, 6));
    expect(sync.buffered).toBe(1);
    expect(sync.onSnapshot(snapshot(1))).toMatchObject({ kind: 'too_old', firstBufferedUpdateId: 5 });
  });

  it('keeps at most maxBuffered diffs, dropping the oldest', () => {
    const sync = new BinanceBookSync('BTCUSDT', { maxBuffered: 3 });
    for (let i = 1; i <= 5000; i++) sync.onDiff(diff(i, i));
    expect(sync.buffered).toBe(3);
    expect(sync.onSnapshot(snapshot(100))).toMatchObject({ kind: 'too_old', firstBufferedUpdateId: 4998 });
  });

  it('a level the book cannot take resets it', () => {
    const sync = new BinanceBookSync('BTCUSDT', { tickSize: '0.01' });
    sync.onSnapshot(snapshot(10));
    expect(sync.onDiff(diff(11, 11, [['100.001', '1']]))).toMatchObject({ kind: 'invalid', error: { code: 'price_off_tick' } });
    expect(sync.state).toBe('buffering');
    expect(sync.onSnapshot(snapshot(10, [['1.001', '1']]))).toMatchObject({ kind: 'invalid' });
  });

  it.skipIf(!haveCaptures)('follows a captured day with no gap and ends on the book rebuilt straight from the file', () => {
    for (const symbol of ['btcusdt', 'ethusdt']) {
      const lines = loadCapture(symbol, ['20240808']);
      const sync = new BinanceBookSync(symbol.toUpperCase(), { tickSize: '0.01' });
      for (const line of lines) {
        if (line.kind === 'snapshot') {
          const snap = parseDepthSnapshot(JSON.parse(line.json), symbol.toUpperCase(), line.localMs);
          if (snap instanceof BinanceParseError) throw snap;
          expect(sync.onSnapshot(snap).kind).toBe('synced');
        } else if (line.kind === 'depth') {
          const r = parseCombinedMessage(line.json, line.localMs);
          expect(['buffered', 'applied', 'stale']).toContain(sync.onDiff(r as BookChangeRecord).kind);
        }
      }
      const ref = rebuildFromCapture(lines, symbol);
      const { bids, asks } = ref.levels();
      expect(sync.book.lastUpdateId).toBe(ref.lastUpdateId);
      expect(sync.book.bids().map(([p, q]) => [Number(p), q])).toEqual(bids.map(([p, q]) => [Number(p), q]));
      expect(sync.book.asks().map(([p, q]) => [Number(p), q])).toEqual(asks.map(([p, q]) => [Number(p), q]));
    }
  });
});
