// The activity log: what happened, newest first, with the time of each event: orders entered,
// cancels, trades, rejects, listings and halts, FIX logons and logouts, the connection's own
// events. A filter narrows it to one kind; the newest 60 matching lines are shown, redrawn at
// most four times a second.
import { el, setText } from '../dom.js';
import type { LogEntry, LogKind } from '../market-state.js';
import { formatClock } from '../units.js';

const SHOWN = 60;
/** A log that moves faster than this cannot be read; redrawing it more often only costs layout. */
const REDRAW_EVERY_MS = 250;

const FILTERS: ReadonlyArray<readonly [string, string, ReadonlySet<LogKind> | undefined]> = [
  ['all', 'All', undefined],
  ['orders', 'Orders', new Set<LogKind>(['order', 'cancel', 'reject'])],
  ['trades', 'Trades', new Set<LogKind>(['trade'])],
  ['system', 'System', new Set<LogKind>(['listing', 'session', 'connection', 'error', 'alert'])],
];

const LABELS: Readonly<Record<LogKind, string>> = {
  order: 'ORDER',
  cancel: 'CANCEL',
  trade: 'TRADE',
  reject: 'REJECT',
  listing: 'LISTING',
  session: 'FIX',
  connection: 'LINK',
  error: 'ERROR',
  alert: 'ALERT',
};

interface Line {
  readonly node: HTMLDivElement;
  readonly time: HTMLSpanElement;
  readonly kind: HTMLSpanElement;
  readonly text: HTMLSpanElement;
  id: number;
}

export class ActivityLogView {
  readonly root: HTMLElement;
  private readonly list: HTMLDivElement;
  private readonly empty: HTMLDivElement;
  private readonly lines: Line[] = [];
  private filter: ReadonlySet<LogKind> | undefined;
  private readonly chips = new Map<string, HTMLButtonElement>();
  private renderedFor = -1;
  private drawnAt = Number.NEGATIVE_INFINITY;

  constructor() {
    this.list = el('div', { class: 'log-list', attrs: { role: 'log', 'aria-live': 'off' } });
    for (let i = 0; i < SHOWN; i++) {
      const time = el('span', { class: 'log-time' });
      const kind = el('span', { class: 'log-kind' });
      const text = el('span', { class: 'log-text' });
      const node = el('div', { class: 'log-line' }, time, kind, text);
      node.hidden = true;
      this.lines.push({ node, time, kind, text, id: 0 });
      this.list.append(node);
    }
    this.empty = el('div', { class: 'empty-state', text: 'Nothing has happened yet' });
    const chips = el('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Show' } });
    for (const [key, label, kinds] of FILTERS) {
      const b = el('button', { text: label, attrs: { type: 'button' } });
      b.addEventListener('click', () => {
        this.filter = kinds;
        for (const [k, chip] of this.chips) chip.classList.toggle('active', k === key);
        this.renderedFor = -1;
        this.onFilter?.();
      });
      if (key === 'all') b.classList.add('active');
      this.chips.set(key, b);
      chips.append(b);
    }
    this.root = el(
      'section',
      { class: 'panel area-log', attrs: { 'aria-label': 'Activity log', 'data-testid': 'activity-log' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Activity' }), el('span', { class: 'grow' }), chips),
      el('div', { class: 'panel-scroll' }, this.list, this.empty),
    );
  }

  /** Called when the filter changes, so the owner redraws. */
  onFilter: (() => void) | undefined;

  /** Redraws when there is news, at most every REDRAW_EVERY_MS; false when it held back. */
  render(log: readonly LogEntry[], now: number): boolean {
    const newest = log.length > 0 ? log[log.length - 1].id : 0;
    if (newest === this.renderedFor) return true;
    if (this.renderedFor !== -1 && now - this.drawnAt < REDRAW_EVERY_MS) return false;
    this.drawnAt = now;
    this.renderedFor = newest;
    let shown = 0;
    for (let i = log.length - 1; i >= 0 && shown < SHOWN; i--) {
      const entry = log[i];
      if (this.filter !== undefined && !this.filter.has(entry.kind)) continue;
      const line = this.lines[shown++];
      line.node.hidden = false;
      if (line.id === entry.id) continue;
      line.id = entry.id;
      setText(line.time, formatClock(entry.time));
      setText(line.kind, LABELS[entry.kind]);
      line.kind.className = `log-kind k-${entry.kind}`;
      setText(line.text, entry.text);
    }
    for (let i = shown; i < SHOWN; i++) {
      this.lines[i].node.hidden = true;
      this.lines[i].id = 0;
    }
    this.empty.hidden = shown > 0;
    return true;
  }
}
