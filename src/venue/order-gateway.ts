// The in-process way to trade (the REST API and the strategies): the OrderGateway contract of
// shared/order-gateway.ts on the venue's own pipeline. A request is checked here, field by field,
// the way the FIX application checks a NewOrderSingle, and becomes the same venue command ('new',
// 'cancel', or 'refuse' for a request refused before the engine, so its client order id stays taken
// after a restart too); the sequencer journals and applies it like any other, and the answer is
// given once the journal has it on disk.
//
// Orders entered here belong to the session "API:<account>": client order ids are unique per
// account, and the core builds no FIX reports for them (the answer is read from the registry).
import { OrderType, Side, type StpMode, TimeInForce, type Instrument } from '../engine/index.js';
import { priceToTicks, qtyToLots, unitsToDecimal } from '../shared/decimal.js';
import type {
  OrderChange,
  OrderEntryRequest,
  OrderEntryResult,
  OrderGateway,
  OrderSideName,
  OrderState,
  OrderStatusName,
  OrderTypeName,
  OrderUpdate,
  TimeInForceName,
} from '../shared/order-gateway.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import { type DurableAnswers, type Refusal, refusal } from './durable-answers.js';
import type { NewOrderRequest } from './fix-order-entry.js';
import type { VenueSequencer } from './fix-application.js';
import { averagePrice, isDone, OrdStatus, type OrderRecord } from './order-registry.js';
import type { ReportKind } from './execution-reports.js';
import { API_SESSION_PREFIX, type ApiFill, apiSessionKey, type VenueCore } from './venue-core.js';
import type { NewOrderVenueCommand, UnsequencedCommand } from './venue-commands.js';

export interface VenueOrderGatewayOptions {
  readonly core: VenueCore;
  readonly sequencer: VenueSequencer;
  readonly answers: DurableAnswers;
  /** Self-trade prevention for every order, as for FIX orders. */
  readonly stp: StpMode;
}

const ACCOUNT = /^[A-Za-z0-9._-]{1,64}$/;
const CLIENT_ORDER_ID = /^[\x20-\x7e]{1,64}$/;
const ORDER_ID = /^[1-9]\d{0,14}$/;

const SIDE: Readonly<Record<OrderSideName, Side>> = { buy: Side.Buy, sell: Side.Sell };
const TYPE: Readonly<Record<OrderTypeName, OrderType>> = { limit: OrderType.Limit, market: OrderType.Market, stop: OrderType.Stop, stop_limit: OrderType.StopLimit };
const TIF: Readonly<Record<TimeInForceName, TimeInForce>> = { gtc: TimeInForce.GTC, ioc: TimeInForce.IOC, fok: TimeInForce.FOK, day: TimeInForce.DAY };
const SIDE_NAME: Readonly<Record<Side, OrderSideName>> = { [Side.Buy]: 'buy', [Side.Sell]: 'sell' };
const TYPE_NAME: Readonly<Record<OrderType, OrderTypeName>> = {
  [OrderType.Limit]: 'limit',
  [OrderType.Market]: 'market',
  [OrderType.Stop]: 'stop',
  [OrderType.StopLimit]: 'stop_limit',
};
const TIF_NAME: Readonly<Record<TimeInForce, TimeInForceName>> = {
  [TimeInForce.GTC]: 'gtc',
  [TimeInForce.IOC]: 'ioc',
  [TimeInForce.FOK]: 'fok',
  [TimeInForce.DAY]: 'day',
};
const STATUS_NAME: Readonly<Record<OrdStatus, OrderStatusName>> = {
  [OrdStatus.New]: 'new',
  [OrdStatus.PartiallyFilled]: 'partially_filled',
  [OrdStatus.Filled]: 'filled',
  [OrdStatus.Canceled]: 'canceled',
  // A record never holds it (FIX 4.2 reports a replace with it); the order works on.
  [OrdStatus.Replaced]: 'new',
  [OrdStatus.Rejected]: 'rejected',
  [OrdStatus.Expired]: 'expired',
};

const hasLimitPrice = (type: OrderType): boolean => type === OrderType.Limit || type === OrderType.StopLimit;
const isStop = (type: OrderType): boolean => type === OrderType.Stop || type === OrderType.StopLimit;
const own = <T extends object>(table: T, key: unknown): key is keyof T => typeof key === 'string' && Object.hasOwn(table, key);

/** A value as the caller sent it, quoted, for reasons that name what was wrong. */
const show = (value: unknown): string => (value === undefined ? 'undefined' : JSON.stringify(value));

type Checked<T> = { readonly ok: true; readonly value: T } | Refusal;

/** An order request in engine terms: what a NewOrderSingle decodes to, without its FIX identifiers. */
type OrderTerms = Omit<NewOrderRequest, 'clOrdID' | 'account'>;

const UPDATE_KIND: Readonly<Record<ReportKind, OrderUpdate['kind'] | undefined>> = {
  new: 'accepted',
  fill: 'fill',
  canceled: 'canceled',
  replaced: 'replaced',
  expired: 'expired',
  // Self-trade prevention took quantity off a live order.
  restated: 'replaced',
  status: undefined,
};

export class VenueOrderGateway implements OrderGateway {
  private readonly listeners = new Map<string, Set<(update: OrderUpdate) => void>>();

  constructor(private readonly options: VenueOrderGatewayOptions) {
    options.core.apiReporter = (record, kind, fill, time) => this.reporter(record, kind, fill, time);
  }

  onOrderUpdate(account: string, listener: (update: OrderUpdate) => void): () => void {
    let set = this.listeners.get(account);
    if (set === undefined) this.listeners.set(account, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(account) === set) this.listeners.delete(account);
    };
  }

  replace(orderId: string, change: OrderChange, account?: string): Promise<OrderEntryResult> {
    if (this.options.sequencer.current !== undefined) return this.afterCurrentCommand(() => this.replace(orderId, change, account));
    try {
      return this.replaceOrder(orderId, change, account);
    } catch (e) {
      return Promise.resolve(refusal(RejectCode.VenueClosing, `the replace was not taken: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  submit(request: OrderEntryRequest): Promise<OrderEntryResult> {
    if (this.options.sequencer.current !== undefined) return this.afterCurrentCommand(() => this.submit(request));
    try {
      return this.enter(request);
    } catch (e) {
      // The journal refused the command (the venue is failing or closed under us).
      return Promise.resolve(refusal(RejectCode.VenueClosing, `the order was not taken: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  cancel(orderId: string, account?: string): Promise<OrderEntryResult> {
    if (this.options.sequencer.current !== undefined) return this.afterCurrentCommand(() => this.cancel(orderId, account));
    try {
      return this.cancelOrder(orderId, account);
    } catch (e) {
      return Promise.resolve(refusal(RejectCode.VenueClosing, `the cancel was not taken: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  order(orderId: string): OrderState | undefined {
    if (typeof orderId !== 'string' || !ORDER_ID.test(orderId)) return undefined;
    const record = this.options.core.registry.byId(Number(orderId));
    return record === undefined ? undefined : this.stateOf(record);
  }

  openOrders(account?: string): OrderState[] {
    const { registry, accounts } = this.options.core;
    if (account === undefined) return registry.liveOrdersOf().map((r) => this.stateOf(r));
    const id = accounts.find(account);
    return id === undefined ? [] : registry.liveOrdersOf(id).map((r) => this.stateOf(r));
  }

  // -------------------------------------------------------------------------------------------

  /**
   * A request made while a command is being applied (an observer of a venue without a journal
   * reacting at once) is entered right after that command: one command at a time.
   */
  private afterCurrentCommand(request: () => Promise<OrderEntryResult>): Promise<OrderEntryResult> {
    return new Promise((resolve) => queueMicrotask(() => resolve(request())));
  }

  private enter(request: OrderEntryRequest): Promise<OrderEntryResult> {
    const { core, sequencer, answers } = this.options;
    const closed = answers.closed;
    if (closed !== undefined) return Promise.resolve(closed);
    if (typeof request !== 'object' || request === null) return this.answerNow(refusal(RejectCode.MissingField, 'the order request must be an object'));
    const { account, clientOrderId } = request as { account?: unknown; clientOrderId?: unknown };
    const accountError = checkAccount(account);
    if (accountError !== undefined) return this.answerNow(accountError);
    const session = apiSessionKey(account as string);
    if (clientOrderId !== undefined) {
      if (typeof clientOrderId !== 'string' || !CLIENT_ORDER_ID.test(clientOrderId)) {
        return this.answerNow(refusal(RejectCode.UnsupportedValue, `clientOrderId ${show(clientOrderId)} must be 1 to 64 printable ASCII characters`));
      }
      if (core.registry.isClOrdIdUsed(session, clientOrderId)) {
        return this.answerNow(refusal(RejectCode.DuplicateClOrdId, `clientOrderId ${show(clientOrderId)} is already in use for account ${account as string}`));
      }
    }
    const decoded = this.decode(request);
    // A refused request with its own id spends it, as a refused FIX request spends its ClOrdID.
    const refuse = (failure: Refusal): Promise<OrderEntryResult> => {
      if (clientOrderId === undefined) return this.answerNow(failure);
      const { sequenced } = sequencer.submit({ kind: 'refuse', session, clOrdId: clientOrderId as string });
      return answers.after(sequenced.seq, failure);
    };
    if (!decoded.ok) return refuse(decoded);
    const terms = decoded.value;
    const symbol = terms.instrument.symbol;
    if (core.listings.isHalted(symbol)) return refuse(refusal(RejectCode.SymbolHalted, `symbol ${show(symbol)}`));

    const clOrdId = (clientOrderId as string | undefined) ?? this.freeId(session, String(sequencer.state.nextOrderId));
    const command: Omit<NewOrderVenueCommand, 'orderId'> = {
      kind: 'new',
      session,
      clOrdId,
      account: account as string,
      accountName: account as string,
      symbol,
      side: terms.side,
      type: terms.type,
      tif: terms.tif,
      price: terms.price,
      qty: terms.qty,
      stopPrice: terms.stopPrice,
      displayQty: terms.displayQty,
      postOnly: terms.postOnly,
      stp: this.options.stp,
    };
    const { sequenced, result } = sequencer.submit(command);
    const entered = sequenced.command as NewOrderVenueCommand;
    // The state right after the command: later commands may change the order before the answer goes out.
    const state = result.order !== undefined ? this.stateOf(result.order) : rejectedState(entered, terms.instrument, sequenced.time, result.rejected ?? RejectCode.InvalidCommand);
    return answers.after(sequenced.seq, { ok: true, order: state });
  }

  private cancelOrder(orderId: string, account: string | undefined): Promise<OrderEntryResult> {
    const { sequencer, answers } = this.options;
    const closed = answers.closed;
    if (closed !== undefined) return Promise.resolve(closed);
    const target = this.liveTarget(orderId, account);
    if (!target.ok) return this.answerNow(target);
    const record = target.value;
    // On behalf of the session that owns the order: its ClOrdIDs name it, and its owner hears of the cancel.
    const command: UnsequencedCommand = {
      kind: 'cancel',
      session: record.sessionKey,
      clOrdId: this.freeId(record.sessionKey, `cancel-${orderId}`),
      origClOrdId: record.clOrdID,
      orderId: record.orderId,
    };
    const { sequenced, result } = sequencer.submit(command);
    if (result.rejected !== undefined) return answers.after(sequenced.seq, refusal(result.rejected, `order ${orderId}`));
    return answers.after(sequenced.seq, { ok: true, order: this.stateOf(record) });
  }

  private replaceOrder(orderId: string, change: OrderChange, account: string | undefined): Promise<OrderEntryResult> {
    const { sequencer, answers } = this.options;
    const closed = answers.closed;
    if (closed !== undefined) return Promise.resolve(closed);
    const target = this.liveTarget(orderId, account);
    if (!target.ok) return this.answerNow(target);
    const record = target.value;
    const { instrument } = record;
    if (typeof change !== 'object' || change === null) return this.answerNow(refusal(RejectCode.MissingField, 'the change must be an object'));
    const { price, quantity } = change as { price?: unknown; quantity?: unknown };
    if (price === undefined && quantity === undefined) return this.answerNow(refusal(RejectCode.MissingField, 'a replace needs a new price or a new quantity'));
    let newPrice = record.price;
    if (price !== undefined) {
      if (!hasLimitPrice(record.type)) return this.answerNow(refusal(RejectCode.InvalidOrderType, `order ${orderId} is a ${TYPE_NAME[record.type]} order, which has no price to change`));
      const p = this.priceField(price, 'price', instrument, TYPE_NAME[record.type], true, 'limit and stop_limit', RejectCode.InvalidPrice);
      if (!p.ok) return this.answerNow(p);
      newPrice = p.value;
    }
    let newQty = record.orderQty;
    if (quantity !== undefined) {
      const q = lots(quantity, 'quantity', instrument, RejectCode.InvalidQty);
      if (!q.ok) return this.answerNow(q);
      newQty = q.value;
    }
    const command: UnsequencedCommand = {
      kind: 'replace',
      session: record.sessionKey,
      // Numbered by how many ids the order has had, so the first try is nearly always free: a quote
      // replaced thousands of times must not walk its own history each time.
      clOrdId: this.freeId(record.sessionKey, `replace-${orderId}-${record.clOrdIDs.length}`),
      origClOrdId: record.clOrdID,
      orderId: record.orderId,
      qty: newQty,
      price: newPrice,
    };
    const { sequenced, result } = sequencer.submit(command);
    if (result.rejected !== undefined) return answers.after(sequenced.seq, refusal(result.rejected, `order ${orderId}`));
    return answers.after(sequenced.seq, { ok: true, order: this.stateOf(record) });
  }

  /** A live order the caller may change: its id well formed, known, owned by `account` when given, not done. */
  private liveTarget(orderId: string, account: string | undefined): Checked<OrderRecord> {
    const { core } = this.options;
    if (account !== undefined) {
      const accountError = checkAccount(account);
      if (accountError !== undefined) return accountError;
    }
    if (typeof orderId !== 'string' || !ORDER_ID.test(orderId)) return refusal(RejectCode.UnknownOrder, `orderId ${show(orderId)} is not an order id of this venue`);
    const record = core.registry.byId(Number(orderId));
    if (record === undefined) return refusal(RejectCode.UnknownOrder, `no order ${orderId}`);
    if (account !== undefined && core.accounts.nameOf(record.accountId) !== account) return refusal(RejectCode.UnknownOrder, `order ${orderId} is not an order of account ${account}`);
    if (isDone(record)) return refusal(RejectCode.UnknownOrder, `order ${orderId} is already ${STATUS_NAME[record.status]}`);
    return { ok: true, value: record };
  }

  /** Builds what the owner of an API order is told of a change; undefined when nobody listens. */
  private reporter(record: OrderRecord, kind: ReportKind, fill: ApiFill | undefined, time: number): (() => void) | undefined {
    const listeners = this.listeners.get(record.sessionKey.slice(API_SESSION_PREFIX.length));
    const updateKind = UPDATE_KIND[kind];
    if (listeners === undefined || updateKind === undefined) return undefined;
    const { tickSize, lotSize } = record.instrument;
    const update: OrderUpdate = {
      order: this.stateOf(record),
      kind: updateKind,
      ...(fill !== undefined
        ? { fill: { tradeId: String(fill.tradeId), price: unitsToDecimal(fill.price, tickSize), quantity: unitsToDecimal(fill.qty, lotSize), liquidity: fill.liquidity } }
        : {}),
      time,
    };
    return () => {
      for (const listener of listeners) listener(update);
    };
  }

  /** An answer that changes nothing: it describes the state after the last command, so it waits for that one. */
  private answerNow(answer: OrderEntryResult): Promise<OrderEntryResult> {
    return this.options.answers.after(this.options.sequencer.lastSeq, answer);
  }

  /** `base`, or `base-2`, `base-3`... whichever the session has not used. */
  private freeId(session: string, base: string): string {
    const registry = this.options.core.registry;
    let id = base;
    for (let n = 2; registry.isClOrdIdUsed(session, id); n++) id = `${base}-${n}`;
    return id;
  }

  private decode(request: OrderEntryRequest): Checked<OrderTerms> {
    const r = request as unknown as Record<string, unknown>;
    const { symbol, side, type, timeInForce } = r;
    if (symbol === undefined) return refusal(RejectCode.MissingField, 'symbol is required');
    const instrument = typeof symbol === 'string' ? this.options.core.instrument(symbol) : undefined;
    if (instrument === undefined) return refusal(RejectCode.UnknownSymbol, `symbol ${show(symbol)} is not listed`);
    if (side === undefined) return refusal(RejectCode.MissingField, 'side is required');
    if (!own(SIDE, side)) return refusal(RejectCode.InvalidSide, `side ${show(side)} is not supported; use buy or sell`);
    if (type === undefined) return refusal(RejectCode.MissingField, 'type is required');
    if (!own(TYPE, type)) return refusal(RejectCode.InvalidOrderType, `type ${show(type)} is not supported; use limit, market, stop or stop_limit`);
    const orderType = TYPE[type];
    let tif: TimeInForce = orderType === OrderType.Market ? TimeInForce.IOC : TimeInForce.GTC;
    if (timeInForce !== undefined) {
      if (!own(TIF, timeInForce)) return refusal(RejectCode.InvalidTimeInForce, `timeInForce ${show(timeInForce)} is not supported; use gtc, ioc, fok or day`);
      tif = TIF[timeInForce];
    }
    if (r.quantity === undefined) return refusal(RejectCode.MissingField, 'quantity is required');
    const qty = lots(r.quantity, 'quantity', instrument, RejectCode.InvalidQty);
    if (!qty.ok) return qty;
    const price = this.priceField(r.price, 'price', instrument, type, hasLimitPrice(orderType), 'limit and stop_limit', RejectCode.InvalidPrice);
    if (!price.ok) return price;
    const stopPrice = this.priceField(r.stopPrice, 'stopPrice', instrument, type, isStop(orderType), 'stop and stop_limit', RejectCode.InvalidStopPrice);
    if (!stopPrice.ok) return stopPrice;
    let displayQty = 0;
    if (r.displayQuantity !== undefined) {
      const d = lots(r.displayQuantity, 'displayQuantity', instrument, RejectCode.InvalidDisplayQty);
      if (!d.ok) return d;
      displayQty = d.value;
    }
    const postOnly = r.postOnly ?? false;
    if (typeof postOnly !== 'boolean') return refusal(RejectCode.UnsupportedValue, `postOnly ${show(postOnly)} must be true or false`);
    return { ok: true, value: { instrument, side: SIDE[side], type: orderType, tif, price: price.value, stopPrice: stopPrice.value, qty: qty.value, displayQty, postOnly } };
  }

  /** A price the order type needs (ticks, above zero) or must not have (0). */
  private priceField(value: unknown, field: string, instrument: Instrument, type: string, wanted: boolean, types: string, nonPositive: RejectCode): Checked<number> {
    if (!wanted) {
      return value === undefined ? { ok: true, value: 0 } : refusal(RejectCode.InvalidOrderType, `${field} ${show(value)} is not allowed on a ${type} order; only ${types} orders have one`);
    }
    if (value === undefined) return refusal(RejectCode.MissingField, `${field} is required for a ${type} order`);
    if (typeof value !== 'string') return refusal(RejectCode.InvalidDecimal, `${field} must be a decimal string, got ${show(value)}`);
    const r = priceToTicks(value, instrument.tickSize);
    if (!r.ok) return refusal(r.code, `${field} ${show(value)}, tick size ${instrument.tickSize}`);
    if (r.units <= 0) return refusal(nonPositive, `${field} ${show(value)} must be above zero`);
    return { ok: true, value: r.units };
  }

  private stateOf(record: OrderRecord): OrderState {
    const { instrument } = record;
    const { tickSize, lotSize } = instrument;
    return {
      orderId: String(record.orderId),
      clientOrderId: record.clOrdIDs[0] ?? record.clOrdID,
      account: this.options.core.accounts.nameOf(record.accountId) ?? record.account ?? '',
      symbol: instrument.symbol,
      side: SIDE_NAME[record.side],
      type: TYPE_NAME[record.type],
      timeInForce: TIF_NAME[record.tif],
      ...(hasLimitPrice(record.type) ? { price: unitsToDecimal(record.price, tickSize) } : {}),
      ...(isStop(record.type) ? { stopPrice: unitsToDecimal(record.stopPrice, tickSize) } : {}),
      quantity: unitsToDecimal(record.orderQty, lotSize),
      filledQuantity: unitsToDecimal(record.cumQty, lotSize),
      leavesQuantity: unitsToDecimal(record.leavesQty, lotSize),
      ...(record.cumQty > 0 ? { averagePrice: averagePrice(record.notional, record.cumQty, tickSize) } : {}),
      status: STATUS_NAME[record.status],
      updatedAt: record.updatedAt ?? 0,
    };
  }
}

function checkAccount(account: unknown): Refusal | undefined {
  if (account === undefined) return refusal(RejectCode.MissingField, 'account is required');
  if (typeof account !== 'string' || !ACCOUNT.test(account)) {
    return refusal(RejectCode.UnsupportedValue, `account ${show(account)} must be 1 to 64 letters, digits, '.', '_' or '-'`);
  }
  return undefined;
}

/** A quantity field in lots, above zero. */
function lots(value: unknown, field: string, instrument: Instrument, nonPositive: RejectCode): Checked<number> {
  if (typeof value !== 'string') return refusal(RejectCode.InvalidDecimal, `${field} must be a decimal string, got ${show(value)}`);
  const r = qtyToLots(value, instrument.lotSize);
  if (!r.ok) return refusal(r.code, `${field} ${show(value)}, lot size ${instrument.lotSize}`);
  if (r.units <= 0) return refusal(nonPositive, `${field} ${show(value)} must be above zero`);
  return { ok: true, value: r.units };
}

/** An order the engine (or a halt) refused: it never existed, so the request tells what it was. */
function rejectedState(command: NewOrderVenueCommand, instrument: Instrument, time: number, code: RejectCode): OrderState {
  const { tickSize, lotSize } = instrument;
  return {
    orderId: String(command.orderId),
    clientOrderId: command.clOrdId,
    account: command.accountName,
    symbol: command.symbol,
    side: SIDE_NAME[command.side],
    type: TYPE_NAME[command.type],
    timeInForce: TIF_NAME[command.tif],
    ...(hasLimitPrice(command.type) ? { price: unitsToDecimal(command.price, tickSize) } : {}),
    ...(isStop(command.type) ? { stopPrice: unitsToDecimal(command.stopPrice, tickSize) } : {}),
    quantity: unitsToDecimal(command.qty, lotSize),
    filledQuantity: unitsToDecimal(0, lotSize),
    leavesQuantity: unitsToDecimal(0, lotSize),
    status: 'rejected',
    rejectCode: code,
    rejectReason: rejectReason(code),
    updatedAt: time,
  };
}
