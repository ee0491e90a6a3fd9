// What the user chose, remembered in localStorage: theme, redraw interval, ladder depth, price
// grouping per symbol, candle resolution, the account whose fills are marked, the open symbol,
// the alert thresholds.
import { type AlertThresholds, DEFAULT_ALERT_THRESHOLDS, readAlertThresholds } from './alerts.js';
import type { Resolution } from './candles.js';

export type Theme = 'dark' | 'light';

export interface Settings {
  /** Least time between two redraws of the market panels; 0 redraws on every animation frame. */
  updateIntervalMs: number;
  /** Ladder rows a side. */
  depth: number;
  /** Grouping per symbol, as a multiple of the tick (1, 10, 100, 1000). */
  grouping: Record<string, number>;
  resolution: Resolution;
  account: string;
  symbol: string;
  /** When a price move, a volume spike or a killed strategy raises an alert. */
  alerts: AlertThresholds;
}

export const UPDATE_INTERVALS = [0, 100, 250, 500, 1000] as const;
export const DEPTHS = [8, 12, 16, 20, 30] as const;
export const GROUPINGS = [1, 10, 100, 1000] as const;

const SETTINGS_KEY = 'crucible.dashboard';
/** Read by the inline script in index.html before the first paint, so it has a key of its own. */
const THEME_KEY = 'crucible.theme';

const DEFAULTS: Settings = { updateIntervalMs: 0, depth: 12, grouping: {}, resolution: 1, account: '', symbol: '', alerts: DEFAULT_ALERT_THRESHOLDS };

export function loadSettings(): Settings {
  try {
    const raw = localStorage.getItem(SETTINGS_KEY);
    if (raw === null) return { ...DEFAULTS, grouping: {}, alerts: { ...DEFAULT_ALERT_THRESHOLDS } };
    const saved = JSON.parse(raw) as Partial<Settings>;
    return {
      updateIntervalMs: (UPDATE_INTERVALS as readonly number[]).includes(saved.updateIntervalMs ?? -1) ? saved.updateIntervalMs! : DEFAULTS.updateIntervalMs,
      depth: (DEPTHS as readonly number[]).includes(saved.depth ?? -1) ? saved.depth! : DEFAULTS.depth,
      grouping: typeof saved.grouping === 'object' && saved.grouping !== null ? saved.grouping : {},
      resolution: saved.resolution === 60 || saved.resolution === 300 ? saved.resolution : 1,
      account: typeof saved.account === 'string' ? saved.account : '',
      symbol: typeof saved.symbol === 'string' ? saved.symbol : '',
      alerts: readAlertThresholds(saved.alerts),
    };
  } catch {
    return { ...DEFAULTS, grouping: {}, alerts: { ...DEFAULT_ALERT_THRESHOLDS } };
  }
}

export function saveSettings(settings: Settings): void {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Private windows may refuse storage; the dashboard works without it.
  }
}

export function loadTheme(): Theme {
  const attr = document.documentElement.dataset.theme;
  return attr === 'light' ? 'light' : 'dark';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // See saveSettings.
  }
}
