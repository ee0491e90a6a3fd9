import { afterEach, describe, expect, it } from 'vitest';
import { LiquidityTaker } from '../../src/strategy/liquidity-taker.js';
import type { StrategyHandle } from '../../src/strategy/strategy-host.js';
import { rig, type Rig, T0, ticker } from './support.js';

let r: Rig;
afterEach(async () => {
  await r?.stop();
});

async function startTaker(p: object, risk: object = {}): Promise<{ taker: LiquidityTaker; h: StrategyHandle }> {
  r = rig();
  const taker = new LiquidityTaker({ size: '1', ...p }, r.runtime.grid('TEST')!);
  const h = r.runtime.add({ id: 'taker', account: 'taker', symbol: 'TEST', strategy: taker, risk });
  h.start();
  // The venue's book: another account quotes 100.00 / 100.02, five deep.
  await r.counterparty('buy', '100.00', '5');
  await r.counterparty('sell', '100.02', '5');
  return { taker, h };
}

describe('the liquidity taker', () => {
  it('momentum: a rise of momentumBps over the lookback buys at the venue ask, immediate-or-cancel', async () => {
    const { h } = await startTaker({ momentumBps: 2, lookbackMs: 1000 });
    await r.feed(ticker('99.99', '100.01', T0)); // mid 100.00
    await r.feed(ticker('100.00', '100.02', T0 + 500)); // +1 bp
    expect(h.fills()).toHaveLength(0);
    await r.feed(ticker('100.01', '100.03', T0 + 1000)); // +2 bps over 1 s
    expect(h.fills()).toEqual([expect.objectContaining({ side: 'buy', price: '100.02', quantity: '1', liquidity: 'taker' })]);
    expect(r.venue.orders.openOrders('taker')).toHaveLength(0);
  });

  it('a fall sells at the venue bid; nothing is measured before a whole lookback has passed', async () => {
    const { h } = await startTaker({ momentumBps: 2, lookbackMs: 1000 });
    await r.feed(ticker('100.01', '100.03', T0));
    await r.feed(ticker('99.97', '99.99', T0 + 400)); // −4 bps, but only 0.4 s of history
    expect(h.fills()).toHaveLength(0);
    await r.feed(ticker('99.98', '100.00', T0 + 1000)); // −3 bps against the first sample
    expect(h.fills()).toEqual([expect.objectContaining({ side: 'sell', price: '100.00' })]);
  });

  it('waits out its cool-down between orders', async () => {
    const { h } = await startTaker({ momentumBps: 2, lookbackMs: 1000, cooldownMs: 2000 });
    // +3 bps a second.
    await r.feed(ticker('99.99', '100.01', T0));
    await r.feed(ticker('100.02', '100.04', T0 + 1000));
    await r.feed(ticker('100.05', '100.07', T0 + 2000));
    expect(h.fills()).toHaveLength(1);
    await r.feed(ticker('100.08', '100.10', T0 + 3000));
    expect(h.fills()).toHaveLength(2);
  });

  it('does not cross a venue touch further than maxSlippageBps from the reference mid', async () => {
    const { h } = await startTaker({ momentumBps: 2, lookbackMs: 1000, maxSlippageBps: 1 });
    await r.feed(ticker('99.96', '99.98', T0)); // mid 99.97
    await r.feed(ticker('99.98', '100.00', T0 + 1000)); // mid 99.99: the ask 100.02 is 3 bps away
    expect(h.fills()).toHaveLength(0);
    expect(h.metrics().orders.placed).toBe(0);
  });

  it('imbalance: a venue book leaning to the bid buys', async () => {
    const { taker, h } = await startTaker({ signal: 'imbalance', imbalance: 0.6 });
    await r.feed(ticker('100.00', '100.02', T0));
    expect(h.fills()).toHaveLength(0); // 5 against 5
    await r.counterparty('buy', '100.01', '20'); // bid 20 against ask 5: (20 − 5) / 25 = 0.6
    expect(h.fills()).toEqual([expect.objectContaining({ side: 'buy', price: '100.02' })]);
    expect(taker.signals).toEqual({ momentum: 0, imbalance: 1 });
  });

  it('sizes within the position limit, and stops when there is no room', async () => {
    const { h } = await startTaker({ momentumBps: 2, lookbackMs: 1000, cooldownMs: 0, size: '3' }, { maxPosition: '4' });
    await r.feed(ticker('99.99', '100.01', T0));
    await r.feed(ticker('100.02', '100.04', T0 + 1000));
    await r.feed(ticker('100.05', '100.07', T0 + 2000));
    await r.feed(ticker('100.08', '100.10', T0 + 3000));
    expect(h.fills().map((f) => f.quantity)).toEqual(['3', '1']);
    expect(h.metrics().riskBlocks).toEqual({});
  });
});
