// The strategies panel: a row per strategy the venue runs (symbol, kind, state, position, P&L,
// drawdown, Sharpe, fills) with its controls — start, stop, kill, reset — and, for the chosen one,
// its equity curve and a small parameter form. It polls GET /api/strategies every second; the
// controls need the API token, kept in this browser's storage and set in Settings.
import type { StrategiesResponse, StrategyInfo, StrategyReportResponse } from '../../../src/protocol/strategies.js';
import { el, setClass, setText, themeColor } from '../dom.js';
import { formatCount, groupThousands } from '../units.js';

const POLL_MS = 1000;
const RETRY_UNAVAILABLE_MS = 15_000;
const TIMEOUT_MS = 5000;
const TOKEN_KEY = 'crucible.apiToken';

export function loadApiToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveApiToken(token: string): void {
  try {
    if (token === '') localStorage.removeItem(TOKEN_KEY);
    else localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Private windows may refuse storage; the token then lasts until reload.
  }
}

/** The API token field for the Settings dialog; a change takes effect at once. */
export function apiTokenField(onChange: (token: string) => void): HTMLLabelElement {
  const input = el('input', {
    class: 'account-input token-input',
    attrs: { type: 'password', placeholder: 'API token', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'setting-token' },
  });
  input.value = loadApiToken();
  input.addEventListener('change', () => {
    saveApiToken(input.value.trim());
    onChange(input.value.trim());
  });
  return el(
    'label',
    { class: 'field' },
    el('span', { class: 'field-label', text: 'API token' }),
    input,
    el('span', { class: 'field-hint', text: 'For the strategy controls (printed by crucible start)' }),
  );
}

type Action = 'start' | 'stop' | 'kill' | 'reset';

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly cells: Record<'state' | 'position' | 'pnl' | 'drawdown' | 'sharpe' | 'fills', HTMLTableCellElement>;
  readonly badge: HTMLSpanElement;
  readonly buttons: Record<Action, HTMLButtonElement>;
}

export class StrategiesPanelView {
  readonly root: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly table: HTMLTableElement;
  private readonly state: HTMLDivElement;
  private readonly message: HTMLSpanElement;
  private readonly count: HTMLSpanElement;
  private readonly detail: HTMLDivElement;
  private readonly detailTitle: HTMLSpanElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly curveNote: HTMLSpanElement;
  private readonly paramsForm: HTMLFormElement;
  private readonly spreadInput: HTMLInputElement;
  private readonly sizeInput: HTMLInputElement;
  private readonly spreadField: HTMLLabelElement;
  private readonly rows = new Map<string, Row>();
  private strategies: StrategyInfo[] = [];
  private selectedId: string | undefined;
  private curve: StrategyReportResponse | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private token = loadApiToken();

  constructor() {
    this.body = el('tbody');
    this.body.addEventListener('click', (event) => {
      const target = event.target as Element;
      const tr = target.closest('tr');
      const id = tr?.dataset.id;
      if (id === undefined) return;
      const action = target.closest<HTMLButtonElement>('button[data-action]')?.dataset.action as Action | undefined;
      if (action !== undefined) void this.control(id, action);
      else this.select(id);
    });
    const head = el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['Strategy', 'State', 'Position', 'P&L', 'Drawdown', 'Sharpe', 'Fills', ''].map((t, i) => el('th', { text: t, class: i >= 2 && i <= 6 ? 'num' : '' })),
      ),
    );
    this.table = el('table', { class: 'grid-table strategies' }, head, this.body);
    this.table.hidden = true;
    this.state = el('div', { class: 'empty-state', text: 'Loading strategies…', attrs: { 'data-testid': 'strategies-empty' } });
    this.message = el('span', { class: 'strategy-message', attrs: { role: 'status', 'data-testid': 'strategies-message' } });
    this.count = el('span', { class: 'panel-sub' });

    this.detailTitle = el('span', { class: 'panel-sub' });
    this.canvas = el('canvas', { class: 'sparkline', attrs: { 'data-testid': 'strategy-sparkline', 'aria-label': 'Equity curve (P&L over time)' } });
    this.curveNote = el('span', { class: 'inline-label' });
    this.spreadInput = el('input', { class: 'account-input param-input', attrs: { type: 'number', step: 'any', min: '0', placeholder: 'bps', 'data-testid': 'param-spread' } });
    this.sizeInput = el('input', { class: 'account-input param-input', attrs: { type: 'text', inputmode: 'decimal', placeholder: 'quantity', 'data-testid': 'param-size' } });
    this.spreadField = el('label', { class: 'param-field' }, el('span', { class: 'inline-label', text: 'Spread (bps)' }), this.spreadInput);
    const apply = el('button', { class: 'ghost', text: 'Apply', attrs: { type: 'submit', 'data-testid': 'param-apply' } });
    this.paramsForm = el('form', { class: 'strategy-params' }, this.spreadField, el('label', { class: 'param-field' }, el('span', { class: 'inline-label', text: 'Size' }), this.sizeInput), apply);
    this.paramsForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.applyParams();
    });
    this.detail = el(
      'div',
      { class: 'strategy-detail' },
      el('div', { class: 'fix-detail-head' }, el('h3', { text: 'Equity' }), this.detailTitle, this.curveNote),
      this.canvas,
      this.paramsForm,
    );
    this.detail.hidden = true;
    this.root = el(
      'section',
      { class: 'panel area-strategies', attrs: { 'aria-label': 'Strategies', 'data-testid': 'strategies' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Strategies' }), this.count, el('span', { class: 'grow' }), this.message),
      el('div', { class: 'strategies-layout' }, el('div', { class: 'panel-scroll' }, this.table, this.state), this.detail),
    );
  }

  /** Every successful poll, with the strategies as the venue reported them. */
  onStrategies: ((strategies: readonly StrategyInfo[]) => void) | undefined;

  start(): void {
    void this.poll();
  }

  /** The token changed in Settings. */
  setToken(token: string): void {
    this.token = token;
    this.say(token === '' ? 'API token cleared' : 'API token saved', 'info');
  }

  /** The theme changed: the sparkline's colours come from it. */
  themeChanged(): void {
    this.drawCurve();
  }

  private async poll(): Promise<void> {
    const answer = await request<StrategiesResponse>('GET', '/api/strategies');
    let next = POLL_MS;
    if (answer.ok) {
      this.strategies = answer.body.strategies;
      this.onStrategies?.(this.strategies);
      this.render();
      if (this.selectedId !== undefined) await this.loadCurve();
    } else if (answer.status === 404) {
      this.showState('Strategies not available on this server', 'unavailable');
      next = RETRY_UNAVAILABLE_MS;
    } else {
      this.showState(`Strategies unavailable: ${answer.error}`, 'error');
      next = RETRY_UNAVAILABLE_MS / 3;
    }
    this.timer = setTimeout(() => void this.poll(), next);
  }

  private showState(text: string, kind: string): void {
    this.table.hidden = true;
    this.detail.hidden = true;
    this.state.hidden = false;
    setText(this.state, text);
    this.state.dataset.state = kind;
  }

  private render(): void {
    setText(this.count, this.strategies.length > 0 ? `${this.strategies.length}` : '');
    if (this.strategies.length === 0) {
      this.showState('No strategies running', 'empty');
      return;
    }
    this.state.hidden = true;
    this.table.hidden = false;
    const seen = new Set<string>();
    for (const s of this.strategies) {
      seen.add(s.id);
      const row = this.rows.get(s.id) ?? this.addRow(s);
      const killed = s.state === 'killed';
      setClass(row.badge, `badge state-${s.state}`);
      setText(row.badge, s.state.toUpperCase());
      row.badge.title = killed && s.kill !== undefined ? `${s.kill.code}: ${s.kill.reason}` : '';
      setText(row.cells.position, groupThousands(s.position));
      setText(row.cells.pnl, signed(s.pnl));
      setClass(row.cells.pnl, `num ${Number(s.pnl) > 0 ? 'bid-text' : Number(s.pnl) < 0 ? 'ask-text' : ''}`);
      row.cells.pnl.title = `realized ${s.realized_pnl} · unrealized ${s.unrealized_pnl} · fees ${s.fees}`;
      setText(row.cells.drawdown, groupThousands(fixed(s.max_drawdown, 2)));
      setText(row.cells.sharpe, s.sharpe === null ? '—' : s.sharpe.toFixed(2));
      setText(row.cells.fills, formatCount(s.fills));
      row.buttons.start.disabled = s.state !== 'stopped';
      row.buttons.stop.disabled = s.state === 'stopped';
      row.buttons.kill.disabled = s.state !== 'running';
      row.buttons.reset.disabled = !killed;
      setClass(row.tr, `clickable${s.id === this.selectedId ? ' selected' : ''}`);
    }
    for (const [id, row] of this.rows) {
      if (seen.has(id)) continue;
      row.tr.remove();
      this.rows.delete(id);
    }
    // Rows in the server's order.
    const order = this.strategies.map((s) => this.rows.get(s.id)!.tr);
    if (order.some((tr, i) => this.body.children[i] !== tr)) this.body.replaceChildren(...order);
  }

  private addRow(s: StrategyInfo): Row {
    const cell = (cls = 'num') => el('td', { class: cls });
    const badge = el('span', { class: 'badge' });
    const button = (action: Action, text: string, title: string) => el('button', { class: 'ghost', text, title, attrs: { type: 'button', 'data-action': action, 'data-testid': `strategy-${action}` } });
    const buttons = {
      start: button('start', 'Start', 'Start quoting again'),
      stop: button('stop', 'Stop', 'Stop and cancel its orders'),
      kill: button('kill', 'Kill', 'Trip the kill switch: orders cancelled, nothing new until reset'),
      reset: button('reset', 'Reset', 'Clear the kill switch; the strategy resumes'),
    };
    const cells = { state: el('td', {}, badge), position: cell(), pnl: cell(), drawdown: cell(), sharpe: cell(), fills: cell() };
    const tr = el(
      'tr',
      { data: { id: s.id }, attrs: { 'data-testid': 'strategy-row' } },
      el('td', { class: 'sym' }, el('span', { text: s.symbol }), el('span', { class: 'strategy-kind', text: ` ${s.kind}` })),
      cells.state,
      cells.position,
      cells.pnl,
      cells.drawdown,
      cells.sharpe,
      cells.fills,
      el('td', { class: 'strategy-actions' }, buttons.start, buttons.stop, buttons.kill, buttons.reset),
    );
    tr.title = `${s.id} · account ${s.account}`;
    const row: Row = { tr, cells, badge, buttons };
    this.rows.set(s.id, row);
    return row;
  }

  private select(id: string): void {
    this.selectedId = id;
    this.curve = undefined;
    const s = this.strategies.find((x) => x.id === id);
    setText(this.detailTitle, s !== undefined ? `${s.symbol} ${s.kind}` : id);
    this.spreadField.hidden = s?.kind !== 'mm';
    this.spreadInput.value = '';
    this.sizeInput.value = '';
    this.detail.hidden = false;
    this.render();
    void this.loadCurve();
    void request<{ params: Record<string, unknown> }>('GET', `/api/strategies/${encodeURIComponent(id)}`).then((answer) => {
      if (!answer.ok || id !== this.selectedId) return;
      const p = answer.body.params;
      this.spreadInput.placeholder = typeof p.spreadBps === 'number' ? String(p.spreadBps) : 'bps';
      this.sizeInput.placeholder = typeof p.size === 'string' ? p.size : 'quantity';
    });
  }

  private async loadCurve(): Promise<void> {
    const id = this.selectedId;
    if (id === undefined) return;
    const answer = await request<StrategyReportResponse>('GET', `/api/strategies/${encodeURIComponent(id)}/report`);
    if (id !== this.selectedId || !answer.ok) return;
    this.curve = answer.body;
    this.drawCurve();
  }

  private drawCurve(): void {
    const canvas = this.canvas;
    const points = this.curve?.equity ?? [];
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
    if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const r = this.curve?.ratios;
    setText(
      this.curveNote,
      r === undefined ? '' : `${points.length} samples · max DD ${groupThousands(fixed(r.max_drawdown, 2))} · Sharpe ${r.sharpe === null ? '—' : r.sharpe.toFixed(2)}`,
    );
    if (points.length < 2) return;
    const values = points.map((p) => Number(p.pnl));
    const min = Math.min(0, ...values);
    const max = Math.max(0, ...values);
    const span = max - min || 1;
    const y = (v: number) => height - 4 - ((v - min) / span) * (height - 8);
    const x = (i: number) => (i / (values.length - 1)) * (width - 2) + 1;
    ctx.strokeStyle = themeColor('--grid');
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, Math.round(y(0)) + 0.5);
    ctx.lineTo(width, Math.round(y(0)) + 0.5);
    ctx.stroke();
    ctx.strokeStyle = themeColor(values[values.length - 1] >= 0 ? '--bid' : '--ask');
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i), y(v)) : ctx.lineTo(x(i), y(v))));
    ctx.stroke();
  }

  private async control(id: string, action: Action): Promise<void> {
    if (this.token === '') {
      this.say('Set the API token in Settings to use the strategy controls', 'error');
      return;
    }
    const body = action === 'kill' ? { reason: 'killed from the dashboard' } : undefined;
    const answer = await request<{ strategy: StrategyInfo }>('POST', `/api/strategies/${encodeURIComponent(id)}/${action}`, this.token, body);
    if (!answer.ok) return this.refused(answer);
    this.say(`${id}: ${answer.body.strategy.state}`, 'info');
    this.refresh();
  }

  private async applyParams(): Promise<void> {
    const id = this.selectedId;
    if (id === undefined) return;
    const patch: Record<string, unknown> = {};
    if (!this.spreadField.hidden && this.spreadInput.value.trim() !== '') patch.spreadBps = Number(this.spreadInput.value);
    if (this.sizeInput.value.trim() !== '') patch.size = this.sizeInput.value.trim();
    if (Object.keys(patch).length === 0) return this.say('Nothing to change: enter a spread or a size', 'error');
    if (this.token === '') return this.say('Set the API token in Settings to change parameters', 'error');
    const answer = await request<{ params: Record<string, unknown> }>('PATCH', `/api/strategies/${encodeURIComponent(id)}/params`, this.token, patch);
    if (!answer.ok) return this.refused(answer);
    this.say(`${id}: parameters changed`, 'info');
    this.spreadInput.placeholder = typeof answer.body.params.spreadBps === 'number' ? String(answer.body.params.spreadBps) : 'bps';
    this.sizeInput.placeholder = typeof answer.body.params.size === 'string' ? answer.body.params.size : 'quantity';
    this.spreadInput.value = '';
    this.sizeInput.value = '';
  }

  private refused(answer: { status: number; error: string }): void {
    this.say(answer.status === 401 ? 'The API token was refused (401): check it in Settings' : answer.error, 'error');
  }

  private refresh(): void {
    clearTimeout(this.timer);
    void this.poll();
  }

  private say(text: string, kind: 'info' | 'error'): void {
    setText(this.message, text);
    setClass(this.message, `strategy-message ${kind}`);
  }
}

type Reply<T> = { ok: true; body: T } | { ok: false; status: number; error: string };

async function request<T>(method: string, path: string, token?: string, body?: unknown): Promise<Reply<T>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, signal: abort.signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const json = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) return { ok: false, status: response.status, error: (json as { message?: string } | undefined)?.message ?? `HTTP ${response.status}` };
    return { ok: true, body: json as T };
  } catch (e) {
    return { ok: false, status: 0, error: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
  }
}

const signed = (text: string): string => {
  const v = fixed(text, 2);
  return Number(text) > 0 ? `+${groupThousands(v)}` : groupThousands(v);
};

/** A decimal string cut (not rounded through a float) to `places` fraction digits. */
function fixed(text: string, places: number): string {
  const [int, frac = ''] = text.split('.');
  return `${int}.${frac.padEnd(places, '0').slice(0, places)}`;
}
