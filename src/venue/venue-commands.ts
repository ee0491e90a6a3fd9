// What the venue journals: venue-level commands, the decisions the FIX application made after it
// checked a request, never the raw FIX messages. Replaying them through the same apply path that
// ran them live (venue-core.ts) rebuilds the books and the order registry exactly, without
// re-running any decision that could come out differently in another build or configuration.
//
// A record's payload is the command as JSON; the record type says which JSON dialect, so a later
// format can be read next to this one. Fields are engine units (ticks, lots, the engine's enum
// numbers); the session is named by its key, the account by its name (the account directory
// turns names into engine numbers in apply, in journal order, so the numbers replay identically).
import type { Instrument, OrderType, Side, StpMode, TimeInForce } from '../engine/index.js';
import type { AssetClass } from './instruments.js';
import type { ListingDetails } from './listings.js';

/** Journal record type of a venue command, JSON payload, version 1. */
export const VENUE_COMMAND_V1 = 1;

/** The venue (re)started with these instruments: listings new to the books are added. */
export interface StartCommand {
  readonly kind: 'start';
  readonly instruments: readonly Instrument[];
  /** The configuration's details of these listings (asset class, reference price); absent in older journals. */
  readonly listings?: readonly ListingDetails[];
}

/** An operator lists a new symbol while the venue runs; it stays listed across restarts. */
export interface ListVenueCommand {
  readonly kind: 'list';
  readonly instrument: Instrument;
  readonly assetClass: AssetClass;
  readonly referencePrice?: string;
}

/** Trading in a symbol stops: its live orders are cancelled, new orders and replaces are rejected. */
export interface HaltVenueCommand {
  readonly kind: 'halt';
  readonly symbol: string;
}

/** Trading in a halted symbol starts again. */
export interface ResumeVenueCommand {
  readonly kind: 'resume';
  readonly symbol: string;
}

export interface NewOrderVenueCommand {
  readonly kind: 'new';
  readonly session: string;
  readonly clOrdId: string;
  /** Account (1) as the client sent it; absent when the session's CompID stands in. */
  readonly account?: string;
  /** The account the order belongs to: Account (1), else the session's CompID. */
  readonly accountName: string;
  /** Given by the sequencer. */
  readonly orderId: number;
  readonly symbol: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly tif: TimeInForce;
  readonly price: number;
  readonly qty: number;
  /** 0 unless a stop or stop-limit order. */
  readonly stopPrice: number;
  /** 0 unless an iceberg. */
  readonly displayQty: number;
  readonly postOnly: boolean;
  readonly stp: StpMode;
}

export interface CancelVenueCommand {
  readonly kind: 'cancel';
  readonly session: string;
  readonly clOrdId: string;
  /** OrigClOrdID (41) as the client sent it, for the reject should the engine refuse. */
  readonly origClOrdId: string;
  readonly orderId: number;
}

export interface ReplaceVenueCommand {
  readonly kind: 'replace';
  readonly session: string;
  readonly clOrdId: string;
  readonly origClOrdId: string;
  readonly orderId: number;
  /** New total quantity, lots. */
  readonly qty: number;
  readonly price: number;
  /** New trigger price of a pending stop; absent keeps it. */
  readonly stopPrice?: number;
}

/** OrderMassCancelRequest: the session's live orders, optionally one symbol and one side. */
export interface MassCancelVenueCommand {
  readonly kind: 'massCancel';
  readonly session: string;
  readonly clOrdId: string;
  readonly symbol?: string;
  readonly side?: Side;
}

/**
 * A request refused before the engine. It changes nothing but the session's ClOrdIDs: the one it
 * used stays taken, and a client told "rejected" must find it taken after a restart too.
 */
export interface RefuseVenueCommand {
  readonly kind: 'refuse';
  readonly session: string;
  readonly clOrdId: string;
}

/** End of the trading day: DAY orders expire (all symbols, or one). */
export interface EndOfDayVenueCommand {
  readonly kind: 'endOfDay';
  readonly symbol?: string;
}

export type VenueCommand =
  | StartCommand
  | NewOrderVenueCommand
  | CancelVenueCommand
  | ReplaceVenueCommand
  | MassCancelVenueCommand
  | RefuseVenueCommand
  | EndOfDayVenueCommand
  | ListVenueCommand
  | HaltVenueCommand
  | ResumeVenueCommand;

/** A command as the gateway hands it in: the sequencer gives a new order its engine id. */
export type UnsequencedCommand = Exclude<VenueCommand, NewOrderVenueCommand> | Omit<NewOrderVenueCommand, 'orderId'>;

/** A command with its place in the venue's history. */
export interface SequencedCommand {
  /** From 1, without gaps. */
  readonly seq: number;
  /** Epoch milliseconds, never earlier than the previous command's. */
  readonly time: number;
  readonly command: VenueCommand;
}

export function encodeVenueCommand(command: VenueCommand): Buffer {
  return Buffer.from(JSON.stringify(command), 'utf8');
}

export class BadVenueCommand extends Error {}

/** Parses and checks a journal payload; throws BadVenueCommand saying what is wrong. */
export function decodeVenueCommand(type: number, payload: Buffer): VenueCommand {
  if (type !== VENUE_COMMAND_V1) throw new BadVenueCommand(`unknown record type ${type}`);
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new BadVenueCommand(`payload is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const c = new Fields(value);
  switch (c.str('kind')) {
    case 'start':
      c.array('instruments');
      if (c.value.listings !== undefined) c.array('listings');
      break;
    case 'list':
      c.object('instrument');
      c.str('assetClass');
      c.optStr('referencePrice');
      break;
    case 'halt':
    case 'resume':
      c.str('symbol');
      break;
    case 'new':
      c.str('session');
      c.str('clOrdId');
      c.optStr('account');
      c.str('accountName');
      c.int('orderId');
      c.str('symbol');
      for (const k of ['side', 'type', 'tif', 'price', 'qty', 'stopPrice', 'displayQty', 'stp']) c.int(k);
      c.bool('postOnly');
      break;
    case 'cancel':
      c.str('session');
      c.str('clOrdId');
      c.str('origClOrdId');
      c.int('orderId');
      break;
    case 'replace':
      c.str('session');
      c.str('clOrdId');
      c.str('origClOrdId');
      c.int('orderId');
      c.int('qty');
      c.int('price');
      c.optInt('stopPrice');
      break;
    case 'massCancel':
      c.str('session');
      c.str('clOrdId');
      c.optStr('symbol');
      c.optInt('side');
      break;
    case 'refuse':
      c.str('session');
      c.str('clOrdId');
      break;
    case 'endOfDay':
      c.optStr('symbol');
      break;
    default:
      throw new BadVenueCommand(`unknown command kind ${JSON.stringify(c.value.kind)}`);
  }
  return value as VenueCommand;
}

class Fields {
  readonly value: Record<string, unknown>;
  constructor(value: unknown) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadVenueCommand('payload is not a JSON object');
    this.value = value as Record<string, unknown>;
  }
  private fail(key: string, what: string): never {
    throw new BadVenueCommand(`${String(this.value.kind)}: ${key} must be ${what}, got ${JSON.stringify(this.value[key])}`);
  }
  str(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }
  optStr(key: string): void {
    if (this.value[key] !== undefined) this.str(key);
  }
  int(key: string): void {
    const v = this.value[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(key, 'an integer');
  }
  optInt(key: string): void {
    if (this.value[key] !== undefined) this.int(key);
  }
  bool(key: string): void {
    if (typeof this.value[key] !== 'boolean') this.fail(key, 'true or false');
  }
  array(key: string): void {
    if (!Array.isArray(this.value[key])) this.fail(key, 'an array');
  }
  object(key: string): void {
    const v = this.value[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'an object');
  }
}
