// One strategy instance at work: its account, its orders as the venue last told of them, its
// pre-trade risk and kill switch, its portfolio, equity curve and fills. It is the strategy's
// context (the only way the strategy trades) and the handle operators hold (start, stop, params,
// reset of the kill switch, metrics).
//
// Orders are keyed by the client order id the host gives them, so a change the venue reports before
// the answer to the request that caused it (the venue tells the owner first, then answers) still
// finds its order. Strategy callbacks never nest: a callback that arrives while the strategy is
// already in one (a fill reported while its own order is being entered) waits until it returns.
import type { MarketRecord } from '../marketdata/records.js';
import type { ClockScheduler, TimerHandle } from '../shared/clock.js';
import type { OrderEntryResult, OrderGateway, OrderState, OrderUpdate, TimeInForceName } from '../shared/order-gateway.js';
import { RejectCode, rejectReason } from '../shared/reject-codes.js';
import type { InstrumentGrid } from './instrument-grid.js';
import { formatMoney, type Money, moneyToNumber } from './money.js';
import { type FeeSchedule, Portfolio, type Position } from './portfolio.js';
import type { ReferenceQuote } from './reference-quote.js';
import { type Exposure, PreTradeRisk, RiskCode, riskReason } from './risk.js';
import type { ActionResult, OrderAmend, OrderIntent, OrderSide, ParamsResult, Strategy, StrategyContext, WorkingOrder, WorkingStatus } from './strategy.js';
import type { VenueBookView, VenueTopOfBook, VenueTrade } from './venue-market.js';

export type StrategyState = 'stopped' | 'running' | 'killed';

export interface KillInfo {
  readonly code: number;
  readonly reason: string;
  readonly time: number;
}

export interface StrategyStatus {
  readonly id: string;
  readonly kind: string;
  readonly symbol: string;
  readonly account: string;
  readonly state: StrategyState;
  /** Why the kill switch tripped, while it is tripped. */
  readonly kill?: KillInfo;
}

/** One fill of the strategy's account, as reports and CSV files show it. */
export interface FillRecord {
  readonly time: number;
  readonly strategy: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly quantity: string;
  readonly liquidity: 'maker' | 'taker';
  readonly fee: string;
  /** Realized by this fill, before fees. */
  readonly realizedPnl: string;
  /** Position after the fill. */
  readonly position: string;
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly tradeId: string;
}

/** The account's P&L at one sampling instant, marked to the reference mid. */
export interface EquityPoint {
  readonly time: number;
  readonly realized: Money;
  readonly unrealized: Money;
  readonly fees: Money;
  /** realized + unrealized − fees. */
  readonly pnl: Money;
  readonly positionLots: number;
}

export interface StrategyMetrics extends StrategyStatus {
  readonly position: string;
  readonly averagePrice?: string;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  /** realized + unrealized − fees, marked to the reference mid. */
  readonly pnl: string;
  readonly turnover: string;
  readonly fills: number;
  readonly makerFills: number;
  readonly takerFills: number;
  readonly orders: { readonly placed: number; readonly replaced: number; readonly cancelled: number; readonly working: number };
  /** Pre-trade risk blocks by code. */
  readonly riskBlocks: Readonly<Record<string, number>>;
  /** Requests the venue refused or rejected, by code. */
  readonly venueRejects: Readonly<Record<string, number>>;
  /** Strategy callbacks that threw. */
  readonly errors: number;
}

/** What operators (REST, dashboard, the backtest report) hold of a strategy instance. */
export interface StrategyHandle {
  readonly id: string;
  readonly kind: string;
  readonly symbol: string;
  readonly account: string;
  /** Starts (or restarts after stop); a tripped kill switch stays tripped. */
  start(): void;
  /** Stops quoting and cancels every working order; resolves once the venue has answered. */
  stop(): Promise<void>;
  state(): StrategyStatus;
  metrics(): StrategyMetrics;
  /** The strategy's parameters, with the risk limits under `risk`. */
  params(): Readonly<Record<string, unknown>>;
  /** Changes parameters (and, under `risk`, risk limits); in force from the next quote. Nothing changes when invalid. */
  updateParams(patch: unknown): ParamsResult;
  /** Trips the kill switch by hand (code 2113): every order cancelled, nothing new until reset. False when not running. */
  killSwitch(reason: string): boolean;
  /** Clears a tripped kill switch: P&L limits count from now, and the strategy resumes. False when not tripped. */
  resetKill(): boolean;
  fills(): readonly FillRecord[];
  equityCurve(): readonly EquityPoint[];
  /** Each closed trade's realized result (before fees), quote currency. */
  closedTrades(): readonly number[];
  readonly position: Position;
  readonly capital: Money;
  readonly equityIntervalMs: number;
}

export interface HostOptions {
  readonly id: string;
  readonly account: string;
  readonly grid: InstrumentGrid;
  readonly strategy: Strategy;
  /** Risk limits (riskLimitsSchema). */
  readonly risk: unknown;
  readonly gateway: OrderGateway;
  readonly clock: ClockScheduler;
  readonly reference: ReferenceQuote;
  readonly venueBook: VenueBookView;
  readonly fees: FeeSchedule;
  readonly capital: Money;
  readonly equityIntervalMs: number;
  /** Equity points and fills kept (the oldest go first). */
  readonly retention: number;
  readonly log: (line: string) => void;
}

interface TrackedOrder {
  clientOrderId: string;
  orderId: string | undefined;
  side: OrderSide;
  priceTicks: number;
  qtyLots: number;
  filledLots: number;
  leavesLots: number;
  status: WorkingStatus;
  timeInForce: TimeInForceName;
  tag: string | undefined;
  /** Cancel as soon as the venue has acknowledged it. */
  cancelWhenAcked: boolean;
  /** Callers of cancel before the acknowledgement, told how the cancel went. */
  cancelWaiters: Array<(result: ActionResult) => void> | undefined;
}

const TERMINAL = new Set(['filled', 'canceled', 'rejected', 'expired']);

export class StrategyHost implements StrategyContext, StrategyHandle {
  readonly id: string;
  readonly kind: string;
  readonly account: string;
  readonly symbol: string;
  readonly grid: InstrumentGrid;
  readonly reference: ReferenceQuote;
  readonly venueBook: VenueBookView;
  readonly position: Position;
  readonly capital: Money;
  readonly equityIntervalMs: number;
  private readonly strategy: Strategy;
  private readonly gateway: OrderGateway;
  private readonly clock: ClockScheduler;
  private readonly risk: PreTradeRisk;
  private readonly portfolio: Portfolio;
  private readonly logLine: (line: string) => void;
  private readonly retention: number;

  private status: StrategyState = 'stopped';
  private killInfo: KillInfo | undefined;
  private readonly orders = new Map<string, TrackedOrder>();
  private readonly timers = new Set<TimerHandle>();
  private sampler: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private idPrefix = '';
  private nextOrderNo = 0;

  // Callbacks waiting while the strategy is inside one.
  private depth = 0;
  private readonly deferred: Array<() => void> = [];

  // Requests in flight, for `settled`.
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];

  // P&L watch since start or the last reset.
  private pnlBaseline = 0;
  private pnlPeak = 0;

  private readonly fillLog: FillRecord[] = [];
  private readonly equity: EquityPoint[] = [];
  private readonly closed: number[] = [];
  private placed = 0;
  private replaced = 0;
  private cancelled = 0;
  private makerFills = 0;
  private takerFills = 0;
  private errors = 0;
  private readonly venueRejects = new Map<number, number>();

  constructor(options: HostOptions) {
    this.id = options.id;
    this.account = options.account;
    this.grid = options.grid;
    this.symbol = options.grid.symbol;
    this.strategy = options.strategy;
    this.kind = options.strategy.kind;
    this.gateway = options.gateway;
    this.clock = options.clock;
    this.reference = options.reference;
    this.venueBook = options.venueBook;
    this.capital = options.capital;
    this.equityIntervalMs = options.equityIntervalMs;
    this.retention = options.retention;
    this.logLine = options.log;
    this.risk = new PreTradeRisk(options.risk, options.grid, options.clock);
    this.portfolio = new Portfolio([options.grid], options.fees);
    this.position = this.portfolio.position(this.symbol);
  }

  // -------------------------------------------------------------------------------------------
  // Handle

  start(): void {
    if (this.status !== 'stopped') return;
    if (this.unsubscribe === undefined) {
      this.unsubscribe = this.gateway.onOrderUpdate(this.account, (u) => this.onUpdate(u));
      // Orders an earlier run left working on the account are not this run's: they go.
      for (const stale of this.gateway.openOrders(this.account)) {
        if (stale.symbol === this.symbol) this.track(this.gateway.cancel(stale.orderId, this.account));
      }
    }
    // Client order ids stay unique per account across processes: a prefix from the first start's
    // time, and a count that goes on through stops and restarts.
    if (this.idPrefix === '') this.idPrefix = `${this.id}.${this.clock.now().toString(36)}.`;
    this.status = 'running';
    this.resetPnlWatch();
    this.sampler = this.clock.setInterval(() => this.sample(), this.equityIntervalMs);
    this.log(`started (${this.kind} on ${this.symbol}, account ${this.account})`);
    this.call((ctx) => this.strategy.onStart?.(ctx));
  }

  async stop(): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopped';
    this.killInfo = undefined;
    this.cancelTimers();
    this.sampler?.cancel();
    this.sampler = undefined;
    this.call((ctx) => this.strategy.onStop?.(ctx));
    this.log('stopped');
    await this.cancelAll();
    await this.settled();
  }

  /** Ends the order update subscription (after stop). */
  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  state(): StrategyStatus {
    return {
      id: this.id,
      kind: this.kind,
      symbol: this.symbol,
      account: this.account,
      state: this.status,
      ...(this.killInfo !== undefined ? { kill: this.killInfo } : {}),
    };
  }

  params(): Readonly<Record<string, unknown>> {
    return { ...this.strategy.params(), risk: this.risk.limits };
  }

  updateParams(patch: unknown): ParamsResult {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return { ok: false, reason: 'parameters must be a JSON object' };
    const { risk, ...rest } = patch as Record<string, unknown>;
    // Both parts are checked before either changes.
    if (risk !== undefined) {
      if (typeof risk !== 'object' || risk === null || Array.isArray(risk)) return { ok: false, reason: 'risk: must be an object' };
      const check = PreTradeRisk.validate(mergeLimits(this.risk.limits, risk), this.grid);
      if (!check.ok) return { ok: false, reason: `risk: ${check.reason}` };
    }
    if (Object.keys(rest).length > 0) {
      const r = this.strategy.updateParams(rest);
      if (!r.ok) return r;
    }
    if (risk !== undefined) this.risk.update(risk);
    this.log(`parameters changed: ${JSON.stringify(patch)}`);
    return { ok: true, params: this.params() };
  }

  killSwitch(reason: string): boolean {
    if (this.status !== 'running') return false;
    this.kill(RiskCode.OperatorKill, `${riskReason(RiskCode.OperatorKill)}: ${reason}`);
    return true;
  }

  resetKill(): boolean {
    if (this.status !== 'killed') return false;
    this.log(`kill switch reset (was ${this.killInfo?.code} ${this.killInfo?.reason})`);
    this.killInfo = undefined;
    this.status = 'running';
    this.resetPnlWatch();
    this.call((ctx) => this.strategy.onStart?.(ctx));
    return true;
  }

  metrics(): StrategyMetrics {
    const p = this.position;
    const mid2 = this.reference.valid ? this.reference.mid2 : 0;
    const average = p.averagePrice();
    return {
      ...this.state(),
      position: this.grid.quantity(p.lots),
      ...(average !== undefined ? { averagePrice: average } : {}),
      realizedPnl: formatMoney(p.realized),
      unrealizedPnl: formatMoney(p.unrealized(mid2)),
      fees: formatMoney(p.fees),
      pnl: formatMoney(p.pnl(mid2)),
      turnover: formatMoney(p.turnover),
      fills: p.fills,
      makerFills: this.makerFills,
      takerFills: this.takerFills,
      orders: { placed: this.placed, replaced: this.replaced, cancelled: this.cancelled, working: this.orders.size },
      riskBlocks: countsObject(this.risk.blocks),
      venueRejects: countsObject(this.venueRejects),
      errors: this.errors,
    };
  }

  fills(): readonly FillRecord[] {
    return this.fillLog;
  }

  equityCurve(): readonly EquityPoint[] {
    return this.equity;
  }

  closedTrades(): readonly number[] {
    return this.closed;
  }

  /** Takes an equity point now (the backtest adds one at its end). */
  sample(): void {
    const p = this.position;
    const mid2 = this.reference.valid ? this.reference.mid2 : 0;
    const unrealized = p.unrealized(mid2);
    this.equity.push({ time: this.clock.now(), realized: p.realized, unrealized, fees: p.fees, pnl: p.realized + unrealized - p.fees, positionLots: p.lots });
    trim(this.equity, this.retention);
  }

  get busy(): boolean {
    return this.inflight > 0;
  }

  /** Resolves once every request sent so far has its answer. */
  settled(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // -------------------------------------------------------------------------------------------
  // Context

  now(): number {
    return this.clock.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const handle: TimerHandle = this.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (this.status === 'running') this.call(() => fn());
    }, delayMs);
    this.timers.add(handle);
    return this.timerHandle(handle);
  }

  setInterval(fn: () => void, periodMs: number): TimerHandle {
    const handle = this.clock.setInterval(() => {
      if (this.status === 'running') this.call(() => fn());
    }, periodMs);
    this.timers.add(handle);
    return this.timerHandle(handle);
  }

  workingOrders(): readonly WorkingOrder[] {
    return [...this.orders.values()];
  }

  headroom(side: OrderSide): number {
    return this.risk.headroom(side, this.exposure(), this.reference);
  }

  maxOrderLots(priceTicks: number): number {
    return this.risk.maxOrderLots(priceTicks);
  }

  place(intent: OrderIntent): Promise<ActionResult> {
    const refused = this.refuseWhenNotRunning();
    if (refused !== undefined) return Promise.resolve(refused);
    const { side, priceTicks, qtyLots } = intent;
    const blocked = this.risk.check({ side, priceTicks, leavesLots: qtyLots }, this.exposure(), this.reference);
    if (blocked !== undefined) return Promise.resolve(this.blocked(blocked.code, blocked.reason, `place ${side} ${qtyLots} lots at ${priceTicks} ticks`));
    const clientOrderId = this.idPrefix + ++this.nextOrderNo;
    const timeInForce = intent.timeInForce ?? 'gtc';
    const order: TrackedOrder = {
      clientOrderId,
      orderId: undefined,
      side,
      priceTicks,
      qtyLots,
      filledLots: 0,
      leavesLots: qtyLots,
      status: 'pending_new',
      timeInForce,
      tag: intent.tag,
      cancelWhenAcked: false,
      cancelWaiters: undefined,
    };
    this.orders.set(clientOrderId, order);
    this.risk.noteOrder();
    this.placed++;
    const answer = this.gateway.submit({
      account: this.account,
      symbol: this.symbol,
      side,
      type: 'limit',
      timeInForce,
      price: this.grid.price(priceTicks),
      quantity: this.grid.quantity(qtyLots),
      clientOrderId,
      ...(intent.postOnly === true ? { postOnly: true } : {}),
    });
    return this.track(answer.then((a) => this.placeAnswered(order, a)));
  }

  replace(clientOrderId: string, amend: OrderAmend): Promise<ActionResult> {
    const refused = this.refuseWhenNotRunning();
    if (refused !== undefined) return Promise.resolve(refused);
    const order = this.orders.get(clientOrderId);
    if (order === undefined) return Promise.resolve(this.venueRefusal(RejectCode.UnknownOrder, `${rejectReason(RejectCode.UnknownOrder)}: ${clientOrderId}`, clientOrderId, false));
    if (order.status !== 'working' || order.orderId === undefined) {
      return Promise.resolve(this.blocked(RiskCode.OrderInFlight, `${riskReason(RiskCode.OrderInFlight)}: ${clientOrderId} is ${order.status}`, `replace ${clientOrderId}`));
    }
    const priceTicks = amend.priceTicks ?? order.priceTicks;
    const leavesLots = amend.leavesLots ?? order.leavesLots;
    const blocked = this.risk.check({ side: order.side, priceTicks, leavesLots, replacingLeavesLots: order.leavesLots }, this.exposure(), this.reference);
    if (blocked !== undefined) return Promise.resolve(this.blocked(blocked.code, blocked.reason, `replace ${clientOrderId}`));
    order.status = 'pending_replace';
    this.risk.noteOrder();
    this.replaced++;
    const answer = this.gateway.replace(
      order.orderId,
      {
        ...(priceTicks !== order.priceTicks ? { price: this.grid.price(priceTicks) } : {}),
        ...(leavesLots !== order.leavesLots ? { quantity: this.grid.quantity(order.filledLots + leavesLots) } : {}),
      },
      this.account,
    );
    return this.track(
      answer.then((a): ActionResult => {
        if (order.status === 'pending_replace') order.status = 'working';
        if (!a.ok) return this.venueRefusal(a.code, a.reason, clientOrderId);
        return { ok: true, clientOrderId, orderId: a.order.orderId };
      }),
    );
  }

  cancel(clientOrderId: string): Promise<ActionResult> {
    const order = this.orders.get(clientOrderId);
    if (order === undefined) return Promise.resolve(this.venueRefusal(RejectCode.UnknownOrder, `${rejectReason(RejectCode.UnknownOrder)}: ${clientOrderId}`, clientOrderId, false));
    if (order.orderId === undefined) {
      // Not acknowledged yet: cancelled once it is.
      order.cancelWhenAcked = true;
      return new Promise((resolve) => (order.cancelWaiters ??= []).push(resolve));
    }
    if (order.status === 'pending_cancel') return Promise.resolve(this.blocked(RiskCode.OrderInFlight, `${riskReason(RiskCode.OrderInFlight)}: ${clientOrderId} is being cancelled`, `cancel ${clientOrderId}`));
    return this.sendCancel(order);
  }

  async cancelAll(): Promise<void> {
    const answers: Array<Promise<ActionResult>> = [];
    for (const order of this.orders.values()) {
      if (order.status !== 'pending_cancel') answers.push(this.cancel(order.clientOrderId));
    }
    await Promise.all(answers);
  }

  log(line: string): void {
    this.logLine(`${this.id}: ${line}`);
  }

  // -------------------------------------------------------------------------------------------
  // Events from the runtime

  onReference(record: MarketRecord, topChanged: boolean): void {
    if (this.status !== 'running') return;
    if (topChanged && this.risk.watchesPnl) this.watchPnl();
    if (this.status !== 'running') return;
    const strategy = this.strategy;
    if (strategy.onReference === undefined) return;
    if (this.depth > 0) {
      this.call((ctx) => strategy.onReference!(record, topChanged, ctx));
      return;
    }
    // The path of every reference record: no closure when nothing is queued.
    this.depth++;
    try {
      try {
        strategy.onReference(record, topChanged, this);
      } catch (e) {
        this.failed(e);
      }
      this.drain();
    } finally {
      this.depth--;
    }
  }

  onVenueTrade(trade: VenueTrade): void {
    const strategy = this.strategy;
    if (this.status === 'running' && strategy.onVenueTrade !== undefined) this.call((ctx) => strategy.onVenueTrade!(trade, ctx));
  }

  onVenueBook(book: VenueTopOfBook): void {
    const strategy = this.strategy;
    if (this.status === 'running' && strategy.onVenueBook !== undefined) this.call((ctx) => strategy.onVenueBook!(book, ctx));
  }

  // -------------------------------------------------------------------------------------------

  private onUpdate(update: OrderUpdate): void {
    const state = update.order;
    if (state.symbol !== this.symbol) return;
    if (update.kind === 'fill' && update.fill !== undefined) this.recordFill(update, state);
    const order = this.orders.get(state.clientOrderId);
    if (order !== undefined) {
      if (order.orderId === undefined) order.orderId = state.orderId;
      if (TERMINAL.has(state.status)) this.forget(order);
      else {
        this.refresh(order, state);
        if (order.status === 'pending_new') order.status = 'working';
        if (update.kind === 'replaced' && order.status === 'pending_replace') order.status = 'working';
        if (order.cancelWhenAcked && order.status === 'working') this.cancelAcked(order);
      }
    }
    if (update.kind === 'fill' && this.risk.watchesPnl && this.status === 'running') this.watchPnl();
    const strategy = this.strategy;
    if (this.status === 'running' && strategy.onOrderUpdate !== undefined) this.call((ctx) => strategy.onOrderUpdate!(update, ctx));
  }

  private recordFill(update: OrderUpdate, state: OrderState): void {
    const fill = update.fill!;
    const priceTicks = this.grid.ticks(fill.price);
    const lots = this.grid.lots(fill.quantity);
    if (priceTicks === undefined || lots === undefined) {
      this.log(`fill ${fill.tradeId} off the grid (${fill.quantity} at ${fill.price}): not booked`);
      this.errors++;
      return;
    }
    const outcome = this.portfolio.applyFill({ symbol: this.symbol, side: state.side, priceTicks, lots, liquidity: fill.liquidity });
    if (fill.liquidity === 'maker') this.makerFills++;
    else this.takerFills++;
    if (outcome.closed) this.closed.push(moneyToNumber(outcome.realized));
    this.fillLog.push({
      time: update.time,
      strategy: this.id,
      account: this.account,
      symbol: this.symbol,
      side: state.side,
      price: fill.price,
      quantity: fill.quantity,
      liquidity: fill.liquidity,
      fee: formatMoney(outcome.fee),
      realizedPnl: formatMoney(outcome.realized),
      position: this.grid.quantity(outcome.positionLots),
      orderId: state.orderId,
      clientOrderId: state.clientOrderId,
      tradeId: fill.tradeId,
    });
    trim(this.fillLog, this.retention);
    trim(this.closed, this.retention);
  }

  /** Takes quantities and price from the venue's view of the order. */
  private refresh(order: TrackedOrder, state: OrderState): void {
    const g = this.grid;
    const price = state.price === undefined ? undefined : g.ticks(state.price);
    const qty = g.lots(state.quantity);
    const filled = g.lots(state.filledQuantity);
    const leaves = g.lots(state.leavesQuantity);
    if (price !== undefined) order.priceTicks = price;
    if (qty !== undefined) order.qtyLots = qty;
    if (filled !== undefined) order.filledLots = filled;
    if (leaves !== undefined) order.leavesLots = leaves;
  }

  private placeAnswered(order: TrackedOrder, answer: OrderEntryResult): ActionResult {
    const { clientOrderId } = order;
    if (!answer.ok) {
      this.forget(order);
      return this.venueRefusal(answer.code, answer.reason, clientOrderId);
    }
    const state = answer.order;
    if (state.status === 'rejected') {
      this.forget(order);
      const code = state.rejectCode ?? RejectCode.InvalidCommand;
      return this.venueRefusal(code, state.rejectReason ?? rejectReason(code as RejectCode), clientOrderId);
    }
    // The venue told of every change before answering: the answer adds only the id.
    if (this.orders.get(clientOrderId) === order) {
      if (order.orderId === undefined) order.orderId = state.orderId;
      if (TERMINAL.has(state.status)) this.forget(order);
      else if (order.status === 'pending_new') order.status = 'working';
      if (order.cancelWhenAcked && order.status === 'working') this.cancelAcked(order);
    }
    return { ok: true, clientOrderId, orderId: state.orderId };
  }

  private sendCancel(order: TrackedOrder): Promise<ActionResult> {
    const { clientOrderId } = order;
    const before = order.status;
    order.status = 'pending_cancel';
    order.cancelWhenAcked = false;
    this.cancelled++;
    return this.track(
      this.gateway.cancel(order.orderId!, this.account).then((a): ActionResult => {
        if (a.ok) {
          if (TERMINAL.has(a.order.status)) this.forget(order);
          return { ok: true, clientOrderId, orderId: a.order.orderId };
        }
        // Done meanwhile (a fill got there first): its update removes it; otherwise it works on.
        if (this.orders.get(clientOrderId) === order && order.status === 'pending_cancel') order.status = before === 'pending_cancel' ? 'working' : before;
        return this.venueRefusal(a.code, a.reason, clientOrderId);
      }),
    );
  }

  /** A cancel asked for before the acknowledgement goes out now; its callers hear how it went. */
  private cancelAcked(order: TrackedOrder): void {
    const waiters = order.cancelWaiters;
    order.cancelWaiters = undefined;
    const answer = this.sendCancel(order);
    if (waiters !== undefined) void answer.then((r) => waiters.forEach((w) => w(r)));
  }

  /** The order is done (or never was): it leaves the working set; a cancel still waiting for it is answered. */
  private forget(order: TrackedOrder): void {
    if (this.orders.get(order.clientOrderId) !== order) return;
    this.orders.delete(order.clientOrderId);
    const waiters = order.cancelWaiters;
    order.cancelWaiters = undefined;
    if (waiters !== undefined) {
      const r = this.venueRefusal(RejectCode.UnknownOrder, `${rejectReason(RejectCode.UnknownOrder)}: ${order.clientOrderId} is done`, order.clientOrderId, false);
      for (const w of waiters) w(r);
    }
  }

  private exposure(): Exposure {
    let buyLeavesLots = 0;
    let sellLeavesLots = 0;
    for (const o of this.orders.values()) {
      if (o.side === 'buy') buyLeavesLots += o.leavesLots;
      else sellLeavesLots += o.leavesLots;
    }
    return { positionLots: this.position.lots, buyLeavesLots, sellLeavesLots };
  }

  private refuseWhenNotRunning(): ActionResult | undefined {
    if (this.status === 'running') return undefined;
    const code = this.status === 'killed' ? RiskCode.KillSwitchActive : RiskCode.StrategyNotRunning;
    const detail = this.status === 'killed' && this.killInfo !== undefined ? `tripped by ${this.killInfo.code} (${this.killInfo.reason})` : this.status;
    return this.blocked(code, `${riskReason(code)}: ${detail}`, 'order');
  }

  /** Every block is counted by code and logged with its reason. */
  private blocked(code: RiskCode, reason: string, what: string): ActionResult {
    this.risk.count(code);
    this.log(`blocked ${code} ${what}: ${reason}`);
    return { ok: false, code, reason, stage: 'risk' };
  }

  private venueRefusal(code: number, reason: string, clientOrderId: string, count = true): ActionResult {
    if (count) {
      this.venueRejects.set(code, (this.venueRejects.get(code) ?? 0) + 1);
      this.log(`venue refused ${clientOrderId}: ${code} ${reason}`);
    }
    return { ok: false, code, reason, stage: 'venue', clientOrderId };
  }

  private watchPnl(): void {
    const mid2 = this.reference.valid ? this.reference.mid2 : 0;
    const pnl = this.position.pnlFloat(mid2) - this.pnlBaseline;
    if (pnl > this.pnlPeak) this.pnlPeak = pnl;
    const trip = this.risk.pnlTrip(pnl, this.pnlPeak);
    if (trip !== undefined) this.kill(trip.code, trip.reason);
  }

  /** Trips the kill switch: cancel everything, stop quoting, stay stopped until reset. */
  kill(code: number, reason: string): void {
    if (this.status !== 'running') return;
    this.status = 'killed';
    this.killInfo = { code, reason, time: this.clock.now() };
    this.cancelTimers();
    this.log(`KILL SWITCH ${code}: ${reason}; cancelling ${this.orders.size} working orders`);
    void this.cancelAll();
  }

  private resetPnlWatch(): void {
    const mid2 = this.reference.valid ? this.reference.mid2 : 0;
    this.pnlBaseline = this.position.pnlFloat(mid2);
    this.pnlPeak = 0;
  }

  private cancelTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  private timerHandle(handle: TimerHandle): TimerHandle {
    return {
      cancel: () => {
        handle.cancel();
        this.timers.delete(handle);
      },
    };
  }

  /** Runs a strategy callback, or queues it while another one is running; a throw is logged and counted. */
  private call(fn: (ctx: StrategyContext) => void): void {
    if (this.depth > 0) {
      this.deferred.push(() => fn(this));
      return;
    }
    this.depth++;
    try {
      this.guarded(() => fn(this));
      this.drain();
    } finally {
      this.depth--;
    }
  }

  /** Delivers what queued up while the strategy was busy. */
  private drain(): void {
    while (this.deferred.length > 0) {
      const next = this.deferred.shift()!;
      // A callback queued before a stop or a kill is not delivered after it.
      if (this.status === 'running') this.guarded(next);
    }
  }

  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.failed(e);
    }
  }

  private failed(e: unknown): void {
    this.errors++;
    this.log(`strategy error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight++;
    const done = (): void => {
      if (--this.inflight === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    };
    work.then(done, done);
    return work;
  }
}

function mergeLimits(limits: object, patch: object): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...limits };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

function countsObject(counts: ReadonlyMap<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const code of [...counts.keys()].sort((a, b) => a - b)) out[String(code)] = counts.get(code)!;
  return out;
}

function trim<T>(list: T[], keep: number): void {
  if (list.length > keep) list.splice(0, list.length - keep);
}
