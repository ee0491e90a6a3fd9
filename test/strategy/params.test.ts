import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { InstrumentGrid } from '../../src/strategy/instrument-grid.js';
import { checkQuantity, ParamsError, ParamsHolder, positiveDecimal, sizeLots } from '../../src/strategy/params.js';

const grid = new InstrumentGrid({ symbol: 'TEST', tickSize: '0.01', lotSize: '0.1' });
const schema = z.strictObject({ size: positiveDecimal.default('1'), levels: z.number().int().min(1).default(2) });
const holder = (input: unknown): ParamsHolder<typeof schema> => new ParamsHolder(schema, input, grid, (p, g) => checkQuantity('size', p.size, g, true), 'test');

describe('strategy parameters', () => {
  it('fill defaults and refuse what does not validate, naming the field', () => {
    expect(holder(undefined).value).toEqual({ size: '1', levels: 2 });
    expect(() => holder({ levels: 0 })).toThrow(ParamsError);
    expect(() => holder({ levels: 0 })).toThrow(/test parameters for TEST: levels/);
    expect(() => holder({ size: '0.15' })).toThrow(/size: 0.15 is not a whole number of lots \(0.1\)/);
  });

  it('change by merging; null goes back to the default; a failed change changes nothing', () => {
    const h = holder({ levels: 3 });
    expect(h.update({ size: '0.5' })).toEqual({ ok: true, params: { size: '0.5', levels: 3 } });
    expect(h.version).toBe(1);
    expect(h.update({ levels: null })).toMatchObject({ ok: true, params: { levels: 2 } });
    expect(h.update({ levels: 'many' })).toMatchObject({ ok: false, reason: expect.stringContaining('levels') });
    expect(h.update('x')).toMatchObject({ ok: false });
    expect(h.value).toEqual({ size: '0.5', levels: 2 });
    expect(h.version).toBe(2);
  });

  it('size in lots: the fixed size, or the notional at the price rounded down to whole lots (at least one)', () => {
    expect(sizeLots('0.5', '1000', 10_000, grid)).toBe(5);
    // 1000 / (100.00 × 0.1) = 100 lots.
    expect(sizeLots(undefined, '1000', 10_000, grid)).toBe(100);
    expect(sizeLots(undefined, '1', 10_000, grid)).toBe(1);
  });
});
