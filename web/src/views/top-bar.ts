// The top bar: connection state (green Connected, red Disconnected with the retry countdown),
// the message rate, the account whose fills are marked, and the controls: pause/resume, refresh,
// settings and the theme switch. The settings dialog lives here too.
import type { ConnectionStatus } from '../feed-connection.js';
import { el, setClass, setText } from '../dom.js';
import { DEPTHS, GROUPINGS, type Settings, type Theme, UPDATE_INTERVALS } from '../settings.js';
import { formatCount } from '../units.js';

export interface TopBarActions {
  readonly onPause: (paused: boolean) => void;
  readonly onRefresh: () => void;
  readonly onTheme: (theme: Theme) => void;
  readonly onAccount: (account: string) => void;
  readonly onSettings: (change: Partial<Pick<Settings, 'updateIntervalMs' | 'depth'>> & { grouping?: number }) => void;
}

export class TopBarView {
  readonly root: HTMLElement;
  private readonly dot: HTMLSpanElement;
  private readonly statusText: HTMLSpanElement;
  private readonly rate: HTMLSpanElement;
  private readonly pausedBadge: HTMLSpanElement;
  private readonly pauseButton: HTMLButtonElement;
  private readonly themeButton: HTMLButtonElement;
  private readonly account: HTMLInputElement;
  private readonly dialog: HTMLDialogElement;
  private readonly intervalSelect: HTMLSelectElement;
  private readonly depthSelect: HTMLSelectElement;
  private readonly groupingSelect: HTMLSelectElement;
  private paused = false;
  private theme: Theme;
  private status: ConnectionStatus = { state: 'connecting' };

  constructor(settings: Settings, theme: Theme, private readonly actions: TopBarActions) {
    this.theme = theme;
    this.dot = el('span', { class: 'dot' });
    this.statusText = el('span', { class: 'status-text' });
    this.rate = el('span', { class: 'rate', title: 'Messages received per second; how old a book update is when it arrives', attrs: { 'data-testid': 'message-rate' } });
    this.pausedBadge = el('span', { class: 'badge paused', text: 'PAUSED' });
    this.pausedBadge.hidden = true;
    this.account = el('input', {
      class: 'account-input',
      attrs: { type: 'text', placeholder: 'Account', 'aria-label': 'Account whose fills are marked on the chart', spellcheck: 'false', autocomplete: 'off', 'data-testid': 'account' },
    });
    this.account.value = settings.account;
    this.account.addEventListener('change', () => actions.onAccount(this.account.value.trim()));
    this.pauseButton = el('button', { class: 'tool', attrs: { type: 'button', 'data-testid': 'pause' } });
    this.pauseButton.addEventListener('click', () => this.setPaused(!this.paused));
    const refresh = el('button', { class: 'tool', text: '↻ Refresh', title: 'Fetch a fresh snapshot', attrs: { type: 'button', 'data-testid': 'refresh' } });
    refresh.addEventListener('click', () => actions.onRefresh());
    const settingsButton = el('button', { class: 'tool', text: '⚙ Settings', attrs: { type: 'button', 'data-testid': 'settings' } });
    this.themeButton = el('button', { class: 'tool icon', attrs: { type: 'button', 'data-testid': 'theme-toggle' } });
    this.themeButton.addEventListener('click', () => {
      this.theme = this.theme === 'dark' ? 'light' : 'dark';
      this.renderTheme();
      actions.onTheme(this.theme);
    });

    const option = (value: number, text: string) => el('option', { text, attrs: { value: String(value) } });
    this.intervalSelect = el('select', { attrs: { 'data-testid': 'setting-interval' } }, ...UPDATE_INTERVALS.map((ms) => option(ms, ms === 0 ? 'Every frame' : `${ms} ms`)));
    this.depthSelect = el('select', { attrs: { 'data-testid': 'setting-depth' } }, ...DEPTHS.map((d) => option(d, `${d} levels`)));
    this.groupingSelect = el('select', { attrs: { 'data-testid': 'setting-grouping' } });
    this.intervalSelect.value = String(settings.updateIntervalMs);
    this.depthSelect.value = String(settings.depth);
    this.intervalSelect.addEventListener('change', () => actions.onSettings({ updateIntervalMs: Number(this.intervalSelect.value) }));
    this.depthSelect.addEventListener('change', () => actions.onSettings({ depth: Number(this.depthSelect.value) }));
    this.groupingSelect.addEventListener('change', () => actions.onSettings({ grouping: Number(this.groupingSelect.value) }));
    const close = el('button', { class: 'tool', text: 'Done', attrs: { type: 'submit' } });
    const field = (label: string, control: HTMLElement, hint: string) =>
      el('label', { class: 'field' }, el('span', { class: 'field-label', text: label }), control, el('span', { class: 'field-hint', text: hint }));
    this.dialog = el(
      'dialog',
      { class: 'settings', attrs: { 'aria-label': 'Settings', 'data-testid': 'settings-dialog' } },
      el(
        'form',
        { attrs: { method: 'dialog' } },
        el('h2', { text: 'Settings' }),
        field('Update interval', this.intervalSelect, 'How often the panels redraw'),
        field('Book depth', this.depthSelect, 'Price levels a side on the ladder'),
        field('Price grouping', this.groupingSelect, 'For the symbol on screen'),
        el('div', { class: 'dialog-actions' }, close),
      ),
    );
    settingsButton.addEventListener('click', () => this.dialog.showModal());

    this.root = el(
      'header',
      { class: 'top-bar' },
      el('div', { class: 'brand' }, el('span', { class: 'brand-mark', text: '◆' }), el('span', { class: 'brand-name', text: 'Crucible' })),
      el('div', { class: 'connection', attrs: { 'data-testid': 'connection', role: 'status' } }, this.dot, this.statusText),
      this.rate,
      this.pausedBadge,
      el('span', { class: 'grow' }),
      this.account,
      el('div', { class: 'tools' }, this.pauseButton, refresh, settingsButton, this.themeButton),
      this.dialog,
    );
    this.renderPause();
    this.renderTheme();
    this.renderStatus(Date.now());
  }

  setStatus(status: ConnectionStatus, now: number): void {
    this.status = status;
    this.renderStatus(now);
  }

  /** Called every frame or so: the retry countdown ticks. */
  renderStatus(now: number): void {
    const s = this.status;
    const lost = s.state === 'disconnected' || s.retrying === true;
    setClass(this.dot, `dot ${s.state === 'connected' ? 'on' : lost ? 'off' : 'wait'}`);
    this.root.dataset.connection = s.state;
    if (s.state === 'connected') setText(this.statusText, 'Connected');
    else if (s.state === 'connecting') setText(this.statusText, lost ? 'Disconnected · reconnecting…' : 'Connecting…');
    else {
      const left = s.retryAt !== undefined ? Math.max(0, Math.ceil((s.retryAt - now) / 1000)) : 0;
      setText(this.statusText, left > 0 ? `Disconnected · retry in ${left} s` : 'Disconnected');
    }
    const reason = s.reason ?? '';
    if (this.statusText.title !== reason) this.statusText.title = reason;
  }

  /** Messages per second, and the smoothed age of book updates on arrival. */
  setRate(perSecond: number, bookLagMs: number | undefined): void {
    setText(this.rate, `${formatCount(perSecond)} msg/s${bookLagMs !== undefined ? ` · book lag ${formatCount(Math.max(0, bookLagMs))} ms` : ''}`);
  }

  setGroupingChoices(labels: readonly string[], current: number): void {
    this.groupingSelect.replaceChildren(...GROUPINGS.map((g, i) => el('option', { text: labels[i] ?? String(g), attrs: { value: String(g) } })));
    this.groupingSelect.value = String(current);
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.renderPause();
    this.actions.onPause(paused);
  }

  private renderPause(): void {
    setText(this.pauseButton, this.paused ? '▶ Resume' : '❚❚ Pause');
    this.pauseButton.setAttribute('aria-pressed', String(this.paused));
    this.pausedBadge.hidden = !this.paused;
  }

  private renderTheme(): void {
    setText(this.themeButton, this.theme === 'dark' ? '☀ Light' : '☾ Dark');
    this.themeButton.title = `Switch to the ${this.theme === 'dark' ? 'light' : 'dark'} theme`;
  }
}
