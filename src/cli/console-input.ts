// One console line -> one engine command (or a book query). Prices and quantities arrive as
// decimal strings and are converted exactly to ticks and lots with the instrument's steps; a
// JSON number is refused because 0.1 + 0.2 style binary values cannot be trusted at the edge.
// Only shapes and types are checked here: the engine owns every trading rule and reports its own
// rejects, so a well-formed but invalid order (negative id, unknown symbol) still reaches it.
import { z } from 'zod';
import { CommandKind, OrderType, Side, StpMode, TimeInForce, type EngineCommand, type Instrument } from '../engine/index.js';
import { priceToTicks, qtyToLots, type UnitsResult } from '../shared/decimal.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';

export const SIDES = { buy: Side.Buy, sell: Side.Sell } as const;
export const ORDER_TYPES = { limit: OrderType.Limit, market: OrderType.Market, stop: OrderType.Stop, stopLimit: OrderType.StopLimit } as const;
export const TIME_IN_FORCE = { gtc: TimeInForce.GTC, ioc: TimeInForce.IOC, fok: TimeInForce.FOK, day: TimeInForce.DAY } as const;
export const STP_MODES = {
  none: StpMode.None,
  cancelNewest: StpMode.CancelNewest,
  cancelOldest: StpMode.CancelOldest,
  cancelBoth: StpMode.CancelBoth,
  decrementAndCancel: StpMode.DecrementAndCancel,
} as const;

const keys = <T extends object>(o: T) => Object.keys(o) as [Extract<keyof T, string>, ...Extract<keyof T, string>[]];

const symbol = z.string().min(1).max(32);
const id = z.number().int();
const decimal = z.string().min(1).max(64);

export const MAX_BOOK_DEPTH = 1000;

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal(CommandKind.New),
    symbol,
    orderId: id,
    account: id,
    side: z.enum(keys(SIDES)),
    type: z.enum(keys(ORDER_TYPES)),
    tif: z.enum(keys(TIME_IN_FORCE)).default('gtc'),
    price: decimal.optional(),
    qty: decimal,
    stopPrice: decimal.optional(),
    displayQty: decimal.optional(),
    postOnly: z.boolean().optional(),
    stp: z.enum(keys(STP_MODES)).optional(),
  }),
  z.strictObject({ kind: z.literal(CommandKind.Cancel), symbol, orderId: id, account: id }),
  z.strictObject({
    kind: z.literal(CommandKind.Replace),
    symbol,
    orderId: id,
    account: id,
    qty: decimal,
    price: decimal.optional(),
    stopPrice: decimal.optional(),
  }),
  z.strictObject({ kind: z.literal(CommandKind.MassCancel), symbol: symbol.optional(), account: id.optional() }),
  z.strictObject({ kind: z.literal(CommandKind.EndOfDay), symbol: symbol.optional() }),
  z.strictObject({ kind: z.literal('book'), symbol, depth: z.number().int().min(1).max(MAX_BOOK_DEPTH).default(10) }),
]);

type Request = z.infer<typeof requestSchema>;

export type ConsoleRequest =
  | { readonly kind: 'command'; readonly command: EngineCommand }
  | { readonly kind: 'book'; readonly symbol: string; readonly depth: number };

export interface ConsoleError {
  readonly code: RejectCode;
  readonly reason: string;
  /** Which input field was wrong, when one was. */
  readonly field?: string;
  readonly detail?: string;
}

export type DecodeResult = { readonly ok: true; readonly request: ConsoleRequest } | { readonly ok: false; readonly error: ConsoleError };

const fail = (code: RejectCode, detail?: string, field?: string): DecodeResult => ({
  ok: false,
  error: { code, reason: rejectReason(code), ...(field !== undefined ? { field } : {}), ...(detail !== undefined ? { detail } : {}) },
});

class ConversionError extends Error {
  constructor(
    readonly code: RejectCode,
    readonly field: string,
  ) {
    super(rejectReason(code));
  }
}

/**
 * Decimal -> engine units for one field. An unknown symbol converts to 0 so the command still
 * reaches the engine, which rejects it with UnknownSymbol like any other unknown-symbol command.
 */
function converter(instrument: Instrument | undefined) {
  const convert = (value: string | undefined, field: string, step: (i: Instrument) => string, fn: (v: string, s: string) => UnitsResult): number => {
    if (value === undefined || instrument === undefined) return 0;
    const r = fn(value, step(instrument));
    if (!r.ok) throw new ConversionError(r.code, field);
    return r.units;
  };
  return {
    price: (value: string | undefined, field = 'price') => convert(value, field, (i) => i.tickSize, priceToTicks),
    qty: (value: string | undefined, field = 'qty') => convert(value, field, (i) => i.lotSize, qtyToLots),
  };
}

function toRequest(req: Request, instruments: ReadonlyMap<string, Instrument>, time: number): ConsoleRequest {
  switch (req.kind) {
    case 'new': {
      const c = converter(instruments.get(req.symbol));
      const displayQty = req.displayQty === undefined ? undefined : c.qty(req.displayQty, 'displayQty');
      const stopPrice = req.stopPrice === undefined ? undefined : c.price(req.stopPrice, 'stopPrice');
      return {
        kind: 'command',
        command: {
          kind: 'new',
          time,
          symbol: req.symbol,
          orderId: req.orderId,
          account: req.account,
          side: SIDES[req.side],
          type: ORDER_TYPES[req.type],
          tif: TIME_IN_FORCE[req.tif],
          price: c.price(req.price),
          qty: c.qty(req.qty),
          ...(stopPrice !== undefined ? { stopPrice } : {}),
          ...(displayQty !== undefined ? { displayQty } : {}),
          ...(req.postOnly !== undefined ? { postOnly: req.postOnly } : {}),
          ...(req.stp !== undefined ? { stp: STP_MODES[req.stp] } : {}),
        },
      };
    }
    case 'cancel':
      return { kind: 'command', command: { kind: 'cancel', time, symbol: req.symbol, orderId: req.orderId, account: req.account } };
    case 'replace': {
      const c = converter(instruments.get(req.symbol));
      const stopPrice = req.stopPrice === undefined ? undefined : c.price(req.stopPrice, 'stopPrice');
      return {
        kind: 'command',
        command: {
          kind: 'replace',
          time,
          symbol: req.symbol,
          orderId: req.orderId,
          account: req.account,
          qty: c.qty(req.qty),
          price: c.price(req.price),
          ...(stopPrice !== undefined ? { stopPrice } : {}),
        },
      };
    }
    case 'massCancel':
      return {
        kind: 'command',
        command: { kind: 'massCancel', time, ...(req.symbol !== undefined ? { symbol: req.symbol } : {}), ...(req.account !== undefined ? { account: req.account } : {}) },
      };
    case 'endOfDay':
      return { kind: 'command', command: { kind: 'endOfDay', time, ...(req.symbol !== undefined ? { symbol: req.symbol } : {}) } };
    case 'book':
      return { kind: 'book', symbol: req.symbol, depth: req.depth };
  }
}

function describeIssues(error: z.ZodError): { field?: string; detail: string } {
  const first = error.issues[0];
  const path = first === undefined ? [] : first.code === 'unrecognized_keys' ? [...first.path, first.keys[0]] : first.path;
  const field = path.length > 0 ? path.join('.') : undefined;
  const detail = error.issues
    .slice(0, 3)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return field !== undefined ? { field, detail } : { detail };
}

/** Decodes one line of console input; `time` is the stamp the command carries into the engine. */
export function decodeLine(line: string, instruments: ReadonlyMap<string, Instrument>, time: number): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return fail(RejectCode.InvalidCommand, 'not valid JSON');
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const { field, detail } = describeIssues(parsed.error);
    return fail(RejectCode.InvalidCommand, detail, field);
  }
  try {
    return { ok: true, request: toRequest(parsed.data, instruments, time) };
  } catch (e) {
    if (e instanceof ConversionError) return fail(e.code, undefined, e.field);
    throw e;
  }
}
