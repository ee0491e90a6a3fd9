import { describe, expect, it } from 'vitest';
import { parseStreamName, streamNames } from '../../../src/marketdata/binance/streams.js';

describe('stream names', () => {
  it('builds the streams of a symbol from the selection', () => {
    expect(streamNames('BTCUSDT', {})).toEqual(['btcusdt@depth@100ms', 'btcusdt@trade', 'btcusdt@bookTicker']);
    expect(streamNames('BTCUSDT', { depth: 10, depthSpeedMs: 1000, trades: false, ticker: true })).toEqual(['btcusdt@depth10', 'btcusdt@bookTicker', 'btcusdt@ticker']);
    expect(streamNames('ethusdt', { depth: false, bookTicker: false })).toEqual(['ethusdt@trade']);
  });

  it('reads symbol and channel back from a stream name', () => {
    expect(parseStreamName('btcusdt@depth@100ms')).toEqual({ symbol: 'BTCUSDT', channel: 'depth' });
    expect(parseStreamName('btcusdt@depth')).toEqual({ symbol: 'BTCUSDT', channel: 'depth' });
    expect(parseStreamName('ethusdt@depth20@100ms')).toEqual({ symbol: 'ETHUSDT', channel: 'partialDepth', levels: 20 });
    expect(parseStreamName('ethusdt@trade')).toEqual({ symbol: 'ETHUSDT', channel: 'trade' });
    expect(parseStreamName('ethusdt@bookTicker')).toEqual({ symbol: 'ETHUSDT', channel: 'bookTicker' });
    expect(parseStreamName('ethusdt@ticker')).toEqual({ symbol: 'ETHUSDT', channel: 'ticker' });
    for (const bad of ['ethusdt@aggTrade', 'ethusdt@depth7', 'ETHUSDT@trade', '@trade', 'ethusdt@depth@250ms', '']) expect(parseStreamName(bad)).toBeUndefined();
  });
});
