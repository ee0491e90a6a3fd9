// The dashboard's composition: the market state fed by the WebSocket, the panels drawn from it on
// animation frames, the REST calls for history, and the user's settings. Nothing here computes
// market data; it wires the parts together.
import './styles.css';
import type { ServerMessage } from '../../src/protocol/index.js';
import { AccountFills } from './account-fills.js';
import { AlertWatch, type Alert } from './alerts.js';
import { api } from './api.js';
import { el, forgetThemeColors } from './dom.js';
import { type ConnectionStatus, FeedConnection } from './feed-connection.js';
import { FrameLoop } from './frame-loop.js';
import { MarketState } from './market-state.js';
import { applyTheme, GROUPINGS, loadSettings, loadTheme, saveSettings } from './settings.js';
import { formatUnits, toUnits, unitsToText } from './units.js';
import { ActivityLogView } from './views/activity-log.js';
import { DepthChartView } from './views/depth-chart.js';
import { ExecutionFeedView } from './views/execution-feed.js';
import { FixSessionsView } from './views/fix-sessions.js';
import { MarketPanelView } from './views/market-panel.js';
import { OrderBookView } from './views/order-book.js';
import { PriceChartView } from './views/price-chart.js';
import { StatsPanelView } from './views/stats-panel.js';
import { apiTokenField, StrategiesPanelView } from './views/strategies-panel.js';
import { SymbolTabsView } from './views/symbol-tabs.js';
import { alertThresholdFields, ToastsView } from './views/toasts.js';
import { TopBarView } from './views/top-bar.js';

/** Grouped levels a side drawn on the depth chart. */
const DEPTH_CHART_LEVELS = 60;

const settings = loadSettings();
const state = new MarketState();
const fills = new AccountFills((symbol) => state.instrument(symbol));
const alerts = new AlertWatch(settings.alerts, () => Date.now());
let selected = settings.symbol;
let paused = false;

const groupingOf = (symbol: string): number => {
  const g = settings.grouping[symbol];
  return (GROUPINGS as readonly number[]).includes(g ?? -1) ? g! : 1;
};

const save = (): void => saveSettings(settings);

function select(symbol: string): void {
  if (!state.instruments.has(symbol)) return;
  selected = symbol;
  settings.symbol = symbol;
  save();
  loadHistory(symbol);
  redrawAll();
}

function setGrouping(multiple: number): void {
  settings.grouping[selected] = multiple;
  save();
  redrawAll();
}

// ---- views -------------------------------------------------------------------------------------

const topBar = new TopBarView(settings, loadTheme(), {
  onPause: (p) => {
    paused = p;
    fixView.paused = p;
    state.note('connection', p ? 'stream paused (the screen is frozen; data keeps arriving)' : 'stream resumed', Date.now());
    if (!p) redrawAll();
  },
  onRefresh: () => {
    connection.retryNow();
    connection.resync();
    for (const symbol of state.instruments.keys()) state.historyDue.add(symbol);
    loadHistory(selected);
    fixView.refresh();
    state.note('connection', 'refresh: fresh snapshot requested', Date.now());
  },
  onTheme: (theme) => {
    applyTheme(theme);
    forgetThemeColors();
    chartView.themeChanged();
    depthView.themeChanged();
    strategiesView.themeChanged();
    redrawAll();
  },
  onAccount: (account) => {
    settings.account = account;
    save();
    fills.setAccount(account);
  },
  onSettings: (change) => {
    if (change.updateIntervalMs !== undefined) settings.updateIntervalMs = change.updateIntervalMs;
    if (change.depth !== undefined) settings.depth = change.depth;
    if (change.grouping !== undefined) settings.grouping[selected] = change.grouping;
    loop.minIntervalMs = settings.updateIntervalMs;
    save();
    redrawAll();
  },
});
const tabsView = new SymbolTabsView(select);
const bookView = new OrderBookView(setGrouping);
const marketView = new MarketPanelView();
const depthView = new DepthChartView();
const chartView = new PriceChartView((resolution) => {
  settings.resolution = resolution;
  save();
  redrawAll();
});
const feedView = new ExecutionFeedView();
const statsView = new StatsPanelView(select);
const logView = new ActivityLogView();
const fixView = new FixSessionsView();
const strategiesView = new StrategiesPanelView();
// The token for the strategy controls belongs with the other settings.
topBar.root.querySelector('dialog.settings .dialog-actions')?.before(apiTokenField((token) => strategiesView.setToken(token)));
logView.onFilter = () => state.markDirty('log');
const toastsView = new ToastsView();
topBar.root.querySelector('dialog.settings .dialog-actions')?.before(
  alertThresholdFields(settings.alerts, (next) => {
    settings.alerts = next;
    alerts.setThresholds(next);
    save();
  }),
);
strategiesView.onStrategies = (list) => raise(alerts.strategies(list));

/** Alerts go to the activity log and, as toasts, on screen (even while paused: they are the news). */
function raise(list: readonly Alert[]): void {
  for (const a of list) {
    state.note('alert', a.text, a.time);
    toastsView.show(a);
  }
}

document
  .getElementById('app')!
  .replaceChildren(
    topBar.root,
    tabsView.root,
    toastsView.root,
    el('main', { class: 'board' }, bookView.root, marketView.root, chartView.root, feedView.root, depthView.root, statsView.root, logView.root, fixView.root, strategiesView.root),
  );

// ---- data --------------------------------------------------------------------------------------

let received = 0;
/** Smoothed age of book updates on arrival, ms. */
let bookLag: number | undefined;
let bookLagAt = 0;

const connection = new FeedConnection({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
  onMessages: (messages: ServerMessage[]) => {
    const now = Date.now();
    for (const m of messages) {
      state.apply(m);
      // How old the book is on arrival: conflation (up to a tick) plus the wire.
      if (m.type === 'book') {
        bookLag = bookLag === undefined ? now - m.time : bookLag * 0.9 + (now - m.time) * 0.1;
        bookLagAt = now;
      }
      if (m.type === 'trade') {
        const inst = state.instrument(m.symbol);
        if (inst !== undefined) {
          raise(alerts.trade({ symbol: m.symbol, price: toUnits(m.price, inst.priceScale), qty: toUnits(m.quantity, inst.qtyScale), priceScale: inst.priceScale, qtyScale: inst.qtyScale }));
        }
      }
      if (m.type === 'snapshot') afterSnapshot();
      else if (m.type === 'execution') fills.consider(m, m.symbol === selected);
      else if (m.type === 'instruments' && !state.instruments.has(selected)) chooseSymbol();
    }
  },
  onFrame: (messages) => (received += messages),
  onStatus: (status: ConnectionStatus) => {
    topBar.setStatus(status, Date.now());
    if (status.state === 'connected') state.note('connection', 'connected: snapshot received', Date.now());
    if (status.state === 'disconnected') state.note('connection', `disconnected (${status.reason ?? 'closed'}); retrying`, Date.now());
  },
  onGap: (expected, got) => state.note('connection', `message gap (expected #${expected}, got #${got}): resync requested`, Date.now()),
});

function chooseSymbol(): void {
  if (!state.instruments.has(selected)) selected = state.instruments.keys().next().value ?? '';
}

/** Milliseconds from navigation to the first snapshot applied (performance.now()). */
let firstSnapshotAt: number | undefined;

function afterSnapshot(): void {
  firstSnapshotAt ??= performance.now();
  chooseSymbol();
  loadHistory(selected);
  for (const row of [...state.feed].reverse()) fills.consider(row.execution, row.execution.symbol === selected);
}

/** Seeds the symbol's candles with the venue's recent trades (once per snapshot). */
function loadHistory(symbol: string): void {
  if (symbol === '' || !state.historyDue.delete(symbol)) return;
  void api.trades(symbol, 500).then((answer) => {
    if (!answer.ok) {
      state.historyDue.add(symbol);
      return;
    }
    // Newest first from the API; oldest first into the candles.
    for (let i = answer.body.trades.length - 1; i >= 0; i--) {
      const t = answer.body.trades[i];
      state.addHistoricTrade(t.symbol, t.trade_id, t.price, t.quantity, t.taker_side, t.time);
    }
  });
}

function redrawAll(): void {
  for (const p of ['instruments', 'book', 'feed', 'stats', 'log', 'chart', 'last', 'market'] as const) state.markDirty(p);
  shownBook = '';
}

// ---- drawing -----------------------------------------------------------------------------------

let shownBook = '';
let shownGrouping = '';
let shownFills = -1;
let shownMarket = '';
let marketAt = 0;
let rateAt = 0;
let rateCount = 0;
let titleAt = 0;
let frames = 0;

const loop = new FrameLoop((now) => {
  frames++;
  topBar.renderStatus(Date.now());
  if (now - rateAt >= 1000) {
    // A quiet book has no lag to show.
    if (Date.now() - bookLagAt > 5000) bookLag = undefined;
    topBar.setRate(rateAt === 0 ? 0 : ((received - rateCount) * 1000) / (now - rateAt), bookLag);
    rateAt = now;
    rateCount = received;
  }
  if (paused) return;
  const dirty = state.takeDirty();
  if (dirty.has('instruments') || dirty.has('last')) tabsView.render(state.instruments, state.lastTrades, selected);
  const inst = state.instrument(selected);
  const book = state.books.get(selected);
  if (inst !== undefined && book !== undefined) {
    const grouping = groupingOf(selected);
    const last = state.lastTrades.get(selected);
    const key = `${selected}|${book.version}|${settings.depth}|${grouping}|${last?.price}|${last?.tick}`;
    if (key !== shownBook) {
      shownBook = key;
      const groupUnits = inst.tickUnits * grouping;
      bookView.render({ inst, ladder: book.ladder(settings.depth, groupUnits), last, bestBid: book.bestBid(), bestAsk: book.bestAsk(), grouping }, settings.depth);
      depthView.render(inst, book.ladder(DEPTH_CHART_LEVELS, groupUnits), now);
    } else depthView.tick(now);
    const groupingKey = `${selected}|${grouping}`;
    if (groupingKey !== shownGrouping) {
      shownGrouping = groupingKey;
      topBar.setGroupingChoices(
        GROUPINGS.map((g) => unitsToText(inst.tickUnits * g, inst.priceScale)),
        grouping,
      );
    }
    const candles = state.candles.get(selected);
    if (candles !== undefined && (dirty.has('chart') || fills.version !== shownFills)) {
      shownFills = fills.version;
      chartView.render(inst, candles, settings.resolution, fills.of(selected), fills.current);
    }
    if (now - titleAt > 1000) {
      titleAt = now;
      document.title = `${selected}${last !== undefined ? ` ${formatUnits(last.price, inst.priceScale)}` : ''} · Crucible`;
    }
  }
  // The reference panel also ages by itself (its "updated" time, the venue's mid against it).
  if (dirty.has('market') || dirty.has('instruments') || shownMarket !== selected || now - marketAt >= 1000) {
    shownMarket = selected;
    marketAt = now;
    marketView.render({
      symbol: selected,
      inst,
      attached: state.referenceAttached,
      ref: state.reference.get(selected),
      carried: [...state.reference.keys()],
      venueBid: book?.bestBid(),
      venueAsk: book?.bestAsk(),
      now: Date.now(),
    });
  }
  if (dirty.has('feed')) feedView.render(state.feed, (s) => state.instrument(s));
  if (dirty.has('stats') || dirty.has('instruments')) statsView.render(state.stats, state.instruments, selected);
  if (dirty.has('log') && !logView.render(state.log, now)) state.markDirty('log');
  if (dirty.has('sessions')) fixView.refresh();
});
loop.minIntervalMs = settings.updateIntervalMs;

// For the browser tests and the frame benchmark: counters, read-only.
Object.defineProperty(window, '__crucible', {
  value: Object.freeze({
    messages: () => state.messages,
    received: () => received,
    snapshots: () => state.snapshots,
    frames: () => frames,
    selected: () => selected,
    firstSnapshotMs: () => firstSnapshotAt,
  }),
});

fills.setAccount(settings.account);
connection.start();
fixView.start();
strategiesView.start();
loop.start();
