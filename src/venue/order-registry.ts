// What the venue remembers about orders between FIX messages: which session owns an engine order
// and under which ClOrdIDs, the fields as the client entered them (reports repeat them), and the
// running fill totals from which reports take CumQty, LeavesQty and AvgPx.
//
// ClOrdIDs are unique per session: once a session has used one (on an order, a cancel, a replace
// or a request that was rejected) it stays taken while the venue remembers it. Live orders are
// always remembered; done orders and the ClOrdIDs of rejected requests are kept, oldest first
// out, up to `recentLimit`, so a late cancel gets "too late" rather than "unknown" and a status
// request still finds a fill, without memory growing for ever.
import type { Instrument, OrderType, Side, TimeInForce } from '../engine/index.js';
import { type ParsedDecimal, parseStep } from '../shared/decimal.js';

/** OrdStatus (39) values the venue reports. */
export const OrdStatus = {
  New: '0',
  PartiallyFilled: '1',
  Filled: '2',
  Canceled: '4',
  /** FIX 4.2 only, on the report of a replace. */
  Replaced: '5',
  Rejected: '8',
  Expired: 'C',
} as const;
export type OrdStatus = (typeof OrdStatus)[keyof typeof OrdStatus];

export interface OrderRecord {
  /** Engine order id, reported as OrderID (37). */
  readonly orderId: number;
  /** The session that entered the order; its reports go there. */
  readonly sessionKey: string;
  /** Account (1) as the client sent it; undefined when the session's CompID stood in. */
  readonly account: string | undefined;
  readonly accountId: number;
  readonly instrument: Instrument;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly postOnly: boolean;
  /** MaxFloor (111) in lots; 0 when not an iceberg. */
  readonly displayQty: number;
  /** The ClOrdID of the last accepted request (new, replace or cancel). */
  clOrdID: string;
  /** Every ClOrdID this order has had, oldest first. */
  readonly clOrdIDs: string[];
  /** Limit price in ticks (0 for market and stop orders). */
  price: number;
  /** Trigger price in ticks (stop orders; kept after the trigger, as the client entered it). */
  stopPrice: number;
  /** OrderQty (38) in lots: the total, filled quantity included. */
  orderQty: number;
  leavesQty: number;
  cumQty: number;
  /** Σ price × quantity over the fills, in ticks × lots: AvgPx without rounding. */
  notional: bigint;
  status: OrdStatus;
  /** Time of the command that last changed the order (absent in older snapshots). */
  updatedAt?: number;
}

export function isDone(record: OrderRecord): boolean {
  return record.status === OrdStatus.Filled || record.status === OrdStatus.Canceled || record.status === OrdStatus.Expired || record.status === OrdStatus.Rejected;
}

/** Applies one fill to the running totals. */
export function recordFill(record: OrderRecord, price: number, qty: number, leavesQty: number, cumQty: number): void {
  record.notional += BigInt(price) * BigInt(qty);
  record.leavesQty = leavesQty;
  record.cumQty = cumQty;
  record.status = leavesQty === 0 ? OrdStatus.Filled : OrdStatus.PartiallyFilled;
}

/** OrdStatus of a live order from its fill state. */
export function workingStatus(record: OrderRecord): OrdStatus {
  return record.cumQty > 0 ? OrdStatus.PartiallyFilled : OrdStatus.New;
}

/** Extra decimals AvgPx carries beyond the instrument's tick. */
export const AVG_PX_EXTRA_DECIMALS = 4;

const AVG_PX_FACTOR = 10 ** AVG_PX_EXTRA_DECIMALS;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

/** A tick size parsed, with its coefficient as a number when that is exact. */
interface Tick extends ParsedDecimal {
  readonly small: number | undefined;
}

// Every fill report asks for the average price, and a venue lists a handful of tick sizes.
const parsedTicks = new Map<string, Tick>();

function tickOf(tickSize: string): Tick {
  let tick = parsedTicks.get(tickSize);
  if (tick === undefined) {
    const parsed = parseStep(tickSize);
    if (parsed === undefined) throw new RangeError(`not a tick size: ${tickSize}`);
    tick = { ...parsed, small: parsed.coefficient <= MAX_SAFE_BIG ? Number(parsed.coefficient) : undefined };
    parsedTicks.set(tickSize, tick);
  }
  return tick;
}

/**
 * Average fill price as a decimal: exact from the integer totals, rounded half up to the tick's
 * decimals plus AVG_PX_EXTRA_DECIMALS, trailing zeros trimmed but never below the tick's decimals
 * ("101.25", "101.2533", "0" before any fill).
 */
export function averagePrice(notional: bigint, cumQty: number, tickSize: string): string {
  if (cumQty <= 0) return '0';
  const tick = tickOf(tickSize);
  // avg × 10^(s+4) = notional × (c / 10^s) × 10^(s+4) / cum = notional × c × 10^4 / cum, rounded
  // half up: floor((2 × numerator + cum) / (2 × cum)). Every fill report carries it, so while the
  // integers stay below 2^53 it is worked out in doubles, exactly; BigInt beyond.
  let scaled: number | bigint;
  const small = tick.small === undefined || notional > MAX_SAFE_BIG ? Number.NaN : Number(notional) * tick.small * AVG_PX_FACTOR;
  const twice = 2 * small + cumQty;
  if (twice + 2 * cumQty <= Number.MAX_SAFE_INTEGER) {
    const divisor = 2 * cumQty;
    let q = Math.floor(twice / divisor);
    // A double quotient can land one off an exact integer boundary; the products below are exact.
    if (q * divisor > twice) q--;
    else if ((q + 1) * divisor <= twice) q++;
    scaled = q;
  } else {
    const numerator = notional * tick.coefficient * 10n ** BigInt(AVG_PX_EXTRA_DECIMALS);
    const denominator = BigInt(cumQty);
    scaled = (2n * numerator + denominator) / (2n * denominator);
  }
  const decimals = tick.scale + AVG_PX_EXTRA_DECIMALS;
  const digits = scaled.toString().padStart(decimals + 1, '0');
  let fraction = digits.slice(digits.length - decimals);
  const whole = digits.slice(0, digits.length - decimals);
  while (fraction.length > tick.scale && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return fraction.length === 0 ? whole : `${whole}.${fraction}`;
}

/** Engine account numbers for account names (Account (1), or a session's CompID). */
export class AccountDirectory {
  private readonly ids = new Map<string, number>();
  private readonly names = new Map<number, string>();
  private nextId = 1;

  static restore(snapshot: AccountsSnapshot): AccountDirectory {
    const directory = new AccountDirectory();
    for (const [name, id] of snapshot.names) {
      directory.ids.set(name, id);
      directory.names.set(id, name);
    }
    directory.nextId = snapshot.nextId;
    return directory;
  }

  snapshot(): AccountsSnapshot {
    return { nextId: this.nextId, names: [...this.ids] };
  }

  /** The account's number, given it on first use (only in apply: numbers are handed out in journal order). */
  idFor(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(name, id);
      this.names.set(id, name);
    }
    return id;
  }

  /** The account's number when it has one; never hands one out. */
  find(name: string): number | undefined {
    return this.ids.get(name);
  }

  nameOf(id: number): string | undefined {
    return this.names.get(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

export interface AccountsSnapshot {
  readonly nextId: number;
  readonly names: ReadonlyArray<readonly [string, number]>;
}

/** An order record as plain JSON data: the instrument by symbol, the notional as a decimal string. */
export interface OrderRecordSnapshot extends Omit<OrderRecord, 'instrument' | 'notional' | 'clOrdIDs'> {
  readonly symbol: string;
  readonly notional: string;
  readonly clOrdIDs: readonly string[];
}

/** The registry as plain JSON data, every order and every ClOrdID in the order the registry holds them. */
export interface RegistrySnapshot {
  readonly orders: readonly OrderRecordSnapshot[];
  /** Per session, each ClOrdID taken and the order it names (null: a request that came to nothing). */
  readonly clOrdIds: ReadonlyArray<readonly [string, ReadonlyArray<readonly [string, number | null]>]>;
  /** Per session, live order ids in entry order (a mass cancel visits them in this order). */
  readonly live: ReadonlyArray<readonly [string, readonly number[]]>;
  /** Oldest first: what ages out next. */
  readonly retired: ReadonlyArray<{ readonly sessionKey: string; readonly clOrdIDs: readonly string[]; readonly orderId?: number }>;
}

/** ClOrdIDs of a request that came to nothing (no order), waiting to age out. */
interface SpentIds {
  readonly sessionKey: string;
  readonly clOrdIDs: readonly string[];
  readonly orderId?: undefined;
}

/** What ages out: a done order (its record, ClOrdIDs and all) or spent ClOrdIDs. */
type Retired = OrderRecord | SpentIds;

// Every order passes through these tables, so they hold the records themselves (null for a ClOrdID
// taken by a request that came to nothing): no wrapper object per ClOrdID, no second copy of a
// retired order's identity, and fewer objects for the collector to move as orders age.

export class OrderRegistry {
  private readonly byOrderId = new Map<number, OrderRecord>();
  private readonly clOrdIds = new Map<string, Map<string, OrderRecord | null>>();
  private readonly liveBySession = new Map<string, Map<number, OrderRecord>>();
  private liveTotal = 0;
  /**
   * Done orders and spent ClOrdIDs, oldest first from `retiredHead`: a queue in an array, as a Map
   * keyed by arrival costs a hash entry per done order and an iterator per eviction.
   */
  private retired: Retired[] = [];
  private retiredHead = 0;

  constructor(private readonly recentLimit = 100_000) {}

  snapshot(): RegistrySnapshot {
    const orders: OrderRecordSnapshot[] = [];
    for (const r of this.byOrderId.values()) {
      const { instrument, notional, clOrdIDs, ...rest } = r;
      orders.push({ ...rest, symbol: instrument.symbol, notional: notional.toString(), clOrdIDs: [...clOrdIDs] });
    }
    return {
      orders,
      clOrdIds: [...this.clOrdIds].map(([session, ids]) => [session, [...ids].map(([id, record]) => [id, record?.orderId ?? null] as const)] as const),
      live: [...this.liveBySession].map(([session, live]) => [session, [...live.keys()]] as const),
      retired: this.retired
        .slice(this.retiredHead)
        .map((r) => ({ sessionKey: r.sessionKey, clOrdIDs: [...r.clOrdIDs], ...(r.orderId !== undefined ? { orderId: r.orderId } : {}) })),
    };
  }

  /** A registry holding exactly the snapshot's state; `instrumentOf` resolves the symbols. Throws on an inconsistent snapshot. */
  static restore(snapshot: RegistrySnapshot, recentLimit: number, instrumentOf: (symbol: string) => Instrument | undefined): OrderRegistry {
    const registry = new OrderRegistry(recentLimit);
    const recordOf = (orderId: number): OrderRecord => {
      const record = registry.byOrderId.get(orderId);
      if (record === undefined) throw new Error(`registry snapshot names order ${orderId}, which it does not hold`);
      return record;
    };
    for (const o of snapshot.orders) {
      const instrument = instrumentOf(o.symbol);
      if (instrument === undefined) throw new Error(`registry snapshot: order ${o.orderId} is in ${o.symbol}, which is not listed`);
      const { symbol: _symbol, notional, clOrdIDs, ...rest } = o;
      registry.byOrderId.set(o.orderId, { ...rest, instrument, notional: BigInt(notional), clOrdIDs: [...clOrdIDs] });
    }
    for (const [session, ids] of snapshot.clOrdIds) {
      registry.clOrdIds.set(session, new Map(ids.map(([id, orderId]) => [id, orderId === null ? null : recordOf(orderId)])));
    }
    for (const [session, ids] of snapshot.live) {
      registry.liveBySession.set(session, new Map(ids.map((id) => [id, recordOf(id)])));
      registry.liveTotal += ids.length;
    }
    for (const r of snapshot.retired) {
      const record = r.orderId !== undefined ? registry.byOrderId.get(r.orderId) : undefined;
      registry.retired.push(record ?? { sessionKey: r.sessionKey, clOrdIDs: [...r.clOrdIDs] });
    }
    return registry;
  }

  /** Orders the venue is tracking, live and recently done. */
  get size(): number {
    return this.byOrderId.size;
  }

  /** Takes a ClOrdID for a request; false when this session has used it already. */
  reserveClOrdId(sessionKey: string, clOrdID: string): boolean {
    const ids = this.idsOf(sessionKey);
    if (ids.has(clOrdID)) return false;
    ids.set(clOrdID, null);
    return true;
  }

  isClOrdIdUsed(sessionKey: string, clOrdID: string): boolean {
    return this.clOrdIds.get(sessionKey)?.has(clOrdID) ?? false;
  }

  /** A reserved ClOrdID whose request came to nothing: it stays taken until it ages out. */
  spendClOrdId(sessionKey: string, clOrdID: string): void {
    if (this.clOrdIds.get(sessionKey)?.get(clOrdID) !== null) return;
    this.retire({ sessionKey, clOrdIDs: [clOrdID] });
  }

  /** Starts tracking an order the engine accepted, under its (reserved) ClOrdID. */
  add(record: OrderRecord): void {
    this.byOrderId.set(record.orderId, record);
    this.idsOf(record.sessionKey).set(record.clOrdID, record);
    let live = this.liveBySession.get(record.sessionKey);
    if (live === undefined) this.liveBySession.set(record.sessionKey, (live = new Map()));
    live.set(record.orderId, record);
    this.liveTotal++;
  }

  /** Gives an order the ClOrdID of an accepted replace or cancel; returns the one it had. */
  rename(record: OrderRecord, clOrdID: string): string {
    const previous = record.clOrdID;
    record.clOrdID = clOrdID;
    record.clOrdIDs.push(clOrdID);
    this.idsOf(record.sessionKey).set(clOrdID, record);
    return previous;
  }

  /** The order is filled, cancelled or expired: it leaves the live set and starts to age out. */
  finish(record: OrderRecord): void {
    const live = this.liveBySession.get(record.sessionKey);
    if (live === undefined || !live.delete(record.orderId)) return;
    if (live.size === 0) this.liveBySession.delete(record.sessionKey);
    this.liveTotal--;
    this.retire(record);
  }

  byId(orderId: number): OrderRecord | undefined {
    return this.byOrderId.get(orderId);
  }

  /** The order a session knows under this ClOrdID (any ClOrdID it has had). */
  byClOrdId(sessionKey: string, clOrdID: string): OrderRecord | undefined {
    return this.clOrdIds.get(sessionKey)?.get(clOrdID) ?? undefined;
  }

  /** A session's live orders in entry order. */
  liveOrders(sessionKey: string): OrderRecord[] {
    return [...(this.liveBySession.get(sessionKey)?.values() ?? [])];
  }

  /**
   * Live orders of one engine account (every session's), or of all accounts, in order id order.
   * A query, not a hot path: it walks the live sets rather than keeping another index per order.
   */
  liveOrdersOf(accountId?: number): OrderRecord[] {
    const out: OrderRecord[] = [];
    for (const live of this.liveBySession.values()) for (const r of live.values()) if (accountId === undefined || r.accountId === accountId) out.push(r);
    return out.sort((a, b) => a.orderId - b.orderId);
  }

  /** Live orders, all accounts. */
  get liveCount(): number {
    return this.liveTotal;
  }

  private idsOf(sessionKey: string): Map<string, OrderRecord | null> {
    let ids = this.clOrdIds.get(sessionKey);
    if (ids === undefined) this.clOrdIds.set(sessionKey, (ids = new Map()));
    return ids;
  }

  private retire(entry: Retired): void {
    const queue = this.retired;
    queue.push(entry);
    while (queue.length - this.retiredHead > this.recentLimit) {
      this.forget(queue[this.retiredHead++]);
    }
    // Drops the evicted slots once they are most of the array, so it stays within twice the limit.
    if (this.retiredHead > 1024 && this.retiredHead * 2 > queue.length) {
      this.retired = queue.slice(this.retiredHead);
      this.retiredHead = 0;
    }
  }

  private forget(entry: Retired): void {
    const ids = this.clOrdIds.get(entry.sessionKey);
    if (ids !== undefined) {
      for (const id of entry.clOrdIDs) ids.delete(id);
      if (ids.size === 0) this.clOrdIds.delete(entry.sessionKey);
    }
    if (entry.orderId !== undefined) this.byOrderId.delete(entry.orderId);
  }
}
