// Human-facing text of `crucible console` and `crucible start`. It goes to stderr so that stdout
// carries only what a program reading it needs (JSON events; the venue's one startup line).
import type { ListedInstrument } from '../venue/instruments.js';

export function banner(listings: readonly ListedInstrument[], title = 'Crucible matching engine'): string {
  const width = Math.max(6, ...listings.map((l) => l.instrument.symbol.length));
  const rows = listings.map((l) => `  ${l.instrument.symbol.padEnd(width)}  ${l.assetClass.padEnd(6)}  tick ${l.instrument.tickSize.padEnd(8)}  lot ${l.instrument.lotSize}`);
  return [title, `${listings.length} instruments:`, ...rows, ''].join('\n');
}

export const CONSOLE_HELP = `Engine console: one JSON command per line; events come back as JSON lines on stdout.
Prices and quantities are decimal strings on the instrument's tick and lot.
  {"kind":"new","symbol":"AAPL","orderId":1,"account":1,"side":"buy","type":"limit","tif":"gtc","price":"101.25","qty":"100"}
      type: limit | market | stop | stopLimit   tif: gtc | ioc | fok | day (default gtc)
      optional: stopPrice, displayQty, postOnly, stp (none | cancelNewest | cancelOldest | cancelBoth | decrementAndCancel)
  {"kind":"cancel","symbol":"AAPL","orderId":1,"account":1}
  {"kind":"replace","symbol":"AAPL","orderId":1,"account":1,"price":"101.30","qty":"150"}
  {"kind":"massCancel","symbol":"AAPL","account":1}        (both fields optional)
  {"kind":"endOfDay","symbol":"AAPL"}                      (symbol optional)
  {"kind":"book","symbol":"AAPL","depth":10}               (depth optional)
Ctrl-D or Ctrl-C to quit.
`;
