// The depth chart: cumulative bid size stepping down to the left of the mid price, cumulative ask
// size stepping up to the right, on a canvas sized to the device's pixels. Drawn only when the
// book or the theme changed.
import type { Ladder } from '../book-model.js';
import { el, themeColor } from '../dom.js';
import type { InstrumentView } from '../market-state.js';
import { formatUnits } from '../units.js';

const DRAW_EVERY_MS = 250;

interface Palette {
  bid: string;
  bidFill: string;
  ask: string;
  askFill: string;
  text: string;
  grid: string;
  font: string;
}

export class DepthChartView {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly empty: HTMLDivElement;
  private palette: Palette | undefined;
  private last: { inst: InstrumentView; ladder: Ladder } | undefined;
  private width = 0;
  private height = 0;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private pending = false;

  constructor() {
    this.canvas = el('canvas', { attrs: { 'aria-label': 'Depth chart', role: 'img' } });
    this.empty = el('div', { class: 'empty-state overlay', text: 'No depth to show' });
    this.root = el(
      'section',
      { class: 'panel area-depth', attrs: { 'aria-label': 'Depth chart', 'data-testid': 'depth-chart' } },
      el('header', { class: 'panel-head' }, el('h2', { text: 'Depth' })),
      el('div', { class: 'canvas-box' }, this.canvas, this.empty),
    );
    new ResizeObserver(() => this.resize()).observe(this.canvas.parentElement!);
  }

  /** The theme changed: colors are read again on the next draw. */
  themeChanged(): void {
    this.palette = undefined;
    this.redraw();
  }

  /** Draws at most every DRAW_EVERY_MS: a depth picture needs no more, and a canvas fill is not free. */
  render(inst: InstrumentView, ladder: Ladder, now: number): void {
    const changedSymbol = this.last?.inst !== inst;
    this.last = { inst, ladder };
    if (!changedSymbol && now - this.drawnAt < DRAW_EVERY_MS) {
      this.pending = true;
      return;
    }
    this.redraw();
  }

  /** A redraw held back by `render` is due. */
  tick(now: number): void {
    if (this.pending && now - this.drawnAt >= DRAW_EVERY_MS) this.redraw();
  }

  private resize(): void {
    const box = this.canvas.parentElement!.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.width = Math.max(1, Math.floor(box.width));
    this.height = Math.max(1, Math.floor(box.height));
    this.canvas.width = Math.floor(this.width * ratio);
    this.canvas.height = Math.floor(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.redraw();
  }

  private redraw(): void {
    this.pending = false;
    this.drawnAt = performance.now();
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const data = this.last;
    const has = data !== undefined && (data.ladder.bids.length > 0 || data.ladder.asks.length > 0);
    this.empty.hidden = has;
    if (!has || this.width < 20 || this.height < 20) return;
    const p = (this.palette ??= readPalette());
    const { inst, ladder } = data;
    const { bids, asks } = ladder;

    const pad = { left: 8, right: 8, top: 18, bottom: 20 };
    const w = this.width - pad.left - pad.right;
    const h = this.height - pad.top - pad.bottom;
    const bestBid = bids[0]?.price;
    const bestAsk = asks[0]?.price;
    const low = bids.length > 0 ? bids[bids.length - 1].price : bestAsk!;
    const high = asks.length > 0 ? asks[asks.length - 1].price : bestBid!;
    const mid = bestBid !== undefined && bestAsk !== undefined ? (bestBid + bestAsk) / 2 : (bestBid ?? bestAsk)!;
    // Symmetric around the mid, so the two sides compare at a glance.
    const halfRange = Math.max(mid - low, high - mid, inst.tickUnits);
    const x = (price: number): number => pad.left + ((price - (mid - halfRange)) / (2 * halfRange)) * w;
    const maxCum = Math.max(ladder.maxCumulative, 1);
    const y = (cum: number): number => pad.top + h - (cum / maxCum) * h;

    // Grid: quarter lines.
    ctx.strokeStyle = p.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 1; i < 4; i++) {
      const gy = Math.round(pad.top + (h * i) / 4) + 0.5;
      ctx.moveTo(pad.left, gy);
      ctx.lineTo(pad.left + w, gy);
    }
    ctx.stroke();

    const side = (levels: typeof bids, line: string, fill: string, leftward: boolean): void => {
      if (levels.length === 0) return;
      ctx.beginPath();
      const start = x(levels[0].price);
      ctx.moveTo(start, y(0));
      let cum = 0;
      for (const level of levels) {
        const px = x(level.price);
        ctx.lineTo(px, y(cum));
        cum = level.cumulative;
        ctx.lineTo(px, y(cum));
      }
      const edge = leftward ? pad.left : pad.left + w;
      ctx.lineTo(edge, y(cum));
      ctx.strokeStyle = line;
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.lineTo(edge, y(0));
      ctx.closePath();
      ctx.fillStyle = fill;
      ctx.fill();
    };
    side(bids, p.bid, p.bidFill, true);
    side(asks, p.ask, p.askFill, false);

    // Mid line and labels.
    ctx.strokeStyle = p.grid;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    const mx = Math.round(x(mid)) + 0.5;
    ctx.moveTo(mx, pad.top);
    ctx.lineTo(mx, pad.top + h);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = p.font;
    ctx.fillStyle = p.text;
    ctx.textBaseline = 'alphabetic';
    const baseline = this.height - 6;
    ctx.textAlign = 'left';
    ctx.fillText(formatUnits(Math.round(mid - halfRange), inst.priceScale), pad.left, baseline);
    ctx.textAlign = 'right';
    ctx.fillText(formatUnits(Math.round(mid + halfRange), inst.priceScale), pad.left + w, baseline);
    ctx.textAlign = 'center';
    ctx.fillText(formatUnits(Math.round(mid), inst.priceScale), mx, baseline);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(formatUnits(ladder.maxCumulative, inst.qtyScale), pad.left, 3);
  }
}

function readPalette(): Palette {
  return {
    bid: themeColor('--bid'),
    bidFill: themeColor('--bid-fill'),
    ask: themeColor('--ask'),
    askFill: themeColor('--ask-fill'),
    text: themeColor('--muted'),
    grid: themeColor('--grid'),
    font: `11px ${themeColor('--font-mono')}`,
  };
}
