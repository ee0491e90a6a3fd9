// Stable reject codes, one range per pipeline stage so a reject tells where it came from:
//   1xxx  input at the edges (decimal prices and quantities, malformed or unsupported values, ClOrdIDs)
//   2xxx  pre-trade risk (venue)
//   3xxx  matching engine (instrument rules, order rules, unknown orders)
// Codes never change meaning once published; new codes are appended.

export const RejectCode = {
  // 1xxx: edge conversion
  InvalidDecimal: 1001,
  PriceNotOnTick: 1002,
  QtyNotOnLot: 1003,
  DecimalOutOfRange: 1004,
  MissingField: 1005,
  UnsupportedValue: 1006,
  DuplicateClOrdId: 1007,

  // 2xxx: venue
  SymbolHalted: 2001,
  VenueClosing: 2002,
  OrderRateExceeded: 2003,
  // 21xx: a strategy's own pre-trade risk (src/strategy/risk.ts)
  RiskOrderQuantityLimit: 2101,
  RiskOrderNotionalLimit: 2102,
  RiskPositionLimit: 2103,
  RiskPriceOutsideReferenceBand: 2104,
  RiskNoReferencePrice: 2105,
  RiskOrderRateLimit: 2106,
  RiskKillSwitchActive: 2107,
  RiskLossLimit: 2108,
  RiskDrawdownLimit: 2109,
  RiskStrategyNotRunning: 2110,
  RiskOrderInFlight: 2111,
  RiskInvalidOrder: 2112,
  RiskOperatorKill: 2113,

  // 3xxx: matching engine
  UnknownSymbol: 3001,
  InvalidSide: 3002,
  InvalidQty: 3003,
  QtyBelowMinimum: 3004,
  QtyAboveMaximum: 3005,
  InvalidPrice: 3006,
  PriceOutsideBand: 3007,
  DuplicateOrderId: 3008,
  UnknownOrder: 3009,
  PostOnlyWouldTake: 3010,
  InvalidOrderType: 3011,
  InvalidTimeInForce: 3012,
  StopWouldTriggerImmediately: 3013,
  InvalidDisplayQty: 3014,
  InvalidStopPrice: 3015,
  ReplaceQtyNotAboveFilled: 3016,
  InvalidStpMode: 3017,
  InvalidAccount: 3018,
  InvalidOrderId: 3019,
  InvalidCommand: 3020,
  DuplicateSymbol: 3021,
  InvalidInstrument: 3022,
} as const;

export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

const reasons: Record<RejectCode, string> = {
  1001: 'value is not a valid decimal number',
  1002: 'price is not a multiple of the instrument tick size',
  1003: 'quantity is not a multiple of the instrument lot size',
  1004: 'value is too large or too small to represent exactly',
  1005: 'a field the request needs is missing',
  1006: 'the venue does not support this value',
  1007: 'ClOrdID is already in use in this session',

  2001: 'trading in this symbol is halted',
  2002: 'the venue is shutting down',
  2003: 'order rate limit of the session exceeded',
  2101: 'order quantity above the strategy limit',
  2102: 'order notional above the strategy limit',
  2103: 'position limit would be exceeded',
  2104: 'price outside the band around the reference price',
  2105: 'no live reference price',
  2106: 'order rate limit reached',
  2107: 'kill switch is active',
  2108: 'loss limit reached',
  2109: 'drawdown limit reached',
  2110: 'strategy is not running',
  2111: 'order has a request in flight',
  2112: 'price and quantity must be positive whole numbers of ticks and lots',
  2113: 'kill switch tripped by an operator',

  3001: 'unknown symbol',
  3002: 'side must be buy or sell',
  3003: 'quantity must be a positive whole number of lots',
  3004: 'quantity is below the instrument minimum',
  3005: 'quantity is above the instrument maximum',
  3006: 'price must be a positive whole number of ticks',
  3007: 'price is outside the instrument price band',
  3008: 'an order with this id already exists',
  3009: 'unknown order (never entered, already done, or owned by another account)',
  3010: 'post-only order would take liquidity',
  3011: 'order type and its fields do not fit together',
  3012: 'time in force is not valid for this order type',
  3013: 'stop price would trigger immediately against the last trade price',
  3014: 'display quantity must be a positive whole number of lots, no larger than the order quantity',
  3015: 'stop price must be a positive whole number of ticks',
  3016: 'new order quantity must be above the quantity already filled',
  3017: 'unknown self-trade prevention mode',
  3018: 'account must be a non-negative integer',
  3019: 'order id must be a positive safe integer',
  3020: 'malformed command',
  3021: 'symbol already exists',
  3022: 'instrument definition is not valid',
};

/** The user-facing reason for a reject code. */
export function rejectReason(code: RejectCode): string {
  return reasons[code] ?? `reject ${code}`;
}

/** Every code with its reason, for documentation and API listings. */
export function allRejectCodes(): ReadonlyArray<{ code: RejectCode; reason: string }> {
  return (Object.values(RejectCode) as RejectCode[]).map((code) => ({ code, reason: reasons[code] }));
}
