import { describe, expect, it } from 'vitest';
import { FeedQualityMonitor, type CircuitState } from '../../src/marketdata/quality.js';
import type { MarketRecord } from '../../src/marketdata/records.js';

const trade = (price: string, localTime: number, exchangeTime = localTime - 5): MarketRecord => ({
  type: 'trade', exchange: 'binance', symbol: 'BTCUSDT', tradeId: '1', price, quantity: '1', side: 'buy', exchangeTime, localTime,
});
const ticker = (bid: string, ask: string, localTime: number): MarketRecord => ({
  type: 'ticker', exchange: 'binance', symbol: 'BTCUSDT', bestBidPrice: bid, bestBidQuantity: '1', bestAskPrice: ask, bestAskQuantity: '1', localTime,
});

describe('FeedQualityMonitor', () => {
  it('measures exchange-to-local latency', () => {
    const m = new FeedQualityMonitor('BTCUSDT');
    for (let i = 1; i <= 100; i++) m.observe(trade('100', 1_000 + i, 1_000 + i - i)); // latency i ms
    const l = m.report().latency;
    expect(l).toMatchObject({ count: 100, lastMs: 100, minMs: 1, maxMs: 100, meanMs: 50.5, p50Ms: 51, p99Ms: 100 });
    // A ticker without exchange time adds no sample.
    m.observe(ticker('99', '101', 2_000));
    expect(m.report().latency?.count).toBe(100);
  });

  it('counts crossed and locked books; a crossed top of book on a ticker too', () => {
    const m = new FeedQualityMonitor('BTCUSDT');
    m.observeBook('normal', 1);
    m.observeBook('locked', 2);
    m.observeBook('crossed', 3);
    m.observe(ticker('101', '100', 4));
    expect(m.report().issues).toMatchObject({ locked: 1, crossed: 2 });
  });

  it('flags a print far from the market as an outlier, but follows a market that really moved', () => {
    const m = new FeedQualityMonitor('BTCUSDT', { outlierFraction: 0.1, outlierConfirmations: 3, errorThreshold: 100 });
    m.observe(trade('100', 1));
    m.observe(trade('105', 2));
    m.observe(trade('1', 3)); // a bad print
    m.observe(trade('104', 4));
    expect(m.report().issues.outlier).toBe(1);
    // A crash: three prints agree, the third is accepted as the new level.
    m.observe(trade('60', 5));
    m.observe(trade('61', 6));
    m.observe(trade('60.5', 7));
    m.observe(trade('60', 8));
    expect(m.report().issues.outlier).toBe(3);
    expect(m.report().lastIssue).toMatchObject({ issue: 'outlier', time: 6 });
  });

  it('goes stale after silence, once, and back when data returns', () => {
    const m = new FeedQualityMonitor('BTCUSDT', { staleAfterMs: 1_000 });
    expect(m.checkStale(10_000)).toBe(false); // nothing seen yet: not stale, just not started
    m.observe(trade('100', 10_000));
    expect(m.checkStale(10_999)).toBe(false);
    expect(m.checkStale(11_000)).toBe(true);
    expect(m.checkStale(12_000)).toBe(false);
    expect(m.report()).toMatchObject({ stale: true, issues: { stale: 1 } });
    m.observe(trade('100', 12_500));
    expect(m.stale).toBe(false);
  });

  it('opens the circuit after too many errors in the window, half-opens after the cooldown, closes after probation', () => {
    const m = new FeedQualityMonitor('BTCUSDT', { errorThreshold: 3, windowMs: 10_000, cooldownMs: 5_000, probationMs: 2_000 });
    const changes: Array<[CircuitState, number]> = [];
    m.onCircuitChange = (s, t) => changes.push([s, t]);
    m.recordIssue('gap', 1_000);
    m.recordIssue('gap', 2_000);
    m.recordIssue('resync', 2_500); // counted, but not an error
    expect(m.circuit).toBe('closed');
    m.recordIssue('parse_error', 3_000);
    expect(m.circuit).toBe('open');
    m.checkStale(7_999);
    expect(m.circuit).toBe('open');
    m.checkStale(8_000);
    expect(m.circuit).toBe('half_open');
    m.checkStale(10_000);
    expect(m.circuit).toBe('closed');
    expect(changes).toEqual([['open', 3_000], ['half_open', 8_000], ['closed', 10_000]]);
  });

  it('an error while half open opens the circuit again', () => {
    const m = new FeedQualityMonitor('BTCUSDT', { errorThreshold: 1, cooldownMs: 100, probationMs: 100 });
    m.recordIssue('disconnect', 0);
    m.checkStale(100);
    expect(m.circuit).toBe('half_open');
    m.recordIssue('gap', 150);
    expect(m.circuit).toBe('open');
  });

  it('forgets errors older than the window', () => {
    const m = new FeedQualityMonitor('BTCUSDT', { errorThreshold: 2, windowMs: 1_000 });
    m.recordIssue('gap', 0);
    m.recordIssue('gap', 1_500);
    expect(m.circuit).toBe('closed');
  });
});
