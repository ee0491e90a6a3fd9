// The price chart: candles built from the venue's trades at 1 s, 1 m or 5 m, volume bars under
// them, zoom (wheel, pinch) and pan (drag) from lightweight-charts, and arrows where the chosen
// account's orders traded. Times are shown in the browser's time zone.
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { Candle, CandleSeries, Resolution, SymbolCandles } from '../candles.js';
import { el, setText, themeColor, toggle } from '../dom.js';
import type { InstrumentView } from '../market-state.js';
import { formatCount, unitsToText } from '../units.js';

/** A fill of the chosen account's order, for a marker. */
export interface AccountFill {
  readonly time: number;
  readonly price: number;
  readonly side: 'buy' | 'sell';
  readonly tradeId: string;
}

/** Up to this many fills, each marker carries its price. */
const MARKER_LABELS = 12;

const RESOLUTION_LABELS: ReadonlyArray<readonly [Resolution, string]> = [
  [1, '1s'],
  [60, '1m'],
  [300, '5m'],
];

export class PriceChartView {
  readonly root: HTMLElement;
  private readonly chart: IChartApi;
  private readonly candles: ISeriesApi<'Candlestick'>;
  private readonly volume: ISeriesApi<'Histogram'>;
  private readonly markers: ISeriesMarkersPluginApi<Time>;
  private readonly empty: HTMLDivElement;
  private readonly title: HTMLSpanElement;
  private readonly legend: HTMLSpanElement;
  private readonly buttons = new Map<Resolution, HTMLButtonElement>();
  private shown: { series: CandleSeries; symbol: string; length: number } | undefined;
  private markerKey = '';
  private volumeDivisor = 1;
  private upVolume = '';
  private downVolume = '';

  constructor(onResolution: (r: Resolution) => void) {
    const box = el('div', { class: 'chart-box', attrs: { 'data-testid': 'price-chart-canvas' } });
    this.empty = el('div', { class: 'empty-state overlay', text: 'No trades yet' });
    box.append(this.empty);
    this.title = el('span', { class: 'panel-sub' });
    this.legend = el('span', { class: 'chart-legend', attrs: { 'data-testid': 'account-fills' } });
    const group = el('div', { class: 'segmented', attrs: { role: 'group', 'aria-label': 'Candle interval' } });
    for (const [r, label] of RESOLUTION_LABELS) {
      const b = el('button', { text: label, attrs: { type: 'button', 'data-resolution': String(r) } });
      b.addEventListener('click', () => onResolution(r));
      this.buttons.set(r, b);
      group.append(b);
    }
    const fit = el('button', { class: 'ghost', text: 'Fit', title: 'Show every candle', attrs: { type: 'button' } });
    const live = el('button', { class: 'ghost', text: 'Live', title: 'Scroll to the newest candle', attrs: { type: 'button' } });
    fit.addEventListener('click', () => this.chart.timeScale().fitContent());
    live.addEventListener('click', () => this.chart.timeScale().scrollToRealTime());
    this.root = el(
      'section',
      { class: 'panel area-chart', attrs: { 'aria-label': 'Price chart', 'data-testid': 'price-chart' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Price' }), this.title, this.legend, el('span', { class: 'grow' }), group, fit, live),
      box,
    );
    this.chart = createChart(box, {
      autoSize: true,
      crosshair: { mode: CrosshairMode.Normal },
      timeScale: { timeVisible: true, secondsVisible: true, rightOffset: 4, borderVisible: false },
      rightPriceScale: { borderVisible: false, scaleMargins: { top: 0.08, bottom: 0.24 } },
      handleScale: { axisPressedMouseMove: true, mouseWheel: true, pinch: true },
      handleScroll: { mouseWheel: false, pressedMouseMove: true, horzTouchDrag: true, vertTouchDrag: false },
    });
    this.candles = this.chart.addSeries(CandlestickSeries, { borderVisible: false, priceLineVisible: true });
    this.volume = this.chart.addSeries(HistogramSeries, { priceScaleId: 'volume', priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false });
    this.chart.priceScale('volume').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    this.markers = createSeriesMarkers(this.candles, []);
    this.themeChanged();
  }

  themeChanged(): void {
    const text = themeColor('--muted');
    const grid = themeColor('--grid');
    this.chart.applyOptions({
      layout: { background: { type: ColorType.Solid, color: themeColor('--panel') }, textColor: text, fontFamily: themeColor('--font-mono'), fontSize: 11, attributionLogo: false },
      grid: { vertLines: { color: grid }, horzLines: { color: grid } },
      crosshair: { vertLine: { color: text, labelBackgroundColor: themeColor('--accent') }, horzLine: { color: text, labelBackgroundColor: themeColor('--accent') } },
    });
    const up = themeColor('--bid');
    const down = themeColor('--ask');
    this.candles.applyOptions({ upColor: up, downColor: down, wickUpColor: up, wickDownColor: down });
    this.upVolume = themeColor('--bid-fill-strong');
    this.downVolume = themeColor('--ask-fill-strong');
    this.shown?.series.touch();
  }

  render(inst: InstrumentView, candles: SymbolCandles, resolution: Resolution, fills: readonly AccountFill[] | undefined, account: string): void {
    for (const [r, b] of this.buttons) toggle(b, 'active', r === resolution);
    const series = candles.series[resolution];
    if (this.shown?.series !== series) {
      setText(this.title, inst.symbol);
      this.candles.applyOptions({ priceFormat: { type: 'price', precision: inst.priceScale, minMove: inst.tickUnits / 10 ** inst.priceScale } });
      this.volumeDivisor = 10 ** inst.qtyScale;
      series.touch();
      this.shown = { series, symbol: inst.symbol, length: 0 };
      this.markerKey = '';
    }
    const changes = series.takeChanges();
    const list = series.candles;
    if (changes !== undefined) {
      const scale = 10 ** inst.priceScale;
      if (changes.reset || changes.from < this.shown.length - 1) {
        this.candles.setData(list.map((c) => bar(c, scale)));
        this.volume.setData(list.map((c) => this.volumeBar(c)));
      } else {
        for (let i = changes.from; i < list.length; i++) {
          this.candles.update(bar(list[i], scale));
          this.volume.update(this.volumeBar(list[i]));
        }
      }
      this.shown.length = list.length;
      this.empty.hidden = list.length > 0;
      this.markerKey = '';
    }
    this.renderMarkers(inst, resolution, fills, account);
  }

  private renderMarkers(inst: InstrumentView, resolution: Resolution, fills: readonly AccountFill[] | undefined, account: string): void {
    const key = `${account}|${resolution}|${fills?.length ?? 0}|${fills?.[fills.length - 1]?.tradeId ?? ''}`;
    if (key === this.markerKey) return;
    this.markerKey = key;
    if (account === '' || fills === undefined) {
      this.markers.setMarkers([]);
      setText(this.legend, '');
      return;
    }
    const markers: SeriesMarker<Time>[] = fills
      .map((f) => ({
        time: localTime(Math.floor(f.time / 1000 / resolution) * resolution),
        position: f.side === 'buy' ? ('belowBar' as const) : ('aboveBar' as const),
        shape: f.side === 'buy' ? ('arrowUp' as const) : ('arrowDown' as const),
        color: f.side === 'buy' ? themeColor('--bid') : themeColor('--ask'),
        size: 1,
        id: f.tradeId,
        // Prices beside a few arrows help; beside dozens they are noise.
        text: fills.length <= MARKER_LABELS ? unitsToText(f.price, inst.priceScale) : '',
      }))
      .sort((a, b) => a.time - b.time);
    this.markers.setMarkers(markers);
    setText(this.legend, `${account}: ${formatCount(fills.length)} fill${fills.length === 1 ? '' : 's'}`);
  }

  private volumeBar(c: Candle): { time: UTCTimestamp; value: number; color: string } {
    return { time: localTime(c.time), value: c.volume / this.volumeDivisor, color: c.close >= c.open ? this.upVolume : this.downVolume };
  }
}

/** lightweight-charts draws UTC; shifting by the zone's offset shows local wall-clock time. */
function localTime(epochSeconds: number): UTCTimestamp {
  return (epochSeconds - new Date(epochSeconds * 1000).getTimezoneOffset() * 60) as UTCTimestamp;
}

function bar(c: Candle, scale: number): { time: UTCTimestamp; open: number; high: number; low: number; close: number } {
  return { time: localTime(c.time), open: c.open / scale, high: c.high / scale, low: c.low / scale, close: c.close / scale };
}
