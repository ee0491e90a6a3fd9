import { describe, expect, it } from 'vitest';
import { decimalsOf, formatCount, formatDecimal, formatPercent, formatUnits, formatUptime, groupThousands, toUnits, unitsToText } from '../../web/src/units.js';

describe('decimal strings and integer units', () => {
  it('reads a decimal at the instrument scale exactly', () => {
    expect(toUnits('190.05', 2)).toBe(19005);
    expect(toUnits('190.5', 2)).toBe(19050);
    expect(toUnits('190', 2)).toBe(19000);
    expect(toUnits('0.00123', 5)).toBe(123);
    // 0.1 + 0.2 style float traps never happen: every step is integer.
    expect(toUnits('0.1', 2) + toUnits('0.2', 2)).toBe(toUnits('0.3', 2));
    expect(toUnits('1e5', 2)).toBeNaN();
  });

  it('counts decimals of a tick or lot as written', () => {
    expect(decimalsOf('0.01')).toBe(2);
    expect(decimalsOf('0.00001')).toBe(5);
    expect(decimalsOf('1')).toBe(0);
  });

  it('writes units back with the scale fixed', () => {
    expect(unitsToText(19005, 2)).toBe('190.05');
    expect(unitsToText(5, 3)).toBe('0.005');
    expect(unitsToText(7, 0)).toBe('7');
    expect(unitsToText(-150, 2)).toBe('-1.50');
  });

  it('groups thousands in the whole part only', () => {
    expect(groupThousands('1234567.12345')).toBe('1,234,567.12345');
    expect(groupThousands('999')).toBe('999');
    expect(formatUnits(6_505_935, 2)).toBe('65,059.35');
    expect(formatCount(1234)).toBe('1,234');
  });

  it('rounds a decimal string half up on its digits', () => {
    expect(formatDecimal('190.12345', 2)).toBe('190.12');
    expect(formatDecimal('190.125', 2)).toBe('190.13');
    expect(formatDecimal('9999.995', 2)).toBe('10,000.00');
    expect(formatDecimal('3', 2)).toBe('3.00');
    expect(formatDecimal('0.0000001', 2)).toBe('0.00');
    expect(formatDecimal('123456789012345.675', 2)).toBe('123,456,789,012,345.68');
  });

  it('shows ratios and uptime the way the panels do', () => {
    expect(formatPercent(0.4567)).toBe('45.7%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatUptime(3725)).toBe('01:02:05');
    expect(formatUptime(90_061)).toBe('1d 01:01:01');
  });
});
