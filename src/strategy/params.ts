// Strategy parameters: validated with zod when given and whenever changed, merged over the current
// ones, and checked against the listing's grid (a size must be whole lots). A change that fails
// leaves the parameters as they were.
import { z } from 'zod';
import { parseDecimal } from '../shared/decimal.js';
import type { InstrumentGrid } from './instrument-grid.js';
import { issuesText } from './risk.js';
import type { ParamsResult } from './strategy.js';

export const positiveDecimal = z.string().refine((s) => {
  const d = parseDecimal(s);
  return d !== undefined && d.coefficient > 0n;
}, 'a positive decimal string such as "0.5"');

export const signedDecimal = z.string().refine((s) => parseDecimal(s) !== undefined, 'a decimal string such as "-0.5"');

/** Thrown when a strategy is created with parameters that do not validate. */
export class ParamsError extends Error {}

export class ParamsHolder<S extends z.ZodType<Record<string, unknown>>> {
  private current: z.output<S>;
  /** Bumped on every accepted change, so a strategy can tell its next quote is the first under new parameters. */
  version = 0;

  constructor(
    private readonly schema: S,
    input: unknown,
    private readonly grid: InstrumentGrid,
    private readonly checkGrid: (params: z.output<S>, grid: InstrumentGrid) => string | undefined,
    what: string,
  ) {
    const r = this.parse(input ?? {});
    if (!r.ok) throw new ParamsError(`${what} parameters for ${grid.symbol}: ${r.reason}`);
    this.current = r.value;
  }

  get value(): z.output<S> {
    return this.current;
  }

  update(patch: unknown): ParamsResult {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, reason: 'parameters must be an object' };
    const merged: Record<string, unknown> = { ...this.current };
    // null removes an optional parameter (back to its default).
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const r = this.parse(merged);
    if (!r.ok) return r;
    this.current = r.value;
    this.version++;
    return { ok: true, params: r.value };
  }

  private parse(input: unknown): { ok: true; value: z.output<S> } | { ok: false; reason: string } {
    const r = this.schema.safeParse(input);
    if (!r.success) return { ok: false, reason: issuesText(r.error) };
    const problem = this.checkGrid(r.data, this.grid);
    if (problem !== undefined) return { ok: false, reason: problem };
    return { ok: true, value: r.data };
  }
}

/** A quantity parameter must be whole lots (at least one when `positive`). */
export function checkQuantity(name: string, value: string | undefined, grid: InstrumentGrid, positive: boolean): string | undefined {
  if (value === undefined) return undefined;
  const lots = grid.lots(value);
  if (lots === undefined) return `${name}: ${value} is not a whole number of lots (${grid.lotSize})`;
  if (positive && lots < 1) return `${name}: must be at least one lot (${grid.lotSize})`;
  return undefined;
}

/**
 * Order size in lots: the fixed `size` when given, else `notional` at the price (ticks), rounded
 * down to whole lots and at least one.
 */
export function sizeLots(size: string | undefined, notional: string, priceTicks: number, grid: InstrumentGrid): number {
  if (size !== undefined) return grid.lots(size) ?? 1;
  const perLot = priceTicks * grid.quotePerUnit;
  return perLot > 0 ? Math.max(1, Math.floor(Number(notional) / perLot)) : 1;
}
