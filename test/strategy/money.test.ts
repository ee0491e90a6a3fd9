import { describe, expect, it } from 'vitest';
import { formatMoney, moneyToNumber, mulDiv, parseMoney } from '../../src/strategy/money.js';

describe('money', () => {
  it('parses and prints exact decimals, trailing zeros dropped', () => {
    expect(formatMoney(parseMoney('-12.500')!)).toBe('-12.5');
    expect(formatMoney(parseMoney('0.000000000000000001')!)).toBe('0.000000000000000001');
    expect(formatMoney(parseMoney('-0.0001')!)).toBe('-0.0001');
    expect(formatMoney(0n)).toBe('0');
    expect(formatMoney(parseMoney('123456789012345678901.5')!)).toBe('123456789012345678901.5');
  });

  it('refuses what it cannot hold exactly', () => {
    expect(parseMoney('1e5')).toBeUndefined();
    expect(parseMoney('0.0000000000000000001')).toBeUndefined();
    expect(parseMoney('')).toBeUndefined();
  });

  it('converts to a float for ratios', () => {
    expect(moneyToNumber(parseMoney('-1234.5678')!)).toBeCloseTo(-1234.5678, 10);
  });

  it('mulDiv rounds half away from zero', () => {
    expect(mulDiv(5n, 1n, 2n)).toBe(3n);
    expect(mulDiv(-5n, 1n, 2n)).toBe(-3n);
    expect(mulDiv(4n, 1n, 3n)).toBe(1n);
    expect(mulDiv(-4n, 1n, 3n)).toBe(-1n);
    expect(mulDiv(7n, 3n, 7n)).toBe(3n);
  });
});
