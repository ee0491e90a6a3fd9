import { describe, expect, it } from 'vitest';
import { allRejectCodes, RejectCode, rejectReason } from '../../src/shared/reject-codes.js';

// Codes are part of the public protocol (FIX, API, journals): a published number must never move.
const PUBLISHED: Record<keyof typeof RejectCode, number> = {
  InvalidDecimal: 1001,
  PriceNotOnTick: 1002,
  QtyNotOnLot: 1003,
  DecimalOutOfRange: 1004,
  MissingField: 1005,
  UnsupportedValue: 1006,
  DuplicateClOrdId: 1007,
  SymbolHalted: 2001,
  VenueClosing: 2002,
  OrderRateExceeded: 2003,
  RiskOrderQuantityLimit: 2101,
  RiskOrderNotionalLimit: 2102,
  RiskPositionLimit: 2103,
  RiskPriceOutsideReferenceBand: 2104,
  RiskNoReferencePrice: 2105,
  RiskOrderRateLimit: 2106,
  RiskKillSwitchActive: 2107,
  RiskLossLimit: 2108,
  RiskDrawdownLimit: 2109,
  RiskStrategyNotRunning: 2110,
  RiskOrderInFlight: 2111,
  RiskInvalidOrder: 2112,
  RiskOperatorKill: 2113,
  UnknownSymbol: 3001,
  InvalidSide: 3002,
  InvalidQty: 3003,
  QtyBelowMinimum: 3004,
  QtyAboveMaximum: 3005,
  InvalidPrice: 3006,
  PriceOutsideBand: 3007,
  DuplicateOrderId: 3008,
  UnknownOrder: 3009,
  PostOnlyWouldTake: 3010,
  InvalidOrderType: 3011,
  InvalidTimeInForce: 3012,
  StopWouldTriggerImmediately: 3013,
  InvalidDisplayQty: 3014,
  InvalidStopPrice: 3015,
  ReplaceQtyNotAboveFilled: 3016,
  InvalidStpMode: 3017,
  InvalidAccount: 3018,
  InvalidOrderId: 3019,
  InvalidCommand: 3020,
  DuplicateSymbol: 3021,
  InvalidInstrument: 3022,
};

// Which pipeline stage owns each code; the thousands digit must say the same.
const EDGE = new Set<string>(['InvalidDecimal', 'PriceNotOnTick', 'QtyNotOnLot', 'DecimalOutOfRange', 'MissingField', 'UnsupportedValue', 'DuplicateClOrdId']);
const VENUE = new Set<string>(['SymbolHalted', 'VenueClosing', 'OrderRateExceeded']);
const stageRange = (name: string): [number, number] =>
  EDGE.has(name) ? [1000, 1999] : VENUE.has(name) ? [2000, 2099] : name.startsWith('Risk') ? [2100, 2199] : [3000, 3999];

describe('reject codes', () => {
  it('keep their published numbers', () => {
    expect({ ...RejectCode }).toEqual(PUBLISHED);
  });

  it('are distinct', () => {
    const codes = Object.values(RejectCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('each sit in the range of their stage', () => {
    for (const [name, code] of Object.entries(RejectCode)) {
      const [lo, hi] = stageRange(name);
      expect(code, name).toBeGreaterThanOrEqual(lo);
      expect(code, name).toBeLessThanOrEqual(hi);
    }
  });

  it('each have a distinct, non-empty reason', () => {
    const all = allRejectCodes();
    expect(all.map((c) => c.code)).toEqual(Object.values(RejectCode));
    for (const { code, reason } of all) {
      expect(typeof reason, String(code)).toBe('string');
      expect(reason.trim().length, String(code)).toBeGreaterThan(0);
      expect(reason, String(code)).not.toMatch(/^reject \d+$/);
      expect(rejectReason(code)).toBe(reason);
    }
    expect(new Set(all.map((c) => c.reason)).size).toBe(all.length);
  });

  it('give a generic reason for a number that is not a code instead of failing', () => {
    expect(rejectReason(9999 as RejectCode)).toBe('reject 9999');
  });

  it('describe what went wrong in words a user can act on', () => {
    expect(rejectReason(RejectCode.PriceNotOnTick)).toMatch(/tick/);
    expect(rejectReason(RejectCode.QtyNotOnLot)).toMatch(/lot/);
    expect(rejectReason(RejectCode.PostOnlyWouldTake)).toMatch(/post-only/);
    expect(rejectReason(RejectCode.UnknownSymbol)).toMatch(/symbol/);
  });
});
