// The reference market beside the venue's book: the outside market the venue follows (Binance, a
// replay, the synthetic market) for the selected symbol. Its state as a colored badge (live green;
// connecting, resyncing and stale amber; down red), the last price with the 24 h figures when the
// source sends them, where the venue's mid stands against it, the top 10 levels a side as a
// bid | ask ladder, the latest trades and the feed's latency. Fixed row pools, text written only
// when it changed, as in the other panels.
import type { ExternalLevel, ExternalTrade } from '../../../src/protocol/index.js';
import { el, flash, setClass, setText } from '../dom.js';
import type { InstrumentView, ReferenceSymbol } from '../market-state.js';
import { REFERENCE_TRADES } from '../market-state.js';
import { formatClock, groupThousands } from '../units.js';

/** Levels a side (what the server sends). */
const LEVELS = 10;

const STATE_TEXT = { connecting: 'Connecting', live: 'Live', resyncing: 'Resyncing', stale: 'Stale', down: 'Down' } as const;
const STATE_TONE = { connecting: 'wait', live: 'on', resyncing: 'wait', stale: 'wait', down: 'off' } as const;
const SOURCE_TEXT: Readonly<Record<string, string>> = { binance: 'Binance', synthetic: 'Synthetic', replay: 'Replay' };

export interface MarketPanelInput {
  readonly symbol: string;
  readonly inst: InstrumentView | undefined;
  /** The venue runs with a reference feed. */
  readonly attached: boolean;
  readonly ref: ReferenceSymbol | undefined;
  /** Symbols the feed carries, for the empty state. */
  readonly carried: readonly string[];
  /** The venue's best bid and ask, in the instrument's price units. */
  readonly venueBid: number | undefined;
  readonly venueAsk: number | undefined;
  readonly now: number;
}

interface LadderRow {
  readonly node: HTMLDivElement;
  readonly bidSize: HTMLSpanElement;
  readonly bidPrice: HTMLSpanElement;
  readonly askPrice: HTMLSpanElement;
  readonly askSize: HTMLSpanElement;
}

interface TradeRow {
  readonly node: HTMLDivElement;
  readonly time: HTMLSpanElement;
  readonly price: HTMLSpanElement;
  readonly size: HTMLSpanElement;
  id: string;
}

interface Stat {
  readonly label: HTMLSpanElement;
  readonly value: HTMLSpanElement;
}

export class MarketPanelView {
  readonly root: HTMLElement;
  private readonly title: HTMLSpanElement;
  private readonly badge: HTMLSpanElement;
  private readonly badgeText: HTMLSpanElement;
  private readonly body: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly emptyTitle: HTMLDivElement;
  private readonly emptyHint: HTMLDivElement;
  private readonly last: HTMLSpanElement;
  private readonly change: HTMLSpanElement;
  private readonly basis: HTMLSpanElement;
  private readonly stats: Stat[];
  private readonly rows: LadderRow[] = [];
  private readonly trades: TradeRow[] = [];
  private readonly tradesEmpty: HTMLDivElement;
  private readonly source: HTMLSpanElement;
  private readonly latency: HTMLSpanElement;
  private readonly age: HTMLSpanElement;
  private shownLast: string | undefined;
  private shownSymbol = '';

  constructor() {
    this.title = el('span', { class: 'panel-sub' });
    this.badgeText = el('span', { class: 'status-text' });
    this.badge = el('span', { class: 'feed-badge', attrs: { 'data-testid': 'feed-state', role: 'status' } }, el('span', { class: 'dot' }), this.badgeText);

    this.last = el('span', { class: 'ref-last', attrs: { 'data-testid': 'ref-last' } });
    this.change = el('span', { class: 'ref-change' });
    this.basis = el('span', { class: 'ref-basis', title: "The venue's mid against the reference mid", attrs: { 'data-testid': 'ref-basis' } });
    this.stats = [0, 1, 2].map(() => ({ label: el('span', { class: 'kpi-label' }), value: el('span', { class: 'ref-stat-value' }) }));

    const ladder = el('div', { class: 'ref-ladder', attrs: { 'data-testid': 'ref-ladder' } });
    ladder.append(el('div', { class: 'ref-row ref-head' }, el('span', { text: 'Size' }), el('span', { text: 'Bid' }), el('span', { text: 'Ask' }), el('span', { text: 'Size' })));
    for (let i = 0; i < LEVELS; i++) {
      const bidSize = el('span', { class: 'size' });
      const bidPrice = el('span', { class: 'price bid-text' });
      const askPrice = el('span', { class: 'price ask-text' });
      const askSize = el('span', { class: 'size' });
      const node = el('div', { class: 'ref-row' }, bidSize, bidPrice, askPrice, askSize);
      this.rows.push({ node, bidSize, bidPrice, askPrice, askSize });
      ladder.append(node);
    }

    const tradeList = el('div', { class: 'ref-trades', attrs: { 'data-testid': 'ref-trades' } });
    for (let i = 0; i < REFERENCE_TRADES; i++) {
      const time = el('span', { class: 'time' });
      const price = el('span', { class: 'price' });
      const size = el('span', { class: 'size' });
      const node = el('div', { class: 'ref-trade' }, time, price, size);
      node.hidden = true;
      this.trades.push({ node, time, price, size, id: '' });
      tradeList.append(node);
    }
    this.tradesEmpty = el('div', { class: 'empty-state inline', text: 'No trades yet' });
    tradeList.append(this.tradesEmpty);

    this.source = el('span', { class: 'ref-source' });
    this.latency = el('span', { class: 'ref-latency', title: 'Receive time minus exchange time, ms: median / 99th percentile of recent records', attrs: { 'data-testid': 'ref-latency' } });
    this.age = el('span', { class: 'ref-age', title: 'Since the last record arrived' });

    this.body = el(
      'div',
      { class: 'ref-body' },
      el(
        'div',
        { class: 'ref-strip' },
        el('div', { class: 'ref-top' }, this.last, this.change, el('span', { class: 'grow' }), this.basis),
        el('div', { class: 'ref-stats' }, ...this.stats.map((s) => el('div', { class: 'ref-stat' }, s.label, s.value))),
      ),
      ladder,
      el('div', { class: 'ref-trades-head' }, el('span', { text: 'Trades' }), el('span', { text: 'Price' }), el('span', { text: 'Size' })),
      tradeList,
      el('div', { class: 'ref-foot' }, this.source, el('span', { class: 'grow' }), this.latency, this.age),
    );
    this.emptyTitle = el('div', { class: 'ref-empty-title' });
    this.emptyHint = el('div', { class: 'ref-empty-hint' });
    this.empty = el('div', { class: 'empty-state ref-empty', attrs: { 'data-testid': 'ref-empty' } }, this.emptyTitle, this.emptyHint);

    this.root = el(
      'section',
      { class: 'panel area-market', attrs: { 'aria-label': 'Reference market', 'data-testid': 'reference-market' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Reference' }), this.title, el('span', { class: 'grow' }), this.badge),
      this.body,
      this.empty,
    );
  }

  render(input: MarketPanelInput): void {
    const { symbol, inst, ref } = input;
    setText(this.title, symbol);
    if (symbol !== this.shownSymbol) {
      this.shownSymbol = symbol;
      this.shownLast = undefined;
      for (const row of this.trades) row.id = '';
    }
    if (!input.attached || ref === undefined) {
      this.body.hidden = true;
      this.empty.hidden = false;
      this.badge.hidden = !input.attached;
      if (!input.attached) {
        setText(this.emptyTitle, 'No reference feed');
        setText(this.emptyHint, 'The venue runs without an outside market. Start it with --feed synthetic, binance or replay:<files> to compare.');
      } else {
        setText(this.emptyTitle, `No reference data for ${symbol}`);
        setText(this.emptyHint, input.carried.length > 0 ? `The feed carries ${input.carried.join(', ')}.` : 'Waiting for the feed’s first records.');
        this.renderBadge('connecting', 'no data for this symbol');
      }
      return;
    }
    this.body.hidden = false;
    this.empty.hidden = true;
    this.badge.hidden = false;
    const info = ref.info;
    this.renderBadge(info.state, `${info.reason}${info.detail !== undefined ? `: ${info.detail}` : ''}`);
    toggleClass(this.body, 'untrusted', info.state !== 'live');

    const price = (text: string): string => fit(text, inst?.priceScale);
    const size = (text: string): string => fit(text, inst?.qtyScale);
    const last = info.last_price ?? info.ticker?.last_price;
    setText(this.last, last !== undefined ? `${price(last)}${ref.tick > 0 ? ' ▲' : ref.tick < 0 ? ' ▼' : ''}` : '—');
    setClass(this.last, `ref-last ${ref.tick > 0 ? 'up' : ref.tick < 0 ? 'down' : ''}`);
    if (last !== undefined && this.shownLast !== undefined && last !== this.shownLast) flash(this.last, Number(last) > Number(this.shownLast) ? 'up' : 'down');
    this.shownLast = last;

    const t = info.ticker;
    const open = t?.open_24h;
    if (open !== undefined && last !== undefined && Number(open) > 0) {
      const pct = (Number(last) / Number(open) - 1) * 100;
      setText(this.change, `${pct >= 0 ? '+' : ''}${pct.toFixed(2)}%`);
      setClass(this.change, `ref-change ${pct > 0 ? 'up' : pct < 0 ? 'down' : ''}`);
      this.change.title = `24 h change from ${price(open)}`;
      this.change.hidden = false;
    } else this.change.hidden = true;

    const bid = info.bids[0]?.[0] ?? t?.best_bid;
    const ask = info.asks[0]?.[0] ?? t?.best_ask;
    const refMid = bid !== undefined && ask !== undefined ? (Number(bid) + Number(ask)) / 2 : undefined;
    const venueMid = inst !== undefined && input.venueBid !== undefined && input.venueAsk !== undefined ? (input.venueBid + input.venueAsk) / 2 / 10 ** inst.priceScale : undefined;
    if (refMid !== undefined && venueMid !== undefined && refMid > 0) {
      const bps = (venueMid / refMid - 1) * 10_000;
      setText(this.basis, `Venue ${bps >= 0 ? '+' : ''}${bps.toFixed(1)} bps`);
    } else setText(this.basis, 'Venue —');

    if (t !== undefined && (t.high_24h !== undefined || t.volume_24h !== undefined)) {
      this.stat(0, '24h High', t.high_24h !== undefined ? price(t.high_24h) : '—');
      this.stat(1, '24h Low', t.low_24h !== undefined ? price(t.low_24h) : '—');
      this.stat(2, '24h Volume', t.volume_24h !== undefined ? compact(t.volume_24h) : '—');
    } else {
      // A source without 24 h figures (a book ticker, the synthetic market): the touch instead.
      const spread = bid !== undefined && ask !== undefined ? Number(ask) - Number(bid) : undefined;
      const spreadBps = spread !== undefined && refMid !== undefined && refMid > 0 ? (spread / refMid) * 10_000 : undefined;
      this.stat(0, 'Bid', bid !== undefined ? price(bid) : '—');
      this.stat(1, 'Ask', ask !== undefined ? price(ask) : '—');
      this.stat(2, 'Spread', spreadBps !== undefined ? `${spreadBps.toFixed(spreadBps < 1 ? 3 : spreadBps < 10 ? 2 : 1)} bps` : '—');
    }

    this.renderLadder(info.bids, info.asks, price, size);
    this.renderTrades(ref.trades, price, size);

    setText(this.source, `${SOURCE_TEXT[info.source] ?? info.source}${info.exchange !== '' && info.exchange !== info.source ? ` · ${SOURCE_TEXT[info.exchange] ?? info.exchange}` : ''}`);
    const l = info.latency;
    setText(this.latency, l !== undefined ? `Latency ${ms(l.p50_ms)} / ${ms(l.p99_ms)} ms` : 'Latency —');
    // How long ago the last record came: worth a word only once it is not "just now".
    const age = info.updated_at !== undefined ? Math.max(0, input.now - info.updated_at) : undefined;
    setText(this.age, age === undefined || age < 2000 ? '' : age < 60_000 ? `· ${Math.floor(age / 1000)} s ago` : `· ${Math.floor(age / 60_000)} min ago`);
  }

  private renderBadge(state: keyof typeof STATE_TEXT, why: string): void {
    setText(this.badgeText, STATE_TEXT[state]);
    setClass(this.badge, `feed-badge ${STATE_TONE[state]}`);
    this.badge.dataset.state = state;
    this.badge.title = why;
  }

  private stat(i: number, label: string, value: string): void {
    setText(this.stats[i].label, label);
    setText(this.stats[i].value, value);
  }

  private renderLadder(bids: readonly ExternalLevel[], asks: readonly ExternalLevel[], price: (t: string) => string, size: (t: string) => string): void {
    // Bars show each side's running total against the deeper of the two (display only: floats are fine).
    const cumulative = (levels: readonly ExternalLevel[]): number[] => {
      let sum = 0;
      return levels.map(([, q]) => (sum += Number(q)));
    };
    const bidTotals = cumulative(bids);
    const askTotals = cumulative(asks);
    const max = Math.max(bidTotals[bidTotals.length - 1] ?? 0, askTotals[askTotals.length - 1] ?? 0);
    for (let i = 0; i < LEVELS; i++) {
      const row = this.rows[i];
      const b = bids[i];
      const a = asks[i];
      setText(row.bidPrice, b !== undefined ? price(b[0]) : '');
      setText(row.bidSize, b !== undefined ? size(b[1]) : '');
      setText(row.askPrice, a !== undefined ? price(a[0]) : '');
      setText(row.askSize, a !== undefined ? size(a[1]) : '');
      const bidDepth = b !== undefined && max > 0 ? (bidTotals[i] / max).toFixed(3) : '0';
      const askDepth = a !== undefined && max > 0 ? (askTotals[i] / max).toFixed(3) : '0';
      if (row.node.style.getPropertyValue('--bid-depth') !== bidDepth) row.node.style.setProperty('--bid-depth', bidDepth);
      if (row.node.style.getPropertyValue('--ask-depth') !== askDepth) row.node.style.setProperty('--ask-depth', askDepth);
    }
  }

  private renderTrades(trades: readonly ExternalTrade[], price: (t: string) => string, size: (t: string) => string): void {
    for (let i = 0; i < this.trades.length; i++) {
      const row = this.trades[i];
      const trade = trades[i];
      if (trade === undefined) {
        row.node.hidden = true;
        row.id = '';
        continue;
      }
      row.node.hidden = false;
      if (row.id === trade.trade_id) continue;
      row.id = trade.trade_id;
      setText(row.time, formatClock(trade.time));
      setText(row.price, price(trade.price));
      setText(row.size, size(trade.quantity));
      setClass(row.node, `ref-trade ${trade.taker_side}`);
    }
    this.tradesEmpty.hidden = trades.length > 0;
  }
}

function toggleClass(node: Element, name: string, on: boolean): void {
  if (node.classList.contains(name) !== on) node.classList.toggle(name, on);
}

/**
 * An exchange's decimal ("61737.63000000") at the venue's scale: trailing zeros cut down to the
 * scale, never below the digits the value has, so nothing is rounded away; thousands grouped.
 */
export function fit(text: string, scale: number | undefined): string {
  const dot = text.indexOf('.');
  if (dot < 0) return groupThousands(scale !== undefined && scale > 0 ? `${text}.${'0'.repeat(scale)}` : text);
  let end = text.length;
  while (end > dot + 1 && text.charCodeAt(end - 1) === 0x30) end--;
  let fraction = text.slice(dot + 1, end);
  if (scale !== undefined && fraction.length < scale) fraction = fraction.padEnd(scale, '0');
  return groupThousands(fraction.length > 0 ? `${text.slice(0, dot)}.${fraction}` : text.slice(0, dot));
}

/** A volume for a glance: 52,340 · 1.25M. */
function compact(text: string): string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1000) return groupThousands(n.toFixed(0));
  return n.toFixed(n >= 10 ? 2 : 4);
}

function ms(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}
