// What the venue lists beyond the engine's trading rules: each symbol's asset class, the reference
// price quoting starts from, and whether trading in it is halted. The engine keeps the instruments
// and their books; this keeps the rest, changed only by applied venue commands ('start', 'list',
// 'halt', 'resume'), so a snapshot plus the journal brings it back exactly as the books.
import type { Instrument } from '../engine/index.js';
import type { AssetClass } from './instruments.js';

/** A listing as the venue shows it: the instrument's rules, what it is, and whether it trades. */
export interface ListingState {
  readonly instrument: Instrument;
  readonly assetClass: AssetClass;
  readonly referencePrice?: string;
  readonly halted: boolean;
}

/** The answer to an operator's request (list, halt, resume), once durable. */
export type AdminResult = { readonly ok: true } | { readonly ok: false; readonly code: number; readonly reason: string };

/** A listing's details apart from the instrument, as journaled and snapshotted. */
export interface ListingDetails {
  readonly symbol: string;
  readonly assetClass: AssetClass;
  readonly referencePrice?: string;
}

export interface ListingSnapshot extends ListingDetails {
  readonly halted: boolean;
}

/** Every listing's details in listing order. */
export type ListingsSnapshot = readonly ListingSnapshot[];

interface Entry {
  assetClass: AssetClass;
  referencePrice: string | undefined;
  halted: boolean;
}

export class Listings {
  private readonly entries = new Map<string, Entry>();

  /** The snapshot's details; symbols the engine lists that the snapshot does not name (older snapshots) come after, as 'other'. */
  static restore(snapshot: ListingsSnapshot | undefined, instruments: readonly Instrument[]): Listings {
    const listings = new Listings();
    for (const s of snapshot ?? []) listings.entries.set(s.symbol, { assetClass: s.assetClass, referencePrice: s.referencePrice, halted: s.halted });
    for (const i of instruments) if (!listings.entries.has(i.symbol)) listings.entries.set(i.symbol, { assetClass: 'other', referencePrice: undefined, halted: false });
    return listings;
  }

  snapshot(): ListingsSnapshot {
    return [...this.entries].map(([symbol, e]) => ({
      symbol,
      assetClass: e.assetClass,
      ...(e.referencePrice !== undefined ? { referencePrice: e.referencePrice } : {}),
      halted: e.halted,
    }));
  }

  /** Sets a symbol's details (a new listing, or the configuration's current word on an old one); keeps its halted flag. */
  describe(details: ListingDetails): void {
    const entry = this.entries.get(details.symbol);
    if (entry === undefined) {
      this.entries.set(details.symbol, { assetClass: details.assetClass, referencePrice: details.referencePrice, halted: false });
      return;
    }
    entry.assetClass = details.assetClass;
    entry.referencePrice = details.referencePrice;
  }

  /** A symbol the engine lists without details here yet. */
  ensure(symbol: string): void {
    if (!this.entries.has(symbol)) this.entries.set(symbol, { assetClass: 'other', referencePrice: undefined, halted: false });
  }

  isHalted(symbol: string): boolean {
    return this.entries.get(symbol)?.halted ?? false;
  }

  setHalted(symbol: string, halted: boolean): void {
    const entry = this.entries.get(symbol);
    if (entry !== undefined) entry.halted = halted;
  }

  /** Listings in listing order, with the instrument from `instrumentOf` (symbols it does not know are left out). */
  states(instrumentOf: (symbol: string) => Instrument | undefined): ListingState[] {
    const out: ListingState[] = [];
    for (const [symbol, e] of this.entries) {
      const instrument = instrumentOf(symbol);
      if (instrument === undefined) continue;
      out.push({ instrument, assetClass: e.assetClass, ...(e.referencePrice !== undefined ? { referencePrice: e.referencePrice } : {}), halted: e.halted });
    }
    return out;
  }
}
