// The scenario and result shapes both client harnesses share (QuickFIX here, jspurefix in
// ../jspurefix), so one integration test can run the same steps through either engine.
// Prices and quantities are decimal strings and go on the wire exactly as written.

export type BeginString = 'FIX.4.2' | 'FIX.4.4';

/** Names map to FIX codes; any other string is sent verbatim, e.g. to provoke a venue reject. */
export type SideName = 'buy' | 'sell' | 'sell_short' | (string & {});
export type OrdTypeName = 'market' | 'limit' | 'stop' | 'stop_limit' | (string & {});
export type TifName = 'day' | 'gtc' | 'ioc' | 'fok' | 'gtd' | (string & {});

export type Step =
  | {
      readonly kind: 'new';
      readonly clOrdId: string;
      readonly symbol: string;
      readonly side: SideName;
      readonly ordType: OrdTypeName;
      /** omitted for market orders */
      readonly price?: string;
      readonly qty: string;
      readonly tif?: TifName;
      readonly stopPx?: string;
    }
  | {
      readonly kind: 'cancel';
      readonly origClOrdId: string;
      readonly clOrdId: string;
      readonly symbol: string;
      readonly side: SideName;
      readonly qty?: string;
    }
  | {
      readonly kind: 'replace';
      readonly origClOrdId: string;
      readonly clOrdId: string;
      readonly symbol: string;
      readonly side: SideName;
      readonly price?: string;
      readonly qty: string;
      /** defaults to limit */
      readonly ordType?: OrdTypeName;
      readonly tif?: TifName;
    }
  | { readonly kind: 'status'; readonly clOrdId: string; readonly symbol: string; readonly side: SideName }
  /**
   * Any application message, fields in the given order (the engine may reorder them). A value
   * of 'now' becomes the current UTC timestamp. jspurefix can only send tags its dictionary
   * defines for that message type; QuickFIX sends anything.
   */
  | { readonly kind: 'raw'; readonly msgType: string; readonly fields: ReadonlyArray<readonly [number, string]> }
  | { readonly kind: 'wait'; readonly ms: number }
  /** Wait until `count` messages (application messages plus session Rejects) have arrived in total. */
  | { readonly kind: 'await'; readonly count: number; readonly timeoutMs?: number }
  | { readonly kind: 'logout'; readonly text?: string };

export interface FixMessage {
  readonly msgType: string;
  /** e.g. 'ExecutionReport'; '' for message types the harness has no name for */
  readonly name: string;
  /** tag -> value; a tag repeated inside a group keeps its first value here */
  readonly fields: Readonly<Record<string, string>>;
  /** the whole message, '|'-delimited, every field in wire order */
  readonly raw: string;
}

export type ClientEvent =
  | ({ readonly event: 'logon'; readonly sessionId?: string } & Partial<FixMessage>)
  | { readonly event: 'logout'; readonly sessionId?: string; readonly wasLoggedOn?: boolean; readonly text: string }
  | ({ readonly event: 'message' } & FixMessage)
  | ({ readonly event: 'sent' } & FixMessage)
  | { readonly event: 'timeout'; readonly command: string; readonly expected: number; readonly received: number }
  | { readonly event: 'error'; readonly message: string }
  | { readonly event: 'exit'; readonly code: number };

export interface ClientRun {
  /** every event in the order it happened */
  readonly events: readonly ClientEvent[];
  /** inbound application messages and session-level Rejects (35=3), in arrival order */
  readonly received: readonly FixMessage[];
  /** outbound messages other than Heartbeat and TestRequest, including the Logon and Logout */
  readonly sent: readonly FixMessage[];
  readonly loggedOn: boolean;
  readonly loggedOut: boolean;
  /** 0 after a clean logout; the QuickFIX client's exit codes are listed in test/clients/README.md */
  readonly exitCode: number;
  /** the engine's own log, for diagnosing a failure */
  readonly log: string;
}

export function sideCode(side: SideName): string {
  return ({ buy: '1', sell: '2', sell_short: '5' } as Record<string, string>)[side] ?? side;
}

export function ordTypeCode(ordType: OrdTypeName): string {
  return ({ market: '1', limit: '2', stop: '3', stop_limit: '4' } as Record<string, string>)[ordType] ?? ordType;
}

export function tifCode(tif: TifName): string {
  return ({ day: '0', gtc: '1', ioc: '3', fok: '4', gtd: '6' } as Record<string, string>)[tif] ?? tif;
}

/** The line the QuickFIX client reads for a step (see test/clients/README.md). */
export function toQuickfixLine(step: Step): string {
  const word = (s: string): string => {
    if (s === '' || /\s/.test(s)) throw new Error(`QuickFIX scenario words may not be empty or contain spaces: ${JSON.stringify(s)}`);
    return s;
  };
  const opt = (s: string | undefined): string => (s === undefined ? '-' : word(s));
  switch (step.kind) {
    case 'new':
      return ['new', step.clOrdId, step.symbol, step.side, step.ordType, opt(step.price), step.qty, opt(step.tif)]
        .concat(step.stopPx === undefined ? [] : [step.stopPx])
        .map(word)
        .join(' ');
    case 'cancel':
      return ['cancel', step.origClOrdId, step.clOrdId, step.symbol, step.side]
        .concat(step.qty === undefined ? [] : [step.qty])
        .map(word)
        .join(' ');
    case 'replace':
      return ['replace', step.origClOrdId, step.clOrdId, step.symbol, step.side, opt(step.price), step.qty, step.ordType ?? 'limit']
        .concat(step.tif === undefined ? [] : [step.tif])
        .map(word)
        .join(' ');
    case 'status':
      return ['status', step.clOrdId, step.symbol, step.side].map(word).join(' ');
    case 'raw': {
      for (const [, value] of step.fields) {
        if (value.includes('|') || value.includes('\n')) throw new Error(`raw field values may not contain '|' or newlines: ${value}`);
      }
      return `raw ${word(step.msgType)} ${step.fields.map(([tag, value]) => `${tag}=${value}`).join('|')}`;
    }
    case 'wait':
      return `wait ${Math.max(0, Math.round(step.ms))}`;
    case 'await':
      return `await ${step.count} ${step.timeoutMs ?? 5000}`;
    case 'logout':
      return step.text === undefined ? 'logout' : `logout ${step.text.replace(/\s+/g, ' ')}`;
  }
}

/** Parses a '|'- or SOH-delimited FIX message into the shared shape. */
export function parseFixMessage(wire: string): FixMessage {
  const delimiter = wire.includes('\x01') ? '\x01' : '|';
  const fields: Record<string, string> = {};
  const pairs: string[] = [];
  for (const part of wire.split(delimiter)) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const tag = part.slice(0, eq);
    if (!(tag in fields)) fields[tag] = part.slice(eq + 1);
    pairs.push(part);
  }
  const msgType = fields['35'] ?? '';
  return { msgType, name: MSG_TYPE_NAMES[msgType] ?? '', fields, raw: pairs.join('|') + '|' };
}

export const MSG_TYPE_NAMES: Readonly<Record<string, string>> = {
  '0': 'Heartbeat',
  '1': 'TestRequest',
  '2': 'ResendRequest',
  '3': 'Reject',
  '4': 'SequenceReset',
  '5': 'Logout',
  '8': 'ExecutionReport',
  '9': 'OrderCancelReject',
  A: 'Logon',
  D: 'NewOrderSingle',
  F: 'OrderCancelRequest',
  G: 'OrderCancelReplaceRequest',
  H: 'OrderStatusRequest',
  V: 'MarketDataRequest',
  W: 'MarketDataSnapshotFullRefresh',
  X: 'MarketDataIncrementalRefresh',
  Y: 'MarketDataRequestReject',
  j: 'BusinessMessageReject',
  q: 'OrderMassCancelRequest',
  r: 'OrderMassCancelReport',
};
