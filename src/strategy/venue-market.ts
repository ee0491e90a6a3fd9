// The venue's own market as strategies see it: its trade prints and its top of book. They arrive as
// exact decimal strings from an adapter over the venue's engine events (kept outside strategy/, which
// never imports the venue), and the runtime holds the latest top of book per symbol in ticks and lots.
import type { InstrumentGrid } from './instrument-grid.js';

/** A trade printed on the venue. */
export interface VenueTrade {
  readonly symbol: string;
  readonly tradeId: string;
  readonly price: string;
  readonly quantity: string;
  /** The aggressor's side. */
  readonly takerSide: 'buy' | 'sell';
  /** Epoch ms of the command that traded. */
  readonly time: number;
}

/** The venue's best bid and offer after a change; a side absent is empty. */
export interface VenueTopOfBook {
  readonly symbol: string;
  readonly bidPrice?: string;
  readonly bidQuantity?: string;
  readonly askPrice?: string;
  readonly askQuantity?: string;
  readonly time: number;
}

export interface VenueMarketListener {
  onVenueTrade(trade: VenueTrade): void;
  onVenueBook(book: VenueTopOfBook): void;
}

/** Where the venue's prints and top of book come from (live: released engine events; backtest: the same). */
export interface VenueMarketSource {
  /** Returns the unsubscribe. */
  subscribe(listener: VenueMarketListener): () => void;
}

/** The venue's top of book in ticks and lots; 0 and 0 for an empty side. */
export class VenueBookView {
  bidTicks = 0;
  bidLots = 0;
  askTicks = 0;
  askLots = 0;
  lastTradeTicks = 0;
  time = 0;

  constructor(readonly grid: InstrumentGrid) {}

  get hasBid(): boolean {
    return this.bidLots > 0;
  }

  get hasAsk(): boolean {
    return this.askLots > 0;
  }

  /** (bid size − ask size) / (bid size + ask size), in −1..1; 0 when a side is empty. */
  get imbalance(): number {
    if (this.bidLots <= 0 || this.askLots <= 0) return 0;
    return (this.bidLots - this.askLots) / (this.bidLots + this.askLots);
  }

  /** Takes a top of book; false when a price or size is off the grid (the view is left as it was). */
  apply(book: VenueTopOfBook): boolean {
    const g = this.grid;
    const bidTicks = book.bidPrice === undefined ? 0 : g.ticks(book.bidPrice);
    const bidLots = book.bidQuantity === undefined ? 0 : g.lots(book.bidQuantity);
    const askTicks = book.askPrice === undefined ? 0 : g.ticks(book.askPrice);
    const askLots = book.askQuantity === undefined ? 0 : g.lots(book.askQuantity);
    if (bidTicks === undefined || bidLots === undefined || askTicks === undefined || askLots === undefined) return false;
    this.bidTicks = bidLots > 0 ? bidTicks : 0;
    this.bidLots = bidTicks > 0 ? bidLots : 0;
    this.askTicks = askLots > 0 ? askTicks : 0;
    this.askLots = askTicks > 0 ? askLots : 0;
    this.time = book.time;
    return true;
  }

  applyTrade(trade: VenueTrade): boolean {
    const ticks = this.grid.ticks(trade.price);
    if (ticks === undefined) return false;
    this.lastTradeTicks = ticks;
    return true;
  }
}
