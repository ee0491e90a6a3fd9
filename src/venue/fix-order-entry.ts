// FIX order-entry fields to engine terms. Everything a client can get wrong at the edge is caught
// here and comes back as a reject code plus a sentence naming the field and the value, so the
// client sees "1002 price is not a multiple of the instrument tick size: Price 101.255, tick 0.01"
// instead of a silent rounding. Rules that need the book or the instrument's limits (price bands,
// minimum quantity, post-only crossing, ...) are the engine's, checked after sequencing.
import { OrderType, Side, TimeInForce, type Instrument } from '../engine/index.js';
import { priceToTicks, qtyToLots } from '../shared/decimal.js';
import { RejectCode } from '../shared/reject-codes.js';
import type { FixMessage } from '../fix/fix-message.js';
import { Tag } from '../fix/tags.js';

export type Decoded<T> = { readonly ok: true; readonly request: T } | { readonly ok: false; readonly code: RejectCode; readonly detail: string };

const fail = (code: RejectCode, detail: string): { ok: false; code: RejectCode; detail: string } => ({ ok: false, code, detail });

export interface NewOrderRequest {
  readonly clOrdID: string;
  /** Account (1) when the client sent one. */
  readonly account: string | undefined;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  /** Ticks; 0 for market and stop orders. */
  readonly price: number;
  /** Ticks; 0 unless a stop or stop-limit order. */
  readonly stopPrice: number;
  /** Lots. */
  readonly qty: number;
  /** MaxFloor (111) in lots; 0 for a fully displayed order. */
  readonly displayQty: number;
  /** ExecInst (18) 6: participate, do not initiate. */
  readonly postOnly: boolean;
}

export interface CancelRequest {
  readonly clOrdID: string;
  readonly origClOrdID: string;
  /** OrderID (37) when the client sent one. */
  readonly orderID: string | undefined;
  readonly symbol: string;
  readonly side: string;
}

/** A replace in engine terms: the order's new total quantity, limit price and trigger price. */
export interface ReplaceRequest extends CancelRequest {
  readonly qty: number;
  readonly price: number;
  /** A new trigger price for a pending stop; undefined keeps the current one. */
  readonly stopPrice: number | undefined;
}

/** What a replace may not change, from the order being replaced. */
export interface ReplaceableOrder {
  readonly instrument: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly displayQty: number;
  readonly postOnly: boolean;
  readonly orderQty: number;
  readonly price: number;
}

export interface StatusRequest {
  readonly clOrdID: string;
  readonly orderID: string | undefined;
  readonly symbol: string;
  readonly side: string;
}

/** OrderMassCancelRequest (FIX 4.4): every live order of the session, or one symbol's. */
export interface MassCancelRequest {
  readonly clOrdID: string;
  /** MassCancelRequestType (530) as sent: 1 one security, 7 everything. */
  readonly requestType: string;
  readonly symbol: string | undefined;
  /** Restrict to one side when Side (54) is given. */
  readonly side: Side | undefined;
  readonly sideText: string | undefined;
}

export const SIDES: Readonly<Record<string, Side>> = { '1': Side.Buy, '2': Side.Sell };
export const ORD_TYPES: Readonly<Record<string, OrderType>> = { '1': OrderType.Market, '2': OrderType.Limit, '3': OrderType.Stop, '4': OrderType.StopLimit };
export const TIMES_IN_FORCE: Readonly<Record<string, TimeInForce>> = { '0': TimeInForce.DAY, '1': TimeInForce.GTC, '3': TimeInForce.IOC, '4': TimeInForce.FOK };

/** FIX values back from engine values, for reports. */
export const FIX_SIDE: Readonly<Record<Side, string>> = { [Side.Buy]: '1', [Side.Sell]: '2' };
export const FIX_ORD_TYPE: Readonly<Record<OrderType, string>> = { [OrderType.Market]: '1', [OrderType.Limit]: '2', [OrderType.Stop]: '3', [OrderType.StopLimit]: '4' };
export const FIX_TIME_IN_FORCE: Readonly<Record<TimeInForce, string>> = {
  [TimeInForce.DAY]: '0',
  [TimeInForce.GTC]: '1',
  [TimeInForce.IOC]: '3',
  [TimeInForce.FOK]: '4',
};

const POST_ONLY_EXEC_INST = '6';

const hasLimitPrice = (type: OrderType): boolean => type === OrderType.Limit || type === OrderType.StopLimit;
const isStop = (type: OrderType): boolean => type === OrderType.Stop || type === OrderType.StopLimit;

/** A field's value, treating an empty value as absent. */
function text(msg: FixMessage, tag: number): string | undefined {
  const v = msg.get(tag);
  return v === undefined || v === '' ? undefined : v;
}

function decodeSide(value: string | undefined): Decoded<Side> {
  if (value === undefined) return fail(RejectCode.MissingField, 'Side (54) is required');
  const side = SIDES[value];
  if (side === undefined) return fail(RejectCode.InvalidSide, `Side ${value} is not supported; send 1 (buy) or 2 (sell)`);
  return { ok: true, request: side };
}

function decodeOrdType(value: string | undefined): Decoded<OrderType> {
  if (value === undefined) return fail(RejectCode.MissingField, 'OrdType (40) is required');
  const type = ORD_TYPES[value];
  if (type === undefined) return fail(RejectCode.InvalidOrderType, `OrdType ${value} is not supported; send 1 (market), 2 (limit), 3 (stop) or 4 (stop limit)`);
  return { ok: true, request: type };
}

function decodeTimeInForce(value: string | undefined): Decoded<TimeInForce> {
  // FIX: an order without TimeInForce is a day order.
  if (value === undefined) return { ok: true, request: TimeInForce.DAY };
  const tif = TIMES_IN_FORCE[value];
  if (tif === undefined) return fail(RejectCode.InvalidTimeInForce, `TimeInForce ${value} is not supported; send 0 (day), 1 (GTC), 3 (IOC) or 4 (FOK)`);
  return { ok: true, request: tif };
}

/** A quantity field in lots, above zero. */
function decodeQty(value: string | undefined, name: string, tag: number, instrument: Instrument, required: boolean): Decoded<number> {
  if (value === undefined) return required ? fail(RejectCode.MissingField, `${name} (${tag}) is required`) : { ok: true, request: 0 };
  const r = qtyToLots(value, instrument.lotSize);
  if (!r.ok) return fail(r.code, `${name} ${value}, lot size ${instrument.lotSize}`);
  if (r.units <= 0) return fail(tag === Tag.MaxFloor ? RejectCode.InvalidDisplayQty : RejectCode.InvalidQty, `${name} ${value} must be above zero`);
  return { ok: true, request: r.units };
}

/** A price field in ticks, above zero. */
function decodePrice(value: string | undefined, name: string, tag: number, instrument: Instrument, why: string): Decoded<number> {
  if (value === undefined) return fail(RejectCode.MissingField, `${name} (${tag}) is required ${why}`);
  const r = priceToTicks(value, instrument.tickSize);
  if (!r.ok) return fail(r.code, `${name} ${value}, tick size ${instrument.tickSize}`);
  if (r.units <= 0) return fail(tag === Tag.StopPx ? RejectCode.InvalidStopPrice : RejectCode.InvalidPrice, `${name} ${value} must be above zero`);
  return { ok: true, request: r.units };
}

function decodeExecInst(value: string | undefined): Decoded<boolean> {
  if (value === undefined) return { ok: true, request: false };
  let postOnly = false;
  for (const inst of value.split(' ')) {
    if (inst === '') continue;
    if (inst !== POST_ONLY_EXEC_INST) return fail(RejectCode.UnsupportedValue, `ExecInst ${inst} is not supported; the venue supports only 6 (participate, do not initiate: post-only)`);
    postOnly = true;
  }
  return { ok: true, request: postOnly };
}

/** NewOrderSingle (D). `clOrdID` has been checked by the caller. */
export function decodeNewOrder(msg: FixMessage, instrumentOf: (symbol: string) => Instrument | undefined): Decoded<NewOrderRequest> {
  const clOrdID = msg.get(Tag.ClOrdID) ?? '';
  const symbol = text(msg, Tag.Symbol);
  if (symbol === undefined) return fail(RejectCode.MissingField, 'Symbol (55) is required');
  const instrument = instrumentOf(symbol);
  if (instrument === undefined) return fail(RejectCode.UnknownSymbol, `Symbol ${symbol} is not listed`);
  const side = decodeSide(text(msg, Tag.Side));
  if (!side.ok) return side;
  const type = decodeOrdType(text(msg, Tag.OrdType));
  if (!type.ok) return type;
  const tif = decodeTimeInForce(text(msg, Tag.TimeInForce));
  if (!tif.ok) return tif;
  const qty = decodeQty(text(msg, Tag.OrderQty), 'OrderQty', Tag.OrderQty, instrument, true);
  if (!qty.ok) return qty;
  // A price on a market or stop order means nothing to the book; it is ignored, not refused.
  let price = 0;
  if (hasLimitPrice(type.request)) {
    const p = decodePrice(text(msg, Tag.Price), 'Price', Tag.Price, instrument, 'for a limit or stop-limit order');
    if (!p.ok) return p;
    price = p.request;
  }
  let stopPrice = 0;
  if (isStop(type.request)) {
    const p = decodePrice(text(msg, Tag.StopPx), 'StopPx', Tag.StopPx, instrument, 'for a stop or stop-limit order');
    if (!p.ok) return p;
    stopPrice = p.request;
  }
  const maxFloorText = text(msg, Tag.MaxFloor);
  let displayQty = 0;
  // MaxFloor 0 is how some clients say "no iceberg".
  if (maxFloorText !== undefined && !/^0*(\.0*)?$/.test(maxFloorText)) {
    const d = decodeQty(maxFloorText, 'MaxFloor', Tag.MaxFloor, instrument, false);
    if (!d.ok) return d;
    displayQty = d.request;
  }
  const postOnly = decodeExecInst(text(msg, Tag.ExecInst));
  if (!postOnly.ok) return postOnly;
  const minQty = text(msg, Tag.MinQty);
  if (minQty !== undefined && !/^0*(\.0*)?$/.test(minQty)) return fail(RejectCode.UnsupportedValue, `MinQty ${minQty} is not supported`);
  return {
    ok: true,
    request: {
      clOrdID,
      account: text(msg, Tag.Account),
      instrument,
      side: side.request,
      type: type.request,
      tif: tif.request,
      price,
      stopPrice,
      qty: qty.request,
      displayQty,
      postOnly: postOnly.request,
    },
  };
}

/** OrderCancelRequest (F): the identifying fields. */
export function decodeCancel(msg: FixMessage): Decoded<CancelRequest> {
  const origClOrdID = text(msg, Tag.OrigClOrdID);
  if (origClOrdID === undefined) return fail(RejectCode.MissingField, 'OrigClOrdID (41) is required');
  const symbol = text(msg, Tag.Symbol);
  if (symbol === undefined) return fail(RejectCode.MissingField, 'Symbol (55) is required');
  const side = text(msg, Tag.Side);
  if (side === undefined) return fail(RejectCode.MissingField, 'Side (54) is required');
  return { ok: true, request: { clOrdID: msg.get(Tag.ClOrdID) ?? '', origClOrdID, orderID: text(msg, Tag.OrderID), symbol, side } };
}

/**
 * OrderCancelReplaceRequest (G) against the order it replaces. Only OrderQty, Price and StopPx may
 * change (the engine keeps or loses queue priority by exactly these); a field that would change
 * anything else is refused. A field left out keeps its current value.
 */
export function decodeReplace(msg: FixMessage, order: ReplaceableOrder): Decoded<ReplaceRequest> {
  const ids = decodeCancel(msg);
  if (!ids.ok) return ids;
  const { instrument } = order;
  const side = decodeSide(ids.request.side);
  if (!side.ok) return side;
  if (side.request !== order.side) return fail(RejectCode.UnsupportedValue, 'a replace cannot change Side; cancel and enter a new order');
  const typeText = text(msg, Tag.OrdType);
  if (typeText !== undefined) {
    const type = decodeOrdType(typeText);
    if (!type.ok) return type;
    if (type.request !== order.type) return fail(RejectCode.UnsupportedValue, 'a replace cannot change OrdType; cancel and enter a new order');
  }
  const tifText = text(msg, Tag.TimeInForce);
  if (tifText !== undefined) {
    const tif = decodeTimeInForce(tifText);
    if (!tif.ok) return tif;
    if (tif.request !== order.tif) return fail(RejectCode.UnsupportedValue, 'a replace cannot change TimeInForce; cancel and enter a new order');
  }
  const maxFloorText = text(msg, Tag.MaxFloor);
  if (maxFloorText !== undefined) {
    const floor = /^0*(\.0*)?$/.test(maxFloorText) ? ({ ok: true, request: 0 } as const) : decodeQty(maxFloorText, 'MaxFloor', Tag.MaxFloor, instrument, false);
    if (!floor.ok) return floor;
    if (floor.request !== order.displayQty) return fail(RejectCode.UnsupportedValue, 'a replace cannot change MaxFloor; cancel and enter a new order');
  }
  const execInstText = text(msg, Tag.ExecInst);
  if (execInstText !== undefined) {
    const postOnly = decodeExecInst(execInstText);
    if (!postOnly.ok) return postOnly;
    if (postOnly.request !== order.postOnly) return fail(RejectCode.UnsupportedValue, 'a replace cannot change ExecInst; cancel and enter a new order');
  }
  let qty = order.orderQty;
  const qtyText = text(msg, Tag.OrderQty);
  if (qtyText !== undefined) {
    const q = decodeQty(qtyText, 'OrderQty', Tag.OrderQty, instrument, true);
    if (!q.ok) return q;
    qty = q.request;
  }
  let price = order.price;
  const priceText = text(msg, Tag.Price);
  if (priceText !== undefined && hasLimitPrice(order.type)) {
    const p = decodePrice(priceText, 'Price', Tag.Price, instrument, '');
    if (!p.ok) return p;
    price = p.request;
  }
  let stopPrice: number | undefined;
  const stopText = text(msg, Tag.StopPx);
  if (stopText !== undefined && isStop(order.type)) {
    const p = decodePrice(stopText, 'StopPx', Tag.StopPx, instrument, '');
    if (!p.ok) return p;
    stopPrice = p.request;
  }
  return { ok: true, request: { ...ids.request, qty, price, stopPrice } };
}

/** OrderStatusRequest (H). */
export function decodeStatus(msg: FixMessage): StatusRequest {
  return {
    clOrdID: msg.get(Tag.ClOrdID) ?? '',
    orderID: text(msg, Tag.OrderID),
    symbol: text(msg, Tag.Symbol) ?? '',
    side: text(msg, Tag.Side) ?? '',
  };
}

export const MassCancelRequestType = { Security: '1', All: '7' } as const;

/** OrderMassCancelRequest (q, FIX 4.4). */
export function decodeMassCancel(msg: FixMessage, instrumentOf: (symbol: string) => Instrument | undefined): Decoded<MassCancelRequest> {
  const clOrdID = msg.get(Tag.ClOrdID) ?? '';
  const requestType = text(msg, Tag.MassCancelRequestType);
  if (requestType === undefined) return fail(RejectCode.MissingField, 'MassCancelRequestType (530) is required');
  const sideText = text(msg, Tag.Side);
  let side: Side | undefined;
  if (sideText !== undefined) {
    const s = decodeSide(sideText);
    if (!s.ok) return s;
    side = s.request;
  }
  const base = { clOrdID, requestType, side, sideText };
  if (requestType === MassCancelRequestType.All) return { ok: true, request: { ...base, symbol: undefined } };
  if (requestType !== MassCancelRequestType.Security) {
    return fail(RejectCode.UnsupportedValue, `MassCancelRequestType ${requestType} is not supported; send 1 (one security) or 7 (all orders)`);
  }
  const symbol = text(msg, Tag.Symbol);
  if (symbol === undefined) return fail(RejectCode.MissingField, 'Symbol (55) is required when MassCancelRequestType is 1');
  if (instrumentOf(symbol) === undefined) return fail(RejectCode.UnknownSymbol, `Symbol ${symbol} is not listed`);
  return { ok: true, request: { ...base, symbol } };
}
