// The execution feed: the newest 50 fills over every symbol, newest on top, colored by the side
// of the incoming order, each new one flashing as it arrives. A fixed pool of rows is rewritten
// in place, so a busy market costs text writes, not DOM churn.
import { el, flash, setClass, setText } from '../dom.js';
import type { FeedRow, InstrumentView } from '../market-state.js';
import { FEED_ROWS } from '../market-state.js';
import { formatClock, formatDecimal, groupThousands } from '../units.js';

interface Row {
  readonly node: HTMLTableRowElement;
  readonly cells: HTMLTableCellElement[];
  tradeId: string;
}

const STATUS_TEXT = { filled: 'Filled', partial: 'Partial', unknown: '—' } as const;
/**
 * New rows flashed per redraw. In a fast market every row is new every time; flashing them all
 * tells nothing and costs a style and paint pass per frame for each, so only the newest flash.
 */
const FLASHES_PER_RENDER = 4;

export class ExecutionFeedView {
  readonly root: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLDivElement;
  private readonly count: HTMLSpanElement;
  private readonly rows: Row[] = [];
  /** Trade ids on screen after the last render, to flash only the new ones. */
  private onScreen = new Set<string>();

  constructor() {
    this.body = el('tbody');
    for (let i = 0; i < FEED_ROWS; i++) {
      const cells = ['time', 'sym', 'side', 'num', 'num', 'status'].map((c) => el('td', { class: c }));
      const node = el('tr', { class: 'blank' }, ...cells);
      node.hidden = true;
      this.rows.push({ node, cells, tradeId: '' });
      this.body.append(node);
    }
    this.empty = el('div', { class: 'empty-state', text: 'No trades yet' });
    this.count = el('span', { class: 'panel-sub' });
    const head = el(
      'thead',
      {},
      el('tr', {}, ...['Time', 'Symbol', 'Side', 'Price', 'Qty', 'Status'].map((t, i) => el('th', { text: t, class: i === 3 || i === 4 ? 'num' : '' }))),
    );
    this.root = el(
      'section',
      { class: 'panel area-feed', attrs: { 'aria-label': 'Executions', 'data-testid': 'executions' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Executions' }), this.count),
      el('div', { class: 'panel-scroll' }, el('table', { class: 'grid-table feed' }, head, this.body), this.empty),
    );
  }

  render(feed: readonly FeedRow[], instrument: (symbol: string) => InstrumentView | undefined): void {
    const next = new Set<string>();
    let flashes = FLASHES_PER_RENDER;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      const item = feed[i];
      if (item === undefined) {
        row.node.hidden = true;
        row.tradeId = '';
        continue;
      }
      row.node.hidden = false;
      const e = item.execution;
      next.add(e.trade_id);
      if (row.tradeId === e.trade_id) continue;
      row.tradeId = e.trade_id;
      const inst = instrument(e.symbol);
      const [time, sym, side, price, qty, status] = row.cells;
      setText(time, formatClock(e.time));
      setText(sym, e.symbol);
      setText(side, e.taker_side === 'buy' ? 'BUY' : 'SELL');
      setText(price, inst !== undefined ? formatDecimal(e.price, inst.priceScale) : groupThousands(e.price));
      setText(qty, inst !== undefined ? formatDecimal(e.quantity, inst.qtyScale) : groupThousands(e.quantity));
      setText(status, STATUS_TEXT[item.status]);
      setClass(row.node, e.taker_side === 'buy' ? 'buy' : 'sell');
      row.node.dataset.tradeId = e.trade_id;
      if (item.live && flashes > 0 && !this.onScreen.has(e.trade_id)) {
        flashes--;
        flash(row.node, e.taker_side === 'buy' ? 'buy' : 'sell');
      }
    }
    this.onScreen = next;
    this.empty.hidden = feed.length > 0;
    setText(this.count, feed.length > 0 ? `latest ${feed.length}` : '');
  }
}
