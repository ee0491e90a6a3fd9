// Crucible's MatchingEngine behind the ../shared/bench/lob adapter contract (see its README.md).
// One instrument, one account (StpMode.None), GTC limits, market orders as Market + IOC.
//
// The bench measures the engine, so the adapter keeps out of the way: one mutable command object
// per kind is reused for every call (the engine copies what it needs and keeps no reference), and
// the sink only counts. Filled quantity is the change of the sink's fill counter during the call.
import { existsSync } from 'node:fs';

const ENGINE_URL = new URL('../dist/src/engine/index.js', import.meta.url);
if (!existsSync(ENGINE_URL)) {
  throw new Error(`bench/lob-adapter.mjs needs the compiled engine at ${ENGINE_URL.pathname}: run \`npm run build\` in the repository root first`);
}
const { MatchingEngine, OrderType, Side, StpMode, TimeInForce } = await import(ENGINE_URL.href);

const SYMBOL = 'BENCH';
const ACCOUNT = 1;
// Market orders never rest, so one id (never used by the workload's limits) serves them all.
// Kept below 2^30 so it stays a small integer in V8 on every build.
const MARKET_ORDER_ID = 0x3fffffff;

class CountingSink {
  filled = 0;
  cancels = 0;
  accepted() {}
  rejected() {}
  fill(_symbol, _tradeId, _price, qty) {
    this.filled += qty;
  }
  cancelled() {
    this.cancels++;
  }
  replaced() {}
  triggered() {}
  expired() {}
  bookLevel() {}
  topOfBook() {}
}

export const name = 'crucible-fastbook';

export function create() {
  const sink = new CountingSink();
  const engine = new MatchingEngine({ sink, instruments: [{ symbol: SYMBOL, tickSize: '1', lotSize: '1' }] });
  const book = engine.book(SYMBOL);
  // Every optional field is present from the start, so the objects keep one shape.
  const newCmd = {
    kind: 'new',
    time: 0,
    symbol: SYMBOL,
    orderId: 0,
    account: ACCOUNT,
    side: Side.Buy,
    type: OrderType.Limit,
    tif: TimeInForce.GTC,
    price: 0,
    qty: 0,
    stopPrice: 0,
    displayQty: 0,
    postOnly: false,
    stp: StpMode.None,
  };
  const cancelCmd = { kind: 'cancel', time: 0, symbol: SYMBOL, orderId: 0, account: ACCOUNT };
  let time = 0;

  return {
    limit(side, idNum, _idStr, price, size) {
      const before = sink.filled;
      newCmd.time = ++time;
      newCmd.orderId = idNum;
      newCmd.side = side;
      newCmd.type = OrderType.Limit;
      newCmd.tif = TimeInForce.GTC;
      newCmd.price = price;
      newCmd.qty = size;
      engine.newOrder(newCmd);
      return sink.filled - before;
    },
    market(side, size) {
      const before = sink.filled;
      newCmd.time = ++time;
      newCmd.orderId = MARKET_ORDER_ID;
      newCmd.side = side;
      newCmd.type = OrderType.Market;
      newCmd.tif = TimeInForce.IOC;
      newCmd.price = 0;
      newCmd.qty = size;
      engine.newOrder(newCmd);
      return sink.filled - before;
    },
    cancel(idNum) {
      // A miss is rejected (unknown order) without a cancelled event; a market remainder never
      // reaches here, so any cancelled event during this call is the removal of a resting order.
      const before = sink.cancels;
      cancelCmd.time = ++time;
      cancelCmd.orderId = idNum;
      engine.cancel(cancelCmd);
      return sink.cancels !== before;
    },
    count() {
      return book.orderCount();
    },
  };
}

export default { name, create };
