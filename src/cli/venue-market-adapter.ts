// The venue's released engine events as the strategies' venue market (strategy/venue-market.ts):
// each trade print and each change of the top of book, in exact decimals. Strategies never import
// the venue; this adapter is where the two meet, for `crucible start` and `crucible backtest` alike.
import { type EngineSink, Side } from '../engine/index.js';
import { unitsToDecimal } from '../shared/decimal.js';
import type { VenueMarketListener, VenueMarketSource } from '../strategy/venue-market.js';
import type { Venue } from '../venue/venue.js';

class VenueMarketObserver implements EngineSink {
  readonly listeners = new Set<VenueMarketListener>();

  constructor(private readonly venue: Venue) {}

  accepted(): void {}
  rejected(): void {}
  cancelled(): void {}
  replaced(): void {}
  triggered(): void {}
  expired(): void {}
  bookLevel(): void {}

  fill(symbol: string, tradeId: number, price: number, qty: number, takerSide: Side): void {
    if (this.listeners.size === 0) return;
    const instrument = this.venue.core.instrument(symbol);
    if (instrument === undefined) return;
    const trade = {
      symbol,
      tradeId: String(tradeId),
      price: unitsToDecimal(price, instrument.tickSize),
      quantity: unitsToDecimal(qty, instrument.lotSize),
      takerSide: takerSide === Side.Buy ? ('buy' as const) : ('sell' as const),
      time: this.venue.core.eventTime,
    };
    for (const l of this.listeners) l.onVenueTrade(trade);
  }

  topOfBook(symbol: string, bidPrice: number, bidQty: number, askPrice: number, askQty: number): void {
    if (this.listeners.size === 0) return;
    const instrument = this.venue.core.instrument(symbol);
    if (instrument === undefined) return;
    const { tickSize, lotSize } = instrument;
    const book = {
      symbol,
      ...(bidQty > 0 ? { bidPrice: unitsToDecimal(bidPrice, tickSize), bidQuantity: unitsToDecimal(bidQty, lotSize) } : {}),
      ...(askQty > 0 ? { askPrice: unitsToDecimal(askPrice, tickSize), askQuantity: unitsToDecimal(askQty, lotSize) } : {}),
      time: this.venue.core.eventTime,
    };
    for (const l of this.listeners) l.onVenueBook(book);
  }
}

/** The venue's prints and top of book for strategies; one engine observer, however many subscribe. */
export function venueMarketSource(venue: Venue): VenueMarketSource {
  const observer = new VenueMarketObserver(venue);
  venue.core.addObserver(observer);
  return {
    subscribe(listener) {
      observer.listeners.add(listener);
      return () => observer.listeners.delete(listener);
    },
  };
}
