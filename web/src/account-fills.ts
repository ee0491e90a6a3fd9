// Which executions were the chosen account's, for the chart's markers. Executions on the wire
// carry order ids, not accounts, so the account's order ids are learned from the REST API: its
// open orders (polled), and a look-up of an order the dashboard has not seen (for the symbol on
// screen, a few at a time). An order that filled in full before the dashboard ever saw it open is
// found only by that look-up, so under heavy load some fills may go unmarked.
import type { ExecutionInfo } from '../../src/protocol/index.js';
import { api } from './api.js';
import type { InstrumentView } from './market-state.js';
import { toUnits } from './units.js';
import type { AccountFill } from './views/price-chart.js';

const POLL_MS = 2000;
const FILLS_PER_SYMBOL = 500;
const KNOWN_ORDERS = 20_000;
const LOOKUP_QUEUE = 200;
const LOOKUPS_IN_FLIGHT = 4;

export class AccountFills {
  private account = '';
  private readonly ours = new Set<string>();
  private readonly theirs = new Set<string>();
  private readonly fills = new Map<string, AccountFill[]>();
  private readonly seenFills = new Set<string>();
  /** Executions waiting for a look-up of one of their order ids. */
  private readonly waiting = new Map<string, ExecutionInfo[]>();
  private readonly queue: string[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped when a fill is added, so the chart redraws its markers. */
  version = 0;

  constructor(private readonly instrument: (symbol: string) => InstrumentView | undefined) {}

  get current(): string {
    return this.account;
  }

  /** Starts over for another account ("" for none), with its open orders and recent executions. */
  setAccount(account: string): void {
    this.account = account;
    this.ours.clear();
    this.theirs.clear();
    this.fills.clear();
    this.seenFills.clear();
    this.waiting.clear();
    this.queue.length = 0;
    this.version++;
    clearTimeout(this.timer);
    if (account === '') return;
    void this.poll().then(async () => {
      const recent = await api.executions(200);
      if (recent.ok && this.account === account) for (const e of [...recent.body.executions].reverse()) this.consider(e, false);
    });
  }

  of(symbol: string): readonly AccountFill[] | undefined {
    return this.account === '' ? undefined : (this.fills.get(symbol) ?? []);
  }

  /** An execution seen on the stream; `lookUp` allows asking the API about unknown order ids. */
  consider(e: ExecutionInfo, lookUp: boolean): void {
    if (this.account === '') return;
    let unknown: string | undefined;
    for (const [id, side] of [
      [e.buy_order_id, 'buy'],
      [e.sell_order_id, 'sell'],
    ] as const) {
      if (this.ours.has(id)) this.addFill(e, side);
      else if (!this.theirs.has(id)) unknown = id;
    }
    if (unknown === undefined || !lookUp) return;
    const list = this.waiting.get(unknown);
    if (list !== undefined) {
      list.push(e);
      return;
    }
    if (this.queue.length >= LOOKUP_QUEUE) return;
    this.waiting.set(unknown, [e]);
    this.queue.push(unknown);
    this.pump();
  }

  private addFill(e: ExecutionInfo, side: 'buy' | 'sell'): void {
    const key = `${e.trade_id}:${side}`;
    if (this.seenFills.has(key)) return;
    const inst = this.instrument(e.symbol);
    if (inst === undefined) return;
    this.seenFills.add(key);
    let list = this.fills.get(e.symbol);
    if (list === undefined) this.fills.set(e.symbol, (list = []));
    list.push({ time: e.time, price: toUnits(e.price, inst.priceScale), side, tradeId: e.trade_id });
    if (list.length > FILLS_PER_SYMBOL) {
      for (const f of list.splice(0, list.length - FILLS_PER_SYMBOL)) this.seenFills.delete(`${f.tradeId}:${f.side}`);
    }
    this.version++;
  }

  private remember(set: Set<string>, id: string): void {
    set.add(id);
    if (set.size > KNOWN_ORDERS) {
      let drop = 1000;
      for (const old of set) {
        set.delete(old);
        if (--drop === 0) break;
      }
    }
  }

  private async poll(): Promise<void> {
    const account = this.account;
    const answer = await api.openOrders(account);
    if (account !== this.account) return;
    if (answer.ok) for (const o of answer.body.orders) this.remember(this.ours, o.order_id);
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private pump(): void {
    while (this.inFlight < LOOKUPS_IN_FLIGHT && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const account = this.account;
      this.inFlight++;
      void api.order(id).then((answer) => {
        this.inFlight--;
        const executions = this.waiting.get(id) ?? [];
        this.waiting.delete(id);
        if (account === this.account) {
          if (answer.ok) this.remember(answer.body.order.account === account ? this.ours : this.theirs, id);
          // An order the venue forgot (404) cannot be placed any more; a failed call is asked again later.
          else if (answer.status === 404) this.remember(this.theirs, id);
          for (const e of executions) this.consider(e, false);
        }
        this.pump();
      });
    }
  }
}
