// The reference market's top of book per symbol, kept from normalized market-data records: the
// price strategies quote around, pre-trade risk bands orders against, and the portfolio marks to.
// Tickers and book snapshots set the best bid and ask; trades set the last price; book changes
// carry no top of book on their own (a source with depth also sends tickers) and are left to the
// strategies that want them. A feed status tells whether the data can be trusted.
import type { FeedState, MarketRecord } from '../marketdata/records.js';
import type { InstrumentGrid } from './instrument-grid.js';

export class ReferenceQuote {
  /** Best bid and ask in ticks; 0 until known. */
  bidTicks = 0;
  askTicks = 0;
  // Sizes at the touch as the source wrote them, read as floats on demand (signals only).
  private bidSizeText = '0';
  private askSizeText = '0';
  // The last prices as text: most updates move only the sizes, and equal text needs no parsing.
  private bidText = '';
  private askText = '';
  lastTradeTicks = 0;
  /** Receive time of the last record applied. */
  time = 0;
  /** The feed's state for this symbol; a feed that never says otherwise is taken as live. */
  state: FeedState = 'live';
  /** Records whose prices were off the tick grid or not decimals. */
  rejected = 0;

  constructor(readonly grid: InstrumentGrid) {}

  get bidSize(): number {
    return Number(this.bidSizeText);
  }

  get askSize(): number {
    return Number(this.askSizeText);
  }

  /** A two-sided, uncrossed top of book is known. */
  get valid(): boolean {
    return this.bidTicks > 0 && this.askTicks > this.bidTicks;
  }

  /** Usable for quoting: valid, and the feed says live. */
  get live(): boolean {
    return this.state === 'live' && this.valid;
  }

  /** Bid + ask in ticks: twice the mid, an exact integer. */
  get mid2(): number {
    return this.bidTicks + this.askTicks;
  }

  /** The mid in ticks (may be a half tick). */
  get mid(): number {
    return (this.bidTicks + this.askTicks) / 2;
  }

  /** Applies a record of this symbol; true when the top of book (bid or ask) changed. */
  apply(record: MarketRecord): boolean {
    switch (record.type) {
      case 'ticker':
        this.time = record.localTime;
        return this.setTop(record.bestBidPrice, record.bestAskPrice, record.bestBidQuantity, record.bestAskQuantity);
      case 'book_snapshot': {
        this.time = record.localTime;
        const bid = record.bids[0];
        const ask = record.asks[0];
        if (bid === undefined || ask === undefined) return false;
        return this.setTop(bid[0], ask[0], bid[1], ask[1]);
      }
      case 'trade': {
        this.time = record.localTime;
        const ticks = this.grid.ticks(record.price);
        if (ticks === undefined) this.rejected++;
        else this.lastTradeTicks = ticks;
        return false;
      }
      case 'feed_status':
        this.time = record.localTime;
        this.state = record.state;
        return false;
      default:
        return false;
    }
  }

  private setTop(bidPrice: string, askPrice: string, bidSize: string, askSize: string): boolean {
    if (bidPrice === this.bidText && askPrice === this.askText) {
      this.bidSizeText = bidSize;
      this.askSizeText = askSize;
      return false;
    }
    const bid = this.grid.ticks(bidPrice);
    const ask = this.grid.ticks(askPrice);
    if (bid === undefined || ask === undefined || bid <= 0 || ask <= 0) {
      this.rejected++;
      return false;
    }
    this.bidText = bidPrice;
    this.askText = askPrice;
    this.bidSizeText = bidSize;
    this.askSizeText = askSize;
    if (bid === this.bidTicks && ask === this.askTicks) return false;
    this.bidTicks = bid;
    this.askTicks = ask;
    return true;
  }
}
