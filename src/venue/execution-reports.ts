// The venue's answers in FIX: ExecutionReport (8), OrderCancelReject (9) and
// OrderMassCancelReport (r), for FIX 4.2 and 4.4, built from what the order registry knows.
//
// Where the versions differ:
//   fills        4.2 ExecTransType 20=0 and ExecType 1 (partial) or 2 (fill), LastShares (32)
//                4.4 ExecType F (trade), LastQty (32)
//   replace      4.2 OrdStatus 5 (replaced); 4.4 has no OrdStatus 5, so the order's own status
//   status       4.2 ExecTransType 3 with ExecType = OrdStatus; 4.4 ExecType I
//   "other"      OrdRejReason 99 and CxlRejReason 6 (duplicate) exist in 4.4 only; 4.2 says 0 and 2
// Prices carry the instrument's tick decimals and quantities its lot decimals, exactly; AvgPx is
// described at `averagePrice`. Body fields go out in ascending tag order, as QuickFIX sends them.
import type { FixVersion } from '../fix/dictionary.js';
import { formatUtcTimestamp, type Field } from '../fix/encoder.js';
import { OutgoingMessage } from '../fix/session.js';
import { MsgType, Tag } from '../fix/tags.js';
import { unitsToDecimal } from '../shared/decimal.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import { FIX_ORD_TYPE, FIX_SIDE, FIX_TIME_IN_FORCE } from './fix-order-entry.js';
import { averagePrice, OrdStatus, type OrderRecord } from './order-registry.js';

export type { FixVersion };

/** ExecType (150) values the venue sends. */
export const ExecType = {
  New: '0',
  PartialFill: '1',
  Fill: '2',
  Canceled: '4',
  Replaced: '5',
  Rejected: '8',
  Expired: 'C',
  Restated: 'D',
  Trade: 'F',
  OrderStatus: 'I',
} as const;

/** What happened to the order, independent of the FIX version. */
export type ReportKind = 'new' | 'fill' | 'canceled' | 'replaced' | 'expired' | 'restated' | 'status';

/**
 * Hands out ExecIDs (17), unique across the venue's whole history: "<seq>-<n>", the n-th report of
 * the command with that sequence number (or, for an answer that changes nothing, made after it).
 * Sequence numbers only ever grow and survive restarts, and a restart journals a command of its
 * own before it answers anyone, so an id is never handed out twice, and none is taken in recovery.
 */
export class ExecIdSource {
  private seq = -1;
  private n = 0;
  constructor(private readonly prefix = '') {}
  take(seq: number): string {
    if (seq !== this.seq) {
      this.seq = seq;
      this.n = 0;
    }
    return `${this.prefix}${seq}-${++this.n}`;
  }
}

/** "<code> <reason>", then the detail: the stable code first, so users and scripts can match on it. */
export function rejectText(code: RejectCode, detail?: string): string {
  const base = `${code} ${rejectReason(code)}`;
  return detail === undefined || detail === '' ? base : `${base}: ${detail}`;
}

/** OrdRejReason (103) for a reject code. */
export function ordRejReason(code: RejectCode, version: FixVersion): number {
  const fix44 = version === 'FIX.4.4';
  switch (code) {
    case RejectCode.UnknownSymbol:
      return 1;
    case RejectCode.QtyAboveMaximum:
    case RejectCode.PriceOutsideBand:
      return 3;
    case RejectCode.UnknownOrder:
      return 5;
    case RejectCode.DuplicateClOrdId:
    case RejectCode.DuplicateOrderId:
      return 6;
    case RejectCode.QtyNotOnLot:
    case RejectCode.InvalidQty:
    case RejectCode.QtyBelowMinimum:
    case RejectCode.InvalidDisplayQty:
      return fix44 ? 13 : 0;
    case RejectCode.InvalidOrderType:
    case RejectCode.InvalidTimeInForce:
    case RejectCode.UnsupportedValue:
      return fix44 ? 11 : 0;
    case RejectCode.InvalidAccount:
      return fix44 ? 15 : 0;
    default:
      // 4.2's OrdRejReason has no "other"; 0 (broker / exchange option) is the closest.
      return fix44 ? 99 : 0;
  }
}

/** CxlRejReason (102) for a reject code; `tooLate` when the order exists but is already done. */
export function cxlRejReason(code: RejectCode, version: FixVersion, tooLate = false): number {
  if (tooLate) return 0;
  if (code === RejectCode.UnknownOrder) return 1;
  if (code === RejectCode.DuplicateClOrdId) return version === 'FIX.4.4' ? 6 : 2;
  return 2;
}

export const CxlRejResponseTo = { Cancel: '1', Replace: '2' } as const;

export interface ReportOptions {
  readonly execId: string;
  /** Epoch milliseconds. */
  readonly transactTime: number;
  /** The trade's price in ticks and quantity in lots, on a fill. */
  readonly lastPx?: number;
  readonly lastQty?: number;
  readonly text?: string;
  /** The ClOrdID a replace or cancel took over from. */
  readonly origClOrdID?: string;
}

const timestamp = (ms: number): string => formatUtcTimestamp(ms, true);

function message(msgType: string, fields: Field[]): OutgoingMessage {
  // Array sort is stable, so a tag given twice would keep its order.
  return new OutgoingMessage(msgType, [...fields].sort((a, b) => a[0] - b[0]));
}

function execType(kind: ReportKind, record: OrderRecord, version: FixVersion): string {
  switch (kind) {
    case 'new':
      return ExecType.New;
    case 'fill':
      if (version === 'FIX.4.4') return ExecType.Trade;
      return record.leavesQty === 0 ? ExecType.Fill : ExecType.PartialFill;
    case 'canceled':
      return ExecType.Canceled;
    case 'replaced':
      return ExecType.Replaced;
    case 'expired':
      return ExecType.Expired;
    case 'restated':
      return ExecType.Restated;
    case 'status':
      return version === 'FIX.4.4' ? ExecType.OrderStatus : record.status;
  }
}

/** An ExecutionReport on a known order, after the registry has applied the event. */
export function executionReport(version: FixVersion, record: OrderRecord, kind: ReportKind, options: ReportOptions): OutgoingMessage {
  // The hottest message the venue sends, so it is built straight in ascending tag order (what
  // `message` would sort it into), as parallel arrays the encoder reads without a pair per field.
  const { instrument } = record;
  const lot = instrument.lotSize;
  const tick = instrument.tickSize;
  const ordStatus = kind === 'replaced' && version === 'FIX.4.2' ? OrdStatus.Replaced : record.status;
  const t: number[] = [];
  const v: string[] = [];
  if (record.account !== undefined) {
    t.push(Tag.Account);
    v.push(record.account);
  }
  t.push(Tag.AvgPx, Tag.ClOrdID, Tag.CumQty, Tag.ExecID);
  v.push(averagePrice(record.notional, record.cumQty, tick), record.clOrdID, unitsToDecimal(record.cumQty, lot), options.execId);
  if (record.postOnly) {
    t.push(Tag.ExecInst);
    v.push('6');
  }
  if (version === 'FIX.4.2') {
    t.push(Tag.ExecTransType);
    v.push(kind === 'status' ? '3' : '0');
  }
  if (options.lastQty !== undefined && options.lastPx !== undefined) {
    t.push(Tag.LastPx, Tag.LastQty);
    v.push(unitsToDecimal(options.lastPx, tick), unitsToDecimal(options.lastQty, lot));
  }
  t.push(Tag.OrderID, Tag.OrderQty, Tag.OrdStatus, Tag.OrdType);
  v.push(String(record.orderId), unitsToDecimal(record.orderQty, lot), ordStatus, FIX_ORD_TYPE[record.type]);
  if (options.origClOrdID !== undefined) {
    t.push(Tag.OrigClOrdID);
    v.push(options.origClOrdID);
  }
  if (record.price > 0) {
    t.push(Tag.Price);
    v.push(unitsToDecimal(record.price, tick));
  }
  t.push(Tag.Side, Tag.Symbol);
  v.push(FIX_SIDE[record.side], instrument.symbol);
  if (options.text !== undefined) {
    t.push(Tag.Text);
    v.push(options.text);
  }
  t.push(Tag.TimeInForce, Tag.TransactTime);
  v.push(FIX_TIME_IN_FORCE[record.tif], timestamp(options.transactTime));
  if (record.stopPrice > 0) {
    t.push(Tag.StopPx);
    v.push(unitsToDecimal(record.stopPrice, tick));
  }
  if (record.displayQty > 0) {
    t.push(Tag.MaxFloor);
    v.push(unitsToDecimal(record.displayQty, lot));
  }
  t.push(Tag.ExecType, Tag.LeavesQty);
  v.push(execType(kind, record, version), unitsToDecimal(record.leavesQty, lot));
  return OutgoingMessage.withBody(MsgType.ExecutionReport, t, v);
}

/**
 * A rejected NewOrderSingle, echoing the client's own fields as sent (they may not even parse).
 * OrderID is the engine id when the engine refused the order, NONE when the edge did.
 */
export function orderRejectedReport(
  version: FixVersion,
  request: { readonly get: (tag: number) => string | undefined },
  orderId: number | undefined,
  code: RejectCode,
  detail: string | undefined,
  options: Pick<ReportOptions, 'execId' | 'transactTime'>,
): OutgoingMessage {
  const echo = (tag: number): string | undefined => {
    const v = request.get(tag);
    return v === undefined || v === '' ? undefined : v;
  };
  const fields: Field[] = [
    [Tag.OrderID, orderId === undefined ? 'NONE' : String(orderId)],
    [Tag.ClOrdID, echo(Tag.ClOrdID) ?? 'NONE'],
    // Symbol and Side are required in every ExecutionReport.
    [Tag.Symbol, echo(Tag.Symbol) ?? 'NONE'],
    [Tag.Side, echo(Tag.Side) ?? '1'],
    [Tag.ExecID, options.execId],
    [Tag.ExecType, ExecType.Rejected],
    [Tag.OrdStatus, OrdStatus.Rejected],
    [Tag.OrdRejReason, ordRejReason(code, version)],
    [Tag.LeavesQty, '0'],
    [Tag.CumQty, '0'],
    [Tag.AvgPx, '0'],
    [Tag.TransactTime, timestamp(options.transactTime)],
    [Tag.Text, rejectText(code, detail)],
  ];
  for (const tag of [Tag.Account, Tag.OrdType, Tag.TimeInForce, Tag.OrderQty, Tag.Price, Tag.StopPx, Tag.MaxFloor, Tag.ExecInst]) {
    const v = echo(tag);
    if (v !== undefined) fields.push([tag, v]);
  }
  if (version === 'FIX.4.2') fields.push([Tag.ExecTransType, '0']);
  return message(MsgType.ExecutionReport, fields);
}

/** The answer to an OrderStatusRequest for an order the session does not have (OrdRejReason 5). */
export function unknownOrderStatusReport(
  version: FixVersion,
  request: { clOrdID: string; symbol: string; side: string },
  options: Pick<ReportOptions, 'execId' | 'transactTime' | 'text'>,
): OutgoingMessage {
  const fields: Field[] = [
    [Tag.OrderID, 'NONE'],
    [Tag.ClOrdID, request.clOrdID === '' ? 'NONE' : request.clOrdID],
    [Tag.Symbol, request.symbol === '' ? 'NONE' : request.symbol],
    [Tag.Side, request.side === '' ? '1' : request.side],
    [Tag.ExecID, options.execId],
    [Tag.ExecType, version === 'FIX.4.4' ? ExecType.OrderStatus : ExecType.Rejected],
    [Tag.OrdStatus, OrdStatus.Rejected],
    [Tag.OrdRejReason, ordRejReason(RejectCode.UnknownOrder, version)],
    [Tag.LeavesQty, '0'],
    [Tag.CumQty, '0'],
    [Tag.AvgPx, '0'],
    [Tag.TransactTime, timestamp(options.transactTime)],
  ];
  if (options.text !== undefined) fields.push([Tag.Text, options.text]);
  if (version === 'FIX.4.2') fields.push([Tag.ExecTransType, '3']);
  return message(MsgType.ExecutionReport, fields);
}

export interface CancelRejectDetails {
  readonly responseTo: (typeof CxlRejResponseTo)[keyof typeof CxlRejResponseTo];
  readonly clOrdID: string;
  readonly origClOrdID: string;
  /** The order, when the venue knows it. */
  readonly record: OrderRecord | undefined;
  readonly code: RejectCode;
  readonly detail?: string;
  /** The order exists but is already filled, cancelled or expired. */
  readonly tooLate?: boolean;
  readonly account?: string;
  readonly transactTime: number;
}

/** OrderCancelReject (9) for a cancel (434=1) or a cancel/replace (434=2). */
export function orderCancelReject(version: FixVersion, d: CancelRejectDetails): OutgoingMessage {
  const fields: Field[] = [
    [Tag.OrderID, d.record === undefined ? 'NONE' : String(d.record.orderId)],
    [Tag.ClOrdID, d.clOrdID === '' ? 'NONE' : d.clOrdID],
    [Tag.OrigClOrdID, d.origClOrdID === '' ? 'NONE' : d.origClOrdID],
    // The order's status as it stands; an order the venue does not know is reported as rejected.
    [Tag.OrdStatus, d.record === undefined ? OrdStatus.Rejected : d.record.status],
    [Tag.CxlRejResponseTo, d.responseTo],
    [Tag.CxlRejReason, cxlRejReason(d.code, version, d.tooLate)],
    [Tag.TransactTime, timestamp(d.transactTime)],
    [Tag.Text, rejectText(d.code, d.detail)],
  ];
  const account = d.record?.account ?? d.account;
  if (account !== undefined) fields.push([Tag.Account, account]);
  return message(MsgType.OrderCancelReject, fields);
}

export const MassCancelRejectReason = { NotSupported: '0', UnknownSecurity: '1', Other: '99' } as const;

export interface MassCancelReportDetails {
  readonly reportId: string;
  readonly clOrdID: string;
  readonly requestType: string;
  readonly symbol?: string;
  readonly side?: string;
  /** Orders cancelled; undefined when the request was rejected. */
  readonly affected: number | undefined;
  readonly code?: RejectCode;
  readonly detail?: string;
  readonly transactTime: number;
}

/** OrderMassCancelReport (r, FIX 4.4): accepted with the number of orders cancelled, or rejected. */
export function massCancelReport(d: MassCancelReportDetails): OutgoingMessage {
  const rejected = d.affected === undefined;
  const fields: Field[] = [
    [Tag.OrderID, d.reportId],
    [Tag.ClOrdID, d.clOrdID === '' ? 'NONE' : d.clOrdID],
    [Tag.MassCancelRequestType, d.requestType],
    // MassCancelResponse echoes the request type when accepted, 0 when rejected.
    [Tag.MassCancelResponse, rejected ? '0' : d.requestType],
    [Tag.TransactTime, timestamp(d.transactTime)],
  ];
  if (rejected) {
    const code = d.code ?? RejectCode.UnsupportedValue;
    const reason =
      code === RejectCode.UnknownSymbol ? MassCancelRejectReason.UnknownSecurity : code === RejectCode.UnsupportedValue ? MassCancelRejectReason.NotSupported : MassCancelRejectReason.Other;
    fields.push([Tag.MassCancelRejectReason, reason], [Tag.Text, rejectText(code, d.detail)]);
  } else {
    fields.push([Tag.TotalAffectedOrders, d.affected ?? 0]);
  }
  if (d.symbol !== undefined) fields.push([Tag.Symbol, d.symbol]);
  if (d.side !== undefined) fields.push([Tag.Side, d.side]);
  return message(MsgType.OrderMassCancelReport, fields);
}
