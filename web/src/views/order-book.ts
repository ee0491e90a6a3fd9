// The order book ladder: asks above (best ask next to the spread), bids below, each row with
// price, size and cumulative size over a depth bar. Rows are a fixed pool per side, so the
// spread line never jumps; a level that appears slides in, a size that changes flashes.
import { GROUPINGS } from '../settings.js';
import type { Ladder, LadderLevel } from '../book-model.js';
import { el, flash, setClass, setText, slideIn } from '../dom.js';
import type { InstrumentView, LastTrade } from '../market-state.js';
import { formatUnits, unitsToText } from '../units.js';

/** Flashes and slides per side per redraw, nearest the spread first (see execution-feed.ts). */
const EFFECTS_PER_SIDE = 6;

interface Row {
  readonly node: HTMLDivElement;
  readonly price: HTMLSpanElement;
  readonly size: HTMLSpanElement;
  readonly total: HTMLSpanElement;
  depth: number;
}

export interface LadderInput {
  readonly inst: InstrumentView;
  readonly ladder: Ladder;
  readonly last: LastTrade | undefined;
  readonly bestBid: number | undefined;
  readonly bestAsk: number | undefined;
  readonly grouping: number;
}

export class OrderBookView {
  readonly root: HTMLElement;
  private readonly asks: HTMLDivElement;
  private readonly bids: HTMLDivElement;
  private readonly lastPrice: HTMLSpanElement;
  private readonly spread: HTMLSpanElement;
  private readonly empty: HTMLDivElement;
  private readonly grouping: HTMLSelectElement;
  private readonly title: HTMLSpanElement;
  private askRows: Row[] = [];
  private bidRows: Row[] = [];
  /** What the rows showed last time: price → size, per side; undefined right after a reset. */
  private shownAsks: Map<number, number> | undefined;
  private shownBids: Map<number, number> | undefined;
  private shape = '';

  constructor(onGrouping: (multiple: number) => void) {
    this.grouping = el('select', { class: 'compact', attrs: { 'aria-label': 'Price grouping', 'data-testid': 'grouping' } });
    this.grouping.addEventListener('change', () => onGrouping(Number(this.grouping.value)));
    this.title = el('span', { class: 'panel-sub' });
    this.asks = el('div', { class: 'ladder-side asks', attrs: { 'data-testid': 'asks' } });
    this.bids = el('div', { class: 'ladder-side bids', attrs: { 'data-testid': 'bids' } });
    this.lastPrice = el('span', { class: 'last-price', attrs: { 'data-testid': 'last-price' } });
    this.spread = el('span', { class: 'spread', attrs: { 'data-testid': 'spread' } });
    this.empty = el('div', { class: 'empty-state ladder-empty', text: 'No orders on the book' });
    this.root = el(
      'section',
      { class: 'panel area-book', attrs: { 'aria-label': 'Order book', 'data-testid': 'order-book' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Order book' }), this.title, el('span', { class: 'grow' }), el('label', { class: 'inline-label', text: 'Group ' }, this.grouping)),
      el(
        'div',
        { class: 'ladder' },
        el('div', { class: 'ladder-head' }, el('span', { text: 'Price' }), el('span', { text: 'Size' }), el('span', { text: 'Total' })),
        this.asks,
        el('div', { class: 'ladder-mid' }, this.lastPrice, this.spread),
        this.bids,
        this.empty,
      ),
    );
  }

  /** Builds the row pools and the grouping choices for a symbol and depth. */
  private reshape(inst: InstrumentView, depth: number, grouping: number): void {
    const shape = `${inst.symbol}|${depth}|${grouping}|${inst.info.tick_size}`;
    if (shape === this.shape) return;
    this.shape = shape;
    setText(this.title, inst.symbol);
    this.askRows = makeRows(this.asks, depth);
    this.bidRows = makeRows(this.bids, depth);
    this.shownAsks = undefined;
    this.shownBids = undefined;
    this.grouping.replaceChildren(
      ...GROUPINGS.map((g) => el('option', { text: unitsToText(inst.tickUnits * g, inst.priceScale), attrs: { value: String(g) } })),
    );
    this.grouping.value = String(grouping);
  }

  render(input: LadderInput, depth: number): void {
    const { inst, ladder } = input;
    this.reshape(inst, depth, input.grouping);
    const max = ladder.maxCumulative;
    // Asks: the best is the bottom row (next to the spread), so row i from the bottom shows ask i.
    this.shownAsks = fill(this.askRows, ladder.asks, inst, max, this.shownAsks, (i) => this.askRows.length - 1 - i, true);
    this.shownBids = fill(this.bidRows, ladder.bids, inst, max, this.shownBids, (i) => i, false);
    this.empty.hidden = ladder.asks.length > 0 || ladder.bids.length > 0;

    const last = input.last;
    setText(this.lastPrice, last !== undefined ? `${formatUnits(last.price, inst.priceScale)}${last.tick > 0 ? ' ▲' : last.tick < 0 ? ' ▼' : ''}` : '—');
    setClass(this.lastPrice, `last-price ${last === undefined ? '' : last.tick > 0 ? 'up' : last.tick < 0 ? 'down' : ''}`);
    const { bestBid, bestAsk } = input;
    if (bestBid !== undefined && bestAsk !== undefined) {
      const spread = bestAsk - bestBid;
      const bps = (spread / ((bestAsk + bestBid) / 2)) * 10_000;
      setText(this.spread, `Spread ${formatUnits(spread, inst.priceScale)} · ${bps.toFixed(bps < 10 ? 2 : 1)} bps`);
    } else setText(this.spread, 'Spread —');
  }
}

function makeRows(box: HTMLDivElement, count: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const price = el('span', { class: 'price' });
    const size = el('span', { class: 'size' });
    const total = el('span', { class: 'total' });
    const node = el('div', { class: 'ladder-row blank' }, price, size, total);
    rows.push({ node, price, size, total, depth: 0 });
  }
  box.replaceChildren(...rows.map((r) => r.node));
  return rows;
}

function fill(
  rows: Row[],
  levels: readonly LadderLevel[],
  inst: InstrumentView,
  max: number,
  shown: Map<number, number> | undefined,
  rowOf: (i: number) => number,
  asks: boolean,
): Map<number, number> {
  const now = new Map<number, number>();
  let effects = EFFECTS_PER_SIDE;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[rowOf(i)];
    const level = levels[i];
    if (level === undefined) {
      if (row.depth !== -1) {
        setText(row.price, '');
        setText(row.size, '');
        setText(row.total, '');
        setClass(row.node, 'ladder-row blank');
        row.node.style.setProperty('--depth', '0');
        row.depth = -1;
      }
      continue;
    }
    now.set(level.price, level.qty);
    setText(row.price, formatUnits(level.price, inst.priceScale));
    setText(row.size, formatUnits(level.qty, inst.qtyScale));
    setText(row.total, formatUnits(level.cumulative, inst.qtyScale));
    setClass(row.node, 'ladder-row');
    row.node.dataset.price = String(level.price);
    const depth = max > 0 ? Math.round((level.cumulative / max) * 1000) / 1000 : 0;
    if (depth !== row.depth) {
      row.node.style.setProperty('--depth', String(depth));
      row.depth = depth;
    }
    if (shown === undefined || effects === 0) continue;
    const before = shown.get(level.price);
    if (before === undefined) {
      slideIn(row.node, asks);
      effects--;
    } else if (before !== level.qty) {
      flash(row.size, level.qty > before ? 'up' : 'down');
      effects--;
    }
  }
  return now;
}
