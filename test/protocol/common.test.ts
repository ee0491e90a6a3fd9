// The building blocks: decimals as strings, symbols, ids, levels.
import { describe, expect, it } from 'vitest';
import { decimalString, orderId, priceLevel, symbolName, unsignedDecimal } from '../../src/protocol/index.js';

describe('protocol building blocks', () => {
  it('takes decimals only as plain decimal strings', () => {
    for (const ok of ['0', '101.25', '0.00001', '65000.00']) expect(unsignedDecimal.safeParse(ok).success, ok).toBe(true);
    for (const bad of [101.25, '1e5', '-1', '.5', '1.', '', ' 1', '1,5', 'NaN', null]) expect(unsignedDecimal.safeParse(bad).success, String(bad)).toBe(false);
    expect(decimalString.safeParse('-0.5').success).toBe(true);
    expect(unsignedDecimal.safeParse('1'.repeat(65)).success).toBe(false);
  });

  it('checks symbols, order ids and levels', () => {
    expect(symbolName.safeParse('BTC-USD.P').success).toBe(true);
    expect(symbolName.safeParse('has space').success).toBe(false);
    expect(symbolName.safeParse('X'.repeat(33)).success).toBe(false);
    expect(orderId.safeParse('42').success).toBe(true);
    for (const bad of ['0', '042', '-1', '1'.repeat(16), 42]) expect(orderId.safeParse(bad).success, String(bad)).toBe(false);
    expect(priceLevel.safeParse(['190.00', '300', 2]).success).toBe(true);
    expect(priceLevel.safeParse(['190.00', '0', 0]).success).toBe(true);
    expect(priceLevel.safeParse(['190.00', 300, 2]).success).toBe(false);
    expect(priceLevel.safeParse(['190.00', '300', 2, 'extra']).success).toBe(false);
    expect(priceLevel.safeParse(['190.00', '300', 1.5]).success).toBe(false);
  });
});
