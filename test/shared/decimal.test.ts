import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalToUnits, decimalToUnitsExact, parseDecimal, parseStep, priceToTicks, qtyToLots, unitsToDecimal, unitsToDecimalExact } from '../../src/shared/decimal.js';
import { RejectCode } from '../../src/shared/reject-codes.js';

const ok = (units: number) => ({ ok: true, units });
const fail = (code: RejectCode) => ({ ok: false, code });

describe('parseDecimal', () => {
  it('reads plain decimals as coefficient and scale', () => {
    expect(parseDecimal('101.25')).toEqual({ coefficient: 10125n, scale: 2 });
    expect(parseDecimal('7')).toEqual({ coefficient: 7n, scale: 0 });
    expect(parseDecimal('-0.5')).toEqual({ coefficient: -5n, scale: 1 });
    expect(parseDecimal('+3.0')).toEqual({ coefficient: 30n, scale: 1 });
    expect(parseDecimal('.5')).toEqual({ coefficient: 5n, scale: 1 });
    expect(parseDecimal('-.25')).toEqual({ coefficient: -25n, scale: 2 });
    expect(parseDecimal('0.00001')).toEqual({ coefficient: 1n, scale: 5 });
  });

  it('refuses exponents, separators, blanks and non-strings', () => {
    for (const bad of ['', '1e5', '1E-2', '1,000', '1_000', ' 1', '1 ', '1.', '.', '-', '1.2.3', 'abc', '0x10', 'NaN', 'Infinity', '--1']) {
      expect(parseDecimal(bad), bad).toBeUndefined();
    }
    expect(parseDecimal(1 as unknown as string)).toBeUndefined();
    expect(parseDecimal(undefined as unknown as string)).toBeUndefined();
  });

  it('refuses texts longer than 64 characters', () => {
    expect(parseDecimal('1'.repeat(64))).toBeDefined();
    expect(parseDecimal('1'.repeat(65))).toBeUndefined();
  });
});

describe('parseStep', () => {
  it('accepts positive steps only', () => {
    expect(parseStep('0.01')).toEqual({ coefficient: 1n, scale: 2 });
    expect(parseStep('0.00001')).toEqual({ coefficient: 1n, scale: 5 });
    expect(parseStep('2.5')).toEqual({ coefficient: 25n, scale: 1 });
    for (const bad of ['0', '0.000', '-0.01', '-1', 'x', '']) expect(parseStep(bad), bad).toBeUndefined();
  });
});

describe('decimal to integer units', () => {
  it('converts prices on the tick grid exactly', () => {
    expect(priceToTicks('101.25', '0.01')).toEqual(ok(10125));
    expect(priceToTicks('101.2', '0.01')).toEqual(ok(10120));
    expect(priceToTicks('1.05', '0.05')).toEqual(ok(21));
    expect(priceToTicks('100', '0.25')).toEqual(ok(400));
    expect(priceToTicks('7.5', '2.5')).toEqual(ok(3));
  });

  it('is exact where binary floating point is not (0.3 / 0.1)', () => {
    expect(0.3 / 0.1).not.toBe(3);
    expect(priceToTicks('0.3', '0.1')).toEqual(ok(3));
    expect(priceToTicks('1.15', '0.05')).toEqual(ok(23));
  });

  it('converts "0.00001" lots', () => {
    expect(qtyToLots('0.00001', '0.00001')).toEqual(ok(1));
    expect(qtyToLots('1.23456', '0.00001')).toEqual(ok(123456));
    expect(qtyToLots('1', '0.00001')).toEqual(ok(100000));
    expect(qtyToLots('0.1', '0.00001')).toEqual(ok(10000));
    expect(qtyToLots('0.000010', '0.00001')).toEqual(ok(1));
  });

  it('rejects a price between ticks with PriceNotOnTick, never rounding', () => {
    expect(priceToTicks('101.255', '0.01')).toEqual(fail(RejectCode.PriceNotOnTick));
    expect(priceToTicks('1.07', '0.05')).toEqual(fail(RejectCode.PriceNotOnTick));
    expect(priceToTicks('0.001', '0.01')).toEqual(fail(RejectCode.PriceNotOnTick));
  });

  it('rejects a quantity between lots with QtyNotOnLot', () => {
    expect(qtyToLots('0.000015', '0.00001')).toEqual(fail(RejectCode.QtyNotOnLot));
    expect(qtyToLots('1.5', '1')).toEqual(fail(RejectCode.QtyNotOnLot));
    expect(qtyToLots('0.000001', '0.00001')).toEqual(fail(RejectCode.QtyNotOnLot));
  });

  it('uses the caller-given off-grid code', () => {
    expect(decimalToUnits('1.5', '1', RejectCode.PriceNotOnTick)).toEqual(fail(RejectCode.PriceNotOnTick));
    expect(decimalToUnits('1.5', '1', RejectCode.QtyNotOnLot)).toEqual(fail(RejectCode.QtyNotOnLot));
  });

  it('rejects malformed values and steps with InvalidDecimal', () => {
    expect(priceToTicks('1e2', '0.01')).toEqual(fail(RejectCode.InvalidDecimal));
    expect(priceToTicks('abc', '0.01')).toEqual(fail(RejectCode.InvalidDecimal));
    expect(qtyToLots('', '1')).toEqual(fail(RejectCode.InvalidDecimal));
    expect(priceToTicks('1', '0')).toEqual(fail(RejectCode.InvalidDecimal));
    expect(priceToTicks('1', '-0.01')).toEqual(fail(RejectCode.InvalidDecimal));
    expect(priceToTicks('1', 'x')).toEqual(fail(RejectCode.InvalidDecimal));
  });

  it('accepts exactly the safe integer range and rejects beyond it with DecimalOutOfRange', () => {
    const max = Number.MAX_SAFE_INTEGER;
    expect(qtyToLots(String(max), '1')).toEqual(ok(max));
    expect(qtyToLots(String(-max), '1')).toEqual(ok(-max));
    expect(qtyToLots('9007199254740992', '1')).toEqual(fail(RejectCode.DecimalOutOfRange));
    expect(qtyToLots('-9007199254740992', '1')).toEqual(fail(RejectCode.DecimalOutOfRange));
    expect(qtyToLots('90071992547.40991', '0.00001')).toEqual(ok(max));
    expect(qtyToLots('90071992547.40992', '0.00001')).toEqual(fail(RejectCode.DecimalOutOfRange));
    expect(priceToTicks('1', '0.0000000000000000001')).toEqual(fail(RejectCode.DecimalOutOfRange));
    expect(priceToTicks('9'.repeat(40), '1')).toEqual(fail(RejectCode.DecimalOutOfRange));
  });

  it('reports off-grid before out-of-range when a huge value is also off the grid', () => {
    expect(priceToTicks('9'.repeat(40) + '.001', '0.01')).toEqual(fail(RejectCode.PriceNotOnTick));
  });

  it('converts zero and negative values on the grid', () => {
    expect(priceToTicks('0', '0.01')).toEqual(ok(0));
    expect(priceToTicks('-0.05', '0.01')).toEqual(ok(-5));
  });
});

describe('integer units to decimal', () => {
  it("writes the step's number of decimal places", () => {
    expect(unitsToDecimal(10125, '0.01')).toBe('101.25');
    expect(unitsToDecimal(10120, '0.01')).toBe('101.20');
    expect(unitsToDecimal(1, '0.00001')).toBe('0.00001');
    expect(unitsToDecimal(123456, '0.00001')).toBe('1.23456');
    expect(unitsToDecimal(0, '0.01')).toBe('0.00');
    expect(unitsToDecimal(5, '0.05')).toBe('0.25');
    expect(unitsToDecimal(3, '2.5')).toBe('7.5');
    expect(unitsToDecimal(7, '1')).toBe('7');
    expect(unitsToDecimal(-5, '0.01')).toBe('-0.05');
    expect(unitsToDecimal(-7, '1')).toBe('-7');
    expect(unitsToDecimal(Number.MAX_SAFE_INTEGER, '0.00001')).toBe('90071992547.40991');
  });

  it('throws on a step that is not a positive decimal or units that are not a safe integer', () => {
    expect(() => unitsToDecimal(1, '0')).toThrow(RangeError);
    expect(() => unitsToDecimal(1, 'abc')).toThrow(RangeError);
    expect(() => unitsToDecimal(1.5, '0.01')).toThrow(RangeError);
    expect(() => unitsToDecimal(2 ** 53, '0.01')).toThrow(RangeError);
    expect(() => unitsToDecimal(Number.NaN, '0.01')).toThrow(RangeError);
  });
});

const steps = ['1', '0.01', '0.05', '0.25', '0.00001', '2.5', '10', '0.000000001'];

describe('round trips', () => {
  it('units -> decimal -> units gives the same units for every step', () => {
    fc.assert(
      fc.property(fc.constantFrom(...steps), fc.integer({ min: -1e12, max: 1e12 }), (step, units) => {
        expect(decimalToUnits(unitsToDecimal(units, step), step, RejectCode.PriceNotOnTick)).toEqual(ok(units));
      }),
    );
  });

  it('decimal -> units -> decimal gives the same value back in canonical form', () => {
    fc.assert(
      fc.property(fc.constantFrom(...steps), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (step, n) => {
        const s = parseStep(step)!;
        // n steps written with extra trailing zeros: the same value, a different text.
        const coefficient = n * s.coefficient * 10n;
        const scale = s.scale + 1;
        const neg = coefficient < 0n;
        const digits = (neg ? -coefficient : coefficient).toString().padStart(scale + 1, '0');
        const text = (neg ? '-' : '') + digits.slice(0, -scale) + '.' + digits.slice(-scale);
        expect(decimalToUnits(text, step, RejectCode.QtyNotOnLot)).toEqual(ok(Number(n)));
        expect(parseDecimal(unitsToDecimal(Number(n), step))).toEqual({ coefficient: n * s.coefficient, scale: s.scale });
      }),
    );
  });

  it('a value a fraction of a step off the grid is always rejected as off-grid', () => {
    fc.assert(
      fc.property(fc.constantFrom(...steps), fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 9 }), (step, units, tenth) => {
        // units + tenth/10 steps, written exactly with one more decimal place than the step.
        const s = parseStep(step)!;
        const coefficient = (BigInt(units) * 10n + BigInt(tenth)) * s.coefficient;
        const scale = s.scale + 1;
        const neg = coefficient < 0n;
        const digits = (neg ? -coefficient : coefficient).toString().padStart(scale + 1, '0');
        const text = (neg ? '-' : '') + digits.slice(0, -scale) + '.' + digits.slice(-scale);
        expect(priceToTicks(text, step)).toEqual(fail(RejectCode.PriceNotOnTick));
        expect(qtyToLots(text, step)).toEqual(fail(RejectCode.QtyNotOnLot));
      }),
    );
  });
});

describe('the number fast path equals the BigInt reference', () => {
  const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 20 });
  const decimalText = fc.oneof(
    fc.tuple(fc.constantFrom('', '-', '+'), digits, fc.constantFrom('', '.'), digits).map(([s, a, d, b]) => `${s}${a}${d}${b}`),
    fc.string({ unit: fc.constantFrom(...'0123456789.-+e x'), maxLength: 24 }),
  );
  const stepText = fc.constantFrom('1', '0.01', '0.05', '0.00001', '0.001', '0.0001', '0.25', '5', '100', '0.000000001', '12345678901234567.5');

  it('decimalToUnits on generated texts and steps', () => {
    fc.assert(
      fc.property(decimalText, stepText, (value, step) => {
        expect(decimalToUnits(value, step, RejectCode.PriceNotOnTick)).toEqual(decimalToUnitsExact(value, step, RejectCode.PriceNotOnTick));
      }),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it('unitsToDecimal on generated units and steps', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), stepText, (units, step) => {
        expect(unitsToDecimal(units, step)).toBe(unitsToDecimalExact(units, step));
      }),
      { numRuns: 20_000, seed: 7 },
    );
  });

  it('at the edges of the fast path', () => {
    for (const value of ['999999999999999', '9999999999999999', '0.000000000000001', '-0', '-0.00', '+.5', '.5', '5.', '.', '-', '']) {
      for (const step of ['1', '0.01', '0.00001']) expect(decimalToUnits(value, step, RejectCode.QtyNotOnLot), `${value} / ${step}`).toEqual(decimalToUnitsExact(value, step, RejectCode.QtyNotOnLot));
    }
    expect(decimalToUnits('-0', '0.01', RejectCode.PriceNotOnTick)).toEqual({ ok: true, units: 0 });
    expect(Object.is(unitsToDecimal(0, '0.01'), '0.00')).toBe(true);
  });
});
