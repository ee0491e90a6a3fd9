// A strategy instance on a real in-memory venue: orders reach the engine through the order gateway
// after pre-trade risk, fills reach the portfolio, the kill switch cancels everything at the venue.
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderEntryRequest, OrderGateway, OrderUpdate } from '../../src/shared/order-gateway.js';
import { RejectCode } from '../../src/shared/reject-codes.js';
import { RiskCode } from '../../src/strategy/risk.js';
import type { ActionResult, ParamsResult, Strategy, StrategyContext } from '../../src/strategy/strategy.js';
import type { StrategyHandle } from '../../src/strategy/strategy-host.js';
import { rig, type Rig, T0, ticker } from './support.js';

/** A strategy that does what the test tells it, and notes what it was told. */
class Scripted implements Strategy {
  readonly kind = 'scripted';
  ctx: StrategyContext | undefined;
  events: string[] = [];
  starts = 0;
  onTop: ((ctx: StrategyContext) => void) | undefined;
  params(): Record<string, unknown> {
    return { script: true };
  }
  updateParams(patch: unknown): ParamsResult {
    return (patch as { bad?: boolean }).bad === true ? { ok: false, reason: 'bad: not allowed' } : { ok: true, params: this.params() };
  }
  onStart(ctx: StrategyContext): void {
    this.ctx = ctx;
    this.starts++;
  }
  onReference(_r: unknown, topChanged: boolean, ctx: StrategyContext): void {
    this.events.push('reference');
    if (topChanged) this.onTop?.(ctx);
    this.events.push('reference done');
  }
  onOrderUpdate(u: OrderUpdate): void {
    this.events.push(`update ${u.kind}`);
  }
}

let r: Rig;
afterEach(async () => {
  await r?.stop();
});

function start(risk: object = {}, options: Parameters<typeof rig>[0] = {}): { s: Scripted; h: StrategyHandle } {
  r = rig(options);
  const s = new Scripted();
  const h = r.runtime.add({ id: 's1', account: 'acct-1', symbol: 'TEST', strategy: s, risk });
  h.start();
  return { s, h };
}

const ctxOf = (s: Scripted): StrategyContext => s.ctx!;

describe('orders through risk to the venue', () => {
  it('a place becomes a working order at the venue, in exact decimals, with the client order id as its key', async () => {
    const { s, h } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    const result = await ctxOf(s).place({ side: 'buy', priceTicks: 9_995, qtyLots: 3, tag: 'b0' });
    expect(result.ok).toBe(true);
    const open = r.venue.orders.openOrders('acct-1');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ symbol: 'TEST', side: 'buy', price: '99.95', quantity: '3', status: 'new' });
    const [working] = ctxOf(s).workingOrders();
    expect(working).toMatchObject({ side: 'buy', priceTicks: 9_995, qtyLots: 3, leavesLots: 3, status: 'working', tag: 'b0', orderId: open[0].orderId });
    expect(working.clientOrderId).toBe(open[0].clientOrderId);
    expect(h.metrics().orders).toMatchObject({ placed: 1, working: 1 });
  });

  it('a block never reaches the venue: stage risk, a stable code, logged and counted', async () => {
    const { s, h } = start({ maxOrderQuantity: '5' });
    await r.feed(ticker('99.99', '100.01', T0));
    const result = await ctxOf(s).place({ side: 'sell', priceTicks: 10_010, qtyLots: 6 });
    expect(result).toMatchObject({ ok: false, stage: 'risk', code: RiskCode.OrderQuantityLimit });
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
    expect(h.metrics().riskBlocks).toEqual({ '2101': 1 });
    expect(r.log.some((l) => l.startsWith('s1: blocked 2101') && l.includes('6 > 5'))).toBe(true);
  });

  it('a venue refusal carries the venue code and is counted apart from risk blocks', async () => {
    const { s, h } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    await r.venue.halt('TEST');
    const result = await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 });
    expect(result).toMatchObject({ ok: false, stage: 'venue', code: RejectCode.SymbolHalted });
    expect(ctxOf(s).workingOrders()).toHaveLength(0);
    expect(h.metrics().venueRejects).toEqual({ '2001': 1 });
    expect(h.metrics().riskBlocks).toEqual({});
  });

  it('replace moves price and open quantity; cancel removes the order', async () => {
    const { s } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    const placed = (await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 2 })) as Extract<ActionResult, { ok: true }>;
    const replaced = await ctxOf(s).replace(placed.clientOrderId, { priceTicks: 9_992, leavesLots: 5 });
    expect(replaced.ok).toBe(true);
    expect(r.venue.orders.order(placed.orderId)).toMatchObject({ price: '99.92', quantity: '5', status: 'new' });
    expect(ctxOf(s).workingOrders()[0]).toMatchObject({ priceTicks: 9_992, qtyLots: 5, leavesLots: 5, status: 'working' });
    expect((await ctxOf(s).cancel(placed.clientOrderId)).ok).toBe(true);
    expect(ctxOf(s).workingOrders()).toHaveLength(0);
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
  });

  it('a replace is checked like an order: its new open quantity against the position limit', async () => {
    const { s } = start({ maxPosition: '4' });
    await r.feed(ticker('99.99', '100.01', T0));
    const placed = (await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 3 })) as Extract<ActionResult, { ok: true }>;
    expect(await ctxOf(s).replace(placed.clientOrderId, { leavesLots: 4 })).toMatchObject({ ok: true });
    expect(await ctxOf(s).replace(placed.clientOrderId, { leavesLots: 5 })).toMatchObject({ ok: false, code: RiskCode.PositionLimit });
    expect(ctxOf(s).headroom('buy')).toBe(0);
    expect(ctxOf(s).headroom('sell')).toBe(4);
  });
});

describe('fills', () => {
  it('reach the position, the fill log and the strategy, after the callback that caused them', async () => {
    const { s, h } = start();
    await r.counterparty('sell', '100.00', '2');
    s.onTop = (ctx) => void ctx.place({ side: 'buy', priceTicks: 10_000, qtyLots: 2, timeInForce: 'ioc' });
    await r.feed(ticker('99.99', '100.01', T0));
    // The fill came while the strategy was still placing: it was told once onReference returned.
    expect(s.events).toEqual(['reference', 'reference done', 'update accepted', 'update fill']);
    expect(h.position.lots).toBe(2);
    expect(h.fills()).toEqual([
      expect.objectContaining({ side: 'buy', price: '100.00', quantity: '2', liquidity: 'taker', position: '2', realizedPnl: '0', strategy: 's1', account: 'acct-1' }),
    ]);
    const m = h.metrics();
    expect(m).toMatchObject({ fills: 1, takerFills: 1, makerFills: 0, position: '2', averagePrice: '100.000000', turnover: '200' });
    // Marked to the reference mid 100.00: nothing unrealized.
    expect(m.unrealizedPnl).toBe('0');
    await r.feed(ticker('100.99', '101.01', T0 + 1));
    expect(h.metrics().unrealizedPnl).toBe('2');
  });

  it('a resting order filled later is a maker fill', async () => {
    const { s, h } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    await ctxOf(s).place({ side: 'sell', priceTicks: 10_005, qtyLots: 3 });
    await r.counterparty('buy', '100.05', '1');
    expect(h.position.lots).toBe(-1);
    expect(ctxOf(s).workingOrders()[0]).toMatchObject({ filledLots: 1, leavesLots: 2 });
    expect(h.metrics().makerFills).toBe(1);
  });
});

describe('the kill switch', () => {
  it('a loss beyond maxLoss cancels every order, blocks new ones with 2107, and holds until reset', async () => {
    const { s, h } = start({ maxLoss: '3' });
    await r.feed(ticker('99.99', '100.01', T0));
    await r.counterparty('sell', '100.00', '2');
    await ctxOf(s).place({ side: 'buy', priceTicks: 10_000, qtyLots: 2 }); // fills: long 2 at 100
    await ctxOf(s).place({ side: 'buy', priceTicks: 9_900, qtyLots: 1 });
    await ctxOf(s).place({ side: 'sell', priceTicks: 10_100, qtyLots: 1 });
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(2);
    // Mid 98.50: 2 × (98.50 − 100) = −3 is not beyond the limit; 98.49 is.
    await r.feed(ticker('98.49', '98.51', T0 + 1));
    expect(h.state().state).toBe('running');
    await r.feed(ticker('98.48', '98.50', T0 + 2));
    expect(h.state()).toMatchObject({ state: 'killed', kill: { code: RiskCode.LossLimit, time: T0 + 2 } });
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
    expect(ctxOf(s).workingOrders()).toHaveLength(0);
    expect(await ctxOf(s).place({ side: 'sell', priceTicks: 9_850, qtyLots: 1 })).toMatchObject({ ok: false, code: RiskCode.KillSwitchActive });
    expect(h.metrics().riskBlocks['2107']).toBe(1);
    expect(r.log.some((l) => l.includes('KILL SWITCH 2108'))).toBe(true);
    // Stays stopped while the market goes on.
    const startsBefore = s.starts;
    s.events = [];
    await r.feed(ticker('98.40', '98.42', T0 + 3));
    expect(s.events).toEqual([]);
    expect(h.state().state).toBe('killed');
    // Reset: the loss counts from here on, the strategy resumes.
    expect(h.resetKill()).toBe(true);
    expect(h.state()).toEqual(expect.objectContaining({ state: 'running' }));
    expect(h.state().kill).toBeUndefined();
    expect(s.starts).toBe(startsBefore + 1);
    expect((await ctxOf(s).place({ side: 'sell', priceTicks: 9_850, qtyLots: 1 })).ok).toBe(true);
    expect(h.resetKill()).toBe(false);
  });

  it('an operator can trip it by hand (2113)', async () => {
    const { s, h } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 });
    expect(h.killSwitch('desk says stop')).toBe(true);
    await r.advance(0);
    expect(h.state()).toMatchObject({ state: 'killed', kill: { code: RiskCode.OperatorKill, reason: 'kill switch tripped by an operator: desk says stop' } });
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
    expect(h.killSwitch('again')).toBe(false);
  });

  it('a fall from the P&L peak beyond maxDrawdown trips it with 2109', async () => {
    const { s, h } = start({ maxDrawdown: '2' });
    await r.feed(ticker('99.99', '100.01', T0));
    await r.counterparty('sell', '100.00', '1');
    await ctxOf(s).place({ side: 'buy', priceTicks: 10_000, qtyLots: 1 });
    await r.feed(ticker('104.99', '105.01', T0 + 1)); // +5, the peak
    await r.feed(ticker('102.99', '103.01', T0 + 2)); // +3: 2 below, not beyond
    expect(h.state().state).toBe('running');
    await r.feed(ticker('102.98', '103.00', T0 + 3));
    expect(h.state()).toMatchObject({ state: 'killed', kill: { code: RiskCode.DrawdownLimit } });
  });
});

describe('lifecycle', () => {
  it('stop cancels every order and blocks with 2110; start again resumes', async () => {
    const { s, h } = start();
    await r.feed(ticker('99.99', '100.01', T0));
    await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 });
    await h.stop();
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
    expect(h.state().state).toBe('stopped');
    expect(await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 })).toMatchObject({ ok: false, code: RiskCode.StrategyNotRunning });
    h.start();
    expect((await ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 })).ok).toBe(true);
  });

  it("orders an earlier run left on the account are cancelled at start", async () => {
    r = rig();
    await r.venue.orders.submit({ account: 'acct-1', symbol: 'TEST', side: 'buy', type: 'limit', price: '99.00', quantity: '1' });
    const h = r.runtime.add({ id: 's1', account: 'acct-1', symbol: 'TEST', strategy: new Scripted() });
    h.start();
    await r.advance(0);
    expect(r.venue.orders.openOrders('acct-1')).toHaveLength(0);
  });

  it('timers run on the clock while the strategy runs; the equity curve is sampled at its interval', async () => {
    const { s, h } = start({}, { equityIntervalMs: 1000 });
    let fired = 0;
    ctxOf(s).setInterval(() => fired++, 500);
    await r.advance(3000);
    expect(fired).toBe(6);
    expect(h.equityCurve().map((e) => e.time)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
    await h.stop();
    await r.advance(3000);
    expect(fired).toBe(6);
    expect(h.equityCurve()).toHaveLength(3);
  });

  it('parameters: the strategy part and the risk part change together or not at all', () => {
    const { h } = start({ maxOrderQuantity: '5' });
    expect(h.updateParams({ risk: { maxOrderQuantity: '7' } })).toMatchObject({ ok: true });
    expect(h.params()).toMatchObject({ script: true, risk: { maxOrderQuantity: '7' } });
    expect(h.updateParams({ bad: true, risk: { maxOrderQuantity: '9' } })).toEqual({ ok: false, reason: 'bad: not allowed' });
    expect(h.updateParams({ risk: { maxOrderQuantity: 'nine' } })).toMatchObject({ ok: false, reason: expect.stringContaining('risk: maxOrderQuantity') });
    expect(h.params()).toMatchObject({ risk: { maxOrderQuantity: '7' } });
    expect(h.updateParams([])).toMatchObject({ ok: false });
  });

  it('a strategy that throws is logged and counted, and the runtime goes on', async () => {
    const { s, h } = start();
    s.onTop = () => {
      throw new Error('boom');
    };
    await r.feed(ticker('99.99', '100.01', T0));
    await r.feed(ticker('99.98', '100.01', T0 + 1));
    expect(h.metrics().errors).toBe(2);
    expect(r.log.filter((l) => l.includes('strategy error: Error: boom'))).toHaveLength(2);
  });
});

describe('a gateway that answers later (a venue with a journal)', () => {
  it('a cancel before the acknowledgement goes out once the order is acknowledged', async () => {
    r = rig();
    const inner = r.venue.orders;
    // Entry waits a turn, as it does behind a journal's fsync.
    const later: OrderGateway = {
      submit: (req: OrderEntryRequest) => new Promise((resolve) => setImmediate(() => resolve(inner.submit(req)))),
      cancel: (id, account) => inner.cancel(id, account),
      replace: (id, change, account) => inner.replace(id, change, account),
      onOrderUpdate: (account, listener) => inner.onOrderUpdate(account, listener),
      order: (id) => inner.order(id),
      openOrders: (account) => inner.openOrders(account),
    };
    const { StrategyRuntime } = await import('../../src/strategy/runtime.js');
    const runtime = new StrategyRuntime({ gateway: later, clock: r.clock, instruments: [{ symbol: 'TEST', tickSize: '0.01', lotSize: '1' }] });
    const s = new Scripted();
    const h = runtime.add({ id: 'late', account: 'acct-late', symbol: 'TEST', strategy: s, risk: {} });
    h.start();
    runtime.onReference(ticker('99.99', '100.01', T0));
    const placing = ctxOf(s).place({ side: 'buy', priceTicks: 9_990, qtyLots: 1 });
    const [pending] = ctxOf(s).workingOrders();
    expect(pending).toMatchObject({ status: 'pending_new', orderId: undefined });
    const cancelling = ctxOf(s).cancel(pending.clientOrderId);
    expect((await placing).ok).toBe(true);
    expect(await cancelling).toMatchObject({ ok: true });
    await runtime.settled();
    expect(inner.openOrders('acct-late')).toHaveLength(0);
    expect(ctxOf(s).workingOrders()).toHaveLength(0);
    await runtime.stopAll();
    runtime.dispose();
  });
});
