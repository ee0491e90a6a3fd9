import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderType, Side, TimeInForce } from '../../src/engine/index.js';
import { AccountDirectory, averagePrice, isDone, OrdStatus, OrderRegistry, recordFill, workingStatus, type OrderRecord } from '../../src/venue/order-registry.js';

const AAPL = { symbol: 'AAPL', tickSize: '0.01', lotSize: '1' };

function record(orderId: number, clOrdID: string, sessionKey = 'FIX.4.4:CRUCIBLE->S1', qty = 100): OrderRecord {
  return {
    orderId,
    sessionKey,
    account: undefined,
    accountId: 1,
    instrument: AAPL,
    side: Side.Buy,
    type: OrderType.Limit,
    tif: TimeInForce.GTC,
    postOnly: false,
    displayQty: 0,
    clOrdID,
    clOrdIDs: [clOrdID],
    price: 10125,
    stopPrice: 0,
    orderQty: qty,
    leavesQty: qty,
    cumQty: 0,
    notional: 0n,
    status: OrdStatus.New,
  };
}

function open(registry: OrderRegistry, r: OrderRecord): OrderRecord {
  expect(registry.reserveClOrdId(r.sessionKey, r.clOrdID)).toBe(true);
  registry.add(r);
  return r;
}

describe('average price', () => {
  it('is 0 before any fill and the fill price after one', () => {
    expect(averagePrice(0n, 0, '0.01')).toBe('0');
    expect(averagePrice(10125n * 100n, 100, '0.01')).toBe('101.25');
  });

  it("keeps at least the tick's decimals and trims the rest", () => {
    expect(averagePrice(10100n * 3n, 3, '0.01')).toBe('101.00');
    expect(averagePrice(10150n * 1n + 10100n * 1n, 2, '0.01')).toBe('101.25');
    expect(averagePrice(5n * 7n, 7, '1')).toBe('5');
  });

  it("carries four decimals more than the tick, rounded half up", () => {
    // (101.25 × 100 + 101.30 × 20) / 120 = 101.2583333…
    expect(averagePrice(10125n * 100n + 10130n * 20n, 120, '0.01')).toBe('101.258333');
    // (1.00 + 1.01 + 1.01) / 3 = 1.0066666…
    expect(averagePrice(100n + 101n + 101n, 3, '0.01')).toBe('1.006667');
    // 0.01 / 20000 = 0.0000005: exactly half of the sixth decimal, so up; a hair less goes down.
    expect(averagePrice(1n, 20_000, '0.01')).toBe('0.000001');
    expect(averagePrice(1n, 20_001, '0.01')).toBe('0.00');
    expect(averagePrice(1n, 8, '0.01')).toBe('0.00125');
    expect(averagePrice(3n, 2, '0.00001')).toBe('0.000015');
  });

  it('works on ticks that are not a power of ten', () => {
    // ticks of 0.25: (4 × 0.25 × 1 + 5 × 0.25 × 1) / 2 = 1.125
    expect(averagePrice(4n + 5n, 2, '0.25')).toBe('1.125');
    expect(averagePrice(3n * 3n, 3, '5')).toBe('15');
  });

  it('stays exact where floating point would not', () => {
    const price = 900_719_925_474_099n; // ticks, near 2^53 / 10
    const qty = 9_007_199_254_740_991n; // lots: the largest safe integer
    expect(averagePrice(price * qty, Number(qty), '0.01')).toBe('9007199254740.99');
  });
});

describe('order totals', () => {
  it('add fills up and move the status from partially filled to filled', () => {
    const r = record(1, 'a');
    recordFill(r, 10125, 30, 70, 30);
    expect([r.status, r.leavesQty, r.cumQty, r.notional]).toEqual([OrdStatus.PartiallyFilled, 70, 30, 303750n]);
    expect(workingStatus(r)).toBe(OrdStatus.PartiallyFilled);
    expect(isDone(r)).toBe(false);
    recordFill(r, 10130, 70, 0, 100);
    expect([r.status, r.leavesQty, r.cumQty]).toEqual([OrdStatus.Filled, 0, 100]);
    expect(isDone(r)).toBe(true);
    expect(averagePrice(r.notional, r.cumQty, '0.01')).toBe('101.285');
  });
});

describe('order registry', () => {
  it('keeps ClOrdIDs unique per session, not across sessions', () => {
    const registry = new OrderRegistry();
    expect(registry.reserveClOrdId('S1', 'x')).toBe(true);
    expect(registry.reserveClOrdId('S1', 'x')).toBe(false);
    expect(registry.reserveClOrdId('S2', 'x')).toBe(true);
    expect(registry.isClOrdIdUsed('S1', 'x')).toBe(true);
    expect(registry.isClOrdIdUsed('S3', 'x')).toBe(false);
  });

  it('finds an order under every ClOrdID it has had, and by engine id', () => {
    const registry = new OrderRegistry();
    const r = open(registry, record(7, 'a'));
    registry.reserveClOrdId(r.sessionKey, 'b');
    expect(registry.rename(r, 'b')).toBe('a');
    expect(r.clOrdID).toBe('b');
    expect(registry.byClOrdId(r.sessionKey, 'a')).toBe(r);
    expect(registry.byClOrdId(r.sessionKey, 'b')).toBe(r);
    expect(registry.byClOrdId('other', 'a')).toBeUndefined();
    expect(registry.byId(7)).toBe(r);
  });

  it("lists a session's live orders in entry order until they finish", () => {
    const registry = new OrderRegistry();
    const a = open(registry, record(1, 'a'));
    const b = open(registry, record(2, 'b'));
    open(registry, record(3, 'c', 'S2'));
    expect(registry.liveOrders(a.sessionKey)).toEqual([a, b]);
    registry.finish(a);
    expect(registry.liveOrders(a.sessionKey)).toEqual([b]);
    expect(registry.byId(1)).toBe(a);
    registry.finish(b);
    expect(registry.liveOrders(a.sessionKey)).toEqual([]);
  });

  it('forgets done orders and spent ClOrdIDs oldest first, never live ones', () => {
    const registry = new OrderRegistry(2);
    const live = open(registry, record(1, 'live'));
    const done1 = open(registry, record(2, 'd1'));
    const done2 = open(registry, record(3, 'd2'));
    registry.finish(done1);
    registry.finish(done2);
    registry.reserveClOrdId(live.sessionKey, 'rejected');
    registry.spendClOrdId(live.sessionKey, 'rejected');
    // Three retired, room for two: the oldest done order goes, ClOrdID and all.
    expect(registry.byId(2)).toBeUndefined();
    expect(registry.isClOrdIdUsed(live.sessionKey, 'd1')).toBe(false);
    expect(registry.byId(3)).toBe(done2);
    expect(registry.isClOrdIdUsed(live.sessionKey, 'rejected')).toBe(true);
    expect(registry.byId(1)).toBe(live);
    expect(registry.size).toBe(2);
  });

  it('does not retire a ClOrdID that names an order when asked to spend it', () => {
    const registry = new OrderRegistry(0);
    const r = open(registry, record(1, 'a'));
    registry.spendClOrdId(r.sessionKey, 'a');
    expect(registry.byClOrdId(r.sessionKey, 'a')).toBe(r);
  });
});

describe('accounts', () => {
  it('number account names from 1, the same name always the same number', () => {
    const accounts = new AccountDirectory();
    expect([accounts.idFor('ACME'), accounts.idFor('S1'), accounts.idFor('ACME')]).toEqual([1, 2, 1]);
    expect(accounts.size).toBe(2);
  });
});

describe('order registry snapshots', () => {
  it('restore the same registry: orders, ClOrdIDs, live order order and what ages out next', () => {
    const build = (registry: OrderRegistry): OrderRecord[] => {
      const S1 = 'FIX.4.4:CRUCIBLE->S1';
      const S2 = 'FIX.4.4:CRUCIBLE->S2';
      const a = record(1, 'a');
      const b = record(2, 'b', S2);
      const c = record(3, 'c');
      for (const r of [a, b, c]) {
        registry.reserveClOrdId(r.sessionKey, r.clOrdID);
        registry.add(r);
      }
      registry.reserveClOrdId(S1, 'refused');
      registry.spendClOrdId(S1, 'refused');
      registry.reserveClOrdId(S1, 'a2');
      registry.rename(a, 'a2');
      recordFill(b, 10125, 100, 0, 100);
      registry.finish(b);
      return [a, b, c];
    };
    const original = new OrderRegistry(3);
    build(original);
    const snapshot = original.snapshot();
    const restored = OrderRegistry.restore(JSON.parse(JSON.stringify(snapshot)), 3, (s) => (s === 'AAPL' ? AAPL : undefined));
    expect(restored.snapshot()).toEqual(snapshot);
    expect(restored.byClOrdId('FIX.4.4:CRUCIBLE->S1', 'a')).toBe(restored.byId(1));
    expect(restored.byId(2)?.notional).toBe(1012500n);
    expect(restored.liveOrders('FIX.4.4:CRUCIBLE->S1').map((r) => r.orderId)).toEqual([1, 3]);
    expect(restored.isClOrdIdUsed('FIX.4.4:CRUCIBLE->S1', 'refused')).toBe(true);

    // Both age out the same way from here on.
    for (const registry of [original, restored]) {
      for (let i = 0; i < 2; i++) {
        registry.reserveClOrdId('FIX.4.4:CRUCIBLE->S3', `x${i}`);
        registry.spendClOrdId('FIX.4.4:CRUCIBLE->S3', `x${i}`);
      }
    }
    expect(restored.snapshot()).toEqual(original.snapshot());
    expect(restored.isClOrdIdUsed('FIX.4.4:CRUCIBLE->S1', 'refused')).toBe(false);
  });

  it('refuse a snapshot that names an order it does not hold, or an unlisted symbol', () => {
    const registry = new OrderRegistry();
    registry.reserveClOrdId('S', 'a');
    registry.add(record(1, 'a', 'S'));
    const snapshot = registry.snapshot();
    expect(() => OrderRegistry.restore({ ...snapshot, live: [['S', [9]]] }, 10, () => AAPL)).toThrow(/names order 9/);
    expect(() => OrderRegistry.restore(snapshot, 10, () => undefined)).toThrow(/AAPL, which is not listed/);
  });

  it('keep the account directory numbering', () => {
    const accounts = new AccountDirectory();
    accounts.idFor('A');
    accounts.idFor('B');
    const restored = AccountDirectory.restore(accounts.snapshot());
    expect([restored.idFor('B'), restored.idFor('C')]).toEqual([2, 3]);
  });
});

describe('averagePrice equals the exact BigInt computation', () => {
  /** The formula in BigInt throughout: rounded half up to the tick's decimals plus four, trailing zeros trimmed to the tick's. */
  function reference(notional: bigint, cumQty: number, tickSize: string): string {
    if (cumQty <= 0) return '0';
    const [whole = '', frac = ''] = tickSize.split('.');
    const coefficient = BigInt(whole + frac);
    const scale = frac.length;
    const scaled = (2n * notional * coefficient * 10_000n + BigInt(cumQty)) / (2n * BigInt(cumQty));
    const decimals = scale + 4;
    const digits = scaled.toString().padStart(decimals + 1, '0');
    let fraction = digits.slice(digits.length - decimals);
    while (fraction.length > scale && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
    const int = digits.slice(0, digits.length - decimals);
    return fraction.length === 0 ? int : `${int}.${fraction}`;
  }

  it('on generated fills, small and huge, in every tick size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.integer({ min: 1, max: 2 ** 30 })), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('0.01', '1', '0.00001', '0.5', '0.25', '100'),
        (fills, tick) => {
          const notional = fills.reduce((n, [price, qty]) => n + BigInt(price) * BigInt(qty), 0n);
          const cum = fills.reduce((c, [, qty]) => c + qty, 0);
          expect(averagePrice(notional, cum, tick)).toBe(reference(notional, cum, tick));
        },
      ),
      { numRuns: 20_000, seed: 3 },
    );
  });

  it('rounds half up at the boundary in both paths', () => {
    // 1/3 and 2/3 of a tick, and an exact half of the last decimal.
    expect(averagePrice(10100n + 10100n + 10101n, 3, '0.01')).toBe(reference(10100n + 10100n + 10101n, 3, '0.01'));
    expect(averagePrice(1n, 20_000, '0.01')).toBe('0.000001');
    expect(averagePrice(1n, 20_001, '0.01')).toBe('0.00');
    expect(averagePrice(2n ** 60n + 1n, 2, '0.01')).toBe(reference(2n ** 60n + 1n, 2, '0.01'));
  });
});
