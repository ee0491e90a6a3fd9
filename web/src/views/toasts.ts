// Alerts as toasts in the top-right corner: newest on top, at most four on screen, each gone
// after six seconds or when closed. Also the alert thresholds' fields for the Settings dialog.
import { ALERT_LIMITS, type Alert, type AlertThresholds, thresholdProblem } from '../alerts.js';
import { el } from '../dom.js';

/** Toasts on screen at once; an older one makes room for a newer. */
export const MAX_TOASTS = 4;
export const TOAST_MS = 6000;

export class ToastsView {
  readonly root: HTMLDivElement;

  constructor() {
    // Polite: a screen reader tells the alert without cutting off what it is reading.
    this.root = el('div', { class: 'toasts', attrs: { role: 'status', 'aria-live': 'polite', 'data-testid': 'toasts' } });
  }

  show(alert: Alert): void {
    const close = el('button', { class: 'toast-close', text: '×', title: 'Dismiss', attrs: { type: 'button', 'aria-label': 'Dismiss alert' } });
    const toast = el(
      'div',
      { class: `toast toast-${alert.kind}`, attrs: { 'data-testid': 'toast', 'data-kind': alert.kind, 'data-symbol': alert.symbol } },
      el('div', { class: 'toast-body' }, el('strong', { class: 'toast-title', text: alert.title }), el('span', { class: 'toast-text', text: alert.text })),
      close,
    );
    const timer = setTimeout(() => toast.remove(), TOAST_MS);
    close.addEventListener('click', () => {
      clearTimeout(timer);
      toast.remove();
    });
    this.root.prepend(toast);
    while (this.root.children.length > MAX_TOASTS) this.root.lastElementChild?.remove();
  }
}

const FIELDS: ReadonlyArray<readonly [keyof AlertThresholds, string, string]> = [
  ['priceMovePct', 'Price move alert (%)', 'A last price moving at least this much…'],
  ['priceWindowS', 'Price move window (s)', '…within this many seconds'],
  ['volumeFactor', 'Volume spike (× average)', 'Last 10 s against the average 10 s of the minute before'],
  ['volumeMinTrades', 'Volume spike trades', 'Least trades in the 10 s, so a quiet market stays quiet'],
  ['cooldownS', 'Alert cool-down (s)', 'Least time between two alerts of a kind for a symbol'],
];

/** The thresholds' fields for the Settings dialog; a valid change takes effect at once, an invalid one is refused in place. */
export function alertThresholdFields(current: AlertThresholds, onChange: (next: AlertThresholds) => void): HTMLFieldSetElement {
  const values = { ...current };
  const set = el('fieldset', { class: 'alert-fields' }, el('legend', { text: 'Alerts' }));
  for (const [key, label, hint] of FIELDS) {
    const [min, max] = ALERT_LIMITS[key];
    const input = el('input', {
      class: 'account-input param-input',
      attrs: { type: 'number', step: 'any', min: String(min), max: String(max), 'data-testid': `setting-alert-${key}` },
    });
    input.value = String(values[key]);
    const note = el('span', { class: 'field-hint', text: hint });
    input.addEventListener('change', () => {
      const value = input.value.trim() === '' ? Number.NaN : Number(input.value);
      const problem = thresholdProblem(key, value);
      input.setCustomValidity(problem ?? '');
      input.setAttribute('aria-invalid', String(problem !== undefined));
      note.textContent = problem !== undefined ? `Not saved: ${problem}` : hint;
      note.classList.toggle('field-error', problem !== undefined);
      if (problem !== undefined) return;
      values[key] = value;
      onChange({ ...values });
    });
    set.append(el('label', { class: 'field' }, el('span', { class: 'field-label', text: label }), input, note));
  }
  return set;
}
