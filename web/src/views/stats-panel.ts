// Statistics since the venue started, per symbol and over all: volume, VWAP, trades by side,
// match rate (orders that traded at least once), high and low; uptime and order counts above.
import type { ActivityStats, MarketStats, SymbolStats } from '../../../src/protocol/index.js';
import { el, setText } from '../dom.js';
import type { InstrumentView } from '../market-state.js';
import { decimalsOf, formatCount, formatDecimal, formatPercent, formatUptime, groupThousands } from '../units.js';

const COLUMNS = ['Symbol', 'Last', 'Volume', 'VWAP', 'Trades', 'Buys', 'Sells', 'Match', 'High', 'Low'] as const;
/** Columns a phone-width screen hides, and those only a wide screen has room for. */
const WIDE_ONLY = new Set(['VWAP', 'Buys', 'Sells']);
const XL_ONLY = new Set(['High', 'Low']);

function columnClass(name: string): string {
  return WIDE_ONLY.has(name) ? ' wide-only' : XL_ONLY.has(name) ? ' xl-only' : '';
}

export class StatsPanelView {
  readonly root: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly foot: HTMLTableSectionElement;
  private readonly uptime: HTMLElement;
  private readonly orders: HTMLElement;
  private readonly cancels: HTMLElement;
  private readonly rejects: HTMLElement;
  private readonly notional: HTMLElement;
  private readonly empty: HTMLDivElement;

  constructor(onSymbol: (symbol: string) => void) {
    const kpi = (label: string, testid: string): [HTMLElement, HTMLElement] => {
      const value = el('span', { class: 'kpi-value', attrs: { 'data-testid': testid } });
      return [el('div', { class: 'kpi' }, el('span', { class: 'kpi-label', text: label }), value), value];
    };
    const [uptimeBox, uptime] = kpi('Uptime', 'uptime');
    const [ordersBox, orders] = kpi('Orders', 'orders-total');
    const [cancelsBox, cancels] = kpi('Cancels', 'cancels-total');
    const [rejectsBox, rejects] = kpi('Rejects', 'rejects-total');
    const [notionalBox, notional] = kpi('Notional', 'notional-total');
    this.uptime = uptime;
    this.orders = orders;
    this.cancels = cancels;
    this.rejects = rejects;
    this.notional = notional;
    this.body = el('tbody');
    this.foot = el('tfoot');
    this.body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr');
      const symbol = row?.dataset.symbol;
      if (symbol !== undefined) onSymbol(symbol);
    });
    this.empty = el('div', { class: 'empty-state', text: 'No statistics yet' });
    const head = el('thead', {}, el('tr', {}, ...COLUMNS.map((c, i) => el('th', { text: c, class: `${i > 0 ? 'num' : ''}${columnClass(c)}` }))));
    this.root = el(
      'section',
      { class: 'panel area-stats', attrs: { 'aria-label': 'Statistics', 'data-testid': 'stats' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Statistics' })),
      el('div', { class: 'kpis' }, uptimeBox, ordersBox, cancelsBox, rejectsBox, notionalBox),
      el('div', { class: 'panel-scroll' }, el('table', { class: 'grid-table stats' }, head, this.body, this.foot), this.empty),
    );
  }

  render(stats: MarketStats | undefined, instruments: ReadonlyMap<string, InstrumentView>, selected: string): void {
    this.empty.hidden = stats !== undefined;
    if (stats === undefined) {
      this.body.replaceChildren();
      this.foot.replaceChildren();
      return;
    }
    setText(this.uptime, formatUptime(stats.uptime_seconds));
    setText(this.orders, formatCount(stats.total.orders));
    setText(this.cancels, formatCount(stats.total.cancels));
    setText(this.rejects, formatCount(stats.total.rejects));
    setText(this.notional, formatDecimal(stats.total.notional, 2));
    const rows: HTMLTableRowElement[] = [];
    const bySymbol = new Map(stats.symbols.map((s) => [s.symbol, s]));
    // The instruments' order (equities, then crypto), not the server's.
    for (const inst of instruments.values()) {
      const s = bySymbol.get(inst.symbol);
      if (s !== undefined) rows.push(symbolRow(s, inst, s.symbol === selected));
    }
    this.body.replaceChildren(...rows);
    const maxQtyScale = Math.max(0, ...[...instruments.values()].map((i) => i.qtyScale));
    this.foot.replaceChildren(totalRow(stats.total, maxQtyScale));
  }
}

function cells(values: readonly string[], classes: readonly string[] = []): HTMLTableCellElement[] {
  return values.map((v, i) => el('td', { text: v, class: `${i > 0 ? 'num' : 'sym'}${columnClass(COLUMNS[i])}${classes[i] !== undefined ? ` ${classes[i]}` : ''}` }));
}

function symbolRow(s: SymbolStats, inst: InstrumentView, selected: boolean): HTMLTableRowElement {
  const price = (p: string | undefined): string => (p === undefined ? '—' : formatDecimal(p, inst.priceScale));
  const row = el(
    'tr',
    { class: `${selected ? 'selected' : ''}${s.halted ? ' halted' : ''}`, data: { symbol: s.symbol }, attrs: { 'data-testid': `stats-${s.symbol}` } },
    ...cells(
      [
        s.symbol,
        price(s.last_price),
        formatDecimal(s.volume, inst.qtyScale),
        s.vwap === undefined ? '—' : formatDecimal(s.vwap, inst.priceScale + 2),
        formatCount(s.trades),
        formatCount(s.buy_trades),
        formatCount(s.sell_trades),
        s.orders > 0 ? formatPercent(s.match_rate) : '—',
        price(s.high),
        price(s.low),
      ],
      ['', '', '', '', 'trades', 'bid-text', 'ask-text'],
    ),
  );
  return row;
}

function totalRow(t: ActivityStats, qtyScale: number): HTMLTableRowElement {
  return el(
    'tr',
    { class: 'total', attrs: { 'data-testid': 'stats-total' } },
    ...cells(
      [
        'All',
        '',
        formatDecimal(t.volume, Math.min(decimalsOf(t.volume), qtyScale)),
        t.vwap === undefined ? '—' : groupThousands(t.vwap),
        formatCount(t.trades),
        formatCount(t.buy_trades),
        formatCount(t.sell_trades),
        t.orders > 0 ? formatPercent(t.match_rate) : '—',
        '',
        '',
      ],
      ['', '', '', '', 'trades', 'bid-text', 'ask-text'],
    ),
  );
}
