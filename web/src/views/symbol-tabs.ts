// One tab per instrument, grouped by asset class, each with its last price ticking up or down;
// a halted symbol carries a HALT badge. Tabs follow the venue's listings as they change.
import { el, setClass, setText } from '../dom.js';
import type { InstrumentView, LastTrade } from '../market-state.js';
import { formatUnits } from '../units.js';

const GROUPS: ReadonlyArray<readonly [string, string]> = [
  ['equity', 'Equities'],
  ['crypto', 'Crypto'],
  ['other', 'Other'],
];

interface Tab {
  readonly button: HTMLButtonElement;
  readonly price: HTMLSpanElement;
  readonly badge: HTMLSpanElement;
}

export class SymbolTabsView {
  readonly root: HTMLElement;
  private tabs = new Map<string, Tab>();
  private listing = '';

  constructor(private readonly onSelect: (symbol: string) => void) {
    this.root = el('nav', { class: 'symbol-tabs', attrs: { 'aria-label': 'Instruments', role: 'tablist', 'data-testid': 'symbol-tabs' } });
    this.root.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const symbols = [...this.tabs.keys()];
      const current = symbols.findIndex((s) => this.tabs.get(s)!.button === document.activeElement);
      if (current < 0) return;
      const next = symbols[(current + (event.key === 'ArrowRight' ? 1 : symbols.length - 1)) % symbols.length];
      this.tabs.get(next)!.button.focus();
      this.onSelect(next);
    });
  }

  render(instruments: ReadonlyMap<string, InstrumentView>, lastTrades: ReadonlyMap<string, LastTrade>, selected: string): void {
    const listing = [...instruments.values()].map((i) => `${i.symbol}:${i.info.asset_class}`).join(',');
    if (listing !== this.listing) this.rebuild(instruments, listing);
    for (const [symbol, tab] of this.tabs) {
      const inst = instruments.get(symbol)!;
      const last = lastTrades.get(symbol);
      setText(tab.price, last !== undefined ? formatUnits(last.price, inst.priceScale) : '—');
      setClass(tab.price, `tab-price ${last === undefined ? '' : last.tick > 0 ? 'up' : last.tick < 0 ? 'down' : ''}`);
      tab.badge.hidden = !inst.info.halted;
      const active = symbol === selected;
      if (tab.button.getAttribute('aria-selected') !== String(active)) {
        tab.button.setAttribute('aria-selected', String(active));
        tab.button.tabIndex = active ? 0 : -1;
        if (active) tab.button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      }
      tab.button.classList.toggle('halted', inst.info.halted);
    }
  }

  private rebuild(instruments: ReadonlyMap<string, InstrumentView>, listing: string): void {
    this.listing = listing;
    const tabs = new Map<string, Tab>();
    const groups: HTMLElement[] = [];
    for (const [cls, label] of GROUPS) {
      const members = [...instruments.values()].filter((i) => i.info.asset_class === cls);
      if (members.length === 0) continue;
      const group = el('div', { class: 'tab-group', attrs: { role: 'presentation' } }, el('span', { class: 'tab-group-label', text: label }));
      for (const inst of members) {
        const price = el('span', { class: 'tab-price' });
        const badge = el('span', { class: 'badge halt', text: 'HALT', title: 'Trading halted' });
        const button = el(
          'button',
          { class: 'tab', attrs: { type: 'button', role: 'tab', 'aria-selected': 'false', 'data-symbol': inst.symbol, 'data-testid': `tab-${inst.symbol}` } },
          el('span', { class: 'tab-symbol', text: inst.symbol }),
          price,
          badge,
        );
        button.addEventListener('click', () => this.onSelect(inst.symbol));
        tabs.set(inst.symbol, { button, price, badge });
        group.append(button);
      }
      groups.push(group);
    }
    this.tabs = tabs;
    this.root.replaceChildren(...groups);
    if (groups.length === 0) this.root.append(el('span', { class: 'empty-state inline', text: 'No instruments listed' }));
  }
}
