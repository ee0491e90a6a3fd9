// Engine events and book views -> one JSON object per line, with prices and quantities as exact
// decimal strings in the instrument's steps and enums by name, so the output reads like the input.
import { CancelReason, Side, type EngineEvent, type Instrument, type LevelView, type OrderBook } from '../engine/index.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { rejectReason } from '../shared/reject-codes.js';
import type { ConsoleError } from './console-input.js';
import { ORDER_TYPES, SIDES } from './console-input.js';

type Json = Record<string, unknown>;

const invert = <K extends string, V extends number>(o: Record<K, V>): Record<number, K> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [v, k])) as Record<number, K>;

const sideName = invert(SIDES);
const orderTypeName = invert(ORDER_TYPES);
const cancelReasonName: Record<number, string> = {
  [CancelReason.User]: 'user',
  [CancelReason.MassCancel]: 'massCancel',
  [CancelReason.ImmediateOrCancel]: 'immediateOrCancel',
  [CancelReason.FillOrKill]: 'fillOrKill',
  [CancelReason.MarketRemainder]: 'marketRemainder',
  [CancelReason.SelfTrade]: 'selfTrade',
};

/** Decimal formatting for one symbol; a symbol the engine does not know keeps raw units. */
function units(instrument: Instrument | undefined) {
  return {
    px: (ticks: number): string => (instrument === undefined ? String(ticks) : unitsToDecimal(ticks, instrument.tickSize)),
    /** A price where 0 means "none" (market orders, empty book sides, no trigger). */
    pxOrNull: (ticks: number): string | null => (ticks === 0 ? null : instrument === undefined ? String(ticks) : unitsToDecimal(ticks, instrument.tickSize)),
    qty: (lots: number): string => (instrument === undefined ? String(lots) : unitsToDecimal(lots, instrument.lotSize)),
  };
}

export function formatEvent(e: EngineEvent, instrument: Instrument | undefined): Json {
  const u = units(instrument);
  switch (e.type) {
    case 'accepted':
      return { type: e.type, symbol: e.symbol, orderId: e.orderId, account: e.account, side: sideName[e.side], orderType: orderTypeName[e.orderType], price: u.pxOrNull(e.price), qty: u.qty(e.qty) };
    case 'rejected':
      return { type: e.type, symbol: e.symbol, orderId: e.orderId, account: e.account, command: e.command, code: e.code, reason: rejectReason(e.code) };
    case 'fill':
      return {
        type: e.type,
        symbol: e.symbol,
        tradeId: e.tradeId,
        price: u.px(e.price),
        qty: u.qty(e.qty),
        takerSide: sideName[e.takerSide],
        takerOrderId: e.takerOrderId,
        takerAccount: e.takerAccount,
        takerLeaves: u.qty(e.takerLeaves),
        takerCum: u.qty(e.takerCum),
        makerOrderId: e.makerOrderId,
        makerAccount: e.makerAccount,
        makerLeaves: u.qty(e.makerLeaves),
        makerCum: u.qty(e.makerCum),
      };
    case 'cancelled':
      return {
        type: e.type,
        symbol: e.symbol,
        orderId: e.orderId,
        account: e.account,
        cancelledQty: u.qty(e.cancelledQty),
        leavesQty: u.qty(e.leavesQty),
        reason: cancelReasonName[e.reason] ?? String(e.reason),
      };
    case 'replaced':
      return {
        type: e.type,
        symbol: e.symbol,
        orderId: e.orderId,
        account: e.account,
        price: u.pxOrNull(e.price),
        stopPrice: u.pxOrNull(e.stopPrice),
        leavesQty: u.qty(e.leavesQty),
        cumQty: u.qty(e.cumQty),
        keptPriority: e.keptPriority,
      };
    case 'triggered':
      return { type: e.type, symbol: e.symbol, orderId: e.orderId, account: e.account, stopPrice: u.px(e.stopPrice), lastPrice: u.px(e.lastPrice) };
    case 'expired':
      return { type: e.type, symbol: e.symbol, orderId: e.orderId, account: e.account, leavesQty: u.qty(e.leavesQty) };
    case 'bookLevel':
      return { type: e.type, symbol: e.symbol, side: sideName[e.side], price: u.px(e.price), qty: u.qty(e.qty), orderCount: e.orderCount };
    case 'topOfBook':
      return {
        type: e.type,
        symbol: e.symbol,
        bidPrice: u.pxOrNull(e.bidPrice),
        bidQty: e.bidPrice === 0 ? null : u.qty(e.bidQty),
        askPrice: u.pxOrNull(e.askPrice),
        askQty: e.askPrice === 0 ? null : u.qty(e.askQty),
      };
  }
}

export function formatBook(book: OrderBook, instrument: Instrument, depth: number): Json {
  const u = units(instrument);
  const level = (l: LevelView) => ({ price: u.px(l.price), qty: u.qty(l.qty), orderCount: l.orderCount });
  return {
    type: 'book',
    symbol: book.symbol,
    lastPrice: u.pxOrNull(book.lastPrice()),
    bids: book.levels(Side.Buy, depth).map(level),
    asks: book.levels(Side.Sell, depth).map(level),
  };
}

/** A line the console could not turn into a command; `line` is the 1-based input line number. */
export function formatError(error: ConsoleError, line: number): Json {
  return { type: 'error', line, ...error };
}
